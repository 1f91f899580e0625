// RFC 8448 §3-§7 replayed through the key schedule, the transcript and the record layer.
//
// For each trace the only inputs taken from the RFC are the handshake messages, the (EC)DHE
// shared secret (the IKM of 'extract secret "handshake"'; the crypto tests prove X25519 / P-256
// give it) and, for §4, nothing else: its PSK is §3's resumption secret, derived here. Everything
// else is derived with our code and compared to every value the trace prints: transcript hashes,
// HkdfLabel info bytes, secrets, keys, IVs, finished keys, verify_data, the PSK binder, the
// resumption PSK. Then every record of the trace is rebuilt byte for byte (sealed with our keys
// and sequence numbers, or framed as TLSPlaintext) and read back through a RecordReceiver.
// A step that carries values and is not compared fails the test, so nothing is skipped silently.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "support/result_testing.h"
#include "support/rfc8448.h"
#include "tls13/key_schedule/key_schedule.h"
#include "tls13/record/record_layer.h"
#include "tls13/key_schedule/transcript.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

// Every RFC 8448 trace negotiates TLS_AES_128_GCM_SHA256.
constexpr HashAlgorithm alg = HashAlgorithm::sha256;
const CipherSuiteInfo& suite() {
    static const CipherSuiteInfo info = *cipher_suite_info(CipherSuite::TLS_AES_128_GCM_SHA256);
    return info;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }
bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

enum class Side { client, server };
Side side_of(const TraceStep& s) { return s.side == "client" ? Side::client : Side::server; }
Side peer(Side s) { return s == Side::client ? Side::server : Side::client; }

// Which keys protect a side's records (RFC 8446 §7.3 table).
enum class Epoch { plaintext, early, handshake, application };
Epoch epoch_from_label(const std::string& label) {
    if (contains(label, "early application data")) return Epoch::early;
    if (contains(label, "handshake data")) return Epoch::handshake;
    if (contains(label, "application data")) return Epoch::application;
    FAIL("no key epoch in step label: " << label);
    return Epoch::plaintext;
}

ContentType content_type_from_label(const std::string& label) {
    if (contains(label, "send handshake record")) return ContentType::handshake;
    if (contains(label, "send application_data record")) return ContentType::application_data;
    if (contains(label, "send alert record")) return ContentType::alert;
    if (contains(label, "send change_cipher_spec record")) return ContentType::change_cipher_spec;
    FAIL("no content type in step label: " << label);
    return ContentType::invalid;
}

// Whole handshake messages (type, uint24 length, body) in a record payload.
std::vector<Bytes> split_messages(ByteView payload) {
    std::vector<Bytes> out;
    Reader r(payload);
    while (!r.empty()) {
        const size_t start = r.position();
        must(r.u8());
        must(r.vec24());
        out.push_back(to_bytes(payload.subspan(start, r.position() - start)));
    }
    return out;
}

HandshakeType type_of(const Bytes& message) { return static_cast<HandshakeType>(message.at(0)); }

// RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest").
bool is_hello_retry_request(const Bytes& message) {
    static const Bytes hrr_random = hash(HashAlgorithm::sha256, view("HelloRetryRequest"));
    return type_of(message) == HandshakeType::server_hello && message.size() >= 38 &&
           hex(ByteView(message).subspan(6, 32)) == hex(hrr_random);
}

// RFC 8446 §4.6.1: NewSessionTicket { uint32 lifetime; uint32 age_add; opaque ticket_nonce<0..255>; ... }.
Bytes ticket_nonce(const Bytes& new_session_ticket) {
    Reader r(new_session_ticket);
    must(r.u8());
    Reader body = must(r.vec24());
    must(body.u32());
    must(body.u32());
    return to_bytes(must(body.vec8()).take_rest());
}

class Replay {
public:
    Replay(const Trace& trace, ByteView psk) : trace_(trace), psk_(to_bytes(psk)) {}

    void run() {
        collect_messages();
        derive_secrets();
        check_steps();
        check_records();
        check_every_step_compared();
    }

    const ResumptionMasterSecret& resumption_master() const { return resumption_master_; }
    const std::vector<Bytes>& messages() const { return messages_; }
    Bytes hash_through(size_t index) const { return hash_after_.at(index); }

private:
    // ---- the transcript ----------------------------------------------------------------------

