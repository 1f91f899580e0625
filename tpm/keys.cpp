#include "tpm/keys.h"

#include <tss2/tss2_mu.h>

#include <cstdio>

#include "tpm/esys_detail.hpp"

namespace tpmtls::tpm {
namespace {

std::string hex_handle(uint32_t handle) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", handle);
    return buf;
}

// The fields both our templates share: ECC NIST P-256, nameAlg SHA-256, scheme and kdf NULL,
// zero-length unique x/y (TPM 2.0 Part 2 §12.2.3.6).
TPM2B_PUBLIC p256_template(TPMA_OBJECT attributes) {
    TPM2B_PUBLIC t{};
    t.publicArea.type = TPM2_ALG_ECC;
    t.publicArea.nameAlg = TPM2_ALG_SHA256;
    t.publicArea.objectAttributes = attributes;
    TPMS_ECC_PARMS& ecc = t.publicArea.parameters.eccDetail;
    ecc.symmetric.algorithm = TPM2_ALG_NULL;
    ecc.scheme.scheme = TPM2_ALG_NULL;
    ecc.curveID = TPM2_ECC_NIST_P256;
    ecc.kdf.scheme = TPM2_ALG_NULL;
    return t;
}

// tpm2-openssl's owner primary (and the TSS2 key file convention for parent 0x40000001):
// fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|noDA|restricted|decrypt (0x00030472),
// AES-128-CFB.
TPM2B_PUBLIC primary_template() {
    constexpr TPMA_OBJECT attributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                       TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
    static_assert(attributes == 0x00030472);
    TPM2B_PUBLIC t = p256_template(attributes);
    TPMT_SYM_DEF_OBJECT& sym = t.publicArea.parameters.eccDetail.symmetric;
    sym.algorithm = TPM2_ALG_AES;
    sym.keyBits.aes = 128;
    sym.mode.aes = TPM2_ALG_CFB;
    return t;
}

// The signing key: scheme NULL, so each TPM2_Sign names ECDSA and its hash.
TPM2B_PUBLIC signing_key_template() {
    return p256_template(TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                         TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA);
}

}  // namespace

// The owner primary, created for one operation and flushed after. Call with the mutex held.
Result<EsysHandle> create_primary(TpmContext::Impl& ctx) {
    const TPM2B_SENSITIVE_CREATE sensitive{};
    const TPM2B_PUBLIC in_public = primary_template();
    const TPM2B_DATA outside{};
    const TPML_PCR_SELECTION pcrs{};
    ESYS_TR handle = ESYS_TR_NONE;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_CreatePrimary(ctx.esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive,
                                  &in_public, &outside, &pcrs, &handle, nullptr, nullptr, nullptr, nullptr);
    });
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_CreatePrimary (owner, ECC P-256)", rc);
    return EsysHandle(ctx.esys, handle, true);
}

namespace {

Result<EsysHandle> load_under_primary(TpmContext::Impl& ctx, const KeyBlob& blob) {
    TPM2B_PUBLIC pub{};
    TPM2B_PRIVATE priv{};
    size_t offset = 0;
    if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(blob.public_area.data(), blob.public_area.size(), &offset, &pub) !=
            TSS2_RC_SUCCESS ||
        offset != blob.public_area.size()) {
        return fail(AlertDescription::internal_error, "TPM key: malformed TPM2B_PUBLIC");
    }
    offset = 0;
    if (Tss2_MU_TPM2B_PRIVATE_Unmarshal(blob.private_area.data(), blob.private_area.size(), &offset, &priv) !=
            TSS2_RC_SUCCESS ||
        offset != blob.private_area.size()) {
        return fail(AlertDescription::internal_error, "TPM key: malformed TPM2B_PRIVATE");
    }
    const EsysHandle primary = TRY(create_primary(ctx));
    ESYS_TR handle = ESYS_TR_NONE;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_Load(ctx.esys, primary.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &priv, &pub, &handle);
    });
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_Load", rc);
    return EsysHandle(ctx.esys, handle, true);
}

Result<EsysHandle> persistent_handle(TpmContext::Impl& ctx, uint32_t handle) {
    ESYS_TR tr = ESYS_TR_NONE;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_TR_FromTPMPublic(ctx.esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
    });
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "no key at persistent handle " + hex_handle(handle), rc);
    return EsysHandle(ctx.esys, tr, false);
}

Status evict(TpmContext::Impl& ctx, EsysHandle& existing, uint32_t handle) {
    ESYS_TR out = ESYS_TR_NONE;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_EvictControl(ctx.esys, ESYS_TR_RH_OWNER, existing.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                 ESYS_TR_NONE, handle, &out);
    });
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_EvictControl (evict " + hex_handle(handle) + ")", rc);
    existing.release();  // ESAPI dropped the metadata of the evicted object itself
    return ok();
}

}  // namespace

