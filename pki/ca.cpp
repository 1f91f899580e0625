#include "pki/ca.h"

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include <array>

#include "tls13/crypto/c_struct.h"
#include "tls13/der.h"
#include "pki/asn1_back_writer.hpp"
#include "pki/key_generation.h"
#include "pki/mbedtls_signature_algorithm.h"
#include "pki/pem.h"
#include "tls13/secret.h"
#include "tls13/x509/x509_parse.h"

namespace tpmtls::pki {

namespace {

using detail::oid;
using detail::SignatureAlgorithm;
using Pk = CStruct<mbedtls_pk_context, mbedtls_pk_init, mbedtls_pk_free>;
using Certificate = CStruct<mbedtls_x509_crt, mbedtls_x509_crt_init, mbedtls_x509_crt_free>;
using CertificateWriter = CStruct<mbedtls_x509write_cert, mbedtls_x509write_crt_init, mbedtls_x509write_crt_free>;
using Mpi = CStruct<mbedtls_mpi, mbedtls_mpi_init, mbedtls_mpi_free>;

constexpr int max_days = 36500;
constexpr size_t serial_size = 16;

int random_callback(void* random, unsigned char* out, size_t size) {
    static_cast<Random*>(random)->fill(std::span<uint8_t>(out, size));
    return 0;
}

Alert mbedtls_failure(std::string_view what, int rc) {
    return make_alert(AlertDescription::internal_error, std::string(what) + " failed (mbedTLS -0x" +
                                                            to_hex(Bytes{static_cast<uint8_t>((-rc) >> 8),
                                                                         static_cast<uint8_t>(-rc)}) +
                                                            ")");
}

Status check(int rc, std::string_view what) {
    if (rc < 0) return mbedtls_failure(what, rc);
    return ok();
}

Status check_days(int days) {
    if (days < 1 || days > max_days)
        return fail(AlertDescription::illegal_parameter,
                    "validity of " + std::to_string(days) + " days is out of range (1.." + std::to_string(max_days) + ")");
    return ok();
}

// RFC 5280 §4.1.2.2: a positive INTEGER of at most 20 octets; 16 random bytes with the top bit
// clear and a non-zero first byte, so it is exactly 16 octets in DER.
Bytes random_serial(Random& random) {
    Bytes serial(serial_size);
    random.fill(serial);
    serial[0] &= 0x7f;
    if (serial[0] == 0) serial[0] = 0x01;
    return serial;
}

// RFC 5280 §4.2.1.12 ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId.
Result<Bytes> extended_key_usage(CertificateProfile profile) {
    detail::AsnBackWriter w(32);
    w.wrap(detail::constructed_sequence, [&] {
        w.oid(profile == CertificateProfile::server ? oid(MBEDTLS_OID_SERVER_AUTH) : oid(MBEDTLS_OID_CLIENT_AUTH));
    });
    return w.finish("extKeyUsage");
}

struct CertificateFields {
    std::string subject;  // mbedTLS name string ("CN=a,O=b")
    std::string issuer;
    mbedtls_pk_context* subject_key = nullptr;
    mbedtls_pk_context* issuer_key = nullptr;
    Bytes serial;
    int64_t not_before = 0;
    int64_t not_after = 0;
    bool is_ca = false;
    CertificateProfile profile = CertificateProfile::client;
    std::vector<SubjectAltName> subject_alt_names;
};

// The scheme a CA key signs certificates with (see RsaPadding).
Result<const SignatureAlgorithm*> signature_algorithm_for(const mbedtls_pk_context& key, RsaPadding rsa_padding) {
    SignatureScheme scheme{};
    if (mbedtls_pk_get_type(&key) == MBEDTLS_PK_RSA) {
        scheme = rsa_padding == RsaPadding::pss ? SignatureScheme::rsa_pss_rsae_sha256 : SignatureScheme::rsa_pkcs1_sha256;
    } else if (rsa_padding == RsaPadding::pss) {
        return fail(AlertDescription::illegal_parameter, "RSASSA-PSS needs an RSA CA key, and this CA's key is ECDSA");
    } else if (mbedtls_pk_can_do(&key, MBEDTLS_PK_ECDSA) && mbedtls_pk_ec(key)->grp.id == MBEDTLS_ECP_DP_SECP256R1) {
        scheme = SignatureScheme::ecdsa_secp256r1_sha256;
    } else if (mbedtls_pk_can_do(&key, MBEDTLS_PK_ECDSA) && mbedtls_pk_ec(key)->grp.id == MBEDTLS_ECP_DP_SECP384R1) {
        scheme = SignatureScheme::ecdsa_secp384r1_sha384;
    } else {
        return fail(AlertDescription::internal_error, "the CA key is neither RSA nor ECDSA on P-256 or P-384");
    }
    return detail::find_signature_algorithm(scheme);
}

// mbedTLS 2.28's certificate writer signs PKCS#1 v1.5 or ECDSA only. For RSASSA-PSS its
// TBSCertificate (RFC 5280 §4.1) gets the PSS AlgorithmIdentifier in place of its own, in the
// TBSCertificate's signature field and in the Certificate's, and is signed again.
Result<Bytes> sign_rsa_pss(ByteView written, const SignatureAlgorithm& algorithm, mbedtls_pk_context& issuer_key,
                           Random& random) {
    Reader outer(written);
    Reader certificate = TRY(der::read_expected(outer, der::tag_sequence));
    Reader tbs = TRY(der::read_expected(certificate, der::tag_sequence));
    const ByteView version = TRY(der::read_tlv(tbs, detail::constructed_context(0)));
    const ByteView serial = TRY(der::read_tlv(tbs, der::tag_integer));
    TRY(der::read_expected(tbs, der::tag_sequence));  // mbedTLS's AlgorithmIdentifier
    const ByteView after_signature_field = tbs.take_rest();
    detail::AsnBackWriter tbs_writer(written.size() + 64);
    tbs_writer.wrap(detail::constructed_sequence, [&] {
        tbs_writer.raw(after_signature_field);
        detail::write_algorithm_identifier(tbs_writer, algorithm);
        tbs_writer.raw(serial);
        tbs_writer.raw(version);
    });
    const Bytes to_be_signed = TRY(tbs_writer.finish("TBSCertificate"));

    mbedtls_rsa_context* rsa = mbedtls_pk_rsa(issuer_key);
    const mbedtls_md_info_t* md = mbedtls_md_info_from_type(algorithm.hash);
    std::array<unsigned char, MBEDTLS_MD_MAX_SIZE> digest{};
    TRY(check(mbedtls_md(md, to_be_signed.data(), to_be_signed.size(), digest.data()), "hashing the certificate"));
    Bytes signature(mbedtls_rsa_get_len(rsa));
    mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, algorithm.hash);
    TRY(check(mbedtls_rsa_rsassa_pss_sign_ext(rsa, random_callback, &random, algorithm.hash, 0, digest.data(),
                                              algorithm.salt_length, signature.data()),
              "RSASSA-PSS signing"));
    detail::AsnBackWriter w(to_be_signed.size() + signature.size() + 256);
    w.wrap(detail::constructed_sequence, [&] {
        w.check(mbedtls_asn1_write_bitstring(w.cursor(), w.start(), signature.data(), signature.size() * 8));
        detail::write_algorithm_identifier(w, algorithm);
        w.raw(view(to_be_signed));
    });
    return w.finish("Certificate");
}

// A certificate signed by `issuer_key` must verify with it, as any relying party will check.
Status check_signature(ByteView der, mbedtls_pk_context& issuer_key) {
    Certificate parsed;
    if (mbedtls_x509_crt_parse_der(&parsed.value, der.data(), der.size()) != 0)
        return fail(AlertDescription::internal_error, "the written certificate does not parse");
    const mbedtls_x509_crt& c = parsed.value;
    if (!detail::signature_verifies(c.sig_pk, c.sig_opts, c.sig_md, ByteView(c.tbs.p, c.tbs.len),
                                    ByteView(c.sig.p, c.sig.len), issuer_key))
        return fail(AlertDescription::internal_error, "the written certificate's signature does not verify");
    return ok();
}

// One X.509 v3 certificate (RFC 5280 §4.1), signed with `algorithm` by the issuer key.
Result<Bytes> write_certificate(const CertificateFields& fields, const SignatureAlgorithm& algorithm, Random& random) {
    CertificateWriter crt;
    mbedtls_x509write_cert* w = &crt.value;
    mbedtls_x509write_crt_set_version(w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(w, algorithm.hash);
    // An RSA key signs as its padding says: PKCS#1 v1.5 here, whatever a PSS signature before set.
    if (mbedtls_pk_get_type(fields.issuer_key) == MBEDTLS_PK_RSA)
        mbedtls_rsa_set_padding(mbedtls_pk_rsa(*fields.issuer_key), MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
    Mpi serial;
    TRY(check(mbedtls_mpi_read_binary(&serial.value, fields.serial.data(), fields.serial.size()), "serial"));
    TRY(check(mbedtls_x509write_crt_set_serial(w, &serial.value), "serial"));
    const std::string from = format_utc_compact(fields.not_before);
    const std::string to = format_utc_compact(fields.not_after);
    TRY(check(mbedtls_x509write_crt_set_validity(w, from.c_str(), to.c_str()), "validity"));
    if (mbedtls_x509write_crt_set_subject_name(w, fields.subject.c_str()) != 0)
        return fail(AlertDescription::illegal_parameter, "subject '" + fields.subject + "' cannot be written");
    if (mbedtls_x509write_crt_set_issuer_name(w, fields.issuer.c_str()) != 0)
        return fail(AlertDescription::illegal_parameter, "issuer '" + fields.issuer + "' cannot be written");
    mbedtls_x509write_crt_set_subject_key(w, fields.subject_key);
    mbedtls_x509write_crt_set_issuer_key(w, fields.issuer_key);
    // RFC 5280 §4.2.1.9, §4.2.1.3, §4.2.1.2, §4.2.1.1.
    TRY(check(mbedtls_x509write_crt_set_basic_constraints(w, fields.is_ca ? 1 : 0, fields.is_ca ? 0 : -1),
              "basicConstraints"));
    const unsigned usage = fields.is_ca ? (MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN)
                                        : MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
    TRY(check(mbedtls_x509write_crt_set_key_usage(w, static_cast<unsigned char>(usage)), "keyUsage"));
    TRY(check(mbedtls_x509write_crt_set_subject_key_identifier(w), "subjectKeyIdentifier"));
    TRY(check(mbedtls_x509write_crt_set_authority_key_identifier(w), "authorityKeyIdentifier"));
    if (!fields.is_ca) {
        const Bytes eku = TRY(extended_key_usage(fields.profile));
        TRY(check(mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                                      MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, eku.data(),
                                                      eku.size()),
                  "extKeyUsage"));
    }
    if (!fields.subject_alt_names.empty()) {
        // RFC 5280 §4.2.1.6: critical only when the subject is empty, which we never issue.
        const Bytes san = TRY(encode_subject_alt_names(fields.subject_alt_names));
        TRY(check(mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                                      MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san.data(),
                                                      san.size()),
                  "subjectAltName"));
    }
    Bytes buffer(4096 + 64 * fields.subject_alt_names.size());
    const int written = mbedtls_x509write_crt_der(w, buffer.data(), buffer.size(), random_callback, &random);
    if (written <= 0) return mbedtls_failure("writing the certificate", written);
    Bytes der(buffer.end() - written, buffer.end());
    if (!algorithm.hash_oid.empty()) der = TRY(sign_rsa_pss(view(der), algorithm, *fields.issuer_key, random));
    TRY(check_signature(view(der), *fields.issuer_key));
    return der;
}

// The one place the CA certificate is parsed: through tls13/x509/x509_parse.h, so a CA certificate
// with the critical path constraints real CAs carry (nameConstraints, certificatePolicies, ...;
// they bind relying parties, not the signer) loads as it does in a trust store.
Status parse_ca_certificate(ByteView pem_or_der, mbedtls_x509_crt& out) {
    const auto der = pem_decode("CERTIFICATE", pem_or_der);
    if (!der) return fail(AlertDescription::bad_certificate, "the CA certificate is not a PEM or DER certificate");
    if (auto parsed = parse_certificate(out, view(*der), true); !parsed)
        return fail(AlertDescription::bad_certificate,
                    "the CA certificate is not a valid X.509 certificate (" + parsed.error().reason + ")");
    return ok();
}

Result<std::string> dn_string(const mbedtls_x509_name& name) {
    std::array<char, 1024> text{};
    if (mbedtls_x509_dn_gets(text.data(), text.size(), &name) < 0)
        return fail(AlertDescription::decode_error, "distinguished name too long");
    return std::string(text.data());
}

}  // namespace

