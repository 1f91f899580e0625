// Our server driven with RFC 8448 §6 (client authentication) and §5 (HelloRetryRequest): the
// RFC's ClientHello(s) in, the RFC's server randoms and ephemeral keys injected, our messages and
// secrets compared with the trace wherever our configuration can produce the same thing. What
// is not byte-identical is said next to the check, with the reason. The §3/§7 replays are in
// test_server_handshake_rfc8448.cpp.
#include "support/rfc8448.h"
#include "support/rfc8448_replay.h"
#include "test_server_handshake_support.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

// 2019-01-01T00:00:00Z (RFC 8448's publication month): inside the 2016-07-30 .. 2026-07-30
// validity of the RFC's certificates, which the machine's clock may no longer be.
constexpr int64_t rfc8448_time = 1546300800;

Clock& clock_of_rfc() {
    static FixedClock clock(rfc8448_time);
    return clock;
}

// record_size_limit (RFC 8449): not in our ExtensionType list, as we never use it.
constexpr auto record_size_limit = static_cast<ExtensionType>(28);

const Bytes& value(const Trace& trace, const char* side, const char* label, const char* key) {
    return trace.find(side, label).at(key);
}

// The random of a whole ServerHello: after type (1), length (3) and legacy_version (2).
Bytes server_random_of(const Bytes& server_hello) {
    return Bytes(server_hello.begin() + 6, server_hello.begin() + 38);
}

Extensions without(Extensions extensions, std::initializer_list<ExtensionType> types) {
    std::erase_if(extensions, [&](const Extension& e) { return std::find(types.begin(), types.end(), e.type) != types.end(); });
    return extensions;
}

// The SHA-256 transcript hash over whole messages taken from a trace. After a
// HelloRetryRequest the first (ClientHello1) becomes message_hash (RFC 8446 §4.4.1).
Bytes transcript_hash_of(const std::vector<Bytes>& messages, bool retried = false) {
    Transcript transcript(HashAlgorithm::sha256);
    for (size_t i = 0; i < messages.size(); ++i) {
        must(transcript.add(view(messages[i])));
        if (retried && i == 0) must(transcript.replace_client_hello_with_message_hash());
    }
    return must(transcript.hash());
}

}  // namespace

