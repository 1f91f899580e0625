// Interop with GnuTLS on loopback (label: interop): our TlsClient against `gnutls-serv --echo`
// and our TlsServer against `gnutls-cli`, ports chosen free at run time. Each case proves data
// went both ways (an echo) and checks the suite and group. A missing gnutls-serv / gnutls-cli
// fails these tests.
#include <doctest/doctest.h>

#include "support/interop.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

struct SuiteCase {
    CipherSuite suite;
    const char* gnutls_cipher;  // priority-string keyword and what the "- Description:" line shows
};
const SuiteCase suites[] = {
    {CipherSuite::TLS_AES_128_GCM_SHA256, "AES-128-GCM"},
    {CipherSuite::TLS_AES_256_GCM_SHA384, "AES-256-GCM"},
    {CipherSuite::TLS_CHACHA20_POLY1305_SHA256, "CHACHA20-POLY1305"},
};

struct GroupCase {
    const char* gnutls_group;  // GROUP-<name> in a priority string, ECDHE-<name> in the description
    NamedGroup expected;
    bool hello_retry_request;  // our first key share is x25519
};
const GroupCase group_cases[] = {
    {"X25519", NamedGroup::x25519, false},
    {"SECP256R1", NamedGroup::secp256r1, true},
};

const std::string tls13_only = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

std::string priority(const char* cipher, const char* group) {
    return tls13_only + ":-CIPHER-ALL:+" + cipher + ":-GROUP-ALL:+GROUP-" + group;
}

void require_installed(const char* program) {
    REQUIRE_MESSAGE(!find_program(program).empty(), program << " is not installed");
}

// gnutls-serv echoing each record back, requiring and verifying a client certificate.
std::unique_ptr<PeerProcess> start_gnutls_serv(uint16_t port, const std::string& priority_string) {
    require_installed("gnutls-serv");
    const PkiFiles& f = pki_files();
    auto server = std::make_unique<PeerProcess>(std::vector<std::string>{
        "stdbuf", "-oL", "gnutls-serv", "--echo", "--port", std::to_string(port), "--x509certfile", f.server_cert,
        "--x509keyfile", f.server_key, "--x509cafile", f.root_cert, "--require-client-cert",
        "--verify-client-cert", "--priority", priority_string});
    // "...done" follows listen(); the line is written before bind.
    REQUIRE_MESSAGE(server->wait_for_output("IPv4 0.0.0.0 port " + std::to_string(port) + "...done", step_timeout),
                    server->transcript());
    return server;
}

}  // namespace

TEST_CASE("our client against gnutls-serv: each suite, each group, HelloRetryRequest, client certificate") {
    for (const SuiteCase& suite : suites) {
        for (const GroupCase& group : group_cases) {
            CAPTURE(suite.gnutls_cipher);
            CAPTURE(group.gnutls_group);
            const uint16_t port = free_loopback_port();
            auto server = start_gnutls_serv(port, priority(suite.gnutls_cipher, group.gnutls_group));

            auto connected = connect_client("127.0.0.1", port, client_config(pki_files().pki, true), server.get());
            TlsClient& client = *connected;
            CHECK(client.session().suite == suite.suite);
            CHECK(client.session().group == group.expected);
            CHECK(client.session().hello_retry_request == group.hello_retry_request);
            CHECK(client.session().own_signature_scheme.has_value());

            const std::string line = std::string("hello gnutls-serv ") + suite.gnutls_cipher + " " + group.gnutls_group;
            REQUIRE(client.send(view(line + "\n")));
            CHECK(receive_until(client, line).find(line) != std::string::npos);  // --echo sent it back
            const std::string description =
                std::string("(ECDHE-") + group.gnutls_group + ")-(ECDSA-SECP256R1-SHA256)-(" + suite.gnutls_cipher + ")";
            CHECK_MESSAGE(server->wait_for_output(description, step_timeout), server->transcript());
            CHECK(client.close());
        }
    }
}

namespace {

std::unique_ptr<PeerProcess> start_gnutls_cli(uint16_t port, bool with_certificate, const std::string& priority_string) {
    require_installed("gnutls-cli");
    const PkiFiles& f = pki_files();
    std::vector<std::string> argv = {"stdbuf", "-oL", "gnutls-cli", "--x509cafile", f.root_cert,
                                     "--priority", priority_string, "--port", std::to_string(port)};
    if (with_certificate) argv.insert(argv.end(), {"--x509certfile", f.client_cert, "--x509keyfile", f.client_key});
    argv.emplace_back("127.0.0.1");  // verified against the server certificate's iPAddress
    auto client = std::make_unique<PeerProcess>(std::move(argv));
    REQUIRE_MESSAGE(client->wait_for_output("- Handshake was completed", step_timeout), client->transcript());
    return client;
}

const char* gnutls_cipher_name(CipherSuite suite) {
    for (const SuiteCase& s : suites) {
        if (s.suite == suite) return s.gnutls_cipher;
    }
    return "?";
}

}  // namespace

TEST_CASE("gnutls-cli against our server: with and without a client certificate") {
    for (const bool with_certificate : {false, true}) {
        CAPTURE(with_certificate);
        EchoServer server(server_config(pki_files().pki,
                                        with_certificate ? ClientAuthMode::required : ClientAuthMode::optional));
        auto client = start_gnutls_cli(server.port(), with_certificate, tls13_only);
        const auto session = server.session(0);
        REQUIRE_MESSAGE(session.has_value(), client->transcript());
        CHECK(session->peer_identity.has_value() == with_certificate);
        if (with_certificate && session->peer_identity) {
            CHECK(session->peer_identity->subject == "CN=device-0001, O=tpmtls tests");
        }
        const std::string group = session->group == NamedGroup::x25519 ? "X25519" : "SECP256R1";
        const std::string description =
            "(ECDHE-" + group + ")-(ECDSA-SECP256R1-SHA256)-(" + gnutls_cipher_name(session->suite) + ")";
        CHECK_MESSAGE(client->output().find(description) != std::string::npos, client->transcript());

        REQUIRE(client->write_stdin("hello from gnutls-cli\n"));
        CHECK_MESSAGE(client->wait_for_output("echo: hello from gnutls-cli", step_timeout), client->transcript());
        client->close_stdin();  // gnutls-cli says bye (close_notify) and exits
        CHECK_MESSAGE(client->wait(step_timeout).has_value(), client->transcript());
        const auto closed = server.closed(0);
        REQUIRE(closed.has_value());
        CHECK_MESSAGE(!closed->has_value(), (closed->has_value() ? (*closed)->to_string() : ""));
    }
}

TEST_CASE("gnutls-cli against our server: each suite and group") {
    for (const SuiteCase& suite : suites) {
        for (const char* group : {"X25519", "SECP256R1"}) {
            CAPTURE(suite.gnutls_cipher);
            CAPTURE(group);
            EchoServer server(server_config(pki_files().pki, ClientAuthMode::off));
            auto client = start_gnutls_cli(server.port(), false, priority(suite.gnutls_cipher, group));
            const auto session = server.session(0);
            REQUIRE_MESSAGE(session.has_value(), client->transcript());
            CHECK(session->suite == suite.suite);
            CHECK(session->group == (std::string(group) == "X25519" ? NamedGroup::x25519 : NamedGroup::secp256r1));
            const std::string line = std::string("gnutls-cli ") + suite.gnutls_cipher + " " + group;
            REQUIRE(client->write_stdin(line + "\n"));
            CHECK_MESSAGE(client->wait_for_output("echo: " + line, step_timeout), client->transcript());
        }
    }
}