Result<CertificateProfile> parse_certificate_profile(std::string_view text) {
    if (text == "client") return CertificateProfile::client;
    if (text == "server") return CertificateProfile::server;
    return fail(AlertDescription::illegal_parameter, "unknown profile '" + std::string(text) + "' (client or server)");
}

std::string to_string(CertificateProfile profile) {
    return profile == CertificateProfile::server ? "server" : "client";
}

NewCertificateAuthority::~NewCertificateAuthority() { secure_wipe(key_pem.data(), key_pem.size()); }

Result<NewCertificateAuthority> create_certificate_authority(const CaOptions& options, const Clock& clock,
                                                             Random& random) {
    return create_certificate_authority(options, KeySpec{}, clock, random);
}

Result<NewCertificateAuthority> create_certificate_authority(const CaOptions& options, const KeySpec& key_spec,
                                                             const Clock& clock, Random& random) {
    TRY(check_days(options.days));
    const std::string subject = TRY(normalize_subject(options.subject));
    TRY(encode_name(subject));  // an unknown attribute type is reported as such

    PrivateKeyPem key_pem = TRY(generate_key(key_spec, random));
    Pk key;
    {
        Bytes input = mbedtls_parse_input(view(key_pem.text));
        const int rc = mbedtls_pk_parse_key(&key.value, input.data(), input.size(), nullptr, 0);
        secure_wipe(input.data(), input.size());
        TRY(check(rc, "reading the new CA key"));
    }

    CertificateFields fields;
    fields.subject = subject;
    fields.issuer = subject;
    fields.subject_key = &key.value;
    fields.issuer_key = &key.value;
    fields.serial = random_serial(random);
    fields.not_before = clock.unix_seconds();
    fields.not_after = fields.not_before + int64_t{options.days} * 86400;
    fields.is_ca = true;

    NewCertificateAuthority out;
    const SignatureAlgorithm* algorithm = TRY(signature_algorithm_for(key.value, RsaPadding::pkcs1_v15));
    out.certificate_der = TRY(write_certificate(fields, *algorithm, random));
    out.certificate_pem = TRY(pem_encode("CERTIFICATE", view(out.certificate_der)));
    out.key_pem = std::move(key_pem.text);
    return out;
}

