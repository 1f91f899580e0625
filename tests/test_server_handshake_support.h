// Helpers for the server handshake tests (tests/test_server_handshake*.cpp): a HandshakeIo that
// records what the server did, a ClientHello builder, and the client's half of the key
// schedule, computed independently so the server's keys and messages can be checked.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/result_testing.h"
#include "support/test_pki.h"
#include "tls13/clock.h"
#include "tls13/crypto/key_exchange.h"
#include "tls13/extensions/alpn.h"
#include "tls13/extensions/key_share.h"
#include "tls13/extensions/negotiation.h"
#include "tls13/extensions/pre_shared_key.h"
#include "tls13/extensions/server_name.h"
#include "tls13/handshake/handshake_common.h"
#include "tls13/crypto/software_signer.h"
#include "tls13/key_schedule/transcript.h"

namespace tpmtls::test {

// Everything the server asked of its connection, in order.
class RecordingIo final : public HandshakeIo {
public:
    struct Event {
        std::string what;  // a handshake type name, "ccs", "write_key", "read_key", "ccs_allowed", "ccs_closed"
        Bytes data;        // the message, or the traffic secret (tests only)
    };
    std::vector<Event> events;

    Status send_handshake(ByteView whole) override {
        Reader r(whole);
        const auto message = TRY(read_handshake_message(r));
        events.push_back({to_string(message.type), to_bytes(whole)});
        return ok();
    }
    Status send_change_cipher_spec() override {
        events.push_back({"ccs", {}});
        return ok();
    }
    Status set_write_secret(const CipherSuiteInfo&, const TrafficSecret& secret) override {
        events.push_back({"write_key", to_bytes(secret.view())});
        return ok();
    }
    Status set_read_secret(const CipherSuiteInfo&, const TrafficSecret& secret) override {
        events.push_back({"read_key", to_bytes(secret.view())});
        return ok();
    }
    void allow_change_cipher_spec(bool allowed) override {
        events.push_back({allowed ? "ccs_allowed" : "ccs_closed", {}});
    }

    // The events from `from` on, by name: "server_hello ccs write_key ...".
    std::string trace(size_t from = 0) const {
        std::string out;
        for (size_t i = from; i < events.size(); ++i) out += (out.empty() ? "" : " ") + events[i].what;
        return out;
    }
    // The data of the first event named `what` at or after `from`.
    const Bytes& find(const std::string& what, size_t from = 0) const {
        for (size_t i = from; i < events.size(); ++i)
            if (events[i].what == what) return events[i].data;
        FAIL("no event ", what, " in: ", trace(from));
        static const Bytes none;
        return none;
    }
};

inline HandshakeMessage frame(const Bytes& whole) {
    Reader r(view(whole));
    auto message = must(read_handshake_message(r));
    REQUIRE(r.empty());
    return message;
}

// The ClientHello a test sends; every field can be left out or bent.
struct HelloSpec {
    uint16_t legacy_version = tls12_version;
    std::vector<CipherSuite> suites = default_cipher_suites();
    std::optional<std::vector<uint16_t>> versions = std::vector<uint16_t>{tls13_version};
    std::optional<std::vector<NamedGroup>> groups = std::vector<NamedGroup>{NamedGroup::x25519, NamedGroup::secp256r1};
    std::optional<std::vector<NamedGroup>> shares = std::vector<NamedGroup>{NamedGroup::x25519};
    std::optional<std::vector<SignatureScheme>> signature_schemes = verifiable_schemes();
    Bytes session_id;
    std::string server_name;
    std::vector<std::string> alpn;
    std::optional<Bytes> first_share_value;  // replaces the first share's key_exchange
    Extensions extra;                        // appended last (pre_shared_key must be last, §4.2.11)
};

// The client side of a handshake against the server under test: builds ClientHellos and checks
// the server's flight with its own key schedule.
class TestClient {
public:
    explicit TestClient(Random& random) : random_(random) {}

    // A whole ClientHello message; remembers the key pairs behind its shares.
    Bytes hello(const HelloSpec& spec) {
        ClientHello hello;
        hello.legacy_version = spec.legacy_version;
        random_.fill(hello.random);
        hello.legacy_session_id = spec.session_id;
        hello.cipher_suites = spec.suites;
        auto& ext = hello.extensions;
        if (!spec.server_name.empty()) ext.push_back(must(encode_server_name_client_hello(spec.server_name)));
        if (spec.versions) ext.push_back(must(encode_supported_versions_client_hello(*spec.versions)));
        if (spec.groups) ext.push_back(must(encode_supported_groups(*spec.groups)));
        if (spec.signature_schemes) ext.push_back(must(encode_signature_algorithms(*spec.signature_schemes)));
        if (!spec.alpn.empty()) {
            std::vector<Bytes> names;
            for (const auto& name : spec.alpn) names.push_back(to_bytes(view(name)));
            ext.push_back(must(encode_alpn_client_hello(names)));
        }
        if (spec.shares) {
            std::vector<KeyShareEntry> entries;
            for (NamedGroup group : *spec.shares) {
                keys_[group] = must(generate_key_exchange(group, random_));
                entries.push_back({group, to_bytes(keys_[group]->public_key())});
            }
            if (spec.first_share_value && !entries.empty()) entries.front().key_exchange = *spec.first_share_value;
            ext.push_back(must(encode_key_share_client_hello(entries)));
        }
        ext.insert(ext.end(), spec.extra.begin(), spec.extra.end());
        return must(encode_handshake(hello));
    }

