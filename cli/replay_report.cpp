#include "cli/replay_report.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "cli/replay_rfc8448.h"
#include "tls13/cipher_suite.h"
#include "tls13/crypto/key_exchange.h"
#include "tls13/extensions/extensions.h"
#include "tls13/extensions/key_share.h"
#include "tls13/key_schedule/key_schedule.h"
#include "tls13/messages/client_hello.h"
#include "tls13/messages/encrypted_extensions.h"
#include "tls13/messages/handshake.h"
#include "tls13/messages/server_hello.h"

namespace tpmtls::cli {
namespace {

using rfc8448::Step;
constexpr HashAlgorithm sha256 = HashAlgorithm::sha256;  // §3's suite is TLS_AES_128_GCM_SHA256

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::string short_hex(ByteView bytes, size_t max = 24) {
    std::string text = to_hex(bytes.first(std::min(bytes.size(), max)));
    return bytes.size() > max ? text + "…" : text;
}

// Extensions RFC 8448's peers send that RFC 8446 does not define and tpmtls does not implement.
std::string extension_name(ExtensionType type) {
    switch (static_cast<uint16_t>(type)) {
        case 28: return "record_size_limit (RFC 8449; tpmtls does not implement it)";
        case 35: return "session_ticket (RFC 5077, a TLS 1.2 extension; tpmtls does not implement it)";
        case 0xff01: return "renegotiation_info (RFC 5746, a TLS 1.2 extension; tpmtls does not implement it)";
        default: return extension_recognised(type) ? to_string(type) : to_string(type) + " (not implemented)";
    }
}

// The extensions of a whole ClientHello, ServerHello or EncryptedExtensions.
std::optional<Extensions> extensions_of(ByteView whole) {
    Reader r(whole);
    auto message = read_handshake_message(r);
    if (!message) return std::nullopt;
    switch (message->type) {
        case HandshakeType::client_hello:
            if (auto m = decode_client_hello(message->body)) return m->extensions;
            return std::nullopt;
        case HandshakeType::server_hello:
            if (auto m = decode_server_hello(message->body)) return m->extensions;
            return std::nullopt;
        case HandshakeType::encrypted_extensions:
            if (auto m = decode_encrypted_extensions(message->body)) return m->extensions;
            return std::nullopt;
        default: return std::nullopt;
    }
}

// Lines only in `theirs` ("-") and only in `ours` ("+"), in order (longest common subsequence).
std::vector<std::string> line_diff(const std::vector<std::string>& theirs, const std::vector<std::string>& ours) {
    const size_t n = theirs.size(), m = ours.size();
    std::vector<std::vector<size_t>> lcs(n + 1, std::vector<size_t>(m + 1, 0));
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            lcs[i][j] = theirs[i] == ours[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    std::vector<std::string> out;
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && theirs[i] == ours[j]) {
            ++i, ++j;
        } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
            out.push_back("+ ours:  " + ours[j++]);
        } else {
            out.push_back("- RFC's: " + theirs[i++]);
        }
    }
    return out;
}

bool transcript_dependent(TraceSecret s) {
    return s != TraceSecret::early_secret && s != TraceSecret::handshake_secret && s != TraceSecret::master_secret;
}

// The §3 step label part that derives each secret, and the value's key.
std::pair<std::string_view, std::string_view> rfc_step_of(TraceSecret s) {
    switch (s) {
        case TraceSecret::early_secret: return {"extract secret \"early\"", "secret"};
        case TraceSecret::handshake_secret: return {"extract secret \"handshake\"", "secret"};
        case TraceSecret::master_secret: return {"extract secret \"master\"", "secret"};
        case TraceSecret::client_handshake_traffic_secret: return {"derive secret \"tls13 c hs traffic\"", "expanded"};
        case TraceSecret::server_handshake_traffic_secret: return {"derive secret \"tls13 s hs traffic\"", "expanded"};
        case TraceSecret::client_application_traffic_secret_0: return {"derive secret \"tls13 c ap traffic\"", "expanded"};
        case TraceSecret::server_application_traffic_secret_0: return {"derive secret \"tls13 s ap traffic\"", "expanded"};
        case TraceSecret::exporter_master_secret: return {"derive secret \"tls13 exp master\"", "expanded"};
        case TraceSecret::resumption_master_secret: return {"derive secret \"tls13 res master\"", "expanded"};
        default: return {"", ""};
    }
}

