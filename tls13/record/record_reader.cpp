#include "tls13/record/record_reader.h"

namespace tpmtls {

RecordReader::RecordReader() { buffer_.reserve(max_record_size); }

void RecordReader::feed(ByteView bytes) {
    // Drop what was already returned before appending, so the buffer holds at most one partial
    // record plus the new bytes.
    if (start_ != 0) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
        start_ = 0;
    }
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

Result<std::optional<RawRecord>> RecordReader::next() {
    const std::span<uint8_t> pending = std::span(buffer_).subspan(start_);
    if (pending.size() < record_header_size) return std::optional<RawRecord>();
    const RecordHeader header = TRY(parse_record_header(pending.first(record_header_size)));
    if (pending.size() - record_header_size < header.length) return std::optional<RawRecord>();
    start_ += record_header_size + header.length;
    return std::optional<RawRecord>(RawRecord{header, pending.subspan(record_header_size, header.length)});
}

}  // namespace tpmtls
