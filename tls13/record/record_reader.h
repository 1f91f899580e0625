// Bytes in, whole records out (RFC 8446 §5.1). The transport hands over whatever it read; the
// reader buffers it and yields each complete record (header parsed, body in place) once all of
// it has arrived. A partial header or body waits for more bytes.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "tls13/bytes.h"
#include "tls13/record/record.h"
#include "tls13/result.h"

namespace tpmtls {

// One record as read from the wire. `body` lies in the reader's buffer and stays valid, and
// writable (open() decrypts in place), until the next feed().
struct RawRecord {
    RecordHeader header;
    std::span<uint8_t> body;
};

class RecordReader {
public:
    // Reserves room for one maximum-size record, so records arriving one per read never
    // reallocate the buffer.
    RecordReader();

    // Appends transport bytes. Records returned by next() before this call become invalid.
    void feed(ByteView bytes);

    // The next complete record; nullopt when more bytes are needed; the header's alert
    // (parse_record_header) for a bad header. A failed header is not consumed, so the same alert
    // comes back on every later call: the connection is over anyway.
    Result<std::optional<RawRecord>> next();

    // Bytes received but not yet returned as records.
    size_t buffered() const { return buffer_.size() - start_; }

private:
    Bytes buffer_;
    size_t start_ = 0;  // first byte not yet returned
};

}  // namespace tpmtls