// What one of our records carries: a handshake message, an alert, change_cipher_spec.
struct Outgoing {
    ContentType type;
    Bytes payload;
    std::string what;  // "ServerHello", "alert bad_certificate"
};

class Reporter {
public:
    Reporter(const ReplayReportOptions& options, std::ostream& out) : options_(options), out_(out) {}

    ReplaySummary print(const ReplayRun& run) {
        header(run);
        for (const ReplayEvent& e : run.events) event(e);
        ending(run);
        return summary_;
    }

private:
    // ---- comparing ---------------------------------------------------------------------------

    // The step of `side` whose label contains `label_part`; for a "(same as ...)" step, the
    // step it points to is found with `peer_label_part` on the other side. Both are covered.
    const Step* rfc_step(Party side, std::string_view label_part, std::string_view peer_label_part = {}) {
        const Step* own = rfc8448::find(to_string(side), label_part, 0, false);
        if (own != nullptr && !own->values.empty()) return own;
        const Step* theirs =
            rfc8448::find(to_string(peer_of(side)), peer_label_part.empty() ? label_part : peer_label_part);
        if (own != nullptr && theirs != nullptr) covered_.insert(own->index);
        return theirs;
    }

    // One comparison: the marker line, then why and a diff when they differ.
    bool compare(const std::string& item, const Step* step, std::string_view key, ByteView ours, bool secret,
                 const std::string& why_different = {}) {
        const Bytes* theirs = nullptr;
        if (step != nullptr) {
            auto it = step->values.find(std::string(key));
            if (it != step->values.end()) theirs = &it->second;
        }
        if (theirs == nullptr) {
            line(4, "(" + item + ": RFC 8448 §3 lists no such value)");
            return false;
        }
        covered_.insert(step->index);
        const std::string where = "  [RFC: " + step->side + " " + step->label + ", " + std::string(key) + "]";
        if (ByteView(*theirs).size() == ours.size() && std::equal(ours.begin(), ours.end(), theirs->begin())) {
            ++summary_.matches;
            line(4, std::string(match_marker) + "  " + item + where);
            if (secret && options_.show_secrets) line(8, to_hex(ours));
            return true;
        }
        ++summary_.mismatches;
        line(4, std::string(mismatch_marker) + "  " + item + where);
        if (!why_different.empty()) line(8, "why: " + why_different);
        if (secret) {
            if (options_.show_secrets) {
                line(8, "- RFC's: " + to_hex(*theirs));
                line(8, "+ ours:  " + to_hex(ours));
            } else {
                line(8, "(values not shown; --show-secrets prints both)");
            }
        } else {
            byte_diff(*theirs, ours);
        }
        return false;
    }

    void byte_diff(ByteView theirs, ByteView ours) {
        size_t first = 0;
        while (first < theirs.size() && first < ours.size() && theirs[first] == ours[first]) ++first;
        line(8, "RFC's " + std::to_string(theirs.size()) + " bytes, ours " + std::to_string(ours.size()) +
                    " bytes; first difference at byte " + std::to_string(first));
        const size_t from = first - std::min<size_t>(first, 8);
        line(8, "- RFC's [" + std::to_string(from) + "..]: " + short_hex(theirs.subspan(std::min(from, theirs.size())), 32));
        line(8, "+ ours  [" + std::to_string(from) + "..]: " + short_hex(ours.subspan(std::min(from, ours.size())), 32));
    }

    // Extension by extension, then field by field.
    void message_diff(const Bytes& theirs, const Bytes& ours) {
        const auto their_extensions = extensions_of(view(theirs));
        const auto our_extensions = extensions_of(view(ours));
        if (their_extensions && our_extensions) {
            for (const Extension& e : *their_extensions) {
                const auto mine = find_extension(*our_extensions, e.type);
                if (!mine)
                    line(8, "extension " + extension_name(e.type) + ": only in the RFC's" +
                                (extension_recognised(e.type) ? " (RFC 8446 allows it here; ours does not send it)" : ""));
                else if (!std::equal(mine->begin(), mine->end(), e.data.begin(), e.data.end()))
                    line(8, "extension " + extension_name(e.type) + ": in both, different contents");
                else
                    line(8, "extension " + extension_name(e.type) + ": in both, same bytes");
            }
            for (const Extension& e : *our_extensions)
                if (!find_extension(*their_extensions, e.type)) line(8, "extension " + extension_name(e.type) + ": only in ours");
        }
        for (const std::string& d : line_diff(describe_handshake_message(view(theirs)), describe_handshake_message(view(ours))))
            line(8, d);
    }