    // Adds a message to the client's transcript (ClientHello, server messages, ours).
    void add(const Bytes& whole) { pending_.push_back(whole); }
    // After a HelloRetryRequest: ClientHello1 becomes message_hash (RFC 8446 §4.4.1).
    void hello_retried(HashAlgorithm alg) {
        must(transcript_.set_algorithm(alg));
        REQUIRE(pending_.size() == 1);
        must(transcript_.add(view(pending_.front())));
        pending_.clear();
        must(transcript_.replace_client_hello_with_message_hash());
    }

    // ServerHello: checks it and derives the handshake secrets (RFC 8446 §7.1).
    ServerHello on_server_hello(const Bytes& whole) {
        ServerHello sh = must(decode_server_hello(frame(whole).body));
        REQUIRE(!sh.is_hello_retry_request());
        auto version = find_extension(sh.extensions, ExtensionType::supported_versions);
        REQUIRE(version);
        CHECK(must(decode_supported_versions_server_hello(*version)) == tls13_version);
        auto share_data = find_extension(sh.extensions, ExtensionType::key_share);
        REQUIRE(share_data);
        const KeyShareEntry share = must(decode_key_share_server_hello(*share_data));
        REQUIRE(keys_.count(share.group) == 1);
        suite_ = *cipher_suite_info(sh.cipher_suite);
        must(transcript_.set_algorithm(suite_.hash));
        for (const auto& m : pending_) must(transcript_.add(view(m)));
        pending_.clear();
        must(transcript_.add(view(whole)));
        const Secret shared = must(keys_[share.group]->shared_secret(view(share.key_exchange)));
        const EarlySecret early = early_secret(suite_.hash, ByteView());
        handshake_ = must(handshake_secret(suite_.hash, early, shared.view()));
        const Bytes hash = must(transcript_.hash());
        client_handshake = must(client_handshake_traffic_secret(suite_.hash, handshake_, view(hash)));
        server_handshake = must(server_handshake_traffic_secret(suite_.hash, handshake_, view(hash)));
        return sh;
    }

    void add_server_message(const Bytes& whole) { must(transcript_.add(view(whole))); }
    Bytes transcript_hash() const { return must(transcript_.hash()); }

    // The server's Certificate, CertificateVerify and Finished, checked like a client would
    // (RFC 8446 §4.4.2-§4.4.4); then the application secrets.
    VerifiedChain check_server_authentication(const Bytes& certificate, const Bytes& certificate_verify,
                                              const Bytes& finished, const TrustStore& anchors) {
        add_server_message(certificate);
        const Certificate ct = must(decode_certificate(frame(certificate).body));
        ChainPolicy policy;
        policy.expected_name = "localhost";
        policy.now_unix_seconds = system_clock().unix_seconds();
        VerifiedChain chain = must(verify_certificate_chain(anchors, certificate_chain_of(ct), policy));
        const Bytes before_cv = transcript_hash();
        const CertificateVerify cv = must(decode_certificate_verify(frame(certificate_verify).body));
        must(verify_certificate_verify(chain, cv, verifiable_schemes(), Role::server, view(before_cv)));
        add_server_message(certificate_verify);
        const Bytes before_finished = transcript_hash();
        must(verify_finished(suite_.hash, server_handshake, view(before_finished),
                             must(decode_finished(frame(finished).body, hash_size(suite_.hash)))));
        add_server_message(finished);
        master_ = must(master_secret(suite_.hash, handshake_));
        const Bytes server_finished_hash = transcript_hash();
        client_application = must(client_application_traffic_secret(suite_.hash, master_, view(server_finished_hash)));
        server_application = must(server_application_traffic_secret(suite_.hash, master_, view(server_finished_hash)));
        exporter = must(exporter_master_secret(suite_.hash, master_, view(server_finished_hash)));
        return chain;
    }

    // Our Certificate and CertificateVerify (if `credentials` has a chain), as answers to a
    // CertificateRequest, already in our transcript.
    std::vector<Bytes> client_authentication(const Credentials& credentials, SignatureScheme scheme) {
        std::vector<Bytes> out;
        out.push_back(must(build_certificate(ByteView(), credentials.chain)));
        add_server_message(out.back());
        if (credentials.chain.empty()) return out;
        const Bytes hash = transcript_hash();
        out.push_back(must(build_certificate_verify(*credentials.signer, scheme, Role::client, view(hash))));
        add_server_message(out.back());
        return out;
    }

