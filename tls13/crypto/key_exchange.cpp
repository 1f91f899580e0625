#include "tls13/crypto/key_exchange.h"

#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <sodium.h>

#include <array>

#include "tls13/crypto/c_struct.h"
#include "tls13/crypto/sodium_init.h"

namespace tpmtls {

namespace {

constexpr size_t x25519_size = 32;     // RFC 7748 §5: scalars and u-coordinates are 32 bytes
constexpr size_t p256_scalar_size = 32;
constexpr size_t p256_point_size = 65;  // RFC 8446 §4.2.8.2: 0x04 || X (32) || Y (32)
constexpr uint8_t uncompressed_point = 0x04;

Alert illegal_parameter(std::string_view why) { return make_alert(AlertDescription::illegal_parameter, why); }
Alert internal_error(std::string_view why) { return make_alert(AlertDescription::internal_error, why); }

class X25519 final : public KeyExchange {
public:
    static Result<std::unique_ptr<KeyExchange>> from_private(ByteView private_key) {
        if (private_key.size() != x25519_size) return internal_error("x25519 private key is not 32 bytes");
        ensure_sodium_initialized();
        auto kx = std::make_unique<X25519>(private_key);
        // Clamping (RFC 7748 §5) sets bit 254, so the base-point product is never zero.
        if (crypto_scalarmult_base(kx->public_key_.data(), kx->private_key_.view().data()) != 0)
            return internal_error("x25519 public key computation failed");
        return std::unique_ptr<KeyExchange>(std::move(kx));
    }

    explicit X25519(ByteView private_key) : private_key_(private_key) {}

    NamedGroup group() const override { return NamedGroup::x25519; }
    ByteView public_key() const override { return public_key_; }

    Result<Secret> shared_secret(ByteView peer_public) const override {
        if (peer_public.size() != x25519_size) return illegal_parameter("x25519 key share is not 32 bytes");
        Secret shared;
        auto out = shared.resize_for_write(x25519_size);
        // RFC 8446 §7.4.2: a peer that sends a small-order point makes the result all zeros, which
        // MUST be rejected. libsodium refuses such points itself (returns -1); the explicit zero
        // check keeps the rule visible here and independent of the library version.
        if (crypto_scalarmult(out.data(), private_key_.view().data(), peer_public.data()) != 0 ||
            sodium_is_zero(out.data(), out.size()) != 0)
            return illegal_parameter("x25519 shared secret is all zero (small-order peer key)");
        return shared;
    }

private:
    Secret private_key_;  // wiped by Secret's destructor
    std::array<uint8_t, x25519_size> public_key_{};
};

// mbedTLS's free functions zeroize the limbs, so private scalars do not outlive their owner.
using Mpi = CStruct<mbedtls_mpi, mbedtls_mpi_init, mbedtls_mpi_free>;
using EcpPoint = CStruct<mbedtls_ecp_point, mbedtls_ecp_point_init, mbedtls_ecp_point_free>;
using EcpKeypair = CStruct<mbedtls_ecp_keypair, mbedtls_ecp_keypair_init, mbedtls_ecp_keypair_free>;  // grp, d, Q

// mbedTLS f_rng over the injected Random: the private key comes from it, so a test with a fixed
// Random gets a fixed key pair.
int injected_random(void* random, unsigned char* out, size_t size) {
    static_cast<Random*>(random)->fill(std::span<uint8_t>(out, size));
    return 0;
}

// mbedTLS f_rng for the side-channel blinding inside scalar multiplication. The result does not
// depend on these bytes, so they come straight from the system CSPRNG.
int blinding_random(void*, unsigned char* out, size_t size) {
    ensure_sodium_initialized();
    randombytes_buf(out, size);
    return 0;
}

class P256 final : public KeyExchange {
public:
    static Result<std::unique_ptr<KeyExchange>> generate(Random& random) {
        auto kx = std::make_unique<P256>();
        TRY(kx->load_group());
        auto& kp = kx->key_.value;
        if (mbedtls_ecp_gen_keypair(&kp.grp, &kp.d, &kp.Q, injected_random, &random) != 0)
            return internal_error("secp256r1 key generation failed");
        TRY(kx->encode_public_key());
        return std::unique_ptr<KeyExchange>(std::move(kx));
    }

