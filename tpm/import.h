// Importing an existing private key into the TPM (the factory that made keys offline): the key
// (PEM or DER, ECC P-256 or RSA-2048, read with mbedTLS) is wrapped in software into a
// duplication blob with an outer wrapper protected to the parent's public key (TPM 2.0 Part 1
// §23.3 "Protected Storage", §23.3.2 duplication), and sent with TPM2_Import (Part 3 §13.3). The
// plaintext key never reaches the TPM interface: only the wrapped sensitive area and an ECDH
// ephemeral point do. What comes back (TPM2B_PRIVATE wrapped by the parent) loads like a key
// the TPM made, and the private part cannot be read out again.
//
// Imported keys have fixedTPM and fixedParent CLEAR (TPM2_Import refuses others, Part 3 §13.3.1)
// and sensitiveDataOrigin CLEAR (the TPM did not make the key). Otherwise they are our signing
// keys: sign|userWithAuth|noDA, nameAlg SHA-256, scheme NULL, empty authPolicy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tls13/bytes.h"
#include "tls13/result.h"
#include "tls13/secret.h"
#include "tpm/context.h"
#include "tpm/key_file.h"
#include "tpm/keys.h"

namespace tpmtls::tpm {

enum class ImportKeyType : uint8_t { ecc_p256, rsa_2048 };
std::string to_string(ImportKeyType type);  // "ecc-p256", "rsa-2048"

// A private key read from a file, before import. Holds the secret (ECC scalar d, or RSA prime p)
// in memory wiped when this goes. Move-only.
class SoftwareKey {
public:
    ~SoftwareKey();
    SoftwareKey(SoftwareKey&&) noexcept;
    SoftwareKey& operator=(SoftwareKey&&) noexcept;
    SoftwareKey(const SoftwareKey&) = delete;
    SoftwareKey& operator=(const SoftwareKey&) = delete;

    ImportKeyType type() const;
    // The public key as SubjectPublicKeyInfo DER (what a certificate for this key holds).
    const Bytes& public_key_der() const;

    struct Impl;
    Impl& impl() const { return *impl_; }
    explicit SoftwareKey(std::unique_ptr<Impl> impl);

private:
    std::unique_ptr<Impl> impl_;
};

// Parses an unencrypted private key (PKCS#8, SEC1 or PKCS#1; PEM or DER). Errors are
// illegal_parameter for a key we do not import ("wrong key type: ...", "unsupported curve ...")
// and decode_error for input that is not a key. The input buffer is not kept.
Result<SoftwareKey> parse_private_key(ByteView pem_or_der);
// Reads `path` (never writes it) and parses it; the read buffer is wiped.
Result<SoftwareKey> read_private_key_file(const std::string& path);

// The parent an import goes under: the owner primary made from tpm2-openssl's template (the
// TSS2 key file's parent 0x40000001, the default), or a persistent ECC P-256 storage key
// (0x81xxxxxx, restricted|decrypt, AES-128-CFB).
struct ImportedKey {
    KeyBlob blob;        // TPM2B_PUBLIC and the TPM2B_PRIVATE TPM2_Import returned
    uint32_t parent = owner_hierarchy;
    ImportKeyType type = ImportKeyType::ecc_p256;
};

// Wraps `key` for the parent and sends TPM2_Import. Refuses a TPM in dictionary-attack lockout
// (see tpm/inventory.h): provisioning on a TPM that someone is hammering should stop and be
// looked at. A missing parent is an error naming the handle.
Result<ImportedKey> import_key(TpmContext& ctx, const SoftwareKey& key, uint32_t parent = owner_hierarchy);

// The TSS2 key file for an imported key (emptyAuth TRUE: the key has no authorization value).
Tss2KeyFile key_file_for(const ImportedKey& key);

// TPM2_Load of a key file under the parent it names: the owner primary (0x40000001) or a
// persistent parent, which must be there ("parent 0x81000002 ... is missing").
Result<TpmKey> load_key_file(const std::shared_ptr<TpmContext>& ctx, const Tss2KeyFile& file);

// Makes an imported key persistent at `handle` (owner range 0x81000000-0x817FFFFF). An occupied
// handle is refused unless `overwrite`.
Status persist_imported_key(const std::shared_ptr<TpmContext>& ctx, const ImportedKey& key, uint32_t handle,
                            bool overwrite);

// TPM 2.0 Part 1 §11.4.10.2 KDFa with HMAC-SHA-256 (SP 800-108 counter mode); `bits` a multiple
// of 8, at most 512. Exposed for the tests' known-answer checks.
Secret kdfa_sha256(ByteView key, std::string_view label, ByteView context_u, ByteView context_v, size_t bits);
// TPM 2.0 Part 1 §11.4.10.3 KDFe with SHA-256 (SP 800-56A concatenation KDF), `bits` <= 256.
Secret kdfe_sha256(ByteView z, std::string_view label, ByteView party_u, ByteView party_v, size_t bits);

}  // namespace tpmtls::tpm
