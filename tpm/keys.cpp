#include "tpm/keys.h"

#include <tss2/tss2_mu.h>

#include <cstdio>
#include <cstring>

#include "tls13/secret.h"
#include "tpm/esys_detail.hpp"

namespace tpmtls::tpm {

std::string hex_handle(uint32_t handle) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", handle);
    return buf;
}

namespace {

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

// RSA-2048, exponent 0 (= 65537, Part 2 §12.2.3.5), no symmetric part, zero-length unique.
TPM2B_PUBLIC rsa2048_template(TPMA_OBJECT attributes) {
    TPM2B_PUBLIC t{};
    t.publicArea.type = TPM2_ALG_RSA;
    t.publicArea.nameAlg = TPM2_ALG_SHA256;
    t.publicArea.objectAttributes = attributes;
    TPMS_RSA_PARMS& rsa = t.publicArea.parameters.rsaDetail;
    rsa.symmetric.algorithm = TPM2_ALG_NULL;
    rsa.scheme.scheme = TPM2_ALG_NULL;
    rsa.keyBits = 2048;
    rsa.exponent = 0;
    return t;
}

// The signing key: scheme NULL, so each TPM2_Sign names ECDSA / RSA-PSS and its hash. noDA only
// without an authorization value: with one, wrong guesses must count towards the lockout.
TPM2B_PUBLIC signing_key_template(KeyAlgorithm algorithm, bool has_auth) {
    TPMA_OBJECT attributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                             TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH;
    if (!has_auth) attributes |= TPMA_OBJECT_NODA;
    return algorithm == KeyAlgorithm::rsa_2048 ? rsa2048_template(attributes) : p256_template(attributes);
}

// TPM2B_SENSITIVE_CREATE holding the auth value; wiped when it goes.
struct SensitiveCreate {
    TPM2B_SENSITIVE_CREATE value{};
    ~SensitiveCreate() { secure_wipe(&value, sizeof value); }
};

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

Result<EsysHandle> persistent_handle(TpmContext::Impl& ctx, uint32_t handle);

// The parent a key file names: the owner primary (created now) or a persistent storage key.
Result<EsysHandle> open_parent(TpmContext::Impl& ctx, uint32_t parent) {
    if (parent == owner_hierarchy) return create_primary(ctx);
    if ((parent >> 24) != 0x81)
        return fail(AlertDescription::internal_error,
                    "unsupported parent handle " + hex_handle(parent) + " (the owner hierarchy 0x40000001 or 0x81xxxxxx)");
    return persistent_handle(ctx, parent);
}

Result<EsysHandle> load_under_parent(TpmContext::Impl& ctx, const KeyBlob& blob, uint32_t parent) {
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
    const EsysHandle parent_handle = TRY(open_parent(ctx, parent));
    ESYS_TR handle = ESYS_TR_NONE;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_Load(ctx.esys, parent_handle.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &priv, &pub,
                         &handle);
    });
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_Load (under parent " + hex_handle(parent) + ")", rc);
    return EsysHandle(ctx.esys, handle, true);
}

Result<EsysHandle> persistent_handle(TpmContext::Impl& ctx, uint32_t handle) {
    ESYS_TR tr = ESYS_TR_NONE;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_TR_FromTPMPublic(ctx.esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
    });
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "reading persistent handle " + hex_handle(handle), rc);
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

// TPM2_GetCapability(TPM_CAP_HANDLES) from `handle`, one entry: occupied if it is that handle
// (Part 3 §30.2: the list starts at the first handle >= property).
Result<bool> handle_occupied(TpmContext::Impl& ctx, uint32_t handle) {
    TPMS_CAPABILITY_DATA* data = nullptr;
    TPMI_YES_NO more = TPM2_NO;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_GetCapability(ctx.esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES, handle, 1,
                                  &more, &data);
    });
    const EsysPtr<TPMS_CAPABILITY_DATA> owner(data);
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_GetCapability (handles)", rc);
    const TPML_HANDLE& handles = data->data.handles;
    return handles.count > 0 && handles.handle[0] == handle;
}

}  // namespace

TpmKey::TpmKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TpmKey::~TpmKey() = default;
TpmKey::TpmKey(TpmKey&&) noexcept = default;
TpmKey& TpmKey::operator=(TpmKey&&) noexcept = default;

const std::shared_ptr<TpmContext>& TpmKey::context() const { return impl_->ctx; }

