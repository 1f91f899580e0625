// The client state machine through a whole handshake against a hand-scripted server: key
// changes at the RFC 8446 points, server authentication (and its failures), client
// authentication with a Signer, and the post-handshake messages.
#include "test_client_handshake_fixture.h"

#include "tls13/extensions/alpn.h"
#include "tls13/extensions/server_name.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

// A client and a scripted server, stepped message by message.
struct Flow {
    explicit Flow(ClientConfig config, CipherSuite suite = CipherSuite::TLS_AES_128_GCM_SHA256)
        : client(std::move(config)), server(pki(), suite) {
        const Bytes client_hello = client.start();
        hello = decode_sent_client_hello(client_hello);
        server.add(view(client_hello));
    }
    // Delivers a server message; the client must accept it.
    void accept(const Bytes& message) { must(client.deliver(view(message))); }
    void through_server_hello() { accept(server.encode(server.answer(hello))); }
    void through_certificate_verify(Extensions encrypted_extensions = {}) {
        through_server_hello();
        accept(server.encrypted_extensions(std::move(encrypted_extensions)));
        accept(server.certificate());
        accept(server.certificate_verify());
    }
    // The messages the client sent since event `from`.
    std::vector<Bytes> sent_since(size_t from) const {
        std::vector<Bytes> out;
        for (size_t i = from; i < client.io.events.size(); ++i)
            if (client.io.events[i].kind == IoEvent::Kind::handshake) out.push_back(client.io.events[i].data);
        return out;
    }
    std::string state() const { return client.handshake->state_name(); }

    ClientUnderTest client;
    ScriptedServer server;
    ClientHello hello;
};

}  // namespace

TEST_CASE("a full handshake: keys change at the RFC points and both sides agree on every secret") {
    for (const bool compatibility : {true, false}) {
        CAPTURE(compatibility);
        ClientConfig config = client_config(pki());
        config.compatibility_mode = compatibility;
        Flow flow(std::move(config));
        CHECK(flow.client.io.trace() == "H(1) A+");

        size_t at = flow.client.io.events.size();
        flow.through_server_hello();
        CHECK(flow.state() == "WAIT_EE");
        // K_recv = handshake, then [CCS] and K_send = handshake (§D.4: the CCS right before
        // our encrypted flight).
        CHECK(flow.client.io.trace(at) == (compatibility ? "R C W" : "R W"));
        CHECK(flow.client.io.events[at].data == to_bytes(flow.server.server_handshake().view()));
        CHECK(flow.client.io.events.back().data == to_bytes(flow.server.client_handshake().view()));

        flow.accept(flow.server.encrypted_extensions());
        CHECK(flow.state() == "WAIT_CERT_CR");
        flow.accept(flow.server.certificate());
        CHECK(flow.state() == "WAIT_CV");
        flow.accept(flow.server.certificate_verify());
        CHECK(flow.state() == "WAIT_FINISHED");
        CHECK_FALSE(flow.client.handshake->connected());

        at = flow.client.io.events.size();
        flow.accept(flow.server.finished());
        CHECK(flow.state() == "CONNECTED");
        CHECK(flow.client.handshake->connected());
        // The CCS window closes, Finished, K_send = K_recv = application.
        CHECK(flow.client.io.trace(at) == "A- H(20) W R");
        const auto& events = flow.client.io.events;
        must(flow.server.client_finished(view(events[events.size() - 3].data)));
        CHECK(events[events.size() - 2].data == to_bytes(flow.server.client_application().view()));
        CHECK(events.back().data == to_bytes(flow.server.server_application().view()));

        const SessionInfo& session = flow.client.handshake->session();
        CHECK(session.suite == CipherSuite::TLS_AES_128_GCM_SHA256);
        CHECK(session.group == NamedGroup::x25519);
        CHECK_FALSE(session.hello_retry_request);
        CHECK(session.server_name == "localhost");
        CHECK(session.alpn.empty());
        CHECK(session.peer_signature_scheme == SignatureScheme::ecdsa_secp256r1_sha256);
        CHECK_FALSE(session.own_signature_scheme.has_value());
        REQUIRE(session.peer_identity.has_value());
        CHECK(session.peer_identity->dns_names == std::vector<std::string>{"localhost"});
        CHECK(must(flow.client.handshake->export_keying_material("EXPORTER-test", {}, 32)).size() == 32);
    }
}

