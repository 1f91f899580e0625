// What is in the TPM, for device makers: the persistent handles with their key type, attributes
// and public key fingerprint; evicting one; the TPM's identity, capabilities and lockout state
// (TPM2_GetCapability, TPM 2.0 Part 3 §30.2, properties Part 2 §6.13); and the self-test
// (TPM2_SelfTest, Part 3 §10.2).
//
// "Made by tpmtls": a persistent object whose public area has one of our signing-key templates:
// type ECC P-256 or RSA-2048, nameAlg SHA-256, empty authPolicy, scheme NULL, and attributes
// exactly sign|userWithAuth plus either fixedTPM|fixedParent|sensitiveDataOrigin with or without
// noDA (made in the TPM by tpmtls keygen; noDA is cleared when the key has an authorization
// value) or noDA alone (imported by tpmtls import, which sets no authorization value), at an owner handle
// (0x81000000-0x817FFFFF, TCG "Registry of Reserved TPM 2.0 Handles and Localities" §2.3.1).
// The template is the signature because the TPM stores nothing else about who made an object.
// Storage keys (SRK 0x81000001, EK 0x81010001), keys with policies and other tools' keys do not
// match and are not evicted unless forced.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tls13/bytes.h"
#include "tls13/result.h"
#include "tpm/context.h"

namespace tpmtls::tpm {

inline constexpr uint32_t persistent_first = 0x81000000;
inline constexpr uint32_t persistent_owner_last = 0x817fffff;

struct PersistentObject {
    uint32_t handle = 0;
    std::string type;          // "ecc-p256", "rsa-2048", "ecc-p384", "rsa-3072", "keyedhash", "symcipher"
    uint32_t attributes = 0;   // TPMA_OBJECT
    std::string attribute_names;  // "sign|userWithAuth|noDA"
    Bytes spki_sha256;         // SHA-256 of the SubjectPublicKeyInfo DER; empty for non-asymmetric objects
    bool made_by_tpmtls = false;
};

// The SubjectPublicKeyInfo DER of a marshalled TPM2B_PUBLIC (ECC NIST curves and RSA).
Result<Bytes> spki_of_public_area(ByteView tpm2b_public);

// Persistent handles in the TPM (TPM2_GetCapability TPM_CAP_HANDLES from 0x81000000), ascending.
Result<std::vector<uint32_t>> persistent_handles(TpmContext& ctx);
// Each persistent handle with what TPM2_ReadPublic says about it.
Result<std::vector<PersistentObject>> list_persistent_objects(TpmContext& ctx);
// One handle; an empty handle is an error naming it.
Result<PersistentObject> describe_persistent_object(TpmContext& ctx, uint32_t handle);

// TPM2_EvictControl of a persistent handle. One we did not make (see above) is refused unless
// `force`.
Status evict_persistent_object(TpmContext& ctx, uint32_t handle, bool force);

// Dictionary-attack state (Part 1 §19.8.6; Part 2 TPM_PT_LOCKOUT_*, TPMA_PERMANENT.inLockout).
struct LockoutState {
    uint32_t counter = 0;           // TPM_PT_LOCKOUT_COUNTER: failed authorizations counted
    uint32_t max_tries = 0;         // TPM_PT_MAX_AUTH_FAIL
    uint32_t recovery_interval = 0; // TPM_PT_LOCKOUT_INTERVAL, seconds per forgiven failure
    uint32_t lockout_recovery = 0;  // TPM_PT_LOCKOUT_RECOVERY, seconds after a lockoutAuth failure
    bool in_lockout = false;        // TPMA_PERMANENT.inLockout
};
Result<LockoutState> read_lockout_state(TpmContext& ctx);
// An error for a TPM in lockout ("TPM is in dictionary-attack lockout: ..."), ok otherwise.
Status refuse_if_in_lockout(TpmContext& ctx);

struct TpmInfo {
    std::string manufacturer;    // TPM_PT_MANUFACTURER as text ("IBM", "IFX", "STM ", "NTC")
    uint32_t manufacturer_id = 0;
    std::string vendor;          // TPM_PT_VENDOR_STRING_1..4
    uint32_t firmware_version_1 = 0;  // TPM_PT_FIRMWARE_VERSION_1
    uint32_t firmware_version_2 = 0;  // TPM_PT_FIRMWARE_VERSION_2
    std::string family;          // TPM_PT_FAMILY_INDICATOR ("2.0")
    uint32_t spec_level = 0;     // TPM_PT_LEVEL
    uint32_t spec_revision = 0;  // TPM_PT_REVISION: 116 means 1.16
    uint32_t spec_year = 0;      // TPM_PT_YEAR
    uint32_t spec_day_of_year = 0;
    uint32_t transient_slots = 0;   // TPM_PT_HR_TRANSIENT_MIN
    uint32_t persistent_slots = 0;  // TPM_PT_HR_PERSISTENT_MIN
    std::vector<std::string> algorithms;  // TPM_CAP_ALGS, by name ("rsa", "sha256", "ecc", ...)
    std::vector<std::string> curves;      // TPM_CAP_ECC_CURVES ("nist-p256", ...)
    LockoutState lockout;
};
Result<TpmInfo> read_tpm_info(TpmContext& ctx);

// "1.16" from TPM_PT_REVISION 116; "fw 20191023.0x00163636" style from the two firmware words.
std::string revision_text(uint32_t revision);
std::string firmware_text(uint32_t version_1, uint32_t version_2);

// TPM2_SelfTest(fullTest = YES), then TPM2_GetTestResult: ok, or an error with the TPM's code.
Status run_self_test(TpmContext& ctx);

}  // namespace tpmtls::tpm
