// Result<T>: a value or the Alert that explains why there is none.
// TRY(expr) evaluates a Result, returns its Alert from the enclosing function on failure and
// otherwise yields the value (STYLE.md §8). std::expected is C++23; this is the small subset we use.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "tls13/alert.h"

namespace tpmtls {

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Alert alert) : v_(std::in_place_index<1>, std::move(alert)) {}  // NOLINT

    explicit operator bool() const { return v_.index() == 0; }
    bool ok() const { return v_.index() == 0; }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T value() && { return std::move(std::get<0>(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Alert& error() const& { return std::get<1>(v_); }
    Alert error() && { return std::move(std::get<1>(v_)); }

private:
    std::variant<T, Alert> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Alert alert) : alert_(std::move(alert)) {}  // NOLINT: implicit by design

    explicit operator bool() const { return !alert_.has_value(); }
    bool ok() const { return !alert_.has_value(); }
    void value() const {}
    const Alert& error() const& { return *alert_; }
    Alert error() && { return std::move(*alert_); }

private:
    std::optional<Alert> alert_;
};

using Status = Result<void>;

inline Status ok() { return {}; }

// `return fail(AlertDescription::decode_error, "why")` from any function returning Result<T>.
inline Alert fail(AlertDescription description, std::string_view reason) {
    return make_alert(description, reason);
}

}  // namespace tpmtls

// GNU statement expression; __extension__ keeps -Wpedantic quiet (GCC and Clang both support it).
#define TRY(expr)                                                  \
    __extension__({                                                \
        auto&& tpmtls_try_result_ = (expr);                        \
        if (!tpmtls_try_result_) return std::move(tpmtls_try_result_).error(); \
        std::move(tpmtls_try_result_).value();                     \
    })
