// The `tpmtls` programs as a user runs them, for the program tests: the test PKI written to
// files, and `tpmtls server` started on a free loopback port (stopped by PID when done).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/peer_process.h"
#include "support/test_pki.h"

namespace tpmtls::test {

// ca.pem, server.pem + server.key (localhost, 127.0.0.1, ::1), client.pem + client.key.
struct PkiFiles {
    explicit PkiFiles(const TestPki& pki = shared_test_pki());
    TempDir dir;
    std::string ca, server_cert, server_key, client_cert, client_key;
};

class ServerProgram {
public:
    // `tpmtls server --accept ADDRESS:PORT --cert --key [extra...]`; waits for "listening on".
    // Port 0: a free one (pass a previous server's port to restart on it).
    ServerProgram(const PkiFiles& files, std::vector<std::string> extra, const std::string& address = "127.0.0.1",
                  uint16_t port = 0);
    uint16_t port() const { return port_; }
    // "127.0.0.1:PORT" / "[::1]:PORT", for --connect.
    std::string connect_argument() const;
    PeerProcess& process() { return *process_; }

private:
    std::string address_;
    uint16_t port_ = 0;
    std::unique_ptr<PeerProcess> process_;
};

// `tpmtls server --accept ACCEPT --cert CERT --key KEY [extra...]`
std::vector<std::string> server_command(const std::string& accept, const std::string& cert, const std::string& key,
                                        std::vector<std::string> extra = {});

// `tpmtls client --connect ... --cafile ca.pem [--cert client.pem --key client.key] [extra...]`
std::vector<std::string> client_command(const PkiFiles& files, const std::string& connect, bool with_certificate,
                                        std::vector<std::string> extra = {});

// Counts the lines of `text` containing `pattern`.
size_t count_lines_with(const std::string& text, std::string_view pattern);

}  // namespace tpmtls::test
