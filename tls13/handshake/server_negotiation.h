// What the server decides from a ClientHello (RFC 8446 §4.1.1, §4.2, §9.2): version, cipher
// suite, group and key share, signature scheme, server_name and ALPN. Pure: no keys, no I/O,
// so every refusal can be tested as "this ClientHello -> this alert".
#pragma once

#include <optional>
#include <string>

#include "tls13/cipher_suite.h"
#include "tls13/extensions/key_share.h"
#include "tls13/handshake/handshake_config.h"
#include "tls13/messages/client_hello.h"

namespace tpmtls {

struct ServerNegotiation {
    CipherSuiteInfo suite{};
    NamedGroup group{};
    // The client's share for `group`; nullopt when the server must ask for it with a
    // HelloRetryRequest (§4.1.4).
    std::optional<KeyShareEntry> client_share;
    SignatureScheme signature_scheme{};  // for our CertificateVerify (§4.4.3)
    std::optional<std::string> server_name;  // the host_name the client sent (RFC 6066 §3)
    std::optional<Bytes> alpn;               // RFC 7301 §3.2: the protocol we selected
};

// Negotiates from a first ClientHello, or from the second one after our HelloRetryRequest
// (`retry_group` = the group the HelloRetryRequest selected). Alerts:
//   no supported_versions, or no 0x0304 in it; legacy_version below 0x0303  -> protocol_version
//   no cipher suite, group or signature scheme in common                     -> handshake_failure
//   no signature_algorithms, supported_groups or key_share (§9.2)            -> missing_extension
//   pre_shared_key without psk_key_exchange_modes (§4.2.9)                   -> missing_extension
//   a key share for a group not in supported_groups (§4.2.8)                 -> illegal_parameter
//   after a HelloRetryRequest: not exactly one share, for `retry_group`      -> illegal_parameter
//   ALPN offered, none of ours in it (RFC 7301 §3.2)                         -> no_application_protocol
// A missing signer is our configuration's fault: internal_error.
Result<ServerNegotiation> negotiate_client_hello(const ServerConfig& config, const ClientHello& hello,
                                                 std::optional<NamedGroup> retry_group);

}  // namespace tpmtls
