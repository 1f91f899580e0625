// TPM keys for client authentication: the owner-hierarchy primary (tpm2-openssl's template, so
// its TSS2 key files load here and ours there), ECC P-256 and RSA-2048 signing keys created
// under it, loading such a key from its marshalled public/private areas (under the owner primary
// or a persistent parent) or by persistent handle, and making it persistent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tls13/bytes.h"
#include "tpm/context.h"

namespace tpmtls::tpm {

inline constexpr uint32_t owner_hierarchy = 0x40000001;  // TPM_RH_OWNER: the key files' "parent"

// A key's authorization value is at most as long as its nameAlg digest (TPM 2.0 Part 1 §19.6.4);
// our keys use SHA-256.
inline constexpr size_t max_auth_size = 32;

enum class KeyAlgorithm : uint8_t { ecc_p256, rsa_2048 };
std::string to_string(KeyAlgorithm algorithm);  // "ECC P-256", "RSA-2048"

// A key outside the TPM: marshalled TPM2B_PUBLIC and TPM2B_PRIVATE (the TSS2 key file's pubkey
// and privkey OCTET STRINGs). The private part is wrapped by the parent; it is not a secret
// in the clear.
struct KeyBlob {
    Bytes public_area;
    Bytes private_area;
};

// A key loaded in the TPM. A transient key is flushed when this goes; a persistent one stays.
// Keeps its context alive.
class TpmKey {
public:
    ~TpmKey();
    TpmKey(TpmKey&&) noexcept;
    TpmKey& operator=(TpmKey&&) noexcept;

    const std::shared_ptr<TpmContext>& context() const;
    // The key's authorization value for the commands that use it (Esys_TR_SetAuth; no TPM
    // command). ESAPI keeps a copy, which is overwritten with an empty value when this goes.
    Status set_auth(ByteView auth);
    // "TPM key 0x81000001", "TPM key (transient)", or "TPM key " + what set_description named.
    std::string description() const;
    // Names the key after where it came from (a key file's path), for messages.
    void set_description(std::string source);

    struct Impl;
    Impl& impl() const { return *impl_; }
    explicit TpmKey(std::unique_ptr<Impl> impl);

private:
    std::unique_ptr<Impl> impl_;
};

// TPM2_Create of a signing key (sign|fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth,
// plus noDA only when `auth` is empty, so a guessed authorization value counts towards the
// dictionary-attack lockout) under the owner primary, which is created for the call and flushed
// after. Scheme NULL, so each TPM2_Sign names ECDSA or RSA-PSS and its hash. RSA: exponent 65537.
// `auth` is at most max_auth_size bytes.
Result<KeyBlob> create_signing_key(TpmContext& ctx, KeyAlgorithm algorithm = KeyAlgorithm::ecc_p256,
                                   ByteView auth = {});
// create_signing_key(ctx, ecc_p256) without an authorization value.
Result<KeyBlob> create_p256_signing_key(TpmContext& ctx);

// TPM2_Load under `parent`: owner_hierarchy means the owner primary from tpm2-openssl's template
// (created for the call and flushed after); 0x81xxxxxx a persistent storage key (empty auth).
Result<TpmKey> load_key(const std::shared_ptr<TpmContext>& ctx, const KeyBlob& blob,
                        uint32_t parent = owner_hierarchy);

// A persistent key by handle (0x81xxxxxx); an empty handle is an error naming it.
Result<TpmKey> load_persistent(const std::shared_ptr<TpmContext>& ctx, uint32_t handle);

// Loads `blob` under `parent` and makes it persistent at `handle` (TPM2_EvictControl). An
// occupied handle is refused unless `overwrite`, which evicts what is there first.
Status make_persistent(const std::shared_ptr<TpmContext>& ctx, const KeyBlob& blob, uint32_t handle, bool overwrite,
                       uint32_t parent = owner_hierarchy);

// Whether something is stored at persistent `handle` (TPM2_GetCapability, handles).
Result<bool> persistent_handle_occupied(const std::shared_ptr<TpmContext>& ctx, uint32_t handle);

// Removes the persistent object at `handle`.
Status evict_persistent(const std::shared_ptr<TpmContext>& ctx, uint32_t handle);

}  // namespace tpmtls::tpm
