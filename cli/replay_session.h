// `tpmtls replay`, part 1: runs our client and our server against each other in memory
// (tls13/connection.h, no sockets) with RFC 8448 §3's inputs - the client and server randoms,
// both x25519 private keys, the server's certificate and its §2 RSA key, the RFC's clock
// (2019-01-01) - and records what happened, in order: every handshake message, key-schedule
// secret, record protection change, alert (from the trace hooks, tls13/trace/trace.h) and every record
// on the wire. Part 2 (replay_report.h) compares that log with the RFC.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tls13/alert.h"
#include "tls13/bytes.h"
#include "tls13/secret.h"
#include "tls13/trace/trace.h"
#include "tls13/types.h"

namespace tpmtls::cli {

enum class Party : uint8_t { client, server };
const char* to_string(Party party);
Party peer_of(Party party);

struct ReplayEvent {
    enum class Kind : uint8_t { message, secret, protection, change_cipher_spec, alert, wire_record };
    Kind kind = Kind::message;
    Party party = Party::client;  // who reported it; for wire_record, who sent it
    TraceDirection direction = TraceDirection::sent;
    Bytes bytes;                  // message: the whole message; wire_record: the record as sent
    TraceSecret secret{};         // secret, protection
    std::optional<Secret> value;  // secret
    CipherSuite suite{};          // protection
    AlertLevel level{};           // alert
    AlertDescription description{};
    std::string reason;
};

struct ReplayInput {
    std::string name;  // "client random (ClientHello.random)"
    Party party;
    Bytes value;
    bool used = false;  // the party's handshake drew it
};

struct ReplayRun {
    std::vector<ReplayEvent> events;
    std::vector<ReplayInput> inputs;       // the RFC values injected through Random
    std::vector<std::string> unscripted;   // draws that were not the RFC's ("server: 32 bytes ...")
    std::string client_state, server_state;
    std::optional<Alert> client_error, server_error;
    bool client_connected = false, server_connected = false;
};

// Everything our own code could not set up (the RFC table, the RFC key) is an error; how the
// handshake ends is part of the run.
Result<ReplayRun> run_rfc8448_section3();

}  // namespace tpmtls::cli
