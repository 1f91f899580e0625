// One TLS 1.3 connection, I/O-free (STYLE.md §1): bytes from the peer go in with receive(),
// bytes for the peer come out of take_output(). It glues the record layer, the handshake
// buffer and a handshake state machine, and is the one place that sends a fatal alert and
// closes (STYLE.md §8): after any failure it queues exactly one alert and refuses further work.
#pragma once

#include <memory>
#include <optional>

#include "tls13/messages/handshake_buffer.h"
#include "tls13/handshake_io.h"
#include "tls13/record/record_layer.h"

namespace tpmtls {

class Connection final : private HandshakeIo {
public:
    enum class State : uint8_t {
        handshaking,  // before our side is connected
        connected,    // application data may flow both ways
        closed,       // close_notify received (and ours sent), or closed by us
        failed,       // a fatal alert was sent or received
    };

    // `random` and `clock` must outlive the connection.
    static std::unique_ptr<Connection> client(ClientConfig config, Random& random, const Clock& clock);
    static std::unique_ptr<Connection> server(ServerConfig config, Random& random, const Clock& clock);
    ~Connection() override;

    // Client: queues the ClientHello. Server: nothing to do (waits for one).
    Status start();
    // Processes bytes from the peer: records, handshake messages, alerts, application data.
    // On failure the alert to send is queued in the output and the connection is failed.
    Status receive(ByteView bytes);
    // Application data to send (fragmented into records); only when connected.
    Status send(ByteView data);
    // Sends close_notify (RFC 8446 §6.1). Further sends fail.
    Status close();
    // KeyUpdate (RFC 8446 §4.6.3): ours, optionally asking the peer to update too.
    Status key_update(bool request_peer_update);

    // Bytes to write to the transport (moves them out).
    Bytes take_output();
    bool has_output() const { return !output_.empty(); }
    // Application data received so far (moves it out).
    Bytes take_application_data();

    State state() const { return state_; }
    bool is_connected() const { return state_ == State::connected; }
    // True once the peer's close_notify arrived.
    bool peer_closed() const { return peer_closed_; }
    const SessionInfo& session() const;
    // The failure, if any: the alert we sent (with our reason) or the one we received.
    const std::optional<Alert>& error() const { return error_; }
    bool alert_was_received() const { return alert_received_; }
    Result<Bytes> export_keying_material(std::string_view label, ByteView context, size_t length) const;
    // The handshake state's name, for traces and errors.
    const char* handshake_state() const;

    // Record-count threshold after which we send a KeyUpdate on our own, before the §5.5 limit.
    void set_key_update_threshold(uint64_t records) { key_update_threshold_ = records; }

private:
    Connection();

    // HandshakeIo
    Status send_handshake(ByteView whole_message) override;
    Status send_change_cipher_spec() override;
    Status set_write_secret(const CipherSuiteInfo& suite, const TrafficSecret& secret) override;
    Status set_read_secret(const CipherSuiteInfo& suite, const TrafficSecret& secret) override;
    void allow_change_cipher_spec(bool allowed) override;
    void trace_secret(TraceSecret which, const Secret& value) override;

    // Trace hooks (tls13/trace/trace.h); each does nothing without an observer.
    void trace_handshake(TraceDirection direction, ByteView whole_message);
    void trace_alert(TraceDirection direction, AlertLevel level, const Alert& alert);
    void trace_traffic_secret(TraceDirection direction, const CipherSuiteInfo& suite, const TrafficSecret& secret);
    // Brackets one processing call for the trace's timing (processing(true) ... processing(false)).
    class TraceStep;

    Status process_records();
    Status on_record(const Record& record);
    Status on_alert(ByteView fragment);
    Status on_handshake_data(ByteView fragment);
    Status maybe_update_keys();
    // The single exit for failures: queue one alert, remember why, stop.
    Status fail_with(Alert alert);

    std::unique_ptr<Handshake> handshake_;
    RecordReceiver receiver_;
    RecordSender sender_;
    HandshakeBuffer handshake_buffer_;
    Bytes output_;
    Bytes application_data_;
    State state_ = State::handshaking;
    bool peer_closed_ = false;
    bool close_sent_ = false;
    bool alert_received_ = false;
    std::optional<Alert> error_;
    uint64_t key_update_threshold_ = 0;  // 0: derive from the AEAD's §5.5 limit
    // Study features: the observer, whose side we are, ClientHello.random (the key log's
    // connection id) and how many keys each direction has had (which secret a key is).
    std::shared_ptr<TraceObserver> trace_;
    bool is_client_ = false;
    HelloRandom client_random_{};
    unsigned write_keys_ = 0;
    unsigned read_keys_ = 0;
};

const char* to_string(Connection::State state);

}  // namespace tpmtls
