#include "tls13/crypto/verify.h"

#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <optional>
#include <string>

#include "tls13/crypto/c_struct.h"
#include "tls13/crypto/mbedtls_signature_hash.h"
#include "tls13/x509/x509_parse.h"

namespace tpmtls {

struct PublicKey::Impl {
    CStruct<mbedtls_pk_context, mbedtls_pk_init, mbedtls_pk_free> pk;
};

namespace {

using Certificate = CStruct<mbedtls_x509_crt, mbedtls_x509_crt_init, mbedtls_x509_crt_free>;
using Mpi = CStruct<mbedtls_mpi, mbedtls_mpi_init, mbedtls_mpi_free>;

Alert bad_signature(std::string_view why) { return make_alert(AlertDescription::decrypt_error, why); }

enum class SignatureKind : uint8_t { ecdsa, rsa_pss };

struct SchemeParams {
    SignatureKind kind;
    mbedtls_md_type_t md;
};

// RFC 8446 §4.2.3: the hash named by the scheme is also PSS's MGF1 hash. rsa_pss_pss_* (a key
// whose SubjectPublicKeyInfo is id-RSASSA-PSS) is left out: mbedTLS 2.28 cannot parse such a
// key (mbedtls_pk_parse_public_key: MBEDTLS_ERR_PK_UNKNOWN_PK_ALG), so no certificate we can
// read would fit it.
std::optional<SchemeParams> scheme_params(SignatureScheme scheme) {
    const auto md = signature_hash(scheme);
    if (!md) return std::nullopt;
    switch (scheme) {
        case SignatureScheme::ecdsa_secp256r1_sha256:
        case SignatureScheme::ecdsa_secp384r1_sha384:
        case SignatureScheme::ecdsa_secp521r1_sha512: return SchemeParams{SignatureKind::ecdsa, *md};
        case SignatureScheme::rsa_pss_rsae_sha256:
        case SignatureScheme::rsa_pss_rsae_sha384:
        case SignatureScheme::rsa_pss_rsae_sha512: return SchemeParams{SignatureKind::rsa_pss, *md};
        default: return std::nullopt;
    }
}

bool looks_like_pem(ByteView data) {
    constexpr std::string_view begin = "-----BEGIN";
    return data.size() >= begin.size() && std::equal(begin.begin(), begin.end(), data.begin());
}

// One DER element of at most 255 bytes. An ECDSA-Sig-Value's INTEGERs take at most 2 + 67 bytes
// (P-521), so the SEQUENCE is at most 138 bytes: one length byte, or 0x81 and one byte from 128
// on (X.690 §8.1.3.5; DER's minimal form, §10.1).
Result<ByteView> der_small_element(Reader& r, uint8_t tag) {
    if (TRY(r.u8()) != tag) return fail(AlertDescription::decode_error, "unexpected DER tag");
    uint8_t length = TRY(r.u8());
    if (length == 0x81) {
        length = TRY(r.u8());
        if (length < 0x80) return fail(AlertDescription::decode_error, "non-minimal DER length");
    } else if (length >= 0x80) {
        return fail(AlertDescription::decode_error, "DER length longer than 255");
    }
    return r.bytes(length);
}

// A DER INTEGER that is positive and minimally encoded (X.690 §8.3.2).
Status read_der_positive_integer(Reader& r, Mpi& out) {
    const ByteView v = TRY(der_small_element(r, 0x02));
    if (v.empty()) return fail(AlertDescription::decode_error, "empty DER INTEGER");
    if ((v[0] & 0x80) != 0) return fail(AlertDescription::decode_error, "negative DER INTEGER");
    if (v.size() > 1 && v[0] == 0 && (v[1] & 0x80) == 0)
        return fail(AlertDescription::decode_error, "non-minimal DER INTEGER");
    if (mbedtls_mpi_read_binary(&out.value, v.data(), v.size()) != 0)
        return fail(AlertDescription::internal_error, "out of memory reading an INTEGER");
    return ok();
}

// RFC 8446 §4.2.3: ECDSA signatures are the DER encoding of
// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3), nothing after it.
Status read_ecdsa_signature(ByteView signature, Mpi& r, Mpi& s) {
    Reader outer(signature);
    Reader body(TRY(der_small_element(outer, 0x30)));
    TRY(outer.expect_end());
    TRY(read_der_positive_integer(body, r));
    TRY(read_der_positive_integer(body, s));
    TRY(body.expect_end());
    return ok();
}

Status verify_ecdsa(const PublicKey& key, const SchemeParams& params, ByteView message, ByteView signature) {
    Mpi r, s;
    // A signature we cannot even decode cannot verify: decrypt_error, like a wrong one (§4.4.3).
    if (!read_ecdsa_signature(signature, r, s)) return bad_signature("ECDSA signature is not a DER ECDSA-Sig-Value");
    const Bytes digest = tpmtls::digest(params.md, message);
    mbedtls_ecp_keypair* ec = mbedtls_pk_ec(key.impl().pk.value);
    // mbedtls_ecdsa_verify also requires 1 <= r, s < n (SEC 1 §4.1.4 step 1).
    if (mbedtls_ecdsa_verify(&ec->grp, digest.data(), digest.size(), &ec->Q, &r.value, &s.value) != 0)
        return bad_signature("ECDSA signature does not verify");
    return ok();
}

Status verify_rsa_pss(const PublicKey& key, const SchemeParams& params, ByteView message, ByteView signature) {
    mbedtls_pk_context& pk = key.impl().pk.value;
    // RSASSA-PSS signatures are exactly as long as the modulus (RFC 8017 §8.1.2 step 1).
    if (signature.size() != mbedtls_pk_get_len(&pk)) return bad_signature("RSA-PSS signature has the wrong length");
    const Bytes digest = tpmtls::digest(params.md, message);
    // RFC 8446 §4.2.3: MGF1 uses the scheme's hash and the salt MUST be as long as the digest.
    mbedtls_pk_rsassa_pss_options options{};
    options.mgf1_hash_id = params.md;
    options.expected_salt_len = static_cast<int>(digest.size());
    if (mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &options, &pk, params.md, digest.data(), digest.size(),
                              signature.data(), signature.size()) != 0)
        return bad_signature("RSA-PSS signature does not verify");
    return ok();
}

}  // namespace

