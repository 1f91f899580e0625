// The server state machine (tls13/handshake/server_handshake.cpp) driven message by message with a
// recording HandshakeIo: the flight's order, the keys at the RFC 8446 §7 points (checked
// against a client-side key schedule computed here), HelloRetryRequest, client authentication,
// ALPN, SNI, compatibility mode and KeyUpdate.
#include "test_server_handshake_support.h"

using namespace tpmtls;
using namespace tpmtls::test;

TEST_CASE("full handshake for every suite and group: flight order and keys at the RFC 8446 points") {
    for (CipherSuite suite : default_cipher_suites()) {
        for (NamedGroup group : {NamedGroup::x25519, NamedGroup::secp256r1}) {
            CAPTURE(to_string(suite));
            CAPTURE(to_string(group));
            ServerConfig config = test_server_config();
            config.groups = {group};
            Server server(std::move(config));
            CHECK(server.io.events.empty());  // start(): the server waits
            CHECK(server.state() == "START");

            HelloSpec spec;
            spec.suites = {suite};
            spec.shares = std::vector<NamedGroup>{group};
            spec.server_name = "localhost";
            must(server.hello(spec));
            CHECK(server.io.trace() == std::string("ccs_allowed ") + full_flight);

            const EncryptedExtensions ee = check_flight(server);
            // RFC 6066 §3: the name was used, so an empty server_name answers it.
            auto sni = find_extension(ee.extensions, ExtensionType::server_name);
            REQUIRE(sni);
            CHECK(sni->empty());
            CHECK(ee.extensions.size() == 1);
            const ServerHello sh = must(decode_server_hello(frame(server.io.find("server_hello")).body));
            CHECK(sh.cipher_suite == suite);
            CHECK(sh.legacy_session_id_echo.empty());
            CHECK(sh.legacy_version == tls12_version);
            CHECK(server.state() == "WAIT_FINISHED");
            CHECK(!server.handshake->connected());

            finish(server);
            const SessionInfo& session = server.handshake->session();
            CHECK(session.suite == suite);
            CHECK(session.group == group);
            CHECK(!session.hello_retry_request);
            CHECK(session.server_name == "localhost");
            CHECK(session.alpn.empty());
            CHECK(session.own_signature_scheme == SignatureScheme::ecdsa_secp256r1_sha256);
            CHECK(!session.peer_identity);
            CHECK(!session.peer_signature_scheme);
        }
    }
}

// RFC 8446 §4.2.8: the client's groups [x25519, P-256]; the server's preference order decides
// among the groups it has a share for, and a HelloRetryRequest only when it has none.
TEST_CASE("a share for a group we like less is used: ServerHello for it, no HelloRetryRequest") {
    const std::vector<std::vector<NamedGroup>> server_groups = {{NamedGroup::x25519, NamedGroup::secp256r1},
                                                                {NamedGroup::secp256r1, NamedGroup::x25519}};
    for (const auto& groups : server_groups) {
        for (const auto& shares : std::vector<std::vector<NamedGroup>>{
                 {NamedGroup::secp256r1}, {NamedGroup::x25519, NamedGroup::secp256r1}}) {
            CAPTURE(to_string(groups.front()));
            CAPTURE(shares.size());
            ServerConfig config = test_server_config();
            config.groups = groups;
            Server server(std::move(config));
            HelloSpec spec;
            spec.groups = std::vector<NamedGroup>{NamedGroup::x25519, NamedGroup::secp256r1};
            spec.shares = shares;
            must(server.hello(spec));
            CHECK(server.io.trace() == std::string("ccs_allowed ") + full_flight);
            const ServerHello hello = must(decode_server_hello(frame(server.io.find("server_hello")).body));
            CHECK(!hello.is_hello_retry_request());
            auto share = find_extension(hello.extensions, ExtensionType::key_share);
            REQUIRE(share);
            // With one share, its group; with both, our first.
            const NamedGroup expected = shares.size() == 1 ? shares.front() : groups.front();
            CHECK(must(decode_key_share_server_hello(*share)).group == expected);
            check_flight(server);
            CHECK(server.handshake->session().group == expected);
            CHECK(!server.handshake->session().hello_retry_request);
        }
    }
}

