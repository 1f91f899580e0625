// Our CLIENT driven with RFC 8448 §3's client random and x25519 key. Our ClientHello is NOT the
// RFC's bytes: the RFC's carries renegotiation_info and record_size_limit, which we do not send,
// and longer supported_groups (with P-384, P-521, FFDHE) and signature_algorithms (15 schemes,
// with PKCS#1 v1.5 and SHA-1) lists than ours, so the transcripts differ from the first message.
// What is checked: the parts of our ClientHello fixed by the injected values and by the same
// choices (random, session id, legacy_version, key_share, server_name, supported_versions,
// psk_key_exchange_modes are the RFC's bytes; our groups and schemes are a subset of the RFC's),
// and that the RFC's ServerHello (compatibility mode off: both session ids are empty, so the
// echo check passes) makes our client derive the RFC's handshake secret, i.e. the traffic
// secrets of that secret over OUR transcript (our ClientHello + the RFC's ServerHello).
#include "support/rfc8448.h"
#include "support/rfc8448_replay.h"
#include "test_server_handshake_support.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

// The extension `type` is in both hellos, with the same bytes.
void same_extension(const Extensions& ours, const Extensions& theirs, ExtensionType type) {
    CAPTURE(to_string(type));
    const auto a = find_extension(ours, type);
    const auto b = find_extension(theirs, type);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(hex(*a) == hex(*b));
}

// The handshake traffic secrets our client installed (read = server's, write = client's) are
// the RFC's handshake secret expanded over `transcript` (our hellos + the RFC's server messages).
void check_handshake_keys(const RecordingIo& io, size_t mark, const Trace& trace, const Transcript& transcript) {
    const Bytes& ecdhe = trace.find("server", "extract secret \"handshake\"").at("IKM");
    const HandshakeSecret rfc_handshake(trace.find("server", "extract secret \"handshake\"").at("secret"));
    CHECK(hex(must(handshake_secret(HashAlgorithm::sha256, early_secret(HashAlgorithm::sha256, ByteView()),
                                    view(ecdhe)))) == hex(rfc_handshake));
    const Bytes hello_hash = must(transcript.hash());
    CHECK(hex(io.find("read_key", mark)) ==
          hex(must(server_handshake_traffic_secret(HashAlgorithm::sha256, rfc_handshake, view(hello_hash)))));
    CHECK(hex(io.find("write_key", mark)) ==
          hex(must(client_handshake_traffic_secret(HashAlgorithm::sha256, rfc_handshake, view(hello_hash)))));
    // And not the trace's, whose transcript starts with the RFC's ClientHello.
    CHECK(hex(io.find("read_key", mark)) !=
          hex(trace.find("server", "derive secret \"tls13 s hs traffic\"").at("expanded")));
}

// Our client as the RFC's: SNI "server", compatibility mode off (the RFC's §3 and §5
// ClientHellos have an empty legacy_session_id), started (its first ClientHello sent).
std::unique_ptr<Handshake> started_client(Random& random, RecordingIo& io) {
    static FixedClock clock(1546300800);  // 2019-01-01, inside the RFC certificates' validity
    ClientConfig config;
    config.server_name = "server";
    config.compatibility_mode = false;
    config.trust_anchors = std::make_shared<const TrustStore>(
        must(TrustStore::from_pem_or_der(view(rfc8448_certificate("server", "simple_1rtt")))));
    auto client = make_client_handshake(std::move(config), {io, random, clock});
    must(client->start());
    return client;
}

}  // namespace

TEST_CASE("RFC 8448 §3: our client with the RFC's random and key, then the RFC's ServerHello") {
    const Trace& trace = rfc8448("simple_1rtt");
    const Bytes& rfc_client_hello = trace.find("client", "construct a ClientHello").at("ClientHello");
    const Bytes& rfc_server_hello = trace.find("server", "construct a ServerHello").at("ServerHello");
    const ClientHello theirs = must(decode_client_hello(frame(rfc_client_hello).body));

    ScriptedRandom random({Bytes(theirs.random.begin(), theirs.random.end()),
                           trace.find("client", "create an ephemeral x25519").at("private key")});
    RecordingIo io;
    auto client = started_client(random, io);
    CHECK(random.used_up());
    CHECK(io.trace() == "client_hello ccs_allowed");
    const Bytes our_client_hello = io.find("client_hello");
    const ClientHello ours = must(decode_client_hello(frame(our_client_hello).body));

    CHECK(hex(our_client_hello) != hex(rfc_client_hello));
    CHECK(ours.legacy_version == theirs.legacy_version);
    CHECK(ours.random == theirs.random);
    CHECK(ours.legacy_session_id == theirs.legacy_session_id);
    CHECK(ours.legacy_session_id.empty());
    // The key_share extension is the RFC's byte for byte: one x25519 entry with the public key
    // of the injected private key (RFC 7748).
    const auto same = [&](ExtensionType type) { same_extension(ours.extensions, theirs.extensions, type); };
    same(ExtensionType::key_share);
    CHECK(hex(must(decode_key_share_client_hello(*find_extension(ours.extensions, ExtensionType::key_share)))
                  .front()
                  .key_exchange) == hex(trace.find("client", "create an ephemeral x25519").at("public key")));
    same(ExtensionType::server_name);
    same(ExtensionType::supported_versions);
    same(ExtensionType::psk_key_exchange_modes);
    // Lists of which ours are a strict subset.
    const auto subset = [&](auto decode, ExtensionType type) {
        CAPTURE(to_string(type));
        const auto mine = must(decode(*find_extension(ours.extensions, type)));
        const auto rfc = must(decode(*find_extension(theirs.extensions, type)));
        CHECK(mine.size() < rfc.size());
        for (const auto& item : mine) CHECK(std::find(rfc.begin(), rfc.end(), item) != rfc.end());
    };
    subset(decode_supported_groups, ExtensionType::supported_groups);
    subset(decode_signature_algorithms, ExtensionType::signature_algorithms);
    // The RFC sends these and we do not.
    for (uint16_t type : {uint16_t{0xff01} /* renegotiation_info */, uint16_t{0x001c} /* record_size_limit */}) {
        CAPTURE(type);
        CHECK(has_extension(theirs.extensions, static_cast<ExtensionType>(type)));
        CHECK(!has_extension(ours.extensions, static_cast<ExtensionType>(type)));
    }

    // The RFC's ServerHello is accepted (TLS_AES_128_GCM_SHA256 and x25519 are ours too).
    const size_t mark = io.events.size();
    must(client->on_message(frame(rfc_server_hello)));
    CHECK(io.trace(mark) == "read_key write_key");
    // ECDHE of the RFC server's share with the injected key gives the RFC's handshake secret;
    // the traffic secrets are that secret's over our ClientHello + the RFC's ServerHello.
    Transcript transcript(HashAlgorithm::sha256);
    must(transcript.add(view(our_client_hello)));
    must(transcript.add(view(rfc_server_hello)));
    check_handshake_keys(io, mark, trace, transcript);
    CHECK(std::string(client->state_name()) == "WAIT_EE");
}

