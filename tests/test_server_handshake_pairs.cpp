// Our client against our server through Connection, for what the server adds to the shared
// pair tests (tests/test_connection_pair.cpp covers every suite x group x HRR x client-auth mode
// and the failure table): the client's suite order, HelloRetryRequest without compatibility
// mode, the two sides' views of one session, a tampered second client flight, and ClientHello
// record boundaries (§5.1).
#include "support/connection_pair.h"
#include "test_server_handshake_support.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

const TestPki& pki() { return server_test_pki(); }

// Application data both ways, then KeyUpdate both ways (each asking the peer to follow), then
// data again: the keys of both directions agree before and after.
void exchange_data(ConnectionPair& pair) {
    const Bytes ping = to_bytes(view(std::string_view("ping")));
    const Bytes pong = to_bytes(view(std::string_view("pong")));
    for (int round = 0; round < 2; ++round) {
        CAPTURE(round);
        must(pair.client->send(view(ping)));
        must(pair.server->send(view(pong)));
        REQUIRE(pair.pump());
        CHECK(pair.server->take_application_data() == ping);
        CHECK(pair.client->take_application_data() == pong);
        must(pair.server->key_update(true));
        REQUIRE(pair.pump());
        must(pair.client->key_update(true));
        REQUIRE(pair.pump());
    }
}

void check_agreement(const ConnectionPair& pair) {
    REQUIRE(pair.client->is_connected());
    REQUIRE(pair.server->is_connected());
    const SessionInfo& client = pair.client->session();
    const SessionInfo& server = pair.server->session();
    CHECK(client.suite == server.suite);
    CHECK(client.group == server.group);
    CHECK(client.hello_retry_request == server.hello_retry_request);
    CHECK(client.alpn == server.alpn);
    CHECK(client.peer_signature_scheme == server.own_signature_scheme);
    CHECK(server.server_name == "localhost");
    const Bytes context = to_bytes(view(std::string_view("context")));
    CHECK(must(pair.client->export_keying_material("EXPORTER-pair", view(context), 48)) ==
          must(pair.server->export_keying_material("EXPORTER-pair", view(context), 48)));
}

}  // namespace

TEST_CASE("the server asks for a group it takes with a HelloRetryRequest, with and without compat mode") {
    for (bool compatibility : {true, false}) {  // with and without the §D.4 CCS
        CAPTURE(compatibility);
        ClientConfig client = client_config_for(pki(), false);
        client.groups = {NamedGroup::secp256r1, NamedGroup::x25519};  // one share, for secp256r1
        client.compatibility_mode = compatibility;
        ServerConfig server = server_config_for(pki(), ClientAuthMode::off);
        server.groups = {NamedGroup::x25519};
        ConnectionPair pair = make_pair(std::move(client), std::move(server));
        REQUIRE(pair.handshake());
        check_agreement(pair);
        CHECK(pair.server->session().hello_retry_request);
        CHECK(pair.server->session().group == NamedGroup::x25519);
        exchange_data(pair);
    }
}

TEST_CASE("a share for a group the server likes less is used rather than a HelloRetryRequest") {
    ClientConfig client = client_config_for(pki(), false);
    client.groups = {NamedGroup::secp256r1, NamedGroup::x25519};  // one share, for secp256r1
    ServerConfig server = server_config_for(pki(), ClientAuthMode::off);
    server.groups = {NamedGroup::x25519, NamedGroup::secp256r1};
    ConnectionPair pair = make_pair(std::move(client), std::move(server));
    REQUIRE(pair.handshake());
    check_agreement(pair);
    CHECK(!pair.server->session().hello_retry_request);
    CHECK(pair.server->session().group == NamedGroup::secp256r1);
    exchange_data(pair);
}

