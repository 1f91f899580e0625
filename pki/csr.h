// PKCS#10 certification requests (RFC 2986) for keys that never leave their holder: the
// CertificationRequestInfo is built here with mbedTLS's ASN.1 writer and its DER is signed
// through the Signer interface (a TPM key or a software key alike). The signature algorithm
// follows the signer's scheme: ecdsa-with-SHA256/384 (RFC 5758 §3.2) for ECDSA keys,
// RSASSA-PSS with SHA-256/384, MGF1 with the same hash and salt = hash length (RFC 4055 §3.1)
// for RSA keys, which is exactly what rsa_pss_rsae_* produces (RFC 8446 §4.2.3).
#pragma once

#include <string>
#include <vector>

#include "pki/names.h"
#include "tls13/signer.h"

namespace tpmtls::pki {

struct CsrRequest {
    Bytes subject_public_key_info;  // DER, e.g. TpmSigner::public_key_der()
    std::string subject;            // "/CN=dev1/O=Acme" or "CN=dev1,O=Acme"
    std::vector<SubjectAltName> subject_alt_names;  // in an extensionRequest attribute (RFC 2985 §5.4.2)
};

// Builds and signs the request (one Signer::sign call) and checks the result with
// parse_certificate_request, so a signer whose key is not the SPKI's is caught here.
Result<Bytes> build_certificate_request(const CsrRequest& request, Signer& signer);
// PEM, label CERTIFICATE REQUEST.
Result<std::string> certificate_request_pem(ByteView der);

// A request whose self-signature has been checked.
struct CertificateRequest {
    Bytes der;
    std::string subject;            // as mbedTLS prints it: "CN=dev1, O=Acme"
    Bytes subject_der;              // the Name as the request carries it
    Bytes subject_public_key_info;  // DER
    std::vector<SubjectAltName> subject_alt_names;
    std::string signature_algorithm;  // "ecdsa-with-SHA256", "RSASSA-PSS", "sha256WithRSAEncryption"
};

// Parses a PEM or DER request and verifies its signature with the public key inside it (proof
// of possession). Malformed input is decode_error; a signature that does not verify is
// decrypt_error ("CSR signature does not verify ..."); SHA-1 or weaker is insufficient_security.
Result<CertificateRequest> parse_certificate_request(ByteView pem_or_der);

}  // namespace tpmtls::pki
