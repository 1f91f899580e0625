// The client's ClientHello (RFC 8446 §4.1.2), built from its configuration: what the client
// offers, in one place, so the state machine and the tests agree on it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tls13/extensions/key_share.h"
#include "tls13/handshake/handshake_config.h"
#include "tls13/messages/client_hello.h"

namespace tpmtls {

// What differs between one ClientHello and the next of the same handshake (§4.1.2: after a
// HelloRetryRequest the client sends "the same ClientHello" with a new key share and the cookie).
struct ClientHelloParameters {
    HelloRandom random{};
    Bytes legacy_session_id;          // 32 random bytes in compatibility mode (§D.4), else empty
    KeyShareEntry key_share;          // exactly one share
    std::optional<Bytes> cookie;      // echoed from a HelloRetryRequest (§4.2.2)
};

// A configuration the client cannot offer from (no suites, an unknown suite or group, no
// server_name to authenticate the server against, an ALPN name outside <1..255>) is
// internal_error: it is our mistake, not the peer's.
Status check_client_config(const ClientConfig& config);

// RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName."
bool is_ip_literal(std::string_view name);
// The HostName to send in server_name, without a trailing dot (RFC 6066 §3); empty when there
// is none to send (no name configured, or an IP literal).
std::string sni_host_name(std::string_view server_name);

// Extensions in this order: server_name (if any), supported_versions [TLS 1.3],
// supported_groups, signature_algorithms, signature_algorithms_cert, key_share, ALPN (if any),
// psk_key_exchange_modes [psk_dhe_ke], cookie (if any).
Result<ClientHello> build_client_hello(const ClientConfig& config, const ClientHelloParameters& parameters);

}  // namespace tpmtls
