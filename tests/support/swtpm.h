// A fresh software TPM for one test: swtpm on two consecutive loopback ports (the swtpm TCTI
// always uses port+1 for control), with its state in a new temporary directory. A missing
// swtpm fails the test. Stopped and removed on destruction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

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

private:
    TempDir state_;
    uint16_t port_ = 0;
    std::unique_ptr<PeerProcess> process_;
};

// Two consecutive loopback ports that were free a moment ago; returns the first.
uint16_t free_loopback_port_pair();

}  // namespace tpmtls::test
