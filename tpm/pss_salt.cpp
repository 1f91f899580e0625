#include "tpm/pss_salt.h"

#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include <algorithm>

#include "tls13/crypto/c_struct.h"
#include "tls13/crypto/mbedtls_signature_hash.h"

namespace tpmtls::tpm {
namespace {

using PkContext = CStruct<mbedtls_pk_context, mbedtls_pk_init, mbedtls_pk_free>;

std::optional<mbedtls_md_type_t> pss_hash(SignatureScheme scheme) {
    switch (scheme) {
        case SignatureScheme::rsa_pss_rsae_sha256: return MBEDTLS_MD_SHA256;
        case SignatureScheme::rsa_pss_rsae_sha384: return MBEDTLS_MD_SHA384;
        case SignatureScheme::rsa_pss_rsae_sha512: return MBEDTLS_MD_SHA512;
        default: return std::nullopt;
    }
}

bool verifies_with_salt(mbedtls_pk_context& pk, mbedtls_md_type_t md, ByteView digest, ByteView signature,
                        int salt_length) {
    mbedtls_pk_rsassa_pss_options options{};
    options.mgf1_hash_id = md;  // RFC 8446 §4.2.3: MGF1 with the scheme's hash
    options.expected_salt_len = salt_length;
    return mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &options, &pk, md, digest.data(), digest.size(),
                                 signature.data(), signature.size()) == 0;
}

}  // namespace

Status check_pss_salt(ByteView spki_der, SignatureScheme scheme, ByteView digest, ByteView signature) {
    const auto md = pss_hash(scheme);
    if (!md) return fail(AlertDescription::internal_error, "not an rsa_pss_rsae scheme: " + to_string(scheme));
    PkContext pk;
    if (mbedtls_pk_parse_public_key(&pk.value, spki_der.data(), spki_der.size()) != 0 ||
        mbedtls_pk_get_type(&pk.value) != MBEDTLS_PK_RSA)
        return fail(AlertDescription::internal_error, "RSA-PSS check: the key is not an RSA public key");
    const int digest_length = static_cast<int>(digest.size());
    if (verifies_with_salt(pk.value, *md, digest, signature, digest_length)) return ok();
    const std::string expected = "RFC 8446 §4.2.3 requires a salt as long as the digest (" +
                                 std::to_string(digest.size()) + " bytes)";
    // RFC 8017 §9.1.1: the largest salt is emLen - hLen - 2.
    const int max_salt = static_cast<int>(mbedtls_pk_get_len(&pk.value)) - digest_length - 2;
    if (verifies_with_salt(pk.value, *md, digest, signature, max_salt))
        return fail(AlertDescription::internal_error, "the TPM signs RSA-PSS with the maximum salt (" +
                                                          std::to_string(max_salt) + " bytes), but " + expected);
    if (verifies_with_salt(pk.value, *md, digest, signature, MBEDTLS_RSA_SALT_LEN_ANY))
        return fail(AlertDescription::internal_error, "the TPM signs RSA-PSS with another salt length, but " + expected);
    return fail(AlertDescription::internal_error, "the TPM's RSA-PSS signature (" + to_string(scheme) +
                                                      ") does not verify with the key's public part");
}

std::vector<SignatureScheme> OfferedSchemes::schemes() const {
    const std::lock_guard lock(mutex_);
    return schemes_;
}

Status OfferedSchemes::admit(SignatureScheme scheme, bool& needs_check) const {
    const std::lock_guard lock(mutex_);
    const bool pss = pss_hash(scheme).has_value();
    if (pss && !withdrawn_.empty())
        return fail(AlertDescription::internal_error, "rsa_pss_rsae is withdrawn for this key: " + withdrawn_);
    if (std::find(schemes_.begin(), schemes_.end(), scheme) == schemes_.end())
        return fail(AlertDescription::internal_error, "the key cannot sign " + to_string(scheme));
    needs_check = pss && std::find(checked_.begin(), checked_.end(), scheme) == checked_.end();
    return ok();
}

Status OfferedSchemes::check_first(SignatureScheme scheme, ByteView spki_der, ByteView digest, ByteView signature) {
    const Status salt = check_pss_salt(spki_der, scheme, digest, signature);
    const std::lock_guard lock(mutex_);
    if (salt) {
        checked_.push_back(scheme);
        return ok();
    }
    // The TPM picks the salt the same way for every hash: withdraw them all.
    withdrawn_ = salt.error().reason + "; rsa_pss_rsae is no longer offered for this key";
    std::erase_if(schemes_, [](SignatureScheme s) { return pss_hash(s).has_value(); });
    return fail(AlertDescription::internal_error, withdrawn_);
}

Result<Bytes> scheme_digest(SignatureScheme scheme, ByteView content) {
    const auto md = signature_hash(scheme);
    if (!md) return fail(AlertDescription::internal_error, "no digest for " + to_string(scheme));
    return digest(*md, content);
}

}  // namespace tpmtls::tpm
