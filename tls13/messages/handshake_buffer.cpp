#include "tls13/messages/handshake_buffer.h"

namespace tpmtls {

void HandshakeBuffer::append(ByteView fragment) {
    // Drop what next() has handed out, here rather than in next(): a record of many small
    // messages then costs one move, not one per message.
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
    consumed_ = 0;
    buffer_.insert(buffer_.end(), fragment.begin(), fragment.end());
}

void HandshakeBuffer::release_if_empty() {
    if (!empty()) return;
    buffer_ = Bytes();
    consumed_ = 0;
}

Result<std::optional<HandshakeMessage>> HandshakeBuffer::next() {
    const ByteView pending = ByteView(buffer_).subspan(consumed_);
    Reader header(pending);
    if (header.remaining() < 4) return std::optional<HandshakeMessage>{};
    static_cast<void>(TRY(header.u8()));  // the type is not judged here
    const uint32_t length = TRY(header.u24());
    if (length > max_message_size_)
        return fail(AlertDescription::illegal_parameter, "handshake message exceeds the size limit");
    if (header.remaining() < length) return std::optional<HandshakeMessage>{};
    Reader r(pending);
    const HandshakeMessage message = TRY(read_handshake_message(r));
    consumed_ += r.position();
    return std::optional<HandshakeMessage>(message);
}

}  // namespace tpmtls
