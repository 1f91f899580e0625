// A TCP proxy between a swtpm-protocol TCTI (tpm2-tss `swtpm:` / `mssim:`) and swtpm that makes
// swtpm answer as slowly as a real TPM chip: every TPM command's response is held back until a
// configured latency per command code has passed since the command arrived (so TPM2_Sign takes
// ~25 ms, as on an ST33KTPM, instead of swtpm's ~0.4 ms). Everything talking to the TPM through
// it (our library, tpm2-abrmd for OpenSSL's tpm2 provider, tpm2-tools) sees the same slow TPM.
//
// It is also the benchmark's outside observer: it counts the commands per command code and the
// time each one took, from the whole command having arrived to the response being written back,
// on its own sockets, outside our library.
//
// Ports: the swtpm TCTI uses a data port P and a control port P+1. The proxy listens on two
// consecutive free loopback ports and forwards each to the same one of swtpm's. On the data
// channel tpm2-tss's `swtpm:` TCTI sends bare TPM commands (tag, size, code, ...; the response
// comes back bare), while `mssim:` frames them (the Microsoft simulator's protocol, which swtpm
// also speaks):
//   request  u32 TPM_SEND_COMMAND (8), u8 locality, u32 size, size bytes of TPM command
//   response u32 size, size bytes of TPM response, u32 0
// Both are counted and delayed. The control channel is forwarded byte for byte. A data
// connection that sends anything else (mssim's TPM_SESSION_END, say) is forwarded byte for byte
// from then on, uncounted.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tls13/result.h"

namespace tpmtls::bench {

inline constexpr uint32_t tpm_cc_sign = 0x0000015D;  // TPM 2.0 Part 2 §6.5.2 TPM2_CC_Sign

// A real TPM's latency, emulated: the time from command to response per command code. Commands
// without an entry are answered at swtpm's own speed.
struct LatencyPreset {
    std::string name;    // "st33ktpm"
    std::string label;   // "ST33KTPM (25 ms Sign)"
    std::string source;  // where the figure comes from
    std::map<uint32_t, std::chrono::microseconds> latency;
};

// "swtpm" (no delay) first, then the published TPM2_Sign ECDSA P-256 latencies, fastest first.
const std::vector<LatencyPreset>& latency_presets();
// nullptr if there is no such preset.
const LatencyPreset* find_latency_preset(const std::string& name);

// What went through the proxy's data channel.
struct ProxyCounts {
    uint64_t commands = 0;
    std::map<uint32_t, uint64_t> by_command;  // TPM_CC -> count
    std::chrono::nanoseconds wait{0};         // command in -> response out, summed
    uint64_t connections = 0;                 // data connections accepted

    uint64_t count(uint32_t code) const;
    ProxyCounts operator-(const ProxyCounts& earlier) const;
    ProxyCounts operator+(const ProxyCounts& other) const;
};

class TpmLatencyProxy {
public:
    // Listens on two consecutive free loopback ports and forwards to 127.0.0.1:upstream_port
    // (data) and upstream_port + 1 (control).
    static Result<std::unique_ptr<TpmLatencyProxy>> start(uint16_t upstream_port);
    // Closes every connection and joins every thread.
    ~TpmLatencyProxy();
    TpmLatencyProxy(const TpmLatencyProxy&) = delete;
    TpmLatencyProxy& operator=(const TpmLatencyProxy&) = delete;

    uint16_t port() const;     // data port; the control port is port() + 1
    std::string tcti() const;  // "swtpm:host=127.0.0.1,port=P"

    // Applies to commands that arrive from now on.
    void set_preset(const LatencyPreset& preset);
    ProxyCounts counts() const;

    struct Impl;
    explicit TpmLatencyProxy(std::unique_ptr<Impl> impl);

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace tpmtls::bench
