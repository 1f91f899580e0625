// AEADs against published vectors: the GCM specification's test cases (McGrew & Viega, "The
// Galois/Counter Mode of Operation", Appendix B; the same cases NIST uses) and RFC 8439 §2.8.2.
#include <doctest/doctest.h>
#include <sodium.h>

#include <functional>
#include <string>
#include <vector>

#include "test_crypto_support.h"
#include "tls13/crypto/aead.h"

using namespace tpmtls;
using crypto_test::hex;

namespace {

struct AeadVector {
    const char* name;
    AeadAlgorithm alg;
    Bytes key;
    Bytes nonce;
    Bytes aad;
    Bytes plaintext;
    Bytes ciphertext;
    Bytes tag;
};

std::vector<AeadVector> published_vectors() {
    const Bytes gcm_key = hex("feffe9928665731c6d6a8f9467308308");
    const Bytes gcm_key256 = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const Bytes gcm_iv = hex("cafebabefacedbaddecaf888");
    const Bytes gcm_aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const Bytes gcm_plaintext64 = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
    const Bytes gcm_plaintext60(gcm_plaintext64.begin(), gcm_plaintext64.begin() + 60);
    const Bytes ct128 = hex(
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
        "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985");
    const Bytes ct256 = hex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad");
    const std::string sunscreen =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen "
        "would be it.";
    return {
        // GCM spec test cases 1 and 13: empty plaintext, all-zero key and IV.
        {"GCM test case 1", AeadAlgorithm::aes_128_gcm, Bytes(16, 0), Bytes(12, 0), {}, {}, {},
         hex("58e2fccefa7e3061367f1d57a4e7455a")},
        {"GCM test case 13", AeadAlgorithm::aes_256_gcm, Bytes(32, 0), Bytes(12, 0), {}, {}, {},
         hex("530f8afbc74536b9a963b4f1c4cb738b")},
        {"GCM test case 3", AeadAlgorithm::aes_128_gcm, gcm_key, gcm_iv, {}, gcm_plaintext64, ct128,
         hex("4d5c2af327cd64a62cf35abd2ba6fab4")},
        {"GCM test case 4", AeadAlgorithm::aes_128_gcm, gcm_key, gcm_iv, gcm_aad, gcm_plaintext60,
         Bytes(ct128.begin(), ct128.begin() + 60), hex("5bc94fbc3221a5db94fae95ae7121a47")},
        {"GCM test case 15", AeadAlgorithm::aes_256_gcm, gcm_key256, gcm_iv, {}, gcm_plaintext64, ct256,
         hex("b094dac5d93471bdec1a502270e3cc6c")},
        {"GCM test case 16", AeadAlgorithm::aes_256_gcm, gcm_key256, gcm_iv, gcm_aad, gcm_plaintext60,
         Bytes(ct256.begin(), ct256.begin() + 60), hex("76fc6ece0f4e1768cddf8853bb2d551b")},
        {"RFC 8439 §2.8.2", AeadAlgorithm::chacha20_poly1305,
         hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"), hex("070000004041424344454647"),
         hex("50515253c0c1c2c3c4c5c6c7"), to_bytes(view(sunscreen)),
         hex("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
             "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
             "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
             "3ff4def08e4b7a9de576d26586cec64b6116"),
         hex("1ae10b594f09e26a7e902ecbd0600691")},
    };
}

using Factory = std::function<Result<std::unique_ptr<Aead>>(AeadAlgorithm, const Key&)>;

struct NamedFactory {
    const char* name;
    Factory make;
};

const NamedFactory factories[] = {
    {"make_aead", [](AeadAlgorithm alg, const Key& key) { return make_aead(alg, key); }},
    {"make_aead_mbedtls", [](AeadAlgorithm alg, const Key& key) { return make_aead_mbedtls(alg, key); }},
};

bool all_zero(const Bytes& b) {
    for (auto byte : b)
        if (byte != 0) return false;
    return true;
}

// Opening must fail with bad_record_mac and leave no plaintext behind.
void check_rejected(Aead& aead, const Bytes& nonce, const Bytes& aad, Bytes data, const Bytes& tag) {
    auto opened = aead.open(view(nonce), view(aad), data, view(tag));
    REQUIRE_FALSE(opened);
    CHECK(opened.error().description == AlertDescription::bad_record_mac);
    CHECK(all_zero(data));
}

}  // namespace