TEST_CASE("SHA-384 suite, secp256r1, ALPN and server_name acknowledged") {
    ClientConfig config = client_config(pki());
    config.cipher_suites = {CipherSuite::TLS_AES_256_GCM_SHA384};
    config.groups = {NamedGroup::secp256r1};
    config.alpn = {"h2", "http/1.1"};
    Flow flow(std::move(config), CipherSuite::TLS_AES_256_GCM_SHA384);
    Extensions extensions = {encode_server_name_encrypted_extensions(),
                             must_extension(encode_alpn_encrypted_extensions(view(std::string_view("http/1.1"))))};
    flow.through_certificate_verify(std::move(extensions));
    flow.accept(flow.server.finished());
    CHECK(flow.client.handshake->connected());
    must(flow.server.client_finished(view(flow.client.last_sent())));
    CHECK(flow.client.handshake->session().alpn == "http/1.1");
    CHECK(flow.client.handshake->session().group == NamedGroup::secp256r1);
    CHECK(flow.client.io.events.back().suite == CipherSuite::TLS_AES_256_GCM_SHA384);
}

TEST_CASE("EncryptedExtensions faults") {
    struct Case {
        const char* name;
        std::vector<std::string> alpn_offered;
        Extensions extensions;
        AlertDescription expected;
    };
    const std::vector<Case> cases = {
        {"ALPN answer without an ALPN offer", {},
         {must_extension(encode_alpn_encrypted_extensions(view(std::string_view("h2"))))},
         AlertDescription::unsupported_extension},
        {"ALPN protocol we did not offer", {"h2"},
         {must_extension(encode_alpn_encrypted_extensions(view(std::string_view("spdy/3"))))},
         AlertDescription::illegal_parameter},
        {"early_data we never asked for", {}, {encode_early_data_empty()}, AlertDescription::unsupported_extension},
        {"key_share, which EncryptedExtensions may not carry", {},
         {must_extension(encode_key_share_hello_retry_request(NamedGroup::x25519))}, AlertDescription::illegal_parameter},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        ClientConfig config = client_config(pki());
        config.alpn = c.alpn_offered;
        Flow flow(std::move(config));
        flow.through_server_hello();
        const Bytes message = must(encode_handshake(EncryptedExtensions{c.extensions}));
        CHECK(alert_of(flow.client.deliver(view(message))) == c.expected);
    }
}

TEST_CASE("server authentication failures give their exact alerts") {
    SUBCASE("tampered CertificateVerify") {
        Flow flow(client_config(pki()));
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        flow.accept(flow.server.certificate());
        CHECK(alert_of(flow.client.deliver(view(flow.server.certificate_verify(true)))) == AlertDescription::decrypt_error);
    }
    SUBCASE("tampered Finished") {
        Flow flow(client_config(pki()));
        flow.through_certificate_verify();
        const size_t at = flow.client.io.events.size();
        CHECK(alert_of(flow.client.deliver(view(flow.server.finished(true)))) == AlertDescription::decrypt_error);
        CHECK(flow.client.io.events.size() == at);  // nothing sent, no key changed
    }
    SUBCASE("CertificateVerify with a scheme we did not offer") {
        ClientConfig config = client_config(pki());
        config.signature_schemes = {SignatureScheme::rsa_pss_rsae_sha256};
        Flow flow(std::move(config));
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        flow.accept(flow.server.certificate());
        CHECK(alert_of(flow.client.deliver(view(flow.server.certificate_verify()))) == AlertDescription::illegal_parameter);
    }
    SUBCASE("host name mismatch") {
        ClientConfig config = client_config(pki());
        config.server_name = "other.example";
        Flow flow(std::move(config));
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        CHECK(alert_of(flow.client.deliver(view(flow.server.certificate()))) == AlertDescription::bad_certificate);
    }
    SUBCASE("IP address in the certificate") {
        ClientConfig config = client_config(pki());
        config.server_name = "127.0.0.1";
        Flow flow(std::move(config));
        flow.through_certificate_verify();
        flow.accept(flow.server.finished());
        CHECK(flow.client.handshake->connected());
    }
    SUBCASE("certificate from another CA") {
        const TestPki other = make_test_pki();
        ClientConfig config = client_config(pki());
        config.trust_anchors = std::make_shared<const TrustStore>(must(TrustStore::from_pem_or_der(view(other.root.pem))));
        Flow flow(std::move(config));
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        CHECK(alert_of(flow.client.deliver(view(flow.server.certificate()))) == AlertDescription::unknown_ca);
    }
    SUBCASE("no trust anchors configured") {
        ClientConfig config = client_config(pki());
        config.trust_anchors = nullptr;
        Flow flow(std::move(config));
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        const Status received = flow.client.deliver(view(flow.server.certificate()));
        CHECK(alert_of(received) == AlertDescription::unknown_ca);
        CHECK(received.error().reason.find("no trust anchors") != std::string::npos);
    }
    SUBCASE("expired certificate (the injected clock stands after notAfter)") {
        Flow flow(client_config(pki()));
        flow.client.clock.set(flow.client.clock.unix_seconds() + 365 * 86400);
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        CHECK(alert_of(flow.client.deliver(view(flow.server.certificate()))) == AlertDescription::certificate_expired);
    }
    SUBCASE("empty server Certificate") {
        Flow flow(client_config(pki()));
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        const Bytes empty = must(build_certificate({}, {}));
        CHECK(alert_of(flow.client.deliver(view(empty))) == AlertDescription::decode_error);
    }
    SUBCASE("server Certificate with a request context") {
        Flow flow(client_config(pki()));
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        const Bytes context = {1};
        const Bytes message = must(build_certificate(view(context), {pki().server.der}));
        CHECK(alert_of(flow.client.deliver(view(message))) == AlertDescription::illegal_parameter);
    }
}

