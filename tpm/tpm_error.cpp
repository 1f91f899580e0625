// TPM errors in words (issue 5, point 6): every failed TPM command becomes an internal_error
// Alert whose reason names the command, the decoded TSS2 code (Tss2_RC_Decode), the TCTI and,
// for the codes users meet, what to do about it.
#include <tss2/tss2_rc.h>

#include <chrono>
#include <thread>

#include "tpm/esys_detail.hpp"

namespace tpmtls::tpm {
namespace {

// The TPM's own response code without the TSS layer, or nullopt when another layer (TCTI,
// ESAPI, marshalling) produced `rc`. A resource manager passes TPM codes on in its own layer.
std::optional<TSS2_RC> tpm_response_code(TSS2_RC rc) {
    const TSS2_RC layer = rc & TSS2_RC_LAYER_MASK;
    if (layer != TSS2_TPM_RC_LAYER && layer != TSS2_RESMGR_TPM_RC_LAYER) return std::nullopt;
    return rc & 0xffff;
}

// TPM 2.0 Part 2 §6.6: a format-one code carries a parameter / handle / session number in bits
// 8-11 and bit 6; the error itself is bit 7 plus bits 0-5. Format zero is taken whole.
TSS2_RC error_number(TSS2_RC tpm_rc) {
    return (tpm_rc & TPM2_RC_FMT1) != 0 ? (tpm_rc & (TPM2_RC_FMT1 | 0x3f)) : tpm_rc;
}

}  // namespace

bool is_retryable(TSS2_RC rc) {
    // TPM 2.0 Part 2 §6.6.3: warnings that mean "send it again".
    const auto code = tpm_response_code(rc);
    return code && (*code == TPM2_RC_RETRY || *code == TPM2_RC_YIELDED || *code == TPM2_RC_TESTING);
}

void retry_backoff(int attempt) {
    // 5, 10, 20, 40, 80 ms ... capped at 320 ms: at most about 0.6 s over the default 5 retries.
    const int shift = attempt < 6 ? attempt : 6;
    std::this_thread::sleep_for(std::chrono::milliseconds(5 << shift));
}

std::string tpm_error_hint(TSS2_RC rc) {
    const TSS2_RC layer = rc & TSS2_RC_LAYER_MASK;
    const TSS2_RC base = rc & 0xffff;
    if (layer == TSS2_TCTI_RC_LAYER && (base == TSS2_BASE_RC_BAD_VALUE || base == TSS2_BASE_RC_NOT_SUPPORTED ||
                                         base == TSS2_BASE_RC_NOT_IMPLEMENTED)) {
        return "the TCTI configuration is not valid (tpm2-tools syntax: swtpm:host=127.0.0.1,port=2321, "
               "mssim:..., device:/dev/tpmrm0, tabrmd:...)";
    }
    if (layer == TSS2_TCTI_RC_LAYER || (layer != TSS2_TPM_RC_LAYER &&
                                        (base == TSS2_BASE_RC_IO_ERROR || base == TSS2_BASE_RC_NO_CONNECTION))) {
        return "TPM unreachable: is swtpm running / /dev/tpmrm0 readable, and is --tcti (or TPM2TOOLS_TCTI, "
               "TCTI) right?";
    }
    const auto code = tpm_response_code(rc);
    if (!code) return {};
    switch (error_number(*code)) {
        case TPM2_RC_AUTH_FAIL:
        case TPM2_RC_BAD_AUTH:
            return "wrong authorization value for the key (check --auth-file / what was typed at the prompt); "
                   "each wrong value counts towards the TPM's dictionary-attack lockout";
        case TPM2_RC_LOCKOUT:
            return "the TPM is in dictionary-attack lockout after too many wrong authorization values: wait "
                   "for its recovery time, or clear it with the lockout authorization "
                   "(tpm2_dictionarylockout --clear-lockout)";
        case TPM2_RC_HANDLE:
            return "nothing is stored at that handle (tpm2_getcap handles-persistent lists the persistent ones)";
        case TPM2_RC_INTEGRITY:
        case TPM2_RC_BINDING:
            return "the key was not made by this TPM under this parent (another TPM, a cleared TPM, or a "
                   "damaged key file)";
        case TPM2_RC_OBJECT_MEMORY:
            return "the TPM's transient object slots are full: flush them (tpm2_flushcontext -t) or use a "
                   "resource manager (/dev/tpmrm0, tpm2-abrmd)";
        case TPM2_RC_ATTRIBUTES:
        case TPM2_RC_SCHEME:
        case TPM2_RC_KEY:
            return "wrong key type for this operation (a signing key is needed: ECC P-256 or RSA-2048)";
        case TPM2_RC_NV_SPACE:
            return "no room left for persistent objects: evict one (tpm2_evictcontrol)";
        case TPM2_RC_RETRY:
        case TPM2_RC_YIELDED:
        case TPM2_RC_TESTING:
            return "the TPM stayed busy through every retry; try again later";
        default: return {};
    }
}

Alert tpm_error(const TpmContext::Impl& ctx, std::string_view what, TSS2_RC rc) {
    std::string reason = std::string(what) + " failed: " + Tss2_RC_Decode(rc) + " (TCTI " + ctx.tcti_config + ")";
    if (const std::string hint = tpm_error_hint(rc); !hint.empty()) reason += ": " + hint;
    return make_alert(AlertDescription::internal_error, reason);
}

}  // namespace tpmtls::tpm
