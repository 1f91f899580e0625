#include "tls13/messages/encrypted_extensions.h"

namespace tpmtls {

Result<EncryptedExtensions> decode_encrypted_extensions(ByteView body) {
    Reader r(body);
    EncryptedExtensions message;
    message.extensions = TRY(read_extensions(r, 0, 0xffff));
    TRY(r.expect_end("trailing bytes after EncryptedExtensions"));
    TRY(check_extensions(message.extensions, ExtensionContext::encrypted_extensions));
    return message;
}

void encode_body(Writer& w, const EncryptedExtensions& message) { write_extensions(w, message.extensions); }

Result<Bytes> encode_handshake(const EncryptedExtensions& message) {
    return build_handshake(HandshakeType::encrypted_extensions, [&](Writer& w) { encode_body(w, message); });
}

}  // namespace tpmtls
