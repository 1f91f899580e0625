// The client's judgement of a ServerHello or HelloRetryRequest against its own ClientHello
// (RFC 8446 §4.1.3, §4.1.4, §4.2.1, §4.2.8): pure functions, so every rule is testable alone and
// the state machine only sequences them.
#pragma once

#include <optional>
#include <span>

#include "tls13/extensions/key_share.h"
#include "tls13/messages/client_hello.h"
#include "tls13/messages/server_hello.h"

namespace tpmtls {

// RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random a TLS 1.3 server writes when it
// negotiates TLS 1.2 ("DOWNGRD" 01) or TLS 1.1 and below ("DOWNGRD" 00).
bool has_downgrade_sentinel(const HelloRandom& random);

// The version check, made on the ServerHello's framing alone before the full decode: a TLS 1.2
// ServerHello may carry extensions the TLS 1.3 table forbids there (ALPN, server_name), and the
// RFC wants it answered as a version problem, not a table one.
//   no supported_versions, with a downgrade sentinel          -> illegal_parameter (§4.1.3)
//   no supported_versions (TLS 1.2 or older negotiated)       -> protocol_version (we are 1.3 only)
//   supported_versions selecting anything but 0x0304          -> illegal_parameter (§4.2.1)
//   a TLS 1.3 ServerHello whose random ends in a sentinel     -> illegal_parameter (§4.1.3)
Status check_server_hello_version(ByteView body);

// Rules a ServerHello and a HelloRetryRequest share: legacy_session_id_echo is ours (§4.1.3,
// illegal_parameter), the suite is one we offered and implement (illegal_parameter), every
// extension answers one we sent, a cookie being the HRR's exception (§4.2, unsupported_extension).
Status check_server_hello_common(const ServerHello& hello, const ClientHello& offered);

// What a valid HelloRetryRequest asks the next ClientHello to change (§4.1.4).
struct RetryRequest {
    std::optional<NamedGroup> group;  // a new key share for this group
    std::optional<Bytes> cookie;      // echo this cookie
};
// §4.1.4: the selected group must be one we support and not the one we sent a share for, and
// the request must change something; otherwise illegal_parameter.
Result<RetryRequest> check_hello_retry_request(const ServerHello& retry, std::span<const NamedGroup> our_groups,
                                               NamedGroup sent_share_group);

// §4.2.8: the server's share must be for the group we sent a share for (illegal_parameter);
// without one (and without a PSK, which we never offer) the handshake cannot go on
// (missing_extension, §9.2).
Result<KeyShareEntry> server_key_share(const ServerHello& hello, NamedGroup sent_share_group);

}  // namespace tpmtls
