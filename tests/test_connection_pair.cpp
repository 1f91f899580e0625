// Whole handshakes between our client and our server over an in-memory pipe: every suite ×
// group × (HelloRetryRequest or not) × client authentication mode, then application data both
// ways, KeyUpdate both ways, the exporter and close_notify.
#include <doctest/doctest.h>

#include <functional>

#include "support/connection_pair.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

void exchange(ConnectionPair& pair, const std::string& from_client, const std::string& from_server) {
    REQUIRE(pair.client->send(view(from_client)));
    REQUIRE(pair.server->send(view(from_server)));
    REQUIRE(pair.pump());
    const Bytes at_server = pair.server->take_application_data();
    const Bytes at_client = pair.client->take_application_data();
    CHECK(std::string(at_server.begin(), at_server.end()) == from_client);
    CHECK(std::string(at_client.begin(), at_client.end()) == from_server);
}

std::string describe(const Connection& c) {
    return c.error() ? c.error()->to_string() + " in " + c.handshake_state() : std::string("ok");
}

}  // namespace

TEST_CASE("every suite, group, HelloRetryRequest and client-auth mode completes and carries data") {
    struct AuthCase {
        ClientAuthMode mode;
        bool client_has_certificate;
        const char* name;
    };
    const AuthCase auth_cases[] = {
        {ClientAuthMode::off, true, "off"},
        {ClientAuthMode::optional, true, "optional, certificate sent"},
        {ClientAuthMode::optional, false, "optional, no certificate"},
        {ClientAuthMode::required, true, "required"},
    };
    const CipherSuite suites[] = {CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384,
                                  CipherSuite::TLS_CHACHA20_POLY1305_SHA256};
    const NamedGroup groups[] = {NamedGroup::x25519, NamedGroup::secp256r1};
    for (CipherSuite suite : suites)
        for (NamedGroup group : groups)
            for (bool hrr : {false, true})
                for (const AuthCase& auth : auth_cases) {
                    CAPTURE(to_string(suite));
                    CAPTURE(to_string(group));
                    CAPTURE(hrr);
                    CAPTURE(auth.name);
                    ClientConfig client = client_config_for(shared_test_pki(), auth.client_has_certificate);
                    ServerConfig server = server_config_for(shared_test_pki(), auth.mode);
                    server.cipher_suites = {suite};
                    // The client's first key share is for its first group; the server asks for
                    // `group`. When they differ the server must send a HelloRetryRequest.
                    const NamedGroup other = group == NamedGroup::x25519 ? NamedGroup::secp256r1 : NamedGroup::x25519;
                    client.groups = hrr ? std::vector<NamedGroup>{other, group} : std::vector<NamedGroup>{group, other};
                    server.groups = {group};

                    ConnectionPair pair = make_pair(std::move(client), std::move(server));
                    REQUIRE_MESSAGE(pair.handshake(), "client: ", describe(*pair.client),
                                    "; server: ", describe(*pair.server));
                    REQUIRE(pair.client->is_connected());
                    REQUIRE(pair.server->is_connected());
                    for (const Connection* c : {pair.client.get(), pair.server.get()}) {
                        CHECK(c->session().suite == suite);
                        CHECK(c->session().group == group);
                        CHECK(c->session().hello_retry_request == hrr);
                    }
                    CHECK(pair.client->session().peer_identity->subject == "CN=localhost, O=tpmtls tests");
                    const bool client_authenticated = auth.mode != ClientAuthMode::off && auth.client_has_certificate;
                    REQUIRE(pair.server->session().peer_identity.has_value() == client_authenticated);
                    if (client_authenticated)
                        CHECK(pair.server->session().peer_identity->subject == "CN=device-0001, O=tpmtls tests");

                    exchange(pair, "GET_SECRET", "THIS_IS_THE_SECRET");
                    auto client_export = pair.client->export_keying_material("EXPERIMENTAL tpmtls", {}, 32);
                    auto server_export = pair.server->export_keying_material("EXPERIMENTAL tpmtls", {}, 32);
                    REQUIRE(client_export);
                    REQUIRE(server_export);
                    CHECK(*client_export == *server_export);
                }
}

TEST_CASE("KeyUpdate both ways, a large message across records, and close_notify") {
    ConnectionPair pair = make_pair(client_config_for(shared_test_pki(), true), server_config_for(shared_test_pki(), ClientAuthMode::required));
    REQUIRE(pair.handshake());
    REQUIRE(pair.client->key_update(true));  // the server answers with its own KeyUpdate
    REQUIRE(pair.pump());
    exchange(pair, "after client update", "after server update");
    REQUIRE(pair.server->key_update(false));
    exchange(pair, "again", "and again");

    const std::string big(100000, 'x');  // 7 records of at most 2^14 bytes
    exchange(pair, big, "ok");

    REQUIRE(pair.client->close());
    REQUIRE(pair.pump());
    CHECK(pair.server->peer_closed());
    REQUIRE(pair.server->close());
    REQUIRE(pair.pump());
    CHECK(pair.client->peer_closed());
    CHECK(pair.client->state() == Connection::State::closed);
    CHECK(pair.server->state() == Connection::State::closed);
    CHECK_FALSE(pair.client->send(view(std::string("too late"))));
}

