#include "tls13/messages/client_hello.h"

#include "tls13/extensions/pre_shared_key.h"

namespace tpmtls {

Result<ClientHello> decode_client_hello(ByteView body) {
    Reader r(body);
    ClientHello hello;
    hello.legacy_version = TRY(r.u16());
    hello.random = TRY(read_random(r));
    hello.legacy_session_id = to_bytes(TRY(r.vec8(0, 32)).take_rest());
    Reader suites = TRY(r.vec16(2, 0xfffe));
    if (suites.remaining() % 2 != 0) return fail(AlertDescription::decode_error, "odd-length cipher_suites");
    while (!suites.empty()) hello.cipher_suites.push_back(static_cast<CipherSuite>(TRY(suites.u16())));
    const ByteView compression = TRY(r.vec8(1, 0xff)).take_rest();
    hello.extensions = TRY(read_extensions(r, 8, 0xffff));
    TRY(r.expect_end("trailing bytes after ClientHello"));
    // RFC 8446 §4.1.2: "this vector MUST contain exactly one byte, set to zero ... If a TLS 1.3
    // ClientHello is received with any other value in this field, the server MUST abort the
    // handshake with an illegal_parameter alert."
    if (compression.size() != 1 || compression[0] != 0)
        return fail(AlertDescription::illegal_parameter, "legacy_compression_methods is not [null]");
    TRY(check_extensions(hello.extensions, ExtensionContext::client_hello));
    return hello;
}

void encode_body(Writer& w, const ClientHello& hello) {
    w.u16(hello.legacy_version);
    w.bytes(hello.random);
    w.vec8(view(hello.legacy_session_id));
    w.vec16([&] {
        for (CipherSuite suite : hello.cipher_suites) w.u16(static_cast<uint16_t>(suite));
    });
    w.vec8([&] { w.u8(0); });
    write_extensions(w, hello.extensions);
}

Result<Bytes> encode_handshake(const ClientHello& hello) {
    return build_handshake(HandshakeType::client_hello, [&](Writer& w) { encode_body(w, hello); });
}

Result<ByteView> client_hello_binders_prefix(ByteView whole_client_hello) {
    Reader r(whole_client_hello);
    const HandshakeMessage message = TRY(read_handshake_message(r));
    TRY(r.expect_end("trailing bytes after ClientHello"));
    if (message.type != HandshakeType::client_hello)
        return fail(AlertDescription::unexpected_message, "not a ClientHello");
    const ClientHello hello = TRY(decode_client_hello(message.body));
    if (hello.extensions.empty() || hello.extensions.back().type != ExtensionType::pre_shared_key)
        return fail(AlertDescription::illegal_parameter, "ClientHello has no pre_shared_key");
    const OfferedPsks offered = TRY(decode_pre_shared_key_client_hello(view(hello.extensions.back().data)));
    // The binders list is the last field of the last extension: the message's tail.
    return whole_client_hello.first(whole_client_hello.size() - binders_list_length(offered));
}

Status set_psk_binders(ClientHello& hello, std::vector<Bytes> binders) {
    if (hello.extensions.empty() || hello.extensions.back().type != ExtensionType::pre_shared_key)
        return fail(AlertDescription::illegal_parameter, "ClientHello has no pre_shared_key");
    OfferedPsks offered = TRY(decode_pre_shared_key_client_hello(view(hello.extensions.back().data)));
    if (binders.size() != offered.identities.size())
        return fail(AlertDescription::illegal_parameter, "PSK binder count differs from identity count");
    offered.binders = std::move(binders);
    hello.extensions.back() = TRY(encode_pre_shared_key_client_hello(offered));
    return ok();
}

}  // namespace tpmtls
