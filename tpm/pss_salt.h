// RFC 8446 §4.2.3 requires RSASSA-PSS signatures in TLS 1.3 to use a salt exactly as long as the
// digest. A TPM chooses the salt itself (TPM 2.0 Part 1 §B.7; some chips use the maximum, 222
// bytes for RSA-2048 with SHA-256), so TpmSigner checks its first PSS signature here.
#pragma once

#include "tls13/bytes.h"
#include "tls13/result.h"
#include "tls13/types.h"

namespace tpmtls::tpm {

// ok() when `signature` over `digest` verifies under `spki_der` (an RSA SubjectPublicKeyInfo) for
// the rsa_pss_rsae `scheme` with salt length == digest length. Otherwise an internal_error whose
// reason says which salt the signature used instead (the maximum, another length, or that it
// does not verify at all).
Status check_pss_salt(ByteView spki_der, SignatureScheme scheme, ByteView digest, ByteView signature);

// The digest a scheme signs: SHA-256, SHA-384 or SHA-512 of `content` (RFC 8446 §4.2.3).
Result<Bytes> scheme_digest(SignatureScheme scheme, ByteView content);

}  // namespace tpmtls::tpm
