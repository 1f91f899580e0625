// The server's choice of a resumption PSK (RFC 8446 §4.2.9, §4.2.11, §4.6.1), pure apart from
// the ticket keys and the optional single-use cache it consults.
//
// For each offered identity in order, the first acceptable ticket is chosen. A ticket is not
// acceptable (the handshake falls back to a full one, §4.2.11 "the server MAY ... decline") when
// it does not open under our keys (unknown, tampered, rotated away), its suite's hash is not the
// negotiated suite's, it has expired, the server name differs, or the client's idea of its age
// (obfuscated_ticket_age - ticket_age_add) is outside our window around its real age.
// The chosen ticket's binder is then verified before anything from the ClientHello is acted on;
// a wrong binder is decrypt_error (§4.2.11). A ticket already used is refused when single-use
// tickets are configured (after the binder check, so forged offers cannot burn tickets).
#pragma once

#include <optional>

#include "tls13/cipher_suite.h"
#include "tls13/handshake/handshake_config.h"
#include "tls13/messages/client_hello.h"
#include "tls13/tickets/ticket_keys.h"
#include "tls13/key_schedule/transcript.h"
#include "tls13/types.h"

namespace tpmtls {

struct AcceptedPsk {
    uint16_t selected_identity = 0;  // §4.2.11 ServerHello pre_shared_key
    PskKeyExchangeMode mode = PskKeyExchangeMode::psk_dhe_ke;
    TicketContents ticket;
};

// `whole_client_hello` is the encoded ClientHello; `earlier` the transcript before it (empty,
// or message_hash + HelloRetryRequest), with the negotiated suite's algorithm.
Result<std::optional<AcceptedPsk>> accept_resumption_psk(const ServerConfig& config, const ClientHello& hello,
                                                         ByteView whole_client_hello, const Transcript& earlier,
                                                         const CipherSuiteInfo& suite,
                                                         const std::optional<std::string>& server_name,
                                                         int64_t now_unix_seconds);

}  // namespace tpmtls
