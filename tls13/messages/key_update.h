// KeyUpdate (RFC 8446 §4.6.3):
//   enum { update_not_requested(0), update_requested(1), (255) } KeyUpdateRequest;
//   struct { KeyUpdateRequest request_update; } KeyUpdate;
#pragma once

#include "tls13/messages/handshake.h"

namespace tpmtls {

struct KeyUpdate {
    KeyUpdateRequest request_update = KeyUpdateRequest::update_not_requested;

    bool operator==(const KeyUpdate&) const = default;
};

// A value other than 0 or 1 is illegal_parameter (§4.6.3: "If an implementation receives any
// other value, it MUST terminate the connection with an illegal_parameter alert").
Result<KeyUpdate> decode_key_update(ByteView body);
void encode_body(Writer& w, const KeyUpdate& message);
Result<Bytes> encode_handshake(const KeyUpdate& message);

}  // namespace tpmtls