TEST_CASE("a share only for a group we do not take gets a HelloRetryRequest for ours (with compat CCS)") {
    ServerConfig config = test_server_config();
    config.groups = {NamedGroup::x25519};  // the client also lists secp256r1, its only share
    Server server(std::move(config));
    TestClient& client = server.client;
    HelloSpec spec;
    spec.shares = std::vector<NamedGroup>{NamedGroup::secp256r1};
    spec.session_id = Bytes(32, 0x5a);  // compatibility mode (§D.4)
    const Bytes hello1 = client.hello(spec);
    client.add(hello1);
    must(server.feed(hello1));
    CHECK(server.io.trace() == "ccs_allowed server_hello ccs");
    CHECK(server.state() == "START");

    const Bytes& hrr_message = server.io.find("server_hello");
    const ServerHello hrr = must(decode_server_hello(frame(hrr_message).body));
    REQUIRE(hrr.is_hello_retry_request());
    CHECK(hrr.legacy_session_id_echo == spec.session_id);
    CHECK(hrr.cipher_suite == CipherSuite::TLS_AES_128_GCM_SHA256);
    auto selected = find_extension(hrr.extensions, ExtensionType::key_share);
    REQUIRE(selected);
    CHECK(must(decode_key_share_hello_retry_request(*selected)) == NamedGroup::x25519);
    auto version = find_extension(hrr.extensions, ExtensionType::supported_versions);
    REQUIRE(version);
    CHECK(must(decode_supported_versions_server_hello(*version)) == tls13_version);

    // §4.4.1: the transcript continues from message_hash(ClientHello1), HelloRetryRequest.
    client.hello_retried(HashAlgorithm::sha256);
    client.add_server_message(hrr_message);
    spec.shares = std::vector<NamedGroup>{NamedGroup::x25519};
    const Bytes hello2 = client.hello(spec);
    client.add_server_message(hello2);
    const size_t mark = server.io.events.size();
    must(server.feed(hello2));
    // §D.4: one CCS only, after our first message (the HelloRetryRequest).
    CHECK(server.io.trace(mark) == full_flight);
    const ServerHello sh = must(decode_server_hello(frame(server.io.find("server_hello", mark)).body));
    CHECK(sh.legacy_session_id_echo == spec.session_id);
    check_flight(server, mark);
    finish(server);
    CHECK(server.handshake->session().hello_retry_request);
    CHECK(server.handshake->session().group == NamedGroup::x25519);
}

TEST_CASE("compatibility mode without HelloRetryRequest: CCS right after ServerHello, session id echoed") {
    Server server(test_server_config());
    HelloSpec spec;
    spec.session_id = unhex("000102030405060708090a0b0c0d0e0f");
    must(server.hello(spec));
    CHECK(server.io.trace() ==
          "ccs_allowed server_hello ccs write_key read_key encrypted_extensions certificate certificate_verify "
          "finished write_key");
    const ServerHello sh = must(decode_server_hello(frame(server.io.find("server_hello")).body));
    CHECK(sh.legacy_session_id_echo == spec.session_id);
    check_flight(server);
    finish(server);
}

TEST_CASE("suite choice: server order by default, the client's when prefer_server_order is off") {
    for (bool server_order : {true, false}) {
        CAPTURE(server_order);
        ServerConfig config = test_server_config();
        config.prefer_server_order = server_order;
        Server server(std::move(config));
        HelloSpec spec;
        // Unknown (GREASE-like) values are skipped, not chosen.
        spec.suites = {CipherSuite{0x0a0a}, CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
                       CipherSuite::TLS_AES_256_GCM_SHA384};
        must(server.hello(spec));
        const ServerHello sh = must(decode_server_hello(frame(server.io.find("server_hello")).body));
        CHECK(sh.cipher_suite ==
              (server_order ? CipherSuite::TLS_AES_256_GCM_SHA384 : CipherSuite::TLS_CHACHA20_POLY1305_SHA256));
    }
}

TEST_CASE("ALPN: the first of our protocols the client offered, answered in EncryptedExtensions") {
    ServerConfig config = test_server_config();
    config.alpn = {"h2", "http/1.1"};
    Server server(std::move(config));
    HelloSpec spec;
    spec.alpn = {"http/1.1", "h2"};
    must(server.hello(spec));
    const EncryptedExtensions ee = check_flight(server);
    auto alpn = find_extension(ee.extensions, ExtensionType::application_layer_protocol_negotiation);
    REQUIRE(alpn);
    CHECK(must(decode_alpn_encrypted_extensions(*alpn)) == to_bytes(view(std::string_view("h2"))));
    CHECK(!has_extension(ee.extensions, ExtensionType::server_name));  // no SNI was sent
    finish(server);
    CHECK(server.handshake->session().alpn == "h2");
}

TEST_CASE("ALPN offered by a client but not configured here: no ALPN, no failure") {
    Server server(test_server_config());
    HelloSpec spec;
    spec.alpn = {"h2"};
    must(server.hello(spec));
    CHECK(check_flight(server).extensions.empty());
    finish(server);
    CHECK(server.handshake->session().alpn.empty());
}

