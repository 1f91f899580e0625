// pre_shared_key (RFC 8446 §4.2.11): the client's offered identities and binders, and the
// identity the server selects.
#pragma once

#include <cstdint>
#include <vector>

#include "tls13/extensions/extensions.h"

namespace tpmtls {

// RFC 8446 §4.2.11 `struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; }`
struct PskIdentity {
    Bytes identity;
    uint32_t obfuscated_ticket_age = 0;

    bool operator==(const PskIdentity&) const = default;
};

// RFC 8446 §4.2.11 `struct { PskIdentity identities<7..2^16-1>;
//                             PskBinderEntry binders<33..2^16-1>; } OfferedPsks`
// with `opaque PskBinderEntry<32..255>`.
struct OfferedPsks {
    std::vector<PskIdentity> identities;
    std::vector<Bytes> binders;  // one per identity, same order

    bool operator==(const OfferedPsks&) const = default;
};

// ClientHello. A binder count that differs from the identity count parses but contradicts
// itself: illegal_parameter (§4.2.11 "one for each value in the identities list").
Result<OfferedPsks> decode_pre_shared_key_client_hello(ByteView data);
Result<Extension> encode_pre_shared_key_client_hello(const OfferedPsks& offered);
// The length of the encoded `binders` vector, its 2-byte prefix included: the tail of the
// ClientHello that the binders do not cover (§4.2.11.2 Truncate()).
size_t binders_list_length(const OfferedPsks& offered);

// ServerHello: `uint16 selected_identity`.
Result<uint16_t> decode_pre_shared_key_server_hello(ByteView data);
Result<Extension> encode_pre_shared_key_server_hello(uint16_t selected_identity);

}  // namespace tpmtls
