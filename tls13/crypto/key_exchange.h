// (EC)DHE key exchange for the key_share extension (RFC 8446 §4.2.8, §7.4).
//   x25519     libsodium crypto_scalarmult; an all-zero shared secret is rejected (§7.4.2)
//   secp256r1  mbedTLS; the peer's value must be an uncompressed point (0x04 || X || Y) on the
//              curve, not the point at infinity (§4.2.8.2)
// A bad peer value is illegal_parameter.
#pragma once

#include <memory>

#include "tls13/bytes.h"
#include "tls13/crypto/random.h"
#include "tls13/secret.h"
#include "tls13/types.h"

namespace tpmtls {

class KeyExchange {
public:
    virtual ~KeyExchange() = default;
    virtual NamedGroup group() const = 0;
    // KeyShareEntry.key_exchange: 32 bytes for x25519, 65 (uncompressed point) for secp256r1.
    virtual ByteView public_key() const = 0;
    // The shared secret Z: X25519 output, or the x-coordinate for ECDH (§7.4.2).
    virtual Result<Secret> shared_secret(ByteView peer_public) const = 0;
};

bool key_exchange_supported(NamedGroup group);

// A fresh ephemeral key pair; the private key comes from `random`.
Result<std::unique_ptr<KeyExchange>> generate_key_exchange(NamedGroup group, Random& random);

// A key pair from a known private key (RFC 8448 replay, test vectors).
Result<std::unique_ptr<KeyExchange>> key_exchange_from_private(NamedGroup group, ByteView private_key);

}  // namespace tpmtls
