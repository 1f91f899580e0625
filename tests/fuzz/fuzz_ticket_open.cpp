// libFuzzer target: session tickets (tls13/tickets/ticket_keys.h) as a server meets them in a
// ClientHello's pre_shared_key identity (RFC 8446 §4.2.11). The first input byte picks the layer:
//   0      TicketKeys::open on the rest, under a fixed ring (key id aa..aa, key 01 02 .. 20): never a
//          crash, and anything that opens re-seals and opens to the same contents;
//   other  decode_ticket_contents on the rest (the plaintext a forged or buggy key would
//          expose): an error, or contents that encode back to exactly the input.
// Seeds: tests/fuzz/corpus/fuzz_ticket_open/ (a ticket sealed under the fixed key, plaintexts).
#include <cstdlib>

#include "tls13/tickets/ticket_keys.h"

namespace {

using namespace tpmtls;

class CountingRandom final : public Random {
public:
    void fill(std::span<uint8_t> out) override {
        for (auto& b : out) b = static_cast<uint8_t>(++counter_);
    }

private:
    uint32_t counter_ = 0;
};

const TicketKeys& fixed_keys() {
    static const auto keys = [] {
        auto ring = std::make_unique<TicketKeys>(2);
        TicketKeys::Entry entry;
        entry.id.fill(0xaa);
        std::array<uint8_t, TicketKeys::key_size> key{};
        for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i + 1);
        entry.key = Key(key);
        std::vector<TicketKeys::Entry> entries;
        entries.push_back(std::move(entry));
        if (!ring->install(std::move(entries))) std::abort();
        return ring;
    }();
    return *keys;
}

bool same(const TicketContents& a, const TicketContents& b) {
    auto ea = encode_ticket_contents(a);
    auto eb = encode_ticket_contents(b);
    return ea && eb && *ea == *eb;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const ByteView input(data + 1, size - 1);
    if (data[0] == 0) {
        const auto opened = fixed_keys().open(input);
        if (!opened) return 0;
        CountingRandom random;
        auto resealed = fixed_keys().seal(*opened, random);
        if (!resealed) std::abort();
        const auto again = fixed_keys().open(view(*resealed));
        if (!again || !same(*opened, *again)) std::abort();
        return 0;
    }
    const auto contents = decode_ticket_contents(input);
    if (!contents) return 0;
    const auto encoded = encode_ticket_contents(*contents);
    if (!encoded || Bytes(input.begin(), input.end()) != *encoded) std::abort();
    return 0;
}