    // ---- events ------------------------------------------------------------------------------

    void event(const ReplayEvent& e) {
        switch (e.kind) {
            case ReplayEvent::Kind::message: return message(e);
            case ReplayEvent::Kind::secret: return secret(e);
            case ReplayEvent::Kind::protection: return protection(e);
            case ReplayEvent::Kind::wire_record: return record(e);
            case ReplayEvent::Kind::change_cipher_spec:
                if (e.direction == TraceDirection::sent)
                    outgoing_[e.party].push_back({ContentType::change_cipher_spec, {1}, "change_cipher_spec"});
                return line(0, std::string(to_string(e.party)) + (e.direction == TraceDirection::sent ? " → " : " ← ") +
                                   "change_cipher_spec");
            case ReplayEvent::Kind::alert:
                if (e.direction == TraceDirection::sent)
                    outgoing_[e.party].push_back({ContentType::alert,
                                                  {static_cast<uint8_t>(e.level), static_cast<uint8_t>(e.description)},
                                                  "alert " + alert_name(e.description)});
                return line(0, std::string(to_string(e.party)) + (e.direction == TraceDirection::sent ? " → " : " ← ") +
                                   "alert " + (e.level == AlertLevel::fatal ? "fatal " : "warning ") +
                                   alert_name(e.description) + (e.reason.empty() ? "" : ": " + e.reason));
        }
    }

    void message(const ReplayEvent& e) {
        const std::vector<std::string> lines = describe_handshake_message(view(e.bytes));
        const std::string name = lines.front().substr(0, lines.front().find(' '));
        const std::string who = to_string(e.party);
        if (e.direction == TraceDirection::received) {
            line(0, who + " ← " + name);
            return;
        }
        outgoing_[e.party].push_back({ContentType::handshake, e.bytes, name});
        out_ << "\n";
        line(0, who + " → " + to_string(peer_of(e.party)) + "  " + lines.front());
        for (size_t i = 1; i < lines.size(); ++i) line(6, lines[i]);
        const Step* step = rfc_step(e.party, "construct a" + std::string(name == "EncryptedExtensions" ? "n " : " ") +
                                                 name + " handshake message");
        std::string why;
        if (name == "CertificateVerify")
            why = "an RSA-PSS signature is randomised (RFC 8017 §9.1), and ours signs our transcript";
        else if (name == "Finished" || name == "NewSessionTicket")
            why = transcript_note();
        const bool same = compare(who + " " + name, step, name, view(e.bytes), false, why);
        if (!same && step != nullptr && why.empty()) message_diff(step->values.at(name), e.bytes);
        if (!same && !left_at_ && name != "NewSessionTicket") left_at_ = who + " " + name;
        if (name == "ClientHello" || name == "ServerHello") hello_inputs(e);
        if (name == "Finished") finished(e);
    }

    // The injected randoms and key shares, as they appear in the hellos.
    void hello_inputs(const ReplayEvent& e) {
        Reader r(view(e.bytes));
        auto framed = read_handshake_message(r);
        if (!framed) return;
        const bool client = e.party == Party::client;
        const Step* hello = rfc_step(e.party, client ? "construct a ClientHello" : "construct a ServerHello");
        const Step* key_pair = rfc_step(e.party, "create an ephemeral x25519 key pair");
        Bytes random, share;
        if (client) {
            auto ch = decode_client_hello(framed->body);
            if (!ch) return;
            random.assign(ch->random.begin(), ch->random.end());
            if (auto ext = find_extension(ch->extensions, ExtensionType::key_share))
                if (auto shares = decode_key_share_client_hello(*ext); shares && !shares->empty())
                    share = shares->front().key_exchange;
        } else {
            auto sh = decode_server_hello(framed->body);
            if (!sh) return;
            random.assign(sh->random.begin(), sh->random.end());
            if (auto ext = find_extension(sh->extensions, ExtensionType::key_share))
                if (auto entry = decode_key_share_server_hello(*ext)) share = entry->key_exchange;
        }
        (client ? client_share_ : server_share_) = share;
        if (hello != nullptr) {
            const Bytes& message = hello->values.begin()->second;
            const Bytes rfc_random(message.begin() + 6, message.begin() + 38);
            Step random_step{hello->index, hello->side, hello->label, {{"random", rfc_random}}};
            compare(std::string(to_string(e.party)) + " random", &random_step, "random", view(random), false);
        }
        compare(std::string(to_string(e.party)) + " x25519 public key (key_share)", key_pair, "public key", view(share),
                false);
    }