TEST_CASE("RFC 8448 §5: our client answers the RFC's HelloRetryRequest (cookie echoed, P-256 share)") {
    const Trace& trace = rfc8448("hello_retry_request");
    const Bytes& rfc_client_hello1 = trace.find("client", "construct a ClientHello").at("ClientHello");
    const Bytes& rfc_client_hello2 = trace.find("client", "construct a ClientHello", 1).at("ClientHello");
    const Bytes& rfc_retry = trace.find("server", "construct a ServerHello").at("ServerHello");
    const Bytes& rfc_server_hello = trace.find("server", "construct a ServerHello", 1).at("ServerHello");
    const ClientHello theirs1 = must(decode_client_hello(frame(rfc_client_hello1).body));
    const ClientHello theirs2 = must(decode_client_hello(frame(rfc_client_hello2).body));

    // The random, the x25519 key, the P-256 scalar, then mbedTLS's blinding draws (filler).
    PrefixRandom random({Bytes(theirs1.random.begin(), theirs1.random.end()),
                         trace.find("client", "create an ephemeral x25519").at("private key"),
                         trace.find("client", "create an ephemeral P-256").at("private key")},
                        0x01);
    RecordingIo io;
    auto client = started_client(random, io);
    CHECK(random.fills() == 2);
    const Bytes our_client_hello1 = io.find("client_hello");
    same_extension(must(decode_client_hello(frame(our_client_hello1).body)).extensions, theirs1.extensions,
                   ExtensionType::key_share);

    // The RFC's HelloRetryRequest (P-256, with a cookie) is accepted; our second ClientHello
    // keeps the random, echoes the cookie and carries the RFC's P-256 share, byte for byte.
    size_t mark = io.events.size();
    must(client->on_message(frame(rfc_retry)));
    CHECK(random.fills() >= 3);
    CHECK(io.trace(mark) == "client_hello");
    const Bytes our_client_hello2 = io.find("client_hello", mark);
    const ClientHello ours2 = must(decode_client_hello(frame(our_client_hello2).body));
    CHECK(ours2.random == theirs2.random);
    CHECK(ours2.legacy_session_id == theirs2.legacy_session_id);
    same_extension(ours2.extensions, theirs2.extensions, ExtensionType::cookie);
    same_extension(ours2.extensions, theirs2.extensions, ExtensionType::key_share);
    // NOT byte-identical, for the same reasons as ClientHello1 (extensions we do not send, shorter
    // lists), and the RFC's ClientHello2 also has a padding extension (RFC 7685) we do not add.
    CHECK(has_extension(theirs2.extensions, static_cast<ExtensionType>(21)));
    CHECK(!has_extension(ours2.extensions, static_cast<ExtensionType>(21)));
    CHECK(hex(our_client_hello2) != hex(rfc_client_hello2));

    // The RFC's second ServerHello: the P-256 ECDHE gives the RFC's handshake secret; the
    // traffic secrets are over message_hash(our CH1) + the RFC's HRR + our CH2 + the RFC's SH
    // (RFC 8446 §4.4.1).
    mark = io.events.size();
    must(client->on_message(frame(rfc_server_hello)));
    CHECK(io.trace(mark) == "read_key write_key");
    CHECK(client->session().hello_retry_request);
    Transcript transcript(HashAlgorithm::sha256);
    must(transcript.add(view(our_client_hello1)));
    must(transcript.replace_client_hello_with_message_hash());
    for (const Bytes* m : {&rfc_retry, &our_client_hello2, &rfc_server_hello}) must(transcript.add(view(*m)));
    check_handshake_keys(io, mark, trace, transcript);
    CHECK(std::string(client->state_name()) == "WAIT_EE");
}
