// Secrets have types (STYLE.md §11): move-only buffers wiped with sodium_memzero when they die,
// no operator== (compare with constant_time_equal), and distinct types for a traffic secret,
// a key and an IV so they cannot be passed in each other's place.
//
// Storage is inline (no heap): a secret never leaves copies behind in freed memory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tpmtls {

// Wipes memory the compiler may not optimise away (sodium_memzero).
void secure_wipe(void* data, size_t size);
// Constant-time equality for MACs, Finished and binders (sodium_memcmp). Different lengths
// compare unequal (the lengths themselves are public).
bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

class Secret {
public:
    static constexpr size_t max_size = 64;  // SHA-512 output; SHA-384 (48) is the largest we use

    Secret() = default;
    explicit Secret(std::span<const uint8_t> bytes);
    ~Secret() { wipe(); }

    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    Secret(Secret&& other) noexcept;
    Secret& operator=(Secret&& other) noexcept;

    // An explicit copy, for the rare places (tests, a key schedule that keeps a value and hands
    // one on) where two live copies are intended.
    Secret clone() const { return Secret(view()); }

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::span<const uint8_t> view() const { return {bytes_.data(), size_}; }
    // Writable storage of n bytes (n <= max_size) for a primitive to fill.
    std::span<uint8_t> resize_for_write(size_t n);

    void wipe();

private:
    std::array<uint8_t, max_size> bytes_{};
    size_t size_ = 0;
};

// A Secret with a role. Tag types keep the roles apart at compile time.
template <class Tag>
class TypedSecret : public Secret {
public:
    TypedSecret() = default;
    explicit TypedSecret(Secret s) : Secret(std::move(s)) {}
    explicit TypedSecret(std::span<const uint8_t> bytes) : Secret(bytes) {}
    TypedSecret clone() const { return TypedSecret(view()); }
};

struct TrafficSecretTag {};
struct KeyTag {};
struct IvTag {};
using TrafficSecret = TypedSecret<TrafficSecretTag>;  // RFC 8446 §7.1 *_traffic_secret
using Key = TypedSecret<KeyTag>;                      // RFC 8446 §7.3 write key
using Iv = TypedSecret<IvTag>;                        // RFC 8446 §7.3 write IV

}  // namespace tpmtls
