// Small helpers shared by the tests/test_crypto_*.cpp programs: hex literals, and single values
// from the RFC 8448 traces in tests/data/rfc8448.json.
//
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "support/paths.h"
#include "support/rfc8448.h"
#include "tls13/bytes.h"

namespace crypto_test {

// A hex literal from a published vector; a typo fails the test instead of passing silently.
inline tpmtls::Bytes hex(std::string_view text) {
    auto bytes = tpmtls::from_hex(text);
    REQUIRE_MESSAGE(bytes.ok(), "bad hex literal: ", std::string(text));
    return *bytes;
}

// The value `field` of the step labelled `step` (exactly), taken by `side`, in `section` (a trace
// name such as "simple_1rtt"). Fails the test if the value is missing.
inline tpmtls::Bytes rfc8448_value(std::string_view section, std::string_view side, std::string_view step,
                                   std::string_view field) {
    for (const auto& s : tpmtls::test::rfc8448(std::string(section)).steps)
        if (s.side == side && s.label == step && s.has(std::string(field))) return s.at(std::string(field));
    FAIL("RFC 8448 value not found: ", std::string(section), " / ", std::string(side), " / ", std::string(step),
         " / ", std::string(field));
    return {};
}

// A field of the RFC 8448 §2 server RSA key ("prime1", "modulus (public)", ...).
inline tpmtls::Bytes rfc8448_object_field(std::string_view object, std::string_view field) {
    REQUIRE(object == "server_rsa");
    return tpmtls::test::rfc8448_server_rsa_key().at(std::string(field));
}

inline tpmtls::Bytes concat(std::initializer_list<tpmtls::ByteView> parts) {
    tpmtls::Bytes out;
    for (auto part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

}  // namespace crypto_test
