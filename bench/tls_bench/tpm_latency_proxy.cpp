#include "tls_bench/tpm_latency_proxy.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "net/socket.h"
#include "tls13/bytes.h"

namespace tpmtls::bench {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr uint32_t tpm_send_command = 8;  // swtpm / MS simulator data-channel command
constexpr uint32_t max_tpm_message = 64 * 1024;  // TPM buffers are ~4 KiB; anything larger is not a TPM

// Published TPM2_Sign ECDSA P-256 latencies (wolfTPM's README benchmarks, also in
// /work/shared/notes/tpm-testing.md). Only Sign is delayed: no comparable per-chip figures were
// published for the other commands, so they run at swtpm's speed, which flatters a stack that
// sends many commands (OpenSSL's provider) and never ours.
const std::string wolftpm = "wolfTPM README benchmarks (TPM2_Sign ECDSA P-256)";

}  // namespace

const std::vector<LatencyPreset>& latency_presets() {
    static const std::vector<LatencyPreset> presets = {
        {"swtpm", "swtpm (no added latency)", "swtpm as it is", {}},
        {"st33ktpm", "ST33KTPM (25 ms Sign)", wolftpm, {{tpm_cc_sign, milliseconds(25)}}},
        {"slb9672", "SLB9672 (36 ms Sign)", wolftpm, {{tpm_cc_sign, milliseconds(36)}}},
        {"ftpm", "firmware TPM, Jetson Orin (45 ms Sign)", wolftpm, {{tpm_cc_sign, milliseconds(45)}}},
        {"npct750", "NPCT750 (56 ms Sign)", wolftpm, {{tpm_cc_sign, milliseconds(56)}}},
        {"slb9670", "SLB9670 (69 ms Sign)", wolftpm, {{tpm_cc_sign, milliseconds(69)}}},
    };
    return presets;
}

const LatencyPreset* find_latency_preset(const std::string& name) {
    for (const auto& preset : latency_presets())
        if (preset.name == name) return &preset;
    return nullptr;
}

uint64_t ProxyCounts::count(uint32_t code) const {
    const auto it = by_command.find(code);
    return it == by_command.end() ? 0 : it->second;
}

ProxyCounts ProxyCounts::operator-(const ProxyCounts& earlier) const {
    ProxyCounts d = *this;
    d.commands -= earlier.commands;
    d.wait -= earlier.wait;
    d.connections -= earlier.connections;
    for (const auto& [code, n] : earlier.by_command) {
        d.by_command[code] -= n;
        if (d.by_command[code] == 0) d.by_command.erase(code);
    }
    return d;
}

ProxyCounts ProxyCounts::operator+(const ProxyCounts& other) const {
    ProxyCounts sum = *this;
    sum.commands += other.commands;
    sum.wait += other.wait;
    sum.connections += other.connections;
    for (const auto& [code, n] : other.by_command) sum.by_command[code] += n;
    return sum;
}

struct TpmLatencyProxy::Impl {
    uint16_t upstream_port = 0;
    uint16_t port = 0;
    net::UniqueFd data_listener;
    net::UniqueFd control_listener;
    std::atomic<bool> stopping{false};

    mutable std::mutex mutex;
    std::map<uint32_t, microseconds> latency;
    ProxyCounts counts;
    std::set<int> live_fds;  // shut down on stop so blocked reads return
    struct Session {
        std::thread thread;
        std::atomic<bool> done{false};
    };
    std::vector<std::unique_ptr<Session>> sessions;
    std::thread data_acceptor;
    std::thread control_acceptor;

    void track(int fd) {
        std::lock_guard lock(mutex);
        live_fds.insert(fd);
        if (stopping) ::shutdown(fd, SHUT_RDWR);
    }
    void untrack(int fd) {
        std::lock_guard lock(mutex);
        live_fds.erase(fd);
    }

    void accept_loop(int listener, bool data);
    void serve(net::UniqueFd client, bool data);
    void forward_commands(int client, int upstream);
    microseconds latency_for(uint32_t code) const {
        std::lock_guard lock(mutex);
        const auto it = latency.find(code);
        return it == latency.end() ? microseconds(0) : it->second;
    }
};

