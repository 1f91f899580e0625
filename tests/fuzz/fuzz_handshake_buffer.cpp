// libFuzzer target: HandshakeBuffer reassembly (RFC 8446 §5.1) and every message decoder
// behind it. The first byte picks the fragment size; the rest is the handshake stream. The
// messages that come out must be the stream's prefix, in order, and each must decode (with its
// round trip) or fail with an Alert.
#include <algorithm>

#include "fuzz_common.h"
#include "tls13/messages/handshake_buffer.h"

using namespace tpmtls;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const size_t fragment = size_t{data[0]} + 1;
    const ByteView stream(data + 1, size - 1);
    HandshakeBuffer buffer(4096);
    Bytes reassembled;
    for (size_t at = 0; at < stream.size(); at += fragment) {
        buffer.append(stream.subspan(at, std::min(fragment, stream.size() - at)));
        while (true) {
            auto next = buffer.next();
            if (!next) return 0;  // over the size limit: an Alert, the stream ends here
            if (!next->has_value()) break;
            const HandshakeMessage& m = **next;
            reassembled.insert(reassembled.end(), m.whole.begin(), m.whole.end());
            fuzz::abort_on_problem(fuzz::check_any(m.type, m.body).problem);
        }
    }
    if (!std::equal(reassembled.begin(), reassembled.end(), stream.begin()) ||
        reassembled.size() + buffer.buffered() != stream.size())
        fuzz::abort_on_problem("reassembled messages are not the stream");
    return 0;
}