    // §4.4.4: finished_key from the sender's handshake traffic secret, and verify_data.
    void finished(const ReplayEvent& e) {
        const TraceSecret base_name = e.party == Party::client ? TraceSecret::client_handshake_traffic_secret
                                                               : TraceSecret::server_handshake_traffic_secret;
        auto base = secrets_[e.party].find(base_name);
        const Step* step = rfc_step(e.party, "calculate finished \"tls13 finished\"");
        if (base == secrets_[e.party].end()) return;
        const std::string who = to_string(e.party);
        if (auto key = finished_key(sha256, base->second))
            compare(who + " finished_key (computed by the replay from our " + std::string(secret_name(base_name)) + ")",
                    step, "expanded", key->view(), true, transcript_note());
        const ByteView verify_data = ByteView(e.bytes).subspan(std::min<size_t>(4, e.bytes.size()));
        compare(who + " verify_data", step, "finished", verify_data, false, transcript_note());
    }

    void secret(const ReplayEvent& e) {
        const std::string who = to_string(e.party);
        line(0, who + " key schedule: " + std::string(secret_name(e.secret)) + " = " +
                    std::string(secret_derivation(e.secret)));
        const auto [label, key] = rfc_step_of(e.secret);
        const Step* step = label.empty() ? nullptr : rfc_step(e.party, label);
        compare(who + " " + std::string(secret_name(e.secret)), step, key, e.value->view(), true,
                transcript_dependent(e.secret) ? transcript_note() : std::string());
        secrets_[e.party][e.secret] = e.value->clone();
        derived_steps(e);
    }

    // The §7.1 steps between the traced secrets, computed by the replay with tls13/key_schedule/key_schedule.h
    // and tls13/crypto/key_exchange.h from what the handshake reported.
    void derived_steps(const ReplayEvent& e) {
        const std::string who = to_string(e.party);
        const Bytes empty_hash = hash(sha256, {});
        const auto derived = [&](const Secret& from, const char* label_part, const char* name) {
            if (auto d = derive_secret(sha256, from, "derived", view(empty_hash)))
                compare(who + " " + name + " (computed by the replay)", rfc_step(e.party, label_part), "expanded",
                        d->view(), true);
        };
        if (e.secret == TraceSecret::early_secret) {
            derived(*e.value, "derive secret for handshake \"tls13 derived\"", "Derive-Secret(early_secret, \"derived\", \"\")");
        } else if (e.secret == TraceSecret::handshake_secret) {
            // (EC)DHE: our side's injected private key with the peer's share from the hellos.
            const Step* own_key = rfc_step(e.party, "create an ephemeral x25519 key pair");
            const Bytes& peer_share = e.party == Party::client ? server_share_ : client_share_;
            if (own_key != nullptr && !peer_share.empty())
                if (auto kx = key_exchange_from_private(NamedGroup::x25519, view(own_key->values.at("private key"))))
                    if (auto shared = (*kx)->shared_secret(view(peer_share)))
                        compare(who + " x25519 shared secret (computed by the replay)",
                                rfc_step(e.party, "extract secret \"handshake\""), "IKM", shared->view(), true);
            derived(*e.value, "derive secret for master \"tls13 derived\"", "Derive-Secret(handshake_secret, \"derived\", \"\")");
        }
    }

