// Socket plumbing shared by TlsClient and TlsServer (STYLE.md §1: sockets live outside tls13/):
// an owning file descriptor, name resolution, a non-blocking connect bounded by a timeout,
// a listening socket, and reads/writes that never block longer than they are told to.
// Transport failures travel as Alerts like every other error (STYLE.md §8); they are never sent
// to the peer, so their description (internal_error) only classifies them and the reason says
// what happened ("connect to 127.0.0.1 port 4433: Connection refused").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tls13/bytes.h"
#include "tls13/result.h"

namespace tpmtls::net {

using Milliseconds = std::chrono::milliseconds;

// Owns one file descriptor; closes it on destruction (STYLE.md §10).
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release();
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

// A point in time after which an operation gives up (steady clock: wall-clock jumps do not count).
class Deadline {
public:
    explicit Deadline(Milliseconds budget) : end_(std::chrono::steady_clock::now() + budget) {}
    Milliseconds remaining() const;
    bool expired() const { return remaining().count() <= 0; }

private:
    std::chrono::steady_clock::time_point end_;
};

// A transport failure with errno's text appended: "<what>: <strerror(errno)>".
Alert system_error(std::string_view what);
Alert transport_error(std::string_view what);

// Resolves `host` (a name, an IPv4 literal or an IPv6 literal, with or without brackets) with
// getaddrinfo and connects to the first address that answers, each attempt bounded by what is
// left of `timeout`. The socket comes back non-blocking, with TCP_NODELAY set.
Result<UniqueFd> connect_tcp(std::string_view host, uint16_t port, Milliseconds timeout);

// A non-blocking listening socket on a numeric IPv4 or IPv6 address ("127.0.0.1", "::1",
// "0.0.0.0", "::"); port 0 lets the kernel choose a free port (see local_port).
Result<UniqueFd> listen_tcp(std::string_view address, uint16_t port, int backlog);
Result<uint16_t> local_port(int fd);
// "127.0.0.1 port 4433" / "::1 port 4433" of the socket's peer, for logs and errors.
std::string peer_name(int fd);

Status set_nonblocking(int fd);
void set_no_delay(int fd);

// Waits until `fd` is ready for `events` (POLLIN/POLLOUT). false: the timeout passed first.
// A socket error or hang-up counts as ready: the following read/write reports it.
Result<bool> wait_ready(int fd, short events, Milliseconds timeout);

// One read/write on a non-blocking socket. nullopt: it would block. A read of 0 is end of stream.
Result<std::optional<size_t>> read_some(int fd, std::span<uint8_t> buffer);
Result<std::optional<size_t>> write_some(int fd, ByteView data);

// Writes all of `data`, waiting for the socket to drain; fails when `deadline` passes first.
Status write_all(int fd, ByteView data, const Deadline& deadline, Milliseconds budget);

}  // namespace tpmtls::net
