// Client keys made inside a test's swtpm, for the TPM tests that need a certificate for them: the
// key algorithms those tests run over (one table, so RSA-2048 is one more line in
// tpm_key_algorithms()), and a key provisioned both ways users name it: a TSS2 key file and a
// persistent handle, with a client certificate from a test CA.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/peer_process.h"
#include "support/swtpm.h"
#include "support/test_pki.h"
#include "tls13/types.h"
#include "tpm/key_reference.h"
#include "tpm/keys.h"

namespace tpmtls::test {

struct TpmKeyAlgorithm {
    std::string name;                                // "ECC P-256", for test output
    Result<tpm::KeyBlob> (*create)(tpm::TpmContext&);  // TPM2_Create under the owner primary
    SignatureScheme scheme;                          // what CertificateVerify is signed with
    const char* openssl_signature_type;              // s_server's "Peer signature type: ..."
};
// Every algorithm TpmSigner supports today.
const std::vector<TpmKeyAlgorithm>& tpm_key_algorithms();

inline constexpr uint32_t test_persistent_handle = 0x81000101;

struct ProvisionedTpmKey {
    tpm::KeyReference file;    // a TSS2 PRIVATE KEY file in the caller's TempDir
    tpm::KeyReference handle;  // the same key made persistent at test_persistent_handle
    Bytes spki;                // its public key (SubjectPublicKeyInfo DER)
    IssuedCertificate certificate;  // CN=tpm-device-0001, clientAuth, issued by `issuer`
    // Both references, for tests that check each way of naming the key.
    std::vector<tpm::KeyReference> references() const { return {file, handle}; }
};

// Creates the key in `swtpm` and closes the TPM context again (swtpm serves one connection at a
// time: the test's own context, or a child process's, comes next).
ProvisionedTpmKey provision_tpm_client_key(const Swtpm& swtpm, const TpmKeyAlgorithm& algorithm, const TempDir& dir,
                                           const IssuedCertificate& issuer);

// open_tpm_signer() on `tcti`, failing the test with the error if it fails.
std::shared_ptr<tpm::TpmSigner> open_test_signer(const tpm::KeyReference& key, const std::string& tcti);

}  // namespace tpmtls::test
