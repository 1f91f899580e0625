// ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4): one wire structure,
//   struct {
//       ProtocolVersion legacy_version = 0x0303;
//       Random random;
//       opaque legacy_session_id_echo<0..32>;
//       CipherSuite cipher_suite;
//       uint8 legacy_compression_method = 0;
//       Extension extensions<6..2^16-1>;
//   } ServerHello;
// told apart by the random: a HelloRetryRequest carries SHA-256("HelloRetryRequest").
#pragma once

#include "tls13/extensions/extensions.h"
#include "tls13/messages/handshake.h"

namespace tpmtls {

// RFC 8446 §4.1.3: the special Random value of a HelloRetryRequest.
inline constexpr HelloRandom hello_retry_request_random = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

struct ServerHello {
    uint16_t legacy_version = tls12_version;
    HelloRandom random{};
    Bytes legacy_session_id_echo;
    CipherSuite cipher_suite{};
    Extensions extensions;

    bool is_hello_retry_request() const { return random == hello_retry_request_random; }
    ExtensionContext extension_context() const {
        return is_hello_retry_request() ? ExtensionContext::hello_retry_request : ExtensionContext::server_hello;
    }
    bool operator==(const ServerHello&) const = default;
};

// Total: framing faults are decode_error; legacy_compression_method other than 0 is
// illegal_parameter (§4.1.3 "MUST have the value 0"); the extensions are checked against the
// ServerHello or HelloRetryRequest column. Version, suite and session-id echo are the
// handshake's to check against its ClientHello.
Result<ServerHello> decode_server_hello(ByteView body);
void encode_body(Writer& w, const ServerHello& hello);
Result<Bytes> encode_handshake(const ServerHello& hello);

}  // namespace tpmtls
