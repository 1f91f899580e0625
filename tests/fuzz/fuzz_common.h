// Round-trip checks shared by the fuzz targets (tests/fuzz/fuzz_*.cpp) and the unit tests:
// a decoded message re-encodes to exactly the bytes it came from, decodes again to an equal
// value, and every extension it carries that has a typed codec survives decode + encode
// unchanged. The decoders keep everything they read, so any difference is a bug.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tls13/extensions/extensions.h"
#include "tls13/extensions/alpn.h"
#include "tls13/extensions/certificate_authorities.h"
#include "tls13/extensions/key_share.h"
#include "tls13/extensions/negotiation.h"
#include "tls13/extensions/pre_shared_key.h"
#include "tls13/extensions/server_name.h"
#include "tls13/messages/messages.h"

namespace tpmtls::fuzz {

// Decoded value -> the encoder's Extension (or the first failure).
template <class T, class Encode>
Result<std::optional<Extension>> then_encode(Result<T> decoded, Encode encode) {
    if (!decoded) return std::move(decoded).error();
    auto encoded = encode(*decoded);
    if (!encoded) return std::move(encoded).error();
    return std::optional<Extension>(std::move(encoded).value());
}

inline Result<std::optional<Extension>> empty_then(ByteView d, std::string_view what, Extension empty) {
    TRY(decode_empty_extension(d, what));
    return std::optional<Extension>(std::move(empty));
}

// The typed codec's decode + encode of a recognised extension, or nullopt for extensions whose
// bodies are kept opaque (status_request, padding, unknown types, ...).
inline Result<std::optional<Extension>> reencode_typed(const Extension& e, ExtensionContext context) {
    const ByteView d = view(e.data);
    const bool ch = context == ExtensionContext::client_hello;
    const bool hrr = context == ExtensionContext::hello_retry_request;
    const bool nst = context == ExtensionContext::new_session_ticket;
    const auto bytes_to = [](auto encode) { return [encode](const Bytes& b) { return encode(view(b)); }; };
    switch (e.type) {
        case ExtensionType::server_name:
            if (!ch) return empty_then(d, "server_name", encode_server_name_encrypted_extensions());
            return then_encode(decode_server_name_client_hello(d),
                               [](const std::vector<ServerName>& v) { return encode_server_name_client_hello(v); });
        case ExtensionType::supported_groups:
            return then_encode(decode_supported_groups(d), [](const auto& v) { return encode_supported_groups(v); });
        case ExtensionType::signature_algorithms:
            return then_encode(decode_signature_algorithms(d),
                               [](const auto& v) { return encode_signature_algorithms(v); });
        case ExtensionType::signature_algorithms_cert:
            return then_encode(decode_signature_algorithms(d),
                               [](const auto& v) { return encode_signature_algorithms_cert(v); });
        case ExtensionType::application_layer_protocol_negotiation:
            if (ch)
                return then_encode(decode_alpn_client_hello(d),
                                   [](const std::vector<Bytes>& v) { return encode_alpn_client_hello(v); });
            return then_encode(decode_alpn_encrypted_extensions(d),
                               bytes_to([](ByteView v) { return encode_alpn_encrypted_extensions(v); }));
        case ExtensionType::key_share:
            if (ch)
                return then_encode(decode_key_share_client_hello(d),
                                   [](const auto& v) { return encode_key_share_client_hello(v); });
            if (hrr)
                return then_encode(decode_key_share_hello_retry_request(d),
                                   [](const auto& v) { return encode_key_share_hello_retry_request(v); });
            return then_encode(decode_key_share_server_hello(d),
                               [](const auto& v) { return encode_key_share_server_hello(v); });
        case ExtensionType::pre_shared_key:
            if (ch)
                return then_encode(decode_pre_shared_key_client_hello(d),
                                   [](const auto& v) { return encode_pre_shared_key_client_hello(v); });
            return then_encode(decode_pre_shared_key_server_hello(d),
                               [](const auto& v) { return encode_pre_shared_key_server_hello(v); });
        case ExtensionType::psk_key_exchange_modes:
            return then_encode(decode_psk_key_exchange_modes(d),
                               [](const auto& v) { return encode_psk_key_exchange_modes(v); });
        case ExtensionType::early_data:
            if (!nst) return empty_then(d, "early_data", encode_early_data_empty());
            return then_encode(decode_early_data_new_session_ticket(d),
                               [](const auto& v) { return encode_early_data_new_session_ticket(v); });
        case ExtensionType::cookie:
            return then_encode(decode_cookie(d), bytes_to([](ByteView v) { return encode_cookie(v); }));
        case ExtensionType::supported_versions:
            if (ch)
                return then_encode(decode_supported_versions_client_hello(d),
                                   [](const auto& v) { return encode_supported_versions_client_hello(v); });
            return then_encode(decode_supported_versions_server_hello(d),
                               [](const auto& v) { return encode_supported_versions_server_hello(v); });
        case ExtensionType::certificate_authorities:
            return then_encode(decode_certificate_authorities(d),
                               [](const std::vector<Bytes>& v) { return encode_certificate_authorities(v); });
        case ExtensionType::oid_filters:
            return then_encode(decode_oid_filters(d), [](const auto& v) { return encode_oid_filters(v); });
        case ExtensionType::post_handshake_auth:
            return empty_then(d, "post_handshake_auth", encode_post_handshake_auth());
        default: return std::optional<Extension>();
    }
}

// The extension blocks a message carries, with the §4.2 column each is read under.
using Blocks = std::vector<std::pair<const Extensions*, ExtensionContext>>;
inline Blocks blocks_of(const ClientHello& m) { return {{&m.extensions, ExtensionContext::client_hello}}; }
inline Blocks blocks_of(const ServerHello& m) { return {{&m.extensions, m.extension_context()}}; }
inline Blocks blocks_of(const EncryptedExtensions& m) {
    return {{&m.extensions, ExtensionContext::encrypted_extensions}};
}
inline Blocks blocks_of(const CertificateRequest& m) {
    return {{&m.extensions, ExtensionContext::certificate_request}};
}
inline Blocks blocks_of(const NewSessionTicket& m) { return {{&m.extensions, ExtensionContext::new_session_ticket}}; }
inline Blocks blocks_of(const Certificate& m) {
    Blocks out;
    for (const auto& entry : m.certificate_list) out.push_back({&entry.extensions, ExtensionContext::certificate});
    return out;
}
template <class M>
Blocks blocks_of(const M&) {
    return {};
}

template <class M>
Bytes body_of(const M& message) {
    Bytes out;
    Writer w(out);
    encode_body(w, message);
    return out;
}

// Empty if `body` round-trips through `decode` (a callable ByteView -> Result<M>) and every
// typed extension re-encodes to itself; otherwise what differed. `decoded` receives the
// message when decoding succeeded.
template <class M, class Decode>
std::string round_trip_problem(ByteView body, Decode decode, std::optional<M>* decoded = nullptr) {
    auto first = decode(body);
    if (!first) return "decode failed: " + first.error().to_string();
    if (decoded) *decoded = *first;
    const Bytes again = body_of(*first);
    if (again != Bytes(body.begin(), body.end())) return "re-encoding differs from the input";
    auto second = decode(view(again));
    if (!second || !(*second == *first)) return "re-decoding differs";
    for (const auto& [block, context] : blocks_of(*first))
        for (const auto& e : *block) {
            auto typed = reencode_typed(e, context);
            if (!typed) return to_string(e.type) + " typed decode failed: " + typed.error().to_string();
            if (typed->has_value() && !(**typed == e)) return to_string(e.type) + " typed re-encoding differs";
        }
    return {};
}

// What decoding a body as one message type gave: the alert, or (when it decoded) the
// round-trip problem, empty if none.
struct Outcome {
    std::optional<Alert> alert;
    std::string problem;
};

template <class M, class Decode>
Outcome check_one(ByteView body, Decode decode) {
    auto decoded = decode(body);
    if (!decoded) return {decoded.error(), {}};
    return {std::nullopt, round_trip_problem<M>(body, decode)};
}

// Any message type by its wire code; Finished takes the hash length. An unknown type is
// reported as unexpected_message, as the state machine would.
inline Outcome check_any(HandshakeType type, ByteView body, size_t hash_length = 32) {
    switch (type) {
        case HandshakeType::client_hello: return check_one<ClientHello>(body, decode_client_hello);
        case HandshakeType::server_hello: return check_one<ServerHello>(body, decode_server_hello);
        case HandshakeType::encrypted_extensions:
            return check_one<EncryptedExtensions>(body, decode_encrypted_extensions);
        case HandshakeType::certificate_request: return check_one<CertificateRequest>(body, decode_certificate_request);
        case HandshakeType::certificate: return check_one<Certificate>(body, decode_certificate);
        case HandshakeType::certificate_verify: return check_one<CertificateVerify>(body, decode_certificate_verify);
        case HandshakeType::finished:
            return check_one<Finished>(body, [hash_length](ByteView b) { return decode_finished(b, hash_length); });
        case HandshakeType::new_session_ticket: return check_one<NewSessionTicket>(body, decode_new_session_ticket);
        case HandshakeType::key_update: return check_one<KeyUpdate>(body, decode_key_update);
        case HandshakeType::end_of_early_data: return check_one<EndOfEarlyData>(body, decode_end_of_early_data);
        default: return {make_alert(AlertDescription::unexpected_message, "unknown handshake type"), {}};
    }
}

inline void abort_on_problem(const std::string& problem) {
    if (problem.empty()) return;
    std::fprintf(stderr, "round trip: %s\n", problem.c_str());
    std::abort();
}

// For LLVMFuzzerTestOneInput: a decode failure is fine (it must only be an Alert; the
// sanitizers watch for anything worse); a success that does not round-trip aborts.
template <class M, class Decode>
int fuzz_round_trip(const uint8_t* data, size_t size, Decode decode) {
    abort_on_problem(check_one<M>(ByteView(data, size), decode).problem);
    return 0;
}

}  // namespace tpmtls::fuzz
