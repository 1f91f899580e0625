// SHA-256 and SHA-384 (mbedTLS), one-shot and incremental. The incremental Hash is copyable so
// a transcript can be hashed "so far" without disturbing the running state (RFC 8446 §4.4.1).
#pragma once

#include <cstddef>
#include <memory>

#include "tls13/bytes.h"

namespace tpmtls {

enum class HashAlgorithm : uint8_t { sha256, sha384 };

size_t hash_size(HashAlgorithm alg);  // 32 or 48
std::string to_string(HashAlgorithm alg);

Bytes hash(HashAlgorithm alg, ByteView data);

class Hash {
public:
    explicit Hash(HashAlgorithm alg);
    ~Hash();
    Hash(const Hash& other);
    Hash& operator=(const Hash& other);
    Hash(Hash&&) noexcept;
    Hash& operator=(Hash&&) noexcept;

    HashAlgorithm algorithm() const { return alg_; }
    void update(ByteView data);
    // The digest of everything so far; the running state is left as it was.
    Bytes digest() const;

private:
    struct State;
    HashAlgorithm alg_;
    std::unique_ptr<State> state_;
};

}  // namespace tpmtls
