#include "tls13/extensions/extensions.h"

#include <array>

#include "tls13/extensions/alpn.h"
#include "tls13/extensions/certificate_authorities.h"
#include "tls13/extensions/key_share.h"
#include "tls13/extensions/negotiation.h"
#include "tls13/extensions/pre_shared_key.h"
#include "tls13/extensions/seen_set.h"
#include "tls13/extensions/server_name.h"

namespace tpmtls {

namespace {

constexpr uint8_t bit(ExtensionContext c) { return static_cast<uint8_t>(1u << static_cast<unsigned>(c)); }
constexpr uint8_t CH = bit(ExtensionContext::client_hello);
constexpr uint8_t SH = bit(ExtensionContext::server_hello);
constexpr uint8_t HRR = bit(ExtensionContext::hello_retry_request);
constexpr uint8_t EE = bit(ExtensionContext::encrypted_extensions);
constexpr uint8_t CT = bit(ExtensionContext::certificate);
constexpr uint8_t CR = bit(ExtensionContext::certificate_request);
constexpr uint8_t NST = bit(ExtensionContext::new_session_ticket);

struct TableRow {
    ExtensionType type;
    uint8_t contexts;
};

// RFC 8446 §4.2, the table of extensions and the messages that may carry them, row for row.
constexpr std::array<TableRow, 22> extension_table = {{
    {ExtensionType::server_name, CH | EE},
    {ExtensionType::max_fragment_length, CH | EE},
    {ExtensionType::status_request, CH | CR | CT},
    {ExtensionType::supported_groups, CH | EE},
    {ExtensionType::signature_algorithms, CH | CR},
    {ExtensionType::use_srtp, CH | EE},
    {ExtensionType::heartbeat, CH | EE},
    {ExtensionType::application_layer_protocol_negotiation, CH | EE},
    {ExtensionType::signed_certificate_timestamp, CH | CR | CT},
    {ExtensionType::client_certificate_type, CH | EE},
    {ExtensionType::server_certificate_type, CH | EE},
    {ExtensionType::padding, CH},
    {ExtensionType::key_share, CH | SH | HRR},
    {ExtensionType::pre_shared_key, CH | SH},
    {ExtensionType::psk_key_exchange_modes, CH},
    {ExtensionType::early_data, CH | EE | NST},
    {ExtensionType::cookie, CH | HRR},
    {ExtensionType::supported_versions, CH | SH | HRR},
    {ExtensionType::certificate_authorities, CH | CR},
    {ExtensionType::oid_filters, CR},
    {ExtensionType::post_handshake_auth, CH},
    {ExtensionType::signature_algorithms_cert, CH | CR},
}};

const TableRow* table_row(ExtensionType type) {
    for (const auto& row : extension_table)
        if (row.type == type) return &row;
    return nullptr;
}

template <class T>
Status discard_value(Result<T> decoded) {
    if (!decoded) return std::move(decoded).error();
    return ok();
}

// Decodes the body of a recognised extension with the codec its message uses, discarding the
// value: the message decoders call this so that a decoded message is valid throughout
// (STYLE.md §3) and the handshake's later typed decode of it cannot fail. Bodies we do not
// interpret (status_request, signed_certificate_timestamp, padding, ...) are not checked.
Status check_body(const Extension& e, ExtensionContext context) {
    const ByteView data = view(e.data);
    const bool in_client_hello = context == ExtensionContext::client_hello;
    switch (e.type) {
        case ExtensionType::server_name:
            return in_client_hello ? discard_value(decode_server_name_client_hello(data))
                                   : decode_empty_extension(data, "server_name");
        case ExtensionType::supported_groups: return discard_value(decode_supported_groups(data));
        case ExtensionType::signature_algorithms:
        case ExtensionType::signature_algorithms_cert: return discard_value(decode_signature_algorithms(data));
        case ExtensionType::application_layer_protocol_negotiation:
            return in_client_hello ? discard_value(decode_alpn_client_hello(data))
                                   : discard_value(decode_alpn_encrypted_extensions(data));
        case ExtensionType::key_share:
            if (in_client_hello) return discard_value(decode_key_share_client_hello(data));
            if (context == ExtensionContext::hello_retry_request)
                return discard_value(decode_key_share_hello_retry_request(data));
            return discard_value(decode_key_share_server_hello(data));
        case ExtensionType::pre_shared_key:
            return in_client_hello ? discard_value(decode_pre_shared_key_client_hello(data))
                                   : discard_value(decode_pre_shared_key_server_hello(data));
        case ExtensionType::psk_key_exchange_modes: return discard_value(decode_psk_key_exchange_modes(data));
        case ExtensionType::early_data:
            return context == ExtensionContext::new_session_ticket
                       ? discard_value(decode_early_data_new_session_ticket(data))
                       : decode_empty_extension(data, "early_data");
        case ExtensionType::cookie: return discard_value(decode_cookie(data));
        case ExtensionType::supported_versions:
            return in_client_hello ? discard_value(decode_supported_versions_client_hello(data))
                                   : discard_value(decode_supported_versions_server_hello(data));
        case ExtensionType::certificate_authorities: return discard_value(decode_certificate_authorities(data));
        case ExtensionType::oid_filters: return discard_value(decode_oid_filters(data));
        case ExtensionType::post_handshake_auth: return decode_empty_extension(data, "post_handshake_auth");
        default: return ok();
    }
}

}  // namespace

std::string to_string(ExtensionContext context) {
    switch (context) {
        case ExtensionContext::client_hello: return "ClientHello";
        case ExtensionContext::server_hello: return "ServerHello";
        case ExtensionContext::hello_retry_request: return "HelloRetryRequest";
        case ExtensionContext::encrypted_extensions: return "EncryptedExtensions";
        case ExtensionContext::certificate: return "Certificate";
        case ExtensionContext::certificate_request: return "CertificateRequest";
        case ExtensionContext::new_session_ticket: return "NewSessionTicket";
        default: return "context(" + std::to_string(static_cast<unsigned>(context)) + ")";
    }
}

bool extension_recognised(ExtensionType type) { return table_row(type) != nullptr; }

bool extension_allowed(ExtensionType type, ExtensionContext context) {
    const TableRow* row = table_row(type);
    return row != nullptr && (row->contexts & bit(context)) != 0;
}

Result<Extensions> read_extensions(Reader& r, size_t min_length, size_t max_length) {
    Reader block = TRY(r.vec16(min_length, max_length));
    Extensions extensions;
    while (!block.empty()) {
        Extension e;
        e.type = static_cast<ExtensionType>(TRY(block.u16()));
        e.data = to_bytes(TRY(block.vec16(0, 0xffff)).take_rest());
        extensions.push_back(std::move(e));
    }
    return extensions;
}

void write_extensions(Writer& w, const Extensions& extensions) {
    w.vec16([&] {
        for (const auto& e : extensions) {
            w.u16(static_cast<uint16_t>(e.type));
            w.vec16(view(e.data));
        }
    });
}

Status check_extensions(const Extensions& extensions, ExtensionContext context) {
    // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a given
    // extension block." The RFC names no alert. The block frames correctly, so it is not a
    // decoding failure; it contradicts itself, which §6.2 calls illegal_parameter ("incorrect or
    // inconsistent with other fields"); OpenSSL and Bouncy Castle answer the same.
    SeenSet seen;
    for (const auto& e : extensions)
        if (!seen.insert(static_cast<uint16_t>(e.type)))
            return fail(AlertDescription::illegal_parameter, "duplicate extension " + to_string(e.type));
    // RFC 8446 §4.2: "If an implementation receives an extension which it recognizes and which
    // is not specified for the message in which it appears, it MUST abort the handshake with an
    // illegal_parameter alert."
    for (const auto& e : extensions)
        if (extension_recognised(e.type) && !extension_allowed(e.type, context))
            return fail(AlertDescription::illegal_parameter,
                        to_string(e.type) + " is not allowed in " + to_string(context));
    // RFC 8446 §4.2.11: pre_shared_key "MUST be the last extension in the ClientHello ...
    // Servers MUST check that it is the last extension and otherwise fail the handshake with an
    // illegal_parameter alert."
    if (context == ExtensionContext::client_hello)
        for (size_t i = 0; i + 1 < extensions.size(); ++i)
            if (extensions[i].type == ExtensionType::pre_shared_key)
                return fail(AlertDescription::illegal_parameter, "pre_shared_key is not the last extension");
    for (const auto& e : extensions) TRY(check_body(e, context));
    return ok();
}

std::optional<ByteView> find_extension(const Extensions& extensions, ExtensionType type) {
    for (const auto& e : extensions)
        if (e.type == type) return view(e.data);
    return std::nullopt;
}

Status check_offered(const Extensions& response, const Extensions& request, bool allow_cookie) {
    for (const auto& e : response) {
        if (allow_cookie && e.type == ExtensionType::cookie) continue;
        if (!has_extension(request, e.type))
            return fail(AlertDescription::unsupported_extension, to_string(e.type) + " was not offered");
    }
    return ok();
}

Result<uint16_t> decode_u16_extension(ByteView data) {
    Reader r(data);
    const uint16_t value = TRY(r.u16());
    TRY(r.expect_end());
    return value;
}

Result<Extension> encode_u16_extension(ExtensionType type, uint16_t value) {
    return build_extension(type, [&](Writer& w) { w.u16(value); });
}

Status decode_empty_extension(ByteView data, std::string_view what) {
    if (!data.empty()) return fail(AlertDescription::decode_error, std::string(what) + " must be empty");
    return ok();
}

}  // namespace tpmtls
