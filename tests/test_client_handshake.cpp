// The client state machine (RFC 8446 Appendix A.1) up to ServerHello: what its ClientHello
// offers, and a table of ServerHello / HelloRetryRequest faults, each answered with its exact
// alert.
#include "test_client_handshake_fixture.h"

#include <functional>

#include "tls13/handshake/client_hello_builder.h"
#include "tls13/extensions/alpn.h"
#include "tls13/extensions/server_name.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

std::vector<ExtensionType> types_of(const Extensions& extensions) {
    std::vector<ExtensionType> out;
    for (const auto& e : extensions) out.push_back(e.type);
    return out;
}

Bytes extension_data(const Extensions& extensions, ExtensionType type) {
    auto data = find_extension(extensions, type);
    REQUIRE_MESSAGE(data.has_value(), to_string(type));
    return to_bytes(*data);
}

void set_extension(Extensions& extensions, Extension replacement) {
    for (auto& e : extensions)
        if (e.type == replacement.type) {
            e = std::move(replacement);
            return;
        }
    extensions.push_back(std::move(replacement));
}

void remove_extension(Extensions& extensions, ExtensionType type) {
    std::erase_if(extensions, [&](const Extension& e) { return e.type == type; });
}

// A TLS 1.2 ServerHello (RFC 5246 §7.4.1.3), optionally without any extension block.
Bytes tls12_server_hello(const ClientHello& hello, const HelloRandom& random, bool with_extensions) {
    Bytes whole;
    Writer w(whole);
    write_handshake(w, HandshakeType::server_hello, [&] {
        w.u16(tls12_version);
        w.bytes(random);
        w.vec8(view(hello.legacy_session_id));
        w.u16(0xc02f);  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        w.u8(0);
        if (with_extensions)
            w.vec16([&] {
                w.u16(0xff01);  // renegotiation_info
                w.vec16([&] { w.u8(0); });
                w.u16(static_cast<uint16_t>(ExtensionType::application_layer_protocol_negotiation));
                w.vec16([&] { w.vec16([&] { w.vec8(view(std::string_view("h2"))); }); });
            });
    });
    must(w.status());
    return whole;
}

HelloRandom with_sentinel(uint8_t last) {
    HelloRandom random{};
    random.fill(0x42);
    const std::string_view tail = "DOWNGRD";
    std::copy(tail.begin(), tail.end(), random.begin() + 24);
    random[31] = last;
    return random;
}

}  // namespace

