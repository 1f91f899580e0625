// Codecs for the extensions that carry a simple list or value (RFC 8446 §4.2.1, §4.2.2,
// §4.2.3, §4.2.7, §4.2.9, §4.2.10). Decoders take extension_data and are total: a vector
// outside the RFC's bounds, a list that is not whole elements, or trailing bytes is
// decode_error. Unknown values (GREASE, groups or schemes we do not implement) are kept: the
// RFC lets the receiver ignore what it does not know.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tls13/extensions/extensions.h"

namespace tpmtls {

// RFC 8446 §4.2.1: ClientHello `ProtocolVersion versions<2..254>`.
Result<std::vector<uint16_t>> decode_supported_versions_client_hello(ByteView data);
Result<Extension> encode_supported_versions_client_hello(std::span<const uint16_t> versions);
// RFC 8446 §4.2.1: ServerHello and HelloRetryRequest `ProtocolVersion selected_version`.
Result<uint16_t> decode_supported_versions_server_hello(ByteView data);
Result<Extension> encode_supported_versions_server_hello(uint16_t selected_version);

// RFC 8446 §4.2.7: `NamedGroup named_group_list<2..2^16-1>` (ClientHello, EncryptedExtensions).
Result<std::vector<NamedGroup>> decode_supported_groups(ByteView data);
Result<Extension> encode_supported_groups(std::span<const NamedGroup> groups);

// RFC 8446 §4.2.3: `SignatureScheme supported_signature_algorithms<2..2^16-2>`; the same body
// for signature_algorithms and signature_algorithms_cert.
Result<std::vector<SignatureScheme>> decode_signature_algorithms(ByteView data);
Result<Extension> encode_signature_algorithms(std::span<const SignatureScheme> schemes);
Result<Extension> encode_signature_algorithms_cert(std::span<const SignatureScheme> schemes);

// RFC 8446 §4.2.9: `PskKeyExchangeMode ke_modes<1..255>`.
Result<std::vector<PskKeyExchangeMode>> decode_psk_key_exchange_modes(ByteView data);
Result<Extension> encode_psk_key_exchange_modes(std::span<const PskKeyExchangeMode> modes);

// RFC 8446 §4.2.2: `opaque cookie<1..2^16-1>` (HelloRetryRequest, echoed in ClientHello).
Result<Bytes> decode_cookie(ByteView data);
Result<Extension> encode_cookie(ByteView cookie);

// RFC 8446 §4.2.10: early_data is empty in ClientHello and EncryptedExtensions
// (decode_empty_extension) and carries `uint32 max_early_data_size` in NewSessionTicket.
Result<uint32_t> decode_early_data_new_session_ticket(ByteView data);
Extension encode_early_data_empty();
Result<Extension> encode_early_data_new_session_ticket(uint32_t max_early_data_size);

// RFC 8446 §4.2.6: post_handshake_auth is empty (decode_empty_extension).
Extension encode_post_handshake_auth();

}  // namespace tpmtls
