// RFC 8446 §4.2.3 requires RSASSA-PSS signatures in TLS 1.3 to use a salt exactly as long as the
// digest. A TPM chooses the salt itself (TPM 2.0 Part 1 §B.7; some chips use the maximum, 222
// bytes for RSA-2048 with SHA-256), so TpmSigner checks its first PSS signature here.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "tls13/bytes.h"
#include "tls13/result.h"
#include "tls13/types.h"

namespace tpmtls::tpm {

// ok() when `signature` over `digest` verifies under `spki_der` (an RSA SubjectPublicKeyInfo) for
// the rsa_pss_rsae `scheme` with salt length == digest length. Otherwise an internal_error whose
// reason says which salt the signature used instead (the maximum, another length, or that it
// does not verify at all).
Status check_pss_salt(ByteView spki_der, SignatureScheme scheme, ByteView digest, ByteView signature);

// The schemes a TPM key offers, and the RSA-PSS salt check on the first signature of each
// rsa_pss_rsae scheme: once a check fails, every rsa_pss_rsae scheme is withdrawn for good and
// each later attempt fails with the same reason. Thread-safe (handshakes on several threads).
class OfferedSchemes {
public:
    explicit OfferedSchemes(std::vector<SignatureScheme> schemes) : schemes_(std::move(schemes)) {}

    std::vector<SignatureScheme> schemes() const;
    // ok() if `scheme` may be signed now; `needs_check` says whether this is the first
    // signature of an rsa_pss_rsae scheme, to be passed to check_first().
    Status admit(SignatureScheme scheme, bool& needs_check) const;
    // check_pss_salt() on the first signature of `scheme`; on failure rsa_pss_rsae is withdrawn.
    Status check_first(SignatureScheme scheme, ByteView spki_der, ByteView digest, ByteView signature);

private:
    mutable std::mutex mutex_;
    std::vector<SignatureScheme> schemes_;
    std::vector<SignatureScheme> checked_;  // rsa_pss_rsae schemes whose salt length was verified
    std::string withdrawn_;                 // why rsa_pss_rsae is off, if it is
};

// The digest a scheme signs: SHA-256, SHA-384 or SHA-512 of `content` (RFC 8446 §4.2.3).
Result<Bytes> scheme_digest(SignatureScheme scheme, ByteView content);

}  // namespace tpmtls::tpm
