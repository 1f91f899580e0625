// Record payload protection for one direction (RFC 8446 §5.2-§5.5): an AEAD keyed with one
// traffic key, its static IV, and a 64-bit sequence number.
//
//   struct { opaque content[length]; ContentType type; uint8 zeros[length_of_padding]; } TLSInnerPlaintext;
//   TLSCiphertext = 17 03 03 length || AEAD-Encrypt(write_key, nonce, header, TLSInnerPlaintext)
//   nonce = write_iv XOR (sequence number, big-endian, left-padded to 12 bytes)      (§5.3)
//
// Both directions work in caller buffers: seal appends to the caller's output and open
// decrypts in place, so steady-state traffic allocates nothing per record.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>

#include "tls13/bytes.h"
#include "tls13/cipher_suite.h"
#include "tls13/crypto/aead.h"
#include "tls13/record/record.h"
#include "tls13/result.h"
#include "tls13/secret.h"

namespace tpmtls {

// RFC 8446 §5.5: "For AES-GCM, up to 2^24.5 full-size records (about 24 million) may be encrypted
// on a given connection". floor(2^24.5) = 23726566.
inline constexpr uint64_t aes_gcm_record_limit = 23726566;
// RFC 8446 §5.3: sequence numbers "should not wrap"; for ChaCha20-Poly1305 this is the only limit
// (§5.5: "the record sequence number would wrap before the safety limit is reached").
inline constexpr uint64_t sequence_number_record_limit = std::numeric_limits<uint64_t>::max();

// How many records one key may encrypt: aes_gcm_record_limit for AES-GCM, the sequence number
// space for ChaCha20-Poly1305.
uint64_t encryption_record_limit(AeadAlgorithm alg);

// RFC 8446 §5.3: the per-record nonce, write_iv XOR the 64-bit sequence number encoded
// big-endian and left-padded with zeros to the IV's 12 bytes.
std::array<uint8_t, aead_nonce_size> record_nonce(const Iv& iv, uint64_t sequence_number);

// The state both directions share: AEAD, IV, sequence number and how many records the key may
// still protect.
class RecordKeyState {
public:
    uint64_t sequence_number() const { return sequence_number_; }
    uint64_t record_limit() const { return record_limit_; }
    // Records this key may still protect; at 0 the connection must KeyUpdate (§4.6.3) or close.
    uint64_t records_remaining() const { return record_limit_ - sequence_number_; }
    AeadAlgorithm algorithm() const { return aead_->algorithm(); }

protected:
    RecordKeyState(std::unique_ptr<Aead> aead, Iv iv, uint64_t record_limit);

    // Fails once the key has protected record_limit records (§5.3, §5.5).
    Status check_limit(AlertDescription description) const;
    std::array<uint8_t, aead_nonce_size> nonce() const { return record_nonce(iv_, sequence_number_); }

    std::unique_ptr<Aead> aead_;
    Iv iv_;
    uint64_t sequence_number_ = 0;
    uint64_t record_limit_;
};

class RecordSealer : public RecordKeyState {
public:
    // Keys and IV from a traffic secret (§7.3). record_limit defaults to encryption_record_limit;
    // tests pass a small one.
    static Result<RecordSealer> create(const CipherSuiteInfo& suite, const TrafficSecret& secret,
                                       std::optional<uint64_t> record_limit = std::nullopt);
    static Result<RecordSealer> create(AeadAlgorithm alg, const Key& key, const Iv& iv,
                                       std::optional<uint64_t> record_limit = std::nullopt);

    // Appends one TLSCiphertext carrying `content` of `type`, followed by `padding` zero bytes
    // inside the encryption (§5.4). content <= 2^14 bytes, content + 1 + padding <= 2^14 + 1;
    // handshake and alert content must not be empty (§5.4); change_cipher_spec is never
    // protected (§5). Violations, and sealing once the record limit is reached, are
    // internal_error and leave `out` as it was. `content` must not point into `out`, which may grow.
    Status seal(ContentType type, ByteView content, size_t padding, Bytes& out);

private:
    using RecordKeyState::RecordKeyState;
};

// A decrypted record: the inner content type and the content with padding and type removed.
// `content` points into the buffer given to open().
struct OpenedRecord {
    ContentType type = ContentType::invalid;
    ByteView content;
};

class RecordOpener : public RecordKeyState {
public:
    // record_limit defaults to the sequence number space: the §5.5 limit binds the sender, and a
    // peer that does not rekey in time is not a reason to fail (a failed decryption already ends
    // the connection, so forgery attempts are not counted here).
    static Result<RecordOpener> create(const CipherSuiteInfo& suite, const TrafficSecret& secret,
                                       std::optional<uint64_t> record_limit = std::nullopt);
    static Result<RecordOpener> create(AeadAlgorithm alg, const Key& key, const Iv& iv,
                                       std::optional<uint64_t> record_limit = std::nullopt);

    // Decrypts `body` (header.length bytes: ciphertext and tag) in place. Alerts (§5.2, §5.4):
    //   outer type other than application_data        unexpected_message
    //   length > 2^14 + 256                             record_overflow
    //   too short for a tag, or authentication failure  bad_record_mac
    //   TLSInnerPlaintext > 2^14 + 1 bytes              record_overflow
    //   no non-zero byte (no content type)              unexpected_message
    //   inner type change_cipher_spec or unknown        unexpected_message
    //   empty handshake or alert content                unexpected_message
    //   record limit reached                            unexpected_message
    Result<OpenedRecord> open(const RecordHeader& header, std::span<uint8_t> body);

private:
    using RecordKeyState::RecordKeyState;
};

}  // namespace tpmtls
