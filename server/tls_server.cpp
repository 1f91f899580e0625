// Why epoll on one thread rather than a thread pool:
// - The protocol core is I/O-free, so a connection is a Connection object plus a socket: the
//   per-connection "state machine" the loop needs already exists, and a connection waiting for
//   its peer costs no thread and no stack. One thread multiplexes thousands of them.
// - Nothing is shared between threads, so there are no locks around connections or around the
//   application's handlers, and handlers can be written as plain sequential code.
// - The work per event is small (a handshake is one ECDHE and one signature, milliseconds; a
//   record is one AEAD call). A pool would only add parallelism for CPU-bound handshakes, which
//   are not the bottleneck of this server (small request/response exchanges, 2-core targets).
// The price: a slow handler stalls every connection, so handlers must answer quickly.
// Sockets are level-triggered and non-blocking; timeouts are checked on each loop turn, and the
// loop never sleeps past the nearest deadline.
#include "server/tls_server.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <map>
#include <vector>

#include "net/socket.h"
#include "tls13/connection.h"

namespace tpmtls {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace detail {

struct ServerConnection {
    uint64_t id = 0;
    net::UniqueFd fd;
    std::string peer;
    std::unique_ptr<Connection> tls;
    Bytes pending;  // protected bytes not yet written to the socket
    size_t pending_offset = 0;
    SteadyClock::time_point accepted;
    SteadyClock::duration handshake_time{};
    SteadyClock::time_point last_activity;
    SteadyClock::time_point closing_since;
    bool reported_connected = false;
    bool closing = false;  // read no more; close the socket once `pending` is written
    bool broken = false;   // the socket failed: close at once, nothing more can be written
    uint32_t registered_events = 0;
    std::optional<Alert> error;

    void take_output() {
        Bytes out = tls->take_output();
        pending.insert(pending.end(), out.begin(), out.end());
    }
    void start_closing(std::optional<Alert> why) {
        if (!error) error = std::move(why);
        if (!closing) closing_since = SteadyClock::now();
        closing = true;
    }
};

}  // namespace detail

using detail::ServerConnection;

uint64_t ConnectionView::id() const { return connection_.id; }
const std::string& ConnectionView::peer() const { return connection_.peer; }
const SessionInfo& ConnectionView::session() const { return connection_.tls->session(); }
std::chrono::microseconds ConnectionView::handshake_time() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(connection_.handshake_time);
}

Status ConnectionView::send(ByteView data) {
    TRY(connection_.tls->send(data));
    connection_.take_output();
    return ok();
}

Status ConnectionView::key_update(bool request_peer_update) {
    TRY(connection_.tls->key_update(request_peer_update));
    connection_.take_output();
    return ok();
}

void ConnectionView::close() {
    if (connection_.tls->state() == Connection::State::connected) (void)connection_.tls->close();
    connection_.take_output();
    connection_.start_closing(std::nullopt);
}

namespace {

constexpr uint64_t listener_id = 0;
constexpr uint64_t wake_id = 1;
constexpr size_t read_chunk = 16384 + 256 + 5;  // one full TLSCiphertext (RFC 8446 §5.2)
constexpr size_t reads_per_event = 16;           // then let other connections have a turn
constexpr size_t max_pending = 1 << 20;          // stop reading while this much waits to be written

std::string ms_text(milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

// The alert the Connection failed with, phrased for the log ("decrypt_error: ...").
Alert connection_failure(const Connection& tls) {
    const std::optional<Alert>& error = tls.error();
    if (!error) return net::transport_error("the connection failed");
    if (tls.alert_was_received()) {
        return Alert{error->description, "the client sent a fatal alert"};
    }
    return *error;
}

}  // namespace

struct TlsServer::Impl {
    ServerConfig config;
    ServerOptions options;
    ServerHandlers handlers;
    Random* random = nullptr;
    const Clock* clock = nullptr;
    net::UniqueFd listener;
    net::UniqueFd epoll;
    net::UniqueFd wake;  // eventfd: stop() writes, run() wakes
    uint16_t port = 0;
    std::atomic<bool> stop_requested{false};
    uint64_t next_id = 2;
    std::map<uint64_t, std::unique_ptr<ServerConnection>> connections;

    Status watch(int fd, uint64_t id, uint32_t events) {
        epoll_event ev{};
        ev.events = events;
        ev.data.u64 = id;
        if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return net::system_error("epoll_ctl(ADD)");
        return ok();
    }

