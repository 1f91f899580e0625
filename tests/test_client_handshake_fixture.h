// Shared by tests/test_client_handshake*.cpp: the client state machine driven without a
// Connection. RecordingIo keeps everything the client does through HandshakeIo; ScriptedServer
// builds the server's messages by hand from the shared pieces (key schedule, Certificate,
// CertificateVerify, Finished), so each test can send exactly the flight it wants, or spoil it.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/result_testing.h"
#include "support/test_pki.h"
#include "tls13/handshake/client_handshake.h"
#include "tls13/crypto/key_exchange.h"
#include "tls13/extensions/key_share.h"
#include "tls13/extensions/negotiation.h"
#include "tls13/handshake/handshake_common.h"
#include "tls13/crypto/software_signer.h"
#include "tls13/key_schedule/transcript.h"

namespace tpmtls::test {

struct IoEvent {
    enum class Kind { handshake, change_cipher_spec, write_secret, read_secret, allow_change_cipher_spec };
    Kind kind;
    Bytes data;  // the message, or the secret's bytes (a test fixture may look at them)
    bool allowed = false;
    CipherSuite suite{};
};

class RecordingIo final : public HandshakeIo {
public:
    Status send_handshake(ByteView whole_message) override {
        events.push_back({IoEvent::Kind::handshake, to_bytes(whole_message)});
        return ok();
    }
    Status send_change_cipher_spec() override {
        events.push_back({IoEvent::Kind::change_cipher_spec, {}});
        return ok();
    }
    Status set_write_secret(const CipherSuiteInfo& suite, const TrafficSecret& secret) override {
        events.push_back({IoEvent::Kind::write_secret, to_bytes(secret.view()), false, suite.suite});
        return ok();
    }
    Status set_read_secret(const CipherSuiteInfo& suite, const TrafficSecret& secret) override {
        events.push_back({IoEvent::Kind::read_secret, to_bytes(secret.view()), false, suite.suite});
        return ok();
    }
    void allow_change_cipher_spec(bool allowed) override {
        events.push_back({IoEvent::Kind::allow_change_cipher_spec, {}, allowed});
    }

    // The handshake messages sent so far, in order.
    std::vector<Bytes> messages() const {
        std::vector<Bytes> out;
        for (const auto& e : events)
            if (e.kind == IoEvent::Kind::handshake) out.push_back(e.data);
        return out;
    }
    // The events from index `from` on, as a compact string: "H(1) C W R A+" (H(type), CCS,
    // write key, read key, allow CCS on/off).
    std::string trace(size_t from = 0) const {
        std::string out;
        for (size_t i = from; i < events.size(); ++i) {
            const auto& e = events[i];
            if (!out.empty()) out += ' ';
            switch (e.kind) {
                case IoEvent::Kind::handshake: out += "H(" + std::to_string(e.data.at(0)) + ")"; break;
                case IoEvent::Kind::change_cipher_spec: out += "C"; break;
                case IoEvent::Kind::write_secret: out += "W"; break;
                case IoEvent::Kind::read_secret: out += "R"; break;
                case IoEvent::Kind::allow_change_cipher_spec: out += e.allowed ? "A+" : "A-"; break;
            }
        }
        return out;
    }
    std::vector<IoEvent> events;
};

// Deterministic bytes (a counter), so runs are reproducible; valid as X25519 and P-256 scalars.
class CounterRandom final : public Random {
public:
    explicit CounterRandom(uint8_t seed = 1) : next_(seed) {}
    void fill(std::span<uint8_t> out) override {
        for (auto& b : out) b = next_++;
    }

private:
    uint8_t next_;
};

// Hands one whole handshake message to the client.
inline Status deliver(Handshake& handshake, ByteView whole) {
    Reader r(whole);
    auto message = read_handshake_message(r);
    if (!message) return std::move(message).error();
    return handshake.on_message(*message);
}

inline ClientHello decode_sent_client_hello(const Bytes& whole) {
    REQUIRE(whole.size() > 4);
    REQUIRE(whole[0] == static_cast<uint8_t>(HandshakeType::client_hello));
    return must(decode_client_hello(ByteView(whole).subspan(4)));
}

inline Extension must_extension(Result<Extension> e) { return must(std::move(e)); }

// One TLS 1.3 server, message by message. Each build_* appends its message to the transcript.
class ScriptedServer {
public:
    explicit ScriptedServer(const TestPki& pki, CipherSuite suite = CipherSuite::TLS_AES_128_GCM_SHA256)
        : pki_(pki), suite_(*cipher_suite_info(suite)), transcript_(suite_.hash) {
        signer_ = must(SoftwareSigner::from_key(view(pki.server.key.private_pem)));
    }

