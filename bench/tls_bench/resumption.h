// PSK resumption (RFC 8446 §2.2, issue 6) as the benchmark drives it: the server issues session
// tickets, an in-process client keeps the tickets it receives and offers the newest on its next
// connection, and a new client process resumes from a ticket store file (client/ticket_store.h)
// with its TPM key opened lazily (tpm/lazy_tpm_signer.h), so a resumed process never talks to
// the TPM.
#pragma once

#include <memory>
#include <string>

#include "client/tls_client.h"
#include "tls13/handshake/handshake_config.h"
#include "tls13/result.h"

namespace tpmtls::bench {

// Server side: issue tickets (RFC 8446 §4.6.1, a fresh ticket key ring) and accept them (§4.2.11).
void enable_server_tickets(ServerConfig& config);

// Client side, in one process: the tickets of earlier connections.
class TicketJar {
public:
    TicketJar();
    ~TicketJar();
    TicketJar(const TicketJar&) = delete;
    TicketJar& operator=(const TicketJar&) = delete;

    // `config` keeps the tickets its connections receive in this jar.
    void collect_into_jar(ClientConfig& config);
    // `config` offers the newest ticket (each used once). False when the jar is empty.
    bool offer_ticket(ClientConfig& config);

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

// A new client process: tickets taken from and put into the store file at `store_path`.
ConnectOptions options_with_ticket_store(const std::string& store_path);

}  // namespace tpmtls::bench
