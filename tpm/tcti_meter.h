// What our process asked of the TPM, measured at the TCTI boundary: a thin TCTI that forwards
// to the real one (swtpm:, device:, ...) and counts each command by its command code and the
// time from sending it to having the whole response. It sees exactly the bytes tpm2-tss sends,
// so the counts are those of the wire; tests still check them against an outside observer (the
// pcap TCTI decoded by tshark).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace tpmtls::tpm {

struct TpmStats {
    uint64_t commands = 0;
    std::map<uint32_t, uint64_t> by_command;  // TPM2_CC -> count
    std::chrono::nanoseconds wait{0};          // sum over commands: transmit until response read

    // "TPM2_CC_Sign": the name used by TPM 2.0 Part 2 §6.5.2 (and by Wireshark), or the code in hex.
    static std::string command_name(uint32_t code);
    // "GetRandom ×1, Sign ×20" in command-code order.
    std::string summary() const;
    TpmStats operator-(const TpmStats& earlier) const;
};

}  // namespace tpmtls::tpm
