// How users name a TPM key: `handle:0x81000001` or `0x81000001` (a persistent handle) or the path of a TSS2
// PRIVATE KEY file. open_tpm_signer() turns either into a ready TpmSigner: TPM context opened,
// parent resolved (the owner primary from tpm2-openssl's template, or the persistent parent the
// file names), key loaded once, public area read once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tls13/bytes.h"
#include "tls13/result.h"
#include "tpm/context.h"
#include "tpm/tpm_signer.h"

namespace tpmtls::tpm {

struct KeyReference {
    enum class Kind : uint8_t { file, handle };
    Kind kind = Kind::file;
    std::string path;     // Kind::file
    uint32_t handle = 0;  // Kind::handle: 0x81000000-0x81FFFFFF
    std::string to_string() const;  // "handle:0x81000001" or the path
};

// The one parser for the handles users type (tpm2-tools: 0x81000010; tpm2-openssl:
// handle:0x81000010). The 0x is required: tpm2-tools reads "81000010" as a decimal number, so
// it is refused with what to type instead ("write 0x81000010").
// Any handle (e.g. --parent 0x40000001): 0x and at most 8 hex digits, "handle:" allowed.
Result<uint32_t> parse_tpm_handle(std::string_view text);

// Where a persistent handle may lie. TCG "Registry of Reserved TPM 2.0 Handles and Localities"
// and TPM 2.0 Part 2 §7.5: 0x81000000-0x817FFFFF are the owner's persistent handles,
// 0x81800000-0x81FFFFFF the platform's. Handles we create (keygen --persist, persist, import
// --persist) are owner handles; one that already exists may be named anywhere in the range.
enum class HandleUse : uint8_t { existing, create };
Result<uint32_t> parse_persistent_handle(std::string_view text, HandleUse use = HandleUse::existing);

// "handle:0x81000001" or "0x81000001" (a persistent handle), else a file path. A malformed
// handle is an error naming the accepted forms.
Result<KeyReference> parse_key_reference(std::string_view text);

// For a key reference that is not an existing file: if it looks like a handle written another
// way ("81000010", "handle:81000010", "0x81000010" as a path), what to write instead.
std::string handle_spelling_hint(std::string_view text);

// Opens the TPM (options.tcti, else the environment) and loads the key. `auth` is the key's
// authorization value (empty for none; see tpm/auth_value.h for reading one). Every error names
// the key reference and says what to check: key file corrupt, handle empty, wrong key type,
// TPM unreachable, a key file that needs an authorization value and got none (or the reverse).
Result<std::shared_ptr<TpmSigner>> open_tpm_signer(const KeyReference& key, const ContextOptions& options,
                                                   ByteView auth = {});
// The same on a context already open.
Result<std::shared_ptr<TpmSigner>> open_tpm_signer(const KeyReference& key, const std::shared_ptr<TpmContext>& context,
                                                   ByteView auth = {});

// Loads the key (a TSS2 key file under its parent: the owner primary or a persistent parent; or
// a persistent handle) and sets its authorization value.
Result<TpmKey> load_key_reference(const std::shared_ptr<TpmContext>& context, const KeyReference& key,
                                  ByteView auth = {});

}  // namespace tpmtls::tpm