TEST_CASE("client authentication required: CertificateRequest, verified client identity") {
    ServerConfig config = test_server_config();
    config.client_auth = ClientAuthMode::required;
    Server server(std::move(config));
    must(server.hello(HelloSpec{}));
    CHECK(server.io.trace() ==
          "ccs_allowed server_hello write_key read_key encrypted_extensions certificate_request certificate "
          "certificate_verify finished write_key");
    const CertificateRequest request =
        must(decode_certificate_request(frame(server.io.find("certificate_request")).body));
    CHECK(request.certificate_request_context.empty());
    auto schemes = find_extension(request.extensions, ExtensionType::signature_algorithms);
    REQUIRE(schemes);
    CHECK(must(decode_signature_algorithms(*schemes)) == verifiable_schemes());
    CHECK(has_extension(request.extensions, ExtensionType::signature_algorithms_cert));
    check_flight(server);
    CHECK(server.state() == "WAIT_CERT");

    const auto answer =
        server.client.client_authentication(credentials_of(server_test_pki().client),
                                            SignatureScheme::ecdsa_secp256r1_sha256);
    REQUIRE(answer.size() == 2);
    must(server.feed(answer[0]));
    CHECK(server.state() == "WAIT_CV");
    must(server.feed(answer[1]));
    CHECK(server.state() == "WAIT_FINISHED");
    CHECK(!server.handshake->session().peer_identity);  // only once the Finished checks out
    finish(server);

    const SessionInfo& session = server.handshake->session();
    REQUIRE(session.peer_identity);
    CHECK(session.peer_identity->subject == "CN=device-0001, O=tpmtls tests");
    CHECK(session.peer_identity->sha256_fingerprint ==
          must(describe_certificate(view(server_test_pki().client.der))).sha256_fingerprint);
    CHECK(session.peer_signature_scheme == SignatureScheme::ecdsa_secp256r1_sha256);
}

TEST_CASE("client authentication optional: an empty Certificate goes straight to WAIT_FINISHED") {
    ServerConfig config = test_server_config();
    config.client_auth = ClientAuthMode::optional;
    Server server(std::move(config));
    must(server.hello(HelloSpec{}));
    check_flight(server);
    const auto answer = server.client.client_authentication(Credentials{}, SignatureScheme::ecdsa_secp256r1_sha256);
    REQUIRE(answer.size() == 1);
    must(server.feed(answer[0]));
    CHECK(server.state() == "WAIT_FINISHED");
    finish(server);
    CHECK(!server.handshake->session().peer_identity);
}

TEST_CASE("KeyUpdate once connected: the read key moves on, and an update_requested is answered") {
    Server server(test_server_config());
    must(server.hello(HelloSpec{}));
    check_flight(server);
    finish(server);
    const TestClient& client = server.client;
    const HashAlgorithm alg = client.suite().hash;
    const TrafficSecret client_next = must(next_application_traffic_secret(alg, client.client_application));
    const TrafficSecret server_next = must(next_application_traffic_secret(alg, client.server_application));

    const size_t mark = server.io.events.size();
    must(server.feed(must(encode_handshake(KeyUpdate{KeyUpdateRequest::update_requested}))));
    // §4.6.3: our answer goes under the old write key, then we switch.
    CHECK(server.io.trace(mark) == "read_key key_update write_key");
    CHECK(server.io.events[mark].data == bytes_of(client_next));
    CHECK(must(decode_key_update(frame(server.io.events[mark + 1].data).body)).request_update ==
          KeyUpdateRequest::update_not_requested);
    CHECK(server.io.events[mark + 2].data == bytes_of(server_next));

    const size_t mark2 = server.io.events.size();
    must(server.handshake->send_key_update(false));
    CHECK(server.io.trace(mark2) == "key_update write_key");
    CHECK(server.io.events[mark2 + 1].data == bytes_of(must(next_application_traffic_secret(alg, server_next))));
}

TEST_CASE("a PSK offer is answered with a full handshake until resumption exists") {
    Server server(test_server_config());
    HelloSpec spec;
    const PskKeyExchangeMode modes[] = {PskKeyExchangeMode::psk_dhe_ke};
    spec.extra = {must(encode_psk_key_exchange_modes(modes)), unknown_psk_offer()};
    must(server.hello(spec));
    CHECK(server.io.trace() == std::string("ccs_allowed ") + full_flight);
    const ServerHello sh = must(decode_server_hello(frame(server.io.find("server_hello")).body));
    CHECK(!has_extension(sh.extensions, ExtensionType::pre_shared_key));
    check_flight(server);
    finish(server);
    CHECK(!server.handshake->session().resumed);
}
