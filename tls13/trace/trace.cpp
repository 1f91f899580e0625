#include "tls13/trace/trace.h"

#include <algorithm>
#include <cstdio>

#include "tls13/extensions/alpn.h"
#include "tls13/extensions/key_share.h"
#include "tls13/extensions/negotiation.h"
#include "tls13/extensions/pre_shared_key.h"
#include "tls13/extensions/server_name.h"
#include "tls13/messages/messages.h"
#include "tls13/x509.h"

namespace tpmtls {

std::string_view secret_name(TraceSecret secret) {
    switch (secret) {
        case TraceSecret::early_secret: return "early_secret";
        case TraceSecret::handshake_secret: return "handshake_secret";
        case TraceSecret::master_secret: return "master_secret";
        case TraceSecret::client_handshake_traffic_secret: return "client_handshake_traffic_secret";
        case TraceSecret::server_handshake_traffic_secret: return "server_handshake_traffic_secret";
        case TraceSecret::client_application_traffic_secret_0: return "client_application_traffic_secret_0";
        case TraceSecret::server_application_traffic_secret_0: return "server_application_traffic_secret_0";
        case TraceSecret::exporter_master_secret: return "exporter_master_secret";
        case TraceSecret::resumption_master_secret: return "resumption_master_secret";
        case TraceSecret::client_application_traffic_secret_next: return "client_application_traffic_secret_N+1";
        case TraceSecret::server_application_traffic_secret_next: return "server_application_traffic_secret_N+1";
        default: return "unknown_secret";
    }
}

// RFC 8446 §7.1 (the key schedule diagram) and §7.2.
std::string_view secret_derivation(TraceSecret secret) {
    switch (secret) {
        case TraceSecret::early_secret: return "HKDF-Extract(salt 0, IKM PSK or 0)";
        case TraceSecret::handshake_secret:
            return "HKDF-Extract(salt Derive-Secret(early_secret, \"derived\", \"\"), IKM (EC)DHE shared secret)";
        case TraceSecret::master_secret:
            return "HKDF-Extract(salt Derive-Secret(handshake_secret, \"derived\", \"\"), IKM 0)";
        case TraceSecret::client_handshake_traffic_secret:
            return "Derive-Secret(handshake_secret, \"c hs traffic\", ClientHello...ServerHello)";
        case TraceSecret::server_handshake_traffic_secret:
            return "Derive-Secret(handshake_secret, \"s hs traffic\", ClientHello...ServerHello)";
        case TraceSecret::client_application_traffic_secret_0:
            return "Derive-Secret(master_secret, \"c ap traffic\", ClientHello...server Finished)";
        case TraceSecret::server_application_traffic_secret_0:
            return "Derive-Secret(master_secret, \"s ap traffic\", ClientHello...server Finished)";
        case TraceSecret::exporter_master_secret:
            return "Derive-Secret(master_secret, \"exp master\", ClientHello...server Finished)";
        case TraceSecret::resumption_master_secret:
            return "Derive-Secret(master_secret, \"res master\", ClientHello...client Finished)";
        case TraceSecret::client_application_traffic_secret_next:
        case TraceSecret::server_application_traffic_secret_next:
            return "HKDF-Expand-Label(application_traffic_secret_N, \"traffic upd\", \"\", Hash.length)";
        default: return "?";
    }
}

// TraceFanout

void TraceFanout::add(std::shared_ptr<TraceObserver> observer) {
    if (observer) observers_.push_back(std::move(observer));
}
void TraceFanout::handshake_message(TraceDirection d, ByteView whole) {
    for (auto& o : observers_) o->handshake_message(d, whole);
}
void TraceFanout::key_schedule(TraceSecret s, const Secret& value, const HelloRandom& client_random) {
    for (auto& o : observers_) o->key_schedule(s, value, client_random);
}
void TraceFanout::record_protection(TraceDirection d, CipherSuite suite, TraceSecret s) {
    for (auto& o : observers_) o->record_protection(d, suite, s);
}
void TraceFanout::record(TraceDirection d, ContentType type, size_t length, bool is_protected) {
    for (auto& o : observers_) o->record(d, type, length, is_protected);
}
void TraceFanout::change_cipher_spec(TraceDirection d) {
    for (auto& o : observers_) o->change_cipher_spec(d);
}
void TraceFanout::alert(TraceDirection d, AlertLevel level, AlertDescription description, std::string_view reason) {
    for (auto& o : observers_) o->alert(d, level, description, reason);
}
void TraceFanout::processing(bool begin) {
    for (auto& o : observers_) o->processing(begin);
}
void TraceFanout::signer_time(uint64_t microseconds, std::string_view description) {
    for (auto& o : observers_) o->signer_time(microseconds, description);
}

// describe_handshake_message

namespace {

std::string hex_u16(uint16_t v) {
    char text[8];
    std::snprintf(text, sizeof text, "0x%04x", v);
    return text;
}

// Long public values (key shares, signatures, tickets) are shortened: the length tells more.
std::string short_hex(ByteView data) {
    constexpr size_t shown = 16;
    if (data.size() <= shown * 2) return to_hex(data);
    return to_hex(data.first(shown)) + "..." + to_hex(data.last(4));
}

std::string opaque(ByteView data) {
    return "(" + std::to_string(data.size()) + " bytes)" + (data.empty() ? "" : " " + short_hex(data));
}

template <class T>
std::string join(const std::vector<T>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ", ";
        out += to_string(item);
    }
    return out;
}

std::string text_of(ByteView data) { return std::string(data.begin(), data.end()); }

// One extension's body, decoded when we know its structure in this message.
std::string describe_extension_body(const Extension& e, HandshakeType message) {
    const ByteView data = view(e.data);
    const bool client_hello = message == HandshakeType::client_hello;
    switch (e.type) {
        case ExtensionType::server_name:
            if (client_hello) {
                if (auto names = decode_server_name_client_hello(data)) {
                    std::string out;
                    for (const auto& name : *names) out += (out.empty() ? "host_name " : ", ") + text_of(view(name.name));
                    return out;
                }
            }
            break;
        case ExtensionType::supported_groups:
            if (auto groups = decode_supported_groups(data)) return "named_group_list: " + join(*groups);
            break;
        case ExtensionType::signature_algorithms:
        case ExtensionType::signature_algorithms_cert:
            if (auto schemes = decode_signature_algorithms(data)) return "supported_signature_algorithms: " + join(*schemes);
            break;
        case ExtensionType::supported_versions:
            if (client_hello) {
                if (auto versions = decode_supported_versions_client_hello(data)) {
                    std::string out = "versions:";
                    for (uint16_t v : *versions) out += " " + hex_u16(v);
                    return out;
                }
            } else if (auto selected = decode_supported_versions_server_hello(data)) {
                return "selected_version: " + hex_u16(*selected) + (*selected == 0x0304 ? " (TLS 1.3)" : "");
            }
            break;
        case ExtensionType::key_share:
            if (client_hello) {
                if (auto shares = decode_key_share_client_hello(data)) {
                    std::string out = "client_shares:";
                    for (const auto& s : *shares) out += " {group " + to_string(s.group) + ", key_exchange " + opaque(view(s.key_exchange)) + "}";
                    return out;
                }
            } else if (data.size() == 2) {
                if (auto group = decode_key_share_hello_retry_request(data)) return "selected_group: " + to_string(*group);
            } else if (auto share = decode_key_share_server_hello(data)) {
                return "server_share: {group " + to_string(share->group) + ", key_exchange " +
                       opaque(view(share->key_exchange)) + "}";
            }
            break;
        case ExtensionType::psk_key_exchange_modes:
            if (auto modes = decode_psk_key_exchange_modes(data)) {
                std::string out = "ke_modes:";
                for (auto m : *modes) out += m == PskKeyExchangeMode::psk_dhe_ke ? " psk_dhe_ke" : m == PskKeyExchangeMode::psk_ke ? " psk_ke" : " unknown";
                return out;
            }
            break;
        case ExtensionType::application_layer_protocol_negotiation:
            if (client_hello) {
                if (auto protocols = decode_alpn_client_hello(data)) {
                    std::string out = "protocol_name_list:";
                    for (const auto& p : *protocols) out += " \"" + text_of(view(p)) + "\"";
                    return out;
                }
            } else if (auto protocol = decode_alpn_encrypted_extensions(data)) {
                return "protocol_name: \"" + text_of(view(*protocol)) + "\"";
            }
            break;
        case ExtensionType::pre_shared_key:
            if (client_hello) {
                if (auto offered = decode_pre_shared_key_client_hello(data)) {
                    std::string out = "identities: " + std::to_string(offered->identities.size());
                    for (const auto& id : offered->identities)
                        out += " {identity " + opaque(view(id.identity)) + ", obfuscated_ticket_age " +
                               std::to_string(id.obfuscated_ticket_age) + "}";
                    return out + ", binders: " + std::to_string(offered->binders.size());
                }
            } else if (auto selected = decode_pre_shared_key_server_hello(data)) {
                return "selected_identity: " + std::to_string(*selected);
            }
            break;
        case ExtensionType::cookie:
            if (auto cookie = decode_cookie(data)) return "cookie " + opaque(view(*cookie));
            break;
        default:
            break;
    }
    return opaque(data);
}

void describe_extensions(std::vector<std::string>& lines, const Extensions& extensions, HandshakeType message,
                         const std::string& indent = "  ") {
    lines.push_back(indent + "extensions: " + std::to_string(extensions.size()));
    for (const auto& e : extensions)
        lines.push_back(indent + "  " + to_string(e.type) + ": " + describe_extension_body(e, message));
}

template <class T>
std::string suite_list(const std::vector<T>& suites) {
    return join(suites);
}

void describe_body(std::vector<std::string>& lines, const HandshakeMessage& m) {
    switch (m.type) {
        case HandshakeType::client_hello: {
            auto hello = decode_client_hello(m.body);
            if (!hello) break;
            lines.push_back("  legacy_version: " + hex_u16(hello->legacy_version));
            lines.push_back("  random: " + to_hex(hello->random));
            lines.push_back("  legacy_session_id: " + opaque(view(hello->legacy_session_id)));
            lines.push_back("  cipher_suites: " + suite_list(hello->cipher_suites));
            lines.push_back("  legacy_compression_methods: null(0)");
            describe_extensions(lines, hello->extensions, m.type);
            return;
        }
        case HandshakeType::server_hello: {
            auto hello = decode_server_hello(m.body);
            if (!hello) break;
            if (hello->is_hello_retry_request()) lines.back() = "HelloRetryRequest (a ServerHello with the special random, §4.1.4)";
            lines.push_back("  legacy_version: " + hex_u16(hello->legacy_version));
            lines.push_back("  random: " + to_hex(hello->random));
            lines.push_back("  legacy_session_id_echo: " + opaque(view(hello->legacy_session_id_echo)));
            lines.push_back("  cipher_suite: " + to_string(hello->cipher_suite));
            lines.push_back("  legacy_compression_method: 0");
            describe_extensions(lines, hello->extensions, m.type);
            return;
        }
        case HandshakeType::encrypted_extensions: {
            auto message = decode_encrypted_extensions(m.body);
            if (!message) break;
            describe_extensions(lines, message->extensions, m.type);
            return;
        }
        case HandshakeType::certificate_request: {
            auto message = decode_certificate_request(m.body);
            if (!message) break;
            lines.push_back("  certificate_request_context: " + opaque(view(message->certificate_request_context)));
            describe_extensions(lines, message->extensions, m.type);
            return;
        }
        case HandshakeType::certificate: {
            auto message = decode_certificate(m.body);
            if (!message) break;
            lines.push_back("  certificate_request_context: " + opaque(view(message->certificate_request_context)));
            lines.push_back("  certificate_list: " + std::to_string(message->certificate_list.size()) + " entries");
            for (const auto& entry : message->certificate_list) {
                std::string line = "    cert_data: (" + std::to_string(entry.cert_data.size()) + " bytes)";
                if (auto identity = describe_certificate(view(entry.cert_data))) line += " subject \"" + identity->subject + "\"";
                lines.push_back(line);
                if (!entry.extensions.empty()) describe_extensions(lines, entry.extensions, m.type, "    ");
            }
            return;
        }
        case HandshakeType::certificate_verify: {
            auto message = decode_certificate_verify(m.body);
            if (!message) break;
            lines.push_back("  algorithm: " + to_string(message->algorithm));
            lines.push_back("  signature: " + opaque(view(message->signature)));
            return;
        }
        case HandshakeType::finished:
            // verify_data is an HMAC over the transcript (§4.4.4): public once sent, not a key.
            lines.push_back("  verify_data: " + opaque(m.body));
            return;
        case HandshakeType::new_session_ticket: {
            auto message = decode_new_session_ticket(m.body);
            if (!message) break;
            lines.push_back("  ticket_lifetime: " + std::to_string(message->ticket_lifetime) + " s");
            lines.push_back("  ticket_age_add: " + std::to_string(message->ticket_age_add));
            lines.push_back("  ticket_nonce: " + opaque(view(message->ticket_nonce)));
            lines.push_back("  ticket: " + opaque(view(message->ticket)));
            describe_extensions(lines, message->extensions, m.type);
            return;
        }
        case HandshakeType::key_update: {
            auto message = decode_key_update(m.body);
            if (!message) break;
            lines.push_back(std::string("  request_update: ") +
                            (message->request_update == KeyUpdateRequest::update_requested ? "update_requested"
                                                                                           : "update_not_requested"));
            return;
        }
        default:
            lines.push_back("  body: " + opaque(m.body));
            return;
    }
    lines.push_back("  (does not decode) body: " + opaque(m.body));
}

std::string message_title(HandshakeType type) {
    switch (type) {
        case HandshakeType::client_hello: return "ClientHello";
        case HandshakeType::server_hello: return "ServerHello";
        case HandshakeType::new_session_ticket: return "NewSessionTicket";
        case HandshakeType::end_of_early_data: return "EndOfEarlyData";
        case HandshakeType::encrypted_extensions: return "EncryptedExtensions";
        case HandshakeType::certificate: return "Certificate";
        case HandshakeType::certificate_request: return "CertificateRequest";
        case HandshakeType::certificate_verify: return "CertificateVerify";
        case HandshakeType::finished: return "Finished";
        case HandshakeType::key_update: return "KeyUpdate";
        default: return "Handshake(" + to_string(type) + ")";
    }
}

}  // namespace

