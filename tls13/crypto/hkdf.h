// HMAC and HKDF (RFC 2104, RFC 5869) over SHA-256 / SHA-384, via mbedTLS.
// Outputs that are keys are Secrets; HKDF-Expand's length must fit a Secret (<= 64 bytes),
// which covers every TLS 1.3 use except the exporter, which has hkdf_expand_bytes.
#pragma once

#include "tls13/bytes.h"
#include "tls13/crypto/hash.h"
#include "tls13/secret.h"

namespace tpmtls {

Secret hmac(HashAlgorithm alg, ByteView key, ByteView data);

// RFC 5869 §2.2. An empty salt means HashLen zero bytes.
Secret hkdf_extract(HashAlgorithm alg, ByteView salt, ByteView ikm);

// RFC 5869 §2.3. length <= 255 * HashLen; for hkdf_expand also <= Secret::max_size.
Result<Secret> hkdf_expand(HashAlgorithm alg, ByteView prk, ByteView info, size_t length);
Result<Bytes> hkdf_expand_bytes(HashAlgorithm alg, ByteView prk, ByteView info, size_t length);

}  // namespace tpmtls
