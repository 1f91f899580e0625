// PSK resumption (RFC 8446 §2.2, issue 6) as the benchmark drives it: the server issues session
// tickets, an in-process client keeps the tickets it receives and offers one on its next
// connection, and a new client process resumes from a ticket store file.
//
// HOOK: this build's library has no resumption yet (branch `resume`: ClientConfig::resume,
// ServerConfig::ticket_keys, tls13/ticket_keys.h; branch `store`: client/ticket_store.h).
// Until they are merged, available() is false and every resumed scenario (ours and OpenSSL's
// -sess_in against our server) is reported as not run, with unavailable_reason(). Filling in
// resumption.cpp is all that is needed to light them up: the scenarios already call these.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "tls13/handshake_config.h"
#include "tls13/result.h"

namespace tpmtls::bench {

bool resumption_available();
std::string resumption_unavailable_reason();

// Server side: issue tickets (RFC 8446 §4.6.1) and accept them (§4.2.11).
Status enable_server_tickets(ServerConfig& config);

// Client side, in one process: the tickets of earlier connections.
class TicketJar {
public:
    TicketJar();
    ~TicketJar();
    TicketJar(const TicketJar&) = delete;
    TicketJar& operator=(const TicketJar&) = delete;

    // `config` keeps the tickets its connections receive in this jar.
    void collect_into_jar(ClientConfig& config);
    // `config` offers the newest ticket (used once). False when the jar is empty.
    bool offer_ticket(ClientConfig& config);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// A new client process: connect with tickets from / into the store file at `store_path`
// (resuming when it holds one). Used by the child client (child_client.cpp).
Status use_ticket_store(ClientConfig& config, const std::string& store_path, uint16_t port);

}  // namespace tpmtls::bench
