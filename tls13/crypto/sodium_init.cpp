#include "tls13/crypto/sodium_init.h"

#include <sodium.h>

#include <cstdlib>

namespace tpmtls {

void ensure_sodium_initialized() {
    static const bool initialized = [] { return sodium_init() >= 0; }();
    if (!initialized) std::abort();
}

}  // namespace tpmtls