TEST_CASE("suite order: the server's by default, the client's on request") {
    for (bool server_order : {true, false}) {
        CAPTURE(server_order);
        ClientConfig client = client_config_for(pki(), false);
        client.cipher_suites = {CipherSuite::TLS_CHACHA20_POLY1305_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384};
        ServerConfig server = server_config_for(pki(), ClientAuthMode::off);
        server.prefer_server_order = server_order;
        ConnectionPair pair = make_pair(std::move(client), std::move(server));
        REQUIRE(pair.handshake());
        check_agreement(pair);
        CHECK(pair.server->session().suite == (server_order ? CipherSuite::TLS_AES_256_GCM_SHA384
                                                            : CipherSuite::TLS_CHACHA20_POLY1305_SHA256));
    }
}

TEST_CASE("mutual TLS with ALPN: both sides' views of the session agree") {
    ClientConfig client = client_config_for(pki(), true);
    client.alpn = {"http/1.1", "h2"};
    ServerConfig server = server_config_for(pki(), ClientAuthMode::required);
    server.alpn = {"h2", "http/1.1"};
    ConnectionPair pair = make_pair(std::move(client), std::move(server));
    REQUIRE(pair.handshake());
    check_agreement(pair);
    CHECK(pair.server->session().alpn == "h2");
    REQUIRE(pair.server->session().peer_identity);
    CHECK(pair.server->session().peer_identity->sha256_fingerprint ==
          must(describe_certificate(view(pki().client.der))).sha256_fingerprint);
    CHECK(pair.server->session().peer_signature_scheme == pair.client->session().own_signature_scheme);
    exchange_data(pair);
}

TEST_CASE("a tampered record in the client's second flight is bad_record_mac at the server") {
    ConnectionPair pair = make_pair(client_config_for(pki(), false), server_config_for(pki(), ClientAuthMode::off));
    must(pair.client->start());
    must(pair.server->receive(view(pair.client->take_output())));
    must(pair.client->receive(view(pair.server->take_output())));
    Bytes second_flight = pair.client->take_output();  // CCS, then the protected Finished
    REQUIRE(!second_flight.empty());
    second_flight.back() ^= 0x01;  // the AEAD tag
    CHECK(alert_of(pair.server->receive(view(second_flight))) == AlertDescription::bad_record_mac);
    CHECK(pair.server->state() == Connection::State::failed);
    CHECK(!pair.server->session().peer_identity);
}

namespace {

// `handshake_bytes` as unprotected handshake records of at most `fragment` bytes each.
Bytes plaintext_records(ByteView handshake_bytes, size_t fragment) {
    Bytes out;
    RecordSender sender;
    for (size_t at = 0; at < handshake_bytes.size(); at += fragment) {
        const size_t length = std::min(fragment, handshake_bytes.size() - at);
        must(sender.write(ContentType::handshake, handshake_bytes.subspan(at, length), out));
    }
    return out;
}

}  // namespace

TEST_CASE("a ClientHello split over records is reassembled; one followed by more handshake data is refused") {
    TestClient client(system_random());
    const Bytes hello = client.hello(HelloSpec{});
    {
        auto server = Connection::server(server_config_for(pki(), ClientAuthMode::off), system_random(),
                                         system_clock());
        must(server->receive(view(plaintext_records(view(hello), 50))));
        CHECK(std::string(server->handshake_state()) == "WAIT_FINISHED");
        CHECK(server->has_output());
    }
    {
        // RFC 8446 §5.1: the ClientHello precedes a key change, so nothing may follow it in its
        // record; here a (bogus) Finished does.
        Bytes both = hello;
        const Bytes finished = must(encode_handshake(Finished{Bytes(32, 0)}));
        both.insert(both.end(), finished.begin(), finished.end());
        auto server = Connection::server(server_config_for(pki(), ClientAuthMode::off), system_random(),
                                         system_clock());
        CHECK(alert_of(server->receive(view(plaintext_records(view(both), both.size())))) ==
              AlertDescription::unexpected_message);
        CHECK(server->state() == Connection::State::failed);
        REQUIRE(server->error());
        CHECK_MESSAGE(server->error()->reason.find("key change") != std::string::npos, server->error()->reason);
    }
}
