// Watching a handshake (issue 7, study features): an observer interface the protocol core calls
// (STYLE.md §1: no I/O here; an observer formats lines and hands them to a sink the program owns).
//
// The Connection reports every handshake message it sends or receives, record protection
// changes, change_cipher_spec records, alerts, the start and end of each processing call (the
// timing boundaries) and the traffic secrets it installs; the handshakes report the other
// key-schedule secrets (RFC 8446 §7.1). Two observers are provided:
//   TextTrace  readable lines: messages decoded field by field with the RFC's names, each
//              key-schedule step with its label and the secret it produces (the value only
//              with show_secrets), timing per step (TPM, crypto, network wait);
//   KeyLog     the NSS key log format Wireshark reads (SSLKEYLOGFILE).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/alert.h"
#include "tls13/bytes.h"
#include "tls13/messages/handshake.h"
#include "tls13/secret.h"
#include "tls13/signer.h"
#include "tls13/types.h"

namespace tpmtls {

enum class TraceDirection : uint8_t { sent, received };

// The secrets of the RFC 8446 §7.1 key schedule (and §7.2 KeyUpdate), by their RFC names.
enum class TraceSecret : uint8_t {
    early_secret,
    handshake_secret,
    master_secret,
    client_handshake_traffic_secret,
    server_handshake_traffic_secret,
    client_application_traffic_secret_0,
    server_application_traffic_secret_0,
    exporter_master_secret,
    resumption_master_secret,
    client_application_traffic_secret_next,  // §7.2, after a KeyUpdate
    server_application_traffic_secret_next,
};

// "client_handshake_traffic_secret"
std::string_view secret_name(TraceSecret secret);
// How §7.1 derives it: "Derive-Secret(Handshake Secret, \"c hs traffic\", ClientHello...ServerHello)".
std::string_view secret_derivation(TraceSecret secret);

class TraceObserver {
public:
    virtual ~TraceObserver() = default;
    // One whole handshake message (header included), as it goes into the transcript.
    virtual void handshake_message(TraceDirection, ByteView /*whole_message*/) {}
    // A key-schedule step produced `value`. `client_random` identifies the connection (key log).
    virtual void key_schedule(TraceSecret, const Secret& /*value*/, const HelloRandom& /*client_random*/) {}
    // Records in `direction` are now protected with `suite` under keys from `secret`.
    virtual void record_protection(TraceDirection, CipherSuite, TraceSecret) {}
    // One record: its (inner) content type and plaintext length; protected or not.
    virtual void record(TraceDirection, ContentType, size_t /*length*/, bool /*is_protected*/) {}
    virtual void change_cipher_spec(TraceDirection) {}
    virtual void alert(TraceDirection, AlertLevel, AlertDescription, std::string_view /*reason*/) {}
    // The connection starts / finishes processing one call (start(), receive(), send()): the
    // time between an end and the next begin is spent outside, waiting on the network.
    virtual void processing(bool /*begin*/) {}
    // Time spent in the signer (the TPM for a TpmSigner), reported by TimedSigner.
    virtual void signer_time(uint64_t /*microseconds*/, std::string_view /*description*/) {}
};

// Passes every event to each of several observers (a trace and a key log at once).
class TraceFanout final : public TraceObserver {
public:
    void add(std::shared_ptr<TraceObserver> observer);
    bool empty() const { return observers_.empty(); }

    void handshake_message(TraceDirection d, ByteView whole) override;
    void key_schedule(TraceSecret s, const Secret& value, const HelloRandom& client_random) override;
    void record_protection(TraceDirection d, CipherSuite suite, TraceSecret s) override;
    void record(TraceDirection d, ContentType type, size_t length, bool is_protected) override;
    void change_cipher_spec(TraceDirection d) override;
    void alert(TraceDirection d, AlertLevel level, AlertDescription description, std::string_view reason) override;
    void processing(bool begin) override;
    void signer_time(uint64_t microseconds, std::string_view description) override;

private:
    std::vector<std::shared_ptr<TraceObserver>> observers_;
};

// The fields of one whole handshake message, one line each, named as in RFC 8446 §4
// ("ClientHello", "  legacy_version: 0x0303", "  random: 3a…", "  extensions:", ...).
// A message that does not decode gives its type, length and the decode error.
std::vector<std::string> describe_handshake_message(ByteView whole_message);

using LineSink = std::function<void(std::string_view line)>;
// A monotonic clock in microseconds, injected (the core never reads the clock itself).
using MicrosecondClock = std::function<uint64_t()>;

struct TextTraceOptions {
    std::string role;           // "client" or "server": who "sent" is
    bool show_secrets = false;  // print secret values (--show-secrets); never by default
    MicrosecondClock now_us;    // empty: no timing lines
};

class TextTrace final : public TraceObserver {
public:
    TextTrace(TextTraceOptions options, LineSink sink);

    void handshake_message(TraceDirection d, ByteView whole) override;
    void key_schedule(TraceSecret s, const Secret& value, const HelloRandom& client_random) override;
    void record_protection(TraceDirection d, CipherSuite suite, TraceSecret s) override;
    void record(TraceDirection d, ContentType type, size_t length, bool is_protected) override;
    void change_cipher_spec(TraceDirection d) override;
    void alert(TraceDirection d, AlertLevel level, AlertDescription description, std::string_view reason) override;
    void processing(bool begin) override;
    void signer_time(uint64_t microseconds, std::string_view description) override;

private:
    std::string arrow(TraceDirection d) const;

    TextTraceOptions options_;
    LineSink sink_;
    int depth_ = 0;               // nested processing calls count once
    uint64_t step_start_us_ = 0;
    uint64_t last_end_us_ = 0;    // 0: no step ended yet
    uint64_t network_wait_us_ = 0;
    uint64_t signer_us_ = 0;      // within the current step
    unsigned step_ = 0;
    std::vector<std::string> step_events_;  // what the step did, for its timing line
};

// NSS key log lines (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/):
// "<LABEL> <64 hex digits of ClientHello.random> <secret in hex>", for the TLS 1.3 labels
// CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
// SERVER_TRAFFIC_SECRET_0 and EXPORTER_SECRET. Each line goes to the sink whole (with '\n').
class KeyLog final : public TraceObserver {
public:
    explicit KeyLog(LineSink sink) : sink_(std::move(sink)) {}
    void key_schedule(TraceSecret s, const Secret& value, const HelloRandom& client_random) override;

private:
    LineSink sink_;
};

// A Signer that times each signature and reports it to an observer (TPM time in a trace).
class TimedSigner final : public Signer {
public:
    TimedSigner(std::shared_ptr<Signer> inner, std::shared_ptr<TraceObserver> observer, MicrosecondClock now_us)
        : inner_(std::move(inner)), observer_(std::move(observer)), now_us_(std::move(now_us)) {}
    std::vector<SignatureScheme> schemes() const override { return inner_->schemes(); }
    Result<Bytes> sign(SignatureScheme scheme, ByteView content) override;
    std::string description() const override { return inner_->description(); }

private:
    std::shared_ptr<Signer> inner_;
    std::shared_ptr<TraceObserver> observer_;
    MicrosecondClock now_us_;
};

}  // namespace tpmtls
