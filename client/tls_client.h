// A blocking TLS 1.3 client over one TCP socket: a thin layer that moves bytes between the
// socket and the I/O-free Connection (STYLE.md §1). Every wait is bounded by a timeout, so a
// peer that stalls produces an error ("handshake timed out after 5000 ms in WAIT_EE"), never a hang.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/socket.h"
#include "client/ticket_store.h"
#include "tls13/clock.h"
#include "tls13/connection.h"
#include "tls13/crypto/random.h"
#include "tls13/handshake/handshake_config.h"

namespace tpmtls {

struct ClientTimeouts {
    std::chrono::milliseconds connect{5'000};    // TCP connect, all resolved addresses together
    std::chrono::milliseconds handshake{10'000}; // from the ClientHello to our Finished
    std::chrono::milliseconds read{10'000};      // one receive() waiting for application data
    std::chrono::milliseconds write{10'000};     // one send() waiting for the socket to drain
};

// How connect() behaves beyond the TLS configuration.
struct ConnectOptions {
    ClientTimeouts timeouts;
    // Resumption (RFC 8446 §2.2). With a store: connect() takes the newest unexpired ticket kept
    // for (config.server_name, port, config.alpn) once the TCP connection is up and offers it
    // (ClientConfig::resume, unless the caller set one), and every NewSessionTicket the server
    // sends on this connection is put into the store (the application's own on_session_ticket
    // still gets a copy). Null: resumption off. TicketStore::open(options) makes one, in memory
    // or on a file that survives restarts.
    std::shared_ptr<TicketStore> tickets;

    ConnectOptions() = default;
    ConnectOptions(const ClientTimeouts& t) : timeouts(t) {}  // NOLINT: connect(..., timeouts) reads naturally
};

class TlsClient {
    struct Token {
        explicit Token() = default;
    };

public:
    // Only connect() can make the token: a TlsClient always comes out of a finished handshake.
    TlsClient(Token, net::UniqueFd fd, std::unique_ptr<Connection> connection, const ClientTimeouts& timeouts,
              bool resumption_offered, std::shared_ptr<size_t> tickets_received);
    ~TlsClient();
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    // Resolves `host` (name, IPv4 or IPv6 literal), connects and completes the handshake.
    // An empty config.server_name becomes `host`, which SNI carries and the certificate must name.
    // `random` and `clock` must outlive the client.
    static Result<std::unique_ptr<TlsClient>> connect(std::string_view host, uint16_t port, ClientConfig config,
                                                      const ConnectOptions& options = {},
                                                      Random& random = system_random(),
                                                      const Clock& clock = system_clock());

    // Sends application data (fragmented into records by the connection).
    Status send(ByteView data);
    // The next application data from the peer, waiting up to the read timeout. Empty once the
    // peer has sent close_notify (peer_closed() then tells). Post-handshake messages (tickets,
    // KeyUpdate) are handled on the way, and our KeyUpdate answer is written before returning.
    Result<Bytes> receive();
    // RFC 8446 §4.6.3: updates our sending keys, optionally asking the peer to update too.
    Status key_update(bool request_peer_update);
    // RFC 8446 §6.1: close_notify, then shutdown of our sending side. Idempotent.
    Status close();

    // NewSessionTickets arrive after the handshake (RFC 8446 §4.6.1), read along with
    // application data by receive(). This reads until at least one has arrived on this
    // connection or `timeout` passed (false then). Application data read meanwhile is kept for
    // receive().
    Result<bool> wait_for_ticket(std::chrono::milliseconds timeout);
    // NewSessionTickets received on this connection so far.
    size_t tickets_received() const { return *tickets_received_; }
    // Whether connect() offered a ticket; session().resumed tells whether the server took it.
    bool resumption_offered() const { return resumption_offered_; }

    const SessionInfo& session() const { return connection_->session(); }
    bool peer_closed() const { return connection_->peer_closed(); }
    Connection& connection() { return *connection_; }

private:
    Status handshake();
    // Writes whatever the connection has queued (records, alerts).
    Status flush(std::chrono::milliseconds budget);
    // Reads once (after waiting at most until `deadline`) and feeds the connection.
    // false: nothing arrived in time.
    Result<bool> read_and_process(const net::Deadline& deadline);
    // The error to report after the connection failed: the alert we sent or the one we got.
    Alert connection_error(std::string_view during) const;

    net::UniqueFd fd_;
    std::unique_ptr<Connection> connection_;
    ClientTimeouts timeouts_;
    bool resumption_offered_ = false;
    std::shared_ptr<size_t> tickets_received_;  // shared with the connection's ticket callback
    bool handshake_done_ = false;
    bool closed_ = false;
    bool eof_ = false;
};

}  // namespace tpmtls
