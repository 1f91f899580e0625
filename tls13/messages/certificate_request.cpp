#include "tls13/messages/certificate_request.h"

namespace tpmtls {

Result<CertificateRequest> decode_certificate_request(ByteView body) {
    Reader r(body);
    CertificateRequest message;
    message.certificate_request_context = to_bytes(TRY(r.vec8(0, 0xff)).take_rest());
    message.extensions = TRY(read_extensions(r, 2, 0xffff));
    TRY(r.expect_end("trailing bytes after CertificateRequest"));
    TRY(check_extensions(message.extensions, ExtensionContext::certificate_request));
    if (!has_extension(message.extensions, ExtensionType::signature_algorithms))
        return fail(AlertDescription::missing_extension, "CertificateRequest without signature_algorithms");
    return message;
}

void encode_body(Writer& w, const CertificateRequest& message) {
    w.vec8(view(message.certificate_request_context));
    write_extensions(w, message.extensions);
}

Result<Bytes> encode_handshake(const CertificateRequest& message) {
    return build_handshake(HandshakeType::certificate_request, [&](Writer& w) { encode_body(w, message); });
}

}  // namespace tpmtls
