#include "tls13/crypto/hash.h"

#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include <cstdlib>

namespace tpmtls {

// mbedTLS's SHA-384 is SHA-512 with is384 = 1.
struct Hash::State {
    mbedtls_sha256_context sha256;
    mbedtls_sha512_context sha512;
    State() {
        mbedtls_sha256_init(&sha256);
        mbedtls_sha512_init(&sha512);
    }
    ~State() {
        mbedtls_sha256_free(&sha256);
        mbedtls_sha512_free(&sha512);
    }
};

size_t hash_size(HashAlgorithm alg) { return alg == HashAlgorithm::sha384 ? 48 : 32; }

std::string to_string(HashAlgorithm alg) { return alg == HashAlgorithm::sha384 ? "SHA-384" : "SHA-256"; }

Bytes hash(HashAlgorithm alg, ByteView data) {
    Hash h(alg);
    h.update(data);
    return h.digest();
}

Hash::Hash(HashAlgorithm alg) : alg_(alg), state_(std::make_unique<State>()) {
    // The *_ret functions only fail on hardware-accelerator errors, which this build has none of.
    if (alg_ == HashAlgorithm::sha256) {
        if (mbedtls_sha256_starts_ret(&state_->sha256, 0) != 0) std::abort();
    } else {
        if (mbedtls_sha512_starts_ret(&state_->sha512, 1) != 0) std::abort();
    }
}

Hash::~Hash() = default;

Hash::Hash(const Hash& other) : alg_(other.alg_), state_(std::make_unique<State>()) {
    mbedtls_sha256_clone(&state_->sha256, &other.state_->sha256);
    mbedtls_sha512_clone(&state_->sha512, &other.state_->sha512);
}

Hash& Hash::operator=(const Hash& other) {
    if (this != &other) {
        alg_ = other.alg_;
        mbedtls_sha256_clone(&state_->sha256, &other.state_->sha256);
        mbedtls_sha512_clone(&state_->sha512, &other.state_->sha512);
    }
    return *this;
}

Hash::Hash(Hash&&) noexcept = default;
Hash& Hash::operator=(Hash&&) noexcept = default;

void Hash::update(ByteView data) {
    if (data.empty()) return;
    const int rc = alg_ == HashAlgorithm::sha256
                       ? mbedtls_sha256_update_ret(&state_->sha256, data.data(), data.size())
                       : mbedtls_sha512_update_ret(&state_->sha512, data.data(), data.size());
    if (rc != 0) std::abort();
}

Bytes Hash::digest() const {
    Hash copy(*this);
    Bytes out(alg_ == HashAlgorithm::sha256 ? 32 : 64);
    const int rc = alg_ == HashAlgorithm::sha256 ? mbedtls_sha256_finish_ret(&copy.state_->sha256, out.data())
                                                 : mbedtls_sha512_finish_ret(&copy.state_->sha512, out.data());
    if (rc != 0) std::abort();
    out.resize(hash_size(alg_));
    return out;
}

}  // namespace tpmtls
