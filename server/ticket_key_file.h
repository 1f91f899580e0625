// Ticket keys in a file several server processes share (RFC 8446 §4.6.1 tickets stay valid
// whichever process answers). Text, one key per line, newest first:
//   tpmtls-ticket-keys v1
//   <key id, 16 hex> <key, 64 hex> <created, unix seconds>
// The file is created with mode 0600 and always replaced atomically (temporary file in the same
// directory, fsync, rename), so a reader sees the old or the new ring, never half of one.
#pragma once

#include <memory>
#include <string>

#include "tls13/clock.h"
#include "tls13/crypto/random.h"
#include "tls13/result.h"
#include "tls13/tickets/ticket_keys.h"

namespace tpmtls {

// A missing, unreadable or corrupt file is an error whose reason names the path and the problem
// (internal_error: a configuration fault, never a peer's).
Result<std::shared_ptr<TicketKeys>> load_ticket_key_file(const std::string& path,
                                                         size_t capacity = TicketKeys::default_capacity);
// Writes the ring (0600, atomic replace).
Status write_ticket_key_file(const std::string& path, const TicketKeys& keys);
// A new file with one fresh key; an existing file is left alone and is an error.
Status create_ticket_key_file(const std::string& path, Random& random = system_random(),
                              const Clock& clock = system_clock(), size_t capacity = TicketKeys::default_capacity);
// The rotate command: load, add a fresh current key (dropping the oldest beyond the capacity),
// write back atomically. Running servers pick it up with reload_ticket_key_file.
Status rotate_ticket_key_file(const std::string& path, Random& random = system_random(),
                              const Clock& clock = system_clock(), size_t capacity = TicketKeys::default_capacity);
// Re-reads the file into a ring already in use (TicketKeys::install).
Status reload_ticket_key_file(const std::string& path, TicketKeys& keys);

}  // namespace tpmtls
