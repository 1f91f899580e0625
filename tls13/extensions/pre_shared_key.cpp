#include "tls13/extensions/pre_shared_key.h"

namespace tpmtls {

Result<OfferedPsks> decode_pre_shared_key_client_hello(ByteView data) {
    Reader r(data);
    Reader identities = TRY(r.vec16(7, 0xffff));
    Reader binders = TRY(r.vec16(33, 0xffff));
    TRY(r.expect_end());
    OfferedPsks offered;
    while (!identities.empty()) {
        PskIdentity id;
        id.identity = to_bytes(TRY(identities.vec16(1, 0xffff)).take_rest());
        id.obfuscated_ticket_age = TRY(identities.u32());
        offered.identities.push_back(std::move(id));
    }
    while (!binders.empty()) offered.binders.push_back(to_bytes(TRY(binders.vec8(32, 255)).take_rest()));
    if (offered.binders.size() != offered.identities.size())
        return fail(AlertDescription::illegal_parameter, "PSK binder count differs from identity count");
    return offered;
}

Result<Extension> encode_pre_shared_key_client_hello(const OfferedPsks& offered) {
    return build_extension(ExtensionType::pre_shared_key, [&](Writer& w) {
        w.vec16([&] {
            for (const auto& id : offered.identities) {
                w.vec16(view(id.identity));
                w.u32(id.obfuscated_ticket_age);
            }
        });
        w.vec16([&] {
            for (const auto& binder : offered.binders) w.vec8(view(binder));
        });
    });
}

size_t binders_list_length(const OfferedPsks& offered) {
    size_t length = 2;
    for (const auto& binder : offered.binders) length += 1 + binder.size();
    return length;
}

Result<uint16_t> decode_pre_shared_key_server_hello(ByteView data) { return decode_u16_extension(data); }

Result<Extension> encode_pre_shared_key_server_hello(uint16_t selected_identity) {
    return encode_u16_extension(ExtensionType::pre_shared_key, selected_identity);
}

}  // namespace tpmtls
