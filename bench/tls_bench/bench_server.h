// The server every socket scenario talks to: our TlsServer on a loopback port, on its own thread.
// Each connection is closed (close_notify) as soon as its handshake completes, so a client that
// waits for the server to close (ours, or `openssl s_client -ign_eof`) has received everything the
// server sends after the handshake (NewSessionTickets too) and ends at the same point. For clients
// that send a request first (`tpmtls client`), Reply::after_request answers it, then closes. It counts
// the handshakes it completed, the resumed ones and those that authenticated a client, so a
// scenario can check that what it measured really happened.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "server/tls_server.h"

namespace tpmtls::bench {

class BenchServer {
public:
    // Fails (with the reason) if the server cannot listen.
    enum class Reply : uint8_t { close_at_once, after_request };
    static Result<std::unique_ptr<BenchServer>> start(ServerConfig config, Reply reply = Reply::close_at_once);
    ~BenchServer();  // stop() and join
    BenchServer(const BenchServer&) = delete;
    BenchServer& operator=(const BenchServer&) = delete;

    uint16_t port() const { return server_->port(); }
    uint64_t handshakes() const { return handshakes_; }
    uint64_t resumed() const { return resumed_; }
    uint64_t authenticated_clients() const { return authenticated_; }
    uint64_t failures() const { return failures_; }
    std::string last_failure() const;

    BenchServer() = default;

private:
    std::unique_ptr<TlsServer> server_;
    std::thread thread_;
    std::atomic<uint64_t> handshakes_{0}, resumed_{0}, authenticated_{0}, failures_{0};
    mutable std::mutex mutex_;
    std::string last_failure_;
};

}  // namespace tpmtls::bench
