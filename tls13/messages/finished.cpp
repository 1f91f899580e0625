#include "tls13/messages/finished.h"

namespace tpmtls {

Result<Finished> decode_finished(ByteView body, size_t hash_length) {
    Reader r(body);
    Finished message;
    message.verify_data = to_bytes(TRY(r.bytes(hash_length)));
    TRY(r.expect_end("Finished longer than the hash"));
    return message;
}

void encode_body(Writer& w, const Finished& message) { w.bytes(view(message.verify_data)); }

Result<Bytes> encode_handshake(const Finished& message) {
    return build_handshake(HandshakeType::finished, [&](Writer& w) { encode_body(w, message); });
}

}  // namespace tpmtls