    // The messages, in transcript order, from the handshake records (both sides, trace order).
    // Then the Transcript is fed as a client would: ClientHello buffered before the suite is
    // known, the algorithm set at the first ServerHello, message_hash on a HelloRetryRequest.
    void collect_messages() {
        for (const TraceStep* s : all_steps_with("send handshake record"))
            for (Bytes& m : split_messages(s->at("payload"))) messages_.push_back(std::move(m));
        REQUIRE(messages_.size() >= 6);

        Transcript transcript;
        for (const Bytes& m : messages_) {
            if (type_of(m) == HandshakeType::server_hello) {
                must(transcript.set_algorithm(alg));
                if (is_hello_retry_request(m)) must(transcript.replace_client_hello_with_message_hash());
            }
            must(transcript.add(m));
            Transcript so_far = transcript;  // a copy, so the buffered case is exercised too
            must(so_far.set_algorithm(alg));
            hash_after_.push_back(must(so_far.hash()));
        }
    }

    size_t index_of(HandshakeType type, int nth = 0) const {
        for (size_t i = 0; i < messages_.size(); ++i)
            if (type_of(messages_[i]) == type && !is_hello_retry_request(messages_[i]) && nth-- == 0) return i;
        FAIL("trace " << trace_.name << " has no such message");
        return 0;
    }

    // ---- our key schedule --------------------------------------------------------------------

    void derive_secrets() {
        const Bytes empty_hash = hash(alg, {});
        client_hello_hash_ = hash_after_.at(index_of(HandshakeType::client_hello));
        hello_hash_ = hash_after_.at(index_of(HandshakeType::server_hello));
        server_finished_hash_ = hash_after_.at(index_of(HandshakeType::finished, 0));
        client_finished_hash_ = hash_after_.at(index_of(HandshakeType::finished, 1));

        early_ = early_secret(alg, psk_);
        early_derived_ = must(derive_secret(alg, early_, "derived", empty_hash));
        if (!psk_.empty()) {
            binder_key_ = must(binder_key(alg, early_, PskKind::resumption));
            client_early_ = must(client_early_traffic_secret(alg, early_, client_hello_hash_));
            early_exporter_ = must(early_exporter_master_secret(alg, early_, client_hello_hash_));
        }
        // The one input besides the messages: the (EC)DHE shared secret.
        const Bytes ecdhe = find_step("extract secret \"handshake\"").at("IKM");
        handshake_ = must(handshake_secret(alg, early_, ecdhe));
        handshake_derived_ = must(derive_secret(alg, handshake_, "derived", empty_hash));
        client_handshake_ = must(client_handshake_traffic_secret(alg, handshake_, hello_hash_));
        server_handshake_ = must(server_handshake_traffic_secret(alg, handshake_, hello_hash_));
        master_ = must(master_secret(alg, handshake_));
        client_application_ = must(client_application_traffic_secret(alg, master_, server_finished_hash_));
        server_application_ = must(server_application_traffic_secret(alg, master_, server_finished_hash_));
        exporter_ = must(exporter_master_secret(alg, master_, server_finished_hash_));
        resumption_master_ = must(resumption_master_secret(alg, master_, client_finished_hash_));

        // Derive-Secret steps by their RFC label: secret, transcript hash, result.
        derive_steps_ = {
            {"c e traffic", {&early_, client_hello_hash_, &client_early_}},
            {"e exp master", {&early_, client_hello_hash_, &early_exporter_}},
            {"c hs traffic", {&handshake_, hello_hash_, &client_handshake_}},
            {"s hs traffic", {&handshake_, hello_hash_, &server_handshake_}},
            {"c ap traffic", {&master_, server_finished_hash_, &client_application_}},
            {"s ap traffic", {&master_, server_finished_hash_, &server_application_}},
            {"exp master", {&master_, server_finished_hash_, &exporter_}},
            {"res master", {&master_, client_finished_hash_, &resumption_master_}},
        };
    }

    const TrafficSecret& traffic_secret(Side sender, Epoch epoch) const {
        switch (epoch) {
            case Epoch::early: REQUIRE(sender == Side::client); return client_early_;
            case Epoch::handshake: return sender == Side::client ? client_handshake_ : server_handshake_;
            case Epoch::application: return sender == Side::client ? client_application_ : server_application_;
            default: FAIL("no traffic secret for plaintext"); return client_early_;
        }
    }

    // ---- comparing every printed value -------------------------------------------------------

