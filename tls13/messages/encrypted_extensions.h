// EncryptedExtensions (RFC 8446 §4.3.1):
//   struct { Extension extensions<0..2^16-1>; } EncryptedExtensions;
#pragma once

#include "tls13/extensions/extensions.h"
#include "tls13/messages/handshake.h"

namespace tpmtls {

struct EncryptedExtensions {
    Extensions extensions;

    bool operator==(const EncryptedExtensions&) const = default;
};

// Extensions checked against the EE column (§4.2; e.g. key_share here is illegal_parameter).
Result<EncryptedExtensions> decode_encrypted_extensions(ByteView body);
void encode_body(Writer& w, const EncryptedExtensions& message);
Result<Bytes> encode_handshake(const EncryptedExtensions& message);

}  // namespace tpmtls