TEST_CASE("RFC 8448 §6: our server with client authentication, from the RFC's ClientHello") {
    const Trace& trace = rfc8448("client_authentication");
    const Bytes& client_hello = value(trace, "client", "construct a ClientHello", "ClientHello");
    const Bytes& rfc_server_hello = value(trace, "server", "construct a ServerHello", "ServerHello");
    const Bytes& rfc_ee = value(trace, "server", "construct an EncryptedExtensions", "EncryptedExtensions");
    const Bytes& rfc_cr = value(trace, "server", "construct a CertificateRequest", "CertificateRequest");
    const Bytes& rfc_server_certificate = value(trace, "server", "construct a Certificate handshake", "Certificate");
    const Bytes& rfc_server_cv = value(trace, "server", "construct a CertificateVerify", "CertificateVerify");
    const Bytes& rfc_server_finished = value(trace, "server", "construct a Finished", "Finished");
    const Bytes& rfc_client_certificate = value(trace, "client", "construct a Certificate handshake", "Certificate");
    const Bytes& rfc_client_cv = value(trace, "client", "construct a CertificateVerify", "CertificateVerify");
    const Bytes& rfc_client_finished = value(trace, "client", "construct a Finished", "Finished");
    const Bytes client_der = rfc8448_certificate("client", "client_authentication");

    // The RFC's CertificateRequest offers exactly the ClientHello's signature_algorithms list;
    // we configure the same list so our signature_algorithms can match it.
    const CertificateRequest rfc_request = must(decode_certificate_request(frame(rfc_cr).body));
    const auto rfc_schemes = must(decode_signature_algorithms(
        *find_extension(rfc_request.extensions, ExtensionType::signature_algorithms)));

    ScriptedRandom random({value(trace, "server", "create an ephemeral x25519", "private key"),
                           server_random_of(rfc_server_hello)});
    ServerConfig config;
    // §6's server certificate is ECDSA P-256; its private key is not in the RFC, so the
    // CertificateVerify comes from a stand-in and is not compared.
    config.credentials.chain = {rfc8448_certificate("server", "client_authentication")};
    config.credentials.signer = std::make_shared<StandInSigner>(SignatureScheme::ecdsa_secp256r1_sha256, 72);
    config.signature_schemes = rfc_schemes;
    config.certificate_signature_schemes = rfc_schemes;  // the same list again, as compared below
    config.client_auth = ClientAuthMode::required;
    // The client certificate is self-signed in the RFC: it is its own trust anchor.
    config.client_trust_anchors = std::make_shared<const TrustStore>(must(TrustStore::from_pem_or_der(view(client_der))));
    RecordingIo io;
    auto server = make_server_handshake(std::move(config), {io, random, clock_of_rfc()});
    must(server->start());
    must(server->on_message(frame(client_hello)));
    CHECK(random.used_up());

    CHECK(io.trace() ==
          "ccs_allowed server_hello write_key read_key encrypted_extensions certificate_request certificate "
          "certificate_verify finished write_key");
    // Byte for byte: ServerHello, both handshake traffic secrets, the server Certificate.
    CHECK(hex(io.find("server_hello")) == hex(rfc_server_hello));
    CHECK(hex(io.find("write_key")) == hex(value(trace, "server", "derive secret \"tls13 s hs traffic\"", "expanded")));
    CHECK(hex(io.find("read_key")) == hex(value(trace, "server", "derive secret \"tls13 c hs traffic\"", "expanded")));
    CHECK(hex(io.find("certificate")) == hex(rfc_server_certificate));

    // NOT byte-identical: the RFC's EncryptedExtensions carries supported_groups and
    // record_size_limit (RFC 8449), which we do not send. Without those two it is ours: the
    // empty server_name answer (RFC 6066 §3).
    EncryptedExtensions expected_ee = must(decode_encrypted_extensions(frame(rfc_ee).body));
    CHECK(expected_ee.extensions.size() == 3);
    expected_ee.extensions = without(expected_ee.extensions, {ExtensionType::supported_groups, record_size_limit});
    CHECK(hex(io.find("encrypted_extensions")) == hex(must(encode_handshake(expected_ee))));
    CHECK(hex(io.find("encrypted_extensions")) != hex(rfc_ee));

    // NOT byte-identical: our CertificateRequest also carries signature_algorithms_cert (here
    // configured to the same list); the RFC's has signature_algorithms only. Context (empty) and signature_algorithms
    // are the RFC's bytes.
    CertificateRequest expected_cr = rfc_request;
    CHECK(expected_cr.certificate_request_context.empty());
    CHECK(expected_cr.extensions.size() == 1);
    expected_cr.extensions.push_back(must(encode_signature_algorithms_cert(rfc_schemes)));
    CHECK(hex(io.find("certificate_request")) == hex(must(encode_handshake(expected_cr))));

    // So from EncryptedExtensions on our transcript is not the RFC's: our Finished and the
    // application secrets cannot be the trace's, and the RFC client's CertificateVerify and
    // Finished (signed/MACed over the RFC's transcript) could not verify against ours anyway.
    CHECK(hex(io.find("finished")) != hex(rfc_server_finished));

    SUBCASE("the RFC's client Certificate is refused by our chain policy: RSA-1024 < 2048 bits") {
        // x509.cpp's profile wants RSA >= 2048; the RFC's client key is 1024 bits (its
        // CertificateVerify signature is 128 bytes). bad_certificate, RFC 8446 §6.2.
        const Status status = server->on_message(frame(rfc_client_certificate));
        REQUIRE(!status.ok());
        CHECK(status.error().description == AlertDescription::bad_certificate);
        CHECK(status.error().to_string().find("too small") != std::string::npos);
        CHECK(std::string(server->state_name()) == "FAILED");
    }

    SUBCASE("the RFC's client CertificateVerify and Finished verify over the RFC's own transcript") {
        // Checked with the primitives our server uses (verify_signature over
        // certificate_verify_content, verify_finished) because verify_certificate_verify needs a
        // VerifiedChain, which our policy will not make for a 1024-bit key (see above).
        const std::vector<Bytes> server_flight = {client_hello, rfc_server_hello, rfc_ee, rfc_cr,
                                                  rfc_server_certificate, rfc_server_cv, rfc_server_finished};
        // Our transcript of the trace's messages agrees with the hashes the RFC prints.
        CHECK(hex(transcript_hash_of(server_flight)) ==
              hex(value(trace, "server", "derive secret \"tls13 c ap traffic\"", "hash")));

        std::vector<Bytes> messages = server_flight;
        messages.push_back(rfc_client_certificate);
        const Bytes certificate_hash = transcript_hash_of(messages);
        const CertificateVerify cv = must(decode_certificate_verify(frame(rfc_client_cv).body));
        CHECK(cv.algorithm == SignatureScheme::rsa_pss_rsae_sha256);
        CHECK(std::find(rfc_schemes.begin(), rfc_schemes.end(), cv.algorithm) != rfc_schemes.end());
        const PublicKey client_key = must(PublicKey::from_certificate(view(client_der)));
        const Bytes content = certificate_verify_content(Role::client, view(certificate_hash));
        must(verify_signature(cv.algorithm, client_key, view(content), view(cv.signature)));
        // The server context string matters (§4.4.3): the same signature as a server's fails.
        const Bytes server_content = certificate_verify_content(Role::server, view(certificate_hash));
        CHECK(alert_of(verify_signature(cv.algorithm, client_key, view(server_content), view(cv.signature))) ==
              AlertDescription::decrypt_error);

        messages.push_back(rfc_client_cv);
        const Bytes cv_hash = transcript_hash_of(messages);
        const TrafficSecret client_handshake(value(trace, "server", "derive secret \"tls13 c hs traffic\"", "expanded"));
        const Finished finished = must(decode_finished(frame(rfc_client_finished).body, 32));
        must(verify_finished(HashAlgorithm::sha256, client_handshake, view(cv_hash), finished));
        Finished tampered = finished;
        tampered.verify_data[0] ^= 1;
        CHECK(alert_of(verify_finished(HashAlgorithm::sha256, client_handshake, view(cv_hash), tampered)) ==
              AlertDescription::decrypt_error);

        messages.push_back(rfc_client_finished);
        CHECK(hex(transcript_hash_of(messages)) ==
              hex(value(trace, "client", "derive secret \"tls13 res master\"", "hash")));
    }
}


