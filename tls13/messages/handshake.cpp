#include "tls13/messages/handshake.h"

#include <algorithm>

namespace tpmtls {

Result<HelloRandom> read_random(Reader& r) {
    const ByteView bytes = TRY(r.bytes(HelloRandom{}.size()));
    HelloRandom random;
    std::copy(bytes.begin(), bytes.end(), random.begin());
    return random;
}

Result<HandshakeMessage> read_handshake_message(Reader& r) {
    const ByteView start = r.rest();
    HandshakeMessage message;
    message.type = static_cast<HandshakeType>(TRY(r.u8()));
    message.body = TRY(r.vec24()).take_rest();
    message.whole = start.first(4 + message.body.size());
    return message;
}

}  // namespace tpmtls