TEST_CASE("the ClientHello offers what the configuration says, in the documented order") {
    ClientConfig config = client_config(pki());
    config.alpn = {"h2", "http/1.1"};
    ClientUnderTest client(std::move(config));
    const Bytes sent = client.start();
    CHECK(client.io.trace() == "H(1) A+");
    CHECK(std::string(client.handshake->state_name()) == "WAIT_SH");

    const ClientHello hello = decode_sent_client_hello(sent);
    CHECK(hello.legacy_version == tls12_version);
    CHECK(hello.cipher_suites == default_cipher_suites());
    // The random is the Random's first 32 bytes; the session id its next 32 (§D.4).
    CHECK(hello.random[0] == 1);
    CHECK(hello.random[31] == 32);
    REQUIRE(hello.legacy_session_id.size() == 32);
    CHECK(hello.legacy_session_id[0] == 33);
    CHECK(types_of(hello.extensions) ==
          std::vector<ExtensionType>{ExtensionType::server_name, ExtensionType::supported_versions,
                                     ExtensionType::supported_groups, ExtensionType::signature_algorithms,
                                     ExtensionType::signature_algorithms_cert, ExtensionType::key_share,
                                     ExtensionType::application_layer_protocol_negotiation,
                                     ExtensionType::psk_key_exchange_modes});
    must(check_extensions(hello.extensions, ExtensionContext::client_hello));

    const auto names = must(decode_server_name_client_hello(view(extension_data(hello.extensions, ExtensionType::server_name))));
    CHECK(find_host_name(names) == std::optional<std::string>("localhost"));
    CHECK(must(decode_supported_versions_client_hello(view(extension_data(hello.extensions, ExtensionType::supported_versions)))) ==
          std::vector<uint16_t>{tls13_version});
    CHECK(must(decode_supported_groups(view(extension_data(hello.extensions, ExtensionType::supported_groups)))) ==
          std::vector<NamedGroup>{NamedGroup::x25519, NamedGroup::secp256r1});
    CHECK(must(decode_signature_algorithms(view(extension_data(hello.extensions, ExtensionType::signature_algorithms)))) ==
          verifiable_schemes());
    // §4.2.3: the certificate list adds rsa_pkcs1_* (and sha512 schemes), which real CAs sign with.
    CHECK(must(decode_signature_algorithms(view(extension_data(hello.extensions, ExtensionType::signature_algorithms_cert)))) ==
          certificate_signature_schemes());
    CHECK(certificate_signature_schemes() != verifiable_schemes());
    const auto shares = must(decode_key_share_client_hello(view(extension_data(hello.extensions, ExtensionType::key_share))));
    REQUIRE(shares.size() == 1);
    CHECK(shares[0].group == NamedGroup::x25519);
    CHECK(shares[0].key_exchange.size() == 32);
    const auto alpn = must(decode_alpn_client_hello(view(extension_data(hello.extensions, ExtensionType::application_layer_protocol_negotiation))));
    CHECK(alpn == std::vector<Bytes>{to_bytes(view(std::string_view("h2"))), to_bytes(view(std::string_view("http/1.1")))});
    CHECK(must(decode_psk_key_exchange_modes(view(extension_data(hello.extensions, ExtensionType::psk_key_exchange_modes)))) ==
          std::vector<PskKeyExchangeMode>{PskKeyExchangeMode::psk_dhe_ke});
}

TEST_CASE("ClientHello variants: IP literal, no compatibility mode, other group and suites") {
    ClientConfig config = client_config(pki());
    config.server_name = "127.0.0.1";
    config.compatibility_mode = false;
    config.groups = {NamedGroup::secp256r1};
    config.cipher_suites = {CipherSuite::TLS_CHACHA20_POLY1305_SHA256};
    ClientUnderTest client(std::move(config));
    const ClientHello hello = decode_sent_client_hello(client.start());
    // RFC 6066 §3: no IP literals in server_name.
    CHECK_FALSE(has_extension(hello.extensions, ExtensionType::server_name));
    CHECK_FALSE(has_extension(hello.extensions, ExtensionType::application_layer_protocol_negotiation));
    CHECK(hello.legacy_session_id.empty());
    CHECK(hello.cipher_suites == std::vector<CipherSuite>{CipherSuite::TLS_CHACHA20_POLY1305_SHA256});
    const auto shares = must(decode_key_share_client_hello(view(extension_data(hello.extensions, ExtensionType::key_share))));
    REQUIRE(shares.size() == 1);
    CHECK(shares[0].group == NamedGroup::secp256r1);
    CHECK(shares[0].key_exchange.size() == 65);
    CHECK(client.handshake->session().server_name.empty());
}

TEST_CASE("server names: IP literals are recognised, trailing dots dropped") {
    CHECK(is_ip_literal("127.0.0.1"));
    CHECK(is_ip_literal("::1"));
    CHECK(is_ip_literal("[2001:db8::1]"));
    CHECK_FALSE(is_ip_literal("localhost"));
    CHECK_FALSE(is_ip_literal("1.2.3.4.example"));
    CHECK(sni_host_name("example.com.") == "example.com");
    CHECK(sni_host_name("10.0.0.1").empty());
    CHECK(sni_host_name("").empty());
}