std::vector<std::string> describe_handshake_message(ByteView whole_message) {
    std::vector<std::string> lines;
    Reader r(whole_message);
    auto message = read_handshake_message(r);
    if (!message) {
        lines.push_back("handshake message that does not frame (" + std::to_string(whole_message.size()) +
                        " bytes): " + message.error().to_string());
        return lines;
    }
    lines.push_back(message_title(message->type));
    describe_body(lines, *message);
    lines.front() += " (" + std::to_string(message->body.size()) + " bytes, RFC 8446 §4)";
    return lines;
}

// TextTrace

TextTrace::TextTrace(TextTraceOptions options, LineSink sink) : options_(std::move(options)), sink_(std::move(sink)) {}

std::string TextTrace::arrow(TraceDirection d) const {
    const std::string peer = options_.role == "client" ? "server" : options_.role == "server" ? "client" : "peer";
    return d == TraceDirection::sent ? options_.role + " -> " + peer : options_.role + " <- " + peer;
}

void TextTrace::handshake_message(TraceDirection d, ByteView whole) {
    auto lines = describe_handshake_message(whole);
    sink_(arrow(d) + "  " + lines.front());
    for (size_t i = 1; i < lines.size(); ++i) sink_("      " + lines[i]);
    step_events_.push_back((d == TraceDirection::sent ? "sent " : "received ") + lines.front().substr(0, lines.front().find(' ')));
}

