#include "tls13/bytes.h"

namespace tpmtls {

namespace {
Alert truncated(std::string_view what) {
    return make_alert(AlertDescription::decode_error, std::string("truncated ") + std::string(what));
}
}  // namespace

Result<uint8_t> Reader::u8() {
    if (remaining() < 1) return truncated("uint8");
    return data_[pos_++];
}

Result<uint16_t> Reader::u16() {
    if (remaining() < 2) return truncated("uint16");
    const auto v = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
}

Result<uint32_t> Reader::u24() {
    if (remaining() < 3) return truncated("uint24");
    const uint32_t v = (uint32_t{data_[pos_]} << 16) | (uint32_t{data_[pos_ + 1]} << 8) | data_[pos_ + 2];
    pos_ += 3;
    return v;
}

Result<uint32_t> Reader::u32() {
    if (remaining() < 4) return truncated("uint32");
    const uint32_t v = (uint32_t{data_[pos_]} << 24) | (uint32_t{data_[pos_ + 1]} << 16) |
                       (uint32_t{data_[pos_ + 2]} << 8) | data_[pos_ + 3];
    pos_ += 4;
    return v;
}

Result<ByteView> Reader::bytes(size_t n) {
    if (remaining() < n) return truncated("opaque");
    ByteView v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
}

ByteView Reader::take_rest() {
    ByteView v = rest();
    pos_ = data_.size();
    return v;
}

Result<Reader> Reader::vec(size_t len_bytes, size_t min, size_t max) {
    if (remaining() < len_bytes) return truncated("vector length");
    size_t len = 0;
    for (size_t i = 0; i < len_bytes; ++i) len = (len << 8) | data_[pos_ + i];
    if (len < min || len > max)
        return make_alert(AlertDescription::decode_error, "vector length out of range");
    if (remaining() - len_bytes < len) return truncated("vector body");
    pos_ += len_bytes;
    Reader inner(data_.subspan(pos_, len));
    pos_ += len;
    return inner;
}

Result<Reader> Reader::vec8(size_t min, size_t max) { return vec(1, min, max); }
Result<Reader> Reader::vec16(size_t min, size_t max) { return vec(2, min, max); }
Result<Reader> Reader::vec24(size_t min, size_t max) { return vec(3, min, max); }

Status Reader::expect_end(std::string_view what) const {
    if (!empty()) return make_alert(AlertDescription::decode_error, what);
    return ok();
}

void Writer::u16(uint16_t v) {
    out_.push_back(static_cast<uint8_t>(v >> 8));
    out_.push_back(static_cast<uint8_t>(v));
}

void Writer::u24(uint32_t v) {
    if (v > 0xffffff) ok_ = false;
    out_.push_back(static_cast<uint8_t>(v >> 16));
    out_.push_back(static_cast<uint8_t>(v >> 8));
    out_.push_back(static_cast<uint8_t>(v));
}

void Writer::u32(uint32_t v) {
    out_.push_back(static_cast<uint8_t>(v >> 24));
    out_.push_back(static_cast<uint8_t>(v >> 16));
    out_.push_back(static_cast<uint8_t>(v >> 8));
    out_.push_back(static_cast<uint8_t>(v));
}

void Writer::patch_length(size_t at, size_t len_bytes, size_t max) {
    const size_t len = out_.size() - at - len_bytes;
    if (len > max) ok_ = false;
    for (size_t i = 0; i < len_bytes; ++i)
        out_[at + i] = static_cast<uint8_t>(len >> (8 * (len_bytes - 1 - i)));
}

Status Writer::status() const {
    if (!ok_) return make_alert(AlertDescription::internal_error, "encoded value exceeds its length prefix");
    return tpmtls::ok();
}

std::string to_hex(ByteView data) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(data.size() * 2);
    for (uint8_t b : data) {
        s.push_back(digits[b >> 4]);
        s.push_back(digits[b & 0xf]);
    }
    return s;
}

Result<Bytes> from_hex(std::string_view hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    if (hex.size() % 2 != 0) return make_alert(AlertDescription::decode_error, "odd-length hex");
    Bytes out;
    out.reserve(hex.size() / 2);
    for (size_t i = 0; i < hex.size(); i += 2) {
        const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return make_alert(AlertDescription::decode_error, "bad hex digit");
        out.push_back(static_cast<uint8_t>((hi << 4) | lo));
    }
    return out;
}

}  // namespace tpmtls
