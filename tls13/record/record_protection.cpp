#include "tls13/record/record_protection.h"

#include <algorithm>
#include <string>
#include <utility>

#include "tls13/key_schedule/key_schedule.h"

namespace tpmtls {

namespace {

Result<std::unique_ptr<Aead>> make_record_aead(AeadAlgorithm alg, const Key& key, const Iv& iv) {
    // RFC 8446 §5.3: iv_length is the AEAD's nonce length, 12 bytes for every suite we offer.
    if (iv.size() != aead_nonce_size) return fail(AlertDescription::internal_error, "record IV of the wrong length");
    return make_aead(alg, key);
}

// Keys and IV from a traffic secret (RFC 8446 §7.3), then the sealer or opener over them.
template <class Protection>
Result<Protection> create_from_secret(const CipherSuiteInfo& suite, const TrafficSecret& secret,
                                      std::optional<uint64_t> record_limit) {
    const TrafficKeys keys = TRY(traffic_key_and_iv(suite, secret));
    return Protection::create(suite.aead, keys.key, keys.iv, record_limit);
}

std::string limit_reason(uint64_t limit) {
    return "key usage limit of " + std::to_string(limit) +
           " records reached (RFC 8446 §5.3, §5.5): KeyUpdate or close the connection";
}

}  // namespace

std::array<uint8_t, aead_nonce_size> record_nonce(const Iv& iv, uint64_t sequence_number) {
    // Creation checks the IV length; a shorter one here would be our bug, and leaves zeros.
    std::array<uint8_t, aead_nonce_size> out{};
    const ByteView bytes = iv.view().first(std::min(iv.size(), aead_nonce_size));
    std::copy(bytes.begin(), bytes.end(), out.begin());
    for (size_t i = 0; i < 8; ++i)
        out[aead_nonce_size - 1 - i] ^= static_cast<uint8_t>(sequence_number >> (8 * i));
    return out;
}

uint64_t encryption_record_limit(AeadAlgorithm alg) {
    switch (alg) {
        case AeadAlgorithm::aes_128_gcm:
        case AeadAlgorithm::aes_256_gcm:
            return aes_gcm_record_limit;
        case AeadAlgorithm::chacha20_poly1305:
        default:
            return sequence_number_record_limit;
    }
}

RecordKeyState::RecordKeyState(std::unique_ptr<Aead> aead, Iv iv, uint64_t record_limit)
    : aead_(std::move(aead)), iv_(std::move(iv)), record_limit_(record_limit) {}

Status RecordKeyState::check_limit(AlertDescription description) const {
    if (sequence_number_ >= record_limit_) return fail(description, limit_reason(record_limit_));
    return ok();
}


// ---- sealing ---------------------------------------------------------------------------------

Result<RecordSealer> RecordSealer::create(const CipherSuiteInfo& suite, const TrafficSecret& secret,
                                          std::optional<uint64_t> record_limit) {
    return create_from_secret<RecordSealer>(suite, secret, record_limit);
}

Result<RecordSealer> RecordSealer::create(AeadAlgorithm alg, const Key& key, const Iv& iv,
                                          std::optional<uint64_t> record_limit) {
    auto aead = TRY(make_record_aead(alg, key, iv));
    return RecordSealer(std::move(aead), iv.clone(), record_limit.value_or(encryption_record_limit(alg)));
}

Status RecordSealer::seal(ContentType type, ByteView content, size_t padding, Bytes& out) {
    TRY(check_limit(AlertDescription::internal_error));
    // RFC 8446 §5: change_cipher_spec is only ever sent unprotected.
    if (type != ContentType::handshake && type != ContentType::alert && type != ContentType::application_data)
        return fail(AlertDescription::internal_error, "only handshake, alert and application_data records are protected");
    // RFC 8446 §5.4: "Implementations MUST NOT send Handshake or Alert records that have a
    // zero-length TLSInnerPlaintext.content".
    if (content.empty() && type != ContentType::application_data)
        return fail(AlertDescription::internal_error, "zero-length handshake or alert record");
    if (content.size() > max_plaintext_size || padding > max_inner_plaintext_size - 1 - content.size())
        return fail(AlertDescription::internal_error, "record content and padding exceed 2^14 + 1 bytes");

    const size_t inner_size = content.size() + 1 + padding;
    const RecordHeader header{ContentType::application_data, tls12_version,
                              static_cast<uint16_t>(inner_size + aead_tag_size)};
    const auto additional_data = header.encode();

    const size_t start = out.size();
    Writer w(out);
    w.bytes(additional_data);
    w.bytes(content);
    w.u8(static_cast<uint8_t>(type));
    // The zero padding (§5.4) and room for the tag; vector growth is geometric, so a buffer the
    // caller reuses stops allocating once it has held its largest flight.
    out.resize(out.size() + padding + aead_tag_size, 0);

    const std::span<uint8_t> record = std::span(out).subspan(start);
    const Status sealed = aead_->seal(nonce(), additional_data, record.subspan(record_header_size, inner_size),
                                      record.last(aead_tag_size));
    if (!sealed) {
        out.resize(start);
        return sealed;
    }
    ++sequence_number_;
    return ok();
}

// ---- opening ---------------------------------------------------------------------------------

Result<RecordOpener> RecordOpener::create(const CipherSuiteInfo& suite, const TrafficSecret& secret,
                                          std::optional<uint64_t> record_limit) {
    return create_from_secret<RecordOpener>(suite, secret, record_limit);
}

Result<RecordOpener> RecordOpener::create(AeadAlgorithm alg, const Key& key, const Iv& iv,
                                          std::optional<uint64_t> record_limit) {
    auto aead = TRY(make_record_aead(alg, key, iv));
    return RecordOpener(std::move(aead), iv.clone(), record_limit.value_or(sequence_number_record_limit));
}

Result<OpenedRecord> RecordOpener::open(const RecordHeader& header, std::span<uint8_t> body) {
    // RFC 8446 §5.2: the outer opaque_type of a TLSCiphertext is always application_data.
    if (header.type != ContentType::application_data)
        return fail(AlertDescription::unexpected_message,
                    "protected record with outer content type " + to_string(header.type));
    if (body.size() != header.length)
        return fail(AlertDescription::internal_error, "record body and header length differ");
    if (body.size() > max_ciphertext_size)
        return fail(AlertDescription::record_overflow, "protected record longer than 2^14 + 256 bytes");
    TRY(check_limit(AlertDescription::unexpected_message));
    // RFC 8446 §6.2 bad_record_mac: "used for all deprotection failures".
    if (body.size() < aead_tag_size + 1)
        return fail(AlertDescription::bad_record_mac, "protected record too short for a content type and tag");

    const auto additional_data = header.encode();
    const std::span<uint8_t> inner = body.first(body.size() - aead_tag_size);
    TRY(aead_->open(nonce(), additional_data, inner, body.last(aead_tag_size)));
    ++sequence_number_;

    // RFC 8446 §5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets";
    // §6.2 names record_overflow for a record that decrypts to more than 2^14 bytes.
    if (inner.size() > max_inner_plaintext_size)
        return fail(AlertDescription::record_overflow, "decrypted record longer than 2^14 + 1 bytes");
    // RFC 8446 §5.4: scan from the end for the first non-zero byte, the content type.
    size_t end = inner.size();
    while (end > 0 && inner[end - 1] == 0) --end;
    if (end == 0)
        return fail(AlertDescription::unexpected_message, "decrypted record has no non-zero content type byte");
    const auto type = static_cast<ContentType>(inner[end - 1]);
    const ByteView content = ByteView(inner).first(end - 1);
    switch (type) {
        case ContentType::handshake:
        case ContentType::alert:
            // RFC 8446 §5.4: zero-length Handshake or Alert content -> unexpected_message.
            if (content.empty())
                return fail(AlertDescription::unexpected_message, "zero-length " + to_string(type) + " record");
            break;
        case ContentType::application_data:
            break;
        case ContentType::change_cipher_spec:
            // RFC 8446 §5: a protected change_cipher_spec record -> unexpected_message.
            return fail(AlertDescription::unexpected_message, "protected change_cipher_spec record");
        default:
            return fail(AlertDescription::unexpected_message,
                        "protected record of unknown inner content type " + to_string(type));
    }
    return OpenedRecord{type, content};
}

}  // namespace tpmtls
