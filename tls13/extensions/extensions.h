// Extensions (RFC 8446 §4.2): the raw list every extension-bearing message keeps in wire order
// (so re-encoding is byte-identical), the §4.2 table of which extension may appear in which
// message, and the block-level rules: no duplicates, nothing the table forbids, pre_shared_key
// last in a ClientHello, and "a response only for what was offered".
//
// Typed codecs for the extension bodies live in tls13/extensions/*.h.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "tls13/bytes.h"
#include "tls13/types.h"

namespace tpmtls {

// RFC 8446 §4.2
struct Extension {
    ExtensionType type{};
    Bytes data;  // extension_data, unparsed

    bool operator==(const Extension&) const = default;
};
using Extensions = std::vector<Extension>;

// The columns of the RFC 8446 §4.2 table. `certificate` is a CertificateEntry's block.
enum class ExtensionContext : uint8_t {
    client_hello,           // CH
    server_hello,           // SH
    hello_retry_request,    // HRR
    encrypted_extensions,   // EE
    certificate,            // CT
    certificate_request,    // CR
    new_session_ticket,     // NST
};

std::string to_string(ExtensionContext context);

// True for the extension types the §4.2 table lists (we "recognise" exactly those).
bool extension_recognised(ExtensionType type);
// True if the §4.2 table lists `type` for `context`. Unrecognised types are never "allowed" here;
// check_extensions() keeps them (the RFC says to ignore them), this answers only for the table.
bool extension_allowed(ExtensionType type, ExtensionContext context);

// Framing only: `Extension extensions<min..max>` (RFC 8446 §4.2), each
// `extension_data<0..2^16-1>`. Every framing fault is decode_error.
Result<Extensions> read_extensions(Reader& r, size_t min_length, size_t max_length);
void write_extensions(Writer& w, const Extensions& extensions);

// The block's rules, checked after the enclosing message has framed cleanly (a framing fault
// answers before a content fault):
//   - at most one extension of each type (§4.2)                         -> illegal_parameter
//   - a recognised extension the table does not list for `context` (§4.2) -> illegal_parameter
//   - pre_shared_key not last in a ClientHello (§4.2.11)                -> illegal_parameter
//   - each recognised extension's body decodes with the codec for `context` (its own alert)
// Unrecognised types are kept and not interpreted (§4.1.2, §4.3.2, §4.6.1: "ignore").
Status check_extensions(const Extensions& extensions, ExtensionContext context);

// The body of the first extension of `type`, if present.
std::optional<ByteView> find_extension(const Extensions& extensions, ExtensionType type);
inline bool has_extension(const Extensions& extensions, ExtensionType type) {
    return find_extension(extensions, type).has_value();
}

// RFC 8446 §4.2: a response may carry only extensions the request carried, except "cookie" in a
// HelloRetryRequest; anything else is unsupported_extension. The handshake calls this with
// (ServerHello / HRR / EncryptedExtensions / server Certificate entries, our ClientHello) and
// (client Certificate entries, the CertificateRequest).
Status check_offered(const Extensions& response, const Extensions& request, bool allow_cookie);

// Extension bodies that must be empty (early_data in CH/EE, post_handshake_auth, server_name in
// EE): anything else is decode_error.
Status decode_empty_extension(ByteView data, std::string_view what);

// Extension bodies that are exactly one uint16 (selected_version, selected_identity,
// selected_group) and their encoder; anything else is decode_error.
Result<uint16_t> decode_u16_extension(ByteView data);
Result<Extension> encode_u16_extension(ExtensionType type, uint16_t value);

// Builds one Extension whose body `body(Writer&)` writes; internal_error if a length overflows.
template <class F>
Result<Extension> build_extension(ExtensionType type, F&& body) {
    Extension extension{type, {}};
    Writer w(extension.data);
    std::forward<F>(body)(w);
    TRY(w.status());
    return extension;
}

}  // namespace tpmtls
