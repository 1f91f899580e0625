// Handshake message framing (RFC 8446 §4):
//   struct { HandshakeType msg_type; uint24 length; <body> } Handshake;
// Every message file (client_hello.h, ...) builds on these: decode_X takes the body,
// encode_handshake(X) returns the whole message, header included.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "tls13/bytes.h"
#include "tls13/types.h"

namespace tpmtls {

// RFC 8446 §4.1.2: ClientHello.random and ServerHello.random.
using HelloRandom = std::array<uint8_t, 32>;

// One framed message; both views point into the caller's buffer.
struct HandshakeMessage {
    HandshakeType type{};
    ByteView body;   // the message body
    ByteView whole;  // header + body: what the transcript hashes (RFC 8446 §4.4.1)
};

// Reads one message (header + uint24-length body) from `r`; truncation is decode_error.
// The type is not judged here: an unknown or unexpected type is the state machine's
// unexpected_message.
Result<HandshakeMessage> read_handshake_message(Reader& r);

// RFC 8446 §4.1.2 / §4.1.3: the 32-byte random of a hello.
Result<HelloRandom> read_random(Reader& r);

// Writes the 4-byte header and the body `body()` writes.
template <class F>
void write_handshake(Writer& w, HandshakeType type, F&& body) {
    w.u8(static_cast<uint8_t>(type));
    w.vec24(std::forward<F>(body));
}

// The whole message for a body written by `encode_body(Writer&)`; internal_error if a length
// overflows its prefix (our bug, not the peer's).
template <class F>
Result<Bytes> build_handshake(HandshakeType type, F&& encode_body) {
    Bytes out;
    Writer w(out);
    write_handshake(w, type, [&] { std::forward<F>(encode_body)(w); });
    TRY(w.status());
    return out;
}

}  // namespace tpmtls
