#include "client/ticket_store.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "client/ticket_store_io.h"
#include "tls13/secret.h"

namespace tpmtls {

namespace {

// A store with the default bounds is a few hundred KB at most; anything far larger is not ours.
constexpr size_t max_file_size = 16 * 1024 * 1024;

// A buffer that holds PSKs: wiped before it is freed. Never grown after it is filled, so no
// copy is left in memory the allocator took back.
struct WipedBuffer {
    Bytes bytes;
    WipedBuffer() = default;
    WipedBuffer(const WipedBuffer&) = delete;
    WipedBuffer& operator=(const WipedBuffer&) = delete;
    ~WipedBuffer() { secure_wipe(bytes.data(), bytes.size()); }
};

}  // namespace

std::shared_ptr<TicketStore> TicketStore::open(TicketStoreOptions options, const Clock& clock) {
    auto store = std::make_shared<TicketStore>(Token{}, std::move(options), clock);
    store->update([](std::vector<StoredTicket>&) { return false; });
    return store;
}

TicketStore::TicketStore(Token, TicketStoreOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

TicketStore::~TicketStore() = default;  // every Secret in tickets_ wipes itself

void TicketStore::warn(std::string message) {
    // The same problem found again at every operation is reported once in a row.
    if (!warnings_.empty() && warnings_.back() == message) return;
    warnings_.push_back(message);
    if (options_.on_warning) options_.on_warning(warnings_.back());
}

std::vector<std::string> TicketStore::warnings() const {
    const std::lock_guard lock(mutex_);
    return warnings_;
}

void TicketStore::load() {
    WipedBuffer file;
    bool missing = false;
    const Status read = store_io::read_file(options_.path, max_file_size, file.bytes, missing);
    if (!read) {
        warn("ticket store ignored: " + read.error().reason);
    } else if (missing) {
        // Deleted by someone else, or never written: nothing to resume with. Unless our own last
        // write failed, in which case the memory copy is all there is.
        if (!memory_is_newer_) tickets_.clear();
        return;
    } else {
        auto decoded = decode_ticket_store(view(file.bytes));
        if (decoded) {
            tickets_ = std::move(decoded).value();
            memory_is_newer_ = false;
            return;
        }
        warn("ticket store " + options_.path + " ignored: " + decoded.error().reason);
    }
    if (!memory_is_newer_) tickets_.clear();
}

void TicketStore::save() {
    WipedBuffer file;
    file.bytes.reserve(encoded_ticket_store_size(tickets_));
    Status written = encode_ticket_store(tickets_, file.bytes);
    if (written) written = store_io::write_file_atomically(options_.path, view(file.bytes));
    memory_is_newer_ = !written.ok();
    if (!written) warn("ticket store not saved (tickets kept in memory only): " + written.error().reason);
}

bool TicketStore::drop_expired() {
    const int64_t now = clock_.unix_seconds();
    const auto removed = std::erase_if(tickets_, [now](const StoredTicket& s) { return s.ticket.expired(now); });
    return removed != 0;
}

void TicketStore::enforce_bounds() {
    // Oldest first, so the newest of each key are at the back; keep the order stable for ties
    // (the later put wins).
    std::stable_sort(tickets_.begin(), tickets_.end(), [](const StoredTicket& a, const StoredTicket& b) {
        return a.ticket.received_unix_seconds < b.ticket.received_unix_seconds;
    });
    std::vector<bool> keep(tickets_.size(), true);
    std::vector<TicketKey> keys_newest_first;
    std::vector<size_t> per_key;
    for (size_t i = tickets_.size(); i-- > 0;) {
        const TicketKey& key = tickets_[i].key;
        auto it = std::find(keys_newest_first.begin(), keys_newest_first.end(), key);
        if (it == keys_newest_first.end()) {
            keys_newest_first.push_back(key);
            per_key.push_back(0);
            it = keys_newest_first.end() - 1;
        }
        const auto k = static_cast<size_t>(it - keys_newest_first.begin());
        if (k >= options_.max_keys || ++per_key[k] > options_.max_tickets_per_key) keep[i] = false;
    }
    size_t i = 0;
    std::erase_if(tickets_, [&](const StoredTicket&) { return !keep[i++]; });
}

void TicketStore::update(const std::function<bool(std::vector<StoredTicket>&)>& change) {
    const std::lock_guard lock(mutex_);
    std::optional<store_io::FileLock> file_lock;
    if (!options_.path.empty()) {
        auto acquired = store_io::FileLock::acquire(options_.path + ".lock");
        if (acquired) {
            file_lock.emplace(std::move(acquired).value());
        } else {
            warn("ticket store used without its lock: " + acquired.error().reason);
        }
        load();
    }
    const bool dropped = drop_expired();
    const bool changed = change(tickets_);
    if (!dropped && !changed) return;
    enforce_bounds();
    if (!options_.path.empty()) save();
}

void TicketStore::put(const TicketKey& key, SessionTicket ticket) {
    if (ticket.lifetime_seconds == 0 || ticket.ticket.empty() || ticket.psk.empty()) return;  // §4.6.1: discard
    if (ticket.received_unix_seconds == 0) {
        const uint64_t now_ms = clock_.monotonic_ms();
        const uint64_t age_ms = now_ms > ticket.received_ms ? now_ms - ticket.received_ms : 0;
        ticket.received_unix_seconds = clock_.unix_seconds() - static_cast<int64_t>(age_ms / 1000);
    }
    StoredTicket stored{key, std::move(ticket)};
    update([&](std::vector<StoredTicket>& tickets) {
        tickets.push_back(std::move(stored));
        return true;
    });
}

std::optional<SessionTicket> TicketStore::take(const TicketKey& key) {
    std::optional<StoredTicket> found;
    update([&](std::vector<StoredTicket>& tickets) {
        // Newest: the latest received time; among equal times the one put last.
        std::optional<size_t> best;
        for (size_t i = 0; i < tickets.size(); ++i)
            if (tickets[i].key == key && (!best || tickets[i].ticket.received_unix_seconds >= tickets[*best].ticket.received_unix_seconds))
                best = i;
        if (!best) return false;
        found.emplace(std::move(tickets[*best]));
        tickets.erase(tickets.begin() + static_cast<std::ptrdiff_t>(*best));
        return true;
    });
    if (!found) return std::nullopt;
    // RFC 8446 §4.2.11.1: the age is from receipt; re-anchor it on this process's monotonic clock.
    const uint64_t age_ms = found->ticket.age_ms(clock_.unix_seconds());
    const uint64_t now_ms = clock_.monotonic_ms();
    found->ticket.received_ms = now_ms > age_ms ? now_ms - age_ms : 0;
    return std::move(found->ticket);
}

size_t TicketStore::size() {
    size_t count = 0;
    update([&](std::vector<StoredTicket>& tickets) {
        count = tickets.size();
        return false;
    });
    return count;
}

size_t TicketStore::size(const TicketKey& key) {
    size_t count = 0;
    update([&](std::vector<StoredTicket>& tickets) {
        count = static_cast<size_t>(std::count_if(tickets.begin(), tickets.end(),
                                                  [&](const StoredTicket& s) { return s.key == key; }));
        return false;
    });
    return count;
}

void TicketStore::clear() {
    update([](std::vector<StoredTicket>& tickets) {
        const bool had = !tickets.empty();
        tickets.clear();
        return had;
    });
}

}  // namespace tpmtls
