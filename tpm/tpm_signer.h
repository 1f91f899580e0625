// TpmSigner: the Signer (RFC 8446 §4.4.3) over a key held in a TPM. The key is loaded once per
// process; its public area is read once to decide the schemes; each sign() hashes the
// CertificateVerify content in software and sends one TPM2_Sign of the digest.
//
// Schemes follow from the public area: ECC P-256 -> ecdsa_secp256r1_sha256; RSA-2048 ->
// rsa_pss_rsae_sha256/384/512 (those whose hash the TPM implements; only the key's own hash if
// its scheme is fixed to RSAPSS). The first PSS signature of each hash is verified in software
// with salt length == hash length (RFC 8446 §4.2.3); a TPM that uses another salt makes the
// signer stop offering rsa_pss_rsae for this key: schemes() becomes empty and sign() fails with
// the reason.
//
// Concurrency: one ESAPI context per process, every TPM command under its mutex, so handshakes
// on several threads share the signer and are serialized on the TPM.
#pragma once

#include <memory>
#include <string>

#include "tls13/signer.h"
#include "tpm/keys.h"

namespace tpmtls::tpm {

class TpmSigner final : public Signer {
public:
    ~TpmSigner() override;
    TpmSigner(const TpmSigner&) = delete;
    TpmSigner& operator=(const TpmSigner&) = delete;

    // Takes a loaded key; reads its public area (TPM2_ReadPublic; for RSA also one
    // TPM2_GetCapability for the hashes). Refuses, naming the reason, anything that is not an
    // unrestricted signing key of ECC P-256 or RSA-2048 with a scheme TLS 1.3 can use.
    static Result<std::unique_ptr<TpmSigner>> create(TpmKey key);

    std::vector<SignatureScheme> schemes() const override;
    Result<Bytes> sign(SignatureScheme scheme, ByteView content) override;
    std::string description() const override;

    // The public key as SubjectPublicKeyInfo DER, from the TPM public area (for certificates).
    Bytes public_key_der() const;
    KeyAlgorithm algorithm() const;
    // The TPM connection the key lives on (for TpmContext::stats(): what this signer cost).
    const std::shared_ptr<TpmContext>& context() const;

    struct Impl;

private:
    explicit TpmSigner(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// DER ECDSA-Sig-Value (RFC 8446 §4.2.3 via RFC 3279 §2.2.3) from big-endian r and s: INTEGERs
// without leading zero bytes, with a 0x00 added where the top bit is set.
Bytes ecdsa_signature_der(ByteView r, ByteView s);

// SubjectPublicKeyInfo (RFC 5480 §2) for a P-256 point from its big-endian x and y.
Bytes p256_spki_der(ByteView x, ByteView y);

// SubjectPublicKeyInfo (RFC 3279 §2.3.1) for an RSA key from its big-endian modulus and public
// exponent.
Bytes rsa_spki_der(ByteView modulus, uint32_t exponent);

}  // namespace tpmtls::tpm