// RFC 8446 §4.4.3: RSASSA-PKCS1-v1_5 and SHA-1 never sign a CertificateVerify, whatever we offered.
TEST_CASE("a server CertificateVerify with rsa_pkcs1_* or SHA-1 is illegal_parameter, even if offered") {
    for (SignatureScheme scheme :
         {SignatureScheme::rsa_pkcs1_sha256, SignatureScheme::rsa_pkcs1_sha384, SignatureScheme::rsa_pkcs1_sha1,
          SignatureScheme::ecdsa_sha1}) {
        CAPTURE(to_string(scheme));
        ClientConfig config = client_config(pki());
        config.signature_schemes.push_back(scheme);
        Flow flow(std::move(config));
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        flow.accept(flow.server.certificate());
        CertificateVerify cv = must(decode_certificate_verify(ByteView(flow.server.certificate_verify()).subspan(4)));
        cv.algorithm = scheme;
        const Bytes crafted = must(encode_handshake(cv));
        const Status status = flow.client.deliver(view(crafted));
        CHECK(alert_of(status) == AlertDescription::illegal_parameter);
        REQUIRE_FALSE(status);
        CHECK(status.error().reason.find("not allowed in CertificateVerify (RFC 8446 §4.4.3)") != std::string::npos);
    }
}

TEST_CASE("a message the state does not expect is unexpected_message") {
    Flow flow(client_config(pki()));
    const Bytes finished = must(encode_handshake(Finished{Bytes(32, 0)}));
    SUBCASE("before EncryptedExtensions") {
        flow.through_server_hello();
        const Status received = flow.client.deliver(view(flow.server.certificate()));
        CHECK(alert_of(received) == AlertDescription::unexpected_message);
        CHECK(received.error().reason == "certificate in WAIT_EE");
    }
    SUBCASE("Finished without server authentication") {
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        CHECK(alert_of(flow.client.deliver(view(finished))) == AlertDescription::unexpected_message);
    }
    SUBCASE("a second CertificateRequest") {
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        flow.accept(flow.server.certificate_request());
        CHECK(alert_of(flow.client.deliver(view(flow.server.certificate_request()))) ==
              AlertDescription::unexpected_message);
    }
    SUBCASE("Finished instead of CertificateVerify") {
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        flow.accept(flow.server.certificate());
        CHECK(alert_of(flow.client.deliver(view(finished))) == AlertDescription::unexpected_message);
    }
    SUBCASE("a ClientHello") {
        CHECK(alert_of(flow.client.deliver(view(flow.client.io.messages().front()))) ==
              AlertDescription::unexpected_message);
    }
}

TEST_CASE("a message before start() is unexpected_message") {
    ClientUnderTest client(client_config(pki()));
    const Bytes message = must(encode_handshake(EncryptedExtensions{}));
    const Status received = client.deliver(view(message));
    CHECK(alert_of(received) == AlertDescription::unexpected_message);
    CHECK(received.error().reason == "encrypted_extensions in START");
}

