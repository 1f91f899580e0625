#include "tls13/crypto/software_signer.h"

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include <algorithm>
#include <iterator>
#include <optional>

#include "tls13/crypto/mbedtls_signature_hash.h"
#include "tls13/secret.h"

namespace tpmtls {

struct SoftwareSigner::Impl {
    mbedtls_pk_context pk;
    Random* random = nullptr;
    Impl() { mbedtls_pk_init(&pk); }
    ~Impl() { mbedtls_pk_free(&pk); }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
};

namespace {

int rng_adapter(void* ctx, unsigned char* out, size_t len) {
    static_cast<Random*>(ctx)->fill(std::span<uint8_t>(out, len));
    return 0;
}

mbedtls_ecp_group_id curve_of(const mbedtls_pk_context& pk) {
    return mbedtls_pk_ec(pk)->grp.id;
}

// RFC 8446 §4.2.3: in TLS 1.3 an ECDSA scheme names the curve as well as the hash.
std::optional<SignatureScheme> ecdsa_scheme(mbedtls_ecp_group_id curve) {
    switch (curve) {
        case MBEDTLS_ECP_DP_SECP256R1: return SignatureScheme::ecdsa_secp256r1_sha256;
        case MBEDTLS_ECP_DP_SECP384R1: return SignatureScheme::ecdsa_secp384r1_sha384;
        case MBEDTLS_ECP_DP_SECP521R1: return SignatureScheme::ecdsa_secp521r1_sha512;
        default: return std::nullopt;
    }
}

const char* curve_name(mbedtls_ecp_group_id curve) {
    switch (curve) {
        case MBEDTLS_ECP_DP_SECP384R1: return "P-384";
        case MBEDTLS_ECP_DP_SECP521R1: return "P-521";
        default: return "P-256";
    }
}

}  // namespace

SoftwareSigner::SoftwareSigner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SoftwareSigner::~SoftwareSigner() = default;

Result<std::unique_ptr<SoftwareSigner>> SoftwareSigner::from_key(ByteView pem_or_der, Random& random) {
    auto impl = std::make_unique<Impl>();
    impl->random = &random;
    // PEM must be NUL-terminated for mbedTLS; copy into a buffer we wipe afterwards.
    Bytes buffer(pem_or_der.begin(), pem_or_der.end());
    const std::string_view text(reinterpret_cast<const char*>(buffer.data()), buffer.size());
    if (text.find("-----BEGIN") != std::string_view::npos) buffer.push_back(0);
    const int rc = mbedtls_pk_parse_key(&impl->pk, buffer.data(), buffer.size(), nullptr, 0);
    secure_wipe(buffer.data(), buffer.size());
    if (rc != 0) return fail(AlertDescription::internal_error, "cannot parse private key (PEM or DER, unencrypted)");

    const mbedtls_pk_type_t type = mbedtls_pk_get_type(&impl->pk);
    if (type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECDSA) {
        const auto curve = curve_of(impl->pk);
        if (!ecdsa_scheme(curve))
            return fail(AlertDescription::internal_error, "EC key must be on P-256, P-384 or P-521");
    } else if (type == MBEDTLS_PK_RSA) {
        if (mbedtls_pk_get_bitlen(&impl->pk) < 2048)
            return fail(AlertDescription::internal_error, "RSA key shorter than 2048 bits");
    } else {
        return fail(AlertDescription::internal_error, "unsupported private key type");
    }
    return std::unique_ptr<SoftwareSigner>(new SoftwareSigner(std::move(impl)));
}

std::vector<SignatureScheme> SoftwareSigner::schemes() const {
    // The same RSA schemes as the TPM signer (tpm/tpm_signer.cpp).
    if (mbedtls_pk_get_type(&impl_->pk) == MBEDTLS_PK_RSA)
        return {SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pss_rsae_sha384,
                SignatureScheme::rsa_pss_rsae_sha512};
    return {*ecdsa_scheme(curve_of(impl_->pk))};  // from_key admits only curves with a scheme
}

std::string SoftwareSigner::description() const {
    if (mbedtls_pk_get_type(&impl_->pk) == MBEDTLS_PK_RSA)
        return "software RSA-" + std::to_string(mbedtls_pk_get_bitlen(&impl_->pk)) + " key";
    return std::string("software ECDSA ") + curve_name(curve_of(impl_->pk)) + " key";
}

Result<Bytes> SoftwareSigner::sign(SignatureScheme scheme, ByteView content) {
    const auto offered = schemes();
    if (std::find(offered.begin(), offered.end(), scheme) == offered.end())
        return fail(AlertDescription::internal_error, "key cannot sign with " + to_string(scheme));
    const auto md_of_scheme = signature_hash(scheme);
    if (!md_of_scheme) return fail(AlertDescription::internal_error, "no hash for " + to_string(scheme));
    const mbedtls_md_type_t md = *md_of_scheme;
    const Bytes digest = tpmtls::digest(md, content);

    // The buffer fits this key's largest signature, not MBEDTLS_PK_SIGNATURE_MAX_SIZE (1 KiB
    // by default, sized for the largest RSA modulus the library accepts).
    Bytes signature;
    size_t length = 0;
    if (mbedtls_pk_get_type(&impl_->pk) == MBEDTLS_PK_RSA) {
        // RFC 8446 §4.2.3: RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash.
        mbedtls_rsa_context* rsa = mbedtls_pk_rsa(impl_->pk);
        mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, md);
        length = mbedtls_rsa_get_len(rsa);
        signature.resize(length);
        if (mbedtls_rsa_rsassa_pss_sign_ext(rsa, rng_adapter, impl_->random, md, static_cast<unsigned>(digest.size()),
                                            digest.data(), static_cast<int>(digest.size()), signature.data()) != 0)
            return fail(AlertDescription::internal_error, "RSA-PSS signing failed");
    } else {
        // A DER ECDSA-Sig-Value (RFC 8446 §4.2.3) of this curve is at most this long.
        signature.resize(MBEDTLS_ECDSA_MAX_SIG_LEN(mbedtls_pk_get_bitlen(&impl_->pk)));
        if (mbedtls_pk_sign(&impl_->pk, md, digest.data(), digest.size(), signature.data(), &length, rng_adapter,
                            impl_->random) != 0)
            return fail(AlertDescription::internal_error, "ECDSA signing failed");
    }
    signature.resize(length);
    return signature;
}

Result<Bytes> SoftwareSigner::public_key_der() const {
    Bytes buffer(1024);
    const int n = mbedtls_pk_write_pubkey_der(&impl_->pk, buffer.data(), buffer.size());
    if (n <= 0) return fail(AlertDescription::internal_error, "cannot encode public key");
    // mbedTLS writes at the end of the buffer.
    return Bytes(buffer.end() - n, buffer.end());
}

}  // namespace tpmtls