TpmKey::TpmKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TpmKey::~TpmKey() = default;
TpmKey::TpmKey(TpmKey&&) noexcept = default;
TpmKey& TpmKey::operator=(TpmKey&&) noexcept = default;

const std::shared_ptr<TpmContext>& TpmKey::context() const { return impl_->ctx; }

std::string TpmKey::description() const {
    return impl_->persistent_handle ? "TPM key " + hex_handle(impl_->persistent_handle) : "TPM key (transient)";
}

Result<KeyBlob> create_p256_signing_key(TpmContext& context) {
    TpmContext::Impl& ctx = context.impl();
    const std::lock_guard lock(ctx.mutex);
    const EsysHandle primary = TRY(create_primary(ctx));
    const TPM2B_SENSITIVE_CREATE sensitive{};
    const TPM2B_PUBLIC in_public = signing_key_template();
    const TPM2B_DATA outside{};
    const TPML_PCR_SELECTION pcrs{};
    TPM2B_PRIVATE* out_private = nullptr;
    TPM2B_PUBLIC* out_public = nullptr;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_Create(ctx.esys, primary.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive,
                           &in_public, &outside, &pcrs, &out_private, &out_public, nullptr, nullptr, nullptr);
    });
    const EsysPtr<TPM2B_PRIVATE> priv(out_private);
    const EsysPtr<TPM2B_PUBLIC> pub(out_public);
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_Create (ECC P-256 signing key)", rc);
    KeyBlob blob;
    blob.public_area.resize(sizeof(TPM2B_PUBLIC));
    blob.private_area.resize(sizeof(TPM2B_PRIVATE));
    size_t pub_len = 0;
    size_t priv_len = 0;
    if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub.get(), blob.public_area.data(), blob.public_area.size(), &pub_len) !=
            TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_PRIVATE_Marshal(priv.get(), blob.private_area.data(), blob.private_area.size(), &priv_len) !=
            TSS2_RC_SUCCESS) {
        return fail(AlertDescription::internal_error, "TPM key: cannot marshal the created key");
    }
    blob.public_area.resize(pub_len);
    blob.private_area.resize(priv_len);
    return blob;
}

Result<TpmKey> load_key(const std::shared_ptr<TpmContext>& context, const KeyBlob& blob) {
    auto impl = std::make_unique<TpmKey::Impl>();
    impl->ctx = context;
    {
        const std::lock_guard lock(context->impl().mutex);
        impl->handle = TRY(load_under_primary(context->impl(), blob));
    }
    return TpmKey(std::move(impl));
}

Result<TpmKey> load_persistent(const std::shared_ptr<TpmContext>& context, uint32_t handle) {
    auto impl = std::make_unique<TpmKey::Impl>();
    impl->ctx = context;
    impl->persistent_handle = handle;
    {
        const std::lock_guard lock(context->impl().mutex);
        impl->handle = TRY(persistent_handle(context->impl(), handle));
    }
    return TpmKey(std::move(impl));
}

Status make_persistent(const std::shared_ptr<TpmContext>& context, const KeyBlob& blob, uint32_t handle,
                       bool overwrite) {
    TpmContext::Impl& ctx = context->impl();
    const std::lock_guard lock(ctx.mutex);
    if (auto existing = persistent_handle(ctx, handle)) {
        if (!overwrite) {
            return fail(AlertDescription::internal_error,
                        "persistent handle " + hex_handle(handle) + " is occupied (pass overwrite to replace it)");
        }
        TRY(evict(ctx, *existing, handle));
    }
    EsysHandle loaded = TRY(load_under_primary(ctx, blob));
    ESYS_TR out = ESYS_TR_NONE;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_EvictControl(ctx.esys, ESYS_TR_RH_OWNER, loaded.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                 ESYS_TR_NONE, handle, &out);
    });
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_EvictControl (persist at " + hex_handle(handle) + ")", rc);
    EsysHandle persistent(ctx.esys, out, false);  // closes the ESAPI metadata; the object stays
    return ok();
}

Status evict_persistent(const std::shared_ptr<TpmContext>& context, uint32_t handle) {
    TpmContext::Impl& ctx = context->impl();
    const std::lock_guard lock(ctx.mutex);
    EsysHandle existing = TRY(persistent_handle(ctx, handle));
    return evict(ctx, existing, handle);
}

}  // namespace tpmtls::tpm
