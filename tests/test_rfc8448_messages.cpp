// Every handshake message of the five RFC 8448 traces decodes, re-encodes to the same bytes,
// and carries the values the RFC's text describes.
#include <doctest/doctest.h>

#include <set>

#include "fuzz/fuzz_common.h"
#include "support/rfc8448.h"
#include "tls13/crypto/hash.h"
#include "tls13/extensions/key_share.h"
#include "tls13/extensions/negotiation.h"
#include "tls13/extensions/pre_shared_key.h"
#include "tls13/extensions/server_name.h"
#include "tls13/messages/handshake_buffer.h"
#include "tls13/messages/messages.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {


struct TraceMessage {
    std::string where;  // "simple_1rtt server: send handshake record"
    Bytes whole;
};

const std::set<std::string> message_fields = {"ClientHello",       "ServerHello", "EncryptedExtensions",
                                              "CertificateRequest", "Certificate", "CertificateVerify",
                                              "Finished",           "NewSessionTicket", "EndOfEarlyData"};

// Every handshake message the traces print: split out of each plaintext handshake record's
// payload, plus each "construct" step's message field (which covers the messages that travel
// in protected records). §4's constructed ClientHello lacks its binders (its header counts
// them); the record that carries it has the full message.
std::vector<TraceMessage> trace_messages() {
    std::vector<TraceMessage> out;
    for (const auto& name : rfc8448_trace_names()) {
        for (const auto& step : rfc8448(name).steps) {
            const std::string where = name + " " + step.side + ": " + step.label;
            if (step.label.starts_with("send handshake record")) {
                Reader r(view(step.at("payload")));
                while (!r.empty()) {
                    auto message = read_handshake_message(r);
                    REQUIRE_MESSAGE(message, where);
                    out.push_back({where, to_bytes(message->whole)});
                }
            }
            for (const auto& [key, value] : step.values) {
                if (message_fields.count(key) == 0) continue;
                if (name == "resumed_0rtt" && key == "ClientHello") continue;  // no binders yet
                out.push_back({where + " / " + key, value});
            }
        }
    }
    return out;
}

// Decodes one whole message by its type and checks the round trip (fuzz_common.h); returns
// the problem, empty on success.
std::string check_message(ByteView whole) {
    Reader r(whole);
    auto message = read_handshake_message(r);
    if (!message || !r.empty()) return "framing";
    // Every RFC 8448 trace uses TLS_AES_128_GCM_SHA256: Finished is 32 bytes.
    const auto outcome = fuzz::check_any(message->type, message->body, 32);
    return outcome.alert ? "decode failed: " + outcome.alert->to_string() : outcome.problem;
}

// The nth value named `field` that `side` prints in `trace`.
const Bytes& field_of(const std::string& trace, const std::string& side, const std::string& field, int nth = 0) {
    int seen = 0;
    for (const auto& step : rfc8448(trace).steps)
        if (step.side == side && step.has(field) && seen++ == nth) return step.at(field);
    FAIL("no field " << field << " in " << trace);
    throw std::logic_error("unreachable");
}

template <class M, class Decode>
M decode_whole(const Bytes& whole, Decode decode) {
    Reader r(view(whole));
    auto message = read_handshake_message(r);
    REQUIRE(message);
    REQUIRE(r.empty());
    auto decoded = decode(message->body);
    REQUIRE_MESSAGE(decoded, (decoded ? "" : decoded.error().to_string()));
    return *decoded;
}

ByteView ext(const Extensions& exts, ExtensionType type) {
    auto found = find_extension(exts, type);
    REQUIRE_MESSAGE(found, to_string(type));
    return *found;
}

}  // namespace

TEST_CASE("every RFC 8448 handshake message decodes and re-encodes to identical bytes") {
    const auto messages = trace_messages();
    std::map<HandshakeType, int> by_type;
    for (const auto& m : messages) {
        CAPTURE(m.where);
        CHECK(check_message(view(m.whole)) == "");
        by_type[static_cast<HandshakeType>(m.whole[0])]++;
    }
    // Each type occurs: the walk really reached them all.
    for (HandshakeType t : {HandshakeType::client_hello, HandshakeType::server_hello,
                            HandshakeType::encrypted_extensions, HandshakeType::certificate_request,
                            HandshakeType::certificate, HandshakeType::certificate_verify, HandshakeType::finished,
                            HandshakeType::new_session_ticket, HandshakeType::end_of_early_data})
        CHECK_MESSAGE(by_type[t] > 0, to_string(t));
    // 6 ClientHellos in plaintext records (one per trace, two in §5) + 5 constructed (not §4's).
    CHECK(by_type[HandshakeType::client_hello] == 11);
}

