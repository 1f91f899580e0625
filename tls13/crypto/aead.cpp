#include "tls13/crypto/aead.h"

#include <mbedtls/gcm.h>
#include <sodium.h>

#include "tls13/crypto/sodium_init.h"

namespace tpmtls {

size_t aead_key_size(AeadAlgorithm alg) { return alg == AeadAlgorithm::aes_128_gcm ? 16 : 32; }

std::string to_string(AeadAlgorithm alg) {
    switch (alg) {
        case AeadAlgorithm::aes_128_gcm: return "AES-128-GCM";
        case AeadAlgorithm::aes_256_gcm: return "AES-256-GCM";
        case AeadAlgorithm::chacha20_poly1305: return "ChaCha20-Poly1305";
        default: return "unknown AEAD";
    }
}

namespace {

Status check_sizes(ByteView nonce, size_t tag_size) {
    if (nonce.size() != aead_nonce_size || tag_size != aead_tag_size)
        return fail(AlertDescription::internal_error, "AEAD nonce or tag of the wrong size");
    return ok();
}

// libsodium declares the message pointers nonnull even for an empty message (legal AEAD input:
// GCM test cases 1 and 13), while an empty span may hold a null pointer. Point at a dummy byte
// then; with length 0 it is never read or written.
uint8_t* message_pointer(std::span<uint8_t> data, uint8_t& dummy) { return data.empty() ? &dummy : data.data(); }

Alert bad_mac() { return make_alert(AlertDescription::bad_record_mac, "AEAD authentication failed"); }

class MbedGcm final : public Aead {
public:
    explicit MbedGcm(AeadAlgorithm alg) : alg_(alg) { mbedtls_gcm_init(&ctx_); }
    ~MbedGcm() override { mbedtls_gcm_free(&ctx_); }
    MbedGcm(const MbedGcm&) = delete;
    MbedGcm& operator=(const MbedGcm&) = delete;

    Status set_key(const Key& key) {
        if (mbedtls_gcm_setkey(&ctx_, MBEDTLS_CIPHER_ID_AES, key.view().data(),
                               static_cast<unsigned>(key.size() * 8)) != 0)
            return fail(AlertDescription::internal_error, "AES-GCM key setup failed");
        return ok();
    }

    AeadAlgorithm algorithm() const override { return alg_; }
    const char* implementation() const override { return "mbedTLS"; }

    Status seal(ByteView nonce, ByteView aad, std::span<uint8_t> data, std::span<uint8_t> tag) override {
        TRY(check_sizes(nonce, tag.size()));
        if (mbedtls_gcm_crypt_and_tag(&ctx_, MBEDTLS_GCM_ENCRYPT, data.size(), nonce.data(), nonce.size(),
                                      aad.data(), aad.size(), data.data(), data.data(), tag.size(),
                                      tag.data()) != 0)
            return fail(AlertDescription::internal_error, "AES-GCM encryption failed");
        return ok();
    }

    Status open(ByteView nonce, ByteView aad, std::span<uint8_t> data, ByteView tag) override {
        TRY(check_sizes(nonce, tag.size()));
        // mbedtls_gcm_auth_decrypt compares the tag in constant time and zeroes the output on failure.
        if (mbedtls_gcm_auth_decrypt(&ctx_, data.size(), nonce.data(), nonce.size(), aad.data(), aad.size(),
                                     tag.data(), tag.size(), data.data(), data.data()) != 0) {
            secure_wipe(data.data(), data.size());
            return bad_mac();
        }
        return ok();
    }

private:
    AeadAlgorithm alg_;
    mbedtls_gcm_context ctx_;
};

class SodiumAes256Gcm final : public Aead {
public:
    explicit SodiumAes256Gcm(const Key& key) {
        crypto_aead_aes256gcm_beforenm(&state_, key.view().data());
    }
    ~SodiumAes256Gcm() override { secure_wipe(&state_, sizeof state_); }
    SodiumAes256Gcm(const SodiumAes256Gcm&) = delete;
    SodiumAes256Gcm& operator=(const SodiumAes256Gcm&) = delete;

