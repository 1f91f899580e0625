// The ticket store's file format, as pure functions over bytes (no I/O, so the fuzzer and the
// tests reach every byte of it). Version 1:
//
//   magic "tpmtlsTK" (8 bytes) | uint16 version = 1 | uint32 count | count x entry | SHA-256
//   entry = vec24 { vec8 server_name<1..255>  uint16 port  vec16 alpn
//                   uint16 cipher_suite  vec16 ticket<1..2^16-1>  uint32 lifetime_seconds
//                   uint32 age_add  uint64 received_unix_seconds  uint32 max_early_data
//                   vec8 resumption_psk<1..64>  vec8 ticket_server_name  vec8 ticket_alpn
//                   server_identity }
//   server_identity = uint8 present (0 or 1), and if 1: vec16 subject
//                   vec16 { vec8 dns_name ... }  vec16 { vec8 ip_address ... }  vec8 sha256_fingerprint
//
// The trailing SHA-256 covers everything before it: a torn or bit-flipped file is rejected as a
// whole rather than offering the server a damaged PSK (whose binder would fail: a fatal
// decrypt_error, RFC 8446 §4.2.11, instead of a harmless fallback). Times are wall-clock Unix
// seconds so tickets keep their age across restarts. The buffers hold PSKs: callers wipe them.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "tls13/bytes.h"
#include "tls13/handshake/handshake_config.h"

namespace tpmtls {

// Where a ticket may be used again: the server the application connected to, and what it asked
// for (RFC 8446 §4.6.1: a ticket is for the server that issued it).
struct TicketKey {
    std::string server_name;  // the SNI / host name the client connected to
    uint16_t port = 0;
    std::string alpn;  // the ALPN protocols the client offers, joined with ','; empty for none

    static TicketKey for_connection(std::string_view server_name, uint16_t port, const std::vector<std::string>& alpn);
    std::string to_string() const;  // "example.com:443" or "example.com:443 (ALPN h2,http/1.1)"
    auto operator<=>(const TicketKey&) const = default;
};

// A ticket as the store keeps it.
struct StoredTicket {
    TicketKey key;
    SessionTicket ticket;  // received_ms is not stored (a monotonic time means nothing later)
};

inline constexpr uint16_t ticket_store_version = 1;

// The whole file for `tickets`, appended to `out` (reserve first to keep PSKs from being left
// behind in reallocated memory). internal_error if a field does not fit its length prefix.
Status encode_ticket_store(const std::vector<StoredTicket>& tickets, Bytes& out);
// An upper bound of the encoded size, for out.reserve().
size_t encoded_ticket_store_size(const std::vector<StoredTicket>& tickets);

// decode_error with the reason for anything malformed: bad magic, unknown version, truncation,
// trailing bytes, checksum mismatch, an empty ticket or PSK, a PSK whose length does not fit the
// cipher suite's hash.
Result<std::vector<StoredTicket>> decode_ticket_store(ByteView file);

}  // namespace tpmtls
