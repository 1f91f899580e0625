#include "tls13/messages/message_hash.h"

namespace tpmtls {

Bytes message_hash(ByteView client_hello1_hash) {
    Bytes out;
    Writer w(out);
    write_handshake(w, HandshakeType::message_hash, [&] { w.bytes(client_hello1_hash); });
    return out;  // a hash is at most 64 bytes: the uint24 length cannot overflow
}

}  // namespace tpmtls
