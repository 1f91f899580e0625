// TicketStore: the client's session tickets (RFC 8446 §4.6.1), kept per (server name, port,
// ALPN) so a later connection can resume (§2.2) instead of a full handshake with a
// CertificateVerify. Newest first, each ticket used once, a bounded number per server, and
// optionally persisted to a file so a new process resumes too.
//
// The file is the truth when there is one: every put() and take() re-reads it under an
// exclusive lock (flock on "<path>.lock"), changes it and writes it back atomically (a 0600
// temporary file in the same directory, fsync, rename, fsync of the directory). Several
// processes may share a store; a ticket is still handed out once. The format is in
// client/ticket_store_codec.h.
//
// A store never fails its user: a missing file is an empty store, a corrupt, truncated or
// unreadable one is ignored (and replaced at the next write) with a warning, and a file that
// cannot be written leaves the tickets in memory with a warning. Warnings go to
// TicketStoreOptions::on_warning and are kept for warnings().
//
// Secrets: resumption PSKs live in Secret buffers and every buffer holding the file's bytes is
// wiped (sodium_memzero) before it is freed, so a taken or dropped ticket leaves no PSK behind
// in this process; the file holds only the tickets not yet used.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/ticket_store_codec.h"
#include "tls13/clock.h"
#include "tls13/handshake/handshake_config.h"

namespace tpmtls {

struct TicketStoreOptions {
    std::string path;                // empty: in memory only
    size_t max_tickets_per_key = 4;  // beyond this the oldest ticket of that key is dropped
    size_t max_keys = 64;            // beyond this the key with the oldest newest ticket is dropped
    // Called with each new warning (corrupt file, failed write, ...). Never fatal.
    std::function<void(const std::string&)> on_warning;
};

class TicketStore {
    struct Token {
        explicit Token() = default;
    };

public:
    // Reads options.path now (if set), so a corrupt file is reported at once. `clock` judges
    // lifetimes (Unix seconds) and ticket ages (monotonic ms); it must outlive the store.
    static std::shared_ptr<TicketStore> open(TicketStoreOptions options, const Clock& clock = system_clock());
    TicketStore(Token, TicketStoreOptions options, const Clock& clock);
    ~TicketStore();
    TicketStore(const TicketStore&) = delete;
    TicketStore& operator=(const TicketStore&) = delete;

    // Keeps `ticket` for `key` (a NewSessionTicket the connection just received). Its age runs
    // from received_unix_seconds (if 0: from received_ms on clock.monotonic_ms()). A lifetime
    // of 0 means "discard" (RFC 8446 §4.6.1); lifetimes are capped at 7 days.
    void put(const TicketKey& key, SessionTicket ticket);
    // The newest unexpired ticket for `key`, removed from the store (and the file) so it is
    // used once; nullopt if there is none. Its age (§4.2.11.1) runs from
    // received_unix_seconds; received_ms is set back on this process's monotonic clock to agree
    // with it (a monotonic time from another process means nothing), so SessionTicket::age_ms
    // is right after a restart too. Expired tickets are dropped on the way.
    std::optional<SessionTicket> take(const TicketKey& key);

    // Tickets held (unexpired), after re-reading the file.
    size_t size();
    size_t size(const TicketKey& key);
    // Removes every ticket (and writes the empty store).
    void clear();

    std::vector<std::string> warnings() const;
    const std::string& path() const { return options_.path; }

private:
    // With a file: lock, read (replacing the memory copy if readable), `change`, write, unlock.
    // `change` returns whether it modified the tickets (and a write is needed).
    void update(const std::function<bool(std::vector<StoredTicket>&)>& change);
    void load();
    void save();
    bool drop_expired();
    void enforce_bounds();
    void warn(std::string message);

    const TicketStoreOptions options_;
    const Clock& clock_;
    mutable std::mutex mutex_;
    std::vector<StoredTicket> tickets_;  // oldest first
    std::vector<std::string> warnings_;
    bool memory_is_newer_ = false;  // the last write failed: memory holds tickets the file lacks
};

}  // namespace tpmtls
