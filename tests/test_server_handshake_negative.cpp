// The server state machine's refusals, as tables (STYLE.md §18): a ClientHello or a client
// message -> the exact RFC 8446 alert. After a refusal the server sends nothing more and
// accepts nothing more.
#include <functional>

#include "test_server_handshake_support.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

Bytes message_of_type(HandshakeType type, ByteView body = {}) {
    Bytes out;
    Writer w(out);
    write_handshake(w, type, [&] { w.bytes(body); });
    return out;
}

void check_refused(Server& server, const Status& status, AlertDescription expected) {
    REQUIRE_MESSAGE(!status, "expected ", alert_name(expected));
    CHECK_MESSAGE(status.error().description == expected, status.error().to_string());
    CHECK(server.state() == "FAILED");
    CHECK(!server.handshake->connected());
    // Whatever comes next is refused, without sending anything.
    const size_t events = server.io.events.size();
    const Status again = server.feed(server.client.hello(HelloSpec{}));
    CHECK(alert_of(again) == AlertDescription::unexpected_message);
    CHECK(server.io.events.size() == events);
}

// A server that has sent its flight and waits for the client's second flight.
void to_flight2(Server& server, HelloSpec spec = {}) {
    must(server.hello(spec));
    check_flight(server);
}

ServerConfig with_client_auth(ClientAuthMode mode) {
    ServerConfig config = test_server_config();
    config.client_auth = mode;
    return config;
}

}  // namespace

TEST_CASE("ClientHello refusals") {
    using Bend = std::function<void(HelloSpec&, ServerConfig&)>;
    // Client authentication required, with one piece of its configuration spoiled.
    const auto client_auth_but = [](std::function<void(ServerConfig&)> spoil) -> Bend {
        return [spoil](HelloSpec&, ServerConfig& c) {
            c.client_auth = ClientAuthMode::required;
            spoil(c);
        };
    };
    struct Case {
        const char* name;
        Bend bend;
        AlertDescription alert;
    };
    const std::vector<Case> cases = {
        // RFC 8446 §4.2.1: TLS 1.3 only.
        {"no supported_versions", [](HelloSpec& h, ServerConfig&) { h.versions.reset(); },
         AlertDescription::protocol_version},
        {"TLS 1.2 only", [](HelloSpec& h, ServerConfig&) { h.versions = std::vector<uint16_t>{tls12_version}; },
         AlertDescription::protocol_version},
        {"legacy_version SSL 3.0", [](HelloSpec& h, ServerConfig&) { h.legacy_version = 0x0300; },
         AlertDescription::protocol_version},
        // §4.1.1
        {"no suite in common", [](HelloSpec& h, ServerConfig&) { h.suites = {CipherSuite::TLS_AES_128_CCM_SHA256}; },
         AlertDescription::handshake_failure},
        {"our suites restricted",
         [](HelloSpec& h, ServerConfig& c) {
             h.suites = {CipherSuite::TLS_AES_128_GCM_SHA256};
             c.cipher_suites = {CipherSuite::TLS_CHACHA20_POLY1305_SHA256};
         },
         AlertDescription::handshake_failure},
        // §9.2 mandatory-to-implement extensions without a PSK.
        {"no signature_algorithms", [](HelloSpec& h, ServerConfig&) { h.signature_schemes.reset(); },
         AlertDescription::missing_extension},
        {"no supported_groups", [](HelloSpec& h, ServerConfig&) { h.groups.reset(); },
         AlertDescription::missing_extension},
        {"no key_share", [](HelloSpec& h, ServerConfig&) { h.shares.reset(); }, AlertDescription::missing_extension},
        {"pre_shared_key without psk_key_exchange_modes (§4.2.9)",
         [](HelloSpec& h, ServerConfig&) { h.extra = {unknown_psk_offer()}; }, AlertDescription::missing_extension},
        // §4.4.3: our ECDSA key cannot answer an RSA-only list.
        {"no signature scheme our key can make",
         [](HelloSpec& h, ServerConfig&) {
             h.signature_schemes = std::vector<SignatureScheme>{SignatureScheme::rsa_pss_rsae_sha256};
         },
         AlertDescription::handshake_failure},
        // §4.2.7
        {"no group in common",
         [](HelloSpec& h, ServerConfig&) {
             h.groups = std::vector<NamedGroup>{NamedGroup::secp384r1};
             h.shares = std::vector<NamedGroup>{};
         },
         AlertDescription::handshake_failure},
        // §4.2.8
        {"share for a group not in supported_groups",
         [](HelloSpec& h, ServerConfig&) {
             h.groups = std::vector<NamedGroup>{NamedGroup::secp256r1};
             h.shares = std::vector<NamedGroup>{NamedGroup::x25519};
         },
         AlertDescription::illegal_parameter},
        {"two shares for one group",
         [](HelloSpec& h, ServerConfig&) {
             h.shares = std::vector<NamedGroup>{NamedGroup::x25519, NamedGroup::x25519};
         },
         AlertDescription::illegal_parameter},
        {"all-zero x25519 share (§7.4.2)", [](HelloSpec& h, ServerConfig&) { h.first_share_value = Bytes(32, 0); },
         AlertDescription::illegal_parameter},
        {"short x25519 share", [](HelloSpec& h, ServerConfig&) { h.first_share_value = Bytes(31, 9); },
         AlertDescription::illegal_parameter},
        {"secp256r1 share not on the curve (§4.2.8.2)",
         [](HelloSpec& h, ServerConfig& c) {
             c.groups = {NamedGroup::secp256r1};
             h.shares = std::vector<NamedGroup>{NamedGroup::secp256r1};
             Bytes point(65, 0x01);
             point[0] = 0x04;
             h.first_share_value = point;
         },
         AlertDescription::illegal_parameter},
        // RFC 7301 §3.2
        {"ALPN mismatch",
         [](HelloSpec& h, ServerConfig& c) {
             c.alpn = {"h2"};
             h.alpn = {"http/1.1"};
         },
         AlertDescription::no_application_protocol},
        // Our configuration's faults.
        {"client auth without trust anchors",
         client_auth_but([](ServerConfig& c) { c.client_trust_anchors.reset(); }), AlertDescription::internal_error},
        {"no server credentials", [](HelloSpec&, ServerConfig& c) { c.credentials = Credentials{}; },
         AlertDescription::internal_error},
        {"client auth without signature schemes",
         client_auth_but([](ServerConfig& c) { c.signature_schemes.clear(); }), AlertDescription::internal_error},
        {"client auth without certificate signature schemes",
         client_auth_but([](ServerConfig& c) { c.certificate_signature_schemes.clear(); }),
         AlertDescription::internal_error},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        HelloSpec spec;
        ServerConfig config = test_server_config();
        c.bend(spec, config);
        Server server(std::move(config));
        const Status status = server.hello(spec);
        CHECK(server.io.trace().find("server_hello") == std::string::npos);  // nothing was sent
        check_refused(server, status, c.alert);
    }
}

