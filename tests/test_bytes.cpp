#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <new>

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

// STYLE.md §11: the bytes are zeroed, not only forgotten (size 0). Each check looks at the
// storage itself through a span taken before the wipe, a move or the destructor.
TEST_CASE("Secret zeroes its bytes on wipe(), when moved from and when destroyed") {
    const Bytes raw = {0xa5, 0x5a, 0xff, 0x01};
    auto all_zero = [](std::span<const uint8_t> s) {
        return std::all_of(s.begin(), s.end(), [](uint8_t b) { return b == 0; });
    };

    Bytes buffer = raw;
    secure_wipe(buffer.data(), buffer.size());
    CHECK(all_zero(view(buffer)));

    Secret wiped;
    std::span<uint8_t> wiped_storage = wiped.resize_for_write(raw.size());
    std::copy(raw.begin(), raw.end(), wiped_storage.begin());
    REQUIRE(constant_time_equal(wiped.view(), view(raw)));
    wiped.wipe();
    CHECK(wiped.empty());
    CHECK(all_zero(wiped_storage));

    Secret moved_from;
    std::span<uint8_t> moved_storage = moved_from.resize_for_write(raw.size());
    std::copy(raw.begin(), raw.end(), moved_storage.begin());
    Secret moved_to = std::move(moved_from);
    CHECK(constant_time_equal(moved_to.view(), view(raw)));
    CHECK(all_zero(moved_storage));

    alignas(Secret) std::array<uint8_t, sizeof(Secret)> storage{};
    Secret* destroyed = new (storage.data()) Secret(view(raw));
    REQUIRE(std::search(storage.begin(), storage.end(), raw.begin(), raw.end()) != storage.end());
    destroyed->~Secret();
    CHECK(std::search(storage.begin(), storage.end(), raw.begin(), raw.end()) == storage.end());
}