    // Our Finished (RFC 8446 §4.4.4), added to our transcript.
    Bytes finished() {
        const Bytes hash = transcript_hash();
        Bytes message = must(build_finished(suite_.hash, client_handshake, view(hash)));
        add_server_message(message);
        return message;
    }

    const CipherSuiteInfo& suite() const { return suite_; }

    TrafficSecret client_handshake, server_handshake;
    TrafficSecret client_application, server_application;
    ExporterMasterSecret exporter;

private:
    Random& random_;
    std::map<NamedGroup, std::unique_ptr<KeyExchange>> keys_;
    std::vector<Bytes> pending_;  // messages before the hash algorithm is known
    Transcript transcript_;
    CipherSuiteInfo suite_{};
    HandshakeSecret handshake_;
    MasterSecret master_;
};

// Our test PKI as server credentials and client trust anchors.
inline const TestPki& server_test_pki() {
    static const TestPki pki = make_test_pki();
    return pki;
}

inline Credentials credentials_of(const IssuedCertificate& certificate) {
    Credentials credentials;
    credentials.chain = {certificate.der};
    credentials.signer = must(SoftwareSigner::from_key(view(certificate.key.private_pem)));
    return credentials;
}

inline std::shared_ptr<const TrustStore> trust_in(const IssuedCertificate& root) {
    return std::make_shared<const TrustStore>(must(TrustStore::from_pem_or_der(view(root.pem))));
}

inline ServerConfig test_server_config() {
    ServerConfig config;
    config.credentials = credentials_of(server_test_pki().server);
    config.client_trust_anchors = trust_in(server_test_pki().root);
    return config;
}

inline Bytes bytes_of(const TrafficSecret& secret) { return to_bytes(secret.view()); }

// A pre_shared_key offer for a ticket the server never issued (RFC 8446 §4.2.11).
inline Extension unknown_psk_offer() {
    OfferedPsks offered;
    offered.identities.push_back({Bytes(16, 0x42), 1000});
    offered.binders.push_back(Bytes(32, 0x17));
    return must(encode_pre_shared_key_client_hello(offered));
}

// A server handshake over a RecordingIo, and the test client that talks to it.
struct Server {
    explicit Server(ServerConfig config)
        : handshake(make_server_handshake(std::move(config), {io, system_random(), clock})) {
        must(handshake->start());
    }
    Status feed(const Bytes& whole) { return handshake->on_message(frame(whole)); }
    // A first ClientHello from `spec`, in the client's transcript too.
    Status hello(const HelloSpec& spec) {
        const Bytes message = client.hello(spec);
        client.add(message);
        return feed(message);
    }
    std::string state() const { return handshake->state_name(); }

    FixedClock clock{system_clock().unix_seconds()};
    RecordingIo io;
    TestClient client{system_random()};
    std::unique_ptr<Handshake> handshake;
};

inline const char* const full_flight =
    "server_hello write_key read_key encrypted_extensions certificate certificate_verify finished write_key";

// Checks the flight after ServerHello up to our Finished and returns its EncryptedExtensions.
inline EncryptedExtensions check_flight(Server& server, size_t from = 0) {
    TestClient& client = server.client;
    const RecordingIo& io = server.io;
    client.on_server_hello(io.find("server_hello", from));
    // §7.3: the server writes with its handshake key and reads the client's from ServerHello on.
    CHECK(io.find("write_key", from) == bytes_of(client.server_handshake));
    CHECK(io.find("read_key", from) == bytes_of(client.client_handshake));
    const Bytes& ee = io.find("encrypted_extensions", from);
    client.add_server_message(ee);
    if (server.io.trace(from).find("certificate_request") != std::string::npos)
        client.add_server_message(io.find("certificate_request", from));
    client.check_server_authentication(io.find("certificate", from), io.find("certificate_verify", from),
                                       io.find("finished", from), *trust_in(server_test_pki().root));
    // After its Finished the server writes with server_application_traffic_secret_0.
    CHECK(io.events.back().what == "write_key");
    CHECK(io.events.back().data == bytes_of(client.server_application));
    return must(decode_encrypted_extensions(frame(ee).body));
}

inline void finish(Server& server) {
    TestClient& client = server.client;
    const size_t mark = server.io.events.size();
    must(server.feed(client.finished()));
    // §7.1 / §5: the client's application key after its Finished; the CCS window closes.
    CHECK(server.io.trace(mark) == "read_key ccs_closed");
    CHECK(server.io.events[mark].data == bytes_of(client.client_application));
    CHECK(server.handshake->connected());
    CHECK(std::string(server.handshake->state_name()) == "CONNECTED");
    // §7.5: both sides export the same keying material.
    const Bytes context = unhex("00112233");
    CHECK(must(server.handshake->export_keying_material("EXPORTER-test", view(context), 32)) ==
          must(tls_exporter(client.suite().hash, client.exporter, "EXPORTER-test", view(context), 32)));
}


}  // namespace tpmtls::test