    // A ServerHello that answers `client_hello` correctly (echo, suite, version, key share).
    ServerHello answer(const ClientHello& client_hello) {
        const Bytes share = must(find_extension_bytes(client_hello, ExtensionType::key_share));
        const auto shares = must(decode_key_share_client_hello(view(share)));
        REQUIRE(shares.size() == 1);
        key_exchange_ = must(generate_key_exchange(shares[0].group, random_));
        client_share_ = shares[0];
        ServerHello hello;
        random_.fill(hello.random);
        hello.legacy_session_id_echo = client_hello.legacy_session_id;
        hello.cipher_suite = suite_.suite;
        hello.extensions.push_back(must_extension(encode_supported_versions_server_hello(tls13_version)));
        hello.extensions.push_back(must_extension(encode_key_share_server_hello(
            KeyShareEntry{shares[0].group, to_bytes(key_exchange_->public_key())})));
        return hello;
    }

    ServerHello hello_retry_request(const ClientHello& client_hello, std::optional<NamedGroup> group,
                                    std::optional<Bytes> cookie = std::nullopt) {
        ServerHello retry;
        retry.random = hello_retry_request_random;
        retry.legacy_session_id_echo = client_hello.legacy_session_id;
        retry.cipher_suite = suite_.suite;
        retry.extensions.push_back(must_extension(encode_supported_versions_server_hello(tls13_version)));
        if (group) retry.extensions.push_back(must_extension(encode_key_share_hello_retry_request(*group)));
        if (cookie) retry.extensions.push_back(must_extension(encode_cookie(view(*cookie))));
        return retry;
    }

    // The transcript: the client's messages go in with add().
    void add(ByteView whole) { must(transcript_.add(whole)); }
    void replace_client_hello_with_message_hash() { must(transcript_.replace_client_hello_with_message_hash()); }

    Bytes encode(const ServerHello& hello) {
        Bytes whole = must(encode_handshake(hello));
        add(view(whole));
        if (!hello.is_hello_retry_request()) derive_handshake_secrets();
        return whole;
    }

    Bytes encrypted_extensions(Extensions extensions = {}) {
        return added(must(encode_handshake(EncryptedExtensions{std::move(extensions)})));
    }
    Bytes certificate_request(std::vector<SignatureScheme> schemes = {SignatureScheme::ecdsa_secp256r1_sha256}) {
        CertificateRequest request;
        request.extensions.push_back(must_extension(encode_signature_algorithms(schemes)));
        return added(must(encode_handshake(request)));
    }
    Bytes certificate(std::vector<Bytes> chain = {}) {
        if (chain.empty()) chain = {pki_.server.der};
        return added(must(build_certificate({}, chain)));
    }
    // `tamper` flips a bit of the signature; the client hashes what it receives, so our
    // transcript takes the tampered bytes too.
    Bytes certificate_verify(bool tamper = false,
                             SignatureScheme scheme = SignatureScheme::ecdsa_secp256r1_sha256) {
        const Bytes hash = must(transcript_.hash());
        Bytes whole = must(build_certificate_verify(*signer_, scheme, Role::server, view(hash)));
        if (tamper) whole.back() ^= 0x01;
        return added(std::move(whole));
    }
    Bytes finished(bool tamper = false) {
        const Bytes hash = must(transcript_.hash());
        Bytes whole = must(build_finished(suite_.hash, server_handshake_, view(hash)));
        if (tamper) whole.back() ^= 0x01;
        whole = added(std::move(whole));
        derive_application_secrets();
        return whole;
    }