TEST_CASE("RFC 8448 §5: our HelloRetryRequest and handshake secrets from the RFC's two ClientHellos") {
    const Trace& trace = rfc8448("hello_retry_request");
    const Bytes& client_hello1 = value(trace, "client", "construct a ClientHello", "ClientHello");
    const Bytes& client_hello2 = trace.find("client", "construct a ClientHello", 1).at("ClientHello");
    const Bytes& rfc_retry = value(trace, "server", "construct a ServerHello", "ServerHello");
    const Bytes& rfc_server_hello = trace.find("server", "construct a ServerHello", 1).at("ServerHello");
    const auto secret = [&](const char* label) { return value(trace, "server", label, "expanded"); };

    const Bytes& p256_private = value(trace, "server", "create an ephemeral P-256", "private key");
    const auto make_server = [&](Random& random, RecordingIo& io) {
        ServerConfig config;
        config.credentials.chain = {rfc8448_certificate("server", "simple_1rtt")};
        config.credentials.signer = std::make_shared<StandInSigner>(SignatureScheme::rsa_pss_rsae_sha256, 128);
        // The RFC's server wants P-256 although the client's one share is x25519: it takes only
        // P-256 (with x25519 acceptable too it would use the share it has, §4.2.8, no HRR).
        config.groups = {NamedGroup::secp256r1};
        auto server = make_server_handshake(std::move(config), {io, random, clock_of_rfc()});
        must(server->start());
        return server;
    };
    // Nothing is drawn for the HelloRetryRequest. For the ServerHello: the P-256 scalar, then
    // mbedTLS's blinding draws for the point multiplication (they do not change the result;
    // how many there are is mbedTLS's business, so a first run counts them), then the random.
    size_t draws = 0;
    {
        PrefixRandom counting({p256_private}, 0x01);
        RecordingIo scratch;
        auto server = make_server(counting, scratch);
        must(server->on_message(frame(client_hello1)));
        CHECK(counting.fills() == 0);
        must(server->on_message(frame(client_hello2)));
        draws = counting.fills();
    }
    REQUIRE(draws >= 2);
    std::vector<Bytes> script = {p256_private};
    for (size_t i = 0; i + 2 < draws; ++i) script.push_back(Bytes(32, 0x01));
    script.push_back(server_random_of(rfc_server_hello));
    ScriptedRandom random(script);
    RecordingIo io;
    auto server = make_server(random, io);
    must(server->on_message(frame(client_hello1)));
    // ClientHello1 has an empty legacy_session_id: no compatibility CCS.
    CHECK(io.trace() == "ccs_allowed server_hello");
    const Bytes our_retry = io.find("server_hello");

    // NOT byte-identical: the RFC's HelloRetryRequest carries a cookie (RFC 8446 §4.2.2), which
    // our server never sends, and lists key_share, cookie, supported_versions where we send
    // supported_versions, key_share. Everything else is the RFC's: random (the HRR value),
    // legacy_version, empty session id echo, TLS_AES_128_GCM_SHA256, and both extensions' bytes.
    const ServerHello ours = must(decode_server_hello(frame(our_retry).body));
    const ServerHello theirs = must(decode_server_hello(frame(rfc_retry).body));
    REQUIRE(ours.is_hello_retry_request());
    REQUIRE(theirs.is_hello_retry_request());
    CHECK(ours.legacy_version == theirs.legacy_version);
    CHECK(ours.legacy_session_id_echo == theirs.legacy_session_id_echo);
    CHECK(ours.cipher_suite == theirs.cipher_suite);
    CHECK(has_extension(theirs.extensions, ExtensionType::cookie));
    CHECK(!has_extension(ours.extensions, ExtensionType::cookie));
    const Extensions comparable = without(theirs.extensions, {ExtensionType::cookie});
    CHECK(ours.extensions.size() == comparable.size());
    for (const Extension& e : comparable) {
        CAPTURE(to_string(e.type));
        const auto our_data = find_extension(ours.extensions, e.type);
        REQUIRE(our_data);
        CHECK(hex(*our_data) == hex(e.data));
    }
    CHECK(hex(our_retry) != hex(rfc_retry));

    // The RFC's ClientHello2 echoes the RFC's cookie; we sent none, and a server that did not
    // send one has no cookie state to check, so the second ClientHello is accepted as it is.
    const size_t mark = io.events.size();
    must(server->on_message(frame(client_hello2)));
    CHECK(random.used_up());
    CHECK(io.trace(mark) ==
          "server_hello write_key read_key encrypted_extensions certificate certificate_verify finished write_key");
    CHECK(server->session().hello_retry_request);
    CHECK(server->session().group == NamedGroup::secp256r1);
    // Byte for byte: the ServerHello (it does not depend on the transcript) and the Certificate.
    CHECK(hex(io.find("server_hello", mark)) == hex(rfc_server_hello));
    CHECK(hex(io.find("certificate", mark)) == hex(value(trace, "server", "construct a Certificate handshake", "Certificate")));

    // The ECDHE (P-256, RFC keys) gives the RFC's handshake secret.
    const Bytes& shared = value(trace, "server", "extract secret \"handshake\"", "IKM");
    const HandshakeSecret handshake = must(handshake_secret(HashAlgorithm::sha256, early_secret(HashAlgorithm::sha256, ByteView()), view(shared)));
    CHECK(hex(handshake) == hex(value(trace, "server", "extract secret \"handshake\"", "secret")));

    // The method first: message_hash(CH1) + the RFC's HRR + CH2 + ServerHello is the hash the
    // RFC derives its handshake traffic secrets from.
    const Bytes rfc_hash = transcript_hash_of({client_hello1, rfc_retry, client_hello2, rfc_server_hello}, true);
    CHECK(hex(rfc_hash) == hex(value(trace, "server", "derive secret \"tls13 c hs traffic\"", "hash")));
    // Our traffic secrets are therefore NOT the trace's (our HRR bytes differ) but exactly those of
    // message_hash(RFC CH1) + OUR HRR + RFC CH2 + RFC ServerHello under the RFC's handshake secret.
    const Bytes our_hash = transcript_hash_of({client_hello1, our_retry, client_hello2, rfc_server_hello}, true);
    const TrafficSecret client_hs = must(client_handshake_traffic_secret(HashAlgorithm::sha256, handshake, view(our_hash)));
    const TrafficSecret server_hs = must(server_handshake_traffic_secret(HashAlgorithm::sha256, handshake, view(our_hash)));
    CHECK(hex(io.find("write_key", mark)) == hex(server_hs));
    CHECK(hex(io.find("read_key", mark)) == hex(client_hs));
    CHECK(hex(server_hs) != hex(secret("derive secret \"tls13 s hs traffic\"")));
}
