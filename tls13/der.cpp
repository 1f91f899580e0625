#include "tls13/der.h"

namespace tpmtls::der {

Result<Element> read(Reader& r) {
    const uint8_t tag = TRY(r.u8());
    if ((tag & 0x1f) == 0x1f) return fail(AlertDescription::decode_error, "DER: multi-byte tags unsupported");
    const uint8_t first = TRY(r.u8());
    size_t length = first;
    if (first & 0x80) {
        const size_t n = first & 0x7f;
        if (n == 0 || n > 4) return fail(AlertDescription::decode_error, "DER: bad length form");
        length = 0;
        for (size_t i = 0; i < n; ++i) length = (length << 8) | TRY(r.u8());
        if (length < 0x80 || (n > 1 && (length >> (8 * (n - 1))) == 0))
            return fail(AlertDescription::decode_error, "DER: length not minimally encoded");
    }
    ByteView body = TRY(r.bytes(length));
    return Element{tag, Reader(body)};
}

Result<Reader> read_expected(Reader& r, uint8_t tag) {
    Element e = TRY(read(r));
    if (e.tag != tag) return fail(AlertDescription::decode_error, "DER: unexpected tag");
    return e.body;
}

Result<ByteView> read_tlv(Reader& r, uint8_t tag) {
    const ByteView before = r.rest();
    TRY(read_expected(r, tag));
    return before.first(before.size() - r.remaining());
}

void write(Writer& w, uint8_t tag, ByteView body) {
    w.u8(tag);
    const size_t n = body.size();
    if (n < 0x80) {
        w.u8(static_cast<uint8_t>(n));
    } else if (n <= 0xff) {
        w.u8(0x81);
        w.u8(static_cast<uint8_t>(n));
    } else if (n <= 0xffff) {
        w.u8(0x82);
        w.u16(static_cast<uint16_t>(n));
    } else {
        w.u8(0x83);
        w.u24(static_cast<uint32_t>(n));
    }
    w.bytes(body);
}

}  // namespace tpmtls::der
