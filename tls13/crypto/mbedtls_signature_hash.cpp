#include "tls13/crypto/mbedtls_signature_hash.h"

#include <cstdlib>

namespace tpmtls {

std::optional<mbedtls_md_type_t> signature_hash(SignatureScheme scheme) {
    switch (scheme) {
        case SignatureScheme::ecdsa_secp256r1_sha256:
        case SignatureScheme::rsa_pss_rsae_sha256: return MBEDTLS_MD_SHA256;
        case SignatureScheme::ecdsa_secp384r1_sha384:
        case SignatureScheme::rsa_pss_rsae_sha384: return MBEDTLS_MD_SHA384;
        case SignatureScheme::ecdsa_secp521r1_sha512:
        case SignatureScheme::rsa_pss_rsae_sha512: return MBEDTLS_MD_SHA512;
        default: return std::nullopt;
    }
}

Bytes digest(mbedtls_md_type_t md, ByteView content) {
    const mbedtls_md_info_t* info = mbedtls_md_info_from_type(md);
    // Only the SHA-2 types above reach here; mbedtls_md fails only on a bad type.
    if (info == nullptr) std::abort();
    Bytes out(mbedtls_md_get_size(info));
    if (mbedtls_md(info, content.data(), content.size(), out.data()) != 0) std::abort();
    return out;
}

}  // namespace tpmtls
