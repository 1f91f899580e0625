#include "tls13/record/record_layer.h"

#include <algorithm>
#include <string>

namespace tpmtls {

Result<std::optional<Record>> RecordReceiver::next() {
    while (true) {
        const std::optional<RawRecord> raw = TRY(reader_.next());
        if (!raw) return std::optional<Record>();
        std::optional<Record> record = TRY(process(*raw));
        if (record) return record;
    }
}

Result<std::optional<Record>> RecordReceiver::process(const RawRecord& record) {
    // RFC 8446 §5: the change_cipher_spec record may arrive where protected records are expected,
    // "so it is necessary to detect this condition prior to attempting to deprotect the record".
    if (record.header.type == ContentType::change_cipher_spec) {
        if (!change_cipher_spec_allowed_)
            return fail(AlertDescription::unexpected_message, "change_cipher_spec record outside the handshake");
        if (record.body.size() != 1 || record.body[0] != 0x01)
            return fail(AlertDescription::unexpected_message, "change_cipher_spec record other than the single byte 01");
        return std::optional<Record>();
    }
    if (!opener_) return process_unprotected(record);
    // RFC 8446 §6: a peer still without keys alerts in plaintext. An alert is two bytes (level,
    // description); a protected record is at least 17 (content type and tag, §5.2).
    if (record.header.type == ContentType::alert && record.body.size() == 2 && plaintext_alert_allowed_ &&
        !decrypted_any_)
        return std::optional<Record>(Record{ContentType::alert, record.body});
    const OpenedRecord opened = TRY(opener_->open(record.header, record.body));
    decrypted_any_ = true;
    return std::optional<Record>(Record{opened.type, opened.content, true});
}

Result<std::optional<Record>> RecordReceiver::process_unprotected(const RawRecord& record) const {
    // RFC 8446 §5.1: TLSPlaintext.length "MUST NOT exceed 2^14 bytes ... record_overflow".
    if (record.body.size() > max_plaintext_size)
        return fail(AlertDescription::record_overflow, "unprotected record longer than 2^14 bytes");
    switch (record.header.type) {
        case ContentType::handshake:
        case ContentType::alert:
            // RFC 8446 §5.1 forbids sending zero-length handshake fragments; §5.4 names the alert
            // for a zero-length Handshake or Alert record.
            if (record.body.empty())
                return fail(AlertDescription::unexpected_message,
                            "zero-length unprotected " + to_string(record.header.type) + " record");
            return std::optional<Record>(Record{record.header.type, record.body});
        default:
            // RFC 8446 §5.1: "Application Data records MUST NOT be written to the wire unprotected".
            return fail(AlertDescription::unexpected_message,
                        "unprotected " + to_string(record.header.type) + " record");
    }
}

Status RecordSender::write(ContentType type, ByteView data, Bytes& out, size_t padding) {
    if (!sealer_) return write_plaintext_records(type, data, out, plaintext_version_);
    // Sealed one fragment at a time; on a failure the records already appended stay in `out`,
    // and the connection is over.
    do {
        const ByteView fragment = data.first(std::min(data.size(), max_plaintext_size));
        data = data.subspan(fragment.size());
        const size_t fragment_padding = std::min(padding, max_inner_plaintext_size - 1 - fragment.size());
        TRY(sealer_->seal(type, fragment, fragment_padding, out));
    } while (!data.empty());
    return ok();
}

}  // namespace tpmtls
