// Randomness is injected (STYLE.md §1): the core asks a Random for bytes, so tests can replay
// RFC 8448 with fixed values and production uses libsodium's CSPRNG.
#pragma once

#include <cstdint>
#include <span>

namespace tpmtls {

class Random {
public:
    virtual ~Random() = default;
    virtual void fill(std::span<uint8_t> out) = 0;
};

// libsodium randombytes_buf (getrandom(2) underneath).
class SystemRandom final : public Random {
public:
    void fill(std::span<uint8_t> out) override;
};

// One process-wide SystemRandom.
Random& system_random();

}  // namespace tpmtls