Status TpmKey::set_auth(ByteView auth) {
    if (auth.size() > max_auth_size)
        return fail(AlertDescription::internal_error, "key authorization value longer than " +
                                                          std::to_string(max_auth_size) + " bytes");
    TPM2B_AUTH value{};
    value.size = static_cast<UINT16>(auth.size());
    if (!auth.empty()) std::memcpy(value.buffer, auth.data(), auth.size());
    TpmContext::Impl& ctx = impl_->ctx->impl();
    TSS2_RC rc = 0;
    {
        const std::lock_guard lock(ctx.mutex);
        rc = Esys_TR_SetAuth(ctx.esys, impl_->handle.get(), &value);
    }
    secure_wipe(&value, sizeof value);
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "Esys_TR_SetAuth (" + description() + ")", rc);
    impl_->has_auth = !auth.empty();
    return ok();
}

std::string to_string(KeyAlgorithm algorithm) {
    return algorithm == KeyAlgorithm::rsa_2048 ? "RSA-2048" : "ECC P-256";
}

void TpmKey::set_description(std::string source) { impl_->source = std::move(source); }

std::string TpmKey::description() const {
    if (!impl_->source.empty()) return "TPM key " + impl_->source;
    return impl_->persistent_handle ? "TPM key " + hex_handle(impl_->persistent_handle) : "TPM key (transient)";
}

Result<KeyBlob> create_p256_signing_key(TpmContext& context) {
    return create_signing_key(context, KeyAlgorithm::ecc_p256, {});
}

Result<KeyBlob> create_signing_key(TpmContext& context, KeyAlgorithm algorithm, ByteView auth) {
    if (auth.size() > max_auth_size)
        return fail(AlertDescription::internal_error, "key authorization value longer than " +
                                                          std::to_string(max_auth_size) + " bytes");
    TpmContext::Impl& ctx = context.impl();
    const std::lock_guard lock(ctx.mutex);
    const EsysHandle primary = TRY(create_primary(ctx));
    SensitiveCreate sensitive;
    sensitive.value.sensitive.userAuth.size = static_cast<UINT16>(auth.size());
    if (!auth.empty()) std::memcpy(sensitive.value.sensitive.userAuth.buffer, auth.data(), auth.size());
    const TPM2B_PUBLIC in_public = signing_key_template(algorithm, !auth.empty());
    const TPM2B_DATA outside{};
    const TPML_PCR_SELECTION pcrs{};
    TPM2B_PRIVATE* out_private = nullptr;
    TPM2B_PUBLIC* out_public = nullptr;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_Create(ctx.esys, primary.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive.value,
                           &in_public, &outside, &pcrs, &out_private, &out_public, nullptr, nullptr, nullptr);
    });
    const EsysPtr<TPM2B_PRIVATE> priv(out_private);
    const EsysPtr<TPM2B_PUBLIC> pub(out_public);
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_Create (" + to_string(algorithm) + " signing key)", rc);
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

Result<TpmKey> load_key(const std::shared_ptr<TpmContext>& context, const KeyBlob& blob, uint32_t parent) {
    auto impl = std::make_unique<TpmKey::Impl>();
    impl->ctx = context;
    {
        const std::lock_guard lock(context->impl().mutex);
        impl->handle = TRY(load_under_parent(context->impl(), blob, parent));
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

Result<bool> persistent_handle_occupied(const std::shared_ptr<TpmContext>& context, uint32_t handle) {
    TpmContext::Impl& ctx = context->impl();
    const std::lock_guard lock(ctx.mutex);
    return handle_occupied(ctx, handle);
}

Status make_persistent(const std::shared_ptr<TpmContext>& context, const KeyBlob& blob, uint32_t handle,
                       bool overwrite, uint32_t parent) {
    TpmContext::Impl& ctx = context->impl();
    const std::lock_guard lock(ctx.mutex);
    if (TRY(handle_occupied(ctx, handle))) {
        if (!overwrite) {
            return fail(AlertDescription::internal_error,
                        "persistent handle " + hex_handle(handle) + " is occupied (pass overwrite to replace it)");
        }
        EsysHandle existing = TRY(persistent_handle(ctx, handle));
        TRY(evict(ctx, existing, handle));
    }
    EsysHandle loaded = TRY(load_under_parent(ctx, blob, parent));
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
