// A fresh software ECDSA P-256 private key as PEM (SEC1 "EC PRIVATE KEY", RFC 5915), made with
// mbedTLS from the injected randomness: the CA's own key, and the demo server's key that
// `tpmtls ca-sign --new-key` issues a certificate for. Keys that must not leave a device are made
// in its TPM instead (tpm/keys.h).
#pragma once

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

Result<PrivateKeyPem> generate_p256_key(Random& random = system_random());

}  // namespace tpmtls::pki
