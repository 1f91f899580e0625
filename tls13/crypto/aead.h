// AEAD for the three TLS 1.3 suites we offer (RFC 8446 §5.2, §B.4). All have 12-byte nonces and
// 16-byte tags. Operations work in place on caller buffers: no allocation per record.
//   AES-128-GCM        mbedTLS
//   AES-256-GCM        libsodium where crypto_aead_aes256gcm_is_available() (AES-NI), else mbedTLS
//   ChaCha20-Poly1305  libsodium (IETF variant, RFC 8439)
#pragma once

#include <memory>
#include <string>

#include "tls13/bytes.h"
#include "tls13/secret.h"

namespace tpmtls {

enum class AeadAlgorithm : uint8_t { aes_128_gcm, aes_256_gcm, chacha20_poly1305 };

inline constexpr size_t aead_nonce_size = 12;
inline constexpr size_t aead_tag_size = 16;
size_t aead_key_size(AeadAlgorithm alg);  // 16 or 32
std::string to_string(AeadAlgorithm alg);

class Aead {
public:
    virtual ~Aead() = default;
    virtual AeadAlgorithm algorithm() const = 0;
    // Which library does the work ("mbedTLS", "libsodium"), for traces and the benchmark.
    virtual const char* implementation() const = 0;

    // Encrypts `data` in place and writes the tag. nonce must be 12 bytes, tag 16.
    virtual Status seal(ByteView nonce, ByteView aad, std::span<uint8_t> data, std::span<uint8_t> tag) = 0;
    // Decrypts `data` in place after checking the tag; a wrong tag is bad_record_mac and
    // leaves `data` zeroed (never half-decrypted plaintext).
    virtual Status open(ByteView nonce, ByteView aad, std::span<uint8_t> data, ByteView tag) = 0;
};

// key must be aead_key_size(alg) bytes.
Result<std::unique_ptr<Aead>> make_aead(AeadAlgorithm alg, const Key& key);

// Force the portable mbedTLS implementation of AES-256-GCM (tests compare both paths).
Result<std::unique_ptr<Aead>> make_aead_mbedtls(AeadAlgorithm alg, const Key& key);

}  // namespace tpmtls
