// The hash a TLS 1.3 signature scheme names (RFC 8446 §4.2.3), for the code that signs and
// verifies through mbedTLS. Cipher suites only ever use SHA-256 and SHA-384 (HashAlgorithm);
// signatures also use SHA-512 (ecdsa_secp521r1_sha512, rsa_pss_rsae_sha512).
// Private to the library: it exposes mbedTLS types, so it is not installed (mbedtls_*.h,
// CMakeLists.txt) and no installed header may include it.
#pragma once

#include <mbedtls/md.h>

#include <optional>

#include "tls13/bytes.h"
#include "tls13/types.h"

namespace tpmtls {

// ecdsa_* and rsa_pss_rsae_*: the named hash (for PSS also the MGF1 hash).
// nullopt for everything else: rsa_pkcs1_* and the SHA-1 schemes are never in a CertificateVerify
// (§4.4.3), rsa_pss_pss_* keys mbedTLS 2.28 cannot parse (tls13/crypto/verify.cpp), and
// certificate signatures are the chain verifier's (tls13/x509.h).
std::optional<mbedtls_md_type_t> signature_hash(SignatureScheme scheme);

Bytes digest(mbedtls_md_type_t md, ByteView content);

}  // namespace tpmtls
