#include "support/peer_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "net/socket.h"

extern char** environ;

namespace tpmtls::test {

namespace {

using SteadyClock = std::chrono::steady_clock;

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

milliseconds left_until(SteadyClock::time_point end) {
    return std::max(std::chrono::duration_cast<milliseconds>(end - SteadyClock::now()), milliseconds(0));
}

// Runs in the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(const char* path, char* const* argv, int in, int out, int err, int report) {
    // The peer dies with the test process, even if the test crashes before killing it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_DFL);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
        const int e = errno;
        (void)!write(report, &e, sizeof e);
        _exit(127);
    }
    execve(path, argv, environ);
    const int e = errno;
    (void)!write(report, &e, sizeof e);  // the parent reads why exec failed
    _exit(127);
}

}  // namespace

std::string find_program(std::string_view name) {
    if (name.find('/') != std::string_view::npos) return access(std::string(name).c_str(), X_OK) == 0 ? std::string(name) : "";
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const std::string candidate = (dir.empty() ? "." : dir) + "/" + std::string(name);
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "";
}

PeerProcess::PeerProcess(std::vector<std::string> argv) {
    REQUIRE(!argv.empty());
    for (const auto& a : argv) command_line_ += (command_line_.empty() ? "" : " ") + a;
    const std::string path = find_program(argv[0]);
    REQUIRE_MESSAGE(!path.empty(), argv[0] << " is not installed (needed by this interop test)");
    // Writing to a peer that already exited must be an error we see, not a SIGPIPE that kills us.
    signal(SIGPIPE, SIG_IGN);

    std::array<int, 2> in{}, out{}, err{}, report{};
    REQUIRE(pipe2(in.data(), O_CLOEXEC) == 0);
    REQUIRE(pipe2(out.data(), O_CLOEXEC) == 0);
    REQUIRE(pipe2(err.data(), O_CLOEXEC) == 0);
    REQUIRE(pipe2(report.data(), O_CLOEXEC) == 0);
    // Everything exec needs is prepared before fork: the child must not allocate.
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);

    pid_ = fork();
    REQUIRE_MESSAGE(pid_ >= 0, "fork: " << std::strerror(errno));
    if (pid_ == 0) exec_child(path.c_str(), cargv.data(), in[0], out[1], err[1], report[1]);

    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    ::close(report[1]);
    stdin_ = in[1];
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
    fcntl(stdout_fd_, F_SETFL, O_NONBLOCK);
    fcntl(stderr_fd_, F_SETFL, O_NONBLOCK);
    // exec succeeded iff the close-on-exec report pipe closes without a word.
    int exec_errno = 0;
    ssize_t n = 0;
    do {
        n = read(report[0], &exec_errno, sizeof exec_errno);
    } while (n < 0 && errno == EINTR);
    ::close(report[0]);
    REQUIRE_MESSAGE(n == 0, "cannot execute " << path << ": " << std::strerror(exec_errno));
}

