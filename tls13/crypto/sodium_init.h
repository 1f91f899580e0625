#pragma once

namespace tpmtls {
// sodium_init() once per process (thread-safe, idempotent); aborts if libsodium cannot start,
// since no randomness or constant-time primitive can be trusted then.
void ensure_sodium_initialized();
}  // namespace tpmtls
