// The Signer interface (RFC 8446 §4.4.3): whatever holds the private key behind our
// CertificateVerify. The handshake knows only this interface; the software key here and the
// TPM key of tpm/ both implement it, so a TPM drops in without touching the state machine.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tls13/bytes.h"
#include "tls13/types.h"

namespace tpmtls {

class Signer {
public:
    virtual ~Signer() = default;

    // The schemes this key can produce, most preferred first.
    virtual std::vector<SignatureScheme> schemes() const = 0;

    // Signs the unhashed CertificateVerify content (64 spaces, context string, 0, transcript
    // hash) and returns the signature as it goes on the wire for `scheme` (DER ECDSA-Sig-Value,
    // or the PSS signature block). `scheme` must be one of schemes().
    virtual Result<Bytes> sign(SignatureScheme scheme, ByteView content) = 0;

    // For traces and logs: "software ECDSA P-256 key", "TPM key 0x81000001".
    virtual std::string description() const = 0;

    // RFC 8446 §4.4.3: the first of our schemes (in our order) that the peer offered in
    // signature_algorithms; nullopt when there is none (the handshake then fails).
    std::optional<SignatureScheme> choose(std::span<const SignatureScheme> offered) const;
};

}  // namespace tpmtls