struct CertificateAuthority::Impl {
    Certificate certificate;
    Pk key;
    std::string subject;           // for display: "CN=CA, O=Acme"
    std::string writable_subject;  // for the issuer field: "CN=CA,O=Acme"
    const SignatureAlgorithm* signature_algorithm = nullptr;
};

CertificateAuthority::CertificateAuthority(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CertificateAuthority::~CertificateAuthority() = default;
CertificateAuthority::CertificateAuthority(CertificateAuthority&&) noexcept = default;
CertificateAuthority& CertificateAuthority::operator=(CertificateAuthority&&) noexcept = default;

std::string CertificateAuthority::subject() const { return impl_->subject; }
SignatureScheme CertificateAuthority::signature_scheme() const { return impl_->signature_algorithm->scheme; }
std::string CertificateAuthority::signature_algorithm() const {
    return std::string(impl_->signature_algorithm->name);
}

Result<CertificateAuthority> CertificateAuthority::load(ByteView certificate, ByteView private_key,
                                                         RsaPadding rsa_padding) {
    auto impl = std::make_unique<Impl>();
    TRY(parse_ca_certificate(certificate, impl->certificate.value));
    if (impl->certificate.value.ca_istrue == 0)
        return fail(AlertDescription::bad_certificate, "the CA certificate is not a CA (basicConstraints CA:FALSE)");
    Bytes key_input = mbedtls_parse_input(private_key);
    const int rc = mbedtls_pk_parse_key(&impl->key.value, key_input.data(), key_input.size(), nullptr, 0);
    secure_wipe(key_input.data(), key_input.size());
    if (rc != 0) return fail(AlertDescription::internal_error, "the CA key is not a valid unencrypted private key");
    if (mbedtls_pk_check_pair(&impl->certificate.value.pk, &impl->key.value) != 0)
        return fail(AlertDescription::internal_error, "the CA key does not belong to the CA certificate");
    impl->signature_algorithm = TRY(signature_algorithm_for(impl->key.value, rsa_padding));
    impl->subject = TRY(dn_string(impl->certificate.value.subject));
    const mbedtls_x509_buf& raw = impl->certificate.value.subject_raw;
    impl->writable_subject = TRY(subject_from_name(ByteView(raw.p, raw.len)));
    return CertificateAuthority(std::move(impl));
}

Result<IssuedCertificate> CertificateAuthority::issue(ByteView request_pem_or_der, const IssueOptions& options,
                                                      const Clock& clock, Random& random) const {
    TRY(check_days(options.days));
    // The signature is checked before anything from the request is used.
    const CertificateRequest request = TRY(parse_certificate_request(request_pem_or_der));
    Pk subject_key;
    if (mbedtls_pk_parse_public_key(&subject_key.value, request.subject_public_key_info.data(),
                                    request.subject_public_key_info.size()) != 0)
        return fail(AlertDescription::decode_error, "the CSR's public key cannot be read");

    CertificateFields fields;
    fields.subject = TRY(subject_from_name(view(request.subject_der)));
    fields.issuer = impl_->writable_subject;
    fields.subject_key = &subject_key.value;
    fields.issuer_key = &impl_->key.value;
    fields.serial = random_serial(random);
    fields.not_before = clock.unix_seconds();
    fields.not_after = fields.not_before + int64_t{options.days} * 86400;
    fields.profile = options.profile;
    fields.subject_alt_names = request.subject_alt_names;

    IssuedCertificate out;
    out.der = TRY(write_certificate(fields, *impl_->signature_algorithm, random));
    // The subject went through mbedTLS's text form; it must come out as it went in (same
    // attribute types and value bytes, in the same order).
    Certificate issued;
    if (mbedtls_x509_crt_parse_der(&issued.value, out.der.data(), out.der.size()) != 0)
        return fail(AlertDescription::internal_error, "the issued certificate does not parse");
    const auto issued_subject = subject_from_name(ByteView(issued.value.subject_raw.p, issued.value.subject_raw.len));
    if (!issued_subject || *issued_subject != fields.subject)
        return fail(AlertDescription::internal_error,
                    "the CSR subject '" + request.subject + "' did not survive being copied into the certificate");
    out.subject = TRY(dn_string(issued.value.subject));
    out.pem = TRY(pem_encode("CERTIFICATE", view(out.der)));
    out.serial = std::move(fields.serial);
    out.subject_alt_names = request.subject_alt_names;
    out.not_before = fields.not_before;
    out.not_after = fields.not_after;
    return out;
}

}  // namespace tpmtls::pki
