// Small helpers shared by the tests/test_crypto_*.cpp programs: hex literals, and single values
// from the RFC 8448 traces in tests/data/rfc8448.json.
//
// rfc8448_value is a stopgap text search over that file's fixed layout (described in the README
// beside /work/shared/vectors/rfc8448.json), not a JSON parser; switch to the shared loader
// (tests/support/rfc8448.h) once it exists.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "support/paths.h"
#include "tls13/bytes.h"

namespace crypto_test {

// A hex literal from a published vector; a typo fails the test instead of passing silently.
inline tpmtls::Bytes hex(std::string_view text) {
    auto bytes = tpmtls::from_hex(text);
    REQUIRE_MESSAGE(bytes.ok(), "bad hex literal: ", std::string(text));
    return *bytes;
}

inline const std::string& rfc8448_text() {
    static const std::string text = [] {
        std::ifstream in(tpmtls::test::data_path("rfc8448.json"));
        std::stringstream contents;
        contents << in.rdbuf();
        return contents.str();
    }();
    return text;
}

// The value `field` of the step named `step`, taken by `side`, in `section` (a top-level key such
// as "simple_1rtt"). Step names are the RFC's labels, e.g. `extract secret "handshake"`.
// Fails the test if the value is missing.
inline tpmtls::Bytes rfc8448_value(std::string_view section, std::string_view side, std::string_view step,
                                   std::string_view field) {
    const std::string& text = rfc8448_text();
    std::string escaped_step;
    for (char c : step) {
        if (c == '"') escaped_step += '\\';
        escaped_step += c;
    }
    const std::string section_key = "\"" + std::string(section) + "\": {";
    const std::string step_entry = "\"step\": \"" + escaped_step + "\"";
    const std::string side_entry = "\"side\": \"" + std::string(side) + "\"";
    const std::string field_key = "\"" + std::string(field) + "\": \"";

    const size_t begin = text.find(section_key);
    REQUIRE_MESSAGE(begin != std::string::npos, "RFC 8448 section not found: ", std::string(section));
    const size_t end = text.find("\n \"", begin + 1);  // the next top-level key (one-space indent)
    for (size_t at = text.find(step_entry, begin); at < end; at = text.find(step_entry, at + 1)) {
        // Each step is one flat object; values are hex, so braces only delimit objects.
        const size_t open = text.rfind('{', at);
        const std::string object = text.substr(open, text.find('}', at) - open);
        if (object.find(side_entry) == std::string::npos) continue;
        const size_t key = object.find(field_key);
        if (key == std::string::npos) break;
        const size_t from = key + field_key.size();
        return hex(std::string_view(object).substr(from, object.find('"', from) - from));
    }
    FAIL("RFC 8448 value not found: ", std::string(section), " / ", std::string(side), " / ", std::string(step),
         " / ", std::string(field));
    return {};
}

// A field of a named flat object, e.g. ("server_rsa", "prime1") in "private_keys" (RFC 8448 §2).
inline tpmtls::Bytes rfc8448_object_field(std::string_view object, std::string_view field) {
    const std::string& text = rfc8448_text();
    const std::string object_key = "\"" + std::string(object) + "\": {";
    const std::string field_key = "\"" + std::string(field) + "\": \"";
    const size_t begin = text.find(object_key);
    REQUIRE_MESSAGE(begin != std::string::npos, "RFC 8448 object not found: ", std::string(object));
    const size_t key = text.find(field_key, begin);
    REQUIRE_MESSAGE(key < text.find('}', begin), "RFC 8448 field not found: ", std::string(field));
    const size_t from = key + field_key.size();
    return hex(std::string_view(text).substr(from, text.find('"', from) - from));
}

inline tpmtls::Bytes concat(std::initializer_list<tpmtls::ByteView> parts) {
    tpmtls::Bytes out;
    for (auto part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

}  // namespace crypto_test
