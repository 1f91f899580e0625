// message_hash (RFC 8446 §4.4.1): after a HelloRetryRequest the transcript replaces
// ClientHello1 with the synthetic message
//   Handshake { msg_type = message_hash (254), length = Hash.length, body = Hash(ClientHello1) }.
// It is never sent, so there is no decoder.
#pragma once

#include "tls13/messages/handshake.h"

namespace tpmtls {

// The whole synthetic message (4-byte header + the hash).
Bytes message_hash(ByteView client_hello1_hash);

}  // namespace tpmtls
