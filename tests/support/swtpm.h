// A fresh software TPM for one test: swtpm on two consecutive loopback ports (the swtpm TCTI
// always uses port+1 for control), with its state in a new temporary directory. A missing
// swtpm fails the test. Stopped and removed on destruction. tpm2-tss logging is turned down to
// nothing (TSS2_LOG=all+NONE) unless the environment already sets TSS2_LOG, so tests that make
// the TPM fail on purpose keep their output readable.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <sys/types.h>

#include "support/peer_process.h"

namespace tpmtls::test {

class Swtpm {
public:
    Swtpm();
    ~Swtpm();
    Swtpm(const Swtpm&) = delete;
    Swtpm& operator=(const Swtpm&) = delete;

    uint16_t port() const { return port_; }
    // "swtpm:host=127.0.0.1,port=P" for tctildr.
    std::string tcti() const;
    // "pcap:swtpm:host=127.0.0.1,port=P": the same TPM through tpm2-tss's pcap TCTI, which writes
    // every command and response to the file named by TCTI_PCAP_FILE (support/tpm_pcap.h).
    std::string pcap_tcti() const { return "pcap:" + tcti(); }
    pid_t pid() const { return process_->pid(); }
    // The TPM disappears: SIGKILL by PID, reaped before returning (its ports are closed then).
    void kill();

private:
    TempDir state_;
    uint16_t port_ = 0;
    std::unique_ptr<PeerProcess> process_;
};

// Two consecutive loopback ports that were free a moment ago; returns the first.
uint16_t free_loopback_port_pair();

}  // namespace tpmtls::test