TEST_CASE("a KeyUpdate is sent on our own once the record-count threshold is reached") {
    ConnectionPair pair = make_pair(client_config_for(shared_test_pki(), false), server_config_for(shared_test_pki(), ClientAuthMode::off));
    REQUIRE(pair.handshake());
    pair.client->set_key_update_threshold(3);
    size_t records = 0;
    for (int i = 0; i < 10; ++i) {
        REQUIRE(pair.client->send(view("record " + std::to_string(i))));
        // Count the client's records on the wire: a KeyUpdate travels in a record of its own.
        const Bytes out = pair.client->take_output();
        for (size_t at = 0; at + 5 <= out.size(); at += 5 + (size_t{out[at + 3]} << 8 | out[at + 4])) ++records;
        REQUIRE(pair.server->receive(view(out)));
        const Bytes got = pair.server->take_application_data();
        CHECK(std::string(got.begin(), got.end()) == "record " + std::to_string(i));
    }
    // Ten application records plus the automatic KeyUpdates (one each time the write key has
    // protected 3 records), and the server followed every key change.
    CHECK(records > 10);
    exchange(pair, "after the updates", "reply");
}

TEST_CASE("handshake failures: the failing side sends one alert and the other side reports it") {
    struct Case {
        const char* what;
        std::function<void(ClientConfig&, ServerConfig&)> setup;
        bool client_fails;  // which side detects the problem
        AlertDescription alert;
    };
    CertificateSpec other_root_spec;
    other_root_spec.subject = "CN=another root";
    other_root_spec.is_ca = true;
    static const IssuedCertificate other_root = issue_certificate(other_root_spec, nullptr);

    const Case cases[] = {
        {"client does not trust the server's CA",
         [](ClientConfig& c, ServerConfig&) {
             c.trust_anchors = std::make_shared<const TrustStore>(std::move(TrustStore::from_pem_or_der(view(other_root.pem))).value());
         },
         true, AlertDescription::unknown_ca},
        {"server name does not match", [](ClientConfig& c, ServerConfig&) { c.server_name = "example.com"; }, true,
         AlertDescription::bad_certificate},
        {"no common cipher suite",
         [](ClientConfig& c, ServerConfig& s) {
             c.cipher_suites = {CipherSuite::TLS_AES_128_GCM_SHA256};
             s.cipher_suites = {CipherSuite::TLS_CHACHA20_POLY1305_SHA256};
         },
         false, AlertDescription::handshake_failure},
        {"no common group",
         [](ClientConfig& c, ServerConfig& s) {
             c.groups = {NamedGroup::x25519};
             s.groups = {NamedGroup::secp256r1};
         },
         false, AlertDescription::handshake_failure},
        {"client certificate required but none sent", [](ClientConfig& c, ServerConfig&) { c.credentials = {}; },
         false, AlertDescription::certificate_required},
        {"client certificate from an untrusted CA",
         [](ClientConfig&, ServerConfig& s) {
             s.client_trust_anchors =
                 std::make_shared<const TrustStore>(std::move(TrustStore::from_pem_or_der(view(other_root.pem))).value());
         },
         false, AlertDescription::unknown_ca},
        {"ALPN with nothing in common",
         [](ClientConfig& c, ServerConfig& s) {
             c.alpn = {"h2"};
             s.alpn = {"tpmtls/1"};
         },
         false, AlertDescription::no_application_protocol},
    };
    for (const Case& c : cases) {
        CAPTURE(std::string(c.what));
        ClientConfig client = client_config_for(shared_test_pki(), true);
        ServerConfig server = server_config_for(shared_test_pki(), ClientAuthMode::required);
        c.setup(client, server);
        ConnectionPair pair = make_pair(std::move(client), std::move(server));
        CHECK_FALSE(pair.handshake());
        Connection& detector = c.client_fails ? *pair.client : *pair.server;
        Connection& other = c.client_fails ? *pair.server : *pair.client;
        REQUIRE(detector.error().has_value());
        CHECK(alert_name(detector.error()->description) == alert_name(c.alert));
        CHECK_FALSE(detector.alert_was_received());
        // The peer received exactly that alert.
        REQUIRE(other.error().has_value());
        CHECK(other.alert_was_received());
        CHECK(alert_name(other.error()->description) == alert_name(c.alert));
        CHECK(detector.state() == Connection::State::failed);
        CHECK(other.state() == Connection::State::failed);
    }
}