namespace {

Status set_blocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) return net::system_error("fcntl");
    return {};
}

// Reads exactly `n` more bytes onto `out`; false at end of stream or on error.
bool read_exact(int fd, Bytes& out, size_t n) {
    const size_t start = out.size();
    out.resize(start + n);
    size_t got = 0;
    while (got < n) {
        const ssize_t r = ::read(fd, out.data() + start + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        got += static_cast<size_t>(r);
    }
    return true;
}

bool write_exact(int fd, ByteView data) {
    size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t w = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        sent += static_cast<size_t>(w);
    }
    return true;
}

// The u32 at `offset` of `frame` (big-endian, as every field of the swtpm protocol and TPM 2.0).
uint32_t u32_at(const Bytes& frame, size_t offset) {
    Reader r(ByteView(frame).subspan(offset));
    auto v = r.u32();
    return v ? *v : 0;
}

// Copies bytes both ways until either side closes.
void pump_raw(int a, int b) {
    std::thread back([a, b] {
        uint8_t buffer[4096];
        for (;;) {
            const ssize_t r = ::read(b, buffer, sizeof buffer);
            if (r <= 0 || !write_exact(a, ByteView(buffer, static_cast<size_t>(r)))) break;
        }
        ::shutdown(a, SHUT_RDWR);
    });
    uint8_t buffer[4096];
    for (;;) {
        const ssize_t r = ::read(a, buffer, sizeof buffer);
        if (r <= 0 || !write_exact(b, ByteView(buffer, static_cast<size_t>(r)))) break;
    }
    ::shutdown(b, SHUT_RDWR);
    back.join();
}

}  // namespace

void TpmLatencyProxy::Impl::forward_commands(int client, int upstream) {
    for (;;) {
        // A command is either raw (tpm2-tss's swtpm TCTI: the TPM command itself, which starts
        // with its tag TPM_ST_NO_SESSIONS 0x8001 or TPM_ST_SESSIONS 0x8002) or framed (the mssim
        // TCTI: TPM_SEND_COMMAND, locality, size, command; the response ends with a u32 0).
        Bytes request;
        if (!read_exact(client, request, 4)) return;
        const uint32_t first = u32_at(request, 0);
        const uint32_t tag = first >> 16;
        const bool raw = tag == 0x8001 || tag == 0x8002;
        size_t command_at = 0;
        if (raw) {
            if (!read_exact(client, request, 6)) return;  // rest of size, command code
            const uint32_t size = u32_at(request, 2);
            if (size < 10 || size > max_tpm_message || !read_exact(client, request, size - 10)) return;
        } else if (first == tpm_send_command) {
            if (!read_exact(client, request, 1 + 4)) return;  // locality, size
            const uint32_t size = u32_at(request, 5);
            if (size < 10 || size > max_tpm_message || !read_exact(client, request, size)) return;
            command_at = 9;
        } else {
            // Something else (mssim's TPM_SESSION_END, ...): pass it and the rest through untouched.
            if (!write_exact(upstream, view(request))) return;
            pump_raw(client, upstream);
            return;
        }
        const uint32_t code = u32_at(request, command_at + 6);  // tag u16, size u32, then TPM_CC
        const auto arrived = SteadyClock::now();
        if (!write_exact(upstream, view(request))) return;

        Bytes response;
        if (raw) {
            if (!read_exact(upstream, response, 6)) return;  // tag, size
            const uint32_t size = u32_at(response, 2);
            if (size < 6 || size > max_tpm_message || !read_exact(upstream, response, size - 6)) return;
        } else {
            if (!read_exact(upstream, response, 4)) return;
            const uint32_t size = u32_at(response, 0);
            if (size > max_tpm_message || !read_exact(upstream, response, size + 4)) return;  // + the u32 0
        }
        std::this_thread::sleep_until(arrived + latency_for(code));
        {
            // Counted before the client can have the response, so whoever reads the counts after
            // its command returned sees it.
            std::lock_guard lock(mutex);
            ++counts.commands;
            ++counts.by_command[code];
            counts.wait += std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - arrived);
        }
        if (!write_exact(client, view(response))) return;
    }
}