void TextTrace::key_schedule(TraceSecret s, const Secret& value, const HelloRandom&) {
    std::string line = "key schedule: " + std::string(secret_name(s)) + " = " + std::string(secret_derivation(s));
    sink_(line);
    if (options_.show_secrets) sink_("      value: " + to_hex(value.view()));
}

void TextTrace::record_protection(TraceDirection d, CipherSuite suite, TraceSecret s) {
    sink_("record protection: " + arrow(d) + " now " + to_string(suite) + ", key and iv from " +
          std::string(secret_name(s)) + " (RFC 8446 §7.3), sequence number 0");
}

void TextTrace::record(TraceDirection d, ContentType type, size_t length, bool is_protected) {
    sink_("record: " + arrow(d) + " " + to_string(type) + ", " + std::to_string(length) + " bytes" +
          (is_protected ? ", protected (TLSCiphertext, §5.2)" : ", plaintext (TLSPlaintext, §5.1)"));
}

void TextTrace::change_cipher_spec(TraceDirection d) {
    sink_(arrow(d) + "  change_cipher_spec (compatibility mode, RFC 8446 §D.4; not part of the handshake)");
}

void TextTrace::alert(TraceDirection d, AlertLevel level, AlertDescription description, std::string_view reason) {
    std::string line = arrow(d) + "  Alert " + (level == AlertLevel::fatal ? "fatal " : "warning ") + alert_name(description);
    if (!reason.empty()) line += " (" + std::string(reason) + ")";
    sink_(line);
}

