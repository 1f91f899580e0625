#include "tls13/connection.h"

#include <algorithm>

namespace tpmtls {

namespace {

Alert unexpected(std::string_view why) { return make_alert(AlertDescription::unexpected_message, why); }

// RFC 8446 §4.1.2: ClientHello.random follows the 4-byte header and legacy_version.
HelloRandom client_hello_random(ByteView whole_client_hello) {
    HelloRandom random{};
    Reader r(whole_client_hello);
    if (!r.bytes(4 + 2)) return random;
    if (auto bytes = r.bytes(random.size())) std::copy(bytes->begin(), bytes->end(), random.begin());
    return random;
}

}  // namespace

class Connection::TraceStep {
public:
    explicit TraceStep(TraceObserver* trace) : trace_(trace) {
        if (trace_ != nullptr) trace_->processing(true);
    }
    ~TraceStep() {
        if (trace_ != nullptr) trace_->processing(false);
    }
    TraceStep(const TraceStep&) = delete;
    TraceStep& operator=(const TraceStep&) = delete;

private:
    TraceObserver* trace_;
};

void Connection::trace_handshake(TraceDirection direction, ByteView whole_message) {
    if (!whole_message.empty() && static_cast<HandshakeType>(whole_message[0]) == HandshakeType::client_hello)
        client_random_ = client_hello_random(whole_message);
    if (trace_) trace_->handshake_message(direction, whole_message);
}

void Connection::trace_alert(TraceDirection direction, AlertLevel level, const Alert& alert) {
    if (trace_) trace_->alert(direction, level, alert.description, alert.reason);
}

void Connection::trace_secret(TraceSecret which, const Secret& value) {
    if (trace_) trace_->key_schedule(which, value, client_random_);
}

// Which secret a newly installed key comes from follows from the order of §7.1: first the
// handshake traffic secret, then application_traffic_secret_0, then one per KeyUpdate (§7.2).
void Connection::trace_traffic_secret(TraceDirection direction, const CipherSuiteInfo& suite,
                                      const TrafficSecret& secret) {
    unsigned& count = direction == TraceDirection::sent ? write_keys_ : read_keys_;
    const unsigned index = count++;
    if (!trace_) return;
    const bool client_side = (direction == TraceDirection::sent) == is_client_;
    TraceSecret which = client_side ? TraceSecret::client_application_traffic_secret_next
                                    : TraceSecret::server_application_traffic_secret_next;
    if (index == 0)
        which = client_side ? TraceSecret::client_handshake_traffic_secret : TraceSecret::server_handshake_traffic_secret;
    else if (index == 1)
        which = client_side ? TraceSecret::client_application_traffic_secret_0
                            : TraceSecret::server_application_traffic_secret_0;
    trace_->key_schedule(which, secret, client_random_);
    trace_->record_protection(direction, suite.suite, which);
}

const char* to_string(Connection::State state) {
    switch (state) {
        case Connection::State::handshaking: return "handshaking";
        case Connection::State::connected: return "connected";
        case Connection::State::closed: return "closed";
        case Connection::State::failed: return "failed";
        default: return "unknown";
    }
}

// RFC 8446 §6: a peer's plaintext alert is possible only while handshaking.
Connection::Connection() { receiver_.set_plaintext_alert_allowed(true); }
Connection::~Connection() = default;

std::unique_ptr<Connection> Connection::client(ClientConfig config, Random& random, const Clock& clock) {
    std::unique_ptr<Connection> c(new Connection());
    c->trace_ = config.trace;
    c->is_client_ = true;
    c->handshake_ = make_client_handshake(std::move(config), HandshakeContext{*c, random, clock});
    return c;
}

std::unique_ptr<Connection> Connection::server(ServerConfig config, Random& random, const Clock& clock) {
    std::unique_ptr<Connection> c(new Connection());
    c->trace_ = config.trace;
    c->handshake_ = make_server_handshake(std::move(config), HandshakeContext{*c, random, clock});
    return c;
}

const SessionInfo& Connection::session() const { return handshake_->session(); }
const char* Connection::handshake_state() const { return handshake_->state_name(); }

Result<Bytes> Connection::export_keying_material(std::string_view label, ByteView context, size_t length) const {
    if (state_ != State::connected) return fail(AlertDescription::internal_error, "exporter needs a connected session");
    return handshake_->export_keying_material(label, context, length);
}

Status Connection::fail_with(Alert alert) {
    if (!error_) {
        error_ = alert;
        if (state_ != State::failed && state_ != State::closed) {
            // RFC 8446 §6.2: one fatal alert, under the current write keys, then close.
            const uint8_t bytes[2] = {static_cast<uint8_t>(AlertLevel::fatal), static_cast<uint8_t>(alert.description)};
            trace_alert(TraceDirection::sent, AlertLevel::fatal, alert);
            if (!sender_.write(ContentType::alert, ByteView(bytes), output_)) {
                // The write key is exhausted or broken: nothing more can be sent safely.
            }
        }
        state_ = State::failed;
    }
    return alert;
}

Status Connection::start() {
    if (state_ != State::handshaking) return fail(AlertDescription::internal_error, "connection already started");
    const TraceStep step(trace_.get());
    auto started = handshake_->start();
    if (!started) return fail_with(std::move(started).error());
    return ok();
}

Status Connection::receive(ByteView bytes) {
    if (state_ == State::failed) return *error_;
    if (peer_closed_) return ok();  // §6.1: data after close_notify is ignored
    const TraceStep step(trace_.get());
    receiver_.feed(bytes);
    auto processed = process_records();
    if (!processed) {
        if (alert_received_) return processed;  // the peer's alert: nothing to send back
        return fail_with(std::move(processed).error());
    }
    return ok();
}

Status Connection::process_records() {
    while (!peer_closed_ && state_ != State::failed) {
        auto record = TRY(receiver_.next());
        if (!record) return ok();
        TRY(on_record(*record));
    }
    return ok();
}

Status Connection::on_record(const Record& record) {
    // §5.1: handshake messages may span records, but nothing may come between the pieces.
    if (record.type != ContentType::handshake && !handshake_buffer_.empty())
        return unexpected("record of another type inside a fragmented handshake message");
    if (trace_) trace_->record(TraceDirection::received, record.type, record.fragment.size(), record.was_protected);
    switch (record.type) {
        case ContentType::handshake:
            return on_handshake_data(record.fragment);
        case ContentType::alert:
            return on_alert(record.fragment);
        case ContentType::application_data:
            if (state_ != State::connected) return unexpected("application data before the handshake finished");
            application_data_.insert(application_data_.end(), record.fragment.begin(), record.fragment.end());
            return ok();
        default:
            return unexpected("record of type " + to_string(record.type));
    }
}

Status Connection::on_handshake_data(ByteView fragment) {
    handshake_buffer_.append(fragment);
    for (;;) {
        auto message = TRY(handshake_buffer_.next());
        if (!message) {
            // No message views remain; after the handshake, give back the flight's storage.
            if (state_ == State::connected) handshake_buffer_.release_if_empty();
            return ok();
        }
        trace_handshake(TraceDirection::received, message->whole);
        TRY(handshake_->on_message(*message));
        if (state_ == State::handshaking && handshake_->connected()) {
            state_ = State::connected;
            receiver_.set_plaintext_alert_allowed(false);
        }
    }
}

Status Connection::on_alert(ByteView fragment) {
    Reader r(fragment);
    const uint8_t level = TRY(r.u8());
    const auto description = static_cast<AlertDescription>(TRY(r.u8()));
    TRY(r.expect_end("alert longer than two bytes"));
    trace_alert(TraceDirection::received, level == 1 ? AlertLevel::warning : AlertLevel::fatal,
                make_alert(description, ""));
    if (description == AlertDescription::close_notify) {
        // §6.1: the peer will send no more; we may still send until we close too.
        peer_closed_ = true;
        if (state_ == State::handshaking) {
            alert_received_ = true;
            error_ = make_alert(description, "peer closed the connection during the handshake");
            state_ = State::failed;
            return *error_;
        }
        if (close_sent_) state_ = State::closed;
        return ok();
    }
    if (description == AlertDescription::user_canceled) return ok();  // §6.1: a close_notify follows
    // §6: every other alert is fatal in TLS 1.3, whatever its level says.
    alert_received_ = true;
    error_ = make_alert(description, std::string("peer sent ") + (level == 1 ? "warning" : "fatal") + " alert " +
                                         alert_name(description));
    state_ = State::failed;
    return *error_;
}

Status Connection::send(ByteView data) {
    if (state_ != State::connected || close_sent_)
        return fail(AlertDescription::internal_error,
                    std::string("cannot send application data: connection is ") + to_string(state_));
    const TraceStep step(trace_.get());
    if (trace_) trace_->record(TraceDirection::sent, ContentType::application_data, data.size(), true);
    auto written = sender_.write(ContentType::application_data, data, output_);
    if (!written) return fail_with(std::move(written).error());
    auto updated = maybe_update_keys();
    if (!updated) return fail_with(std::move(updated).error());
    return ok();
}

Status Connection::maybe_update_keys() {
    const RecordSealer* sealer = sender_.sealer();
    if (sealer == nullptr) return ok();
    // §5.5: rekey well before the AEAD's limit (at 7/8 of it unless told otherwise).
    const uint64_t threshold =
        key_update_threshold_ != 0 ? key_update_threshold_ : sealer->record_limit() - sealer->record_limit() / 8;
    if (sealer->sequence_number() >= threshold) return handshake_->send_key_update(false);
    return ok();
}

Status Connection::key_update(bool request_peer_update) {
    if (state_ != State::connected) return fail(AlertDescription::internal_error, "KeyUpdate needs a connected session");
    auto sent = handshake_->send_key_update(request_peer_update);
    if (!sent) return fail_with(std::move(sent).error());
    return ok();
}

Status Connection::close() {
    if (state_ == State::failed) return *error_;
    if (close_sent_) return ok();
    const uint8_t bytes[2] = {static_cast<uint8_t>(AlertLevel::warning),
                              static_cast<uint8_t>(AlertDescription::close_notify)};
    TRY(sender_.write(ContentType::alert, ByteView(bytes), output_));
    trace_alert(TraceDirection::sent, AlertLevel::warning, make_alert(AlertDescription::close_notify, ""));
    close_sent_ = true;
    state_ = State::closed;
    return ok();
}

Bytes Connection::take_output() {
    Bytes out;
    out.swap(output_);
    return out;
}

Bytes Connection::take_application_data() {
    Bytes out;
    out.swap(application_data_);
    return out;
}

// HandshakeIo

Status Connection::send_handshake(ByteView whole_message) {
    trace_handshake(TraceDirection::sent, whole_message);
    if (trace_) trace_->record(TraceDirection::sent, ContentType::handshake, whole_message.size(), sender_.is_protected());
    return sender_.write(ContentType::handshake, whole_message, output_);
}

Status Connection::send_change_cipher_spec() {
    sender_.write_change_cipher_spec(output_);
    if (trace_) trace_->change_cipher_spec(TraceDirection::sent);
    return ok();
}

Status Connection::set_write_secret(const CipherSuiteInfo& suite, const TrafficSecret& secret) {
    sender_.set_sealer(TRY(RecordSealer::create(suite, secret)));
    trace_traffic_secret(TraceDirection::sent, suite, secret);
    return ok();
}

Status Connection::set_read_secret(const CipherSuiteInfo& suite, const TrafficSecret& secret) {
    // §5.1: a key change must fall on a record boundary with no handshake bytes left over.
    if (!handshake_buffer_.empty()) return unexpected("handshake data left over at a key change");
    receiver_.set_opener(TRY(RecordOpener::create(suite, secret)));
    trace_traffic_secret(TraceDirection::received, suite, secret);
    return ok();
}

void Connection::allow_change_cipher_spec(bool allowed) { receiver_.set_change_cipher_spec_allowed(allowed); }

}  // namespace tpmtls
