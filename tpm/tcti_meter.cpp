#include "tpm/tcti_meter.h"

#include <tss2/tss2_tpm2_types.h>

#include <cstdio>
#include <cstring>
#include <type_traits>

#include "tpm/tcti_meter.hpp"

namespace tpmtls::tpm {

static_assert(std::is_standard_layout_v<MeteringTcti>, "tpm2-tss reads the common header at offset 0");

std::string TpmStats::command_name(uint32_t code) {
    switch (code) {
        case TPM2_CC_Startup: return "TPM2_CC_Startup";
        case TPM2_CC_GetCapability: return "TPM2_CC_GetCapability";
        case TPM2_CC_GetRandom: return "TPM2_CC_GetRandom";
        case TPM2_CC_CreatePrimary: return "TPM2_CC_CreatePrimary";
        case TPM2_CC_Create: return "TPM2_CC_Create";
        case TPM2_CC_Load: return "TPM2_CC_Load";
        case TPM2_CC_Import: return "TPM2_CC_Import";
        case TPM2_CC_ReadPublic: return "TPM2_CC_ReadPublic";
        case TPM2_CC_Sign: return "TPM2_CC_Sign";
        case TPM2_CC_FlushContext: return "TPM2_CC_FlushContext";
        case TPM2_CC_EvictControl: return "TPM2_CC_EvictControl";
        case TPM2_CC_StartAuthSession: return "TPM2_CC_StartAuthSession";
        case TPM2_CC_Hash: return "TPM2_CC_Hash";
        case TPM2_CC_VerifySignature: return "TPM2_CC_VerifySignature";
        case TPM2_CC_SelfTest: return "TPM2_CC_SelfTest";
        case TPM2_CC_ContextSave: return "TPM2_CC_ContextSave";
        case TPM2_CC_ContextLoad: return "TPM2_CC_ContextLoad";
        case TPM2_CC_DictionaryAttackLockReset: return "TPM2_CC_DictionaryAttackLockReset";
        case TPM2_CC_DictionaryAttackParameters: return "TPM2_CC_DictionaryAttackParameters";
        default: {
            char text[16];
            std::snprintf(text, sizeof text, "0x%08x", code);
            return text;
        }
    }
}

std::string TpmStats::summary() const {
    std::string out;
    for (const auto& [code, count] : by_command) {
        if (!out.empty()) out += ", ";
        std::string name = command_name(code);
        if (name.rfind("TPM2_CC_", 0) == 0) name = name.substr(8);
        out += name + " x" + std::to_string(count);
    }
    return out.empty() ? "none" : out;
}

TpmStats TpmStats::operator-(const TpmStats& earlier) const {
    TpmStats d;
    d.commands = commands - earlier.commands;
    d.wait = wait - earlier.wait;
    for (const auto& [code, count] : by_command) {
        auto it = earlier.by_command.find(code);
        const uint64_t before = it == earlier.by_command.end() ? 0 : it->second;
        if (count > before) d.by_command[code] = count - before;
    }
    return d;
}

namespace {

MeterState* self(TSS2_TCTI_CONTEXT* ctx) { return reinterpret_cast<MeteringTcti*>(ctx)->state; }

// The inner TCTI's function table (tss2_tcti.h's Tss2_Tcti_* macros do the same with C casts).
const TSS2_TCTI_CONTEXT_COMMON_V2& inner_of(TSS2_TCTI_CONTEXT* ctx) {
    return *reinterpret_cast<const TSS2_TCTI_CONTEXT_COMMON_V2*>(self(ctx)->inner);
}

TSS2_RC transmit(TSS2_TCTI_CONTEXT* ctx, size_t size, const uint8_t* command) {
    MeterState* m = self(ctx);
    {
        std::lock_guard lock(m->mutex);
        // TPM 2.0 Part 1 §18: tag (2), commandSize (4), commandCode (4).
        m->pending_code = 0;
        if (size >= 10) {
            for (size_t i = 6; i < 10; ++i) m->pending_code = (m->pending_code << 8) | command[i];
        }
        m->sent_at = std::chrono::steady_clock::now();
        m->pending = true;
    }
    const auto& inner = inner_of(ctx);
    if (inner.v1.transmit == nullptr) return TSS2_TCTI_RC_NOT_IMPLEMENTED;
    return inner.v1.transmit(m->inner, size, command);
}

TSS2_RC receive(TSS2_TCTI_CONTEXT* ctx, size_t* size, uint8_t* response, int32_t timeout) {
    MeterState* m = self(ctx);
    const auto& inner = inner_of(ctx);
    if (inner.v1.receive == nullptr) return TSS2_TCTI_RC_NOT_IMPLEMENTED;
    const TSS2_RC rc = inner.v1.receive(m->inner, size, response, timeout);
    // A size query (response == NULL) or "try again" is not the end of the command.
    if (response != nullptr && (rc & 0xffff) != TSS2_BASE_RC_TRY_AGAIN) {
        std::lock_guard lock(m->mutex);
        if (m->pending) {
            m->pending = false;
            m->stats.commands += 1;
            m->stats.by_command[m->pending_code] += 1;
            m->stats.wait += std::chrono::steady_clock::now() - m->sent_at;
        }
    }
    return rc;
}

void finalize(TSS2_TCTI_CONTEXT*) {}  // the inner TCTI is finalized by its owner

TSS2_RC cancel(TSS2_TCTI_CONTEXT* ctx) {
    const auto& inner = inner_of(ctx);
    return inner.v1.cancel ? inner.v1.cancel(self(ctx)->inner) : TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

TSS2_RC get_poll_handles(TSS2_TCTI_CONTEXT* ctx, TSS2_TCTI_POLL_HANDLE* handles, size_t* count) {
    const auto& inner = inner_of(ctx);
    return inner.v1.getPollHandles ? inner.v1.getPollHandles(self(ctx)->inner, handles, count)
                                   : TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

TSS2_RC set_locality(TSS2_TCTI_CONTEXT* ctx, uint8_t locality) {
    const auto& inner = inner_of(ctx);
    return inner.v1.setLocality ? inner.v1.setLocality(self(ctx)->inner, locality) : TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

TSS2_RC make_sticky(TSS2_TCTI_CONTEXT* ctx, TPM2_HANDLE* handle, uint8_t sticky) {
    const auto& inner = inner_of(ctx);
    if (inner.v1.version < 2 || inner.makeSticky == nullptr) return TSS2_TCTI_RC_NOT_IMPLEMENTED;
    return inner.makeSticky(self(ctx)->inner, handle, sticky);
}

}  // namespace

TctiMeter::TctiMeter(TSS2_TCTI_CONTEXT* inner) {
    state_.inner = inner;
    wrapper_.state = &state_;
    TSS2_TCTI_CONTEXT_COMMON_V2& common = wrapper_.common;
    common.v1.magic = 0x74706d746c736d74;  // "tpmtlsmt"; tpm2-tss checks the version, not the magic
    common.v1.version = 2;
    common.v1.transmit = transmit;
    common.v1.receive = receive;
    common.v1.finalize = finalize;
    common.v1.cancel = cancel;
    common.v1.getPollHandles = get_poll_handles;
    common.v1.setLocality = set_locality;
    common.makeSticky = make_sticky;
}

TpmStats TctiMeter::snapshot() const {
    std::lock_guard lock(state_.mutex);
    return state_.stats;
}

}  // namespace tpmtls::tpm
