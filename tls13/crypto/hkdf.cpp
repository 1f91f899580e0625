#include "tls13/crypto/hkdf.h"

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>

#include <cstdlib>

namespace tpmtls {

namespace {
const mbedtls_md_info_t* md_info(HashAlgorithm alg) {
    return mbedtls_md_info_from_type(alg == HashAlgorithm::sha256 ? MBEDTLS_MD_SHA256 : MBEDTLS_MD_SHA384);
}
}  // namespace

Secret hmac(HashAlgorithm alg, ByteView key, ByteView data) {
    Secret out;
    auto dst = out.resize_for_write(hash_size(alg));
    if (mbedtls_md_hmac(md_info(alg), key.data(), key.size(), data.data(), data.size(), dst.data()) != 0)
        std::abort();  // only fails on bad parameters, which md_info rules out
    return out;
}

Secret hkdf_extract(HashAlgorithm alg, ByteView salt, ByteView ikm) {
    Secret out;
    auto dst = out.resize_for_write(hash_size(alg));
    if (mbedtls_hkdf_extract(md_info(alg), salt.data(), salt.size(), ikm.data(), ikm.size(), dst.data()) != 0)
        std::abort();
    return out;
}

Result<Bytes> hkdf_expand_bytes(HashAlgorithm alg, ByteView prk, ByteView info, size_t length) {
    if (length > 255 * hash_size(alg) || prk.size() < hash_size(alg))
        return fail(AlertDescription::internal_error, "HKDF-Expand length out of range");
    Bytes out(length);
    if (mbedtls_hkdf_expand(md_info(alg), prk.data(), prk.size(), info.data(), info.size(), out.data(), length) != 0)
        return fail(AlertDescription::internal_error, "HKDF-Expand failed");
    return out;
}

Result<Secret> hkdf_expand(HashAlgorithm alg, ByteView prk, ByteView info, size_t length) {
    if (length > Secret::max_size || length > 255 * hash_size(alg) || prk.size() < hash_size(alg))
        return fail(AlertDescription::internal_error, "HKDF-Expand length out of range");
    Secret out;
    auto dst = out.resize_for_write(length);
    if (mbedtls_hkdf_expand(md_info(alg), prk.data(), prk.size(), info.data(), info.size(), dst.data(), length) != 0)
        return fail(AlertDescription::internal_error, "HKDF-Expand failed");
    return out;
}

}  // namespace tpmtls
