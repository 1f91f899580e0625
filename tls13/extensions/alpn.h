// application_layer_protocol_negotiation (RFC 7301 §3.1): the client's protocol list and the
// server's single selected protocol.
#pragma once

#include <span>
#include <vector>

#include "tls13/extensions/extensions.h"

namespace tpmtls {

// ClientHello: `ProtocolName protocol_name_list<2..2^16-1>`, `opaque ProtocolName<1..2^8-1>`.
Result<std::vector<Bytes>> decode_alpn_client_hello(ByteView data);
Result<Extension> encode_alpn_client_hello(std::span<const Bytes> protocols);

// EncryptedExtensions: the same shape, but the list "MUST contain exactly one ProtocolName"
// (RFC 7301 §3.1); any other count is decode_error.
Result<Bytes> decode_alpn_encrypted_extensions(ByteView data);
Result<Extension> encode_alpn_encrypted_extensions(ByteView protocol);

}  // namespace tpmtls
