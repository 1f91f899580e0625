// ClientHello (RFC 8446 §4.1.2):
//   struct {
//       ProtocolVersion legacy_version = 0x0303;
//       Random random;                                   // 32 bytes
//       opaque legacy_session_id<0..32>;
//       CipherSuite cipher_suites<2..2^16-2>;
//       opaque legacy_compression_methods<1..2^8-1>;
//       Extension extensions<8..2^16-1>;
//   } ClientHello;
#pragma once

#include <vector>

#include "tls13/extensions/extensions.h"
#include "tls13/messages/handshake.h"

namespace tpmtls {

struct ClientHello {
    uint16_t legacy_version = tls12_version;
    HelloRandom random{};
    Bytes legacy_session_id;
    std::vector<CipherSuite> cipher_suites;  // unknown values kept (GREASE); §4.1.2 says ignore
    Extensions extensions;                   // wire order; pre_shared_key last

    bool operator==(const ClientHello&) const = default;
};

// Total: framing faults are decode_error; compression methods other than exactly [0] are
// illegal_parameter (§4.1.2); the extension block is checked by check_extensions() for the
// ClientHello column (duplicates, forbidden types, pre_shared_key last, bodies).
// legacy_version and the cipher suite choice are left to the handshake.
Result<ClientHello> decode_client_hello(ByteView body);
void encode_body(Writer& w, const ClientHello& hello);
Result<Bytes> encode_handshake(const ClientHello& hello);

// RFC 8446 §4.2.11.2: the whole ClientHello message (header included) up to, not including,
// the binders list: the input of the binder's transcript hash. The message must decode and end
// with a pre_shared_key extension (else illegal_parameter).
Result<ByteView> client_hello_binders_prefix(ByteView whole_client_hello);

// Replaces the binders of the (last) pre_shared_key extension. The client encodes the
// ClientHello once with placeholder binders of the final lengths, takes the prefix, computes
// the binders and sets them here; the prefix is unchanged because the lengths are.
// illegal_parameter if there is no pre_shared_key or the binder count differs.
Status set_psk_binders(ClientHello& hello, std::vector<Bytes> binders);

}  // namespace tpmtls