PublicKey::PublicKey() : impl_(std::make_unique<Impl>()) {}
PublicKey::~PublicKey() = default;
PublicKey::PublicKey(PublicKey&&) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&&) noexcept = default;

Result<PublicKey> PublicKey::from_spki(ByteView der_or_pem) {
    PublicKey key;
    int rc = 0;
    if (looks_like_pem(der_or_pem)) {
        // mbedTLS recognises PEM only in a NUL-terminated buffer whose length counts the NUL.
        const std::string pem(der_or_pem.begin(), der_or_pem.end());
        rc = mbedtls_pk_parse_public_key(&key.impl_->pk.value, reinterpret_cast<const unsigned char*>(pem.c_str()),
                                         pem.size() + 1);
    } else {
        rc = mbedtls_pk_parse_public_key(&key.impl_->pk.value, der_or_pem.data(), der_or_pem.size());
    }
    if (rc != 0) return fail(AlertDescription::bad_certificate, "SubjectPublicKeyInfo does not parse");
    const mbedtls_pk_type_t type = mbedtls_pk_get_type(&key.impl_->pk.value);
    if (type != MBEDTLS_PK_RSA && type != MBEDTLS_PK_ECKEY)
        return fail(AlertDescription::unsupported_certificate, "public key is neither RSA nor EC");
    return key;
}

