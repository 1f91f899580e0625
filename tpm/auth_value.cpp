#include "tpm/auth_value.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "tpm/keys.h"

namespace tpmtls::tpm {
namespace {

// A file descriptor closed when it goes.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// A stack buffer wiped when it goes, for the raw bytes before they become a Secret.
struct WipedBuffer {
    std::array<uint8_t, 256> bytes{};
    size_t size = 0;
    ~WipedBuffer() { secure_wipe(bytes.data(), bytes.size()); }
};

// Reads up to the first '\n' (or the end, or a full buffer) from `fd`, one byte at a time so
// nothing after the line is consumed. False on a read error.
bool read_line(int fd, WipedBuffer& line) {
    line.size = 0;
    uint8_t byte = 0;
    while (line.size < line.bytes.size()) {
        const ssize_t n = ::read(fd, &byte, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0 || byte == '\n') break;
        line.bytes[line.size++] = byte;
    }
    if (line.size > 0 && line.bytes[line.size - 1] == '\r') --line.size;
    return true;
}

Result<Secret> to_auth(const WipedBuffer& line, std::string_view source) {
    if (line.size == 0) return fail(AlertDescription::internal_error, std::string(source) + ": empty authorization value");
    if (line.size > max_auth_size)
        return fail(AlertDescription::internal_error, std::string(source) + ": authorization value longer than " +
                                                          std::to_string(max_auth_size) + " bytes");
    return Secret(std::span<const uint8_t>(line.bytes.data(), line.size));
}

void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text.remove_prefix(static_cast<size_t>(n));
    }
}

// Terminal echo off for its lifetime, restored after (also on error paths).
class EchoOff {
public:
    explicit EchoOff(int fd) : fd_(fd) {
        if (::tcgetattr(fd_, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
    }
    ~EchoOff() {
        if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;
    bool active() const { return active_; }

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

Result<Secret> ask(int tty, std::string_view prompt) {
    write_all(tty, prompt);
    WipedBuffer line;
    if (!read_line(tty, line)) return fail(AlertDescription::internal_error, "cannot read the authorization value from the terminal");
    return to_auth(line, "prompt");
}

}  // namespace

Result<Secret> read_auth_file(const std::string& path) {
    const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0)
        return fail(AlertDescription::internal_error, "cannot open the auth file " + path + ": " + std::strerror(errno));
    WipedBuffer line;
    if (!read_line(fd.get(), line))
        return fail(AlertDescription::internal_error, "cannot read the auth file " + path + ": " + std::strerror(errno));
    return to_auth(line, "auth file " + path);
}

Result<Secret> prompt_auth(std::string_view prompt, bool confirm) {
    const Fd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (tty.get() < 0)
        return fail(AlertDescription::internal_error,
                    "no terminal to ask for the authorization value on: use --auth-file FILE");
    const EchoOff echo_off(tty.get());
    if (!echo_off.active())
        return fail(AlertDescription::internal_error, "cannot turn off echo on the terminal: use --auth-file FILE");
    Secret first = TRY(ask(tty.get(), prompt));
    if (!confirm) return first;
    const Secret second = TRY(ask(tty.get(), "Again, to confirm: "));
    if (!constant_time_equal(first.view(), second.view()))
        return fail(AlertDescription::internal_error, "the two authorization values differ");
    return first;
}

}  // namespace tpmtls::tpm