PeerProcess::~PeerProcess() {
    if (pid_ > 0 && !exit_status_) {
        kill(pid_, SIGKILL);
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
    close_fd(stdin_);
    close_fd(stdout_fd_);
    close_fd(stderr_fd_);
}

bool PeerProcess::write_stdin(std::string_view text) {
    while (!text.empty() && stdin_ >= 0) {
        const ssize_t n = ::write(stdin_, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        text.remove_prefix(static_cast<size_t>(n));
    }
    return text.empty();
}

void PeerProcess::close_stdin() { close_fd(stdin_); }

bool PeerProcess::read_once(milliseconds timeout) {
    std::array<pollfd, 2> fds{pollfd{stdout_fd_, POLLIN, 0}, pollfd{stderr_fd_, POLLIN, 0}};
    if (stdout_fd_ < 0 && stderr_fd_ < 0) return false;
    const int rc = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
    if (rc <= 0) return true;
    std::array<char, 4096> buffer{};
    auto drain = [&](int& fd, std::string& into, short revents) {
        if (fd < 0 || revents == 0) return;
        for (;;) {
            const ssize_t n = ::read(fd, buffer.data(), buffer.size());
            if (n > 0) {
                into.append(buffer.data(), static_cast<size_t>(n));
                continue;
            }
            if (n < 0 && (errno == EINTR)) continue;
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) close_fd(fd);  // EOF: the child closed it
            return;
        }
    };
    drain(stdout_fd_, stdout_, fds[0].revents);
    drain(stderr_fd_, stderr_, fds[1].revents);
    return true;
}

bool PeerProcess::wait_for_output(std::string_view pattern, milliseconds timeout) {
    const auto end = SteadyClock::now() + timeout;
    for (;;) {
        if (stdout_.find(pattern) != std::string::npos || stderr_.find(pattern) != std::string::npos) return true;
        const milliseconds left = left_until(end);
        if (left.count() == 0 || !read_once(std::min(left, milliseconds(100)))) {
            return stdout_.find(pattern) != std::string::npos || stderr_.find(pattern) != std::string::npos;
        }
    }
}

bool PeerProcess::wait_for_stdout_after(size_t from, std::string_view pattern, milliseconds timeout) {
    const auto end = SteadyClock::now() + timeout;
    for (;;) {
        if (stdout_.size() > from && stdout_.find(pattern, from) != std::string::npos) return true;
        const milliseconds left = left_until(end);
        if (left.count() == 0 || !read_once(std::min(left, milliseconds(100)))) {
            return stdout_.size() > from && stdout_.find(pattern, from) != std::string::npos;
        }
    }
}

void PeerProcess::pump(milliseconds timeout) {
    const auto end = SteadyClock::now() + timeout;
    while (left_until(end).count() > 0 && read_once(std::min(left_until(end), milliseconds(50)))) {
    }
}

std::string PeerProcess::transcript() const {
    return "$ " + command_line_ + "\n--- stdout ---\n" + stdout_ + "\n--- stderr ---\n" + stderr_;
}

void PeerProcess::reap(int status) {
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<int> PeerProcess::wait(milliseconds timeout) {
    const auto end = SteadyClock::now() + timeout;
    while (!exit_status_) {
        int status = 0;
        const pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            reap(status);
            break;
        }
        if (r < 0 && errno != EINTR) break;
        if (left_until(end).count() == 0) break;
        // Keep the pipes drained meanwhile: a child blocked on a full pipe never exits.
        if (!read_once(std::min(left_until(end), milliseconds(20)))) usleep(20'000);
    }
    return exit_status_;
}

bool PeerProcess::running() { return !wait(milliseconds(0)).has_value(); }

void PeerProcess::stop(milliseconds grace) {
    if (pid_ <= 0 || exit_status_) return;
    kill(pid_, SIGTERM);
    if (wait(grace)) return;
    kill(pid_, SIGKILL);
    (void)wait(milliseconds(5000));
}

uint16_t free_loopback_port(bool ipv6) {
    auto listener = net::listen_tcp(ipv6 ? "::1" : "127.0.0.1", 0, 1);
    REQUIRE_MESSAGE(listener, (listener ? "" : listener.error().to_string()));
    auto port = net::local_port(listener->get());
    REQUIRE(port);
    return *port;  // the listener closes here, leaving the port free
}

bool wait_for_port(const std::string& host, uint16_t port, milliseconds timeout) {
    const auto end = SteadyClock::now() + timeout;
    for (;;) {
        if (net::connect_tcp(host, port, std::min(left_until(end), milliseconds(500)))) return true;
        if (left_until(end).count() == 0) return false;
        usleep(20'000);
    }
}

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/tpmtls-test-XXXXXX";
    REQUIRE_MESSAGE(mkdtemp(pattern.data()) != nullptr, "mkdtemp: " << std::strerror(errno));
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, std::string_view contents) const {
    const std::string full = file(name);
    std::ofstream f(full, std::ios::binary | std::ios::trunc);
    f.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    f.close();
    REQUIRE_MESSAGE(f.good(), "cannot write " << full);
    chmod(full.c_str(), 0600);  // private keys live here
    return full;
}

std::string read_text_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

CommandResult run_command(std::vector<std::string> argv, milliseconds timeout, std::string_view input) {
    PeerProcess process(std::move(argv));
    if (!input.empty()) process.write_stdin(input);
    process.close_stdin();
    CommandResult result;
    auto status = process.wait(timeout);
    if (!status) process.stop(milliseconds(200));
    else process.pump(milliseconds(2000));  // what is still in the pipes; returns once both close
    result.exit_status = status ? *status : -1;
    result.out = process.output();
    result.err = process.errors();
    result.transcript = process.transcript();
    return result;
}

}  // namespace tpmtls::test
