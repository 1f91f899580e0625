// Bounds-checked Reader and Writer: every byte we parse or build goes through these
// (STYLE.md §7). The TLS presentation language (RFC 8446 §3) names the shapes: uint8/16/24/32
// and vectors with a 1-, 2- or 3-byte length prefix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/result.h"

namespace tpmtls {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView view(const Bytes& b) { return ByteView(b.data(), b.size()); }
inline ByteView view(std::string_view s) {
    return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline Bytes to_bytes(ByteView v) { return Bytes(v.begin(), v.end()); }

// Every truncation, overlong length or leftover byte is decode_error (RFC 8446 §6.2).
class Reader {
public:
    Reader() = default;
    explicit Reader(ByteView data) : data_(data) {}

    bool empty() const { return pos_ == data_.size(); }
    size_t remaining() const { return data_.size() - pos_; }
    size_t position() const { return pos_; }
    // The bytes consumed so far (e.g. a ClientHello prefix for the PSK binder).
    ByteView consumed() const { return data_.first(pos_); }
    ByteView rest() const { return data_.subspan(pos_); }

    Result<uint8_t> u8();
    Result<uint16_t> u16();
    Result<uint32_t> u24();
    Result<uint32_t> u32();
    Result<ByteView> bytes(size_t n);
    // Everything left; the reader is then empty.
    ByteView take_rest();

    // A length-prefixed vector, returned as its own Reader. The length must lie in
    // [min, max] (the RFC's <min..max>); anything else is decode_error.
    Result<Reader> vec8(size_t min = 0, size_t max = 0xff);
    Result<Reader> vec16(size_t min = 0, size_t max = 0xffff);
    Result<Reader> vec24(size_t min = 0, size_t max = 0xffffff);

    // Trailing bytes are decode_error.
    Status expect_end(std::string_view what = "trailing bytes") const;

private:
    Result<Reader> vec(size_t len_bytes, size_t min, size_t max);

    ByteView data_;
    size_t pos_ = 0;
};

// Appends to a caller-owned buffer. A vector whose body outgrows its length prefix (or falls
// below the minimum given) marks the writer failed; status() reports it as internal_error,
// because building a message we cannot encode is our bug, not the peer's.
class Writer {
public:
    explicit Writer(Bytes& out) : out_(out) {}

    void u8(uint8_t v) { out_.push_back(v); }
    void u16(uint16_t v);
    void u24(uint32_t v);
    void u32(uint32_t v);
    void bytes(ByteView v) { out_.insert(out_.end(), v.begin(), v.end()); }

    template <class F> void vec8(F&& body) { vec(1, 0xff, std::forward<F>(body)); }
    template <class F> void vec16(F&& body) { vec(2, 0xffff, std::forward<F>(body)); }
    template <class F> void vec24(F&& body) { vec(3, 0xffffff, std::forward<F>(body)); }

    // Convenience: a vector whose body is just these bytes.
    void vec8(ByteView v) { vec8([&] { bytes(v); }); }
    void vec16(ByteView v) { vec16([&] { bytes(v); }); }
    void vec24(ByteView v) { vec24([&] { bytes(v); }); }

    size_t size() const { return out_.size(); }
    Bytes& buffer() { return out_; }
    bool ok() const { return ok_; }
    Status status() const;

private:
    template <class F>
    void vec(size_t len_bytes, size_t max, F&& body) {
        const size_t at = out_.size();
        out_.insert(out_.end(), len_bytes, 0);
        body();
        patch_length(at, len_bytes, max);
    }
    void patch_length(size_t at, size_t len_bytes, size_t max);

    Bytes& out_;
    bool ok_ = true;
};

// Hex for tests, traces and key logs: lowercase, no separators. from_hex rejects odd lengths
// and non-hex characters by returning an empty optional-like Result.
std::string to_hex(ByteView data);
Result<Bytes> from_hex(std::string_view hex);

}  // namespace tpmtls
