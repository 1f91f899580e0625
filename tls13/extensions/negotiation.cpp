#include "tls13/extensions/negotiation.h"

namespace tpmtls {

namespace {

// A vector of 16-bit values whose length prefix is `prefix_bytes` long and lies in
// [min, max]; an odd length is not a whole number of elements: decode_error.
template <class T>
Result<std::vector<T>> read_u16_list(ByteView data, size_t prefix_bytes, size_t min, size_t max) {
    Reader r(data);
    Reader list = TRY(prefix_bytes == 1 ? r.vec8(min, max) : r.vec16(min, max));
    TRY(r.expect_end());
    if (list.remaining() % 2 != 0) return fail(AlertDescription::decode_error, "odd-length uint16 list");
    std::vector<T> out;
    out.reserve(list.remaining() / 2);
    while (!list.empty()) out.push_back(static_cast<T>(TRY(list.u16())));
    return out;
}

template <class T>
Result<Extension> write_u16_list(ExtensionType type, std::span<const T> values) {
    return build_extension(type, [&](Writer& w) {
        w.vec16([&] {
            for (T v : values) w.u16(static_cast<uint16_t>(v));
        });
    });
}

}  // namespace

Result<std::vector<uint16_t>> decode_supported_versions_client_hello(ByteView data) {
    return read_u16_list<uint16_t>(data, 1, 2, 254);
}

Result<Extension> encode_supported_versions_client_hello(std::span<const uint16_t> versions) {
    return build_extension(ExtensionType::supported_versions, [&](Writer& w) {
        w.vec8([&] {
            for (uint16_t v : versions) w.u16(v);
        });
    });
}

Result<uint16_t> decode_supported_versions_server_hello(ByteView data) { return decode_u16_extension(data); }

Result<Extension> encode_supported_versions_server_hello(uint16_t selected_version) {
    return encode_u16_extension(ExtensionType::supported_versions, selected_version);
}

Result<std::vector<NamedGroup>> decode_supported_groups(ByteView data) {
    return read_u16_list<NamedGroup>(data, 2, 2, 0xffff);
}

Result<Extension> encode_supported_groups(std::span<const NamedGroup> groups) {
    return write_u16_list(ExtensionType::supported_groups, groups);
}

Result<std::vector<SignatureScheme>> decode_signature_algorithms(ByteView data) {
    return read_u16_list<SignatureScheme>(data, 2, 2, 0xfffe);
}

Result<Extension> encode_signature_algorithms(std::span<const SignatureScheme> schemes) {
    return write_u16_list(ExtensionType::signature_algorithms, schemes);
}

Result<Extension> encode_signature_algorithms_cert(std::span<const SignatureScheme> schemes) {
    return write_u16_list(ExtensionType::signature_algorithms_cert, schemes);
}

Result<std::vector<PskKeyExchangeMode>> decode_psk_key_exchange_modes(ByteView data) {
    Reader r(data);
    Reader list = TRY(r.vec8(1, 255));
    TRY(r.expect_end());
    std::vector<PskKeyExchangeMode> modes;
    while (!list.empty()) modes.push_back(static_cast<PskKeyExchangeMode>(TRY(list.u8())));
    return modes;
}

Result<Extension> encode_psk_key_exchange_modes(std::span<const PskKeyExchangeMode> modes) {
    return build_extension(ExtensionType::psk_key_exchange_modes, [&](Writer& w) {
        w.vec8([&] {
            for (PskKeyExchangeMode m : modes) w.u8(static_cast<uint8_t>(m));
        });
    });
}

Result<Bytes> decode_cookie(ByteView data) {
    Reader r(data);
    Reader cookie = TRY(r.vec16(1, 0xffff));
    TRY(r.expect_end());
    return to_bytes(cookie.take_rest());
}

Result<Extension> encode_cookie(ByteView cookie) {
    return build_extension(ExtensionType::cookie, [&](Writer& w) { w.vec16(cookie); });
}

Result<uint32_t> decode_early_data_new_session_ticket(ByteView data) {
    Reader r(data);
    const uint32_t max_early_data_size = TRY(r.u32());
    TRY(r.expect_end());
    return max_early_data_size;
}

Extension encode_early_data_empty() { return Extension{ExtensionType::early_data, {}}; }

Result<Extension> encode_early_data_new_session_ticket(uint32_t max_early_data_size) {
    return build_extension(ExtensionType::early_data, [&](Writer& w) { w.u32(max_early_data_size); });
}

Extension encode_post_handshake_auth() { return Extension{ExtensionType::post_handshake_auth, {}}; }

}  // namespace tpmtls
