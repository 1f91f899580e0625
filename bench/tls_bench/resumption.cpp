#include "tls_bench/resumption.h"

#include <deque>

#include "client/ticket_store.h"
#include "tls13/tickets/ticket_keys.h"

namespace tpmtls::bench {

void enable_server_tickets(ServerConfig& config) {
    config.ticket_keys = TicketKeys::generate(system_random(), system_clock().unix_seconds());
}

struct TicketJar::Impl {
    std::deque<SessionTicket> tickets;  // newest last
};

TicketJar::TicketJar() : impl_(std::make_shared<Impl>()) {}
TicketJar::~TicketJar() = default;

void TicketJar::collect_into_jar(ClientConfig& config) {
    config.on_session_ticket = [impl = impl_](SessionTicket ticket) { impl->tickets.push_back(std::move(ticket)); };
}

bool TicketJar::offer_ticket(ClientConfig& config) {
    if (impl_->tickets.empty()) return false;
    config.resume = std::move(impl_->tickets.back());
    impl_->tickets.pop_back();
    return true;
}

ConnectOptions options_with_ticket_store(const std::string& store_path) {
    TicketStoreOptions store;
    store.path = store_path;
    ConnectOptions options;
    options.tickets = TicketStore::open(std::move(store));
    return options;
}

}  // namespace tpmtls::bench
