// Time is injected (STYLE.md §1): certificate validity and ticket ages are judged against a
// Clock the caller supplies, so tests can stand at any date.
#pragma once

#include <cstdint>
#include <string>

namespace tpmtls {

class Clock {
public:
    virtual ~Clock() = default;
    // Seconds since the Unix epoch (UTC), for certificate validity.
    virtual int64_t unix_seconds() const = 0;
    // A monotonic millisecond counter, for ticket ages and timeouts.
    virtual uint64_t monotonic_ms() const = 0;
};

class SystemClock final : public Clock {
public:
    int64_t unix_seconds() const override;
    uint64_t monotonic_ms() const override;
};

// A clock that stands still at a chosen time (tests, replays).
class FixedClock final : public Clock {
public:
    explicit FixedClock(int64_t unix_seconds, uint64_t monotonic_ms = 0)
        : unix_(unix_seconds), mono_(monotonic_ms) {}
    int64_t unix_seconds() const override { return unix_; }
    uint64_t monotonic_ms() const override { return mono_; }
    void set(int64_t unix_seconds) { unix_ = unix_seconds; }
    void advance_ms(uint64_t ms) {
        mono_ += ms;
        unix_ += static_cast<int64_t>(ms / 1000);
    }

private:
    int64_t unix_;
    uint64_t mono_;
};

SystemClock& system_clock();

// Days since 1970-01-01 of a proleptic Gregorian civil date (for X.509 times).
int64_t days_from_civil(int year, unsigned month, unsigned day);
// "YYYYMMDDhhmmss" in UTC, as mbedTLS's certificate writer wants it.
std::string format_utc_compact(int64_t unix_seconds);

}  // namespace tpmtls
