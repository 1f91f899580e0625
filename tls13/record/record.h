// TLS 1.3 record framing (RFC 8446 §5, §5.1): the 5-byte header, the size limits, and
// TLSPlaintext records for the messages sent before record protection starts.
//
//   struct { ContentType type; ProtocolVersion legacy_record_version; uint16 length;
//            opaque fragment[length]; } TLSPlaintext;
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "tls13/bytes.h"
#include "tls13/result.h"
#include "tls13/types.h"

namespace tpmtls {

inline constexpr size_t record_header_size = 5;
// RFC 8446 §5.1: TLSPlaintext.length (and TLSInnerPlaintext.content) is at most 2^14.
inline constexpr size_t max_plaintext_size = size_t{1} << 14;
// RFC 8446 §5.4: the encoded TLSInnerPlaintext (content, type, padding) is at most 2^14 + 1.
inline constexpr size_t max_inner_plaintext_size = max_plaintext_size + 1;
// RFC 8446 §5.2: TLSCiphertext.length is at most 2^14 + 256.
inline constexpr size_t max_ciphertext_size = max_plaintext_size + 256;
inline constexpr size_t max_record_size = record_header_size + max_ciphertext_size;

struct RecordHeader {
    ContentType type = ContentType::invalid;
    uint16_t legacy_record_version = tls12_version;
    uint16_t length = 0;

    // The wire form, which is also the AEAD additional data of a protected record (§5.2).
    std::array<uint8_t, record_header_size> encode() const;
};

// The content types RFC 8446 defines (§5): change_cipher_spec, alert, handshake, application_data.
bool is_known_content_type(ContentType type);

// Parses the first 5 bytes of `bytes` (fewer is decode_error). An unknown content type is
// unexpected_message (§5); a length above 2^14 + 256 is record_overflow (§5.2).
// legacy_record_version is not checked: §5.1 says it "MUST be ignored for all purposes".
Result<RecordHeader> parse_record_header(ByteView bytes);

// Appends TLSPlaintext records carrying `data`, fragmented into pieces of at most 2^14 bytes
// (§5.1). Only handshake, alert and change_cipher_spec may go unprotected (§5.1: "Application
// Data records MUST NOT be written to the wire unprotected"), and never as a zero-length
// fragment; anything else is internal_error. legacy_record_version is 0x0303, or 0x0301 for an
// initial ClientHello (§5.1).
Status write_plaintext_records(ContentType type, ByteView data, Bytes& out,
                               uint16_t legacy_record_version = tls12_version);

// The middlebox-compatibility change_cipher_spec record 14 03 03 00 01 01 (RFC 8446 §D.4), always
// sent unprotected.
void write_change_cipher_spec(Bytes& out);

}  // namespace tpmtls
