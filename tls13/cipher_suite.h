// What a TLS 1.3 cipher suite names (RFC 8446 §B.4): an AEAD and the hash for HKDF.
#pragma once

#include <optional>
#include <vector>

#include "tls13/crypto/aead.h"
#include "tls13/crypto/hash.h"
#include "tls13/types.h"

namespace tpmtls {

struct CipherSuiteInfo {
    CipherSuite suite;
    AeadAlgorithm aead;
    HashAlgorithm hash;
    size_t key_size;  // AEAD key length
    size_t iv_size;   // always 12 for these suites
};

// The suites we implement; nullopt for any other value.
std::optional<CipherSuiteInfo> cipher_suite_info(CipherSuite suite);

// Our default offer / preference order.
const std::vector<CipherSuite>& default_cipher_suites();

}  // namespace tpmtls
