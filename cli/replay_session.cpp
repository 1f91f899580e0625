#include "cli/replay_session.h"

#include "cli/replay_inputs.h"
#include "cli/replay_rfc8448.h"
#include "tls13/clock.h"
#include "tls13/connection.h"
#include "tls13/messages/certificate.h"
#include "tls13/x509.h"

namespace tpmtls::cli {

const char* to_string(Party party) { return party == Party::client ? "client" : "server"; }
Party peer_of(Party party) { return party == Party::client ? Party::server : Party::client; }

namespace {

// 2019-01-01T00:00:00Z: RFC 8448's month, inside its certificate's validity (2016-07-30 ..
// 2026-07-30), which today's date may no longer be.
constexpr int64_t rfc8448_time = 1546300800;

// Appends every trace event of one party to the shared log, in the order they happen.
class Recorder final : public TraceObserver {
public:
    Recorder(Party party, std::vector<ReplayEvent>& log) : party_(party), log_(log) {}

    void handshake_message(TraceDirection d, ByteView whole) override {
        ReplayEvent& e = add(ReplayEvent::Kind::message, d);
        e.bytes = to_bytes(whole);
    }
    void key_schedule(TraceSecret s, const Secret& value, const HelloRandom&) override {
        ReplayEvent& e = add(ReplayEvent::Kind::secret, TraceDirection::sent);
        e.secret = s;
        e.value = value.clone();
    }
    void record_protection(TraceDirection d, CipherSuite suite, TraceSecret s) override {
        ReplayEvent& e = add(ReplayEvent::Kind::protection, d);
        e.suite = suite;
        e.secret = s;
    }
    void change_cipher_spec(TraceDirection d) override { add(ReplayEvent::Kind::change_cipher_spec, d); }
    void alert(TraceDirection d, AlertLevel level, AlertDescription description, std::string_view reason) override {
        ReplayEvent& e = add(ReplayEvent::Kind::alert, d);
        e.level = level;
        e.description = description;
        e.reason = std::string(reason);
    }

private:
    ReplayEvent& add(ReplayEvent::Kind kind, TraceDirection d) {
        ReplayEvent& e = log_.emplace_back();
        e.kind = kind;
        e.party = party_;
        e.direction = d;
        return e;
    }
    Party party_;
    std::vector<ReplayEvent>& log_;
};

// The records in `bytes` (RFC 8446 §5.1 header: type, legacy_record_version, uint16 length).
std::vector<Bytes> split_records(ByteView bytes) {
    std::vector<Bytes> records;
    Reader r(bytes);
    while (!r.empty()) {
        const size_t start = r.position();
        if (!r.u8() || !r.u16() || !r.vec16()) {
            records.push_back(to_bytes(bytes.subspan(start)));  // our own output: never happens
            break;
        }
        records.push_back(to_bytes(bytes.subspan(start, r.position() - start)));
    }
    return records;
}

Result<Bytes> rfc_value(const char* side, const char* label, const char* key) {
    const Bytes* v = rfc8448::value(side, label, key);
    if (v == nullptr)
        return fail(AlertDescription::internal_error, std::string("RFC 8448 table has no ") + side + " " + label);
    return *v;
}

// The random of a whole hello: after type (1), length (3) and legacy_version (2).
Bytes hello_random(const Bytes& hello) { return to_bytes(ByteView(hello).subspan(6, 32)); }

// The leaf certificate of a whole Certificate message.
Result<Bytes> certificate_of(const Bytes& message) {
    Reader r(message);
    auto framed = TRY(read_handshake_message(r));
    const Certificate certificate = TRY(decode_certificate(framed.body));
    if (certificate.certificate_list.empty()) return fail(AlertDescription::internal_error, "empty RFC Certificate");
    return certificate.certificate_list.front().cert_data;
}

}  // namespace

Result<ReplayRun> run_rfc8448_section3() {
    ReplayRun run;
    const Bytes client_hello = TRY(rfc_value("client", "construct a ClientHello", "ClientHello"));
    const Bytes server_hello = TRY(rfc_value("server", "construct a ServerHello", "ServerHello"));
    const Bytes certificate_message = TRY(rfc_value("server", "construct a Certificate", "Certificate"));
    const Bytes certificate = TRY(certificate_of(certificate_message));

    // Our handshakes draw in this order: the client its random, then its key share's private
    // key; the server its key share's private key, then its random.
    ScriptedRandom client_random({{"client random (ClientHello.random)", hello_random(client_hello)},
                                  {"client x25519 private key", TRY(rfc_value("client", "create an ephemeral x25519", "private key"))}});
    ScriptedRandom server_random({{"server x25519 private key", TRY(rfc_value("server", "create an ephemeral x25519", "private key"))},
                                  {"server random (ServerHello.random)", hello_random(server_hello)}});
    const FixedClock clock(rfc8448_time);

    // The RFC's client: SNI "server", no middlebox compatibility (its legacy_session_id is
    // empty), and it trusts the RFC's self-signed server certificate.
    ClientConfig client_config;
    client_config.server_name = "server";
    client_config.compatibility_mode = false;
    client_config.trust_anchors = std::make_shared<const TrustStore>(TRY(TrustStore::from_pem_or_der(view(certificate))));
    client_config.trace = std::make_shared<Recorder>(Party::client, run.events);

    ServerConfig server_config;
    server_config.credentials.chain = {certificate};
    server_config.credentials.signer = std::shared_ptr<Signer>(TRY(Rfc8448ServerSigner::create()));
    server_config.trace = std::make_shared<Recorder>(Party::server, run.events);

    auto client = Connection::client(std::move(client_config), client_random, clock);
    auto server = Connection::server(std::move(server_config), server_random, clock);

    // Moves what `from` wrote to `to`, logging each record on the wire first. Failures are part
    // of the run (the alert is in the log and in error()).
    const auto deliver = [&](Connection& from, Party sender, Connection& to) {
        const Bytes bytes = from.take_output();
        for (Bytes& record : split_records(view(bytes))) {
            ReplayEvent& e = run.events.emplace_back();
            e.kind = ReplayEvent::Kind::wire_record;
            e.party = sender;
            e.bytes = std::move(record);
        }
        if (!bytes.empty() && to.state() != Connection::State::failed) (void)to.receive(view(bytes));
        return !bytes.empty();
    };
    (void)client->start();
    for (int round = 0; round < 16; ++round) {
        const bool client_wrote = deliver(*client, Party::client, *server);
        const bool server_wrote = deliver(*server, Party::server, *client);
        if (!client_wrote && !server_wrote) break;
    }
    run.client_connected = client->is_connected();
    run.server_connected = server->is_connected();
    // §3 goes on with application data both ways and close_notify from each side.
    if (run.client_connected && run.server_connected) {
        (void)client->send(view(TRY(rfc_value("client", "send application_data record", "payload"))));
        deliver(*client, Party::client, *server);
        (void)server->send(view(TRY(rfc_value("server", "send application_data record", "payload"))));
        deliver(*server, Party::server, *client);
        (void)client->close();
        deliver(*client, Party::client, *server);
        (void)server->close();
        deliver(*server, Party::server, *client);
    }

    run.client_state = client->handshake_state();
    run.server_state = server->handshake_state();
    run.client_error = client->error();
    run.server_error = server->error();
    for (auto [random, party] : {std::pair{&client_random, Party::client}, std::pair{&server_random, Party::server}}) {
        for (size_t i = 0; i < random->script().size(); ++i)
            run.inputs.push_back({random->script()[i].name, party, random->script()[i].value, i < random->used()});
        for (const std::string& draw : random->unscripted()) run.unscripted.push_back(std::string(to_string(party)) + ": " + draw);
    }
    // The recorders write into run.events: the connections go before the log is handed out.
    client.reset();
    server.reset();
    return run;
}

}  // namespace tpmtls::cli