TEST_CASE("client authentication: Certificate and CertificateVerify made by the Signer") {
    ClientConfig config = client_config(pki());
    config.credentials = client_credentials();
    Flow flow(std::move(config));
    flow.through_server_hello();
    flow.accept(flow.server.encrypted_extensions());
    flow.accept(flow.server.certificate_request({SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::ecdsa_secp256r1_sha256}));
    CHECK(flow.state() == "WAIT_CERT");
    flow.accept(flow.server.certificate());
    flow.accept(flow.server.certificate_verify());
    const size_t at = flow.client.io.events.size();
    flow.accept(flow.server.finished());
    CHECK(flow.client.io.trace(at) == "A- H(11) H(15) H(20) W R");

    const auto sent = flow.sent_since(at);
    REQUIRE(sent.size() == 3);
    // The server's view: the chain validates for clientAuth and the signature over the
    // transcript through the client Certificate verifies.
    const Certificate certificate = must(decode_certificate(ByteView(sent[0]).subspan(4)));
    CHECK(certificate.certificate_request_context.empty());
    REQUIRE(certificate.certificate_list.size() == 1);
    const TrustStore anchors = must(TrustStore::from_pem_or_der(view(pki().root.pem)));
    ChainPolicy policy;
    policy.purpose = CertificatePurpose::client_auth;
    policy.now_unix_seconds = flow.client.clock.unix_seconds();
    const VerifiedChain chain = must(verify_certificate_chain(anchors, certificate_chain_of(certificate), policy));
    flow.server.add(view(sent[0]));
    const Bytes through_certificate = flow.server.transcript_hash();
    const CertificateVerify verify = must(decode_certificate_verify(ByteView(sent[1]).subspan(4)));
    const std::vector<SignatureScheme> offered = {SignatureScheme::ecdsa_secp256r1_sha256};
    must(verify_certificate_verify(chain, verify, offered, Role::client, view(through_certificate)));
    flow.server.add(view(sent[1]));
    must(flow.server.client_finished(view(sent[2])));
    CHECK(flow.client.handshake->session().own_signature_scheme == SignatureScheme::ecdsa_secp256r1_sha256);
}

TEST_CASE("client authentication requested but impossible: an empty Certificate and no CertificateVerify") {
    struct Case {
        const char* name;
        bool credentials;
        std::vector<SignatureScheme> requested;
    };
    const Case cases[] = {
        {"no credentials", false, {SignatureScheme::ecdsa_secp256r1_sha256}},
        {"no scheme in common with the key", true, {SignatureScheme::rsa_pss_rsae_sha256}},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        ClientConfig config = client_config(pki());
        if (c.credentials) config.credentials = client_credentials();
        std::vector<std::string> warnings;
        config.on_warning = [&warnings](std::string_view warning) { warnings.emplace_back(warning); };
        Flow flow(std::move(config));
        flow.through_server_hello();
        flow.accept(flow.server.encrypted_extensions());
        flow.accept(flow.server.certificate_request(c.requested));
        flow.accept(flow.server.certificate());
        flow.accept(flow.server.certificate_verify());
        const size_t at = flow.client.io.events.size();
        flow.accept(flow.server.finished());
        CHECK(flow.client.io.trace(at) == "A- H(11) H(20) W R");
        const auto sent = flow.sent_since(at);
        CHECK(must(decode_certificate(ByteView(sent[0]).subspan(4))).certificate_list.empty());
        flow.server.add(view(sent[0]));
        must(flow.server.client_finished(view(sent[1])));
        CHECK_FALSE(flow.client.handshake->session().own_signature_scheme.has_value());
        // A key that fits none of the requested schemes is worth one line to the user; having
        // no certificate at all is the configuration's choice.
        if (c.credentials) {
            REQUIRE(warnings.size() == 1);
            CHECK(warnings[0] ==
                  "the server asked for client certificate schemes rsa_pss_rsae_sha256; our key, "
                  "software ECDSA P-256 key, can make none of them (it makes ecdsa_secp256r1_sha256); "
                  "sending no certificate");
        } else {
            CHECK(warnings.empty());
        }
    }
}

