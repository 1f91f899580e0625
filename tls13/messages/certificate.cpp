#include "tls13/messages/certificate.h"

namespace tpmtls {

Result<Certificate> decode_certificate(ByteView body) {
    Reader r(body);
    Certificate message;
    message.certificate_request_context = to_bytes(TRY(r.vec8(0, 0xff)).take_rest());
    Reader list = TRY(r.vec24(0, 0xffffff));
    TRY(r.expect_end("trailing bytes after Certificate"));
    while (!list.empty()) {
        CertificateEntry entry;
        entry.cert_data = to_bytes(TRY(list.vec24(1, 0xffffff)).take_rest());
        entry.extensions = TRY(read_extensions(list, 0, 0xffff));
        message.certificate_list.push_back(std::move(entry));
    }
    for (const auto& entry : message.certificate_list)
        TRY(check_extensions(entry.extensions, ExtensionContext::certificate));
    return message;
}

void encode_body(Writer& w, const Certificate& message) {
    w.vec8(view(message.certificate_request_context));
    w.vec24([&] {
        for (const auto& entry : message.certificate_list) {
            w.vec24(view(entry.cert_data));
            write_extensions(w, entry.extensions);
        }
    });
}

Result<Bytes> encode_handshake(const Certificate& message) {
    return build_handshake(HandshakeType::certificate, [&](Writer& w) { encode_body(w, message); });
}

}  // namespace tpmtls
