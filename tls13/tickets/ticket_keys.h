// Stateless session tickets (RFC 8446 §4.6.1, §4.2.11): the server seals what a resumption needs
// into the ticket itself, under a key only it knows, so it keeps no per-session state.
//
// Ticket layout (opaque to the client):
//   uint8  format = 1
//   opaque key_id[8]            which key of the ring sealed it
//   opaque nonce[12]            random per ticket
//   opaque ciphertext<rest-16>  ChaCha20-Poly1305 (RFC 8439) of the encoded TicketContents
//   opaque tag[16]              over format || key_id as additional data
//
// Keys rotate: the newest key seals, every key still in the ring opens. A ticket whose key left
// the ring, that was tampered with or is not ours opens to nothing, and the server falls back to
// a full handshake (§4.2.11: the server may decline any PSK).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tls13/bytes.h"
#include "tls13/cipher_suite.h"
#include "tls13/crypto/random.h"
#include "tls13/secret.h"
#include "tls13/x509.h"

namespace tpmtls {

// What a ticket carries (the plaintext).
struct TicketContents {
    CipherSuite suite{};
    Secret resumption_psk;             // §4.6.1 HKDF-Expand-Label(resumption_master_secret, "resumption", nonce)
    int64_t created_unix_seconds = 0;  // when the ticket was issued
    uint32_t age_add = 0;              // §4.6.1 ticket_age_add, to unmask the obfuscated age
    uint32_t lifetime_seconds = 0;
    std::string alpn;         // negotiated in the full handshake
    std::string server_name;  // SNI of the full handshake
    // The client identity authenticated in the full handshake (certificate SHA-256 fingerprint,
    // subject, subjectAltNames): a PSK handshake has no CertificateRequest (§4.3.2), so the
    // resumed session reports this.
    std::optional<PeerIdentity> client_identity;
};

// The plaintext encoding (a Writer/Reader structure, version byte first). The encoded bytes hold
// the PSK: the caller wipes them. Anything malformed is decode_error.
Result<Bytes> encode_ticket_contents(const TicketContents& contents);
Result<TicketContents> decode_ticket_contents(ByteView encoded);

class TicketKeys {
public:
    static constexpr size_t id_size = 8;
    static constexpr size_t key_size = 32;  // ChaCha20-Poly1305
    static constexpr size_t default_capacity = 3;
    static constexpr size_t overhead = 1 + id_size + 12 + 16;  // format, key id, nonce, tag

    struct Entry {
        std::array<uint8_t, id_size> id{};
        Key key;
        int64_t created_unix_seconds = 0;
    };

    // An empty ring (seal fails until rotate() or install()). capacity >= 1 keys are kept:
    // the current one and capacity-1 previous ones.
    explicit TicketKeys(size_t capacity = default_capacity);
    virtual ~TicketKeys() = default;
    TicketKeys(const TicketKeys&) = delete;
    TicketKeys& operator=(const TicketKeys&) = delete;
    // A ring holding one fresh random key.
    static std::shared_ptr<TicketKeys> generate(Random& random, int64_t now_unix_seconds,
                                                size_t capacity = default_capacity);

    // A new random current key; the oldest beyond the capacity is dropped (its tickets no
    // longer open).
    void rotate(Random& random, int64_t now_unix_seconds);
    // Replaces the ring (newest first), e.g. after re-reading a shared key file. Empty, more
    // than the capacity, duplicate ids or wrong key sizes are internal_error.
    Status install(std::vector<Entry> entries);
    // Clones of the keys, newest first (to write a key file).
    std::vector<Entry> entries() const;
    size_t size() const;
    size_t capacity() const { return capacity_; }

    // Seals under the current key. internal_error if the ring is empty.
    // Virtual so a test can stand in for a server whose ticket protection is not published
    // (RFC 8448 §4's ticket); production uses these.
    virtual Result<Bytes> seal(const TicketContents& contents, Random& random) const;
    // nullopt when the ticket is not one we can open: unknown or rotated-away key id, wrong
    // format, tampered bytes, undecodable contents.
    virtual std::optional<TicketContents> open(ByteView ticket) const;

private:
    mutable std::mutex mutex_;
    std::vector<Entry> entries_;  // newest first
    size_t capacity_;
};

}  // namespace tpmtls
