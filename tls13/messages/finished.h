// Finished (RFC 8446 §4.4.4):
//   struct { opaque verify_data[Hash.length]; } Finished;
// The length is the negotiated hash's, so decoding needs it. verify_data is compared with
// constant_time_equal by the handshake (STYLE.md §11), never here.
#pragma once

#include "tls13/messages/handshake.h"

namespace tpmtls {

struct Finished {
    Bytes verify_data;

    bool operator==(const Finished&) const = default;
};

// A body of any other length than `hash_length` is decode_error.
Result<Finished> decode_finished(ByteView body, size_t hash_length);
void encode_body(Writer& w, const Finished& message);
Result<Bytes> encode_handshake(const Finished& message);

}  // namespace tpmtls
