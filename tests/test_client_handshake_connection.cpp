// Our client against our server through two Connections over an in-memory pipe: every
// negotiation path the client state machine has, and the alerts that cross the wire.
#include "test_client_handshake_fixture.h"

#include "tls13/connection.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

ServerConfig server_config() {
    ServerConfig config;
    config.credentials.chain = {pki().server.der};
    config.credentials.signer = std::shared_ptr<Signer>(must(SoftwareSigner::from_key(view(pki().server.key.private_pem))));
    config.client_trust_anchors =
        std::make_shared<const TrustStore>(must(TrustStore::from_pem_or_der(view(pki().root.pem))));
    return config;
}

struct Pair {
    Pair(ClientConfig client_config, ServerConfig server_config)
        : clock(system_clock().unix_seconds()),
          client(Connection::client(std::move(client_config), client_random, clock)),
          server(Connection::server(std::move(server_config), server_random, clock)) {}

    // Moves bytes both ways until neither side has anything to say; true if both connected.
    bool run() {
        must(client->start());
        pump();
        return client->is_connected() && server->is_connected();
    }
    // "client: <alert> / server: <alert>", for failure messages.
    std::string errors() const {
        return "client: " + (client->error() ? client->error()->to_string() : std::string("-")) +
               " / server: " + (server->error() ? server->error()->to_string() : std::string("-"));
    }
    void pump() {
        for (int round = 0; round < 20 && (client->has_output() || server->has_output()); ++round) {
            if (client->has_output()) (void)server->receive(view(client->take_output()));
            if (server->has_output()) (void)client->receive(view(server->take_output()));
        }
    }

    SystemRandom client_random, server_random;
    FixedClock clock;
    std::unique_ptr<Connection> client;
    std::unique_ptr<Connection> server;
};

void check_application_data(Pair& pair) {
    const std::string ping = "ping", pong = "pong";
    must(pair.client->send(view(ping)));
    pair.pump();
    CHECK(pair.server->take_application_data() == to_bytes(view(ping)));
    must(pair.server->send(view(pong)));
    pair.pump();
    CHECK(pair.client->take_application_data() == to_bytes(view(pong)));
}

}  // namespace

TEST_CASE("client and server connect, agree on the session and exchange data") {
    for (const bool compatibility : {true, false}) {
        CAPTURE(compatibility);
        ClientConfig config = client_config(pki());
        config.compatibility_mode = compatibility;
        Pair pair(std::move(config), server_config());
        REQUIRE_MESSAGE(pair.run(), pair.errors());
        const SessionInfo& c = pair.client->session();
        const SessionInfo& s = pair.server->session();
        CHECK(c.suite == s.suite);
        CHECK(c.group == s.group);
        CHECK_FALSE(c.hello_retry_request);
        CHECK(s.server_name == "localhost");
        CHECK(c.peer_signature_scheme.has_value());
        CHECK(c.peer_identity.has_value());
        CHECK_FALSE(s.peer_identity.has_value());
        CHECK(must(pair.client->export_keying_material("EXPORTER-x", {}, 32)) ==
              must(pair.server->export_keying_material("EXPORTER-x", {}, 32)));
        check_application_data(pair);
    }
}

TEST_CASE("a group the client sent no share for costs a HelloRetryRequest, and the handshake completes") {
    ServerConfig server = server_config();
    server.groups = {NamedGroup::secp256r1};  // the client's one share is x25519
    Pair pair(client_config(pki()), std::move(server));
    REQUIRE_MESSAGE(pair.run(), pair.errors());
    CHECK(pair.client->session().hello_retry_request);
    CHECK(pair.client->session().group == NamedGroup::secp256r1);
    check_application_data(pair);
}

TEST_CASE("each cipher suite, chosen by the server's preference") {
    for (CipherSuite suite : default_cipher_suites()) {
        CAPTURE(to_string(suite));
        ServerConfig server = server_config();
        server.cipher_suites = {suite};
        Pair pair(client_config(pki()), std::move(server));
        REQUIRE_MESSAGE(pair.run(), pair.errors());
        CHECK(pair.client->session().suite == suite);
        check_application_data(pair);
    }
}