    // The client's second flight: Certificate / CertificateVerify are added, Finished checked.
    Status client_finished(ByteView whole) {
        Reader r(whole);
        auto message = read_handshake_message(r);
        if (!message) return std::move(message).error();
        auto finished = decode_finished(message->body, hash_size(suite_.hash));
        if (!finished) return std::move(finished).error();
        const Bytes hash = must(transcript_.hash());
        TRY(verify_finished(suite_.hash, client_handshake_, view(hash), *finished));
        add(whole);
        resumption_ = must(resumption_master_secret(suite_.hash, master_, view(must(transcript_.hash()))));
        return ok();
    }
    Bytes transcript_hash() const { return must(transcript_.hash()); }

    const CipherSuiteInfo& suite() const { return suite_; }
    const TrafficSecret& client_handshake() const { return client_handshake_; }
    const TrafficSecret& server_handshake() const { return server_handshake_; }
    const TrafficSecret& client_application() const { return client_application_; }
    const TrafficSecret& server_application() const { return server_application_; }
    const ResumptionMasterSecret& resumption() const { return resumption_; }
    const KeyShareEntry& client_share() const { return client_share_; }

private:
    static Result<Bytes> find_extension_bytes(const ClientHello& hello, ExtensionType type) {
        auto data = find_extension(hello.extensions, type);
        if (!data) return fail(AlertDescription::missing_extension, to_string(type));
        return to_bytes(*data);
    }
    Bytes added(Bytes whole) {
        add(view(whole));
        return whole;
    }
    void derive_handshake_secrets() {
        const Secret shared = must(key_exchange_->shared_secret(view(client_share_.key_exchange)));
        const Bytes hash = must(transcript_.hash());
        handshake_ = must(handshake_secret(suite_.hash, early_secret(suite_.hash, {}), shared.view()));
        client_handshake_ = must(client_handshake_traffic_secret(suite_.hash, handshake_, view(hash)));
        server_handshake_ = must(server_handshake_traffic_secret(suite_.hash, handshake_, view(hash)));
    }
    void derive_application_secrets() {
        const Bytes hash = must(transcript_.hash());
        master_ = must(master_secret(suite_.hash, handshake_));
        client_application_ = must(client_application_traffic_secret(suite_.hash, master_, view(hash)));
        server_application_ = must(server_application_traffic_secret(suite_.hash, master_, view(hash)));
    }

    const TestPki& pki_;
    CipherSuiteInfo suite_;
    Transcript transcript_;
    CounterRandom random_{0x80};
    std::unique_ptr<SoftwareSigner> signer_;
    std::unique_ptr<KeyExchange> key_exchange_;
    KeyShareEntry client_share_;
    HandshakeSecret handshake_;
    MasterSecret master_;
    TrafficSecret client_handshake_, server_handshake_, client_application_, server_application_;
    ResumptionMasterSecret resumption_;
};

// A client under test: its config, its recording I/O, deterministic randomness and a clock
// standing at the real present (the test PKI's certificates are valid around now).
struct ClientUnderTest {
    explicit ClientUnderTest(ClientConfig config) : clock(system_clock().unix_seconds()) {
        handshake = make_client_handshake(std::move(config), HandshakeContext{io, random, clock});
    }
    Bytes start() {
        must(handshake->start());
        const auto sent = io.messages();
        REQUIRE(!sent.empty());
        return sent.back();
    }
    Status deliver(ByteView whole) { return tpmtls::test::deliver(*handshake, whole); }
    Bytes last_sent() const { return io.messages().back(); }

    RecordingIo io;
    CounterRandom random;
    FixedClock clock;
    std::unique_ptr<Handshake> handshake;
};

// One test PKI per program: key generation is the slow part.
inline const TestPki& pki() {
    static const TestPki value = make_test_pki();
    return value;
}

// The test PKI's client certificate and a software Signer for its key.
inline Credentials client_credentials() {
    Credentials credentials;
    credentials.chain = {pki().client.der};
    credentials.signer = std::shared_ptr<Signer>(must(SoftwareSigner::from_key(view(pki().client.key.private_pem))));
    return credentials;
}

inline ClientConfig client_config(const TestPki& pki) {
    ClientConfig config;
    config.server_name = "localhost";
    config.trust_anchors = std::make_shared<const TrustStore>(must(TrustStore::from_pem_or_der(view(pki.root.pem))));
    return config;
}

}  // namespace tpmtls::test