TEST_CASE("second ClientHello after a HelloRetryRequest: refusals") {
    struct Case {
        const char* name;
        std::function<void(HelloSpec&)> bend;
        AlertDescription alert;
    };
    const std::vector<Case> cases = {
        // §4.1.2: exactly one share, for the group the HelloRetryRequest selected (x25519).
        {"share for another group", [](HelloSpec& h) { h.shares = std::vector<NamedGroup>{NamedGroup::secp256r1}; },
         AlertDescription::illegal_parameter},
        {"two shares",
         [](HelloSpec& h) { h.shares = std::vector<NamedGroup>{NamedGroup::x25519, NamedGroup::secp256r1}; },
         AlertDescription::illegal_parameter},
        {"no share (a second HelloRetryRequest would be needed)",
         [](HelloSpec& h) { h.shares = std::vector<NamedGroup>{}; }, AlertDescription::illegal_parameter},
        {"other cipher suite", [](HelloSpec& h) { h.suites = {CipherSuite::TLS_AES_256_GCM_SHA384}; },
         AlertDescription::illegal_parameter},
        {"other legacy_session_id", [](HelloSpec& h) { h.session_id = Bytes(32, 1); },
         AlertDescription::illegal_parameter},
        {"no supported_versions", [](HelloSpec& h) { h.versions.reset(); }, AlertDescription::protocol_version},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        Server server(test_server_config());
        HelloSpec spec;
        spec.shares = std::vector<NamedGroup>{};  // §4.2.8: an empty share list asks for our choice
        must(server.hello(spec));
        REQUIRE(server.io.trace() == "ccs_allowed server_hello");
        spec.shares = std::vector<NamedGroup>{NamedGroup::x25519};
        c.bend(spec);
        const size_t mark = server.io.events.size();
        const Status status = server.feed(server.client.hello(spec));
        CHECK(server.io.events.size() == mark);
        check_refused(server, status, c.alert);
    }
}

