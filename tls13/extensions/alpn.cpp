#include "tls13/extensions/alpn.h"

namespace tpmtls {

Result<std::vector<Bytes>> decode_alpn_client_hello(ByteView data) {
    Reader r(data);
    Reader list = TRY(r.vec16(2, 0xffff));
    TRY(r.expect_end());
    std::vector<Bytes> protocols;
    while (!list.empty()) protocols.push_back(to_bytes(TRY(list.vec8(1, 0xff)).take_rest()));
    return protocols;
}

Result<Extension> encode_alpn_client_hello(std::span<const Bytes> protocols) {
    return build_extension(ExtensionType::application_layer_protocol_negotiation, [&](Writer& w) {
        w.vec16([&] {
            for (const auto& protocol : protocols) w.vec8(view(protocol));
        });
    });
}

Result<Bytes> decode_alpn_encrypted_extensions(ByteView data) {
    auto protocols = TRY(decode_alpn_client_hello(data));
    if (protocols.size() != 1) return fail(AlertDescription::decode_error, "ALPN answer is not exactly one protocol");
    return std::move(protocols.front());
}

Result<Extension> encode_alpn_encrypted_extensions(ByteView protocol) {
    const Bytes one = to_bytes(protocol);
    return encode_alpn_client_hello(std::span<const Bytes>(&one, 1));
}

}  // namespace tpmtls
