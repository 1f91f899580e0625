// TPM keys for client authentication: the owner-hierarchy primary (tpm2-openssl's template, so
// its TSS2 key files load here and ours there), an ECC P-256 signing key created under it,
// loading such a key from its marshalled public/private areas or by persistent handle, and
// making it persistent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tls13/bytes.h"
#include "tpm/context.h"

namespace tpmtls::tpm {

inline constexpr uint32_t owner_hierarchy = 0x40000001;  // TPM_RH_OWNER: the key files' "parent"

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
    // "TPM key 0x81000001" or "TPM key (transient)".
    std::string description() const;

    struct Impl;
    Impl& impl() const { return *impl_; }
    explicit TpmKey(std::unique_ptr<Impl> impl);

private:
    std::unique_ptr<Impl> impl_;
};

// TPM2_Create of an ECC P-256 signing key (sign|fixedTPM|fixedParent|sensitiveDataOrigin|
// userWithAuth|noDA, scheme NULL so each TPM2_Sign names ECDSA and its hash) under the owner
// primary, which is created for the call and flushed after.
Result<KeyBlob> create_p256_signing_key(TpmContext& ctx);

// TPM2_Load under the owner primary.
Result<TpmKey> load_key(const std::shared_ptr<TpmContext>& ctx, const KeyBlob& blob);

// A persistent key by handle (0x81xxxxxx); an empty handle is an error naming it.
Result<TpmKey> load_persistent(const std::shared_ptr<TpmContext>& ctx, uint32_t handle);

// Loads `blob` and makes it persistent at `handle` (TPM2_EvictControl). An occupied handle is
// refused unless `overwrite`, which evicts what is there first.
Status make_persistent(const std::shared_ptr<TpmContext>& ctx, const KeyBlob& blob, uint32_t handle, bool overwrite);

// Removes the persistent object at `handle`.
Status evict_persistent(const std::shared_ptr<TpmContext>& ctx, uint32_t handle);

}  // namespace tpmtls::tpm