TEST_CASE("a message the current state does not expect is unexpected_message") {
    struct Case {
        const char* state;
        std::vector<HandshakeType> refused;
    };
    const std::vector<HandshakeType> common = {HandshakeType::server_hello, HandshakeType::encrypted_extensions,
                                               HandshakeType::new_session_ticket, HandshakeType::end_of_early_data,
                                               HandshakeType::certificate_request, HandshakeType::message_hash,
                                               HandshakeType{99}};
    const std::vector<Case> cases = {
        {"START", {HandshakeType::finished, HandshakeType::certificate, HandshakeType::certificate_verify,
                   HandshakeType::key_update}},
        {"WAIT_CERT", {HandshakeType::client_hello, HandshakeType::finished, HandshakeType::certificate_verify,
                       HandshakeType::key_update}},
        {"WAIT_CV", {HandshakeType::client_hello, HandshakeType::finished, HandshakeType::certificate,
                     HandshakeType::key_update}},
        {"WAIT_FINISHED", {HandshakeType::client_hello, HandshakeType::certificate, HandshakeType::certificate_verify,
                           HandshakeType::key_update}},
        {"CONNECTED", {HandshakeType::client_hello, HandshakeType::certificate, HandshakeType::certificate_verify,
                       HandshakeType::finished}},
    };
    for (const Case& c : cases) {
        std::vector<HandshakeType> refused = c.refused;
        refused.insert(refused.end(), common.begin(), common.end());
        for (HandshakeType type : refused) {
            CAPTURE(c.state);
            CAPTURE(to_string(type));
            const std::string state = c.state;
            Server server(with_client_auth(state == "WAIT_CERT" || state == "WAIT_CV" ? ClientAuthMode::required
                                                                                      : ClientAuthMode::off));
            if (state != "START") to_flight2(server);
            if (state == "WAIT_CV") {
                const auto answer = server.client.client_authentication(credentials_of(server_test_pki().client),
                                                                        SignatureScheme::ecdsa_secp256r1_sha256);
                must(server.feed(answer[0]));
            }
            if (state == "CONNECTED") finish(server);
            REQUIRE(server.state() == state);
            const size_t mark = server.io.events.size();
            const Status status = server.feed(message_of_type(type));
            CHECK(server.io.events.size() == mark);
            check_refused(server, status, AlertDescription::unexpected_message);
        }
    }
}

TEST_CASE("client Finished: tampered is decrypt_error, wrong length is decode_error") {
    {
        Server server(test_server_config());
        to_flight2(server);
        Bytes finished = server.client.finished();
        finished.back() ^= 0x01;
        check_refused(server, server.feed(finished), AlertDescription::decrypt_error);
    }
    {
        Server server(test_server_config());
        to_flight2(server);
        check_refused(server, server.feed(message_of_type(HandshakeType::finished, view(Bytes(31, 0)))),
                      AlertDescription::decode_error);
    }
}