TEST_CASE("every proper prefix of an RFC 8448 message body, and the body plus one byte, is decode_error") {
    for (const auto& m : trace_messages()) {
        CAPTURE(m.where);
        const auto type = static_cast<HandshakeType>(m.whole[0]);
        const ByteView body = ByteView(m.whole).subspan(4);
        for (size_t n = 0; n < body.size(); ++n) {
            const auto outcome = fuzz::check_any(type, body.first(n));
            REQUIRE_MESSAGE(outcome.alert, "prefix of " << n << " bytes decoded");
            CHECK(outcome.alert->description == AlertDescription::decode_error);
        }
        Bytes longer(body.begin(), body.end());
        longer.push_back(0);
        const auto outcome = fuzz::check_any(type, view(longer));
        REQUIRE(outcome.alert);
        CHECK(outcome.alert->description == AlertDescription::decode_error);
    }
}

TEST_CASE("RFC 8448 §3 ClientHello and ServerHello carry the described values") {
    const auto hello = decode_whole<ClientHello>(field_of("simple_1rtt", "client", "ClientHello"), decode_client_hello);
    CHECK(hello.legacy_version == 0x0303);
    CHECK(hello.legacy_session_id.empty());
    CHECK(hello.cipher_suites == std::vector<CipherSuite>{CipherSuite::TLS_AES_128_GCM_SHA256,
                                                          CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
                                                          CipherSuite::TLS_AES_256_GCM_SHA384});
    CHECK(find_host_name(decode_server_name_client_hello(ext(hello.extensions, ExtensionType::server_name)).value()) ==
          "server");
    const auto shares = decode_key_share_client_hello(ext(hello.extensions, ExtensionType::key_share)).value();
    REQUIRE(shares.size() == 1);
    CHECK(shares[0].group == NamedGroup::x25519);
    CHECK(to_hex(view(shares[0].key_exchange)) == "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c");
    CHECK(decode_supported_versions_client_hello(ext(hello.extensions, ExtensionType::supported_versions)).value() ==
          std::vector<uint16_t>{tls13_version});
    const auto groups = decode_supported_groups(ext(hello.extensions, ExtensionType::supported_groups)).value();
    CHECK(groups.size() == 9);
    CHECK(groups.front() == NamedGroup::x25519);
    const auto schemes = decode_signature_algorithms(ext(hello.extensions, ExtensionType::signature_algorithms)).value();
    CHECK(schemes.size() == 15);
    CHECK(schemes.front() == SignatureScheme::ecdsa_secp256r1_sha256);
    CHECK(decode_psk_key_exchange_modes(ext(hello.extensions, ExtensionType::psk_key_exchange_modes)).value() ==
          std::vector<PskKeyExchangeMode>{PskKeyExchangeMode::psk_dhe_ke});
    // Extensions we do not implement are kept in place: renegotiation_info (0xff01),
    // session_ticket (35), record_size_limit (28).
    CHECK(has_extension(hello.extensions, static_cast<ExtensionType>(0xff01)));
    CHECK(has_extension(hello.extensions, static_cast<ExtensionType>(35)));
    CHECK(has_extension(hello.extensions, static_cast<ExtensionType>(28)));

    const auto server = decode_whole<ServerHello>(field_of("simple_1rtt", "server", "ServerHello"), decode_server_hello);
    CHECK_FALSE(server.is_hello_retry_request());
    CHECK(server.cipher_suite == CipherSuite::TLS_AES_128_GCM_SHA256);
    const auto share = decode_key_share_server_hello(ext(server.extensions, ExtensionType::key_share)).value();
    CHECK(share.group == NamedGroup::x25519);
    CHECK(to_hex(view(share.key_exchange)) == "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f");
    CHECK(decode_supported_versions_server_hello(ext(server.extensions, ExtensionType::supported_versions)).value() ==
          tls13_version);
    CHECK(check_offered(server.extensions, hello.extensions, false));
}

