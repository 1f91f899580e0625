// A Signer over a private key held in memory (PEM or DER, PKCS#8 / SEC1 / PKCS#1) via mbedTLS:
// ECDSA P-256 / P-384 / P-521 and RSA-PSS (RSAE, SHA-256/384/512) with salt = hash length
// (RFC 8446 §4.2.3). The
// server's key, and the client's where there is no TPM (the benchmark's baseline).
#pragma once

#include <memory>
#include <string>

#include "tls13/crypto/random.h"
#include "tls13/signer.h"

namespace tpmtls {

class SoftwareSigner final : public Signer {
public:
    ~SoftwareSigner() override;
    SoftwareSigner(const SoftwareSigner&) = delete;
    SoftwareSigner& operator=(const SoftwareSigner&) = delete;

    // `random` feeds ECDSA blinding / RSA-PSS salts; it must outlive the signer.
    static Result<std::unique_ptr<SoftwareSigner>> from_key(ByteView pem_or_der, Random& random = system_random());
    // Reads the file, then from_key. Defined in net/files.cpp (tpmtls_net): the core reads no files.
    static Result<std::unique_ptr<SoftwareSigner>> from_file(const std::string& path,
                                                             Random& random = system_random());

    std::vector<SignatureScheme> schemes() const override;
    Result<Bytes> sign(SignatureScheme scheme, ByteView content) override;
    std::string description() const override;

    // The public half as SubjectPublicKeyInfo DER (for CSRs, tests and the test CA).
    Result<Bytes> public_key_der() const;

    struct Impl;
    Impl& impl() const { return *impl_; }

private:
    explicit SoftwareSigner(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tpmtls
