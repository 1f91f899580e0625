#include "tls13/messages/end_of_early_data.h"

namespace tpmtls {

Result<EndOfEarlyData> decode_end_of_early_data(ByteView body) {
    TRY(Reader(body).expect_end("EndOfEarlyData is not empty"));
    return EndOfEarlyData{};
}

void encode_body(Writer&, const EndOfEarlyData&) {}

Result<Bytes> encode_handshake(const EndOfEarlyData& message) {
    return build_handshake(HandshakeType::end_of_early_data, [&](Writer& w) { encode_body(w, message); });
}

}  // namespace tpmtls