    // An HKDF-Expand-Label step: PRK, context ("hash"), the HkdfLabel bytes ("info"), result.
    void check_expand_label(const TraceStep& s, const Secret& prk, std::string_view label, ByteView context,
                            const Secret& ours) {
        INFO(trace_.name << ": " << s.side << " " << s.label);
        CHECK(hex(s.at("PRK")) == hex(prk));
        CHECK(hex(s.at("hash")) == hex(context));
        CHECK(hex(s.at("info")) == hex(must(hkdf_label(static_cast<uint16_t>(ours.size()), label, context))));
        CHECK(hex(s.at("expanded")) == hex(ours));
    }

    void check_extract(const TraceStep& s, ByteView salt, ByteView ikm, const Secret& ours) {
        INFO(trace_.name << ": " << s.side << " " << s.label);
        CHECK(hex(s.at("salt")) == hex(salt));
        CHECK(hex(s.at("IKM")) == hex(ikm));
        CHECK(hex(s.at("secret")) == hex(ours));
    }

    void check_traffic_keys(const TraceStep& s) {
        INFO(trace_.name << ": " << s.side << " " << s.label);
        const Side sender = contains(s.label, "write") ? side_of(s) : peer(side_of(s));
        const TrafficSecret& secret = traffic_secret(sender, epoch_from_label(s.label));
        const TrafficKeys keys = must(traffic_key_and_iv(suite(), secret));
        CHECK(hex(s.at("PRK")) == hex(secret));
        CHECK(hex(s.at("key info")) == hex(must(hkdf_label(16, "key", {}))));
        CHECK(hex(s.at("key expanded")) == hex(keys.key));
        CHECK(hex(s.at("iv info")) == hex(must(hkdf_label(12, "iv", {}))));
        CHECK(hex(s.at("iv expanded")) == hex(keys.iv));
    }

    // RFC 8446 §4.4.4: each side's Finished covers the transcript up to the message before it.
    void check_finished(const TraceStep& s) {
        const bool server = side_of(s) == Side::server;
        const TrafficSecret& base_key = server ? server_handshake_ : client_handshake_;
        const size_t finished_index = index_of(HandshakeType::finished, server ? 0 : 1);
        const Bytes& transcript_hash = hash_after_.at(finished_index - 1);
        check_expand_label(s, base_key, "finished", {}, must(finished_key(alg, base_key)));
        const Secret verify_data = must(finished_verify_data(alg, base_key, transcript_hash));
        CHECK(hex(s.at("finished")) == hex(verify_data));
        // The Finished message itself is 14 00 00 20 || verify_data.
        Bytes message;
        Writer w(message);
        w.u8(static_cast<uint8_t>(HandshakeType::finished));
        w.vec24(verify_data.view());
        CHECK(hex(messages_.at(finished_index)) == hex(message));
    }

    // RFC 8446 §4.2.11.2: the binder over Truncate(ClientHello), placed as the last bytes of the
    // ClientHello actually sent (binders<33..2^16-1> holding one 32-byte PskBinderEntry).
    void check_psk_binder(const TraceStep& s) {
        INFO(trace_.name << ": " << s.label);
        const Bytes& prefix = s.at("ClientHello prefix");
        const Bytes binder_hash = must(Transcript(alg).hash_with(prefix));
        CHECK(hex(s.at("binder hash")) == hex(binder_hash));
        check_expand_label(s, binder_key_, "finished", {}, must(finished_key(alg, binder_key_)));
        const Secret binder = must(psk_binder(alg, binder_key_, binder_hash));
        CHECK(hex(s.at("finished")) == hex(binder));
        Bytes sent = prefix;
        Writer w(sent);
        w.vec16([&] { w.vec8(binder.view()); });
        CHECK(hex(messages_.at(index_of(HandshakeType::client_hello))) == hex(sent));
    }

    // The messages as the trace constructs them match the ones taken from the records (§4's
    // ClientHello is constructed before its binders are appended: a prefix).
    void check_constructed_message(const TraceStep& s) {
        INFO(trace_.name << ": " << s.side << " " << s.label);
        REQUIRE(s.values.size() == 1);
        const Bytes& constructed = s.values.begin()->second;
        REQUIRE(constructed_ < messages_.size());
        const Bytes& sent = messages_[constructed_++];
        if (contains(s.label, "ClientHello") && !psk_.empty())
            CHECK(hex(ByteView(sent).first(constructed.size())) == hex(constructed));
        else
            CHECK(hex(sent) == hex(constructed));
    }

