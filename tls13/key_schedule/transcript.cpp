#include "tls13/key_schedule/transcript.h"

#include "tls13/secret.h"
#include "tls13/types.h"

namespace tpmtls {

namespace {

// One handshake message: HandshakeType, uint24 length, exactly that many body bytes (RFC 8446 §4).
Status check_one_message(ByteView message) {
    Reader r(message);
    const bool framed = r.u8().ok() && r.vec24().ok() && r.empty();
    if (!framed) return fail(AlertDescription::internal_error, "transcript input is not one whole handshake message");
    return ok();
}

Alert algorithm_unknown() {
    return make_alert(AlertDescription::internal_error, "transcript hash algorithm not yet known");
}

}  // namespace

Status Transcript::set_algorithm(HashAlgorithm alg) {
    if (hash_) {
        if (hash_->algorithm() != alg)
            return fail(AlertDescription::internal_error, "transcript hash algorithm changed");
        return ok();
    }
    hash_.emplace(alg);
    hash_->update(pending_);
    // A ClientHello may carry a PSK identity; do not leave copies in freed memory.
    secure_wipe(pending_.data(), pending_.size());
    pending_ = Bytes();
    return ok();
}

std::optional<HashAlgorithm> Transcript::algorithm() const {
    if (!hash_) return std::nullopt;
    return hash_->algorithm();
}

Status Transcript::add(ByteView message) {
    TRY(check_one_message(message));
    if (hash_)
        hash_->update(message);
    else
        pending_.insert(pending_.end(), message.begin(), message.end());
    ++messages_;
    return ok();
}

Result<Bytes> Transcript::hash() const {
    if (!hash_) return algorithm_unknown();
    return hash_->digest();
}

Result<Bytes> Transcript::hash_with(ByteView partial) const {
    if (!hash_) return algorithm_unknown();
    Hash copy(*hash_);
    copy.update(partial);
    return copy.digest();
}

Status Transcript::replace_client_hello_with_message_hash() {
    if (!hash_) return algorithm_unknown();
    if (messages_ != 1 || hello_retried_)
        return fail(AlertDescription::internal_error, "message_hash must replace exactly the first ClientHello");
    const HashAlgorithm alg = hash_->algorithm();
    const Bytes client_hello_hash = hash_->digest();
    Bytes message_hash;
    Writer w(message_hash);
    w.u8(static_cast<uint8_t>(HandshakeType::message_hash));
    w.vec24(view(client_hello_hash));
    TRY(w.status());
    hash_.emplace(alg);
    hash_->update(message_hash);
    hello_retried_ = true;
    return ok();
}

}  // namespace tpmtls
