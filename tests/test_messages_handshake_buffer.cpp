// HandshakeBuffer: messages spanning records, records carrying several messages (RFC 8446
// §5.1), the size limit, and empty() for the key-change check.
#include <doctest/doctest.h>

#include "tls13/messages/handshake_buffer.h"

using namespace tpmtls;

namespace {

Bytes hex(std::string_view s) { return from_hex(s).value(); }

// Drains every complete message, copying each (the views die at the next call).
std::vector<Bytes> drain(HandshakeBuffer& buffer) {
    std::vector<Bytes> out;
    while (true) {
        auto next = buffer.next();
        REQUIRE_MESSAGE(next, (next ? "" : next.error().to_string()));
        if (!next->has_value()) return out;
        out.push_back(to_bytes((*next)->whole));
    }
}

}  // namespace

TEST_CASE("messages fed one byte at a time come out whole, in order") {
    const Bytes stream = hex("05000000" "18000001" "01" "14000003" "aabbcc");
    HandshakeBuffer buffer;
    std::vector<Bytes> got;
    for (uint8_t b : stream) {
        buffer.append(ByteView(&b, 1));
        for (auto& m : drain(buffer)) got.push_back(std::move(m));
    }
    REQUIRE(got.size() == 3);
    CHECK(to_hex(view(got[0])) == "05000000");
    CHECK(to_hex(view(got[1])) == "1800000101");
    CHECK(to_hex(view(got[2])) == "14000003aabbcc");
    CHECK(buffer.empty());
}

TEST_CASE("a message's type, body and whole") {
    HandshakeBuffer buffer;
    buffer.append(view(hex("18000001010d")));
    auto next = buffer.next();
    REQUIRE(next);
    REQUIRE(next->has_value());
    const HandshakeMessage& m = **next;
    CHECK(m.type == HandshakeType::key_update);
    CHECK(to_hex(m.body) == "01");
    CHECK(to_hex(m.whole) == "1800000101");
    // One byte of the next message is buffered: a key change now would be unexpected_message.
    CHECK_FALSE(buffer.empty());
    CHECK(buffer.buffered() == 1);
    auto none = buffer.next();
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
}

TEST_CASE("a header announcing more than the limit is refused before its body arrives") {
    HandshakeBuffer buffer(16);
    buffer.append(view(hex("0b000011")));  // 17 > 16, nothing of the body sent yet
    auto next = buffer.next();
    REQUIRE_FALSE(next);
    CHECK(next.error().description == AlertDescription::illegal_parameter);

    HandshakeBuffer at_limit(16);
    at_limit.append(view(hex("0b000010")));
    at_limit.append(view(Bytes(16, 0)));
    CHECK(drain(at_limit).size() == 1);

    HandshakeBuffer standard;
    CHECK(HandshakeBuffer::default_max_message_size == 65536);
    standard.append(view(hex("0b010001")));  // 65537
    CHECK(standard.next().error().description == AlertDescription::illegal_parameter);
}

TEST_CASE("an empty buffer and a partial header") {
    HandshakeBuffer buffer;
    CHECK(buffer.empty());
    CHECK(drain(buffer).empty());
    buffer.append(view(hex("0100")));
    CHECK(drain(buffer).empty());
    CHECK_FALSE(buffer.empty());
    buffer.append(view(hex("0000")));
    CHECK(drain(buffer).size() == 1);
    CHECK(buffer.empty());
}

TEST_CASE("messages taken from one record stay readable until the next append") {
    HandshakeBuffer buffer;
    buffer.append(view(hex("1800000100" "1800000101")));
    auto first = buffer.next();
    auto second = buffer.next();
    REQUIRE(first);
    REQUIRE(second);
    REQUIRE(first->has_value());
    REQUIRE(second->has_value());
    CHECK(to_hex((*first)->body) == "00");
    CHECK(to_hex((*second)->body) == "01");
    CHECK(buffer.empty());
}
