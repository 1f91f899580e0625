// Signature verification for CertificateVerify (RFC 8446 §4.4.3) with the public key of a peer's
// certificate, via mbedTLS:
//   ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384, ecdsa_secp521r1_sha512
//                                  (DER-encoded ECDSA-Sig-Value)
//   rsa_pss_rsae_sha256, rsa_pss_rsae_sha384, rsa_pss_rsae_sha512
//                                  (PSS, MGF1 with the same hash, salt length = hash length as
//                                   §4.2.3 requires)
// Not rsa_pss_pss_*: mbedTLS 2.28 cannot parse an id-RSASSA-PSS SubjectPublicKeyInfo.
// A signature that does not verify is decrypt_error (§4.4.3); a scheme that does not fit the
// key (an RSA scheme for an EC key, a P-256 scheme for a P-384 key) is illegal_parameter.
#pragma once

#include <memory>
#include <vector>

#include "tls13/bytes.h"
#include "tls13/types.h"

namespace tpmtls {

class PublicKey {
public:
    ~PublicKey();
    PublicKey(PublicKey&&) noexcept;
    PublicKey& operator=(PublicKey&&) noexcept;

    // SubjectPublicKeyInfo, DER or PEM.
    static Result<PublicKey> from_spki(ByteView der_or_pem);
    // The subject public key of an X.509 certificate (DER).
    static Result<PublicKey> from_certificate(ByteView der);

    // Whether this key can verify signatures of `scheme` at all.
    bool supports(SignatureScheme scheme) const;

    struct Impl;
    Impl& impl() const { return *impl_; }

private:
    PublicKey();
    std::unique_ptr<Impl> impl_;
};

// The schemes verify_signature accepts, in our preference order: what we offer in
// signature_algorithms for CertificateVerify (RFC 8446 §4.2.3; never rsa_pkcs1_*, §4.4.3).
const std::vector<SignatureScheme>& verifiable_schemes();

// The schemes of signatures in certificates that the chain verifier (tls13/x509.h) checks, in
// our preference order: what we offer in signature_algorithms_cert. RFC 8446 §4.2.3 allows
// rsa_pkcs1_* here "for signatures in certificates" only; SHA-1 is not listed (ChainPolicy::allow_sha1).
const std::vector<SignatureScheme>& certificate_signature_schemes();

// rsa_pkcs1_* and the SHA-1 schemes: RFC 8446 §4.2.3 lets them appear for signatures in
// certificates only; in CertificateVerify they are illegal_parameter (§4.4.3).
bool certificate_only_scheme(SignatureScheme scheme);

Status verify_signature(SignatureScheme scheme, const PublicKey& key, ByteView message, ByteView signature);

}  // namespace tpmtls
