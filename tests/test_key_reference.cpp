// tpm/key_reference.h: the one parser for handles and key references, as a table of what users
// type (tpm2-tools: 0x81000010; tpm2-openssl: handle:0x81000010) and what comes back.
#include <doctest/doctest.h>

#include "tpm/key_reference.h"

using namespace tpmtls;
using namespace tpmtls::tpm;

namespace {

struct HandleRow {
    std::string text;
    HandleUse use;
    uint32_t handle;       // 0: refused
    std::string message;   // in the refusal
};

}  // namespace

TEST_CASE("parse_persistent_handle: the spellings users type, and what to write instead") {
    const std::vector<HandleRow> table = {
        {"0x81000010", HandleUse::create, 0x81000010, ""},
        {"handle:0x81000010", HandleUse::create, 0x81000010, ""},
        {"0X817FFFFF", HandleUse::create, 0x817fffff, ""},
        {"0x81800000", HandleUse::existing, 0x81800000, ""},
        {"0x81800000", HandleUse::create, 0, "not an owner persistent handle (0x81000000-0x817FFFFF"},
        {"0x81FFFFFF", HandleUse::create, 0, "0x81800000-0x81FFFFFF belong to the platform"},
        {"81000040", HandleUse::create, 0, "write 0x81000040"},
        {"handle:81000040", HandleUse::existing, 0, "write 0x81000040"},
        {"0x80000001", HandleUse::existing, 0, "not a persistent handle (0x81000000-0x81FFFFFF)"},
        {"0x1234", HandleUse::create, 0, "not a persistent handle (0x81000000-0x817FFFFF)"},
        {"0x", HandleUse::existing, 0, "bad handle '0x'"},
        {"0x810000100", HandleUse::existing, 0, "bad handle"},
        {"0x8100001g", HandleUse::existing, 0, "bad handle"},
        {"", HandleUse::existing, 0, "bad handle"},
    };
    for (const HandleRow& row : table) {
        CAPTURE(row.text);
        const auto handle = parse_persistent_handle(row.text, row.use);
        if (row.handle != 0) {
            REQUIRE(handle);
            CHECK(*handle == row.handle);
        } else {
            REQUIRE_FALSE(handle);
            CHECK_MESSAGE(handle.error().reason.find(row.message) != std::string::npos, handle.error().reason);
        }
    }
    CHECK(parse_tpm_handle("0x40000001").value() == 0x40000001u);
    CHECK_FALSE(parse_tpm_handle("40000001"));
}

TEST_CASE("parse_key_reference: handle:0x..., a bare 0x81... or a path; a hint for a handle without 0x") {
    const KeyReference prefixed = parse_key_reference("handle:0x81000010").value();
    CHECK(prefixed.kind == KeyReference::Kind::handle);
    CHECK(prefixed.handle == 0x81000010u);
    CHECK(prefixed.to_string() == "handle:0x81000010");
    const KeyReference bare = parse_key_reference("0x81000010").value();
    CHECK(bare.kind == KeyReference::Kind::handle);
    CHECK(bare.handle == 0x81000010u);
    const KeyReference file = parse_key_reference("keys/device.tss2").value();
    CHECK(file.kind == KeyReference::Kind::file);
    CHECK(file.path == "keys/device.tss2");
    CHECK(parse_key_reference("81000010").value().kind == KeyReference::Kind::file);
    const auto bad = parse_key_reference("handle:81000010");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().reason.find("write 0x81000010") != std::string::npos);
    CHECK(bad.error().reason.find("handle:handle:") == std::string::npos);
    CHECK_FALSE(parse_key_reference(""));

    CHECK(handle_spelling_hint("81000010") == "to name a persistent handle, write 0x81000010 or handle:0x81000010");
    CHECK(handle_spelling_hint("handle:81000010").find("write 0x81000010") != std::string::npos);
    CHECK(handle_spelling_hint("device.tss2").empty());
    CHECK(handle_spelling_hint("40000001").empty());
}
