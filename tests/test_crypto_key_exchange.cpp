// Key exchange against published vectors: RFC 7748 (X25519), RFC 5903 §8.1 and NIST CAVP
// (P-256 ECDH), and the key shares of the RFC 8448 traces; plus the peer-value checks of
// RFC 8446 §4.2.8.2 and §7.4.2.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test_crypto_support.h"
#include "tls13/crypto/hash.h"
#include "tls13/crypto/key_exchange.h"

using namespace tpmtls;
using crypto_test::concat;
using crypto_test::hex;
using crypto_test::rfc8448_value;

namespace {

// A Random that returns `script` first and then a fixed SHA-256 counter stream, so key
// generation is repeatable and a test can choose the private key it draws.
class ScriptedRandom final : public Random {
public:
    explicit ScriptedRandom(Bytes script, uint8_t seed = 0) : script_(std::move(script)), seed_(seed) {}

    void fill(std::span<uint8_t> out) override {
        for (auto& byte : out) {
            if (pos_ < script_.size()) {
                byte = script_[pos_++];
                continue;
            }
            if (stream_pos_ == stream_.size()) {
                const Bytes block = {seed_, static_cast<uint8_t>(counter_ >> 8), static_cast<uint8_t>(counter_)};
                stream_ = hash(HashAlgorithm::sha256, view(block));
                ++counter_;
                stream_pos_ = 0;
            }
            byte = stream_[stream_pos_++];
        }
    }

private:
    Bytes script_;
    size_t pos_ = 0;
    uint8_t seed_;
    uint16_t counter_ = 0;
    Bytes stream_;
    size_t stream_pos_ = 0;
};

Bytes secret_bytes(const Result<Secret>& s) {
    REQUIRE(s);
    return to_bytes(s->view());
}

std::unique_ptr<KeyExchange> from_private(NamedGroup group, const Bytes& private_key) {
    auto kx = key_exchange_from_private(group, view(private_key));
    REQUIRE(kx);
    return std::move(*kx);
}

// X25519(k, u) as RFC 7748 §5 defines it, through our interface.
Bytes x25519(const Bytes& k, const Bytes& u) {
    return secret_bytes(from_private(NamedGroup::x25519, k)->shared_secret(view(u)));
}

void check_illegal(const KeyExchange& kx, const Bytes& peer) {
    auto shared = kx.shared_secret(view(peer));
    REQUIRE_FALSE(shared);
    CHECK(shared.error().description == AlertDescription::illegal_parameter);
}

}  // namespace

TEST_CASE("supported groups") {
    CHECK(key_exchange_supported(NamedGroup::x25519));
    CHECK(key_exchange_supported(NamedGroup::secp256r1));
    CHECK_FALSE(key_exchange_supported(NamedGroup::secp384r1));
    CHECK_FALSE(key_exchange_supported(NamedGroup::x448));
    CHECK_FALSE(key_exchange_supported(NamedGroup::ffdhe2048));
    CHECK_FALSE(key_exchange_supported(static_cast<NamedGroup>(0x1234)));
    CHECK_FALSE(key_exchange_from_private(NamedGroup::x448, view(Bytes(56, 1))));
    CHECK_FALSE(generate_key_exchange(NamedGroup::secp384r1, system_random()));
}