    void accept_all();
    void on_event(ServerConnection& c, uint32_t events);
    void read_from(ServerConnection& c);
    void after_receive(ServerConnection& c);
    void write_pending(ServerConnection& c);
    void update_interest(ServerConnection& c);
    void check_timers(SteadyClock::time_point now);
    int next_wait_ms(SteadyClock::time_point now) const;
    void finish(uint64_t id);
    void finish_done();
    void shutdown_all();
};

void TlsServer::Impl::accept_all() {
    for (;;) {
        net::UniqueFd fd(::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd.valid()) return;  // EAGAIN: the backlog is empty (other errors: retry next turn)
        if (connections.size() >= options.max_connections) continue;  // closed by UniqueFd
        net::set_no_delay(fd.get());
        auto c = std::make_unique<ServerConnection>();
        c->id = next_id++;
        c->peer = net::peer_name(fd.get());
        c->accepted = c->last_activity = SteadyClock::now();
        ServerConfig connection_config = config;
        if (options.trace_for) {
            if (auto trace = options.trace_for(c->id, c->peer)) connection_config.trace = std::move(trace);
        }
        c->tls = Connection::server(std::move(connection_config), *random, *clock);
        if (!c->tls || !c->tls->start() || !watch(fd.get(), c->id, EPOLLIN)) continue;
        c->registered_events = EPOLLIN;
        c->fd = std::move(fd);
        ServerConnection& added = *connections.emplace(c->id, std::move(c)).first->second;
        if (handlers.on_accepted) {
            ConnectionView handle(added);
            handlers.on_accepted(handle);
        }
    }
}

void TlsServer::Impl::on_event(ServerConnection& c, uint32_t events) {
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0 && !c.closing) read_from(c);
    if (!c.broken) write_pending(c);
    if (!c.broken) update_interest(c);
}

void TlsServer::Impl::read_from(ServerConnection& c) {
    std::array<uint8_t, read_chunk> buffer{};
    for (size_t turn = 0; turn < reads_per_event && !c.closing; ++turn) {
        auto n = net::read_some(c.fd.get(), buffer);
        if (!n) {
            c.broken = true;
            c.start_closing(n.error());
            return;
        }
        if (!*n) return;  // drained for now
        if (**n == 0) {
            // End of stream. After the peer's close_notify that is the orderly end (§6.1).
            c.start_closing(c.tls->peer_closed() ? std::nullopt
                                                 : std::optional<Alert>(net::transport_error(
                                                       "connection closed by the client without close_notify")));
            return;
        }
        c.last_activity = SteadyClock::now();
        const Status processed = c.tls->receive(ByteView(buffer.data(), **n));
        c.take_output();  // on failure this is the one fatal alert
        if (!processed) {
            c.start_closing(connection_failure(*c.tls));
            return;
        }
        after_receive(c);
        if (c.pending.size() > max_pending) return;
    }
}

void TlsServer::Impl::after_receive(ServerConnection& c) {
    ConnectionView handle(c);
    if (c.tls->is_connected() && !c.reported_connected) {
        c.reported_connected = true;
        c.handshake_time = SteadyClock::now() - c.accepted;
        if (handlers.on_connected) handlers.on_connected(handle, c.tls->session());
    }
    const Bytes data = c.tls->take_application_data();
    if (!data.empty() && handlers.on_data && !c.closing) handlers.on_data(handle, view(data));
    if (c.tls->peer_closed() && !c.closing) handle.close();  // RFC 8446 §6.1: answer with ours
    c.take_output();
}

void TlsServer::Impl::write_pending(ServerConnection& c) {
    while (c.pending_offset < c.pending.size()) {
        const ByteView rest = ByteView(c.pending).subspan(c.pending_offset);
        auto n = net::write_some(c.fd.get(), rest);
        if (!n) {
            c.broken = true;
            c.start_closing(n.error());
            return;
        }
        if (!*n) return;  // the socket is full: EPOLLOUT tells when to go on
        c.pending_offset += **n;
    }
    c.pending.clear();
    c.pending_offset = 0;
}

void TlsServer::Impl::update_interest(ServerConnection& c) {
    uint32_t wanted = 0;
    if (!c.closing && c.pending.size() <= max_pending) wanted |= EPOLLIN;
    if (!c.pending.empty()) wanted |= EPOLLOUT;
    if (wanted == c.registered_events) return;
    epoll_event ev{};
    ev.events = wanted;
    ev.data.u64 = c.id;
    if (epoll_ctl(epoll.get(), EPOLL_CTL_MOD, c.fd.get(), &ev) != 0) {
        c.broken = true;
        c.start_closing(net::system_error("epoll_ctl(MOD)"));
        return;
    }
    c.registered_events = wanted;
}

void TlsServer::Impl::check_timers(SteadyClock::time_point now) {
    for (auto& [id, c] : connections) {
        if (c->closing) {
            // A client that never reads must not keep its socket forever.
            if (now - c->closing_since > options.close_timeout) c->broken = true;
        } else if (!c->tls->is_connected()) {
            if (now - c->accepted > options.handshake_timeout) {
                c->broken = true;  // no alert: RFC 8446 has none for "too slow"; the client sees EOF
                c->start_closing(net::transport_error("handshake timed out after " +
                                                      ms_text(options.handshake_timeout) + " in " +
                                                      c->tls->handshake_state()));
            }
        } else if (now - c->last_activity > options.idle_timeout) {
            ConnectionView(*c).close();
            c->error = net::transport_error("idle for " + ms_text(options.idle_timeout));
            write_pending(*c);
            if (!c->broken) update_interest(*c);
        }
    }
}

