// A minimal DER (X.690) TLV reader and writer over Reader/Writer, for the few ASN.1 structures
// we handle ourselves: certificate extensions mbedTLS 2.28 does not expose (iPAddress SANs)
// and the extensions our test CA writes. Malformed input is decode_error.
#pragma once

#include "tls13/bytes.h"

namespace tpmtls::der {

inline constexpr uint8_t tag_boolean = 0x01;
inline constexpr uint8_t tag_integer = 0x02;
inline constexpr uint8_t tag_octet_string = 0x04;
inline constexpr uint8_t tag_oid = 0x06;
inline constexpr uint8_t tag_sequence = 0x30;
inline constexpr uint8_t tag_set = 0x31;
inline constexpr uint8_t context(uint8_t n) { return static_cast<uint8_t>(0x80 | n); }  // [n] IMPLICIT primitive

struct Element {
    uint8_t tag = 0;
    Reader body;
};

// One TLV; only definite lengths of up to 4 bytes, minimally encoded (DER).
Result<Element> read(Reader& r);
// One TLV that must have `tag`.
Result<Reader> read_expected(Reader& r, uint8_t tag);
// One TLV that must have `tag`, whole (tag and length included), to copy it as it is.
Result<ByteView> read_tlv(Reader& r, uint8_t tag);

// Writes tag, DER length and the body produced by `body`.
void write(Writer& w, uint8_t tag, ByteView body);

}  // namespace tpmtls::der
