#include "tls13/handshake_buffer.h"

namespace tpmtls {

void HandshakeBuffer::compact() {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
    consumed_ = 0;
}

void HandshakeBuffer::append(ByteView fragment) {
    compact();
    buffer_.insert(buffer_.end(), fragment.begin(), fragment.end());
}

Result<std::optional<HandshakeMessage>> HandshakeBuffer::next() {
    compact();
    Reader header(view(buffer_));
    if (header.remaining() < 4) return std::optional<HandshakeMessage>{};
    static_cast<void>(TRY(header.u8()));  // the type is not judged here
    const uint32_t length = TRY(header.u24());
    if (length > max_message_size_)
        return fail(AlertDescription::illegal_parameter, "handshake message exceeds the size limit");
    if (header.remaining() < length) return std::optional<HandshakeMessage>{};
    Reader r(view(buffer_));
    const HandshakeMessage message = TRY(read_handshake_message(r));
    consumed_ = r.position();
    return std::optional<HandshakeMessage>(message);
}

}  // namespace tpmtls