TEST_CASE("client authentication refusals") {
    const TestPki& pki = server_test_pki();
    CertificateSpec stranger_root_spec;
    stranger_root_spec.subject = "CN=stranger root";
    stranger_root_spec.is_ca = true;
    const IssuedCertificate stranger_root = issue_certificate(stranger_root_spec, nullptr);
    CertificateSpec stranger_spec;
    stranger_spec.subject = "CN=stranger";
    stranger_spec.server_auth = false;
    const IssuedCertificate stranger = issue_certificate(stranger_spec, &stranger_root);

    struct Case {
        const char* name;
        ClientAuthMode mode;
        std::function<std::vector<Bytes>(Server&)> answer;  // the client's Certificate [, CertificateVerify]
        AlertDescription alert;
        std::function<void(ServerConfig&)> bend = [](ServerConfig&) {};
    };
    const auto sign_with = [](const IssuedCertificate& certificate, SignatureScheme scheme) {
        return [&certificate, scheme](Server& server) {
            return server.client.client_authentication(credentials_of(certificate), scheme);
        };
    };
    const std::vector<Case> cases = {
        // §4.4.2.4
        {"required, empty Certificate", ClientAuthMode::required,
         [](Server& s) {
             return s.client.client_authentication(Credentials{}, SignatureScheme::ecdsa_secp256r1_sha256);
         },
         AlertDescription::certificate_required},
        {"issued by an unknown CA", ClientAuthMode::optional,
         sign_with(stranger, SignatureScheme::ecdsa_secp256r1_sha256), AlertDescription::unknown_ca},
        {"no clientAuth EKU (our server certificate)", ClientAuthMode::required,
         sign_with(pki.server, SignatureScheme::ecdsa_secp256r1_sha256), AlertDescription::unsupported_certificate},
        {"expired by the injected clock", ClientAuthMode::required,
         [&](Server& s) {
             s.clock.set(system_clock().unix_seconds() + 31 * 86400);
             return s.client.client_authentication(credentials_of(pki.client), SignatureScheme::ecdsa_secp256r1_sha256);
         },
         AlertDescription::certificate_expired},
        // §4.4.2: the context echoes the CertificateRequest's (empty).
        {"non-empty request context", ClientAuthMode::required,
         [&](Server&) {
             Certificate ct;
             ct.certificate_request_context = {1};
             ct.certificate_list.push_back({pki.client.der, {}});
             return std::vector<Bytes>{must(encode_handshake(ct))};
         },
         AlertDescription::illegal_parameter},
        // §4.4.2: entry extensions must answer the CertificateRequest's.
        {"entry extension not requested", ClientAuthMode::required,
         [&](Server&) {
             Certificate ct;
             ct.certificate_list.push_back({pki.client.der, {Extension{ExtensionType::status_request, {}}}});
             return std::vector<Bytes>{must(encode_handshake(ct))};
         },
         AlertDescription::unsupported_extension},
        // §4.4.3
        {"tampered CertificateVerify", ClientAuthMode::required,
         [&](Server& s) {
             auto answer = s.client.client_authentication(credentials_of(pki.client),
                                                          SignatureScheme::ecdsa_secp256r1_sha256);
             CertificateVerify cv = must(decode_certificate_verify(frame(answer[1]).body));
             cv.signature[cv.signature.size() / 2] ^= 0x01;
             answer[1] = must(encode_handshake(cv));
             return answer;
         },
         AlertDescription::decrypt_error},
        {"CertificateVerify scheme that does not fit the key", ClientAuthMode::required,
         [&](Server& s) {
             auto answer = s.client.client_authentication(credentials_of(pki.client),
                                                          SignatureScheme::ecdsa_secp256r1_sha256);
             CertificateVerify cv = must(decode_certificate_verify(frame(answer[1]).body));
             cv.algorithm = SignatureScheme::rsa_pss_rsae_sha256;
             answer[1] = must(encode_handshake(cv));
             return answer;
         },
         AlertDescription::illegal_parameter},
        {"CertificateVerify scheme we did not offer", ClientAuthMode::required,
         sign_with(pki.client, SignatureScheme::ecdsa_secp256r1_sha256), AlertDescription::illegal_parameter,
         [](ServerConfig& c) { c.signature_schemes = {SignatureScheme::rsa_pss_rsae_sha256}; }},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        ServerConfig config = with_client_auth(c.mode);
        c.bend(config);
        Server server(std::move(config));
        to_flight2(server);
        const std::vector<Bytes> answer = c.answer(server);
        Status status = ok();
        for (const Bytes& message : answer) {
            status = server.feed(message);
            if (!status) break;
        }
        check_refused(server, status, c.alert);
    }
}

// RFC 8446 §4.4.3: "RSA signatures MUST use an RSASSA-PSS algorithm"; RSASSA-PKCS1-v1_5 and
// SHA-1 are for certificates only (§4.2.3): refused even by a configuration that offers them.
TEST_CASE("a client CertificateVerify with rsa_pkcs1_* or SHA-1 is illegal_parameter, even if offered") {
    const TestPki& pki = server_test_pki();
    for (SignatureScheme scheme :
         {SignatureScheme::rsa_pkcs1_sha256, SignatureScheme::rsa_pkcs1_sha512, SignatureScheme::rsa_pkcs1_sha1,
          SignatureScheme::ecdsa_sha1}) {
        CAPTURE(to_string(scheme));
        ServerConfig config = with_client_auth(ClientAuthMode::required);
        config.signature_schemes.push_back(scheme);
        Server server(std::move(config));
        to_flight2(server);
        auto answer =
            server.client.client_authentication(credentials_of(pki.client), SignatureScheme::ecdsa_secp256r1_sha256);
        CertificateVerify cv = must(decode_certificate_verify(frame(answer[1]).body));
        cv.algorithm = scheme;
        answer[1] = must(encode_handshake(cv));
        must(server.feed(answer[0]));
        const Status status = server.feed(answer[1]);
        check_refused(server, status, AlertDescription::illegal_parameter);
        CHECK(status.error().reason.find("not allowed in CertificateVerify (RFC 8446 §4.4.3)") != std::string::npos);
    }
}

TEST_CASE("KeyUpdate and the exporter before the handshake finished are refused") {
    Server server(test_server_config());
    to_flight2(server);
    CHECK(alert_of(server.handshake->send_key_update(false)) == AlertDescription::internal_error);
    CHECK(alert_of(server.handshake->export_keying_material("EXPORTER-test", {}, 32)) ==
          AlertDescription::internal_error);
    CHECK(server.state() == "WAIT_FINISHED");  // our own misuse does not fail the handshake
}
