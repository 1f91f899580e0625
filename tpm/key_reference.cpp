#include "tpm/key_reference.h"

#include <charconv>

#include "tpm/import.h"
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

Result<uint32_t> parse_persistent_handle(std::string_view text) {
    std::string_view number = text;
    if (number.substr(0, 7) == "handle:") number.remove_prefix(7);
    if (number.substr(0, 2) == "0x" || number.substr(0, 2) == "0X") number.remove_prefix(2);
    uint32_t handle = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), handle, 16);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size() || (handle >> 24) != 0x81)
        return fail(AlertDescription::internal_error,
                    "bad persistent handle '" + std::string(text) + "': expected 0x81000000-0x81FFFFFF");
    return handle;
}

Result<KeyReference> parse_key_reference(std::string_view text) {
    constexpr std::string_view prefix = "handle:";
    KeyReference key;
    if (text.substr(0, prefix.size()) != prefix) {
        if (text.empty()) return fail(AlertDescription::internal_error, "empty key reference (a TSS2 key file or handle:0x81xxxxxx)");
        key.path = std::string(text);
        return key;
    }
    auto handle = parse_persistent_handle(text);
    if (!handle)
        return fail(AlertDescription::internal_error,
                    "bad key reference '" + std::string(text) +
                        "': expected handle:0x81xxxxxx (persistent handles are 0x81000000-0x81FFFFFF) or a TSS2 key file path");
    key.kind = KeyReference::Kind::handle;
    key.handle = *handle;
    return key;
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
                    "the key file says the key has an authorization value: give it with --auth-file FILE or "
                    "--auth-prompt");
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