TEST_CASE("AEAD seal and open reproduce the published vectors; any flipped bit is bad_record_mac") {
    REQUIRE(sodium_init() >= 0);
    for (const auto& factory : factories) {
        for (const auto& v : published_vectors()) {
            CAPTURE(factory.name);
            CAPTURE(v.name);
            const Key key(view(v.key));
            auto aead = factory.make(v.alg, key);
            REQUIRE(aead);
            Aead& a = **aead;
            CHECK(a.algorithm() == v.alg);

            Bytes data = v.plaintext;
            Bytes tag(aead_tag_size);
            REQUIRE(a.seal(view(v.nonce), view(v.aad), data, tag));
            CHECK(data == v.ciphertext);
            CHECK(tag == v.tag);

            REQUIRE(a.open(view(v.nonce), view(v.aad), data, view(tag)));
            CHECK(data == v.plaintext);

            Bytes bad_tag = v.tag;
            bad_tag[5] ^= 0x01;
            check_rejected(a, v.nonce, v.aad, v.ciphertext, bad_tag);
            bad_tag = v.tag;
            bad_tag[aead_tag_size - 1] ^= 0x80;
            check_rejected(a, v.nonce, v.aad, v.ciphertext, bad_tag);

            if (!v.ciphertext.empty()) {
                Bytes bad_ciphertext = v.ciphertext;
                bad_ciphertext[bad_ciphertext.size() / 2] ^= 0x04;
                check_rejected(a, v.nonce, v.aad, bad_ciphertext, v.tag);
            }

            Bytes bad_aad = v.aad;
            if (bad_aad.empty())
                bad_aad.push_back(0x00);  // adding AAD must also break the tag
            else
                bad_aad[0] ^= 0x01;
            check_rejected(a, v.nonce, bad_aad, v.ciphertext, v.tag);

            Bytes bad_nonce = v.nonce;
            bad_nonce[11] ^= 0x01;
            check_rejected(a, bad_nonce, v.aad, v.ciphertext, v.tag);
        }
    }
}

TEST_CASE("AEAD rejects keys, nonces and tags of the wrong size") {
    for (const auto& factory : factories) {
        CAPTURE(factory.name);
        for (auto alg : {AeadAlgorithm::aes_128_gcm, AeadAlgorithm::aes_256_gcm, AeadAlgorithm::chacha20_poly1305}) {
            CAPTURE(to_string(alg));
            for (size_t size : {size_t{0}, size_t{15}, size_t{16}, size_t{24}, size_t{32}, size_t{33}}) {
                const Bytes raw(size, 0x11);
                auto aead = factory.make(alg, Key(view(raw)));
                CHECK(aead.ok() == (size == aead_key_size(alg)));
                if (!aead) CHECK(aead.error().description == AlertDescription::internal_error);
            }

            const Bytes raw(aead_key_size(alg), 0x11);
            auto aead = factory.make(alg, Key(view(raw)));
            REQUIRE(aead);
            Bytes data(8, 0x22);
            Bytes tag(aead_tag_size);
            CHECK_FALSE((*aead)->seal(view(Bytes(11)), {}, data, tag));
            CHECK_FALSE((*aead)->seal(view(Bytes(13)), {}, data, tag));
            Bytes short_tag(15);
            CHECK_FALSE((*aead)->seal(view(Bytes(12)), {}, data, short_tag));
            CHECK_FALSE((*aead)->open(view(Bytes(12)), {}, data, view(short_tag)));
        }
    }
}

TEST_CASE("AES-256-GCM: the libsodium and mbedTLS paths agree") {
    REQUIRE(sodium_init() >= 0);
    const Bytes raw = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const Key key(view(raw));
    auto preferred = make_aead(AeadAlgorithm::aes_256_gcm, key);
    auto portable = make_aead_mbedtls(AeadAlgorithm::aes_256_gcm, key);
    REQUIRE(preferred);
    REQUIRE(portable);
    CHECK(std::string((*portable)->implementation()) == "mbedTLS");
    if (crypto_aead_aes256gcm_is_available()) {
        CHECK(std::string((*preferred)->implementation()) == "libsodium");
    } else {
        MESSAGE("no AES-NI here: make_aead uses mbedTLS too, so this compares mbedTLS with itself");
        CHECK(std::string((*preferred)->implementation()) == "mbedTLS");
    }

    // A full 16 KiB record (RFC 8446 §5.1 maximum) plus lengths that are not block multiples.
    for (size_t size : {size_t{0}, size_t{1}, size_t{15}, size_t{17}, size_t{255}, size_t{16384}}) {
        CAPTURE(size);
        Bytes plaintext(size);
        for (size_t i = 0; i < size; ++i) plaintext[i] = static_cast<uint8_t>(i * 7 + 3);
        const Bytes nonce = hex("000102030405060708090a0b");
        const Bytes aad = hex("1703030000");

        Bytes by_preferred = plaintext, by_portable = plaintext;
        Bytes tag_preferred(aead_tag_size), tag_portable(aead_tag_size);
        REQUIRE((*preferred)->seal(view(nonce), view(aad), by_preferred, tag_preferred));
        REQUIRE((*portable)->seal(view(nonce), view(aad), by_portable, tag_portable));
        CHECK(by_preferred == by_portable);
        CHECK(tag_preferred == tag_portable);

        // Each opens what the other sealed.
        REQUIRE((*portable)->open(view(nonce), view(aad), by_preferred, view(tag_preferred)));
        REQUIRE((*preferred)->open(view(nonce), view(aad), by_portable, view(tag_portable)));
        CHECK(by_preferred == plaintext);
        CHECK(by_portable == plaintext);
    }
}

TEST_CASE("AEAD parameters") {
    CHECK(aead_key_size(AeadAlgorithm::aes_128_gcm) == 16);
    CHECK(aead_key_size(AeadAlgorithm::aes_256_gcm) == 32);
    CHECK(aead_key_size(AeadAlgorithm::chacha20_poly1305) == 32);
    CHECK(aead_nonce_size == 12);
    CHECK(aead_tag_size == 16);
    CHECK(to_string(AeadAlgorithm::chacha20_poly1305) == "ChaCha20-Poly1305");
}
