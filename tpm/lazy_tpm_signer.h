// A client key in the TPM that is opened only when a full handshake needs a CertificateVerify
// (tls13/lazy_signer.h). Until then nothing talks to the TPM: a client that resumes with a
// ticket (RFC 8446 §2.2) sends zero TPM commands, not even at start-up.
#pragma once

#include <memory>

#include "tls13/bytes.h"
#include "tls13/lazy_signer.h"
#include "tpm/context.h"
#include "tpm/key_reference.h"

namespace tpmtls::tpm {

// The signer for `key` behind the certificate `leaf_certificate_der`. Its schemes come from the
// certificate now; at the first sign() it runs open_tpm_signer(key, options, auth) and checks
// that the TPM key's public key (TpmSigner::public_key_der()) is the certificate's, else an
// internal_error naming both. `auth` (the key's authorization value, at most 64 bytes) is kept
// in a wiped Secret until then. Errors now: a certificate that does not parse, an unusable key
// type, an authorization value that is too long.
Result<std::shared_ptr<LazySigner>> make_lazy_tpm_signer(const KeyReference& key, const ContextOptions& options,
                                                         ByteView auth, ByteView leaf_certificate_der);

}  // namespace tpmtls::tpm
