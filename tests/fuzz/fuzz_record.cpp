// libFuzzer target for the record layer: RecordReader + RecordReceiver (+ RecordOpener) over
// arbitrary bytes. It must never crash, and every record it accepts must survive a
// seal/open round trip and re-framing unchanged.
//
// Input: one control byte, then the transport bytes.
//   bit 0      start protected (RFC 8448 §3 server handshake keys) instead of unprotected;
//              an unprotected start switches to those keys after the first handshake record,
//              as a client does after ServerHello, so the §3 server flight decrypts
//   bit 1      the change_cipher_spec window is open (RFC 8446 §5)
//   bits 2..7  feed size: 0 = everything at once, n = n bytes per feed
// Seeds (tests/fuzz/corpus/fuzz_record/) are RFC 8448 records behind such a control byte.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "tls13/key_schedule/key_schedule.h"
#include "tls13/record/record_layer.h"

using namespace tpmtls;

namespace {

// RFC 8448 §3 'derive write traffic keys for handshake data' (server).
constexpr uint8_t server_handshake_key[16] = {0x3f, 0xce, 0x51, 0x60, 0x09, 0xc2, 0x17, 0x27,
                                              0xd0, 0xf2, 0xe4, 0xe8, 0x6e, 0xe4, 0x03, 0xbc};
constexpr uint8_t server_handshake_iv[12] = {0x5d, 0x31, 0x3e, 0xb2, 0x67, 0x12,
                                             0x76, 0xee, 0x13, 0x00, 0x0b, 0x30};

[[noreturn]] void invariant_broken() { __builtin_trap(); }

RecordOpener trace_opener() {
    auto opener = RecordOpener::create(AeadAlgorithm::aes_128_gcm, Key(server_handshake_key), Iv(server_handshake_iv));
    if (!opener) invariant_broken();
    return std::move(opener).value();
}

bool same(ByteView a, ByteView b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

// A sender and a receiver that stay in step (one record out, the same record in), kept across
// inputs so the fuzzer does not spend its time on key setup.
struct Loopback {
    RecordSender sender;
    RecordReceiver receiver;
    Bytes wire;

    explicit Loopback(bool protect) {
        if (!protect) return;
        const CipherSuiteInfo suite = *cipher_suite_info(CipherSuite::TLS_CHACHA20_POLY1305_SHA256);
        const TrafficSecret secret(Bytes(32, 0x17));
        auto sealer = RecordSealer::create(suite, secret);
        auto opener = RecordOpener::create(suite, secret);
        if (!sealer || !opener) invariant_broken();
        sender.set_sealer(std::move(sealer).value());
        receiver.set_opener(std::move(opener).value());
    }
};

// What the receiver accepted must go back out and in again unchanged.
void round_trip(const Record& record, bool protect) {
    static Loopback protected_loop(true), unprotected_loop(false);
    Loopback& loop = protect ? protected_loop : unprotected_loop;
    loop.wire.clear();
    if (!loop.sender.write(record.type, record.fragment, loop.wire, record.fragment.size() % 7)) invariant_broken();
    loop.receiver.feed(loop.wire);
    auto back = loop.receiver.next();
    if (!back || !back->has_value()) invariant_broken();
    if ((*back)->type != record.type || !same((*back)->fragment, record.fragment)) invariant_broken();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t control = data[0];
    ByteView input(data + 1, size - 1);
    const bool start_protected = (control & 0x01) != 0;
    const size_t feed_every = static_cast<size_t>(control >> 2);
    const size_t feed_size = feed_every == 0 ? input.size() : feed_every;

    RecordReceiver receiver;
    if (start_protected) receiver.set_opener(trace_opener());
    receiver.set_change_cipher_spec_allowed((control & 0x02) != 0);

    while (!input.empty()) {
        const ByteView piece = input.first(std::min(feed_size, input.size()));
        input = input.subspan(piece.size());
        receiver.feed(piece);
        while (true) {
            auto next = receiver.next();
            if (!next) return 0;  // an alert: the connection is over
            if (!next->has_value()) break;
            const Record& record = **next;
            if (record.fragment.size() > max_plaintext_size) invariant_broken();
            round_trip(record, true);
            // RFC 8446 §5.1: application data never goes unprotected.
            if (record.type != ContentType::application_data) round_trip(record, false);
            if (!receiver.is_protected() && record.type == ContentType::handshake) receiver.set_opener(trace_opener());
        }
    }
    return 0;
}