void TextTrace::signer_time(uint64_t microseconds, std::string_view description) {
    signer_us_ += microseconds;
    sink_("signature by " + std::string(description) + ": " + std::to_string(microseconds / 1000) + "." +
          std::to_string(microseconds % 1000 / 100) + " ms");
}

namespace {
std::string ms(uint64_t us) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f ms", static_cast<double>(us) / 1000.0);
    return text;
}
}  // namespace

void TextTrace::processing(bool begin) {
    if (!options_.now_us) return;
    if (begin) {
        if (depth_++ > 0) return;
        step_start_us_ = options_.now_us();
        network_wait_us_ = last_end_us_ == 0 ? 0 : step_start_us_ - std::min(step_start_us_, last_end_us_);
        signer_us_ = 0;
        step_events_.clear();
        return;
    }
    if (depth_ == 0 || --depth_ > 0) return;
    last_end_us_ = options_.now_us();
    if (step_events_.empty()) return;  // nothing of the handshake happened (application data)
    const uint64_t total = last_end_us_ - std::min(last_end_us_, step_start_us_);
    const uint64_t crypto = total - std::min(total, signer_us_);
    std::string what;
    for (const auto& e : step_events_) what += (what.empty() ? "" : ", ") + e;
    sink_("timing step " + std::to_string(++step_) + " (" + what + "): network wait " + ms(network_wait_us_) +
          ", TPM/signer " + ms(signer_us_) + ", crypto and parsing " + ms(crypto));
}

