#include "tpm/inventory.h"

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <tss2/tss2_mu.h>

#include <cstdio>
#include <map>

#include "tls13/crypto/c_struct.h"
#include "tls13/crypto/hash.h"
#include "tpm/esys_detail.hpp"

namespace tpmtls::tpm {
namespace {

using PkContext = CStruct<mbedtls_pk_context, mbedtls_pk_init, mbedtls_pk_free>;

std::string hex32(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

// Part 2 §8.3 TPMA_OBJECT bits, by the spec's names.
std::string attribute_names(TPMA_OBJECT a) {
    static constexpr std::pair<TPMA_OBJECT, const char*> names[] = {
        {TPMA_OBJECT_FIXEDTPM, "fixedTPM"},
        {TPMA_OBJECT_STCLEAR, "stClear"},
        {TPMA_OBJECT_FIXEDPARENT, "fixedParent"},
        {TPMA_OBJECT_SENSITIVEDATAORIGIN, "sensitiveDataOrigin"},
        {TPMA_OBJECT_USERWITHAUTH, "userWithAuth"},
        {TPMA_OBJECT_ADMINWITHPOLICY, "adminWithPolicy"},
        {TPMA_OBJECT_NODA, "noDA"},
        {TPMA_OBJECT_ENCRYPTEDDUPLICATION, "encryptedDuplication"},
        {TPMA_OBJECT_RESTRICTED, "restricted"},
        {TPMA_OBJECT_DECRYPT, "decrypt"},
        {TPMA_OBJECT_SIGN_ENCRYPT, "sign"},
    };
    std::string out;
    for (const auto& [bit, name] : names) {
        if ((a & bit) == 0) continue;
        if (!out.empty()) out += "|";
        out += name;
    }
    return out.empty() ? "none" : out;
}

struct NamedId {
    uint16_t id;
    const char* name;
};

// Part 2 §6.3 TPM_ALG_ID and §6.4 TPM_ECC_CURVE, lower-case as tpm2-tools prints them.
constexpr NamedId algorithm_names[] = {
    {0x0001, "rsa"},       {0x0003, "tdes"},      {0x0004, "sha1"},      {0x0005, "hmac"},      {0x0006, "aes"},
    {0x0007, "mgf1"},      {0x0008, "keyedhash"}, {0x000a, "xor"},       {0x000b, "sha256"},
    {0x000c, "sha384"},    {0x000d, "sha512"},    {0x0010, "null"},      {0x0012, "sm3_256"},
    {0x0013, "sm4"},       {0x0014, "rsassa"},    {0x0015, "rsaes"},     {0x0016, "rsapss"},
    {0x0017, "oaep"},      {0x0018, "ecdsa"},     {0x0019, "ecdh"},      {0x001a, "ecdaa"},
    {0x001b, "sm2"},       {0x001c, "ecschnorr"}, {0x001d, "ecmqv"},     {0x0020, "kdf1_sp800_56a"},
    {0x0021, "kdf2"},      {0x0022, "kdf1_sp800_108"}, {0x0023, "ecc"},  {0x0025, "symcipher"},
    {0x0026, "camellia"},  {0x0027, "sha3_256"},  {0x0028, "sha3_384"},  {0x0029, "sha3_512"},
    {0x003f, "cmac"},      {0x0040, "ctr"},       {0x0041, "ofb"},       {0x0042, "cbc"},
    {0x0043, "cfb"},       {0x0044, "ecb"},
};
constexpr NamedId curve_names[] = {
    {0x0001, "nist-p192"}, {0x0002, "nist-p224"}, {0x0003, "nist-p256"}, {0x0004, "nist-p384"},
    {0x0005, "nist-p521"}, {0x0010, "bn-p256"},   {0x0011, "bn-p638"},   {0x0020, "sm2-p256"},
};

template <size_t N>
std::string name_of(const NamedId (&table)[N], uint16_t id) {
    for (const NamedId& entry : table)
        if (entry.id == id) return entry.name;
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", id);
    return buf;
}

std::string type_of(const TPMT_PUBLIC& area) {
    switch (area.type) {
        case TPM2_ALG_ECC: {
            const std::string curve = name_of(curve_names, area.parameters.eccDetail.curveID);
            return "ecc-" + (curve.rfind("nist-", 0) == 0 ? curve.substr(5) : curve);
        }
        case TPM2_ALG_RSA: return "rsa-" + std::to_string(area.parameters.rsaDetail.keyBits);
        case TPM2_ALG_KEYEDHASH: return "keyedhash";
        case TPM2_ALG_SYMCIPHER: return "symcipher";
        default: return name_of(algorithm_names, area.type);
    }
}

// The templates of tpm/keys.cpp (generated) and tpm/import.cpp (imported); see inventory.h.
bool matches_our_template(const TPMT_PUBLIC& area, uint32_t handle) {
    constexpr TPMA_OBJECT base = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA;
    constexpr TPMA_OBJECT generated =
        base | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN;
    if (handle < persistent_first || handle > persistent_owner_last) return false;
    if (area.objectAttributes != base && area.objectAttributes != generated) return false;
    if (area.nameAlg != TPM2_ALG_SHA256 || area.authPolicy.size != 0) return false;
    if (area.type == TPM2_ALG_ECC)
        return area.parameters.eccDetail.curveID == TPM2_ECC_NIST_P256 &&
               area.parameters.eccDetail.scheme.scheme == TPM2_ALG_NULL &&
               area.parameters.eccDetail.symmetric.algorithm == TPM2_ALG_NULL;
    if (area.type == TPM2_ALG_RSA)
        return area.parameters.rsaDetail.keyBits == 2048 && area.parameters.rsaDetail.scheme.scheme == TPM2_ALG_NULL &&
               area.parameters.rsaDetail.symmetric.algorithm == TPM2_ALG_NULL;
    return false;
}

Result<Bytes> spki_of(const TPMT_PUBLIC& area) {
    PkContext pk;
    if (area.type == TPM2_ALG_ECC) {
        mbedtls_ecp_group_id group = MBEDTLS_ECP_DP_NONE;
        switch (area.parameters.eccDetail.curveID) {
            case TPM2_ECC_NIST_P256: group = MBEDTLS_ECP_DP_SECP256R1; break;
            case TPM2_ECC_NIST_P384: group = MBEDTLS_ECP_DP_SECP384R1; break;
            case TPM2_ECC_NIST_P521: group = MBEDTLS_ECP_DP_SECP521R1; break;
            default: return fail(AlertDescription::illegal_parameter, "unsupported curve for a public key");
        }
        if (mbedtls_pk_setup(&pk.value, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
            return fail(AlertDescription::internal_error, "mbedTLS pk setup failed");
        mbedtls_ecp_keypair& ec = *mbedtls_pk_ec(pk.value);
        const TPMS_ECC_POINT& q = area.unique.ecc;
        if (mbedtls_ecp_group_load(&ec.grp, group) != 0 || mbedtls_mpi_read_binary(&ec.Q.X, q.x.buffer, q.x.size) != 0 ||
            mbedtls_mpi_read_binary(&ec.Q.Y, q.y.buffer, q.y.size) != 0 || mbedtls_mpi_lset(&ec.Q.Z, 1) != 0)
            return fail(AlertDescription::illegal_parameter, "malformed ECC public key");
    } else if (area.type == TPM2_ALG_RSA) {
        if (mbedtls_pk_setup(&pk.value, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0)
            return fail(AlertDescription::internal_error, "mbedTLS pk setup failed");
        const uint32_t exponent = area.parameters.rsaDetail.exponent == 0 ? 65537 : area.parameters.rsaDetail.exponent;
        const uint8_t e[4] = {static_cast<uint8_t>(exponent >> 24), static_cast<uint8_t>(exponent >> 16),
                              static_cast<uint8_t>(exponent >> 8), static_cast<uint8_t>(exponent)};
        const TPM2B_PUBLIC_KEY_RSA& n = area.unique.rsa;
        mbedtls_rsa_context* rsa = mbedtls_pk_rsa(pk.value);
        if (mbedtls_rsa_import_raw(rsa, n.buffer, n.size, nullptr, 0, nullptr, 0, nullptr, 0, e, sizeof e) != 0 ||
            mbedtls_rsa_complete(rsa) != 0)
            return fail(AlertDescription::illegal_parameter, "malformed RSA public key");
    } else {
        return fail(AlertDescription::illegal_parameter, "not an asymmetric key");
    }
    Bytes buffer(2048);
    const int len = mbedtls_pk_write_pubkey_der(&pk.value, buffer.data(), buffer.size());
    if (len <= 0) return fail(AlertDescription::internal_error, "cannot encode the public key");
    return Bytes(buffer.end() - len, buffer.end());
}

// TPM2_GetCapability(capability, first, count), following moreData. Call with the mutex held.
template <class Each>
Status get_capability(TpmContext::Impl& ctx, TPM2_CAP capability, uint32_t first, uint32_t count, Each&& each) {
    TPMI_YES_NO more = TPM2_YES;
    uint32_t property = first;
    while (more == TPM2_YES) {
        TPMS_CAPABILITY_DATA* data = nullptr;
        const TSS2_RC rc = with_retry(ctx, [&] {
            return Esys_GetCapability(ctx.esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, capability, property, count,
                                      &more, &data);
        });
        const EsysPtr<TPMS_CAPABILITY_DATA> owner(data);
        if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_GetCapability", rc);
        const std::optional<uint32_t> last = each(*data);
        if (!last) break;
        property = *last + 1;
    }
    return ok();
}

// TPM properties from `first` on (Part 2 §6.13: PT_FIXED 0x100, PT_VAR 0x200).
Result<std::map<uint32_t, uint32_t>> read_properties(TpmContext::Impl& ctx, uint32_t first) {
    std::map<uint32_t, uint32_t> out;
    TRY(get_capability(ctx, TPM2_CAP_TPM_PROPERTIES, first, TPM2_MAX_TPM_PROPERTIES,
                       [&](const TPMS_CAPABILITY_DATA& data) -> std::optional<uint32_t> {
                           const TPML_TAGGED_TPM_PROPERTY& list = data.data.tpmProperties;
                           for (uint32_t i = 0; i < list.count; ++i) out[list.tpmProperty[i].property] = list.tpmProperty[i].value;
                           if (list.count == 0) return std::nullopt;
                           return list.tpmProperty[list.count - 1].property;
                       }));
    return out;
}

std::string four_chars(uint32_t v) {
    std::string out;
    for (int shift = 24; shift >= 0; shift -= 8) {
        const char c = static_cast<char>((v >> shift) & 0xff);
        if (c != '\0') out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return out;
}

uint32_t property(const std::map<uint32_t, uint32_t>& p, uint32_t key) {
    auto it = p.find(key);
    return it == p.end() ? 0 : it->second;
}

// TPM2_ReadPublic on a persistent handle failed: usually TPM_RC_HANDLE, nothing there.
Alert empty_handle(const TpmContext::Impl& ctx, uint32_t handle, TSS2_RC rc) {
    Alert alert = tpm_error(ctx, "TPM2_ReadPublic", rc);
    alert.reason = "persistent handle " + hex32(handle) + " is empty (" + alert.reason + ")";
    return alert;
}

Result<PersistentObject> describe(TpmContext::Impl& ctx, uint32_t handle) {
    ESYS_TR tr = ESYS_TR_NONE;
    TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_TR_FromTPMPublic(ctx.esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
    });
    if (rc != TSS2_RC_SUCCESS) return empty_handle(ctx, handle, rc);
    const EsysHandle object(ctx.esys, tr, false);
    TPM2B_PUBLIC* out = nullptr;
    rc = with_retry(ctx, [&] {
        return Esys_ReadPublic(ctx.esys, object.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &out, nullptr, nullptr);
    });
    const EsysPtr<TPM2B_PUBLIC> pub(out);
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_ReadPublic (" + hex32(handle) + ")", rc);
    PersistentObject info;
    info.handle = handle;
    info.type = type_of(pub->publicArea);
    info.attributes = pub->publicArea.objectAttributes;
    info.attribute_names = attribute_names(info.attributes);
    if (auto spki = spki_of(pub->publicArea)) info.spki_sha256 = hash(HashAlgorithm::sha256, view(*spki));
    info.made_by_tpmtls = matches_our_template(pub->publicArea, handle);
    return info;
}

Result<std::vector<uint32_t>> handles_locked(TpmContext::Impl& ctx) {
    std::vector<uint32_t> handles;
    TRY(get_capability(ctx, TPM2_CAP_HANDLES, persistent_first, TPM2_MAX_CAP_HANDLES,
                       [&](const TPMS_CAPABILITY_DATA& data) -> std::optional<uint32_t> {
                           const TPML_HANDLE& list = data.data.handles;
                           for (uint32_t i = 0; i < list.count; ++i)
                               if ((list.handle[i] >> 24) == 0x81) handles.push_back(list.handle[i]);
                           if (list.count == 0) return std::nullopt;
                           return list.handle[list.count - 1];
                       }));
    return handles;
}

}  // namespace

Result<Bytes> spki_of_public_area(ByteView tpm2b_public) {
    TPM2B_PUBLIC pub{};
    size_t offset = 0;
    if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(tpm2b_public.data(), tpm2b_public.size(), &offset, &pub) != TSS2_RC_SUCCESS ||
        offset != tpm2b_public.size())
        return fail(AlertDescription::decode_error, "malformed TPM2B_PUBLIC");
    return spki_of(pub.publicArea);
}

Result<std::vector<uint32_t>> persistent_handles(TpmContext& context) {
    const std::lock_guard lock(context.impl().mutex);
    return handles_locked(context.impl());
}

Result<std::vector<PersistentObject>> list_persistent_objects(TpmContext& context) {
    TpmContext::Impl& ctx = context.impl();
    const std::lock_guard lock(ctx.mutex);
    std::vector<PersistentObject> out;
    for (uint32_t handle : TRY(handles_locked(ctx))) out.push_back(TRY(describe(ctx, handle)));
    return out;
}

Result<PersistentObject> describe_persistent_object(TpmContext& context, uint32_t handle) {
    const std::lock_guard lock(context.impl().mutex);
    return describe(context.impl(), handle);
}

Status evict_persistent_object(TpmContext& context, uint32_t handle, bool force) {
    TpmContext::Impl& ctx = context.impl();
    const std::lock_guard lock(ctx.mutex);
    const PersistentObject info = TRY(describe(ctx, handle));
    if (!info.made_by_tpmtls && !force)
        return fail(AlertDescription::illegal_parameter,
                    hex32(handle) + " (" + info.type + ", " + info.attribute_names +
                        ") was not made by tpmtls: not evicted (--force evicts it anyway)");
    ESYS_TR tr = ESYS_TR_NONE;
    TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_TR_FromTPMPublic(ctx.esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
    });
    if (rc != TSS2_RC_SUCCESS) return empty_handle(ctx, handle, rc);
    EsysHandle object(ctx.esys, tr, false);
    ESYS_TR out = ESYS_TR_NONE;
    rc = with_retry(ctx, [&] {
        return Esys_EvictControl(ctx.esys, ESYS_TR_RH_OWNER, object.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                 handle, &out);
    });
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_EvictControl (evict " + hex32(handle) + ")", rc);
    object.release();  // ESAPI dropped the evicted object's metadata itself
    return ok();
}

Result<LockoutState> read_lockout_state(TpmContext& context) {
    TpmContext::Impl& ctx = context.impl();
    const std::lock_guard lock(ctx.mutex);
    const auto var = TRY(read_properties(ctx, TPM2_PT_VAR));
    LockoutState state;
    state.counter = property(var, TPM2_PT_LOCKOUT_COUNTER);
    state.max_tries = property(var, TPM2_PT_MAX_AUTH_FAIL);
    state.recovery_interval = property(var, TPM2_PT_LOCKOUT_INTERVAL);
    state.lockout_recovery = property(var, TPM2_PT_LOCKOUT_RECOVERY);
    state.in_lockout = (property(var, TPM2_PT_PERMANENT) & TPMA_PERMANENT_INLOCKOUT) != 0;
    return state;
}

Status refuse_if_in_lockout(TpmContext& context) {
    const LockoutState state = TRY(read_lockout_state(context));
    if (!state.in_lockout) return ok();
    return fail(AlertDescription::internal_error,
                "TPM is in dictionary-attack lockout (" + std::to_string(state.counter) + " of " +
                    std::to_string(state.max_tries) + " failed authorizations; one is forgiven every " +
                    std::to_string(state.recovery_interval) +
                    " s): find what sends wrong authorizations, then wait or clear it with the lockout "
                    "authorization (tpm2_dictionarylockout --clear-lockout)");
}

Result<TpmInfo> read_tpm_info(TpmContext& context) {
    TpmInfo info;
    info.lockout = TRY(read_lockout_state(context));
    TpmContext::Impl& ctx = context.impl();
    const std::lock_guard lock(ctx.mutex);
    const auto fixed = TRY(read_properties(ctx, TPM2_PT_FIXED));
    info.manufacturer_id = property(fixed, TPM2_PT_MANUFACTURER);
    info.manufacturer = four_chars(info.manufacturer_id);
    for (uint32_t p = TPM2_PT_VENDOR_STRING_1; p <= TPM2_PT_VENDOR_STRING_4; ++p) info.vendor += four_chars(property(fixed, p));
    info.firmware_version_1 = property(fixed, TPM2_PT_FIRMWARE_VERSION_1);
    info.firmware_version_2 = property(fixed, TPM2_PT_FIRMWARE_VERSION_2);
    info.family = four_chars(property(fixed, TPM2_PT_FAMILY_INDICATOR));
    info.spec_level = property(fixed, TPM2_PT_LEVEL);
    info.spec_revision = property(fixed, TPM2_PT_REVISION);
    info.spec_year = property(fixed, TPM2_PT_YEAR);
    info.spec_day_of_year = property(fixed, TPM2_PT_DAY_OF_YEAR);
    info.transient_slots = property(fixed, TPM2_PT_HR_TRANSIENT_MIN);
    info.persistent_slots = property(fixed, TPM2_PT_HR_PERSISTENT_MIN);
    TRY(get_capability(ctx, TPM2_CAP_ALGS, TPM2_ALG_FIRST, TPM2_MAX_CAP_ALGS,
                       [&](const TPMS_CAPABILITY_DATA& data) -> std::optional<uint32_t> {
                           const TPML_ALG_PROPERTY& list = data.data.algorithms;
                           for (uint32_t i = 0; i < list.count; ++i)
                               info.algorithms.push_back(name_of(algorithm_names, list.algProperties[i].alg));
                           if (list.count == 0) return std::nullopt;
                           return list.algProperties[list.count - 1].alg;
                       }));
    TRY(get_capability(ctx, TPM2_CAP_ECC_CURVES, TPM2_ECC_NONE, TPM2_MAX_ECC_CURVES,
                       [&](const TPMS_CAPABILITY_DATA& data) -> std::optional<uint32_t> {
                           const TPML_ECC_CURVE& list = data.data.eccCurves;
                           for (uint32_t i = 0; i < list.count; ++i)
                               info.curves.push_back(name_of(curve_names, list.eccCurves[i]));
                           if (list.count == 0) return std::nullopt;
                           return list.eccCurves[list.count - 1];
                       }));
    return info;
}

std::string revision_text(uint32_t revision) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%u.%02u", revision / 100, revision % 100);
    return buf;
}

std::string firmware_text(uint32_t version_1, uint32_t version_2) {
    // Part 2 §6.13: vendor-defined; most print the four 16-bit halves as a dotted version.
    char buf[48];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u (0x%08x 0x%08x)", version_1 >> 16, version_1 & 0xffff, version_2 >> 16,
                  version_2 & 0xffff, version_1, version_2);
    return buf;
}

Status run_self_test(TpmContext& context) {
    TpmContext::Impl& ctx = context.impl();
    const std::lock_guard lock(ctx.mutex);
    TSS2_RC rc = with_retry(ctx, [&] { return Esys_SelfTest(ctx.esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_YES); });
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_SelfTest (full)", rc);
    TPM2B_MAX_BUFFER* out_data = nullptr;
    TPM2_RC test_result = 0;
    rc = with_retry(ctx, [&] {
        return Esys_GetTestResult(ctx.esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &out_data, &test_result);
    });
    const EsysPtr<TPM2B_MAX_BUFFER> data(out_data);
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_GetTestResult", rc);
    if (test_result != TPM2_RC_SUCCESS) return tpm_error(ctx, "TPM self-test", test_result);
    return ok();
}

}  // namespace tpmtls::tpm