    static Result<std::unique_ptr<KeyExchange>> from_private(ByteView private_key) {
        if (private_key.size() != p256_scalar_size) return internal_error("secp256r1 private key is not 32 bytes");
        auto kx = std::make_unique<P256>();
        TRY(kx->load_group());
        auto& kp = kx->key_.value;
        if (mbedtls_mpi_read_binary(&kp.d, private_key.data(), private_key.size()) != 0 ||
            mbedtls_ecp_check_privkey(&kp.grp, &kp.d) != 0)
            return internal_error("secp256r1 private key is not in [1, n-1]");
        if (mbedtls_ecp_mul(&kp.grp, &kp.Q, &kp.d, &kp.grp.G, blinding_random, nullptr) != 0)
            return internal_error("secp256r1 public key computation failed");
        TRY(kx->encode_public_key());
        return std::unique_ptr<KeyExchange>(std::move(kx));
    }

    NamedGroup group() const override { return NamedGroup::secp256r1; }
    ByteView public_key() const override { return public_key_; }

    Result<Secret> shared_secret(ByteView peer_public) const override {
        // RFC 8446 §4.2.8.2: only the uncompressed form is legal in TLS 1.3; this also rules out
        // the one-byte encoding of the point at infinity (0x00) and compressed points (0x02/0x03).
        if (peer_public.size() != p256_point_size || peer_public[0] != uncompressed_point)
            return illegal_parameter("secp256r1 key share is not a 65-byte uncompressed point");
        auto& kp = key_.value;
        EcpPoint peer;
        if (mbedtls_ecp_point_read_binary(&kp.grp, &peer.value, peer_public.data(), peer_public.size()) != 0)
            return illegal_parameter("secp256r1 key share does not decode");
        // §4.2.8.2: peers MUST validate the point: coordinates below p, on the curve, not infinity.
        if (mbedtls_ecp_check_pubkey(&kp.grp, &peer.value) != 0)
            return illegal_parameter("secp256r1 key share is not a point on the curve");
        Mpi z;
        const int rc = mbedtls_ecdh_compute_shared(&kp.grp, &z.value, &peer.value, &kp.d, blinding_random, nullptr);
        if (rc == MBEDTLS_ERR_ECP_INVALID_KEY) return illegal_parameter("secp256r1 shared point is at infinity");
        if (rc != 0) return internal_error("secp256r1 ECDH failed");
        // RFC 8446 §7.4.1: Z is the x-coordinate, big-endian, left-padded to the field size.
        Secret shared;
        auto out = shared.resize_for_write(p256_scalar_size);
        if (mbedtls_mpi_write_binary(&z.value, out.data(), out.size()) != 0)
            return internal_error("secp256r1 shared secret does not fit");
        return shared;
    }

private:
    Status load_group() {
        if (mbedtls_ecp_group_load(&key_.value.grp, MBEDTLS_ECP_DP_SECP256R1) != 0)
            return internal_error("secp256r1 group unavailable");
        return ok();
    }

    Status encode_public_key() {
        size_t written = 0;
        if (mbedtls_ecp_point_write_binary(&key_.value.grp, &key_.value.Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &written,
                                           public_key_.data(), public_key_.size()) != 0 ||
            written != p256_point_size)
            return internal_error("secp256r1 public key encoding failed");
        return ok();
    }

    // mutable: mbedTLS takes the group non-const because scalar multiplication may cache
    // precomputed points in it; the key pair itself never changes after construction.
    mutable EcpKeypair key_;
    std::array<uint8_t, p256_point_size> public_key_{};
};

}  // namespace

bool key_exchange_supported(NamedGroup group) {
    switch (group) {
        case NamedGroup::x25519:
        case NamedGroup::secp256r1: return true;
        default: return false;
    }
}

Result<std::unique_ptr<KeyExchange>> generate_key_exchange(NamedGroup group, Random& random) {
    switch (group) {
        case NamedGroup::x25519: {
            Secret private_key;
            random.fill(private_key.resize_for_write(x25519_size));
            return X25519::from_private(private_key.view());
        }
        case NamedGroup::secp256r1: return P256::generate(random);
        default: return internal_error("key exchange group not supported: " + to_string(group));
    }
}

Result<std::unique_ptr<KeyExchange>> key_exchange_from_private(NamedGroup group, ByteView private_key) {
    switch (group) {
        case NamedGroup::x25519: return X25519::from_private(private_key);
        case NamedGroup::secp256r1: return P256::from_private(private_key);
        default: return internal_error("key exchange group not supported: " + to_string(group));
    }
}

}  // namespace tpmtls
