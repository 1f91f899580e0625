// Real TLS peers for the interop tests (openssl s_server / s_client, gnutls-serv / gnutls-cli):
// start one with its stdin, stdout and stderr on pipes, talk to it, read what it prints, and be
// sure it is gone when the test ends, whatever happened. Every wait is bounded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpmtls::test {

using std::chrono::milliseconds;

class PeerProcess {
public:
    // Starts argv[0] (searched in PATH). Fails the test (REQUIRE) when the program is missing
    // or cannot be executed: interop tests fail, they do not skip.
    explicit PeerProcess(std::vector<std::string> argv);
    // Kills the process (SIGKILL) if it still runs and reaps it.
    ~PeerProcess();
    PeerProcess(const PeerProcess&) = delete;
    PeerProcess& operator=(const PeerProcess&) = delete;

    pid_t pid() const { return pid_; }
    const std::string& command_line() const { return command_line_; }

    // Writes to the child's stdin; false if it has closed its end.
    bool write_stdin(std::string_view text);
    void close_stdin();

    // Reads stdout and stderr until `pattern` has appeared in either (counting everything read
    // since the start) or `timeout` passes. True if it appeared.
    bool wait_for_output(std::string_view pattern, milliseconds timeout);
    // Like wait_for_output, but the pattern must appear after `from` characters of stdout.
    bool wait_for_stdout_after(size_t from, std::string_view pattern, milliseconds timeout);
    // Reads whatever arrives within `timeout`.
    void pump(milliseconds timeout);

    const std::string& output() const { return stdout_; }
    const std::string& errors() const { return stderr_; }
    // Command line, stdout and stderr, for failure messages.
    std::string transcript() const;

    // The exit status (128 + signal number if killed), or nullopt if still running after `timeout`.
    std::optional<int> wait(milliseconds timeout);
    bool running();
    // SIGTERM, up to `grace` to exit, then SIGKILL. Idempotent.
    void stop(milliseconds grace = milliseconds(1000));

private:
    // One poll over the open output pipes, reading what is there. False when both are closed.
    bool read_once(milliseconds timeout);
    void reap(int status);

    pid_t pid_ = -1;
    std::optional<int> exit_status_;
    int stdin_ = -1;
    int stdout_fd_ = -1;
    int stderr_fd_ = -1;
    std::string stdout_;
    std::string stderr_;
    std::string command_line_;
};

// A program run to its end: exit status (128 + signal if killed; -1 if it outlived the timeout
// and was killed), stdout and stderr.
struct CommandResult {
    int exit_status = -1;
    std::string out;
    std::string err;
    std::string transcript;  // command line and both outputs, for failure messages
};
// Runs argv (argv[0] searched in PATH) with `input` on its stdin, waits up to `timeout`.
CommandResult run_command(std::vector<std::string> argv, milliseconds timeout = milliseconds(60000),
                          std::string_view input = {});

// The full path of `name` in PATH, or empty if there is none.
std::string find_program(std::string_view name);

// A loopback TCP port that was free a moment ago (bind port 0, read it, close). Another process
// could take it before the peer binds it; the peer then fails to start and says so.
uint16_t free_loopback_port(bool ipv6 = false);

// Retries a TCP connect to host:port until one succeeds or `timeout` passes. The probe
// connection is closed at once (a TLS server sees a client that went away).
bool wait_for_port(const std::string& host, uint16_t port, milliseconds timeout);

// A fresh directory under $TMPDIR (or /tmp), removed with its files on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    // Writes `contents` to path()/name and returns the full path.
    std::string write(const std::string& name, std::string_view contents) const;
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

std::string read_text_file(const std::string& path);

}  // namespace tpmtls::test
