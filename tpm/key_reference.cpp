#include "tpm/key_reference.h"

#include <charconv>

#include "tpm/key_file.h"
#include "tpm/keys.h"

namespace tpmtls::tpm {

std::string KeyReference::to_string() const {
    if (kind == Kind::file) return path;
    char text[16];
    auto [end, ec] = std::to_chars(text, text + sizeof text, handle, 16);
    (void)ec;
    return "handle:0x" + std::string(text, end);
}

Result<KeyReference> parse_key_reference(std::string_view text) {
    constexpr std::string_view prefix = "handle:";
    KeyReference key;
    if (text.substr(0, prefix.size()) != prefix) {
        if (text.empty()) return fail(AlertDescription::internal_error, "empty key reference (a TSS2 key file or handle:0x81xxxxxx)");
        key.path = std::string(text);
        return key;
    }
    std::string_view number = text.substr(prefix.size());
    if (number.substr(0, 2) == "0x" || number.substr(0, 2) == "0X") number.remove_prefix(2);
    uint32_t handle = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), handle, 16);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size())
        return fail(AlertDescription::internal_error,
                    "bad key reference '" + std::string(text) + "': expected handle:0x81xxxxxx or a TSS2 key file path");
    if ((handle >> 24) != 0x81)
        return fail(AlertDescription::internal_error,
                    "bad key reference '" + std::string(text) + "': persistent handles are 0x81000000-0x81FFFFFF");
    key.kind = KeyReference::Kind::handle;
    key.handle = handle;
    return key;
}

Result<std::shared_ptr<TpmSigner>> open_tpm_signer(const KeyReference& key, const ContextOptions& options,
                                                   ByteView auth) {
    if (!auth.empty())
        return fail(AlertDescription::internal_error, "key authorization values are not supported yet");
    // Parse the file before touching the TPM: a corrupt file is reported as such.
    std::optional<Tss2KeyFile> file;
    if (key.kind == KeyReference::Kind::file) {
        file = TRY(load_tss2_key_file(key.path));
        if (file->parent != owner_hierarchy)
            return fail(AlertDescription::internal_error,
                        key.path + ": keys under a persistent parent are not supported yet");
    }
    auto context = TRY(TpmContext::open(options));
    TpmKey loaded = key.kind == KeyReference::Kind::handle
                        ? TRY(load_persistent(context, key.handle))
                        : TRY(load_key(context, KeyBlob{file->public_area, file->private_area}));
    std::unique_ptr<TpmSigner> signer = TRY(TpmSigner::create(std::move(loaded)));
    return std::shared_ptr<TpmSigner>(std::move(signer));
}

}  // namespace tpmtls::tpm
