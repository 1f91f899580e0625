#include "tpm/key_reference.h"

#include <cctype>
#include <charconv>

#include "tpm/import.h"
#include "tpm/inventory.h"
#include "tpm/key_file.h"
#include "tpm/keys.h"

namespace tpmtls::tpm {

namespace {

constexpr std::string_view handle_prefix = "handle:";

std::string hex_handle(uint32_t handle) {
    char text[16];
    auto [end, ec] = std::to_chars(text, text + sizeof text, handle, 16);
    (void)ec;
    return "0x" + std::string(text, end);
}

// "81000010": hex digits only, as a tpm2-tools user may mistype a handle.
bool all_hex(std::string_view text) {
    if (text.empty() || text.size() > 8) return false;
    for (char c : text)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

Alert bad_handle(std::string_view text, std::string_view expected) {
    std::string_view number = text;
    if (number.substr(0, handle_prefix.size()) == handle_prefix) number.remove_prefix(handle_prefix.size());
    if (all_hex(number))
        return make_alert(AlertDescription::internal_error, "handle '" + std::string(text) +
                                                                "' needs 0x (without it, it is a decimal number): write 0x" +
                                                                std::string(number));
    return make_alert(AlertDescription::internal_error,
                      "bad handle '" + std::string(text) + "': expected " + std::string(expected));
}

}  // namespace

std::string KeyReference::to_string() const {
    if (kind == Kind::file) return path;
    return std::string(handle_prefix) + hex_handle(handle);
}

Result<uint32_t> parse_tpm_handle(std::string_view text) {
    std::string_view number = text;
    if (number.substr(0, handle_prefix.size()) == handle_prefix) number.remove_prefix(handle_prefix.size());
    if (number.substr(0, 2) != "0x" && number.substr(0, 2) != "0X") return bad_handle(text, "0x and 8 hex digits");
    number.remove_prefix(2);
    uint32_t handle = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), handle, 16);
    if (!all_hex(number) || ec != std::errc() || end != number.data() + number.size())
        return bad_handle(text, "0x and 8 hex digits");
    return handle;
}

Result<uint32_t> parse_persistent_handle(std::string_view text, HandleUse use) {
    constexpr uint32_t platform_first = persistent_owner_last + 1, persistent_last = 0x81ffffff;
    const std::string_view range = use == HandleUse::create ? "0x81000000-0x817FFFFF" : "0x81000000-0x81FFFFFF";
    auto handle = parse_tpm_handle(text);
    if (!handle) return bad_handle(text, "a persistent handle, " + std::string(range));
    if (*handle < persistent_first || *handle > persistent_last)
        return fail(AlertDescription::internal_error,
                    "bad handle '" + std::string(text) + "': not a persistent handle (" + std::string(range) + ")");
    if (use == HandleUse::create && *handle >= platform_first)
        return fail(AlertDescription::internal_error,
                    "handle " + hex_handle(*handle) +
                        " is not an owner persistent handle (0x81000000-0x817FFFFF; 0x81800000-0x81FFFFFF belong to "
                        "the platform)");
    return *handle;
}

Result<KeyReference> parse_key_reference(std::string_view text) {
    KeyReference key;
    const bool prefixed = text.substr(0, handle_prefix.size()) == handle_prefix;
    const bool bare_handle = (text.substr(0, 4) == "0x81" || text.substr(0, 4) == "0X81") && all_hex(text.substr(2));
    if (!prefixed && !bare_handle) {
        if (text.empty()) return fail(AlertDescription::internal_error, "empty key reference (a TSS2 key file or handle:0x81xxxxxx)");
        key.path = std::string(text);
        return key;
    }
    auto handle = parse_persistent_handle(text);
    if (!handle)
        return fail(AlertDescription::internal_error,
                    "bad key reference '" + std::string(text) + "': " + handle.error().reason +
                        " (handle:0x81xxxxxx, 0x81xxxxxx or a TSS2 key file path)");
    key.kind = KeyReference::Kind::handle;
    key.handle = *handle;
    return key;
}

