// The socket layers on loopback, our client against our server: IPv4 and IPv6, many connections
// served at once, orderly shutdown, and every way a peer can stall ending in a clear error
// instead of a hang. No timing is asserted beyond "it returned, with an error naming the timeout".
#include <doctest/doctest.h>

#include <poll.h>

#include <atomic>
#include <thread>

#include "support/interop.h"

using namespace tpmtls;
using namespace tpmtls::test;
using std::chrono::milliseconds;

namespace {

std::unique_ptr<TlsClient> connect_to(const std::string& host, uint16_t port, bool with_certificate = false) {
    return connect_client(host, port, client_config(pki_files().pki, with_certificate));
}

void check_echo(TlsClient& client, const std::string& line) {
    REQUIRE(client.send(view(line)));
    CHECK(receive_until(client, "echo: " + line) == "echo: " + line);
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("our client and our server over IPv4 and IPv6 loopback, with a client certificate") {
    for (const char* address : {"127.0.0.1", "::1"}) {
        CAPTURE(address);
        ServerOptions options;
        options.address = address;
        EchoServer server(server_config(pki_files().pki, ClientAuthMode::required), options);
        CHECK(server.port() != 0);
        auto client = connect_to(address, server.port(), true);
        CHECK(client->session().peer_identity.has_value());
        check_echo(*client, std::string("over ") + address);
        const auto session = server.session(0);
        REQUIRE(session.has_value());
        CHECK(session->suite == client->session().suite);
        CHECK(session->group == client->session().group);
        REQUIRE(session->peer_identity.has_value());
        CHECK(session->peer_identity->subject == "CN=device-0001, O=tpmtls tests");
        CHECK(client->close());
        const auto closed = server.closed(0);
        REQUIRE(closed.has_value());
        CHECK_MESSAGE(!closed->has_value(), (closed->has_value() ? (*closed)->to_string() : ""));
    }
}

TEST_CASE("a host name is resolved and each of its addresses tried in turn") {
    // "localhost" may resolve to ::1 first; the server listens on 127.0.0.1 only, so that attempt
    // is refused and the next address answers. The certificate names "localhost".
    EchoServer server(server_config(pki_files().pki, ClientAuthMode::off));
    auto client = connect_to("localhost", server.port());
    CHECK(client->session().server_name == "localhost");
    check_echo(*client, "via localhost");
}

TEST_CASE("the server serves many connections at once") {
    EchoServer server(server_config(pki_files().pki, ClientAuthMode::off));
    // All of these are open together: each handshake completes while the others wait idle.
    std::vector<std::unique_ptr<TlsClient>> open;
    for (int i = 0; i < 16; ++i) open.push_back(connect_to("127.0.0.1", server.port()));
    for (size_t i = 0; i < open.size(); ++i) check_echo(*open[i], "connection " + std::to_string(i));
    // And clients on several threads at the same moment.
    std::atomic<int> succeeded{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            auto client = TlsClient::connect("127.0.0.1", server.port(), client_config(pki_files().pki, false),
                                             test_timeouts());
            if (!client) return;
            const std::string line = "thread " + std::to_string(t);
            if (!(*client)->send(view(line))) return;
            if (receive_until(**client, "echo: " + line) == "echo: " + line) ++succeeded;
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(succeeded.load() == 6);
    CHECK(server.connected_count() == 22);
}

TEST_CASE("stopping the server closes its connections with close_notify") {
    auto client_and_server = [] {
        auto server = std::make_unique<EchoServer>(server_config(pki_files().pki, ClientAuthMode::off));
        auto client = connect_to("127.0.0.1", server->port());
        check_echo(*client, "before stop");
        return std::make_pair(std::move(server), std::move(client));
    };
    auto [server, client] = client_and_server();
    server.reset();  // stop() and join
    auto data = client->receive();
    REQUIRE_MESSAGE(data, (data ? "" : data.error().to_string()));
    CHECK(data->empty());
    CHECK(client->peer_closed());
}

TEST_CASE("a handshake that stalls times out with a clear error") {
    // A listener that never answers: the kernel completes the TCP handshake from its backlog,
    // and no TLS byte ever comes back.
    auto listener = net::listen_tcp("127.0.0.1", 0, 4);
    REQUIRE(listener);
    const uint16_t port = *net::local_port(listener->get());
    ClientTimeouts timeouts = test_timeouts();
    timeouts.handshake = milliseconds(300);
    auto client = TlsClient::connect("127.0.0.1", port, client_config(pki_files().pki, false), timeouts);
    REQUIRE_FALSE(client);
    CAPTURE(client.error().to_string());
    CHECK(contains(client.error().reason, "handshake timed out after 300 ms"));
    CHECK(contains(client.error().reason, "WAIT"));  // the state it was waiting in
}

TEST_CASE("a connect that gets no answer times out with a clear error") {
    // A listener whose accept queue is full: Linux drops further SYNs, so the next connect hangs
    // in SYN_SENT (on loopback, no unroutable address needed).
    auto listener = net::listen_tcp("127.0.0.1", 0, 0);
    REQUIRE(listener);
    const uint16_t port = *net::local_port(listener->get());
    std::vector<net::UniqueFd> queued;
    ClientTimeouts timeouts = test_timeouts();
    timeouts.connect = milliseconds(300);
    std::optional<Alert> error;
    for (int i = 0; i < 8 && !error; ++i) {
        auto fd = net::connect_tcp("127.0.0.1", port, timeouts.connect);
        if (fd) queued.push_back(std::move(fd).value());
        else error = fd.error();
    }
    REQUIRE(error.has_value());
    CHECK(contains(error->reason, "connect to 127.0.0.1 port " + std::to_string(port) + " timed out after 300 ms"));
    auto client = TlsClient::connect("127.0.0.1", port, client_config(pki_files().pki, false), timeouts);
    REQUIRE_FALSE(client);
    CHECK(contains(client.error().reason, "timed out after 300 ms"));
}

TEST_CASE("a read that gets nothing times out with a clear error") {
    EchoServer server(server_config(pki_files().pki, ClientAuthMode::off));
    ClientTimeouts timeouts = test_timeouts();
    timeouts.read = milliseconds(200);
    auto client = TlsClient::connect("127.0.0.1", server.port(), client_config(pki_files().pki, false), timeouts);
    REQUIRE(client);
    auto data = (*client)->receive();  // nothing was sent, so nothing is echoed
    REQUIRE_FALSE(data);
    CHECK(contains(data.error().reason, "read timed out after 200 ms"));
}

TEST_CASE("the server drops a client that never finishes its handshake") {
    ServerOptions options;
    options.handshake_timeout = milliseconds(200);
    EchoServer server(server_config(pki_files().pki, ClientAuthMode::off), options);
    auto silent = net::connect_tcp("127.0.0.1", server.port(), step_timeout);
    REQUIRE(silent);
    const auto closed = server.closed(0);
    REQUIRE(closed.has_value());
    REQUIRE(closed->has_value());
    CHECK(contains((*closed)->reason, "handshake timed out after 200 ms"));
    // The socket was closed: the silent client sees end of stream.
    std::array<uint8_t, 16> buffer{};
    REQUIRE(net::wait_ready(silent->get(), POLLIN, step_timeout));
    const auto n = net::read_some(silent->get(), buffer);
    CHECK((!n || (n->has_value() && **n == 0)));
}

TEST_CASE("connecting to a closed port fails with the socket's reason") {
    const uint16_t port = free_loopback_port();
    auto client = TlsClient::connect("127.0.0.1", port, client_config(pki_files().pki, false), test_timeouts());
    REQUIRE_FALSE(client);
    CHECK(contains(client.error().reason, "Connection refused"));
}
