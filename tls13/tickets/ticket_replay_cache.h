// Single-use tickets (RFC 8446 §8 anti-replay; §4.2.11 "servers MAY ... accept each ticket
// only once"): a bounded set of tickets already accepted, remembered until they expire.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "tls13/bytes.h"

namespace tpmtls {

class TicketReplayCache {
public:
    // At most `capacity` tickets are remembered (16 bytes plus map overhead each).
    explicit TicketReplayCache(size_t capacity = 100'000);

    // True the first time a ticket is presented before `expires_unix_seconds`; false if it was
    // seen already, or if the cache is full of unexpired tickets (refusing is the safe side: the
    // client gets a full handshake, never a replayed resumption).
    bool first_use(ByteView ticket, int64_t expires_unix_seconds, int64_t now_unix_seconds);
    size_t size() const;

private:
    using Fingerprint = std::array<uint8_t, 16>;
    void forget_expired(int64_t now_unix_seconds);

    mutable std::mutex mutex_;
    size_t capacity_;
    std::set<Fingerprint> seen_;
    std::multimap<int64_t, Fingerprint> by_expiry_;
};

}  // namespace tpmtls
