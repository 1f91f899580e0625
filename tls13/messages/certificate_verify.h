// CertificateVerify (RFC 8446 §4.4.3):
//   struct { SignatureScheme algorithm; opaque signature<0..2^16-1>; } CertificateVerify;
#pragma once

#include "tls13/messages/handshake.h"

namespace tpmtls {

struct CertificateVerify {
    SignatureScheme algorithm{};  // whether it was offered is the handshake's check
    Bytes signature;

    bool operator==(const CertificateVerify&) const = default;
};

Result<CertificateVerify> decode_certificate_verify(ByteView body);
void encode_body(Writer& w, const CertificateVerify& message);
Result<Bytes> encode_handshake(const CertificateVerify& message);

}  // namespace tpmtls
