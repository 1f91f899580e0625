// Reassembles handshake messages from record payloads (RFC 8446 §5.1): a message may span
// several records and a record may carry several messages. The record layer appends each
// handshake record's plaintext; the connection takes whole messages out.
#pragma once

#include <cstddef>
#include <optional>

#include "tls13/messages/handshake.h"

namespace tpmtls {

class HandshakeBuffer {
public:
    // Large enough for a certificate chain of a few certificates; the peer's claimed length is
    // checked before any of the body is buffered.
    static constexpr size_t default_max_message_size = 64 * 1024;

    explicit HandshakeBuffer(size_t max_message_size = default_max_message_size)
        : max_message_size_(max_message_size) {}

    void append(ByteView fragment);

    // The next complete message, or nullopt until more bytes arrive. The message's views
    // point into this buffer and stay valid until the next append().
    // A header announcing a body longer than the maximum is illegal_parameter, before its body
    // is buffered (RFC 8446 names no alert; OpenSSL and BoringSSL answer an excessive message
    // size with illegal_parameter).
    Result<std::optional<HandshakeMessage>> next();

    // RFC 8446 §5.1: "Handshake messages MUST NOT span key changes ... If [a key change
    // message is] not at the end of a record, ... MUST terminate the connection with an
    // unexpected_message alert." The connection checks empty() when it changes keys.
    bool empty() const { return buffer_.size() == consumed_; }
    size_t buffered() const { return buffer_.size() - consumed_; }
    // Frees the storage if every byte has been handed out. The buffer grows to the peer's
    // largest handshake flight (its certificate chain); once connected, post-handshake messages
    // are rare and small, so holding that capacity for the connection's life is waste.
    void release_if_empty();

private:
    Bytes buffer_;
    size_t consumed_ = 0;  // bytes of buffer_ already returned by next()
    size_t max_message_size_;
};

}  // namespace tpmtls