TEST_CASE("X25519 matches RFC 7748 §5.2") {
    CHECK(x25519(hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                 hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")) ==
          hex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"));
    // This u has its top bit set; RFC 7748 §5 says to ignore it.
    CHECK(x25519(hex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                 hex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")) ==
          hex("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"));

    // The iterated test: k = u = 9; then k, u = X25519(k, u), k.
    Bytes k = hex("0900000000000000000000000000000000000000000000000000000000000000");
    Bytes u = k;
    for (int i = 1; i <= 1000; ++i) {
        Bytes next = x25519(k, u);
        u = std::move(k);
        k = std::move(next);
        if (i == 1) CHECK(k == hex("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"));
    }
    CHECK(k == hex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"));
}

TEST_CASE("X25519 Diffie-Hellman matches RFC 7748 §6.1") {
    auto alice = from_private(NamedGroup::x25519,
                              hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    auto bob = from_private(NamedGroup::x25519, hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
    CHECK(alice->group() == NamedGroup::x25519);
    CHECK(to_bytes(alice->public_key()) == hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
    CHECK(to_bytes(bob->public_key()) == hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
    const Bytes shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    CHECK(secret_bytes(alice->shared_secret(bob->public_key())) == shared);
    CHECK(secret_bytes(bob->shared_secret(alice->public_key())) == shared);
}

TEST_CASE("X25519 rejects small-order peer values and wrong lengths (RFC 8446 §7.4.2)") {
    auto alice = from_private(NamedGroup::x25519,
                              hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    // The u-coordinates of small order on Curve25519 and its twist as published with the
    // curve (cr.yp.to/ecdh.html, "which Curve25519 public keys are rejected"): 0, 1, the two
    // points of order 8, p-1, p, p+1; and each again with the ignored top bit set.
    const std::vector<std::string> small_order = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "0100000000000000000000000000000000000000000000000000000000000080",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    };
    for (const auto& u : small_order) {
        CAPTURE(u);
        check_illegal(*alice, hex(u));
    }
    const Bytes bob_public = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    check_illegal(*alice, {});
    check_illegal(*alice, Bytes(bob_public.begin(), bob_public.end() - 1));
    check_illegal(*alice, concat({view(bob_public), view(Bytes{0x00})}));
    check_illegal(*alice, concat({view(Bytes{0x04}), view(bob_public)}));

    // A private key must be 32 bytes; that is our own input, so internal_error.
    auto bad_private = key_exchange_from_private(NamedGroup::x25519, view(Bytes(31, 1)));
    REQUIRE_FALSE(bad_private);
    CHECK(bad_private.error().description == AlertDescription::internal_error);
}

namespace {

// RFC 5903 §8.1, the 256-bit random ECP group: initiator i, responder r, shared x.
const char* const rfc5903_i = "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433";
const char* const rfc5903_gi =
    "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
    "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3";
const char* const rfc5903_r = "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53";
const char* const rfc5903_gr =
    "04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
    "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab";
const char* const rfc5903_girx = "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de";

}  // namespace

TEST_CASE("P-256 ECDH matches RFC 5903 §8.1 and NIST CAVP KAS ECC CDH") {
    auto initiator = from_private(NamedGroup::secp256r1, hex(rfc5903_i));
    auto responder = from_private(NamedGroup::secp256r1, hex(rfc5903_r));
    CHECK(initiator->group() == NamedGroup::secp256r1);
    CHECK(to_bytes(initiator->public_key()) == hex(rfc5903_gi));
    CHECK(to_bytes(responder->public_key()) == hex(rfc5903_gr));
    CHECK(secret_bytes(initiator->shared_secret(responder->public_key())) == hex(rfc5903_girx));
    CHECK(secret_bytes(responder->shared_secret(initiator->public_key())) == hex(rfc5903_girx));

    // NIST CAVP "ECC CDH Primitive" (KAS_ECC_CDH_PrimitiveTest.txt), [P-256] COUNT = 0.
    auto iut = from_private(NamedGroup::secp256r1,
                            hex("7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534"));
    CHECK(to_bytes(iut->public_key()) == hex("04ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230"
                                             "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141"));
    const Bytes cavs = hex("04700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287"
                           "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac");
    CHECK(secret_bytes(iut->shared_secret(view(cavs))) ==
          hex("46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b"));
}

TEST_CASE("P-256 rejects peer values that are not uncompressed points on the curve (RFC 8446 §4.2.8.2)") {
    auto initiator = from_private(NamedGroup::secp256r1, hex(rfc5903_i));
    const Bytes good = hex(rfc5903_gr);
    const ByteView x = view(good).subspan(1, 32);
    const ByteView y = view(good).subspan(33, 32);
    REQUIRE(initiator->shared_secret(view(good)));

    check_illegal(*initiator, {});
    check_illegal(*initiator, Bytes(good.begin(), good.end() - 1));           // 64 bytes
    check_illegal(*initiator, concat({view(good), view(Bytes{0x00})}));       // 66 bytes
    check_illegal(*initiator, concat({view(Bytes{0x02}), x}));                // compressed, even y
    check_illegal(*initiator, concat({view(Bytes{0x03}), x}));                // compressed, odd y
    check_illegal(*initiator, Bytes{0x00});                                   // the point at infinity
    check_illegal(*initiator, concat({view(Bytes{0x00}), x, y}));             // 65 bytes, wrong form
    check_illegal(*initiator, concat({view(Bytes{0x06}), x, y}));             // hybrid form (X9.62)
    check_illegal(*initiator, concat({view(Bytes{0x04}), view(Bytes(64, 0))}));  // (0, 0): not on the curve

    Bytes off_curve = good;
    off_curve[64] ^= 0x01;  // flip a bit of Y
    check_illegal(*initiator, off_curve);

    // Coordinates must be reduced: x = 0 lies on P-256 (y = sqrt(b) mod p, a valid point), so
    // x = p names the same point mod p but is not a field element and must be refused.
    const Bytes p = hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
    const Bytes y_for_x0 = hex("66485c780e2f83d72433bd5d84a06bb6541c2af31dae871728bf856a174f93f4");
    REQUIRE(initiator->shared_secret(view(concat({view(Bytes{0x04}), view(Bytes(32, 0)), view(y_for_x0)}))));
    check_illegal(*initiator, concat({view(Bytes{0x04}), view(p), view(y_for_x0)}));
    check_illegal(*initiator, concat({view(Bytes{0x04}), x, view(Bytes(32, 0xff))}));  // y >= p

    // Private keys must lie in [1, n-1]; that is our input, so internal_error.
    for (const Bytes& bad : {Bytes(32, 0), Bytes(32, 0xff), Bytes(31, 1)}) {
        auto kx = key_exchange_from_private(NamedGroup::secp256r1, view(bad));
        REQUIRE_FALSE(kx);
        CHECK(kx.error().description == AlertDescription::internal_error);
    }
}

TEST_CASE("key generation draws the private key from the injected Random") {
    SUBCASE("x25519: the first 32 bytes are the private key") {
        ScriptedRandom random(hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        auto kx = generate_key_exchange(NamedGroup::x25519, random);
        REQUIRE(kx);
        CHECK(to_bytes((*kx)->public_key()) ==
              hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));  // RFC 7748 §6.1
    }
    SUBCASE("secp256r1: mbedTLS draws the scalar first (big-endian, accepted when in [1, n-1])") {
        ScriptedRandom random(hex(rfc5903_i));
        auto kx = generate_key_exchange(NamedGroup::secp256r1, random);
        REQUIRE(kx);
        CHECK(to_bytes((*kx)->public_key()) == hex(rfc5903_gi));
        auto responder = from_private(NamedGroup::secp256r1, hex(rfc5903_r));
        CHECK(secret_bytes((*kx)->shared_secret(responder->public_key())) == hex(rfc5903_girx));
    }
    SUBCASE("the same Random gives the same key pair, a different one another") {
        for (auto group : {NamedGroup::x25519, NamedGroup::secp256r1}) {
            CAPTURE(to_string(group));
            ScriptedRandom first({}, 1), again({}, 1), other({}, 2);
            auto a = generate_key_exchange(group, first);
            auto b = generate_key_exchange(group, again);
            auto c = generate_key_exchange(group, other);
            REQUIRE(a);
            REQUIRE(b);
            REQUIRE(c);
            CHECK(to_bytes((*a)->public_key()) == to_bytes((*b)->public_key()));
            CHECK(to_bytes((*a)->public_key()) != to_bytes((*c)->public_key()));
        }
    }
}

TEST_CASE("fresh key pairs from the system Random agree on the shared secret") {
    for (auto group : {NamedGroup::x25519, NamedGroup::secp256r1}) {
        CAPTURE(to_string(group));
        auto client = generate_key_exchange(group, system_random());
        auto server = generate_key_exchange(group, system_random());
        REQUIRE(client);
        REQUIRE(server);
        CHECK((*client)->group() == group);
        CHECK((*client)->public_key().size() == (group == NamedGroup::x25519 ? 32u : 65u));
        CHECK(to_bytes((*client)->public_key()) != to_bytes((*server)->public_key()));
        const Bytes z1 = secret_bytes((*client)->shared_secret((*server)->public_key()));
        const Bytes z2 = secret_bytes((*server)->shared_secret((*client)->public_key()));
        CHECK(z1 == z2);
        CHECK(z1.size() == 32);
    }
}

namespace {

// The ephemeral key pairs of one RFC 8448 trace give its published public keys, and their
// (EC)DHE result is the IKM of the server's `extract secret "handshake"` step (RFC 8446 §7.1).
void check_rfc8448_key_shares(const char* section, NamedGroup group, const char* step) {
    CAPTURE(section);
    auto client = from_private(group, rfc8448_value(section, "client", step, "private key"));
    auto server = from_private(group, rfc8448_value(section, "server", step, "private key"));
    CHECK(to_bytes(client->public_key()) == rfc8448_value(section, "client", step, "public key"));
    CHECK(to_bytes(server->public_key()) == rfc8448_value(section, "server", step, "public key"));
    const Bytes ikm = rfc8448_value(section, "server", "extract secret \"handshake\"", "IKM");
    CHECK(secret_bytes(client->shared_secret(server->public_key())) == ikm);
    CHECK(secret_bytes(server->shared_secret(client->public_key())) == ikm);
}

}  // namespace

TEST_CASE("RFC 8448 §3 and §6: the x25519 key shares give the handshake IKM") {
    check_rfc8448_key_shares("simple_1rtt", NamedGroup::x25519, "create an ephemeral x25519 key pair");
    check_rfc8448_key_shares("client_authentication", NamedGroup::x25519, "create an ephemeral x25519 key pair");
}

TEST_CASE("RFC 8448 §5: the P-256 key shares after HelloRetryRequest give the handshake IKM") {
    check_rfc8448_key_shares("hello_retry_request", NamedGroup::secp256r1, "create an ephemeral P-256 key pair");
}
