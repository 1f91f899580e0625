#include "net/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace tpmtls::net {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
}

int UniqueFd::release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

Milliseconds Deadline::remaining() const {
    const auto left = std::chrono::duration_cast<Milliseconds>(end_ - std::chrono::steady_clock::now());
    return std::max(left, Milliseconds(0));
}

Alert system_error(std::string_view what) {
    const int saved = errno;
    return transport_error(std::string(what) + ": " + std::strerror(saved));
}

Alert transport_error(std::string_view what) { return fail(AlertDescription::internal_error, what); }

namespace {

struct AddrInfoDeleter {
    void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
};
using AddrInfoList = std::unique_ptr<addrinfo, AddrInfoDeleter>;

// "[::1]" -> "::1": URLs and command lines bracket IPv6 literals, getaddrinfo does not want them.
std::string strip_brackets(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return std::string(host);
}

Result<AddrInfoList> resolve(std::string_view host, uint16_t port, int flags) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;  // IPv4 and IPv6, in the order the resolver prefers (RFC 6724)
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = flags;
    const std::string name = strip_brackets(host);
    const std::string service = std::to_string(port);
    addrinfo* list = nullptr;
    const int rc = getaddrinfo(name.c_str(), service.c_str(), &hints, &list);
    if (rc != 0) return transport_error("resolve " + name + ": " + gai_strerror(rc));
    return AddrInfoList(list);
}

std::string address_text(const sockaddr* sa, socklen_t len) {
    char host[NI_MAXHOST] = {};
    char service[NI_MAXSERV] = {};
    if (getnameinfo(sa, len, host, sizeof host, service, sizeof service, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        return "?";
    }
    return std::string(host) + " port " + service;
}

Result<UniqueFd> open_socket(int family) {
    UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP));
    if (!fd.valid()) return system_error("socket");
    return fd;
}

// One non-blocking connect: wait for writability, then SO_ERROR tells the outcome.
// `budget` is the whole connect timeout, for the message; `deadline` is when it runs out.
Status connect_one(int fd, const addrinfo& ai, const Deadline& deadline, Milliseconds budget, const std::string& where) {
    if (::connect(fd, ai.ai_addr, ai.ai_addrlen) == 0) return ok();
    if (errno != EINPROGRESS && errno != EINTR) return system_error("connect to " + where);
    const bool ready = TRY(wait_ready(fd, POLLOUT, deadline.remaining()));
    if (!ready) return transport_error("connect to " + where + " timed out after " + std::to_string(budget.count()) + " ms");
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) return system_error("getsockopt(SO_ERROR)");
    if (error != 0) {
        errno = error;
        return system_error("connect to " + where);
    }
    return ok();
}

}  // namespace

Result<UniqueFd> connect_tcp(std::string_view host, uint16_t port, Milliseconds timeout) {
    // No AI_ADDRCONFIG: it ignores loopback addresses, so "localhost" on a host without a
    // configured IPv6 (or IPv4) address would lose that family; a family that cannot be reached
    // simply fails to connect and the next address is tried.
    const AddrInfoList list = TRY(resolve(host, port, 0));
    const Deadline deadline(timeout);
    std::optional<Alert> last_error;
    for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
        const std::string where = address_text(ai->ai_addr, ai->ai_addrlen);
        auto fd = open_socket(ai->ai_family);
        if (!fd) return std::move(fd).error();
        // Each address gets what is left of the budget: the first one that answers wins.
        const Status connected = connect_one(fd->get(), *ai, deadline, timeout, where);
        if (connected) {
            set_no_delay(fd->get());
            return std::move(fd).value();
        }
        last_error = connected.error();
        if (deadline.expired()) break;
    }
    if (last_error) return *last_error;
    return transport_error("resolve " + std::string(host) + ": no addresses");
}

Result<UniqueFd> listen_tcp(std::string_view address, uint16_t port, int backlog) {
    const AddrInfoList list = TRY(resolve(address, port, AI_PASSIVE | AI_NUMERICHOST));
    const addrinfo& ai = *list;
    UniqueFd fd = TRY(open_socket(ai.ai_family));
    const int on = 1;
    // A restarted server can bind again while old connections sit in TIME_WAIT.
    if (setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) return system_error("SO_REUSEADDR");
    // "::" means IPv6 only; a dual-stack listener would be a second socket, not a mapped address.
    if (ai.ai_family == AF_INET6 && setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) {
        return system_error("IPV6_V6ONLY");
    }
    const std::string where = address_text(ai.ai_addr, ai.ai_addrlen);
    if (::bind(fd.get(), ai.ai_addr, ai.ai_addrlen) != 0) return system_error("bind " + where);
    if (::listen(fd.get(), backlog) != 0) return system_error("listen on " + where);
    return fd;
}

Result<uint16_t> local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return system_error("getsockname");
    if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
    return transport_error("getsockname: not an IP socket");
}

std::string peer_name(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
    return address_text(reinterpret_cast<const sockaddr*>(&ss), len);
}

Status set_nonblocking(int fd) {
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return system_error("fcntl(O_NONBLOCK)");
    return ok();
}

void set_no_delay(int fd) {
    // Handshake flights are small and latency-bound; Nagle would hold back the last record.
    const int on = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

Result<bool> wait_ready(int fd, short events, Milliseconds timeout) {
    const Deadline deadline(timeout);
    for (;;) {
        pollfd p{fd, events, 0};
        const auto wait_ms = static_cast<int>(std::min<Milliseconds::rep>(deadline.remaining().count(), 60'000));
        const int rc = ::poll(&p, 1, wait_ms);
        if (rc > 0) return true;
        if (rc < 0 && errno != EINTR) return system_error("poll");
        if (deadline.expired()) return false;
    }
}

Result<std::optional<size_t>> read_some(int fd, std::span<uint8_t> buffer) {
    for (;;) {
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n >= 0) return std::optional<size_t>(static_cast<size_t>(n));
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<size_t>();
        return system_error("read from " + peer_name(fd));
    }
}

Result<std::optional<size_t>> write_some(int fd, ByteView data) {
    for (;;) {
        // MSG_NOSIGNAL: a peer that went away is an error to report, not a SIGPIPE to die of.
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n >= 0) return std::optional<size_t>(static_cast<size_t>(n));
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<size_t>();
        return system_error("write to " + peer_name(fd));
    }
}

Status write_all(int fd, ByteView data, const Deadline& deadline, Milliseconds budget) {
    while (!data.empty()) {
        const std::optional<size_t> written = TRY(write_some(fd, data));
        if (written) {
            data = data.subspan(*written);
            continue;
        }
        const bool ready = TRY(wait_ready(fd, POLLOUT, deadline.remaining()));
        if (!ready) return transport_error("write timed out after " + std::to_string(budget.count()) + " ms");
    }
    return ok();
}

}  // namespace tpmtls::net
