#include <doctest/doctest.h>

#include "tls13/bytes.h"
#include "tls13/secret.h"

using namespace tpmtls;

namespace {
Result<uint32_t> sum_u8_vector(Reader& r) {
    Reader v = TRY(r.vec8(1, 4));
    uint32_t sum = 0;
    while (!v.empty()) sum += TRY(v.u8());
    TRY(r.expect_end());
    return sum;
}
}  // namespace

TEST_CASE("Reader reads integers big-endian and stops at the end") {
    const Bytes data = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};
    Reader r(view(data));
    CHECK(*r.u8() == 0x01);
    CHECK(*r.u16() == 0x0203);
    CHECK(*r.u24() == 0x040506);
    CHECK(*r.u32() == 0x0708090a);
    CHECK(r.empty());
    auto more = r.u8();
    REQUIRE_FALSE(more);
    CHECK(more.error().description == AlertDescription::decode_error);
}

TEST_CASE("Reader vectors check their length bounds") {
    Bytes ok_bytes = {0x02, 0x05, 0x06};
    Reader r(view(ok_bytes));
    auto s = sum_u8_vector(r);
    REQUIRE(s);
    CHECK(*s == 11);

    const Bytes table[] = {
        {},                  // no length
        {0x00},              // below minimum 1
        {0x05, 1, 2, 3, 4, 5},  // above maximum 4
        {0x03, 1, 2},        // body truncated
        {0x01, 1, 0xff},     // trailing byte
    };
    for (const auto& input : table) {
        Reader bad(view(input));
        auto res = sum_u8_vector(bad);
        REQUIRE_FALSE(res);
        CHECK(res.error().description == AlertDescription::decode_error);
    }
}

TEST_CASE("Writer nests vectors and back-patches lengths") {
    Bytes out;
    Writer w(out);
    w.u16(0x0304);
    w.vec16([&] {
        w.u8(0xaa);
        w.vec8([&] { w.u24(0x010203); });
    });
    CHECK(w.status());
    CHECK(to_hex(view(out)) == "03040005aa03010203");
}

TEST_CASE("Writer reports a body larger than its length prefix") {
    Bytes out;
    Writer w(out);
    Bytes big(300, 0x11);
    w.vec8(view(big));
    auto st = w.status();
    REQUIRE_FALSE(st);
    CHECK(st.error().description == AlertDescription::internal_error);
}

TEST_CASE("hex round trip and rejection") {
    auto b = from_hex("00ff10Ab");
    REQUIRE(b);
    CHECK(to_hex(view(*b)) == "00ff10ab");
    CHECK_FALSE(from_hex("abc"));
    CHECK_FALSE(from_hex("zz"));
}

TEST_CASE("Secret moves, wipes and compares in constant time") {
    const Bytes raw = {1, 2, 3, 4};
    Secret a(view(raw));
    Secret b = std::move(a);
    CHECK(a.empty());  // NOLINT(bugprone-use-after-move): moved-from secrets are wiped by design
    CHECK(b.size() == 4);
    CHECK(constant_time_equal(b.view(), view(raw)));
    Bytes other = raw;
    other[3] = 5;
    CHECK_FALSE(constant_time_equal(b.view(), view(other)));
    CHECK_FALSE(constant_time_equal(b.view(), ByteView(raw.data(), 3)));
    TrafficSecret t(b.view());
    Key k(t.view());
    CHECK(k.size() == 4);
}
