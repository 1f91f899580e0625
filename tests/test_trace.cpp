// The study trace (tls13/trace/trace.h) of whole in-memory handshakes: every message and every
// key-schedule step is named, no secret byte appears unless show_secrets asks for it, the key
// log has the five NSS lines per connection, alerts and timing steps show up.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "support/connection_pair.h"
#include "tls13/trace/trace.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

// Remembers every secret value the connection reported, to look for them in the text.
class SecretRecorder final : public TraceObserver {
public:
    void key_schedule(TraceSecret s, const Secret& value, const HelloRandom& client_random) override {
        values[s] = to_hex(value.view());
        random = to_hex(client_random);
    }
    std::map<TraceSecret, std::string> values;
    std::string random;
};

struct Traced {
    std::string text;                      // the TextTrace output, one line per '\n'
    std::shared_ptr<SecretRecorder> recorder = std::make_shared<SecretRecorder>();
    std::shared_ptr<TraceFanout> fanout = std::make_shared<TraceFanout>();
    std::vector<std::string> keylog;

    Traced(const std::string& role, bool show_secrets, MicrosecondClock now = {}) {
        fanout->add(recorder);
        fanout->add(std::make_shared<TextTrace>(TextTraceOptions{role, show_secrets, std::move(now)},
                                                [this](std::string_view line) {
                                                    text += line;
                                                    text += "\n";
                                                }));
        fanout->add(std::make_shared<KeyLog>([this](std::string_view line) { keylog.emplace_back(line); }));
    }
    bool has(std::string_view s) const { return text.find(s) != std::string::npos; }
};

const TraceSecret all_secrets[] = {
    TraceSecret::early_secret,
    TraceSecret::handshake_secret,
    TraceSecret::master_secret,
    TraceSecret::client_handshake_traffic_secret,
    TraceSecret::server_handshake_traffic_secret,
    TraceSecret::client_application_traffic_secret_0,
    TraceSecret::server_application_traffic_secret_0,
    TraceSecret::exporter_master_secret,
    TraceSecret::resumption_master_secret,
};

}  // namespace

TEST_CASE("the trace of a mutually authenticated handshake names every message and key-schedule step") {
    for (bool show_secrets : {false, true}) {
        CAPTURE(show_secrets);
        Traced client_trace("client", show_secrets);
        Traced server_trace("server", show_secrets);
        ClientConfig client = client_config_for(shared_test_pki(), true);
        ServerConfig server = server_config_for(shared_test_pki(), ClientAuthMode::required);
        client.trace = client_trace.fanout;
        server.trace = server_trace.fanout;
        ConnectionPair pair = make_pair(std::move(client), std::move(server));
        REQUIRE(pair.handshake());
        REQUIRE(pair.client->send(view(std::string("GET_SECRET"))));
        REQUIRE(pair.pump());
        REQUIRE(pair.client->close());
        REQUIRE(pair.pump());

        for (const Traced* t : {&client_trace, &server_trace}) {
            const std::string me = t == &client_trace ? "client" : "server";
            const std::string peer = t == &client_trace ? "server" : "client";
            const std::string from_client = t == &client_trace ? "client -> server  " : "server <- client  ";
            const std::string from_server = t == &client_trace ? "client <- server  " : "server -> client  ";
            CAPTURE(t->text);
            for (const char* m : {"ClientHello", "Certificate (", "CertificateVerify", "Finished"})
                CHECK(t->has(from_client + m));
            for (const char* m : {"ServerHello", "EncryptedExtensions", "CertificateRequest", "Certificate (",
                                  "CertificateVerify", "Finished"})
                CHECK(t->has(from_server + m));
            // Fields by their RFC 8446 names.
            for (const char* field : {"legacy_version: 0x0303", "random: ", "cipher_suites: ", "legacy_session_id_echo",
                                      "supported_versions: versions: 0x0304", "selected_version: 0x0304 (TLS 1.3)",
                                      "client_shares:", "server_share:", "supported_signature_algorithms:",
                                      "certificate_request_context:", "cert_data:", "algorithm: ", "verify_data: "})
                CHECK_MESSAGE(t->has(field), field);
            for (TraceSecret s : all_secrets) {
                CHECK(t->has("key schedule: " + std::string(secret_name(s)) + " = "));
                REQUIRE(t->recorder->values.count(s) == 1);
                // The value itself only with show_secrets.
                CHECK(t->has(t->recorder->values.at(s)) == show_secrets);
            }
            CHECK(t->has("\"c hs traffic\""));
            CHECK(t->has("\"s ap traffic\""));
            CHECK(t->has("record protection: " + me + " -> " + peer + " now TLS_"));
            CHECK(t->has("record: " + from_client.substr(0, 16) + " application_data, 10 bytes, protected"));
            CHECK(t->has("close_notify"));
            // Both ends saw the same secrets for the same connection.
            CHECK(t->recorder->random == client_trace.recorder->random);
        }
        CHECK(client_trace.recorder->values == server_trace.recorder->values);
    }
}