// KeyLog

void KeyLog::key_schedule(TraceSecret s, const Secret& value, const HelloRandom& client_random) {
    std::string_view label;
    switch (s) {
        case TraceSecret::client_handshake_traffic_secret: label = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"; break;
        case TraceSecret::server_handshake_traffic_secret: label = "SERVER_HANDSHAKE_TRAFFIC_SECRET"; break;
        case TraceSecret::client_application_traffic_secret_0: label = "CLIENT_TRAFFIC_SECRET_0"; break;
        case TraceSecret::server_application_traffic_secret_0: label = "SERVER_TRAFFIC_SECRET_0"; break;
        case TraceSecret::exporter_master_secret: label = "EXPORTER_SECRET"; break;
        default: return;
    }
    std::string line(label);
    line += " " + to_hex(client_random) + " " + to_hex(value.view()) + "\n";
    sink_(line);
    secure_wipe(line.data(), line.size());
}

// TimedSigner

Result<Bytes> TimedSigner::sign(SignatureScheme scheme, ByteView content) {
    const uint64_t start = now_us_ ? now_us_() : 0;
    auto signature = inner_->sign(scheme, content);
    if (observer_ && now_us_) observer_->signer_time(now_us_() - start, inner_->description());
    return signature;
}

}  // namespace tpmtls