TEST_CASE("garbage and truncated records mid-handshake") {
    struct Case {
        const char* what;
        Bytes bytes;
        AlertDescription alert;
    };
    const Case cases[] = {
        {"unknown content type", {0x63, 0x03, 0x03, 0x00, 0x01, 0x00}, AlertDescription::unexpected_message},
        {"application data before keys", {0x17, 0x03, 0x03, 0x00, 0x01, 0x00}, AlertDescription::unexpected_message},
        {"oversized record", {0x16, 0x03, 0x03, 0x48, 0x01}, AlertDescription::record_overflow},
        {"garbage handshake message", {0x16, 0x03, 0x03, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00},
         AlertDescription::decode_error},
    };
    for (const Case& c : cases) {
        CAPTURE(std::string(c.what));
        ConnectionPair pair =
            make_pair(client_config_for(shared_test_pki(), false), server_config_for(shared_test_pki(), ClientAuthMode::off));
        REQUIRE(pair.client->start());
        (void)pair.client->take_output();  // the ClientHello is lost; the "server" sends garbage
        auto result = pair.client->receive(view(c.bytes));
        REQUIRE_FALSE(result);
        CHECK(alert_name(result.error().description) == alert_name(c.alert));
        // Exactly one alert record goes out, and the connection refuses further input.
        const Bytes out = pair.client->take_output();
        REQUIRE(out.size() == 7);
        CHECK(out[0] == 0x15);
        CHECK(out[6] == static_cast<uint8_t>(c.alert));
        CHECK_FALSE(pair.client->receive(view(c.bytes)));
        CHECK_FALSE(pair.client->has_output());
    }
    // A record cut short simply waits for more bytes: no alert, no progress.
    ConnectionPair pair = make_pair(client_config_for(shared_test_pki(), false), server_config_for(shared_test_pki(), ClientAuthMode::off));
    REQUIRE(pair.client->start());
    const Bytes hello = pair.client->take_output();
    REQUIRE(pair.server->receive(ByteView(hello).first(hello.size() - 1)));
    CHECK_FALSE(pair.server->has_output());
    REQUIRE(pair.server->receive(ByteView(hello).last(1)));
    CHECK(pair.server->has_output());
}

// RFC 8446 §6: a peer that rejects what it got before it has keys (OpenSSL and Python clients
// rejecting our certificate) sends its alert as TLSPlaintext. Until a protected record of the
// peer's was decrypted, such a two-byte alert is the peer's alert; anything else unprotected
// stays unexpected_message.
namespace {

// A pair whose server has answered the ClientHello: its read key is on, its flight in `flight`.
struct AfterClientHello {
    ConnectionPair pair = make_pair(client_config_for(shared_test_pki(), false),
                                    server_config_for(shared_test_pki(), ClientAuthMode::off));
    Bytes flight;
    AfterClientHello() {
        REQUIRE(pair.client->start());
        REQUIRE(pair.server->receive(view(pair.client->take_output())));
        flight = pair.server->take_output();
    }
    // The first `records` records of the server's flight, to the client.
    void deliver_records(size_t records) {
        size_t end = 0;
        for (size_t i = 0; i < records; ++i) end += 5 + (size_t{flight.at(end + 3)} << 8 | flight.at(end + 4));
        REQUIRE(pair.client->receive(ByteView(flight).first(end)));
    }
};

}  // namespace

TEST_CASE("a plaintext alert during the handshake, before the peer's first protected record, is its alert") {
    const Bytes unknown_ca = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x30};
    const struct {
        const char* what;
        bool at_server;  // else at the client, after the ServerHello
        Bytes bytes;
        bool peer_alert;
        AlertDescription alert;
    } cases[] = {
        {"client's plaintext unknown_ca at the server", true, unknown_ca, true, AlertDescription::unknown_ca},
        {"server's plaintext unknown_ca at the client", false, unknown_ca, true, AlertDescription::unknown_ca},
        {"three-byte plaintext alert", true, {0x15, 0x03, 0x03, 0x00, 0x03, 0x02, 0x30, 0x00}, false,
         AlertDescription::unexpected_message},
        {"plaintext handshake record", true, {0x16, 0x03, 0x03, 0x00, 0x04, 0x14, 0x00, 0x00, 0x00}, false,
         AlertDescription::unexpected_message},
    };
    for (const auto& c : cases) {
        CAPTURE(std::string(c.what));
        AfterClientHello after;
        Connection& receiver = c.at_server ? *after.pair.server : *after.pair.client;
        // Only the ServerHello: the client's read key is on, nothing decrypted yet.
        if (!c.at_server) after.deliver_records(1);
        (void)receiver.take_output();  // the client's compatibility CCS, if any
        const auto result = receiver.receive(view(c.bytes));
        REQUIRE_FALSE(result);
        CHECK(alert_name(result.error().description) == alert_name(c.alert));
        CHECK(receiver.alert_was_received() == c.peer_alert);
        CHECK(receiver.state() == Connection::State::failed);
        // The peer's alert is not answered; our own goes out once (under our handshake key).
        CHECK(receiver.has_output() == !c.peer_alert);
    }
    // Once a protected record of the peer's was decrypted (the server's flight is ServerHello,
    // compatibility CCS, then EncryptedExtensions protected), its plaintext alert is an attack.
    AfterClientHello after;
    REQUIRE(after.flight.at(5 + (size_t{after.flight[3]} << 8 | after.flight[4])) == 0x14);  // the CCS
    after.deliver_records(3);
    const auto result = after.pair.client->receive(view(unknown_ca));
    REQUIRE_FALSE(result);
    CHECK(alert_name(result.error().description) == alert_name(AlertDescription::unexpected_message));
    CHECK_FALSE(after.pair.client->alert_was_received());
}
