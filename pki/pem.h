// PEM text (RFC 7468) for the DER the PKI code produces, and the one quirk of feeding PEM to
// mbedTLS's parsers (the buffer must end in a NUL that its length counts).
#pragma once

#include <string>
#include <string_view>

#include "tls13/bytes.h"

namespace tpmtls::pki {

// "-----BEGIN <label>-----", base64 in 64-column lines, "-----END <label>-----\n".
Result<std::string> pem_encode(std::string_view label, ByteView der);

// The DER inside the first "-----BEGIN <label>-----" block of `pem_or_der`, or `pem_or_der` as
// it is when it holds no PEM armour (DER already). decode_error if the armour is broken.
Result<Bytes> pem_decode(std::string_view label, ByteView pem_or_der);

// `pem_or_der` ready for mbedtls_*_parse(): PEM (holds "-----BEGIN") gets a NUL appended;
// DER is returned as it is.
Bytes mbedtls_parse_input(ByteView pem_or_der);

}  // namespace tpmtls::pki
