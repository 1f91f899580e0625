// PSK resumption interop on loopback (label: interop; RFC 8446 §2.2, §4.2.11, §4.6.1):
//   - our client takes tickets from `openssl s_server` and from `gnutls-serv`, then resumes;
//   - `openssl s_client -sess_out` takes our server's tickets and `-sess_in` resumes with one.
// Each case checks that resumption happened on BOTH sides: our SessionInfo::resumed, and the
// peer's own words ("Reused session-id" from s_server, "*** This is a resumed session" from
// gnutls-serv, "Reused, TLSv1.3" from s_client). A missing program fails the test.
#include <doctest/doctest.h>

#include "support/interop.h"
#include "tls13/tickets/ticket_keys.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

// Our client configuration collecting the tickets it receives.
ClientConfig collecting_client(std::vector<SessionTicket>& tickets) {
    ClientConfig config = client_config(pki_files().pki, true);
    config.on_session_ticket = [&tickets](SessionTicket t) { tickets.push_back(std::move(t)); };
    return config;
}

void echo_line(TlsClient& client, const std::string& line) {
    REQUIRE(client.send(view(line + "\n")));
    CHECK(receive_until(client, line).find(line) != std::string::npos);
}

// s_server with -groups `server_groups`; our client's first key share is x25519, so "P-256"
// forces a HelloRetryRequest in both handshakes (the binder is then over message_hash(CH1),
// the HelloRetryRequest and the truncated CH2, RFC 8446 §4.2.11.2).
void resume_with_s_server(const char* server_groups, bool hello_retry_request) {
    CAPTURE(server_groups);
    REQUIRE_MESSAGE(!find_program("openssl").empty(), "openssl is not installed");
    const PkiFiles& f = pki_files();
    const uint16_t port = free_loopback_port();
    PeerProcess server({"stdbuf", "-oL", "openssl", "s_server", "-tls1_3", "-accept",
                        "127.0.0.1:" + std::to_string(port), "-cert", f.server_cert, "-key", f.server_key, "-CAfile",
                        f.root_cert, "-Verify", "1", "-groups", server_groups, "-naccept", "2"});
    REQUIRE_MESSAGE(server.wait_for_output("ACCEPT", step_timeout), server.transcript());

    std::vector<SessionTicket> tickets;
    {
        auto client = connect_client("127.0.0.1", port, collecting_client(tickets), &server);
        CHECK(!client->session().resumed);
        CHECK(client->session().hello_retry_request == hello_retry_request);
        CHECK(client->session().own_signature_scheme.has_value());
        // s_server's line comes after its NewSessionTickets (OpenSSL sends 2 after the handshake).
        REQUIRE(server.write_stdin("first line\n"));
        CHECK(receive_until(*client, "first line").find("first line") != std::string::npos);
        CHECK(client->close());
    }
    REQUIRE(!tickets.empty());
    CHECK(tickets.front().server_identity.has_value());
    const size_t mark = server.output().size();

    ClientConfig config = collecting_client(tickets);
    config.resume = tickets.front();
    auto client = connect_client("127.0.0.1", port, std::move(config), &server);
    CHECK(client->session().resumed);
    CHECK(client->session().hello_retry_request == hello_retry_request);
    CHECK(!client->session().own_signature_scheme.has_value());  // no CertificateVerify from us
    REQUIRE(client->session().peer_identity.has_value());        // restored from the ticket
    CHECK(client->session().peer_identity->subject == tickets.front().server_identity->subject);
    REQUIRE(client->send(view(std::string("resumed line\n"))));
    CHECK_MESSAGE(server.wait_for_stdout_after(mark, "resumed line", step_timeout), server.transcript());
    CHECK_MESSAGE(server.output().find("Reused session-id", mark) != std::string::npos, server.transcript());
    CHECK(client->close());
    CHECK_MESSAGE(server.wait(step_timeout).has_value(), server.transcript());
}

}  // namespace

TEST_CASE("our client resumes with openssl s_server (tickets from s_server, \"Reused session-id\")") {
    resume_with_s_server("X25519", false);
}

TEST_CASE("our client resumes with openssl s_server after a HelloRetryRequest (binder recomputed)") {
    resume_with_s_server("P-256", true);
}