    void check_steps() {
        const Bytes zeros(hash_size(alg), 0);
        for (const TraceStep& s : trace_.steps) {
            if (s.values.empty()) continue;
            const std::string& label = s.label;
            if (starts_with(label, "create an ephemeral") || starts_with(label, "send ")) {
                continue;  // key pairs: crypto tests; records: check_records
            } else if (starts_with(label, "construct a")) {
                check_constructed_message(s);
            } else if (label == "extract secret \"early\"") {
                check_extract(s, zeros, psk_.empty() ? zeros : psk_, early_);
            } else if (label == "extract secret \"handshake\"") {
                check_extract(s, early_derived_.view(), s.at("IKM"), handshake_);
            } else if (label == "extract secret \"master\"") {
                check_extract(s, handshake_derived_.view(), zeros, master_);
            } else if (label == "derive secret for handshake \"tls13 derived\"") {
                check_expand_label(s, early_, "derived", hash(alg, {}), early_derived_);
            } else if (label == "derive secret for master \"tls13 derived\"") {
                check_expand_label(s, handshake_, "derived", hash(alg, {}), handshake_derived_);
            } else if (starts_with(label, "derive secret \"tls13 ")) {
                const std::string name = label.substr(21, label.size() - 22);
                REQUIRE_MESSAGE(derive_steps_.count(name) == 1, label);
                const auto& [prk, transcript_hash, ours] = derive_steps_.at(name);
                check_expand_label(s, *prk, name, transcript_hash, *ours);
            } else if (label == "generate resumption secret \"tls13 resumption\"") {
                const Bytes nonce = ticket_nonce(messages_.at(index_of(HandshakeType::new_session_ticket)));
                check_expand_label(s, resumption_master_, "resumption", nonce,
                                   must(resumption_psk(alg, resumption_master_, nonce)));
            } else if (contains(label, "traffic keys for")) {
                check_traffic_keys(s);
            } else if (label == "calculate finished \"tls13 finished\"") {
                check_finished(s);
            } else if (label == "calculate PSK binder") {
                check_psk_binder(s);
            } else {
                FAIL("step not compared: " << s.side << " " << label);
            }
            compared_.insert(&s);
        }
        CHECK(constructed_ > 0);
    }

    // ---- the records -------------------------------------------------------------------------

    // Walks the trace in order. A side's "derive write traffic keys" step switches its sender's
    // keys and its peer's receiver's keys; every sent record is rebuilt and then received.
    void check_records() {
        std::map<Side, RecordSender> senders;
        std::map<Side, RecordReceiver> receivers_of;  // keyed by the side that sent the records
        senders[Side::client].set_plaintext_record_version(tls10_version);  // initial ClientHello (§5.1)
        receivers_of[Side::client].set_change_cipher_spec_allowed(true);
        receivers_of[Side::server].set_change_cipher_spec_allowed(true);

        int records = 0;
        for (const TraceStep& s : trace_.steps) {
            const Side side = side_of(s);
            if (starts_with(s.label, "derive write traffic keys for")) {
                const TrafficSecret& secret = traffic_secret(side, epoch_from_label(s.label));
                senders[side].set_sealer(must(RecordSealer::create(suite(), secret)));
                receivers_of[side].set_opener(must(RecordOpener::create(suite(), secret)));
                continue;
            }
            if (!starts_with(s.label, "send ")) continue;
            INFO(trace_.name << ": " << s.side << " " << s.label << " #" << records);
            const ContentType type = content_type_from_label(s.label);
            const Bytes& payload = s.at("payload");
            const Bytes& complete = s.at("complete record");

            Bytes rebuilt;
            if (type == ContentType::change_cipher_spec)
                senders[side].write_change_cipher_spec(rebuilt);
            else
                must(senders[side].write(type, payload, rebuilt));
            CHECK(hex(rebuilt) == hex(complete));
            if (!senders[side].is_protected()) senders[side].set_plaintext_record_version(tls12_version);

            RecordReceiver& receiver = receivers_of[side];
            receiver.feed(complete);
            const std::optional<Record> received = must(receiver.next());
            CHECK(receiver.buffered() == 0);
            if (type == ContentType::change_cipher_spec) {
                CHECK_FALSE(received.has_value());  // dropped, RFC 8446 §5
            } else {
                REQUIRE(received.has_value());
                CHECK(received->type == type);
                CHECK(hex(received->fragment) == hex(payload));
                // The §5 window closes once the peer's Finished has been received.
                if (type == ContentType::handshake)
                    for (const Bytes& m : split_messages(received->fragment))
                        if (type_of(m) == HandshakeType::finished) receiver.set_change_cipher_spec_allowed(false);
            }
            compared_.insert(&s);
            ++records;
        }
        CHECK(records >= 6);
    }

