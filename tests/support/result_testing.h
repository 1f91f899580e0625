// Small doctest helpers for Result<T> and hex comparisons (header-only).
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <utility>

#include "tls13/bytes.h"
#include "tls13/result.h"
#include "tls13/secret.h"

namespace tpmtls::test {

// The value of a Result that must succeed; fails the test with the alert otherwise.
template <class T>
T must(Result<T> r) {
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().to_string()));
    return std::move(r).value();
}
inline void must(Status s) { REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().to_string())); }

// The alert of a Result that must fail.
template <class T>
AlertDescription alert_of(const Result<T>& r) {
    REQUIRE_MESSAGE(!r.ok(), "expected an alert, got success");
    return r.error().description;
}

inline std::string hex(ByteView v) { return to_hex(v); }
inline std::string hex(const Secret& s) { return to_hex(s.view()); }

inline Bytes unhex(std::string_view hex_text) {
    auto b = from_hex(hex_text);
    REQUIRE_MESSAGE(b.ok(), "bad hex in a test vector");
    return std::move(b).value();
}

}  // namespace tpmtls::test
