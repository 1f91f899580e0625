#include "tls13/extensions/certificate_authorities.h"

namespace tpmtls {

Result<std::vector<Bytes>> decode_certificate_authorities(ByteView data) {
    Reader r(data);
    Reader list = TRY(r.vec16(3, 0xffff));
    TRY(r.expect_end());
    std::vector<Bytes> names;
    while (!list.empty()) names.push_back(to_bytes(TRY(list.vec16(1, 0xffff)).take_rest()));
    return names;
}

Result<Extension> encode_certificate_authorities(std::span<const Bytes> distinguished_names) {
    return build_extension(ExtensionType::certificate_authorities, [&](Writer& w) {
        w.vec16([&] {
            for (const auto& name : distinguished_names) w.vec16(view(name));
        });
    });
}

Result<std::vector<OidFilter>> decode_oid_filters(ByteView data) {
    Reader r(data);
    Reader list = TRY(r.vec16(0, 0xffff));
    TRY(r.expect_end());
    std::vector<OidFilter> filters;
    while (!list.empty()) {
        OidFilter filter;
        filter.certificate_extension_oid = to_bytes(TRY(list.vec8(1, 0xff)).take_rest());
        filter.certificate_extension_values = to_bytes(TRY(list.vec16(0, 0xffff)).take_rest());
        filters.push_back(std::move(filter));
    }
    return filters;
}

Result<Extension> encode_oid_filters(std::span<const OidFilter> filters) {
    return build_extension(ExtensionType::oid_filters, [&](Writer& w) {
        w.vec16([&] {
            for (const auto& filter : filters) {
                w.vec8(view(filter.certificate_extension_oid));
                w.vec16(view(filter.certificate_extension_values));
            }
        });
    });
}

}  // namespace tpmtls