    // §7.3: the key and IV of a newly installed traffic secret.
    void protection(const ReplayEvent& e) {
        const bool sending = e.direction == TraceDirection::sent;
        const std::string who = to_string(e.party);
        line(0, who + " record protection: " + (sending ? "sending" : "receiving") + " now " + to_string(e.suite) +
                    ", key and iv from " + std::string(secret_name(e.secret)) + " (RFC 8446 §7.3)");
        const bool handshake = e.secret == TraceSecret::client_handshake_traffic_secret ||
                               e.secret == TraceSecret::server_handshake_traffic_secret;
        const std::string epoch = handshake ? "handshake data" : "application data";
        const std::string own = std::string("derive ") + (sending ? "write" : "read") + " traffic keys for " + epoch;
        const std::string peers = std::string("derive ") + (sending ? "read" : "write") + " traffic keys for " + epoch;
        const Step* step = rfc_step(e.party, own, peers);
        auto secret = secrets_[e.party].find(e.secret);
        const auto suite = cipher_suite_info(e.suite);
        if (secret == secrets_[e.party].end() || !suite) return;
        auto keys = traffic_key_and_iv(*suite, TrafficSecret(secret->second.view()));
        if (!keys) return;
        const std::string item = who + " " + (sending ? "write" : "read") + " " + (handshake ? "handshake" : "application");
        compare(item + " key (computed by the replay)", step, "key expanded", keys->key.view(), true, transcript_note());
        compare(item + " iv (computed by the replay)", step, "iv expanded", keys->iv.view(), true, transcript_note());
    }

    // The names of the handshake messages in a record payload.
    static std::vector<std::string> message_names(ByteView payload) {
        std::vector<std::string> names;
        Reader r(payload);
        while (!r.empty()) {
            auto m = read_handshake_message(r);
            if (!m) break;
            const auto lines = describe_handshake_message(m->whole);
            names.push_back(lines.front().substr(0, lines.front().find(' ')));
        }
        return names;
    }

    // The §3 record of `side` that carries what ours carries: the handshake record with a message
    // of the same type, the alert record, or the application_data record.
    static const Step* rfc_record(const std::string& side, const Outgoing& ours) {
        for (const Step& s : rfc8448::section3()) {
            if (s.side != side || !contains(s.label, "send ") || !s.values.count("payload")) continue;
            if (ours.type == ContentType::handshake && contains(s.label, "handshake record")) {
                const auto names = message_names(view(s.values.at("payload")));
                if (std::find(names.begin(), names.end(), ours.what) != names.end()) return &s;
            } else if (ours.type == ContentType::alert && contains(s.label, "alert record")) {
                return &s;
            } else if (ours.type == ContentType::application_data && contains(s.label, "application_data record")) {
                return &s;
            }
        }
        return nullptr;
    }

    void record(const ReplayEvent& e) {
        const std::string who = to_string(e.party);
        const size_t n = ++records_[e.party];
        // What went into it: the oldest thing this side sent that has not been on the wire yet
        // (one record per handshake message, alert or change_cipher_spec); else application data.
        Outgoing ours{ContentType::application_data, {}, "application data"};
        if (!outgoing_[e.party].empty()) {
            ours = std::move(outgoing_[e.party].front());
            outgoing_[e.party].pop_front();
        }
        const auto outer = e.bytes.empty() ? ContentType::invalid : static_cast<ContentType>(e.bytes[0]);
        const bool is_protected = outer == ContentType::application_data;
        line(0, who + " → " + to_string(peer_of(e.party)) + "  record " + std::to_string(n) + ": " + ours.what + ", " +
                    std::to_string(e.bytes.size()) + " bytes on the wire" +
                    (is_protected ? " (TLSCiphertext, RFC 8446 §5.2)" : " (TLSPlaintext, §5.1)"));
        const Step* step = rfc_record(who, ours);
        if (step == nullptr) {
            line(4, "(RFC 8448 §3 has no such record from the " + who + ")");
            return;
        }
        const Bytes& their_payload = step->values.at("payload");
        bool same_payload = false;
        if (!ours.payload.empty()) {
            std::string why;
            if (ours.type == ContentType::handshake) {
                std::string names;
                for (const std::string& name : message_names(view(their_payload))) names += (names.empty() ? "" : ", ") + name;
                why = names == ours.what ? "our " + ours.what + " differs (above)"
                                         : "the RFC's record carries " + names + "; ours carries " + ours.what;
            }
            same_payload = compare(who + " record " + std::to_string(n) + " payload", step, "payload", view(ours.payload),
                                   false, why);
        }
        const Bytes& their_record = step->values.at("complete record");
        if (!is_protected && e.bytes.size() >= 3 && their_record.size() >= 3 &&
            (e.bytes[1] != their_record[1] || e.bytes[2] != their_record[2]))
            line(4, "legacy_record_version: the RFC's 0x" + to_hex(ByteView(their_record).subspan(1, 2)) + ", ours 0x" +
                        to_hex(ByteView(e.bytes).subspan(1, 2)) + " (RFC 8446 §5.1 allows 0x0301 for an initial ClientHello)");
        compare(who + " record " + std::to_string(n), step, "complete record", view(e.bytes), false,
                !same_payload && !ours.payload.empty() ? "its payload differs"
                : is_protected ? "protected with keys from our transcript; " + transcript_note()
                               : std::string());
    }