TEST_CASE("our client resumes with gnutls-serv (\"This is a resumed session\")") {
    REQUIRE_MESSAGE(!find_program("gnutls-serv").empty(), "gnutls-serv is not installed");
    const PkiFiles& f = pki_files();
    const uint16_t port = free_loopback_port();
    PeerProcess server({"stdbuf", "-oL", "gnutls-serv", "--echo", "--port", std::to_string(port), "--x509certfile",
                        f.server_cert, "--x509keyfile", f.server_key, "--x509cafile", f.root_cert,
                        "--require-client-cert", "--verify-client-cert"});
    REQUIRE_MESSAGE(server.wait_for_output("IPv4 0.0.0.0 port " + std::to_string(port) + "...done", step_timeout),
                    server.transcript());

    std::vector<SessionTicket> tickets;
    {
        auto client = connect_client("127.0.0.1", port, collecting_client(tickets), &server);
        CHECK(!client->session().resumed);
        echo_line(*client, "full handshake line");  // the echo follows gnutls-serv's ticket
        CHECK(client->close());
    }
    REQUIRE(!tickets.empty());
    const size_t mark = server.output().size();

    ClientConfig config = collecting_client(tickets);
    config.resume = tickets.back();
    auto client = connect_client("127.0.0.1", port, std::move(config), &server);
    CHECK(client->session().resumed);
    CHECK(!client->session().own_signature_scheme.has_value());
    echo_line(*client, "resumed line");
    CHECK_MESSAGE(server.wait_for_stdout_after(mark, "*** This is a resumed session", step_timeout),
                  server.transcript());
    CHECK(client->close());
}

TEST_CASE("openssl s_client -sess_out, then -sess_in resumes with our server (\"Reused, TLSv1.3\")") {
    // s_client's key share is for its first group; with "P-256:X25519" our server, taking only
    // x25519 then, answers with a HelloRetryRequest (a share it accepts would be used, RFC 8446
    // §4.2.8), so the resumed binder covers that exchange too.
    for (const char* client_groups : {"X25519:P-256", "P-256:X25519"}) {
        CAPTURE(client_groups);
        REQUIRE_MESSAGE(!find_program("openssl").empty(), "openssl is not installed");
        const PkiFiles& f = pki_files();
        ServerConfig config = server_config(f.pki, ClientAuthMode::required);
        if (std::string(client_groups) == "P-256:X25519") config.groups = {NamedGroup::x25519};
        config.ticket_keys = TicketKeys::generate(system_random(), system_clock().unix_seconds());
        EchoServer server(std::move(config));
        TempDir dir;
        const std::string session_file = dir.file("session.pem");

        const auto s_client = [&](const std::string& session_option) {
            auto client = std::make_unique<PeerProcess>(
                std::vector<std::string>{"stdbuf",       "-oL",
                                         "openssl",      "s_client",
                                         "-connect",     "127.0.0.1:" + std::to_string(server.port()),
                                         "-tls1_3",      "-CAfile",
                                         f.root_cert,    "-verify_return_error",
                                         "-verify_ip",   "127.0.0.1",
                                         "-cert",        f.client_cert,
                                         "-key",         f.client_key,
                                         "-groups",      client_groups,
                                         session_option, session_file});
            REQUIRE_MESSAGE(client->wait_for_output("Verify return code: 0 (ok)", step_timeout), client->transcript());
            return client;
        };

        {
            auto client = s_client("-sess_out");
            // The echo comes after our NewSessionTickets: s_client has stored one by then.
            REQUIRE(client->write_stdin("full\n"));
            CHECK_MESSAGE(client->wait_for_output("echo: full", step_timeout), client->transcript());
            CHECK_MESSAGE(client->output().find("New, TLSv1.3") != std::string::npos, client->transcript());
            client->close_stdin();
            CHECK_MESSAGE(client->wait(step_timeout).has_value(), client->transcript());
        }
        const auto full = server.session(0);
        REQUIRE(full);
        CHECK(!full->resumed);
        REQUIRE(full->peer_identity);
        REQUIRE(!read_text_file(session_file).empty());

        auto client = s_client("-sess_in");
        REQUIRE(client->write_stdin("resumed\n"));
        CHECK_MESSAGE(client->wait_for_output("echo: resumed", step_timeout), client->transcript());
        CHECK_MESSAGE(client->output().find("Reused, TLSv1.3") != std::string::npos, client->transcript());
        const auto resumed = server.session(1);
        REQUIRE(resumed);
        CHECK(resumed->resumed);
        // A PSK handshake has no CertificateRequest: the client identity comes from the ticket.
        REQUIRE(resumed->peer_identity);
        CHECK(resumed->peer_identity->subject == full->peer_identity->subject);
        CHECK(resumed->peer_identity->sha256_fingerprint == full->peer_identity->sha256_fingerprint);
        CHECK(resumed->peer_identity->subject.find("device-0001") != std::string::npos);
        CHECK(resumed->hello_retry_request == (std::string(client_groups) == "P-256:X25519"));
        client->close_stdin();
        CHECK_MESSAGE(client->wait(step_timeout).has_value(), client->transcript());
    }
}