void TpmLatencyProxy::Impl::serve(net::UniqueFd client, bool data) {
    track(client.get());
    auto upstream = net::connect_tcp("127.0.0.1", static_cast<uint16_t>(upstream_port + (data ? 0 : 1)), milliseconds(5000));
    if (upstream && set_blocking(upstream->get())) {
        track(upstream->get());
        if (data) {
            forward_commands(client.get(), upstream->get());
        } else {
            pump_raw(client.get(), upstream->get());
        }
        untrack(upstream->get());
    }
    untrack(client.get());
}

void TpmLatencyProxy::Impl::accept_loop(int listener, bool data) {
    for (;;) {
        const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (stopping) {
            if (fd >= 0) ::close(fd);
            return;
        }
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return;
        }
        net::set_no_delay(fd);
        std::lock_guard lock(mutex);
        if (data) ++counts.connections;
        // Reap sessions that have ended, so a long run does not keep their threads.
        for (auto& s : sessions)
            if (s->done && s->thread.joinable()) s->thread.join();
        std::erase_if(sessions, [](const auto& s) { return !s->thread.joinable(); });
        auto session = std::make_unique<Session>();
        Session* raw = session.get();
        session->thread = std::thread([this, fd, data, raw] {
            serve(net::UniqueFd(fd), data);
            raw->done = true;
        });
        sessions.push_back(std::move(session));
    }
}

Result<std::unique_ptr<TpmLatencyProxy>> TpmLatencyProxy::start(uint16_t upstream_port) {
    auto impl = std::make_unique<Impl>();
    impl->upstream_port = upstream_port;
    // Below Linux's ephemeral range (32768-60999 by default): a benchmark's thousands of client
    // connections leave their ports there in TIME_WAIT, which blocks a bind to them.
    std::mt19937 pick(std::random_device{}());
    std::uniform_int_distribution<int> below_ephemeral(20000, 32000);
    for (int attempt = 0; attempt < 200 && !impl->control_listener.valid(); ++attempt) {
        const auto port = static_cast<uint16_t>(below_ephemeral(pick));
        auto data = net::listen_tcp("127.0.0.1", port, 64);
        if (!data) continue;  // taken: try another pair
        auto control = net::listen_tcp("127.0.0.1", static_cast<uint16_t>(port + 1), 64);
        if (!control) continue;
        impl->port = port;
        impl->data_listener = std::move(*data);
        impl->control_listener = std::move(*control);
    }
    if (!impl->control_listener.valid()) return net::transport_error("TPM proxy: no two consecutive free loopback ports");
    TRY(set_blocking(impl->data_listener.get()));
    TRY(set_blocking(impl->control_listener.get()));
    Impl& i = *impl;
    impl->data_acceptor = std::thread([&i] { i.accept_loop(i.data_listener.get(), true); });
    impl->control_acceptor = std::thread([&i] { i.accept_loop(i.control_listener.get(), false); });
    return std::make_unique<TpmLatencyProxy>(std::move(impl));
}

TpmLatencyProxy::TpmLatencyProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TpmLatencyProxy::~TpmLatencyProxy() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
        for (int fd : impl_->live_fds) ::shutdown(fd, SHUT_RDWR);
    }
    // shutdown() on a listening socket wakes a blocked accept() (Linux).
    ::shutdown(impl_->data_listener.get(), SHUT_RDWR);
    ::shutdown(impl_->control_listener.get(), SHUT_RDWR);
    impl_->data_acceptor.join();
    impl_->control_acceptor.join();
    std::vector<std::unique_ptr<Impl::Session>> sessions;
    {
        std::lock_guard lock(impl_->mutex);
        sessions.swap(impl_->sessions);
    }
    for (auto& s : sessions)
        if (s->thread.joinable()) s->thread.join();
}

uint16_t TpmLatencyProxy::port() const { return impl_->port; }

std::string TpmLatencyProxy::tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(impl_->port); }

void TpmLatencyProxy::set_preset(const LatencyPreset& preset) {
    std::lock_guard lock(impl_->mutex);
    impl_->latency = preset.latency;
}

ProxyCounts TpmLatencyProxy::counts() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->counts;
}

}  // namespace tpmtls::bench
