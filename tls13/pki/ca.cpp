#include "tls13/pki/ca.h"

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <array>

#include "tls13/crypto/c_struct.h"
#include "tls13/pki/asn1_back_writer.hpp"
#include "tls13/pki/key_generation.h"
#include "tls13/pki/pem.h"
#include "tls13/secret.h"

namespace tpmtls::pki {

namespace {

using detail::oid;
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

// One X.509 v3 certificate (RFC 5280 §4.1), signed ecdsa-with-SHA256 by the issuer key.
Result<Bytes> write_certificate(const CertificateFields& fields, Random& random) {
    CertificateWriter crt;
    mbedtls_x509write_cert* w = &crt.value;
    mbedtls_x509write_crt_set_version(w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(w, MBEDTLS_MD_SHA256);
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
    return Bytes(buffer.end() - written, buffer.end());
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
    TRY(check_days(options.days));
    const std::string subject = TRY(normalize_subject(options.subject));
    TRY(encode_name(subject));  // an unknown attribute type is reported as such

    PrivateKeyPem key_pem = TRY(generate_p256_key(random));
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
    out.certificate_der = TRY(write_certificate(fields, random));
    out.certificate_pem = TRY(pem_encode("CERTIFICATE", view(out.certificate_der)));
    out.key_pem = std::move(key_pem.text);
    return out;
}

struct CertificateAuthority::Impl {
    Certificate certificate;
    Pk key;
    std::string subject;           // for display: "CN=CA, O=Acme"
    std::string writable_subject;  // for the issuer field: "CN=CA,O=Acme"
};

CertificateAuthority::CertificateAuthority(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CertificateAuthority::~CertificateAuthority() = default;
CertificateAuthority::CertificateAuthority(CertificateAuthority&&) noexcept = default;
CertificateAuthority& CertificateAuthority::operator=(CertificateAuthority&&) noexcept = default;

std::string CertificateAuthority::subject() const { return impl_->subject; }

Result<CertificateAuthority> CertificateAuthority::load(ByteView certificate, ByteView private_key) {
    auto impl = std::make_unique<Impl>();
    const Bytes certificate_input = mbedtls_parse_input(certificate);
    if (mbedtls_x509_crt_parse(&impl->certificate.value, certificate_input.data(), certificate_input.size()) != 0)
        return fail(AlertDescription::bad_certificate, "the CA certificate is not a valid X.509 certificate");
    if (impl->certificate.value.ca_istrue == 0)
        return fail(AlertDescription::bad_certificate, "the CA certificate is not a CA (basicConstraints CA:FALSE)");
    Bytes key_input = mbedtls_parse_input(private_key);
    const int rc = mbedtls_pk_parse_key(&impl->key.value, key_input.data(), key_input.size(), nullptr, 0);
    secure_wipe(key_input.data(), key_input.size());
    if (rc != 0) return fail(AlertDescription::internal_error, "the CA key is not a valid unencrypted private key");
    if (mbedtls_pk_check_pair(&impl->certificate.value.pk, &impl->key.value) != 0)
        return fail(AlertDescription::internal_error, "the CA key does not belong to the CA certificate");
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
    out.der = TRY(write_certificate(fields, random));
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
