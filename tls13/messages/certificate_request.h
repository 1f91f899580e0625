// CertificateRequest (RFC 8446 §4.3.2):
//   struct {
//       opaque certificate_request_context<0..2^8-1>;
//       Extension extensions<2..2^16-1>;
//   } CertificateRequest;
#pragma once

#include "tls13/extensions/extensions.h"
#include "tls13/messages/handshake.h"

namespace tpmtls {

struct CertificateRequest {
    Bytes certificate_request_context;  // empty during the handshake (§4.3.2)
    Extensions extensions;              // signature_algorithms always present once decoded

    bool operator==(const CertificateRequest&) const = default;
};

// Extensions checked against the CR column; unknown ones are kept ("Clients MUST ignore
// unrecognized extensions"). No signature_algorithms is missing_extension (§4.3.2: "The
// signature_algorithms extension MUST be specified"; §6.2 missing_extension).
Result<CertificateRequest> decode_certificate_request(ByteView body);
void encode_body(Writer& w, const CertificateRequest& message);
Result<Bytes> encode_handshake(const CertificateRequest& message);

}  // namespace tpmtls
