// The client's resumption offer (RFC 8446 §4.2.11, §4.2.11.1, §4.2.11.2): which ticket to offer,
// the obfuscated ticket age, and the binder over the truncated ClientHello. Pure functions; the
// state machine (client_handshake.cpp) only sequences them.
#pragma once

#include <optional>

#include "tls13/crypto/hash.h"
#include "tls13/handshake/handshake_config.h"
#include "tls13/messages/client_hello.h"
#include "tls13/key_schedule/transcript.h"

namespace tpmtls {

// The one PSK we offer: a ticket and the hash its PSK is bound to (§4.2.11: "the Hash
// algorithm ... associated with the PSK" is that of the suite of the connection that made it).
struct PskOffer {
    SessionTicket ticket;
    HashAlgorithm hash{};
};

// ClientConfig::resume as an offer, or nullopt when it must not be offered: no ticket, an
// empty ticket or PSK, expired (§4.6.1), for another server name (§4.6.1), or no suite we offer has the ticket suite's
// hash (§4.2.11: the PSK can only be used with such a suite).
std::optional<PskOffer> psk_offer_for(const ClientConfig& config, int64_t now_unix_seconds);

// §4.2.11.1: obfuscated_ticket_age = (age in ms + ticket_age_add) mod 2^32.
uint32_t obfuscated_ticket_age(const SessionTicket& ticket, const Clock& clock);

// Appends pre_shared_key, the last extension (§4.2.11), with the binder (§4.2.11.2):
//   binder = HMAC(finished_key(binder_key), Transcript-Hash(earlier messages, Truncate(ClientHello)))
// where binder_key = Derive-Secret(Early Secret(PSK), "res binder", ""). `earlier` is empty for
// the first ClientHello, or message_hash(ClientHello1) + HelloRetryRequest for the second one
// (its algorithm must then be the PSK's).
Status add_psk_offer(ClientHello& hello, const PskOffer& offer, const Transcript& earlier, const Clock& clock);

// The binder for one PSK over an encoded ClientHello that carries pre_shared_key last
// (placeholder binders of the final lengths are fine). Shared with the server's check.
Result<Secret> resumption_binder(HashAlgorithm alg, ByteView psk, ByteView whole_client_hello,
                                 const Transcript& earlier);

}  // namespace tpmtls
