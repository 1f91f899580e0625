#include "tls13/messages/server_hello.h"

namespace tpmtls {

Result<ServerHello> decode_server_hello(ByteView body) {
    Reader r(body);
    ServerHello hello;
    hello.legacy_version = TRY(r.u16());
    hello.random = TRY(read_random(r));
    hello.legacy_session_id_echo = to_bytes(TRY(r.vec8(0, 32)).take_rest());
    hello.cipher_suite = static_cast<CipherSuite>(TRY(r.u16()));
    const uint8_t compression = TRY(r.u8());
    hello.extensions = TRY(read_extensions(r, 6, 0xffff));
    TRY(r.expect_end("trailing bytes after ServerHello"));
    if (compression != 0) return fail(AlertDescription::illegal_parameter, "legacy_compression_method is not 0");
    TRY(check_extensions(hello.extensions, hello.extension_context()));
    return hello;
}

void encode_body(Writer& w, const ServerHello& hello) {
    w.u16(hello.legacy_version);
    w.bytes(hello.random);
    w.vec8(view(hello.legacy_session_id_echo));
    w.u16(static_cast<uint16_t>(hello.cipher_suite));
    w.u8(0);
    write_extensions(w, hello.extensions);
}

Result<Bytes> encode_handshake(const ServerHello& hello) {
    return build_handshake(HandshakeType::server_hello, [&](Writer& w) { encode_body(w, hello); });
}

}  // namespace tpmtls