std::string handle_spelling_hint(std::string_view text) {
    std::string_view number = text;
    if (number.substr(0, handle_prefix.size()) == handle_prefix) number.remove_prefix(handle_prefix.size());
    if (number.substr(0, 2) == "0x" || number.substr(0, 2) == "0X") number.remove_prefix(2);
    if (number.size() != 8 || !all_hex(number) || number.substr(0, 2) != "81") return {};
    return "to name a persistent handle, write 0x" + std::string(number) + " or handle:0x" + std::string(number);
}

namespace {

// "TPM key REF: <reason>", keeping the alert description.
Alert about(const KeyReference& key, const Alert& alert) {
    return make_alert(alert.description, "TPM key " + key.to_string() + ": " + alert.reason);
}

// Parsed before the TPM is touched, so a corrupt file is reported as such.
Result<Tss2KeyFile> read_key_file(const KeyReference& key, ByteView auth) {
    auto file = load_tss2_key_file(key.path);
    if (!file) {
        const Alert& error = file.error();
        // decode_error: the bytes are there but are not a TSS2 key; otherwise it could not be read.
        return make_alert(AlertDescription::internal_error,
                          error.description == AlertDescription::decode_error
                              ? error.reason + ": key file corrupt or not a TSS2 PRIVATE KEY (tpmtls keygen or "
                                               "openssl genpkey -provider tpm2 write one)"
                              : error.reason);
    }
    // The file says whether the key has an authorization value (draft-bottomley-tpm2-keys §3.1
    // emptyAuth); a mismatch would only surface as TPM_RC_AUTH_FAIL at the first signature.
    if (!file->empty_auth && auth.empty())
        return fail(AlertDescription::internal_error,
                    "the key file says the key has an authorization value: give it with --auth-file FILE");
    if (file->empty_auth && !auth.empty())
        return fail(AlertDescription::internal_error,
                    "an authorization value was given, but the key file says the key has none");
    return std::move(*file);
}

Result<TpmKey> load_reference(const std::shared_ptr<TpmContext>& context, const KeyReference& key, ByteView auth) {
    if (key.kind == KeyReference::Kind::handle) {
        TpmKey loaded = TRY(load_persistent(context, key.handle));
        loaded.set_description(key.to_string());
        if (!auth.empty()) TRY(loaded.set_auth(auth));
        return loaded;
    }
    const Tss2KeyFile file = TRY(read_key_file(key, auth));
    TpmKey loaded = TRY(load_key_file(context, file));  // tpm/import.h: names a missing parent
    loaded.set_description(key.path);
    if (!auth.empty()) TRY(loaded.set_auth(auth));
    return loaded;
}

}  // namespace

Result<TpmKey> load_key_reference(const std::shared_ptr<TpmContext>& context, const KeyReference& key, ByteView auth) {
    auto loaded = load_reference(context, key, auth);
    if (!loaded) return about(key, loaded.error());
    return std::move(*loaded);
}

Result<std::shared_ptr<TpmSigner>> open_tpm_signer(const KeyReference& key, const std::shared_ptr<TpmContext>& context,
                                                   ByteView auth) {
    TpmKey loaded = TRY(load_key_reference(context, key, auth));
    // TpmSigner's errors name the key already (TpmKey::description).
    std::unique_ptr<TpmSigner> signer = TRY(TpmSigner::create(std::move(loaded)));
    return std::shared_ptr<TpmSigner>(std::move(signer));
}

Result<std::shared_ptr<TpmSigner>> open_tpm_signer(const KeyReference& key, const ContextOptions& options,
                                                   ByteView auth) {
    if (key.kind == KeyReference::Kind::file) {
        // A corrupt or unreadable file is reported before the TPM is touched.
        auto file = read_key_file(key, auth);
        if (!file) return about(key, file.error());
    }
    auto context = TpmContext::open(options);
    if (!context) return about(key, context.error());
    return open_tpm_signer(key, *context, auth);
}

}  // namespace tpmtls::tpm
