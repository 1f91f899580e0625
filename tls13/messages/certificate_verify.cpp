#include "tls13/messages/certificate_verify.h"

namespace tpmtls {

Result<CertificateVerify> decode_certificate_verify(ByteView body) {
    Reader r(body);
    CertificateVerify message;
    message.algorithm = static_cast<SignatureScheme>(TRY(r.u16()));
    message.signature = to_bytes(TRY(r.vec16(0, 0xffff)).take_rest());
    TRY(r.expect_end("trailing bytes after CertificateVerify"));
    return message;
}

void encode_body(Writer& w, const CertificateVerify& message) {
    w.u16(static_cast<uint16_t>(message.algorithm));
    w.vec16(view(message.signature));
}

Result<Bytes> encode_handshake(const CertificateVerify& message) {
    return build_handshake(HandshakeType::certificate_verify, [&](Writer& w) { encode_body(w, message); });
}

}  // namespace tpmtls
