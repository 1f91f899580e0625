// libFuzzer target for the client ticket store's file format (client/ticket_store_codec.h),
// which a new process reads from disk before anything else. Checked:
// - a rejected file is decode_error (never a crash, hang or another alert);
// - an accepted file encodes again to exactly its bytes (the format has one encoding).
// Each input is tried as a whole file and, so the fuzzer gets past the SHA-256 trailer, as a body
// with a correct checksum appended.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "client/ticket_store_codec.h"
#include "tls13/crypto/hash.h"

using namespace tpmtls;

namespace {

void check(bool property) {
    if (!property) std::abort();
}

void check_file(ByteView file) {
    const Result<std::vector<StoredTicket>> tickets = decode_ticket_store(file);
    if (!tickets) {
        check(tickets.error().description == AlertDescription::decode_error);
        return;
    }
    Bytes again;
    again.reserve(encoded_ticket_store_size(*tickets));
    check(encode_ticket_store(*tickets, again).ok());
    check(again == to_bytes(file));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const ByteView input(data, size);
    check_file(input);
    Bytes sealed = to_bytes(input);
    const Bytes checksum = hash(HashAlgorithm::sha256, input);
    sealed.insert(sealed.end(), checksum.begin(), checksum.end());
    check_file(view(sealed));
    return 0;
}
