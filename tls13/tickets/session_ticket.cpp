#include "tls13/handshake/handshake_config.h"

#include <algorithm>

namespace tpmtls {

SessionTicket::SessionTicket(const SessionTicket& other)
    : suite(other.suite),
      ticket(other.ticket),
      lifetime_seconds(other.lifetime_seconds),
      age_add(other.age_add),
      received_ms(other.received_ms),
      received_unix_seconds(other.received_unix_seconds),
      max_early_data(other.max_early_data),
      psk(other.psk.clone()),
      server_name(other.server_name),
      alpn(other.alpn),
      server_identity(other.server_identity) {}

SessionTicket& SessionTicket::operator=(const SessionTicket& other) {
    if (this != &other) *this = SessionTicket(other);
    return *this;
}

uint64_t SessionTicket::age_ms(const Clock& clock) const {
    const int64_t now = clock.unix_seconds();
    const uint64_t wall_ms =
        now <= received_unix_seconds ? 0 : static_cast<uint64_t>(now - received_unix_seconds) * 1000;
    const uint64_t monotonic = clock.monotonic_ms();
    if (monotonic >= received_ms) {
        const uint64_t monotonic_ms = monotonic - received_ms;
        if (monotonic_ms + 2000 >= wall_ms && monotonic_ms <= wall_ms + 2000) return monotonic_ms;
    }
    return wall_ms;
}

bool SessionTicket::expired(int64_t now_unix_seconds) const {
    if (now_unix_seconds < received_unix_seconds) return true;
    const uint32_t lifetime = std::min(lifetime_seconds, max_ticket_lifetime_seconds);
    return now_unix_seconds - received_unix_seconds >= static_cast<int64_t>(lifetime);
}

}  // namespace tpmtls
