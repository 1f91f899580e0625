// Fresh software private keys as PEM, made with mbedTLS from the injected randomness: the CA's
// own key (ECDSA P-256 or P-384, SEC1 "EC PRIVATE KEY", RFC 5915; or RSA, PKCS#1 "RSA PRIVATE
// KEY", RFC 8017 Appendix A.1.2), and the demo server's P-256 key that `tpmtls ca-sign
// --new-key` issues a certificate for. Keys that must not leave a device are made in its TPM
// instead (tpm/keys.h).
#pragma once

#include <cstdint>
#include <string>

#include "tls13/crypto/random.h"
#include "tls13/result.h"

namespace tpmtls::pki {

// The PEM text of a private key, wiped when this goes. Move-only.
struct PrivateKeyPem {
    std::string text;

    PrivateKeyPem() = default;
    ~PrivateKeyPem();
    PrivateKeyPem(PrivateKeyPem&& other) noexcept;
    PrivateKeyPem& operator=(PrivateKeyPem&& other) noexcept;
    PrivateKeyPem(const PrivateKeyPem&) = delete;
    PrivateKeyPem& operator=(const PrivateKeyPem&) = delete;
};

enum class KeyAlgorithm : uint8_t { ecdsa_p256, ecdsa_p384, rsa };

struct KeySpec {
    KeyAlgorithm algorithm = KeyAlgorithm::ecdsa_p256;
    unsigned rsa_bits = 4096;  // 2048, 3072 or 4096; public exponent 65537
};

std::string to_string(const KeySpec& spec);  // "ECDSA P-256", "RSA-4096"

// illegal_parameter for an RSA size other than 2048, 3072 or 4096.
Result<PrivateKeyPem> generate_key(const KeySpec& spec, Random& random = system_random());
Result<PrivateKeyPem> generate_p256_key(Random& random = system_random());

}  // namespace tpmtls::pki
