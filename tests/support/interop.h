// What the socket-level tests share: the test PKI written out as PEM files for the real peers,
// client and server configurations over it, an echoing TlsServer on a background thread, and
// a bounded "receive until this text arrived" for TlsClient.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/tls_client.h"
#include "server/tls_server.h"
#include "support/peer_process.h"
#include "support/test_pki.h"

namespace tpmtls::test {

// A fresh test PKI (root, server leaf for localhost/127.0.0.1/::1, client leaf CN=device-0001)
// and its PEM files in a temporary directory (never the source tree).
struct PkiFiles {
    TestPki pki;
    TempDir dir;
    std::string root_cert;
    std::string server_cert;
    std::string server_key;
    std::string client_cert;
    std::string client_key;
};
const PkiFiles& pki_files();  // made once per test program

ClientConfig client_config(const TestPki& pki, bool with_client_certificate);
ServerConfig server_config(const TestPki& pki, ClientAuthMode client_auth);
ClientTimeouts test_timeouts();

// The timeout for one step of a test talking to a real peer: generous, so a loaded machine does
// not fail the test, yet bounded, so a broken peer cannot hang it.
inline constexpr std::chrono::milliseconds step_timeout{10'000};

// Connects our client and completes the handshake, failing the test with the client's error
// (and the peer's output, if there is a peer process) otherwise.
std::unique_ptr<TlsClient> connect_client(const std::string& host, uint16_t port, ClientConfig config,
                                          PeerProcess* peer = nullptr);

// Receives until `text` appeared in what arrived (or the read timeout / an error / close).
std::string receive_until(TlsClient& client, std::string_view text);

// A TlsServer on its own thread answering every piece of data with "echo: " + data. It records
// the sessions that completed and why connections closed.
class EchoServer {
public:
    explicit EchoServer(ServerConfig config, ServerOptions options = {});
    ~EchoServer();  // stop() and join
    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;

    uint16_t port() const { return server_->port(); }
    // The n-th completed handshake (0-based), waiting up to `timeout` for it.
    std::optional<SessionInfo> session(size_t n, std::chrono::milliseconds timeout = step_timeout);
    // The n-th closed connection's error (nullopt inside: closed cleanly), waiting up to `timeout`.
    std::optional<std::optional<Alert>> closed(size_t n, std::chrono::milliseconds timeout = step_timeout);
    size_t connected_count();

private:
    std::unique_ptr<TlsServer> server_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<SessionInfo> sessions_;
    std::vector<std::optional<Alert>> closed_;
    Status run_result_;
};

}  // namespace tpmtls::test
