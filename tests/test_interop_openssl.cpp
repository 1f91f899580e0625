// Interop with OpenSSL 3 on loopback (label: interop): our TlsClient against `openssl s_server`
// and our TlsServer against `openssl s_client`, ports chosen free at run time. Each case proves
// data went both ways and checks the suite and group both sides agreed on. A missing openssl
// fails these tests (PeerProcess REQUIREs the program).
//
// s_server without -www forwards what the client sends to its stdout and sends its stdin lines to
// the client; a line "k" / "K" makes it send a KeyUpdate (update_not_requested / _requested).
// s_client does the same for its side. stdbuf -oL makes their stdio line-buffered on the pipe.
#include <doctest/doctest.h>

#include "support/interop.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

struct SuiteCase {
    CipherSuite suite;
    const char* openssl_name;
};
const SuiteCase suites[] = {
    {CipherSuite::TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256"},
    {CipherSuite::TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384"},
    {CipherSuite::TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256"},
};

struct GroupCase {
    const char* server_groups;             // s_server -groups
    std::vector<NamedGroup> client_groups; // ours, first one gets the key share
    NamedGroup expected;
    bool hello_retry_request;
};
const GroupCase group_cases[] = {
    {"X25519", {NamedGroup::x25519, NamedGroup::secp256r1}, NamedGroup::x25519, false},
    {"P-256", {NamedGroup::secp256r1, NamedGroup::x25519}, NamedGroup::secp256r1, false},
    // Our first share is x25519; the server only takes P-256: HelloRetryRequest (RFC 8446 §4.1.4).
    {"P-256", {NamedGroup::x25519, NamedGroup::secp256r1}, NamedGroup::secp256r1, true},
};

// `openssl s_server` requiring a client certificate from our test CA (-Verify 1).
std::unique_ptr<PeerProcess> start_s_server(uint16_t port, const char* suite, const char* groups) {
    REQUIRE_MESSAGE(!find_program("openssl").empty(), "openssl is not installed");
    const PkiFiles& f = pki_files();
    auto server = std::make_unique<PeerProcess>(std::vector<std::string>{
        "stdbuf", "-oL", "openssl", "s_server", "-tls1_3", "-accept", "127.0.0.1:" + std::to_string(port),
        "-cert", f.server_cert, "-key", f.server_key, "-CAfile", f.root_cert, "-Verify", "1",
        "-ciphersuites", suite, "-groups", groups, "-naccept", "1"});
    REQUIRE_MESSAGE(server->wait_for_output("ACCEPT", step_timeout), server->transcript());
    return server;
}

// Our line reaches s_server's stdout; s_server's stdin line reaches us.
void exchange_lines(TlsClient& client, PeerProcess& server, const std::string& ours, const std::string& theirs) {
    REQUIRE(client.send(view(ours + "\n")));
    CHECK_MESSAGE(server.wait_for_output(ours, step_timeout), server.transcript());
    REQUIRE(server.write_stdin(theirs + "\n"));
    CHECK(receive_until(client, theirs).find(theirs) != std::string::npos);
}

}  // namespace

TEST_CASE("our client against openssl s_server: each suite, each group, HelloRetryRequest, client certificate") {
    for (const SuiteCase& suite : suites) {
        for (const GroupCase& groups : group_cases) {
            CAPTURE(suite.openssl_name);
            CAPTURE(groups.server_groups);
            CAPTURE(groups.hello_retry_request);
            const uint16_t port = free_loopback_port();
            auto server = start_s_server(port, suite.openssl_name, groups.server_groups);

            ClientConfig config = client_config(pki_files().pki, true);
            config.groups = groups.client_groups;
            auto client = connect_client("127.0.0.1", port, std::move(config), server.get());

            CHECK(client->session().suite == suite.suite);
            CHECK(client->session().group == groups.expected);
            CHECK(client->session().hello_retry_request == groups.hello_retry_request);
            CHECK(client->session().own_signature_scheme.has_value());  // we signed with the client key
            exchange_lines(*client, *server, "hello from tpmtls", "hello from openssl");
            // s_server's view: the suite, and the client certificate it verified.
            CHECK_MESSAGE(server->wait_for_output(std::string("CIPHER is ") + suite.openssl_name, step_timeout),
                          server->transcript());
            CHECK_MESSAGE(server->output().find("device-0001") != std::string::npos, server->transcript());
            CHECK(client->close());
            CHECK_MESSAGE(server->wait(step_timeout).has_value(), server->transcript());  // -naccept 1: it exits
        }
    }
}

TEST_CASE("our client against openssl s_server: KeyUpdate from the server, requested and not") {
    const uint16_t port = free_loopback_port();
    auto server = start_s_server(port, "TLS_AES_128_GCM_SHA256", "X25519");
    auto client = connect_client("127.0.0.1", port, client_config(pki_files().pki, true), server.get());
    CHECK(client->session().suite == CipherSuite::TLS_AES_128_GCM_SHA256);
    CHECK(client->session().group == NamedGroup::x25519);
    exchange_lines(*client, *server, "before any update", "server before update");

    for (const char* command : {"k", "K"}) {
        CAPTURE(command);
        const size_t mark = server->output().size();
        REQUIRE(server->write_stdin(std::string(command) + "\n"));
        // s_server reports SSL_do_handshake after it has written its KeyUpdate.
        REQUIRE_MESSAGE(server->wait_for_stdout_after(mark, "SSL_do_handshake -> 1", step_timeout),
                        server->transcript());
        // Its next data is protected under its new keys: we must have followed the update
        // (and, for "K", answered with our own, under which s_server then reads our line).
        const std::string ours = std::string("client after ") + command;
        const std::string theirs = std::string("server after ") + command;
        exchange_lines(*client, *server, ours, theirs);
    }
    CHECK(client->close());
}

TEST_CASE("our client against openssl s_server: KeyUpdate from us, asking the server to update too") {
    const uint16_t port = free_loopback_port();
    auto server = start_s_server(port, "TLS_CHACHA20_POLY1305_SHA256", "P-256");
    auto client = connect_client("127.0.0.1", port, client_config(pki_files().pki, true), server.get());
    CHECK(client->session().suite == CipherSuite::TLS_CHACHA20_POLY1305_SHA256);
    CHECK(client->session().group == NamedGroup::secp256r1);
    CHECK(client->session().hello_retry_request);
    exchange_lines(*client, *server, "before our update", "server before our update");
    REQUIRE(client->key_update(true));
    exchange_lines(*client, *server, "after our update", "server after our update");
    CHECK(client->close());
}

namespace {

// `openssl s_client` against our server, verifying it against our root and IP address.
std::unique_ptr<PeerProcess> start_s_client(uint16_t port, bool with_certificate, const std::string& keylog,
                                            std::vector<std::string> extra = {}) {
    REQUIRE_MESSAGE(!find_program("openssl").empty(), "openssl is not installed");
    const PkiFiles& f = pki_files();
    std::vector<std::string> argv = {"stdbuf", "-oL", "openssl", "s_client", "-connect",
                                     "127.0.0.1:" + std::to_string(port), "-tls1_3", "-CAfile", f.root_cert,
                                     "-verify_return_error", "-verify_ip", "127.0.0.1", "-keylogfile", keylog};
    if (with_certificate) argv.insert(argv.end(), {"-cert", f.client_cert, "-key", f.client_key});
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto client = std::make_unique<PeerProcess>(std::move(argv));
    REQUIRE_MESSAGE(client->wait_for_output("Verify return code: 0 (ok)", step_timeout), client->transcript());
    return client;
}

// s_client's line comes back from our echo server; "echo: " shows it went through our server.
void echo_through(PeerProcess& client, const std::string& line) {
    REQUIRE(client.write_stdin(line + "\n"));
    CHECK_MESSAGE(client.wait_for_output("echo: " + line, step_timeout), client.transcript());
}

// The five secrets of a TLS 1.3 handshake in NSS key log format.
void check_keylog(const std::string& path) {
    const std::string log = read_text_file(path);
    for (const char* label : {"CLIENT_HANDSHAKE_TRAFFIC_SECRET ", "SERVER_HANDSHAKE_TRAFFIC_SECRET ",
                              "CLIENT_TRAFFIC_SECRET_0 ", "SERVER_TRAFFIC_SECRET_0 ", "EXPORTER_SECRET "}) {
        CAPTURE(label);
        CHECK(log.find(label) != std::string::npos);
    }
}

std::string openssl_temp_key(NamedGroup group) {
    return group == NamedGroup::x25519 ? "Server Temp Key: X25519" : "Server Temp Key: ECDH, prime256v1";
}

}  // namespace

TEST_CASE("openssl s_client against our server: with and without a client certificate, key log") {
    for (const bool with_certificate : {false, true}) {
        CAPTURE(with_certificate);
        EchoServer server(server_config(pki_files().pki,
                                        with_certificate ? ClientAuthMode::required : ClientAuthMode::optional));
        TempDir scratch;
        const std::string keylog = scratch.file("keylog.txt");
        auto client = start_s_client(server.port(), with_certificate, keylog);

        const auto session = server.session(0);
        REQUIRE_MESSAGE(session.has_value(), client->transcript());
        CHECK_MESSAGE(client->output().find("New, TLSv1.3, Cipher is " + to_string(session->suite)) != std::string::npos,
                      client->transcript());
        CHECK_MESSAGE(client->output().find(openssl_temp_key(session->group)) != std::string::npos, client->transcript());
        CHECK(session->peer_identity.has_value() == with_certificate);
        if (with_certificate && session->peer_identity) {
            CHECK(session->peer_identity->subject == "CN=device-0001, O=tpmtls tests");
        }
        echo_through(*client, "hello from s_client");
        check_keylog(keylog);

        // s_client "K": its KeyUpdate asks for ours (RFC 8446 §4.6.3); the echo must still flow.
        REQUIRE(client->write_stdin("K\n"));
        CHECK_MESSAGE(client->wait_for_output("KEYUPDATE", step_timeout), client->transcript());
        echo_through(*client, "after the key update");
        client->close_stdin();  // s_client sends close_notify and exits
        CHECK_MESSAGE(client->wait(step_timeout).has_value(), client->transcript());
    }
}

TEST_CASE("openssl s_client against our server: each suite; HelloRetryRequest when we want P-256") {
    for (const SuiteCase& suite : suites) {
        CAPTURE(suite.openssl_name);
        ServerConfig config = server_config(pki_files().pki, ClientAuthMode::off);
        config.groups = {NamedGroup::secp256r1};  // s_client's first key share is X25519
        EchoServer server(std::move(config));
        TempDir scratch;
        auto client = start_s_client(server.port(), false, scratch.file("keylog.txt"),
                                     {"-ciphersuites", suite.openssl_name});
        const auto session = server.session(0);
        REQUIRE_MESSAGE(session.has_value(), client->transcript());
        CHECK(session->suite == suite.suite);
        CHECK(session->group == NamedGroup::secp256r1);
        CHECK(session->hello_retry_request);
        CHECK_MESSAGE(client->output().find(openssl_temp_key(NamedGroup::secp256r1)) != std::string::npos,
                      client->transcript());
        echo_through(*client, "suite " + std::string(suite.openssl_name));
    }
}

TEST_CASE("our client against openssl s_server: failures carry the alert's name") {
    SUBCASE("s_server requires a certificate we do not have: it sends certificate_required") {
        const uint16_t port = free_loopback_port();
        auto server = start_s_server(port, "TLS_AES_128_GCM_SHA256", "X25519");
        // Our side is connected once its Finished is sent (RFC 8446 §4.4.4); the server's verdict
        // on our empty Certificate arrives as an alert on the next read.
        auto client = connect_client("127.0.0.1", port, client_config(pki_files().pki, false), server.get());
        auto data = client->receive();
        REQUIRE_FALSE(data);
        CAPTURE(data.error().to_string());
        CHECK(data.error().description == AlertDescription::certificate_required);
        CHECK(data.error().to_string().find("certificate_required") != std::string::npos);
        CHECK(data.error().reason == "the peer sent a fatal alert during the connection");
    }
    SUBCASE("the server's certificate does not name the host we asked for: we send the alert") {
        const uint16_t port = free_loopback_port();
        auto server = start_s_server(port, "TLS_AES_128_GCM_SHA256", "X25519");
        ClientConfig config = client_config(pki_files().pki, true);
        config.server_name = "not-localhost.example";
        auto client = TlsClient::connect("127.0.0.1", port, std::move(config), test_timeouts());
        REQUIRE_FALSE(client);
        CAPTURE(client.error().to_string());
        CHECK(client.error().to_string().find(alert_name(client.error().description)) == 0);
        CHECK(client.error().reason.find("the handshake failed") != std::string::npos);
        // s_server saw our alert and gave up on the connection (-naccept 1: it exits).
        CHECK_MESSAGE(server->wait(step_timeout).has_value(), server->transcript());
    }
}

TEST_CASE("openssl s_client without the certificate our server requires gets certificate_required") {
    EchoServer server(server_config(pki_files().pki, ClientAuthMode::required));
    TempDir scratch;
    // s_client finishes its side of the handshake (RFC 8446 §4.4.4) before our verdict arrives.
    auto client = start_s_client(server.port(), false, scratch.file("keylog.txt"));
    const auto closed = server.closed(0);
    REQUIRE(closed.has_value());
    REQUIRE(closed->has_value());
    CHECK((*closed)->description == AlertDescription::certificate_required);  // RFC 8446 §4.4.2.4
    CHECK_MESSAGE(client->wait_for_output("certificate required", step_timeout), client->transcript());
    CHECK(server.connected_count() == 0);
}