TEST_CASE("after the handshake: NewSessionTicket, KeyUpdate both ways, nothing else") {
    std::vector<SessionTicket> tickets;
    ClientConfig config = client_config(pki());
    config.on_session_ticket = [&](SessionTicket ticket) { tickets.push_back(std::move(ticket)); };
    Flow flow(std::move(config));
    CHECK(alert_of(flow.client.handshake->send_key_update(false)) == AlertDescription::internal_error);
    CHECK(alert_of(flow.client.handshake->export_keying_material("x", {}, 16)) == AlertDescription::internal_error);
    flow.through_certificate_verify();
    flow.accept(flow.server.finished());
    must(flow.server.client_finished(view(flow.client.last_sent())));

    SUBCASE("NewSessionTicket becomes a SessionTicket with the resumption PSK") {
        NewSessionTicket ticket;
        ticket.ticket_lifetime = 7200;
        ticket.ticket_age_add = 0x01020304;
        ticket.ticket_nonce = {0, 1};
        ticket.ticket = {0xaa, 0xbb, 0xcc};
        ticket.extensions.push_back(must_extension(encode_early_data_new_session_ticket(1024)));
        flow.client.clock.advance_ms(1500);
        flow.accept(must(encode_handshake(ticket)));
        ticket.ticket_lifetime = 0;  // §4.6.1: discard at once
        flow.accept(must(encode_handshake(ticket)));
        REQUIRE(tickets.size() == 1);
        const SessionTicket& kept = tickets.front();
        CHECK(kept.suite == CipherSuite::TLS_AES_128_GCM_SHA256);
        CHECK(kept.ticket == ticket.ticket);
        CHECK(kept.lifetime_seconds == 7200);
        CHECK(kept.age_add == 0x01020304);
        CHECK(kept.max_early_data == 1024);
        CHECK(kept.received_ms == 1500);
        CHECK(kept.server_name == "localhost");
        const Secret psk = must(resumption_psk(HashAlgorithm::sha256, flow.server.resumption(), view(ticket.ticket_nonce)));
        CHECK(hex(kept.psk) == hex(psk));
        CHECK(flow.client.handshake->connected());
    }
    SUBCASE("a KeyUpdate asking for ours: read key moves on, we answer and move our write key") {
        const size_t at = flow.client.io.events.size();
        flow.accept(must(encode_handshake(KeyUpdate{KeyUpdateRequest::update_requested})));
        CHECK(flow.client.io.trace(at) == "R H(24) W");
        const auto& events = flow.client.io.events;
        const TrafficSecret next_server =
            must(next_application_traffic_secret(HashAlgorithm::sha256, flow.server.server_application()));
        const TrafficSecret next_client =
            must(next_application_traffic_secret(HashAlgorithm::sha256, flow.server.client_application()));
        CHECK(events[at].data == to_bytes(next_server.view()));
        CHECK(events.back().data == to_bytes(next_client.view()));
        CHECK(must(decode_key_update(ByteView(events[at + 1].data).subspan(4))).request_update ==
              KeyUpdateRequest::update_not_requested);
    }
    SUBCASE("our own KeyUpdate") {
        const size_t at = flow.client.io.events.size();
        must(flow.client.handshake->send_key_update(true));
        CHECK(flow.client.io.trace(at) == "H(24) W");
        // §4.6.3, §7.2: the KeyUpdate goes under the old key, and the key then written is
        // application_traffic_secret_N+1, not the old one reinstalled.
        const auto& events = flow.client.io.events;
        const TrafficSecret next_client =
            must(next_application_traffic_secret(HashAlgorithm::sha256, flow.server.client_application()));
        CHECK(events.back().data == to_bytes(next_client.view()));
        CHECK(must(decode_key_update(ByteView(events[at].data).subspan(4))).request_update ==
              KeyUpdateRequest::update_requested);
    }
    SUBCASE("a post-handshake CertificateRequest (we never offer post_handshake_auth)") {
        const Bytes request = flow.server.certificate_request();
        CHECK(alert_of(flow.client.deliver(view(request))) == AlertDescription::unexpected_message);
    }
    SUBCASE("a KeyUpdate with an invalid request value") {
        const Bytes bad = {static_cast<uint8_t>(HandshakeType::key_update), 0, 0, 1, 2};
        CHECK(alert_of(flow.client.deliver(view(bad))) == AlertDescription::illegal_parameter);
    }
}
