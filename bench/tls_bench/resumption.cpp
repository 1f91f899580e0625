#include "tls_bench/resumption.h"

#include "tls13/alert.h"

namespace tpmtls::bench {

// HOOK (issue 6): replace these with the resumption API once `resume` and `store` are merged.
struct TicketJar::Impl {};

namespace {
Alert not_built() { return make_alert(AlertDescription::internal_error, resumption_unavailable_reason()); }
}  // namespace

bool resumption_available() { return false; }

std::string resumption_unavailable_reason() {
    return "needs PSK resumption (issue 6: branches resume + store, not merged into this build)";
}

Status enable_server_tickets(ServerConfig&) { return not_built(); }

TicketJar::TicketJar() : impl_(std::make_unique<Impl>()) {}
TicketJar::~TicketJar() = default;
void TicketJar::collect_into_jar(ClientConfig&) {}
bool TicketJar::offer_ticket(ClientConfig&) { return false; }

Status use_ticket_store(ClientConfig&, const std::string&, uint16_t) { return not_built(); }

}  // namespace tpmtls::bench
