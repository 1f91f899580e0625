// EndOfEarlyData (RFC 8446 §4.5): `struct {} EndOfEarlyData;` an empty body.
#pragma once

#include "tls13/messages/handshake.h"

namespace tpmtls {

struct EndOfEarlyData {
    bool operator==(const EndOfEarlyData&) const = default;
};

// Any byte in the body is decode_error.
Result<EndOfEarlyData> decode_end_of_early_data(ByteView body);
void encode_body(Writer& w, const EndOfEarlyData& message);
Result<Bytes> encode_handshake(const EndOfEarlyData& message);

}  // namespace tpmtls
