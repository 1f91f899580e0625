// libFuzzer target for Reader and Writer (tls13/bytes.h). The input is a program over itself: each
// step reads an opcode byte and applies that read to the bytes that follow, so every Reader
// operation meets every truncation and length prefix the fuzzer can build. Checked:
// - a failed read is decode_error (RFC 8446 §6.2: the alert for a malformed encoding);
// - a successful read consumes exactly what it returns: Writer encodes the value back to the
//   very bytes it was read from;
// - a vector's length lies within the bounds asked for;
// - expect_end fails exactly when bytes remain.
// Opcode byte: low nibble = operation, high nibble = a small operand (a length or vector bound).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "tls13/bytes.h"

using namespace tpmtls;

namespace {

constexpr int max_depth = 16;

// A broken property is a crash, which libFuzzer reports together with the input.
void check(bool property) {
    if (!property) std::abort();
}

template <class T>
bool failed(const Result<T>& result) {
    if (result) return false;
    check(result.error().description == AlertDescription::decode_error);
    return true;
}

// The bytes consumed since `start` must be exactly what `encode` writes.
template <class F>
void check_encoding(const Reader& r, size_t start, F&& encode) {
    Bytes out;
    Writer w(out);
    encode(w);
    check(w.ok());
    const ByteView consumed = r.consumed().subspan(start);
    check(std::equal(consumed.begin(), consumed.end(), out.begin(), out.end()));
}

template <class T, class Read, class Write>
bool integer(Reader& r, Read read, Write write) {
    const size_t start = r.position();
    Result<T> value = read(r);
    if (failed(value)) return false;
    check_encoding(r, start, [&](Writer& w) { write(w, *value); });
    return true;
}

bool run(Reader& r, int depth);

// A vector of 1, 2 or 3 length bytes, bounded by [min, max]; its body is a program of its own.
bool vector(Reader& r, size_t length_bytes, size_t min, size_t max, int depth) {
    const size_t start = r.position();
    Result<Reader> body = length_bytes == 1 ? r.vec8(min, max)
                          : length_bytes == 2 ? r.vec16(min, max)
                                              : r.vec24(min, max);
    if (failed(body)) return false;
    const ByteView content = body->rest();
    check(body->position() == 0 && content.size() >= min && content.size() <= max);
    check_encoding(r, start, [&](Writer& w) {
        if (length_bytes == 1) w.vec8(content);
        else if (length_bytes == 2) w.vec16(content);
        else w.vec24(content);
    });
    // A failure inside ends the whole parse, as TRY does in a decoder.
    return depth >= max_depth || run(*body, depth + 1);
}

size_t max_length(size_t length_bytes) { return (size_t{1} << (8 * length_bytes)) - 1; }

// One operation; false once a read has failed.
bool step(Reader& r, uint8_t opcode, int depth) {
    const size_t operand = static_cast<size_t>(opcode >> 4);
    switch (opcode & 0x0f) {
        case 0: return integer<uint8_t>(r, [](Reader& x) { return x.u8(); }, [](Writer& w, uint8_t v) { w.u8(v); });
        case 1: return integer<uint16_t>(r, [](Reader& x) { return x.u16(); }, [](Writer& w, uint16_t v) { w.u16(v); });
        case 2: return integer<uint32_t>(r, [](Reader& x) { return x.u24(); }, [](Writer& w, uint32_t v) { w.u24(v); });
        case 3: return integer<uint32_t>(r, [](Reader& x) { return x.u32(); }, [](Writer& w, uint32_t v) { w.u32(v); });
        case 4: {
            const size_t start = r.position();
            auto opaque = r.bytes(operand);
            if (failed(opaque)) return false;
            check(opaque->size() == operand);
            check_encoding(r, start, [&](Writer& w) { w.bytes(*opaque); });
            return true;
        }
        case 5: return vector(r, 1, operand, max_length(1), depth);
        case 6: return vector(r, 2, operand, max_length(2), depth);
        case 7: return vector(r, 3, operand, max_length(3), depth);
        case 8: return vector(r, 1, 0, operand, depth);
        case 9: return vector(r, 2, 0, operand, depth);
        case 10: return vector(r, 3, 0, operand, depth);
        case 11: {
            const size_t start = r.position();
            const size_t left = r.remaining();
            const ByteView rest = r.take_rest();
            check(rest.size() == left && r.empty());
            check_encoding(r, start, [&](Writer& w) { w.bytes(rest); });
            return true;
        }
        case 12: {
            const bool had_bytes_left = !r.empty();
            const Status end = r.expect_end();
            check(end.ok() != had_bytes_left);
            return !failed(end);
        }
        default: return true;  // opcodes 13-15 do nothing
    }
}

bool run(Reader& r, int depth) {
    while (!r.empty()) {
        const Result<uint8_t> opcode = r.u8();
        check(opcode.ok());
        if (!step(r, *opcode, depth)) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Reader r(ByteView(data, size));
    run(r, 0);
    return 0;
}
