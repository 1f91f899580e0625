// libFuzzer target: Finished decoding (RFC 8446 §4.4.4) for SHA-256 and SHA-384 lengths.
#include "fuzz_common.h"

using namespace tpmtls;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    for (size_t hash_length : {size_t{32}, size_t{48}})
        fuzz::fuzz_round_trip<Finished>(data, size,
                                        [hash_length](ByteView b) { return decode_finished(b, hash_length); });
    return 0;
}
