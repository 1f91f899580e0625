#include "tls13/tickets/ticket_replay_cache.h"

#include <algorithm>

#include "tls13/crypto/hash.h"

namespace tpmtls {

TicketReplayCache::TicketReplayCache(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

void TicketReplayCache::forget_expired(int64_t now_unix_seconds) {
    while (!by_expiry_.empty() && by_expiry_.begin()->first <= now_unix_seconds) {
        seen_.erase(by_expiry_.begin()->second);
        by_expiry_.erase(by_expiry_.begin());
    }
}

bool TicketReplayCache::first_use(ByteView ticket, int64_t expires_unix_seconds, int64_t now_unix_seconds) {
    // A 128-bit digest of the ticket stands for it: the ticket itself may be large.
    const Bytes digest = hash(HashAlgorithm::sha256, ticket);
    Fingerprint fingerprint{};
    std::copy_n(digest.begin(), fingerprint.size(), fingerprint.begin());
    const std::lock_guard lock(mutex_);
    forget_expired(now_unix_seconds);
    if (seen_.contains(fingerprint)) return false;
    if (seen_.size() >= capacity_) return false;
    seen_.insert(fingerprint);
    by_expiry_.emplace(expires_unix_seconds, fingerprint);
    return true;
}

size_t TicketReplayCache::size() const {
    const std::lock_guard lock(mutex_);
    return seen_.size();
}

}  // namespace tpmtls
