// SHA-2, HMAC and HKDF against their published vectors: FIPS 180-4 examples, RFC 4231, RFC 5869.
#include <doctest/doctest.h>

#include <string>

#include "test_crypto_support.h"
#include "tls13/crypto/hash.h"
#include "tls13/crypto/hkdf.h"

using namespace tpmtls;
using crypto_test::hex;

namespace {

// FIPS 180-4 example messages (NIST CSRC "Examples with Intermediate Values"): "abc" (24 bits)
// and the 448-bit two-block message.
const std::string abc = "abc";
const std::string msg448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

}  // namespace

TEST_CASE("SHA-256 and SHA-384 match the FIPS 180 examples") {
    CHECK(hash_size(HashAlgorithm::sha256) == 32);
    CHECK(hash_size(HashAlgorithm::sha384) == 48);
    CHECK(hash(HashAlgorithm::sha256, view(abc)) ==
          hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    CHECK(hash(HashAlgorithm::sha256, view(msg448)) ==
          hex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    CHECK(hash(HashAlgorithm::sha384, view(abc)) ==
          hex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
              "8086072ba1e7cc2358baeca134c825a7"));
    CHECK(hash(HashAlgorithm::sha384, view(msg448)) ==
          hex("3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6"
              "b0455a8520bc4e6f5fe95b1fe3c8452b"));
}

TEST_CASE("incremental hashing: pieces give the one-shot digest and digest() leaves the state alone") {
    for (auto alg : {HashAlgorithm::sha256, HashAlgorithm::sha384}) {
        CAPTURE(to_string(alg));
        Hash running(alg);
        CHECK(running.algorithm() == alg);
        CHECK(running.digest() == hash(alg, {}));  // nothing hashed yet

        // Feed the 448-bit message in uneven pieces, taking a digest in between (as a transcript
        // hash does at every Derive-Secret, RFC 8446 §4.4.1).
        const ByteView all = view(msg448);
        running.update(all.first(1));
        const Bytes after_one = running.digest();
        CHECK(after_one == hash(alg, all.first(1)));
        CHECK(running.digest() == after_one);  // asking twice changes nothing

        Hash fork = running;  // a copy continues independently
        running.update(all.subspan(1, 30));
        running.update({});
        running.update(all.subspan(31));
        CHECK(running.digest() == hash(alg, all));
        CHECK(fork.digest() == after_one);

        fork.update(all.subspan(1));
        CHECK(fork.digest() == hash(alg, all));

        Hash moved = std::move(fork);
        CHECK(moved.digest() == hash(alg, all));
        Hash assigned(HashAlgorithm::sha256);
        assigned = running;
        CHECK(assigned.algorithm() == alg);
        CHECK(assigned.digest() == hash(alg, all));
    }
}

namespace {

// RFC 4231 §4: HMAC-SHA-256 and HMAC-SHA-384 test cases (case 5 is a truncated output, not used).
struct HmacCase {
    int number;
    Bytes key;
    Bytes data;
    const char* sha256;
    const char* sha384;
};

std::vector<HmacCase> rfc4231_cases() {
    const std::string case2 = "what do ya want for nothing?";
    const std::string case6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    const std::string case7 =
        "This is a test using a larger than block-size key and a larger than block-size data. The key needs "
        "to be hashed before being used by the HMAC algorithm.";
    return {
        {1, Bytes(20, 0x0b), to_bytes(view(std::string("Hi There"))),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
         "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"},
        {2, to_bytes(view(std::string("Jefe"))), to_bytes(view(case2)),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
         "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
        {3, Bytes(20, 0xaa), Bytes(50, 0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
         "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27"},
        {4, hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), Bytes(50, 0xcd),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
         "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb"},
        {6, Bytes(131, 0xaa), to_bytes(view(case6)), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
         "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952"},
        {7, Bytes(131, 0xaa), to_bytes(view(case7)), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
         "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e"},
    };
}

Bytes bytes_of(const Secret& s) { return to_bytes(s.view()); }

}  // namespace

TEST_CASE("HMAC-SHA-256 and HMAC-SHA-384 match RFC 4231") {
    for (const auto& c : rfc4231_cases()) {
        CAPTURE(c.number);
        CHECK(bytes_of(hmac(HashAlgorithm::sha256, view(c.key), view(c.data))) == hex(c.sha256));
        CHECK(bytes_of(hmac(HashAlgorithm::sha384, view(c.key), view(c.data))) == hex(c.sha384));
    }
}

namespace {

// RFC 5869 Appendix A.1-A.3 (SHA-256).
struct HkdfCase {
    int number;
    Bytes ikm;
    Bytes salt;
    Bytes info;
    size_t length;
    const char* prk;
    const char* okm;
};

Bytes range(int from, int to) {
    Bytes out;
    for (int b = from; b < to; ++b) out.push_back(static_cast<uint8_t>(b));
    return out;
}

std::vector<HkdfCase> rfc5869_cases() {
    return {
        {1, Bytes(22, 0x0b), range(0x00, 0x0d), range(0xf0, 0xfa), 42,
         "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
         "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
        {2, range(0x00, 0x50), range(0x60, 0xb0), range(0xb0, 0x100), 82,
         "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
         "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f"
         "09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
        {3, Bytes(22, 0x0b), {}, {}, 42, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
         "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
    };
}

}  // namespace

TEST_CASE("HKDF-SHA-256 matches RFC 5869 test cases 1-3") {
    for (const auto& c : rfc5869_cases()) {
        CAPTURE(c.number);
        const Secret prk = hkdf_extract(HashAlgorithm::sha256, view(c.salt), view(c.ikm));
        CHECK(bytes_of(prk) == hex(c.prk));

        auto okm = hkdf_expand_bytes(HashAlgorithm::sha256, prk.view(), view(c.info), c.length);
        REQUIRE(okm);
        CHECK(*okm == hex(c.okm));

        // The Secret-returning variant gives the same bytes wherever the length fits a Secret.
        const size_t fits = std::min(c.length, Secret::max_size);
        auto okm_secret = hkdf_expand(HashAlgorithm::sha256, prk.view(), view(c.info), fits);
        REQUIRE(okm_secret);
        CHECK(bytes_of(*okm_secret) == Bytes(okm->begin(), okm->begin() + static_cast<std::ptrdiff_t>(fits)));
    }
}

TEST_CASE("HKDF-Extract with an empty salt uses HashLen zero bytes (RFC 5869 §2.2)") {
    const Bytes ikm(22, 0x0b);
    for (auto alg : {HashAlgorithm::sha256, HashAlgorithm::sha384}) {
        const Bytes zeros(hash_size(alg), 0);
        CHECK(bytes_of(hkdf_extract(alg, {}, view(ikm))) == bytes_of(hkdf_extract(alg, view(zeros), view(ikm))));
        CHECK(hkdf_extract(alg, {}, view(ikm)).size() == hash_size(alg));
    }
}

TEST_CASE("HKDF-Expand enforces its length limits") {
    for (auto alg : {HashAlgorithm::sha256, HashAlgorithm::sha384}) {
        CAPTURE(to_string(alg));
        const size_t hash_len = hash_size(alg);
        const Bytes prk(hash_len, 0x42);
        const Bytes info = to_bytes(view(std::string("info")));

        // RFC 5869 §2.3: L <= 255 * HashLen.
        auto longest = hkdf_expand_bytes(alg, view(prk), view(info), 255 * hash_len);
        REQUIRE(longest);
        CHECK(longest->size() == 255 * hash_len);
        auto too_long = hkdf_expand_bytes(alg, view(prk), view(info), 255 * hash_len + 1);
        REQUIRE_FALSE(too_long);
        CHECK(too_long.error().description == AlertDescription::internal_error);

        // A prefix of a longer output is the shorter output (T(1) || T(2) || ...).
        auto short_okm = hkdf_expand_bytes(alg, view(prk), view(info), 5);
        REQUIRE(short_okm);
        CHECK(*short_okm == Bytes(longest->begin(), longest->begin() + 5));

        // hkdf_expand returns a Secret, so at most Secret::max_size bytes.
        auto max_secret = hkdf_expand(alg, view(prk), view(info), Secret::max_size);
        REQUIRE(max_secret);
        CHECK(max_secret->size() == Secret::max_size);
        auto over_secret = hkdf_expand(alg, view(prk), view(info), Secret::max_size + 1);
        REQUIRE_FALSE(over_secret);
        CHECK(over_secret.error().description == AlertDescription::internal_error);

        // A PRK shorter than HashLen is not the output of HKDF-Extract (RFC 5869 §2.3).
        const Bytes short_prk(hash_len - 1, 0x42);
        CHECK_FALSE(hkdf_expand(alg, view(short_prk), view(info), 16));
        CHECK_FALSE(hkdf_expand_bytes(alg, view(short_prk), view(info), 16));
    }
}