TEST_CASE("an unusable configuration is refused before anything is sent") {
    const std::vector<std::function<void(ClientConfig&)>> spoil = {
        [](ClientConfig& c) { c.cipher_suites.clear(); },
        [](ClientConfig& c) { c.cipher_suites = {CipherSuite::TLS_AES_128_CCM_SHA256}; },
        [](ClientConfig& c) { c.groups.clear(); },
        [](ClientConfig& c) { c.groups = {NamedGroup::ffdhe2048}; },
        [](ClientConfig& c) { c.signature_schemes.clear(); },
        [](ClientConfig& c) { c.certificate_signature_schemes.clear(); },
        [](ClientConfig& c) { c.server_name.clear(); },
        [](ClientConfig& c) { c.alpn = {""}; },
    };
    for (size_t i = 0; i < spoil.size(); ++i) {
        CAPTURE(i);
        ClientConfig config = client_config(pki());
        spoil[i](config);
        ClientUnderTest client(std::move(config));
        const Status started = client.handshake->start();
        CHECK(alert_of(started) == AlertDescription::internal_error);
        CHECK(client.io.events.empty());
    }
}

TEST_CASE("ServerHello faults: each is refused with its RFC 8446 alert") {
    struct Case {
        const char* name;
        // Turns a correct ServerHello into the faulty message, given the ClientHello it answers.
        std::function<Bytes(ServerHello&, const ClientHello&)> make;
        AlertDescription expected;
        const char* reason_part;  // so the alert comes from the intended check
    };
    const auto encoded = [](const ServerHello& hello) { return must(encode_handshake(hello)); };
    const std::vector<Case> cases = {
        {"TLS 1.2 ServerHello (no supported_versions)",
         [](ServerHello& sh, const ClientHello& ch) { return tls12_server_hello(ch, sh.random, true); },
         AlertDescription::protocol_version, "only TLS 1.3"},
        {"TLS 1.2 ServerHello without any extensions",
         [](ServerHello& sh, const ClientHello& ch) { return tls12_server_hello(ch, sh.random, false); },
         AlertDescription::protocol_version, "only TLS 1.3"},
        {"TLS 1.2 ServerHello with the DOWNGRD 01 sentinel",
         [](ServerHello&, const ClientHello& ch) { return tls12_server_hello(ch, with_sentinel(1), true); },
         AlertDescription::illegal_parameter, "downgrade sentinel"},
        {"TLS 1.1 ServerHello with the DOWNGRD 00 sentinel",
         [](ServerHello&, const ClientHello& ch) { return tls12_server_hello(ch, with_sentinel(0), false); },
         AlertDescription::illegal_parameter, "downgrade sentinel"},
        {"TLS 1.3 ServerHello whose random carries the sentinel",
         [&](ServerHello& sh, const ClientHello&) {
             sh.random = with_sentinel(1);
             return encoded(sh);
         },
         AlertDescription::illegal_parameter, "downgrade sentinel"},
        {"supported_versions selects TLS 1.2",
         [&](ServerHello& sh, const ClientHello&) {
             set_extension(sh.extensions, must_extension(encode_supported_versions_server_hello(tls12_version)));
             return encoded(sh);
         },
         AlertDescription::illegal_parameter, "did not offer"},
        {"legacy_session_id_echo differs",
         [&](ServerHello& sh, const ClientHello&) {
             sh.legacy_session_id_echo.back() ^= 0x01;
             return encoded(sh);
         },
         AlertDescription::illegal_parameter, "legacy_session_id_echo"},
        {"legacy_session_id_echo empty",
         [&](ServerHello& sh, const ClientHello&) {
             sh.legacy_session_id_echo.clear();
             return encoded(sh);
         },
         AlertDescription::illegal_parameter, "legacy_session_id_echo"},
        {"unoffered cipher suite",
         [&](ServerHello& sh, const ClientHello&) {
             sh.cipher_suite = CipherSuite::TLS_AES_256_GCM_SHA384;
             return encoded(sh);
         },
         AlertDescription::illegal_parameter, "was not offered"},
        {"unknown cipher suite",
         [&](ServerHello& sh, const ClientHello&) {
             sh.cipher_suite = CipherSuite::TLS_AES_128_CCM_SHA256;
             return encoded(sh);
         },
         AlertDescription::illegal_parameter, "was not offered"},
        {"key share for a group we sent no share for",
         [&](ServerHello& sh, const ClientHello&) {
             CounterRandom r(7);
             auto p256 = must(generate_key_exchange(NamedGroup::secp256r1, r));
             set_extension(sh.extensions, must_extension(encode_key_share_server_hello(
                                              KeyShareEntry{NamedGroup::secp256r1, to_bytes(p256->public_key())})));
             return encoded(sh);
         },
         AlertDescription::illegal_parameter, "sent no share"},
        {"all-zero X25519 share",
         [&](ServerHello& sh, const ClientHello&) {
             set_extension(sh.extensions, must_extension(encode_key_share_server_hello(
                                              KeyShareEntry{NamedGroup::x25519, Bytes(32, 0)})));
             return encoded(sh);
         },
         AlertDescription::illegal_parameter, ""},
        {"no key_share",
         [&](ServerHello& sh, const ClientHello&) {
             remove_extension(sh.extensions, ExtensionType::key_share);
             return encoded(sh);
         },
         AlertDescription::missing_extension, "no key_share"},
        {"unsolicited pre_shared_key",
         [&](ServerHello& sh, const ClientHello&) {
             sh.extensions.push_back(must_extension(encode_u16_extension(ExtensionType::pre_shared_key, 0)));
             return encoded(sh);
         },
         AlertDescription::unsupported_extension, "pre_shared_key was not offered"},
        {"unsolicited unknown extension",
         [&](ServerHello& sh, const ClientHello&) {
             sh.extensions.push_back(Extension{static_cast<ExtensionType>(0xfe01), {}});
             return encoded(sh);
         },
         AlertDescription::unsupported_extension, "was not offered"},
        {"HelloRetryRequest for the group we already sent",
         [&](ServerHello& sh, const ClientHello&) {
             sh.random = hello_retry_request_random;
             set_extension(sh.extensions, must_extension(encode_key_share_hello_retry_request(NamedGroup::x25519)));
             return encoded(sh);
         },
         AlertDescription::illegal_parameter, "already sent a share"},
        {"HelloRetryRequest for a group we do not support",
         [&](ServerHello& sh, const ClientHello&) {
             sh.random = hello_retry_request_random;
             set_extension(sh.extensions, must_extension(encode_key_share_hello_retry_request(NamedGroup::secp384r1)));
             return encoded(sh);
         },
         AlertDescription::illegal_parameter, "do not support"},
        {"HelloRetryRequest that changes nothing",
         [&](ServerHello& sh, const ClientHello&) {
             sh.random = hello_retry_request_random;
             remove_extension(sh.extensions, ExtensionType::key_share);
             return encoded(sh);
         },
         AlertDescription::illegal_parameter, "would not change"},
        {"HelloRetryRequest with an unoffered suite",
         [&](ServerHello& sh, const ClientHello&) {
             sh.random = hello_retry_request_random;
             sh.cipher_suite = CipherSuite::TLS_AES_256_GCM_SHA384;
             set_extension(sh.extensions, must_extension(encode_key_share_hello_retry_request(NamedGroup::secp256r1)));
             return encoded(sh);
         },
         AlertDescription::illegal_parameter, "was not offered"},
        {"truncated ServerHello",
         [&](ServerHello& sh, const ClientHello&) {
             Bytes whole = encoded(sh);
             whole.resize(whole.size() - 3);
             whole[3] = static_cast<uint8_t>(whole[3] - 3);
             return whole;
         },
         AlertDescription::decode_error, ""},
        {"EncryptedExtensions instead of ServerHello",
         [&](ServerHello&, const ClientHello&) { return must(encode_handshake(EncryptedExtensions{})); },
         AlertDescription::unexpected_message, "in WAIT_SH"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        ClientConfig config = client_config(pki());
        config.cipher_suites = {CipherSuite::TLS_AES_128_GCM_SHA256};
        ClientUnderTest client(std::move(config));
        const ClientHello hello = decode_sent_client_hello(client.start());
        ScriptedServer server(pki());
        ServerHello answer = server.answer(hello);
        const Bytes message = c.make(answer, hello);
        const Status received = client.deliver(view(message));
        CHECK(alert_of(received) == c.expected);
        CHECK_MESSAGE(received.error().reason.find(c.reason_part) != std::string::npos, received.error().reason);
        CHECK(std::string(client.handshake->state_name()) == "FAILED");
        // Nothing more is accepted after a failure.
        CHECK(alert_of(client.deliver(view(message))) == AlertDescription::internal_error);
    }
}

TEST_CASE("HelloRetryRequest: new share, cookie echoed, CCS before ClientHello2, message_hash transcript") {
    ClientConfig config = client_config(pki());
    ClientUnderTest client(std::move(config));
    const Bytes client_hello1 = client.start();
    const ClientHello hello1 = decode_sent_client_hello(client_hello1);
    ScriptedServer server(pki());
    server.add(view(client_hello1));
    server.replace_client_hello_with_message_hash();
    const Bytes cookie = {0xc0, 0x01, 0xde};
    const Bytes retry = server.encode(server.hello_retry_request(hello1, NamedGroup::secp256r1, cookie));
    const size_t before = client.io.events.size();
    must(client.deliver(view(retry)));
    CHECK(std::string(client.handshake->state_name()) == "WAIT_SH");
    // §D.4: the compatibility change_cipher_spec, then ClientHello2.
    CHECK(client.io.trace(before) == "C H(1)");

    const Bytes client_hello2 = client.last_sent();
    const ClientHello hello2 = decode_sent_client_hello(client_hello2);
    CHECK(hello2.random == hello1.random);
    CHECK(hello2.legacy_session_id == hello1.legacy_session_id);
    CHECK(must(decode_cookie(view(extension_data(hello2.extensions, ExtensionType::cookie)))) == cookie);
    const auto shares = must(decode_key_share_client_hello(view(extension_data(hello2.extensions, ExtensionType::key_share))));
    REQUIRE(shares.size() == 1);
    CHECK(shares[0].group == NamedGroup::secp256r1);

    // A second HelloRetryRequest is unexpected_message (§4.1.4).
    SUBCASE("second HelloRetryRequest") {
        ScriptedServer other(pki());
        const Bytes again = must(encode_handshake(other.hello_retry_request(hello2, NamedGroup::x25519)));
        CHECK(alert_of(client.deliver(view(again))) == AlertDescription::unexpected_message);
    }
    SUBCASE("ServerHello with another suite than the HelloRetryRequest's") {
        ScriptedServer other(pki(), CipherSuite::TLS_AES_256_GCM_SHA384);
        const Bytes hello = must(encode_handshake(other.answer(hello2)));
        CHECK(alert_of(client.deliver(view(hello))) == AlertDescription::illegal_parameter);
    }
    SUBCASE("ServerHello with the share for the old group") {
        ServerHello hello = server.answer(hello2);
        CounterRandom r(9);
        auto x25519 = must(generate_key_exchange(NamedGroup::x25519, r));
        set_extension(hello.extensions, must_extension(encode_key_share_server_hello(
                                            KeyShareEntry{NamedGroup::x25519, to_bytes(x25519->public_key())})));
        CHECK(alert_of(client.deliver(view(must(encode_handshake(hello))))) == AlertDescription::illegal_parameter);
    }
    SUBCASE("the ServerHello completes the key schedule over the message_hash transcript") {
        server.add(view(client_hello2));
        const Bytes hello = server.encode(server.answer(hello2));
        const size_t at = client.io.events.size();
        must(client.deliver(view(hello)));
        // Both handshake keys; no second CCS, one went before ClientHello2.
        CHECK(client.io.trace(at) == "R W");
        CHECK(client.io.events[at].data == to_bytes(server.server_handshake().view()));
        CHECK(client.io.events.back().data == to_bytes(server.client_handshake().view()));
        CHECK(client.handshake->session().hello_retry_request);
        CHECK(client.handshake->session().group == NamedGroup::secp256r1);
    }
}
