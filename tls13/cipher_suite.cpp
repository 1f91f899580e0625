#include "tls13/cipher_suite.h"

namespace tpmtls {

std::optional<CipherSuiteInfo> cipher_suite_info(CipherSuite suite) {
    switch (suite) {
        case CipherSuite::TLS_AES_128_GCM_SHA256:
            return CipherSuiteInfo{suite, AeadAlgorithm::aes_128_gcm, HashAlgorithm::sha256, 16, 12};
        case CipherSuite::TLS_AES_256_GCM_SHA384:
            return CipherSuiteInfo{suite, AeadAlgorithm::aes_256_gcm, HashAlgorithm::sha384, 32, 12};
        case CipherSuite::TLS_CHACHA20_POLY1305_SHA256:
            return CipherSuiteInfo{suite, AeadAlgorithm::chacha20_poly1305, HashAlgorithm::sha256, 32, 12};
        default:
            return std::nullopt;
    }
}

const std::vector<CipherSuite>& default_cipher_suites() {
    static const std::vector<CipherSuite> suites = {
        CipherSuite::TLS_AES_128_GCM_SHA256,
        CipherSuite::TLS_AES_256_GCM_SHA384,
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
    };
    return suites;
}

}  // namespace tpmtls