    // ---- framing -----------------------------------------------------------------------------

    std::string transcript_note() const {
        return left_at_ ? "depends on the transcript, which differs from the RFC's from the " + *left_at_ + " on"
                        : std::string();
    }

    void header(const ReplayRun& run) {
        line(0, "RFC 8448 §3 \"Simple 1-RTT Handshake\" replayed through the tpmtls client and server (in memory)");
        line(0, "Taken from the RFC: the server certificate (CN=rsa, RSA-1024) and its §2 private key, the clock");
        line(0, "(2019-01-01), SNI \"server\", no middlebox compatibility mode, and through Random:");
        for (const ReplayInput& input : run.inputs)
            line(2, std::string(to_string(input.party)) + ": " + input.name + " " + short_hex(view(input.value), 8) +
                        (input.used ? "" : "  (never asked for)"));
        line(0, "Markers: \"" + std::string(match_marker) + "\" ours is the RFC's byte for byte; \"" +
                    std::string(mismatch_marker) + "\" it differs (why, and a diff below it).");
        line(0, options_.show_secrets ? "Secret values are shown (--show-secrets)."
                                      : "Secret values are compared but not shown (--show-secrets shows them).");
    }

    void ending(const ReplayRun& run) {
        out_ << "\n";
        line(0, "Outcome: client " + std::string(run.client_connected ? "connected" : "stopped in " + run.client_state) +
                    ", server " + (run.server_connected ? "connected" : "stopped in " + run.server_state));
        if (run.client_error) line(2, "client: " + run.client_error->to_string());
        if (run.server_error) line(2, "server: " + run.server_error->to_string());
        if (run.client_error && run.client_error->description == AlertDescription::bad_certificate &&
            contains(run.client_error->reason, "too small"))
            line(2, "why: RFC 8448's server key is RSA-1024; our chain policy (tls13/x509/x509.cpp) accepts RSA from 2048 "
                    "bits, as the RFC's own client evidently did not require.");
        for (const std::string& draw : run.unscripted) line(2, "not an RFC input: " + draw);

        std::vector<const Step*> missing;
        for (const Step& s : rfc8448::section3())
            if (!s.values.empty() && covered_.count(s.index) == 0 && !contains(s.label, "(same as")) missing.push_back(&s);
        summary_.not_reached = missing.size();
        if (!missing.empty()) {
            out_ << "\n";
            line(0, "Not reached: §3 steps with values that this run did not get to (the handshake ended above):");
            for (const Step* s : missing) {
                std::string keys;
                for (const auto& [key, value] : s->values) keys += (keys.empty() ? "" : ", ") + key;
                line(2, s->side + ": " + s->label + " (" + keys + ")");
            }
        }
        out_ << "\n";
        line(0, "Summary: " + std::to_string(summary_.matches) + " byte strings equal to RFC 8448 §3, " +
                    std::to_string(summary_.mismatches) + " different, " + std::to_string(summary_.not_reached) +
                    " steps not reached.");
    }

    void line(size_t indent, const std::string& text) { out_ << std::string(indent, ' ') << text << "\n"; }

    const ReplayReportOptions& options_;
    std::ostream& out_;
    ReplaySummary summary_;
    std::set<size_t> covered_;
    std::optional<std::string> left_at_;  // the first message where our transcript left the RFC's
    std::map<Party, std::map<TraceSecret, Secret>> secrets_;
    std::map<Party, size_t> records_;
    std::map<Party, std::deque<Outgoing>> outgoing_;  // sent, not yet seen on the wire
    Bytes client_share_, server_share_;
};

}  // namespace

ReplaySummary print_replay_report(const ReplayRun& run, const ReplayReportOptions& options, std::ostream& out) {
    return Reporter(options, out).print(run);
}

}  // namespace tpmtls::cli