TEST_CASE("RFC 8448 §3 server flight: EncryptedExtensions, Certificate, CertificateVerify, NewSessionTicket") {
    const auto ee = decode_whole<EncryptedExtensions>(field_of("simple_1rtt", "server", "EncryptedExtensions"),
                                                      decode_encrypted_extensions);
    CHECK(ext(ee.extensions, ExtensionType::server_name).empty());
    CHECK(decode_supported_groups(ext(ee.extensions, ExtensionType::supported_groups)).value().size() == 9);

    const auto cert = decode_whole<Certificate>(field_of("simple_1rtt", "server", "Certificate"), decode_certificate);
    CHECK(cert.certificate_request_context.empty());
    REQUIRE(cert.certificate_list.size() == 1);
    CHECK(cert.certificate_list[0].cert_data == rfc8448_certificates().at(0).der);
    CHECK(cert.certificate_list[0].extensions.empty());

    const auto cv = decode_whole<CertificateVerify>(field_of("simple_1rtt", "server", "CertificateVerify"),
                                                    decode_certificate_verify);
    CHECK(cv.algorithm == SignatureScheme::rsa_pss_rsae_sha256);
    CHECK(cv.signature.size() == 128);

    const auto ticket = decode_whole<NewSessionTicket>(field_of("simple_1rtt", "server", "NewSessionTicket"),
                                                       decode_new_session_ticket);
    CHECK(ticket.ticket_lifetime == 30);
    CHECK(ticket.ticket_age_add == 0xfad6aac5);
    CHECK(to_hex(view(ticket.ticket_nonce)) == "0000");
    CHECK(ticket.ticket.size() == 178);
    CHECK(decode_early_data_new_session_ticket(ext(ticket.extensions, ExtensionType::early_data)).value() == 0x400);
    // §4 resumes with this ticket: its PSK identity is the ticket.
    const auto resumed = decode_whole<ClientHello>(field_of("resumed_0rtt", "client", "payload"), decode_client_hello);
    const auto offered = decode_pre_shared_key_client_hello(ext(resumed.extensions, ExtensionType::pre_shared_key)).value();
    REQUIRE(offered.identities.size() == 1);
    CHECK(offered.identities[0].identity == ticket.ticket);
}

TEST_CASE("RFC 8448 §4 ClientHello: binder, binders prefix, early_data; ServerHello selects identity 0") {
    const Bytes& sent = field_of("resumed_0rtt", "client", "payload");
    const auto& binder_step = rfc8448("resumed_0rtt").find("client", "calculate PSK binder");
    auto prefix = client_hello_binders_prefix(view(sent));
    REQUIRE(prefix);
    CHECK(to_bytes(*prefix) == binder_step.at("ClientHello prefix"));
    CHECK(hash(HashAlgorithm::sha256, *prefix) == binder_step.at("binder hash"));

    auto hello = decode_whole<ClientHello>(sent, decode_client_hello);
    CHECK(hello.extensions.back().type == ExtensionType::pre_shared_key);
    CHECK(decode_empty_extension(ext(hello.extensions, ExtensionType::early_data), "early_data"));
    const auto offered = decode_pre_shared_key_client_hello(ext(hello.extensions, ExtensionType::pre_shared_key)).value();
    REQUIRE(offered.binders.size() == 1);
    CHECK(offered.binders[0] == binder_step.at("finished"));

    // The client's path: placeholder binders, prefix, real binders.
    REQUIRE(set_psk_binders(hello, {Bytes(32, 0)}));
    const Bytes placeholder = encode_handshake(hello).value();
    CHECK(to_bytes(client_hello_binders_prefix(view(placeholder)).value()) == binder_step.at("ClientHello prefix"));
    REQUIRE(set_psk_binders(hello, {binder_step.at("finished")}));
    CHECK(encode_handshake(hello).value() == sent);
    CHECK(set_psk_binders(hello, {}).error().description == AlertDescription::illegal_parameter);

    const auto server = decode_whole<ServerHello>(field_of("resumed_0rtt", "server", "ServerHello"), decode_server_hello);
    CHECK(decode_pre_shared_key_server_hello(ext(server.extensions, ExtensionType::pre_shared_key)).value() == 0);
    const auto ee = decode_whole<EncryptedExtensions>(field_of("resumed_0rtt", "server", "EncryptedExtensions"),
                                                      decode_encrypted_extensions);
    CHECK(ext(ee.extensions, ExtensionType::early_data).empty());
}

TEST_CASE("RFC 8448 §5 HelloRetryRequest asks for secp256r1 with a cookie; ClientHello2 echoes it") {
    const auto hrr = decode_whole<ServerHello>(field_of("hello_retry_request", "server", "ServerHello", 0),
                                               decode_server_hello);
    CHECK(hrr.is_hello_retry_request());
    CHECK(hrr.extension_context() == ExtensionContext::hello_retry_request);
    CHECK(decode_key_share_hello_retry_request(ext(hrr.extensions, ExtensionType::key_share)).value() ==
          NamedGroup::secp256r1);
    const Bytes cookie = decode_cookie(ext(hrr.extensions, ExtensionType::cookie)).value();
    CHECK(cookie.size() == 0x72);  // RFC 8448 §5: extension 002c, length 0074, cookie<0072>

    const auto hello1 = decode_whole<ClientHello>(field_of("hello_retry_request", "client", "ClientHello", 0),
                                                  decode_client_hello);
    const auto hello2 = decode_whole<ClientHello>(field_of("hello_retry_request", "client", "ClientHello", 1),
                                                  decode_client_hello);
    // Only the cookie may be answered without having been offered (§4.2).
    CHECK(check_offered(hrr.extensions, hello1.extensions, true));
    CHECK(check_offered(hrr.extensions, hello1.extensions, false).error().description ==
          AlertDescription::unsupported_extension);
    CHECK(decode_cookie(ext(hello2.extensions, ExtensionType::cookie)).value() == cookie);
    const auto shares = decode_key_share_client_hello(ext(hello2.extensions, ExtensionType::key_share)).value();
    REQUIRE(shares.size() == 1);
    CHECK(shares[0].group == NamedGroup::secp256r1);
    CHECK(shares[0].key_exchange.size() == 65);

    const auto server = decode_whole<ServerHello>(field_of("hello_retry_request", "server", "ServerHello", 1),
                                                  decode_server_hello);
    CHECK_FALSE(server.is_hello_retry_request());
}

