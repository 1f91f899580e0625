// The TPM commands a process sent, read back from a tpm2-tss `pcap:` TCTI capture and decoded by
// tshark (Wireshark's TPM 2.0 dissector), so the count is observed outside our code. The pcap
// TCTI writes every command and response as a TCP segment to the file named by TCTI_PCAP_FILE,
// stamped with CLOCK_REALTIME in microseconds. A missing tshark fails the test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tpmtls::test {

struct TpmCommand {
    uint32_t code = 0;       // TPM_CC (TPM 2.0 Part 2 §6.5.2), e.g. 0x15d for TPM2_CC_Sign
    std::string name;        // tshark's name for it ("TPM2_CC_Sign"), or the code in hex
    int64_t time_us = 0;     // capture timestamp: CLOCK_REALTIME, microseconds
};

// The requests in `pcap_file`, in order (responses are left out). REQUIREs that tshark runs and
// that the file exists.
std::vector<TpmCommand> tpm_commands_in_capture(const std::string& pcap_file);

// A request with its response: the TPM's latency as the TCTI saw it (the pcap TCTI stamps a
// command when it is sent and a response when it has been read).
struct TpmRoundTrip {
    TpmCommand command;
    int64_t response_time_us = 0;
    uint32_t response_code = 0;  // TPM_RC
    int64_t latency_us() const { return response_time_us - command.time_us; }
};
// Every request in `pcap_file` with the response that followed it, in order. A request without a
// response (the TPM went away) is left out.
std::vector<TpmRoundTrip> tpm_round_trips_in_capture(const std::string& pcap_file);

// Just the names, in order.
std::vector<std::string> command_names(const std::vector<TpmCommand>& commands);

// CLOCK_REALTIME in microseconds, the pcap TCTI's clock: to bracket what a process did with
// the commands it sent.
int64_t realtime_us();

}  // namespace tpmtls::test
