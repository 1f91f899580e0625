// NewSessionTicket (RFC 8446 §4.6.1):
//   struct {
//       uint32 ticket_lifetime;
//       uint32 ticket_age_add;
//       opaque ticket_nonce<0..255>;
//       opaque ticket<1..2^16-1>;
//       Extension extensions<0..2^16-2>;
//   } NewSessionTicket;
#pragma once

#include "tls13/extensions/extensions.h"
#include "tls13/messages/handshake.h"

namespace tpmtls {

struct NewSessionTicket {
    uint32_t ticket_lifetime = 0;  // seconds; the 7-day cap (§4.6.1) is the ticket store's rule
    uint32_t ticket_age_add = 0;
    Bytes ticket_nonce;
    Bytes ticket;
    Extensions extensions;  // NST column: early_data; unknown ones kept ("MUST ignore")

    bool operator==(const NewSessionTicket&) const = default;
};

Result<NewSessionTicket> decode_new_session_ticket(ByteView body);
void encode_body(Writer& w, const NewSessionTicket& message);
Result<Bytes> encode_handshake(const NewSessionTicket& message);

}  // namespace tpmtls
