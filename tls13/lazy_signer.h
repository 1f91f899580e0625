// LazySigner: a Signer whose key is opened only when the first CertificateVerify is signed.
// Its schemes come from the certificate's public key, so the handshake can announce and choose a
// scheme (RFC 8446 §4.4.2.3, §4.4.3) without touching the key. A resumed handshake (RFC 8446
// §2.2) sends no CertificateVerify, so a client that resumes never opens its key at all: for a
// TPM key that means not one TPM command. Generic: the factory decides what "opening" means.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tls13/bytes.h"
#include "tls13/crypto/verify.h"
#include "tls13/signer.h"

namespace tpmtls {

// The schemes a key of this type can sign with, most preferred first: P-256 ->
// ecdsa_secp256r1_sha256, P-384 -> ecdsa_secp384r1_sha384, P-521 -> ecdsa_secp521r1_sha512,
// RSA -> rsa_pss_rsae_sha256/384/512
// (RFC 8446 §4.2.3: in TLS 1.3 an ECDSA scheme fixes the curve; RSA keys sign PSS).
std::vector<SignatureScheme> signing_schemes_for(const PublicKey& key);

// The leaf certificate's SubjectPublicKeyInfo, DER, exactly as the certificate carries it
// (RFC 5280 §4.1: the seventh field of tbsCertificate). decode_error if the DER does not parse.
Result<Bytes> certificate_spki_der(ByteView certificate_der);

class LazySigner final : public Signer {
public:
    using Factory = std::function<Result<std::shared_ptr<Signer>>()>;

    // Schemes from `leaf_certificate_der`'s public key; `description` names the key for logs
    // before it is opened ("TPM key handle:0x81000001"). An unparsable certificate or a key type
    // we cannot sign with is an error now, not at the first handshake.
    static Result<std::shared_ptr<LazySigner>> for_certificate(ByteView leaf_certificate_der, Factory factory,
                                                               std::string description);

    LazySigner(std::vector<SignatureScheme> schemes, Factory factory, std::string description);

    std::vector<SignatureScheme> schemes() const override { return schemes_; }
    // The first call runs the factory (once; a failure is retried at the next call) and checks
    // that the signer it made can produce `scheme`. Every failure is internal_error with a
    // reason naming the key; the handshake sends internal_error to the peer.
    Result<Bytes> sign(SignatureScheme scheme, ByteView content) override;
    std::string description() const override;

    // Whether the key has been opened (a signer made by the factory is held).
    bool opened() const;
    // How many times the factory ran, successful or not.
    size_t factory_calls() const;
    // The signer the factory made, or null while the key is not opened.
    std::shared_ptr<Signer> opened_signer() const;

private:
    Result<std::shared_ptr<Signer>> delegate();

    const std::vector<SignatureScheme> schemes_;
    const Factory factory_;
    const std::string description_;
    mutable std::mutex mutex_;  // guards the two below: a signer may serve several connections
    std::shared_ptr<Signer> signer_;
    size_t factory_calls_ = 0;
};

}  // namespace tpmtls