    void check_every_step_compared() {
        for (const TraceStep& s : trace_.steps)
            if (!s.values.empty() && !starts_with(s.label, "create an ephemeral") && compared_.count(&s) == 0)
                FAIL(trace_.name << ": step not compared: " << s.side << " " << s.label);
    }

    // ---- trace lookup ------------------------------------------------------------------------

    std::vector<const TraceStep*> all_steps_with(std::string_view label_part) const {
        std::vector<const TraceStep*> out;
        for (const TraceStep& s : trace_.steps)
            if (!s.values.empty() && contains(s.label, label_part)) out.push_back(&s);
        return out;
    }
    const TraceStep& find_step(std::string_view label_part) const {
        const auto all = all_steps_with(label_part);
        REQUIRE_MESSAGE(!all.empty(), label_part);
        return *all.front();
    }

    struct Derivation {
        const Secret* prk;
        Bytes transcript_hash;
        const Secret* ours;
    };

    const Trace& trace_;
    Bytes psk_;
    std::vector<Bytes> messages_;
    std::vector<Bytes> hash_after_;  // hash_after_[i]: Transcript-Hash(messages_[0..i])
    size_t constructed_ = 0;
    std::set<const TraceStep*> compared_;

    Bytes client_hello_hash_, hello_hash_, server_finished_hash_, client_finished_hash_;
    EarlySecret early_;
    Secret early_derived_, handshake_derived_;
    BinderKey binder_key_;
    TrafficSecret client_early_;
    EarlyExporterMasterSecret early_exporter_;
    HandshakeSecret handshake_;
    TrafficSecret client_handshake_, server_handshake_;
    MasterSecret master_;
    TrafficSecret client_application_, server_application_;
    ExporterMasterSecret exporter_;
    ResumptionMasterSecret resumption_master_;
    std::map<std::string, Derivation> derive_steps_;
};

// §3's resumption PSK: the input of §4.
Bytes section3_resumption_psk() {
    Replay simple(rfc8448("simple_1rtt"), {});
    simple.run();
    const Bytes nonce = ticket_nonce(simple.messages().back());
    return to_bytes(must(resumption_psk(alg, simple.resumption_master(), nonce)).view());
}

}  // namespace

TEST_CASE("RFC 8448 §3 simple 1-RTT handshake: every value and record") {
    Replay(rfc8448("simple_1rtt"), {}).run();
}

TEST_CASE("RFC 8448 §4 resumed 0-RTT handshake: PSK from §3, binder, early secrets, 0-RTT records") {
    const Bytes psk = section3_resumption_psk();
    Replay(rfc8448("resumed_0rtt"), psk).run();
}

TEST_CASE("RFC 8448 §5 HelloRetryRequest: message_hash transcript") {
    Replay hrr(rfc8448("hello_retry_request"), {});
    hrr.run();
    // The transcript after the second ClientHello is message_hash(Hash(ClientHello1)) || HRR || CH2.
    const auto& m = hrr.messages();
    REQUIRE(m.size() >= 3);
    CHECK(is_hello_retry_request(m[1]));
    Bytes synthetic;
    Writer w(synthetic);
    w.u8(static_cast<uint8_t>(HandshakeType::message_hash));
    w.vec24(view(hash(alg, m[0])));
    CHECK(synthetic.size() == 4 + 32);
    Bytes concatenated = synthetic;
    for (size_t i = 1; i <= 2; ++i) concatenated.insert(concatenated.end(), m[i].begin(), m[i].end());
    CHECK(hex(hrr.hash_through(2)) == hex(hash(alg, concatenated)));
}

TEST_CASE("RFC 8448 §6 client authentication: client Certificate and CertificateVerify in the transcript") {
    Replay(rfc8448("client_authentication"), {}).run();
}

TEST_CASE("RFC 8448 §7 compatibility mode: change_cipher_spec records framed and dropped") {
    Replay(rfc8448("compatibility_mode"), {}).run();
}