TEST_CASE("the key log has the five NSS lines of TLS 1.3, keyed by ClientHello.random") {
    Traced client_trace("client", false);
    Traced server_trace("server", false);
    ClientConfig client = client_config_for(shared_test_pki(), false);
    client.trace = client_trace.fanout;
    ServerConfig server = server_config_for(shared_test_pki(), ClientAuthMode::off);
    server.trace = server_trace.fanout;
    ConnectionPair pair = make_pair(std::move(client), std::move(server));
    REQUIRE(pair.handshake());

    const std::string random = client_trace.recorder->random;
    REQUIRE(random.size() == 64);
    CHECK(client_trace.has("random: " + random));  // the same random the ClientHello carried
    const std::pair<const char*, TraceSecret> expected[] = {
        {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", TraceSecret::client_handshake_traffic_secret},
        {"SERVER_HANDSHAKE_TRAFFIC_SECRET", TraceSecret::server_handshake_traffic_secret},
        {"CLIENT_TRAFFIC_SECRET_0", TraceSecret::client_application_traffic_secret_0},
        {"SERVER_TRAFFIC_SECRET_0", TraceSecret::server_application_traffic_secret_0},
        {"EXPORTER_SECRET", TraceSecret::exporter_master_secret},
    };
    for (const Traced* t : {&client_trace, &server_trace}) {
        REQUIRE(t->keylog.size() == 5);
        std::set<std::string> lines(t->keylog.begin(), t->keylog.end());
        for (const auto& [label, secret] : expected)
            CHECK(lines.count(std::string(label) + " " + random + " " + client_trace.recorder->values.at(secret) + "\n") == 1);
    }
}

TEST_CASE("a failed handshake traces the alert both sides saw") {
    Traced client_trace("client", false);
    Traced server_trace("server", false);
    ClientConfig client = client_config_for(shared_test_pki(), false);
    client.trace = client_trace.fanout;
    ServerConfig server = server_config_for(shared_test_pki(), ClientAuthMode::required);
    server.trace = server_trace.fanout;
    ConnectionPair pair = make_pair(std::move(client), std::move(server));
    CHECK_FALSE(pair.handshake());
    // RFC 8446 §4.4.2.4: a required certificate that is missing is certificate_required.
    CHECK(server_trace.has("server -> client  Alert fatal certificate_required"));
    CHECK(client_trace.has("client <- server  Alert fatal certificate_required"));
}

TEST_CASE("timing lines separate signer time, crypto and network wait, from the injected clock") {
    uint64_t now = 1000;
    Traced client_trace("client", false, [&now] { return now += 250; });
    ClientConfig client = client_config_for(shared_test_pki(), true);
    client.credentials.signer = std::make_shared<TimedSigner>(client.credentials.signer, client_trace.fanout,
                                                              [&now] { return now += 2000; });
    client.trace = client_trace.fanout;
    ConnectionPair pair = make_pair(std::move(client), server_config_for(shared_test_pki(), ClientAuthMode::required));
    REQUIRE(pair.handshake());
    CAPTURE(client_trace.text);
    if (std::getenv("TRACE_DUMP")) MESSAGE(client_trace.text);
    CHECK(client_trace.has("timing step 1 (sent ClientHello): network wait 0.000 ms, TPM/signer 0.000 ms"));
    // The step that answers the server's flight includes the one signature (2 ms on this clock).
    CHECK(client_trace.has("received ServerHello, received EncryptedExtensions"));
    CHECK(client_trace.has("sent CertificateVerify, sent Finished): network wait 0.250 ms, TPM/signer 2.000 ms"));
    CHECK(client_trace.has("signature by "));
}

TEST_CASE("describe_handshake_message survives truncated and unknown messages") {
    const Bytes truncated = {0x01, 0x00, 0x00, 0x10, 0x03};
    auto lines = describe_handshake_message(view(truncated));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("does not frame") != std::string::npos);
    const Bytes bad_body = {0x02, 0x00, 0x00, 0x02, 0x03, 0x03};
    lines = describe_handshake_message(view(bad_body));
    CHECK(lines.back().find("does not decode") != std::string::npos);
    const Bytes unknown = {0x63, 0x00, 0x00, 0x01, 0xaa};
    lines = describe_handshake_message(view(unknown));
    CHECK(lines.size() == 2);
}
