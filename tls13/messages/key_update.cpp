#include "tls13/messages/key_update.h"

namespace tpmtls {

Result<KeyUpdate> decode_key_update(ByteView body) {
    Reader r(body);
    const uint8_t value = TRY(r.u8());
    TRY(r.expect_end("trailing bytes after KeyUpdate"));
    switch (static_cast<KeyUpdateRequest>(value)) {
        case KeyUpdateRequest::update_not_requested:
        case KeyUpdateRequest::update_requested: return KeyUpdate{static_cast<KeyUpdateRequest>(value)};
        default: return fail(AlertDescription::illegal_parameter, "KeyUpdate request_update is not 0 or 1");
    }
}

void encode_body(Writer& w, const KeyUpdate& message) { w.u8(static_cast<uint8_t>(message.request_update)); }

Result<Bytes> encode_handshake(const KeyUpdate& message) {
    return build_handshake(HandshakeType::key_update, [&](Writer& w) { encode_body(w, message); });
}

}  // namespace tpmtls