    AeadAlgorithm algorithm() const override { return AeadAlgorithm::aes_256_gcm; }
    const char* implementation() const override { return "libsodium"; }

    Status seal(ByteView nonce, ByteView aad, std::span<uint8_t> data, std::span<uint8_t> tag) override {
        TRY(check_sizes(nonce, tag.size()));
        uint8_t dummy = 0;
        uint8_t* message = message_pointer(data, dummy);
        crypto_aead_aes256gcm_encrypt_detached_afternm(message, tag.data(), nullptr, message, data.size(), aad.data(),
                                                       aad.size(), nullptr, nonce.data(), &state_);
        return ok();
    }

    Status open(ByteView nonce, ByteView aad, std::span<uint8_t> data, ByteView tag) override {
        TRY(check_sizes(nonce, tag.size()));
        uint8_t dummy = 0;
        uint8_t* message = message_pointer(data, dummy);
        if (crypto_aead_aes256gcm_decrypt_detached_afternm(message, nullptr, message, data.size(), tag.data(),
                                                           aad.data(), aad.size(), nonce.data(), &state_) != 0) {
            secure_wipe(data.data(), data.size());
            return bad_mac();
        }
        return ok();
    }

private:
    alignas(16) crypto_aead_aes256gcm_state state_;
};

class SodiumChaCha20Poly1305 final : public Aead {
public:
    explicit SodiumChaCha20Poly1305(const Key& key) : key_(key.clone()) {}

    AeadAlgorithm algorithm() const override { return AeadAlgorithm::chacha20_poly1305; }
    const char* implementation() const override { return "libsodium"; }

    Status seal(ByteView nonce, ByteView aad, std::span<uint8_t> data, std::span<uint8_t> tag) override {
        TRY(check_sizes(nonce, tag.size()));
        uint8_t dummy = 0;
        uint8_t* message = message_pointer(data, dummy);
        crypto_aead_chacha20poly1305_ietf_encrypt_detached(message, tag.data(), nullptr, message, data.size(),
                                                           aad.data(), aad.size(), nullptr, nonce.data(),
                                                           key_.view().data());
        return ok();
    }

    Status open(ByteView nonce, ByteView aad, std::span<uint8_t> data, ByteView tag) override {
        TRY(check_sizes(nonce, tag.size()));
        uint8_t dummy = 0;
        uint8_t* message = message_pointer(data, dummy);
        if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(message, nullptr, message, data.size(), tag.data(),
                                                               aad.data(), aad.size(), nonce.data(),
                                                               key_.view().data()) != 0) {
            secure_wipe(data.data(), data.size());
            return bad_mac();
        }
        return ok();
    }

private:
    Key key_;
};

Status check_key(AeadAlgorithm alg, const Key& key) {
    if (key.size() != aead_key_size(alg))
        return fail(AlertDescription::internal_error, "AEAD key of the wrong size");
    return ok();
}

}  // namespace

Result<std::unique_ptr<Aead>> make_aead_mbedtls(AeadAlgorithm alg, const Key& key) {
    TRY(check_key(alg, key));
    if (alg == AeadAlgorithm::chacha20_poly1305) {
        ensure_sodium_initialized();
        return std::unique_ptr<Aead>(std::make_unique<SodiumChaCha20Poly1305>(key));
    }
    auto gcm = std::make_unique<MbedGcm>(alg);
    TRY(gcm->set_key(key));
    return std::unique_ptr<Aead>(std::move(gcm));
}

Result<std::unique_ptr<Aead>> make_aead(AeadAlgorithm alg, const Key& key) {
    TRY(check_key(alg, key));
    ensure_sodium_initialized();
    if (alg == AeadAlgorithm::aes_256_gcm && crypto_aead_aes256gcm_is_available())
        return std::unique_ptr<Aead>(std::make_unique<SodiumAes256Gcm>(key));
    return make_aead_mbedtls(alg, key);
}

}  // namespace tpmtls
