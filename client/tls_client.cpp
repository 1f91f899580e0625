#include "client/tls_client.h"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <utility>

namespace tpmtls {

namespace {

// One TLSCiphertext is at most 2^14 + 256 bytes plus its 5-byte header (RFC 8446 §5.2); reading
// that much at once hands the connection a whole record in the common case.
constexpr size_t read_chunk = 16384 + 256 + 5;

std::string ms_text(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

// Offers a stored ticket and routes new ones into the store (and to the application's callback).
// Returns whether a ticket is offered.
bool use_ticket_store(ClientConfig& config, uint16_t port, const std::shared_ptr<TicketStore>& store,
                      const std::shared_ptr<size_t>& tickets_received) {
    auto on_ticket = [application = std::move(config.on_session_ticket), tickets_received,
                      store](const TicketKey& key, SessionTicket ticket) {
        ++*tickets_received;
        if (application) application(ticket);  // a copy: SessionTicket's copy clones the PSK
        if (store) store->put(key, std::move(ticket));
    };
    if (!store) {
        config.on_session_ticket = [on_ticket](SessionTicket ticket) { on_ticket({}, std::move(ticket)); };
        return config.resume.has_value();
    }
    const TicketKey key = TicketKey::for_connection(config.server_name, port, config.alpn);
    config.on_session_ticket = [on_ticket, key](SessionTicket ticket) { on_ticket(key, std::move(ticket)); };
    if (!config.resume) config.resume = store->take(key);
    return config.resume.has_value();
}

}  // namespace

TlsClient::TlsClient(Token, net::UniqueFd fd, std::unique_ptr<Connection> connection, const ClientTimeouts& timeouts,
                     bool resumption_offered, std::shared_ptr<size_t> tickets_received)
    : fd_(std::move(fd)),
      connection_(std::move(connection)),
      timeouts_(timeouts),
      resumption_offered_(resumption_offered),
      tickets_received_(std::move(tickets_received)) {}

TlsClient::~TlsClient() = default;

Result<std::unique_ptr<TlsClient>> TlsClient::connect(std::string_view host, uint16_t port, ClientConfig config,
                                                      const ConnectOptions& options, Random& random,
                                                      const Clock& clock) {
    if (config.server_name.empty()) config.server_name = std::string(host);
    net::UniqueFd fd = TRY(net::connect_tcp(host, port, options.timeouts.connect));
    // Only now: a ticket taken for a connection that never came up would be lost.
    auto tickets_received = std::make_shared<size_t>(0);
    const bool resumption_offered = use_ticket_store(config, port, options.tickets, tickets_received);
    std::unique_ptr<Connection> connection = Connection::client(std::move(config), random, clock);
    if (!connection) return fail(AlertDescription::internal_error, "could not create the client connection");
    auto client = std::make_unique<TlsClient>(Token{}, std::move(fd), std::move(connection), options.timeouts,
                                              resumption_offered, std::move(tickets_received));
    TRY(client->handshake());
    return client;
}

Status TlsClient::handshake() {
    const net::Deadline deadline(timeouts_.handshake);
    const Status started = connection_->start();
    if (!started) {
        (void)flush(timeouts_.write);  // the alert, if one was queued
        return connection_error("the handshake");
    }
    while (!connection_->is_connected()) {
        TRY(flush(deadline.remaining()));
        if (connection_->state() != Connection::State::handshaking) return connection_error("the handshake");
        if (eof_) {
            return net::transport_error(std::string("connection closed by the peer during the handshake in ") +
                                        connection_->handshake_state());
        }
        const bool progressed = TRY(read_and_process(deadline));
        if (!progressed) {
            return net::transport_error("handshake timed out after " + ms_text(timeouts_.handshake) + " in " +
                                        connection_->handshake_state());
        }
    }
    handshake_done_ = true;
    // Our second flight (Certificate, CertificateVerify, Finished) is queued: send it now.
    return flush(timeouts_.write);
}

Status TlsClient::flush(std::chrono::milliseconds budget) {
    const Bytes out = connection_->take_output();
    if (out.empty()) return ok();
    const net::Deadline deadline(budget);
    return net::write_all(fd_.get(), view(out), deadline, budget);
}

Result<bool> TlsClient::read_and_process(const net::Deadline& deadline) {
    const bool ready = TRY(net::wait_ready(fd_.get(), POLLIN, deadline.remaining()));
    if (!ready) return false;
    std::array<uint8_t, read_chunk> buffer{};
    const std::optional<size_t> n = TRY(net::read_some(fd_.get(), buffer));
    if (!n) return true;  // woken without data (spurious wake-up); the caller loops
    if (*n == 0) {
        eof_ = true;
        return true;
    }
    const Status processed = connection_->receive(ByteView(buffer.data(), *n));
    // Whatever the connection queued goes out even on failure: that is the one fatal alert.
    // It also carries our answer to a KeyUpdate that requested one (RFC 8446 §4.6.3).
    const Status flushed = flush(timeouts_.write);
    if (!processed) return connection_error(handshake_done_ ? "the connection" : "the handshake");
    TRY(flushed);
    return true;
}

Alert TlsClient::connection_error(std::string_view during) const {
    const std::optional<Alert>& error = connection_->error();
    if (!error) return net::transport_error(std::string(during) + " failed");
    if (connection_->alert_was_received()) {
        // to_string() puts the alert's name first: "handshake_failure: the peer sent a fatal alert ..."
        return Alert{error->description, "the peer sent a fatal alert during " + std::string(during)};
    }
    return Alert{error->description, std::string(during) + " failed: " + error->reason};
}

Status TlsClient::send(ByteView data) {
    if (closed_) return net::transport_error("send after close()");
    const Status queued = connection_->send(data);
    if (!queued) {
        (void)flush(timeouts_.write);
        return connection_->error() ? connection_error("send") : queued;
    }
    return flush(timeouts_.write);
}

Result<Bytes> TlsClient::receive() {
    const net::Deadline deadline(timeouts_.read);
    for (;;) {
        Bytes data = connection_->take_application_data();
        if (!data.empty()) return data;
        if (connection_->peer_closed()) return Bytes{};
        if (connection_->state() == Connection::State::failed) return connection_error("the connection");
        if (eof_) return net::transport_error("connection closed by the peer without close_notify");
        // Tickets and KeyUpdates arrive without application data: keep reading until the deadline.
        const bool progressed = TRY(read_and_process(deadline));
        if (!progressed) return net::transport_error("read timed out after " + ms_text(timeouts_.read));
    }
}

Result<bool> TlsClient::wait_for_ticket(std::chrono::milliseconds timeout) {
    const net::Deadline deadline(timeout);
    while (*tickets_received_ == 0) {
        if (connection_->state() == Connection::State::failed) return connection_error("the connection");
        if (eof_ || connection_->peer_closed()) return false;
        const bool progressed = TRY(read_and_process(deadline));
        if (!progressed) return false;
    }
    return true;
}

Status TlsClient::key_update(bool request_peer_update) {
    const Status queued = connection_->key_update(request_peer_update);
    if (!queued) return connection_->error() ? connection_error("key_update") : queued;
    return flush(timeouts_.write);
}

Status TlsClient::close() {
    if (closed_) return ok();
    closed_ = true;
    Status status = ok();
    // A failed connection has already sent its alert; there is nothing to close politely.
    if (connection_->state() != Connection::State::failed) {
        status = connection_->close();
        const Status flushed = flush(timeouts_.write);
        if (status) status = flushed;
    }
    // Half-close: the peer sees end of stream after our close_notify and may answer with its own.
    ::shutdown(fd_.get(), SHUT_WR);
    return status;
}

}  // namespace tpmtls