TEST_CASE("ALPN and mutual TLS") {
    ClientConfig client = client_config(pki());
    client.alpn = {"h2", "http/1.1"};
    client.credentials = client_credentials();
    ServerConfig server = server_config();
    server.alpn = {"http/1.1"};
    server.client_auth = ClientAuthMode::required;
    Pair pair(std::move(client), std::move(server));
    REQUIRE_MESSAGE(pair.run(), pair.errors());
    CHECK(pair.client->session().alpn == "http/1.1");
    CHECK(pair.server->session().alpn == "http/1.1");
    CHECK(pair.client->session().own_signature_scheme.has_value());
    REQUIRE(pair.server->session().peer_identity.has_value());
    CHECK(pair.server->session().peer_identity->subject == describe_certificate(view(pki().client.der))->subject);
    check_application_data(pair);
}

TEST_CASE("client without a certificate: optional continues, required is certificate_required") {
    for (const ClientAuthMode mode : {ClientAuthMode::optional, ClientAuthMode::required}) {
        ServerConfig server = server_config();
        server.client_auth = mode;
        Pair pair(client_config(pki()), std::move(server));
        const bool connected = pair.run();
        if (mode == ClientAuthMode::optional) {
            CHECK(connected);
            CHECK_FALSE(pair.server->session().peer_identity.has_value());
        } else {
            CHECK_FALSE(connected);
            REQUIRE(pair.server->error().has_value());
            CHECK(pair.server->error()->description == AlertDescription::certificate_required);
        }
    }
}

TEST_CASE("KeyUpdate both ways keeps data flowing") {
    Pair pair(client_config(pki()), server_config());
    REQUIRE_MESSAGE(pair.run(), pair.errors());
    must(pair.client->key_update(true));
    pair.pump();
    check_application_data(pair);
    must(pair.server->key_update(false));
    pair.pump();
    check_application_data(pair);
}

TEST_CASE("failures cross the wire as one alert") {
    SUBCASE("host name mismatch: the client sends bad_certificate") {
        ClientConfig client = client_config(pki());
        client.server_name = "elsewhere.example";
        Pair pair(std::move(client), server_config());
        CHECK_FALSE(pair.run());
        REQUIRE(pair.client->error().has_value());
        CHECK(pair.client->error()->description == AlertDescription::bad_certificate);
        REQUIRE(pair.server->error().has_value());
        CHECK(pair.server->error()->description == AlertDescription::bad_certificate);
        CHECK(pair.server->alert_was_received());
    }
    SUBCASE("no cipher suite in common: the server sends handshake_failure") {
        ClientConfig client = client_config(pki());
        client.cipher_suites = {CipherSuite::TLS_AES_128_GCM_SHA256};
        ServerConfig server = server_config();
        server.cipher_suites = {CipherSuite::TLS_CHACHA20_POLY1305_SHA256};
        Pair pair(std::move(client), std::move(server));
        CHECK_FALSE(pair.run());
        REQUIRE(pair.client->error().has_value());
        CHECK(pair.client->error()->description == AlertDescription::handshake_failure);
        CHECK(pair.client->alert_was_received());
    }
}

TEST_CASE("a corrupted encrypted server flight is bad_record_mac at the client") {
    Pair pair(client_config(pki()), server_config());
    must(pair.client->start());
    must(pair.server->receive(view(pair.client->take_output())));
    Bytes flight = pair.server->take_output();
    flight.back() ^= 0x01;  // the last record's AEAD tag
    const Status received = pair.client->receive(view(flight));
    CHECK(alert_of(received) == AlertDescription::bad_record_mac);
    CHECK(pair.client->state() == Connection::State::failed);
    // The alert goes out under the client's handshake key, which the server reads.
    CHECK(alert_of(pair.server->receive(view(pair.client->take_output()))) == AlertDescription::bad_record_mac);
    CHECK(pair.server->alert_was_received());
    CHECK_FALSE(pair.server->is_connected());
}
