#include "tls13/extensions/key_share.h"

#include "tls13/extensions/seen_set.h"

namespace tpmtls {

namespace {

Result<KeyShareEntry> read_entry(Reader& r) {
    KeyShareEntry entry;
    entry.group = static_cast<NamedGroup>(TRY(r.u16()));
    entry.key_exchange = to_bytes(TRY(r.vec16(1, 0xffff)).take_rest());
    return entry;
}

void write_entry(Writer& w, const KeyShareEntry& entry) {
    w.u16(static_cast<uint16_t>(entry.group));
    w.vec16(view(entry.key_exchange));
}

}  // namespace

Result<std::vector<KeyShareEntry>> decode_key_share_client_hello(ByteView data) {
    Reader r(data);
    Reader list = TRY(r.vec16(0, 0xffff));
    TRY(r.expect_end());
    std::vector<KeyShareEntry> shares;
    while (!list.empty()) shares.push_back(TRY(read_entry(list)));
    SeenSet groups;
    for (const auto& share : shares)
        if (!groups.insert(static_cast<uint16_t>(share.group)))
            return fail(AlertDescription::illegal_parameter, "two key shares for one group");
    return shares;
}

Result<Extension> encode_key_share_client_hello(std::span<const KeyShareEntry> shares) {
    return build_extension(ExtensionType::key_share, [&](Writer& w) {
        w.vec16([&] {
            for (const auto& share : shares) write_entry(w, share);
        });
    });
}

Result<KeyShareEntry> decode_key_share_server_hello(ByteView data) {
    Reader r(data);
    KeyShareEntry entry = TRY(read_entry(r));
    TRY(r.expect_end());
    return entry;
}

Result<Extension> encode_key_share_server_hello(const KeyShareEntry& share) {
    return build_extension(ExtensionType::key_share, [&](Writer& w) { write_entry(w, share); });
}

Result<NamedGroup> decode_key_share_hello_retry_request(ByteView data) {
    return static_cast<NamedGroup>(TRY(decode_u16_extension(data)));
}

Result<Extension> encode_key_share_hello_retry_request(NamedGroup selected_group) {
    return encode_u16_extension(ExtensionType::key_share, static_cast<uint16_t>(selected_group));
}

const KeyShareEntry* find_key_share(std::span<const KeyShareEntry> shares, NamedGroup group) {
    for (const auto& share : shares)
        if (share.group == group) return &share;
    return nullptr;
}

}  // namespace tpmtls