int TlsServer::Impl::next_wait_ms(SteadyClock::time_point now) const {
    auto nearest = now + milliseconds(1000);  // also bounds how long a missed wake-up could last
    for (const auto& [id, c] : connections) {
        if (c->closing) nearest = std::min(nearest, c->closing_since + options.close_timeout);
        else if (!c->tls->is_connected()) nearest = std::min(nearest, c->accepted + options.handshake_timeout);
        else nearest = std::min(nearest, c->last_activity + options.idle_timeout);
    }
    const auto wait = std::chrono::duration_cast<milliseconds>(nearest - now).count();
    return static_cast<int>(std::clamp<milliseconds::rep>(wait + 1, 0, 1000));
}

void TlsServer::Impl::finish(uint64_t id) {
    auto it = connections.find(id);
    if (it == connections.end()) return;
    ServerConnection& c = *it->second;
    if (!c.broken) ::shutdown(c.fd.get(), SHUT_WR);  // our last bytes are out: send FIN
    const std::optional<Alert> error = c.error;
    connections.erase(it);  // closes the socket, which also leaves the epoll set
    if (handlers.on_closed) handlers.on_closed(id, error);
}

// Connections whose socket broke, or which finished writing after deciding to close.
void TlsServer::Impl::finish_done() {
    std::vector<uint64_t> done;
    for (const auto& [id, c] : connections) {
        if (c->broken || (c->closing && c->pending.empty())) done.push_back(id);
    }
    for (uint64_t id : done) finish(id);
}

void TlsServer::Impl::shutdown_all() {
    for (auto& [id, c] : connections) {
        if (!c->closing && c->tls->is_connected()) {
            ConnectionView(*c).close();
        }
        // One non-blocking attempt: a stopping server does not wait for slow clients.
        if (!c->broken) write_pending(*c);
        if (!c->error && !c->closing) c->error = net::transport_error("server stopped");
        c->broken = true;
    }
    finish_done();
}

TlsServer::TlsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsServer::~TlsServer() = default;

Result<std::unique_ptr<TlsServer>> TlsServer::listen(ServerConfig config, ServerOptions options,
                                                     ServerHandlers handlers, Random& random, const Clock& clock) {
    auto impl = std::make_unique<Impl>();
    impl->listener = TRY(net::listen_tcp(options.address, options.port, options.backlog));
    impl->port = TRY(net::local_port(impl->listener.get()));
    impl->epoll = net::UniqueFd(epoll_create1(EPOLL_CLOEXEC));
    if (!impl->epoll.valid()) return net::system_error("epoll_create1");
    impl->wake = net::UniqueFd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!impl->wake.valid()) return net::system_error("eventfd");
    TRY(impl->watch(impl->listener.get(), listener_id, EPOLLIN));
    TRY(impl->watch(impl->wake.get(), wake_id, EPOLLIN));
    impl->config = std::move(config);
    impl->options = std::move(options);
    impl->handlers = std::move(handlers);
    impl->random = &random;
    impl->clock = &clock;
    return std::make_unique<TlsServer>(std::move(impl));
}

uint16_t TlsServer::port() const { return impl_->port; }
size_t TlsServer::connection_count() const { return impl_->connections.size(); }

void TlsServer::stop() {
    // Only an atomic store and write(2): both async-signal-safe.
    impl_->stop_requested.store(true);
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(impl_->wake.get(), &one, sizeof one);
}

Status TlsServer::run() {
    Impl& s = *impl_;
    std::array<epoll_event, 64> events{};
    while (!s.stop_requested.load()) {
        const int n = epoll_wait(s.epoll.get(), events.data(), static_cast<int>(events.size()),
                                 s.next_wait_ms(SteadyClock::now()));
        if (n < 0 && errno != EINTR) {
            const Alert error = net::system_error("epoll_wait");
            s.shutdown_all();
            return error;
        }
        for (int i = 0; i < n; ++i) {
            const epoll_event& ev = events[static_cast<size_t>(i)];
            if (ev.data.u64 == listener_id) {
                s.accept_all();
            } else if (ev.data.u64 == wake_id) {
                uint64_t count = 0;
                [[maybe_unused]] const ssize_t r = ::read(s.wake.get(), &count, sizeof count);
            } else if (auto it = s.connections.find(ev.data.u64); it != s.connections.end()) {
                s.on_event(*it->second, ev.events);
            }
        }
        s.check_timers(SteadyClock::now());
        s.finish_done();
    }
    s.shutdown_all();
    return ok();
}

}  // namespace tpmtls
