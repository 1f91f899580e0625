// Certificate (RFC 8446 §4.4.2):
//   struct {
//       select (certificate_type) {
//           case RawPublicKey: opaque ASN1_subjectPublicKeyInfo<1..2^24-1>;
//           case X509:         opaque cert_data<1..2^24-1>;
//       };
//       Extension extensions<0..2^16-1>;
//   } CertificateEntry;
//   struct {
//       opaque certificate_request_context<0..2^8-1>;
//       CertificateEntry certificate_list<0..2^24-1>;
//   } Certificate;
// Both certificate types have the same shape, so one decoder serves.
#pragma once

#include <vector>

#include "tls13/extensions/extensions.h"
#include "tls13/messages/handshake.h"

namespace tpmtls {

struct CertificateEntry {
    Bytes cert_data;        // DER X.509 certificate (or SubjectPublicKeyInfo)
    Extensions extensions;  // checked against the CT column: status_request, SCT

    bool operator==(const CertificateEntry&) const = default;
};

struct Certificate {
    Bytes certificate_request_context;
    std::vector<CertificateEntry> certificate_list;  // end-entity first (§4.4.2)

    bool operator==(const Certificate&) const = default;
};

// An empty certificate_list decodes: the client may send one (§4.4.2.4); a server's empty list
// is decode_error, which the client handshake checks because only it knows who sent it.
Result<Certificate> decode_certificate(ByteView body);
void encode_body(Writer& w, const Certificate& message);
Result<Bytes> encode_handshake(const Certificate& message);

}  // namespace tpmtls
