// The record layer of one connection, one object per direction (RFC 8446 §5). It knows nothing
// about handshakes (STYLE.md §5): the connection tells it when keys change and when the
// change_cipher_spec window is open, and gets back (content type, bytes).
//
//   RecordReceiver: transport bytes -> records. Unprotected (TLSPlaintext) until set_opener(),
//                   then decrypted; an unprotected change_cipher_spec of one 0x01 byte is dropped
//                   inside the §5 window, and is unexpected_message anywhere else; an
//                   unprotected two-byte alert is passed on inside its own window (below).
//   RecordSender:   (content type, bytes) -> records of at most 2^14 content bytes each,
//                   unprotected until set_sealer(), then encrypted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "tls13/bytes.h"
#include "tls13/record/record.h"
#include "tls13/record/record_protection.h"
#include "tls13/record/record_reader.h"
#include "tls13/result.h"

namespace tpmtls {

// One received record as the connection sees it. `fragment` lies in the receiver's buffer and is
// valid until the next feed().
struct Record {
    ContentType type = ContentType::invalid;
    ByteView fragment;
    bool was_protected = false;  // decrypted, rather than read as TLSPlaintext
};

class RecordReceiver {
public:
    void feed(ByteView bytes) { reader_.feed(bytes); }

    // The next record for the connection, or nullopt when more bytes are needed. Dropped
    // change_cipher_spec records are skipped. Alerts, besides those of parse_record_header and
    // RecordOpener::open:
    //   unprotected record longer than 2^14 bytes                       record_overflow (§5.1)
    //   unprotected application_data                                    unexpected_message (§5.1)
    //   unprotected empty handshake or alert                            unexpected_message (§5.4)
    //   change_cipher_spec outside the window, or a body other than 01  unexpected_message (§5)
    Result<std::optional<Record>> next();

    // Starts (or changes, on a key change) read protection; the new key's sequence number
    // starts at 0 (§5.3). Call between records, after the record that carried the key change.
    void set_opener(RecordOpener opener) { opener_.emplace(std::move(opener)); }
    bool is_protected() const { return opener_.has_value(); }
    const RecordOpener* opener() const { return opener_ ? &*opener_ : nullptr; }

    // RFC 8446 §5: an unprotected change_cipher_spec record of the single byte 0x01 is dropped
    // "at any time after the first ClientHello message has been sent or received and before the
    // peer's Finished message has been received". The connection opens and closes that window.
    void set_change_cipher_spec_allowed(bool allowed) { change_cipher_spec_allowed_ = allowed; }

    // RFC 8446 §6: alerts are "encrypted as specified by the current connection state", the
    // sender's: a peer that has no keys yet (a client rejecting our certificate before it derived
    // its handshake keys, as OpenSSL and Python's ssl do) sends its alert as TLSPlaintext. While
    // the connection allows it (during the handshake) and until a record of the peer's has been
    // decrypted (its keys are on, so plaintext from it is forged), an unprotected alert record of
    // exactly two bytes is passed on as such; OpenSSL's record layer keeps the same window
    // (ENC_READ_STATE_ALLOW_PLAIN_ALERTS). Everything else unprotected, once protection is on,
    // stays unexpected_message.
    void set_plaintext_alert_allowed(bool allowed) { plaintext_alert_allowed_ = allowed; }

    size_t buffered() const { return reader_.buffered(); }

private:
    // nullopt for a change_cipher_spec record that was dropped.
    Result<std::optional<Record>> process(const RawRecord& record);
    Result<std::optional<Record>> process_unprotected(const RawRecord& record) const;

    RecordReader reader_;
    std::optional<RecordOpener> opener_;
    bool change_cipher_spec_allowed_ = false;
    bool plaintext_alert_allowed_ = false;
    bool decrypted_any_ = false;  // a protected record of the peer's has been opened
};

class RecordSender {
public:
    // Appends records carrying `data` to `out`, in pieces of at most 2^14 bytes (§5.1).
    // Protected records get up to `padding` zero bytes each, as far as the 2^14 + 1 limit of
    // TLSInnerPlaintext allows (§5.4); unprotected records are never padded. Empty
    // application_data is one empty record (§5.1 allows it); an empty handshake or alert, or
    // unprotected application_data, is internal_error.
    Status write(ContentType type, ByteView data, Bytes& out, size_t padding = 0);

    // The compatibility-mode change_cipher_spec (RFC 8446 §D.4), always unprotected.
    void write_change_cipher_spec(Bytes& out) const { tpmtls::write_change_cipher_spec(out); }

    // Starts (or changes) write protection; the sequence number starts at 0 (§5.3).
    void set_sealer(RecordSealer sealer) { sealer_.emplace(std::move(sealer)); }
    bool is_protected() const { return sealer_.has_value(); }
    const RecordSealer* sealer() const { return sealer_ ? &*sealer_ : nullptr; }

    // legacy_record_version of unprotected records: 0x0303, or 0x0301 for an initial
    // ClientHello (RFC 8446 §5.1).
    void set_plaintext_record_version(uint16_t version) { plaintext_version_ = version; }

private:
    std::optional<RecordSealer> sealer_;
    uint16_t plaintext_version_ = tls12_version;
};

}  // namespace tpmtls
