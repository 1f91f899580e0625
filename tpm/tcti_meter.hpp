// Private: the metering TCTI that TpmContext puts in front of the one tctildr loaded.
#pragma once

#include <tss2/tss2_tcti.h>

#include <mutex>

#include "tpm/tcti_meter.h"

namespace tpmtls::tpm {

struct MeterState {
    TSS2_TCTI_CONTEXT* inner = nullptr;  // not owned
    std::chrono::steady_clock::time_point sent_at{};
    bool pending = false;
    uint32_t pending_code = 0;
    mutable std::mutex mutex;
    TpmStats stats;
};

// Starts with the common V2 header so tpm2-tss can call it like any TCTI; forwards every call
// to state->inner. Standard layout: the header is at offset 0.
struct MeteringTcti {
    TSS2_TCTI_CONTEXT_COMMON_V2 common;
    MeterState* state;
};

class TctiMeter {
public:
    explicit TctiMeter(TSS2_TCTI_CONTEXT* inner);
    TctiMeter(const TctiMeter&) = delete;
    TctiMeter& operator=(const TctiMeter&) = delete;
    TSS2_TCTI_CONTEXT* tcti() { return reinterpret_cast<TSS2_TCTI_CONTEXT*>(&wrapper_); }
    TpmStats snapshot() const;

private:
    MeterState state_;
    MeteringTcti wrapper_{};
};

}  // namespace tpmtls::tpm
