// A TLS 1.3 server over TCP that serves many connections at once: a thin event loop that moves
// bytes between non-blocking sockets and one I/O-free Connection per client (STYLE.md §1).
//
// Design: epoll on one thread (see tls_server.cpp for why not a thread pool). run() accepts,
// reads, feeds each Connection, writes what it queued and calls the application's handlers, all
// on the calling thread; stop() may be called from any thread or a signal handler.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "tls13/bytes.h"
#include "tls13/clock.h"
#include "tls13/crypto/random.h"
#include "tls13/handshake/handshake_config.h"
#include "tls13/result.h"

namespace tpmtls {

namespace detail {
struct ServerConnection;
}

struct ServerOptions {
    std::string address = "127.0.0.1";  // numeric IPv4 or IPv6 ("::1", "::", "0.0.0.0")
    uint16_t port = 0;                  // 0: the kernel picks a free one; port() tells which
    int backlog = 128;
    size_t max_connections = 1024;      // beyond this, new connections are accepted and closed
    std::chrono::milliseconds handshake_timeout{10'000};  // accept -> client Finished
    std::chrono::milliseconds idle_timeout{120'000};      // connected, nothing received
    std::chrono::milliseconds close_timeout{5'000};       // our last bytes still unwritten
    // Study features: an observer for each new connection (id, peer), e.g. a trace whose lines
    // carry the connection's id. Null or returning null: ServerConfig::trace is used.
    std::function<std::shared_ptr<TraceObserver>(uint64_t id, const std::string& peer)> trace_for;
};

// What a handler may do with the connection it was called for. Valid only during the call.
class ConnectionView {
public:
    explicit ConnectionView(detail::ServerConnection& connection) : connection_(connection) {}

    uint64_t id() const;
    const std::string& peer() const;  // "127.0.0.1 port 51234"
    const SessionInfo& session() const;
    // From accept to the client's Finished (zero before the handshake completed).
    std::chrono::microseconds handshake_time() const;
    // Queues application data; it is written when the handler returns.
    Status send(ByteView data);
    // RFC 8446 §4.6.3
    Status key_update(bool request_peer_update);
    // RFC 8446 §6.1: close_notify, then the socket closes once everything queued is written.
    void close();

private:
    detail::ServerConnection& connection_;
};

struct ServerHandlers {
    // A connection was accepted (before any byte of its handshake). Optional.
    std::function<void(ConnectionView&)> on_accepted;
    // The handshake completed (the client's Finished verified; its identity, if any, verified).
    std::function<void(ConnectionView&, const SessionInfo&)> on_connected;
    // Application data from the client.
    std::function<void(ConnectionView&, ByteView)> on_data;
    // The connection is gone: nullopt after an orderly close, otherwise why (the alert we sent or
    // received, a handshake or idle timeout, a socket error).
    std::function<void(uint64_t id, const std::optional<Alert>& error)> on_closed;
};

class TlsServer {
public:
    // Binds and listens; serving starts with run(). `random` and `clock` must outlive the server.
    static Result<std::unique_ptr<TlsServer>> listen(ServerConfig config, ServerOptions options,
                                                     ServerHandlers handlers, Random& random = system_random(),
                                                     const Clock& clock = system_clock());
    ~TlsServer();
    TlsServer(const TlsServer&) = delete;
    TlsServer& operator=(const TlsServer&) = delete;

    uint16_t port() const;
    // Serves until stop(), then closes every connection (close_notify where connected) and
    // returns. Fails only if the event loop itself fails.
    Status run();
    // Thread-safe and async-signal-safe: sets a flag and wakes run().
    void stop();
    // Connections open right now (for tests and status lines).
    size_t connection_count() const;

    struct Impl;
    explicit TlsServer(std::unique_ptr<Impl> impl);

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace tpmtls
