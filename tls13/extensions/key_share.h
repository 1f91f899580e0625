// key_share (RFC 8446 §4.2.8): the client's list of shares, the server's one share, and the
// group a HelloRetryRequest asks for.
#pragma once

#include <span>
#include <vector>

#include "tls13/extensions/extensions.h"

namespace tpmtls {

// RFC 8446 §4.2.8 `struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry`
struct KeyShareEntry {
    NamedGroup group{};
    Bytes key_exchange;

    bool operator==(const KeyShareEntry&) const = default;
};

// ClientHello: `KeyShareEntry client_shares<0..2^16-1>`. Two shares for one group is
// illegal_parameter (§4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the
// same group ... Servers MAY check for violations of these rules and abort the handshake with
// an illegal_parameter alert").
Result<std::vector<KeyShareEntry>> decode_key_share_client_hello(ByteView data);
Result<Extension> encode_key_share_client_hello(std::span<const KeyShareEntry> shares);

// ServerHello: `KeyShareEntry server_share`.
Result<KeyShareEntry> decode_key_share_server_hello(ByteView data);
Result<Extension> encode_key_share_server_hello(const KeyShareEntry& share);

// HelloRetryRequest: `NamedGroup selected_group`.
Result<NamedGroup> decode_key_share_hello_retry_request(ByteView data);
Result<Extension> encode_key_share_hello_retry_request(NamedGroup selected_group);

// The share for `group`, if offered.
const KeyShareEntry* find_key_share(std::span<const KeyShareEntry> shares, NamedGroup group);

}  // namespace tpmtls
