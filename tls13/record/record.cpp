#include "tls13/record/record.h"

#include <algorithm>
#include <string>

namespace tpmtls {

std::array<uint8_t, record_header_size> RecordHeader::encode() const {
    return {static_cast<uint8_t>(type),
            static_cast<uint8_t>(legacy_record_version >> 8),
            static_cast<uint8_t>(legacy_record_version & 0xff),
            static_cast<uint8_t>(length >> 8),
            static_cast<uint8_t>(length & 0xff)};
}

bool is_known_content_type(ContentType type) {
    switch (type) {
        case ContentType::change_cipher_spec:
        case ContentType::alert:
        case ContentType::handshake:
        case ContentType::application_data:
            return true;
        default:
            return false;
    }
}

Result<RecordHeader> parse_record_header(ByteView bytes) {
    Reader r(bytes);
    RecordHeader header;
    header.type = static_cast<ContentType>(TRY(r.u8()));
    header.legacy_record_version = TRY(r.u16());
    header.length = TRY(r.u16());
    // RFC 8446 §5: "If a TLS implementation receives an unexpected record type, it MUST terminate
    // the connection with an unexpected_message alert."
    if (!is_known_content_type(header.type))
        return fail(AlertDescription::unexpected_message, "record of unknown content type " + to_string(header.type));
    // RFC 8446 §5.2: "An endpoint that receives a record from its peer with TLSCiphertext.length
    // larger than 2^14 + 256 octets MUST terminate the connection with a record_overflow alert."
    // The tighter 2^14 limit of unprotected records is checked where protection is known.
    if (header.length > max_ciphertext_size)
        return fail(AlertDescription::record_overflow, "record length " + std::to_string(header.length) + " > 2^14 + 256");
    return header;
}

Status write_plaintext_records(ContentType type, ByteView data, Bytes& out, uint16_t legacy_record_version) {
    if (type != ContentType::handshake && type != ContentType::alert && type != ContentType::change_cipher_spec)
        return fail(AlertDescription::internal_error, "only handshake, alert and change_cipher_spec records go unprotected");
    // RFC 8446 §5.1: no zero-length fragments of handshake types; an alert is one whole message.
    if (data.empty()) return fail(AlertDescription::internal_error, "zero-length unprotected record");
    Writer w(out);
    while (!data.empty()) {
        const ByteView fragment = data.first(std::min(data.size(), max_plaintext_size));
        data = data.subspan(fragment.size());
        w.u8(static_cast<uint8_t>(type));
        w.u16(legacy_record_version);
        w.vec16(fragment);
    }
    return w.status();
}

void write_change_cipher_spec(Bytes& out) {
    Writer w(out);
    w.u8(static_cast<uint8_t>(ContentType::change_cipher_spec));
    w.u16(tls12_version);
    w.vec16([&] { w.u8(0x01); });
}

}  // namespace tpmtls
