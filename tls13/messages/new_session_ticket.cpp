#include "tls13/messages/new_session_ticket.h"

namespace tpmtls {

Result<NewSessionTicket> decode_new_session_ticket(ByteView body) {
    Reader r(body);
    NewSessionTicket message;
    message.ticket_lifetime = TRY(r.u32());
    message.ticket_age_add = TRY(r.u32());
    message.ticket_nonce = to_bytes(TRY(r.vec8(0, 255)).take_rest());
    message.ticket = to_bytes(TRY(r.vec16(1, 0xffff)).take_rest());
    message.extensions = TRY(read_extensions(r, 0, 0xfffe));
    TRY(r.expect_end("trailing bytes after NewSessionTicket"));
    TRY(check_extensions(message.extensions, ExtensionContext::new_session_ticket));
    return message;
}

void encode_body(Writer& w, const NewSessionTicket& message) {
    w.u32(message.ticket_lifetime);
    w.u32(message.ticket_age_add);
    w.vec8(view(message.ticket_nonce));
    w.vec16(view(message.ticket));
    write_extensions(w, message.extensions);
}

Result<Bytes> encode_handshake(const NewSessionTicket& message) {
    return build_handshake(HandshakeType::new_session_ticket, [&](Writer& w) { encode_body(w, message); });
}

}  // namespace tpmtls
