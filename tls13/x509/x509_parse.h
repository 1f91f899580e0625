// The one place that parses X.509 certificates (RFC 5280 §4.1) into mbedTLS, for path validation,
// trust stores, key extraction and the programs' --cert files alike.
//
// mbedTLS 2.28 refuses a critical extension it does not implement. Real CAs mark these critical:
// nameConstraints (§4.2.1.10, enforced by tls13/x509/name_constraints.h), certificatePolicies
// (§4.2.1.4), policyConstraints (§4.2.1.11) and inhibitAnyPolicy (§4.2.1.14). They are accepted when
// their DER is well formed; policies are not processed further, as OpenSSL does by default. Any other
// critical extension nobody here implements is still refused (§4.2: "A certificate-using system
// MUST reject the certificate if it encounters a critical extension it does not recognize").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tls13/bytes.h"

struct mbedtls_x509_crt;  // <mbedtls/x509_crt.h>; this header names no dependency header

namespace tpmtls {

// Appends one DER certificate to `list` (initialised with mbedtls_x509_crt_init). With
// copy == false, `list` refers to `der`, which must then outlive it. Failures are bad_certificate
// whose reason says what is wrong ("critical extension 1.3.6.1.4.1.99999.1 is not supported").
Status parse_certificate(mbedtls_x509_crt& list, ByteView der, bool copy);

// Each "CERTIFICATE" block of PEM text (RFC 7468 §5) decoded to DER, in order; input without a
// PEM block is one DER certificate. A block whose base64 does not decode is a failure in its place.
std::vector<Result<Bytes>> certificate_blocks(ByteView pem_or_der);

// The extnValue contents of the extension `oid` (the OID's content bytes), if the certificate has it.
std::optional<ByteView> find_extension(const mbedtls_x509_crt& crt, ByteView oid);

// The subject and SubjectPublicKeyInfo of certificate DER that mbedTLS may not parse (a DSA or
// Ed25519 key), read from the TBSCertificate (RFC 5280 §4.1.2).
struct RawCertificateFields {
    ByteView subject;
    ByteView subject_public_key_info;
};
Result<RawCertificateFields> read_raw_certificate_fields(ByteView der);

// What kind of key a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) holds: "RSA-2048", "EC P-256",
// "DSA", "Ed25519", "RSASSA-PSS", or the algorithm's dotted OID.
std::string describe_public_key(ByteView subject_public_key_info);

}  // namespace tpmtls
