#include "tls13/secret.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace tpmtls {

void secure_wipe(void* data, size_t size) {
    if (size != 0) sodium_memzero(data, size);
}

bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Secret::Secret(std::span<const uint8_t> bytes) {
    auto dst = resize_for_write(bytes.size());
    if (!bytes.empty()) std::memcpy(dst.data(), bytes.data(), bytes.size());
}

Secret::Secret(Secret&& other) noexcept : size_(other.size_) {
    std::memcpy(bytes_.data(), other.bytes_.data(), size_);
    other.wipe();
}

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        wipe();
        size_ = other.size_;
        std::memcpy(bytes_.data(), other.bytes_.data(), size_);
        other.wipe();
    }
    return *this;
}

std::span<uint8_t> Secret::resize_for_write(size_t n) {
    // A larger secret would be a programming error in the caller (all TLS 1.3 secrets fit).
    if (n > max_size) std::abort();
    wipe();
    size_ = n;
    return {bytes_.data(), n};
}

void Secret::wipe() {
    secure_wipe(bytes_.data(), bytes_.size());
    size_ = 0;
}

}  // namespace tpmtls
