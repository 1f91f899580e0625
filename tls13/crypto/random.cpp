#include "tls13/crypto/random.h"

#include <sodium.h>

#include "tls13/crypto/sodium_init.h"

namespace tpmtls {

void SystemRandom::fill(std::span<uint8_t> out) {
    if (out.empty()) return;  // randombytes_buf's buffer is declared nonnull; an empty span may be null
    ensure_sodium_initialized();
    randombytes_buf(out.data(), out.size());
}

Random& system_random() {
    static SystemRandom instance;
    return instance;
}

}  // namespace tpmtls
