// The running transcript hash (RFC 8446 §4.4.1): Transcript-Hash(M1, M2, ... Mn) = Hash(M1 || ... || Mn)
// over whole handshake messages (type and length included, record headers not).
//
// The hash algorithm is the cipher suite's, which the client learns only from ServerHello or
// HelloRetryRequest: until set_algorithm() the messages are buffered, then hashed.
#pragma once

#include <cstddef>
#include <optional>

#include "tls13/bytes.h"
#include "tls13/crypto/hash.h"
#include "tls13/result.h"

namespace tpmtls {

class Transcript {
public:
    Transcript() = default;
    explicit Transcript(HashAlgorithm alg) : hash_(alg) {}

    // Fixes the hash algorithm and hashes what was buffered. Setting the same algorithm again is
    // a no-op; a different one is internal_error.
    Status set_algorithm(HashAlgorithm alg);
    std::optional<HashAlgorithm> algorithm() const;

    // Appends one whole handshake message. Bytes that are not exactly one message (type, uint24
    // length, body) are internal_error: the caller hands over messages it has already framed.
    Status add(ByteView message);

    // Transcript-Hash of the messages so far; the running state is left unchanged.
    // internal_error before the algorithm is known.
    Result<Bytes> hash() const;
    // The hash of the messages so far followed by `partial`, e.g. Truncate(ClientHello) for a PSK
    // binder (RFC 8446 §4.2.11.2); the transcript itself is unchanged.
    Result<Bytes> hash_with(ByteView partial) const;

    // RFC 8446 §4.4.1: when the server answers the first ClientHello with a HelloRetryRequest,
    // ClientHello1 is replaced by the synthetic message
    //   message_hash(254) || 00 00 Hash.length || Hash(ClientHello1).
    // Call after adding ClientHello1 (and only it) and before adding the HelloRetryRequest; the
    // algorithm must be known (the HelloRetryRequest's cipher suite). Anything else is internal_error.
    Status replace_client_hello_with_message_hash();

    size_t message_count() const { return messages_; }

private:
    std::optional<Hash> hash_;
    Bytes pending_;  // messages added before the algorithm is known
    size_t messages_ = 0;
    bool hello_retried_ = false;
};

}  // namespace tpmtls