TEST_CASE("the HelloRetryRequest random is SHA-256(\"HelloRetryRequest\")") {
    const Bytes expected = hash(HashAlgorithm::sha256, view(std::string_view("HelloRetryRequest")));
    CHECK(Bytes(hello_retry_request_random.begin(), hello_retry_request_random.end()) == expected);
}

TEST_CASE("message_hash replaces ClientHello1 in the RFC 8448 §5 transcript") {
    const Trace& t = rfc8448("hello_retry_request");
    const Bytes ch1_hash = hash(HashAlgorithm::sha256, view(field_of("hello_retry_request", "client", "ClientHello", 0)));
    const Bytes synthetic = message_hash(view(ch1_hash));
    CHECK(to_hex(ByteView(synthetic).first(4)) == "fe000020");
    // RFC 8446 §4.4.1: Transcript-Hash(message_hash || HRR || CH2 || SH) is the hash the
    // client handshake traffic secret is derived from.
    Hash transcript(HashAlgorithm::sha256);
    transcript.update(view(synthetic));
    transcript.update(view(field_of("hello_retry_request", "server", "ServerHello", 0)));
    transcript.update(view(field_of("hello_retry_request", "client", "ClientHello", 1)));
    transcript.update(view(field_of("hello_retry_request", "server", "ServerHello", 1)));
    CHECK(transcript.digest() == t.find("server", "derive secret \"tls13 c hs traffic\"").at("hash"));
}

TEST_CASE("RFC 8448 §6 CertificateRequest and the client's Certificate") {
    const auto request = decode_whole<CertificateRequest>(field_of("client_authentication", "server", "CertificateRequest"),
                                                          decode_certificate_request);
    CHECK(request.certificate_request_context.empty());
    const auto schemes = decode_signature_algorithms(ext(request.extensions, ExtensionType::signature_algorithms)).value();
    CHECK(schemes.size() == 15);
    const auto client_cert = decode_whole<Certificate>(field_of("client_authentication", "client", "Certificate"),
                                                       decode_certificate);
    REQUIRE(client_cert.certificate_list.size() == 1);
    CHECK(check_offered(client_cert.certificate_list[0].extensions, request.extensions, false));
    const auto server_cv = decode_whole<CertificateVerify>(
        field_of("client_authentication", "server", "CertificateVerify"), decode_certificate_verify);
    CHECK(server_cv.algorithm == SignatureScheme::ecdsa_secp256r1_sha256);
}

TEST_CASE("RFC 8448 §7 compatibility mode: ServerHello echoes the 32-byte legacy_session_id") {
    const auto hello = decode_whole<ClientHello>(field_of("compatibility_mode", "client", "ClientHello"),
                                                 decode_client_hello);
    const auto server = decode_whole<ServerHello>(field_of("compatibility_mode", "server", "ServerHello"),
                                                  decode_server_hello);
    CHECK(hello.legacy_session_id.size() == 32);
    CHECK(server.legacy_session_id_echo == hello.legacy_session_id);
}

TEST_CASE("the handshake buffer splits RFC 8448 §3's four-message record, cut at every byte") {
    // The server's encrypted flight is one record of four messages; fed in two pieces split at
    // every point, the buffer yields exactly those four.
    const Bytes& flight = rfc8448("simple_1rtt").find("server", "send handshake record", 1).at("payload");
    const std::vector<std::string> fields = {"EncryptedExtensions", "Certificate", "CertificateVerify", "Finished"};
    for (size_t split = 0; split <= flight.size(); ++split) {
        HandshakeBuffer buffer;
        std::vector<Bytes> got;
        auto drain = [&] {
            while (true) {
                auto next = buffer.next();
                REQUIRE(next);
                if (!next->has_value()) break;
                got.push_back(to_bytes((*next)->whole));
            }
        };
        buffer.append(ByteView(flight).first(split));
        drain();
        buffer.append(ByteView(flight).subspan(split));
        drain();
        CHECK(buffer.empty());
        REQUIRE(got.size() == fields.size());
        for (size_t i = 0; i < fields.size(); ++i) CHECK(got[i] == field_of("simple_1rtt", "server", fields[i]));
    }
}