Result<PublicKey> PublicKey::from_certificate(ByteView der) {
    Certificate cert;
    TRY(parse_certificate(cert.value, der, false));
    // mbedTLS cannot copy a pk context; re-parse the certificate's raw SubjectPublicKeyInfo
    // into our own so the certificate can be freed here.
    return from_spki(ByteView(cert.value.pk_raw.p, cert.value.pk_raw.len));
}

bool PublicKey::supports(SignatureScheme scheme) const {
    const mbedtls_pk_context& pk = impl_->pk.value;
    const bool is_ec = mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY;
    switch (scheme) {
        // RFC 8446 §4.2.3: in TLS 1.3 the ECDSA schemes fix the curve as well as the hash.
        case SignatureScheme::ecdsa_secp256r1_sha256: return is_ec && mbedtls_pk_ec(pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
        case SignatureScheme::ecdsa_secp384r1_sha384: return is_ec && mbedtls_pk_ec(pk)->grp.id == MBEDTLS_ECP_DP_SECP384R1;
        case SignatureScheme::ecdsa_secp521r1_sha512: return is_ec && mbedtls_pk_ec(pk)->grp.id == MBEDTLS_ECP_DP_SECP521R1;
        // rsae: the key is an rsaEncryption key, the signature PSS.
        case SignatureScheme::rsa_pss_rsae_sha256:
        case SignatureScheme::rsa_pss_rsae_sha384:
        case SignatureScheme::rsa_pss_rsae_sha512: return mbedtls_pk_get_type(&pk) == MBEDTLS_PK_RSA;
        default: return false;
    }
}

const std::vector<SignatureScheme>& verifiable_schemes() {
    static const std::vector<SignatureScheme> schemes = {
        SignatureScheme::ecdsa_secp256r1_sha256,
        SignatureScheme::ecdsa_secp384r1_sha384,
        SignatureScheme::ecdsa_secp521r1_sha512,
        SignatureScheme::rsa_pss_rsae_sha256,
        SignatureScheme::rsa_pss_rsae_sha384,
        SignatureScheme::rsa_pss_rsae_sha512,
    };
    return schemes;
}

const std::vector<SignatureScheme>& certificate_signature_schemes() {
    static const std::vector<SignatureScheme> schemes = {
        SignatureScheme::ecdsa_secp256r1_sha256, SignatureScheme::ecdsa_secp384r1_sha384,
        SignatureScheme::ecdsa_secp521r1_sha512, SignatureScheme::rsa_pss_rsae_sha256,
        SignatureScheme::rsa_pss_rsae_sha384,    SignatureScheme::rsa_pss_rsae_sha512,
        SignatureScheme::rsa_pkcs1_sha256,       SignatureScheme::rsa_pkcs1_sha384,
        SignatureScheme::rsa_pkcs1_sha512,
    };
    return schemes;
}

bool certificate_only_scheme(SignatureScheme scheme) {
    switch (scheme) {
        case SignatureScheme::rsa_pkcs1_sha1:
        case SignatureScheme::ecdsa_sha1:
        case SignatureScheme::rsa_pkcs1_sha256:
        case SignatureScheme::rsa_pkcs1_sha384:
        case SignatureScheme::rsa_pkcs1_sha512: return true;
        default: return false;
    }
}

Status verify_signature(SignatureScheme scheme, const PublicKey& key, ByteView message, ByteView signature) {
    const auto params = scheme_params(scheme);
    if (!params) return fail(AlertDescription::illegal_parameter, "signature scheme not supported: " + to_string(scheme));
    if (!key.supports(scheme))
        return fail(AlertDescription::illegal_parameter, "signature scheme does not fit the key: " + to_string(scheme));
    switch (params->kind) {
        case SignatureKind::ecdsa: return verify_ecdsa(key, *params, message, signature);
        case SignatureKind::rsa_pss: return verify_rsa_pss(key, *params, message, signature);
        default: return fail(AlertDescription::internal_error, "unknown signature kind");
    }
}

}  // namespace tpmtls
