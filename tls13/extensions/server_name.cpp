#include "tls13/extensions/server_name.h"

#include "tls13/extensions/seen_set.h"

namespace tpmtls {

Result<std::vector<ServerName>> decode_server_name_client_hello(ByteView data) {
    Reader r(data);
    Reader list = TRY(r.vec16(1, 0xffff));
    TRY(r.expect_end());
    std::vector<ServerName> names;
    SeenSet types;
    while (!list.empty()) {
        ServerName entry;
        entry.type = static_cast<NameType>(TRY(list.u8()));
        const size_t min = entry.type == NameType::host_name ? 1 : 0;
        entry.name = to_bytes(TRY(list.vec16(min, 0xffff)).take_rest());
        if (!types.insert(static_cast<uint16_t>(entry.type)))
            return fail(AlertDescription::illegal_parameter, "two server names of one type");
        names.push_back(std::move(entry));
    }
    return names;
}

Result<Extension> encode_server_name_client_hello(std::span<const ServerName> names) {
    return build_extension(ExtensionType::server_name, [&](Writer& w) {
        w.vec16([&] {
            for (const auto& entry : names) {
                w.u8(static_cast<uint8_t>(entry.type));
                w.vec16(view(entry.name));
            }
        });
    });
}

Result<Extension> encode_server_name_client_hello(std::string_view host_name) {
    const ServerName entry{NameType::host_name, to_bytes(view(host_name))};
    return encode_server_name_client_hello(std::span<const ServerName>(&entry, 1));
}

Extension encode_server_name_encrypted_extensions() { return Extension{ExtensionType::server_name, {}}; }

std::optional<std::string> find_host_name(std::span<const ServerName> names) {
    for (const auto& entry : names)
        if (entry.type == NameType::host_name) return std::string(entry.name.begin(), entry.name.end());
    return std::nullopt;
}

}  // namespace tpmtls
