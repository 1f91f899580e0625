// Certification path building (RFC 8446 §4.4.2, RFC 4158 in its simplest form) and the mapping
// of each certificate's signature to a TLS SignatureScheme (RFC 8446 §4.2.3), over parsed mbedTLS
// certificates. tls13/x509/x509.cpp validates the path with mbedTLS afterwards.
#pragma once

#include <vector>

#include "tls13/bytes.h"
#include "tls13/types.h"

struct mbedtls_x509_crt;  // <mbedtls/x509_crt.h>

namespace tpmtls {

struct CertificatePath {
    // Leaf first, then each one's issuer, all taken from what the peer presented.
    std::vector<const mbedtls_x509_crt*> certificates;
    // The trust store's issuer of the last one; null when none was found (mbedTLS then says
    // unknown_ca, or trusts a self-signed leaf that is itself in the store).
    const mbedtls_x509_crt* anchor = nullptr;
};

// §4.4.2: "be prepared to handle potentially extraneous certificates and arbitrary orderings
// from any TLS version, with the exception of the end-entity certificate which MUST be first".
// From presented[0], repeatedly the issuer (issuer name == subject name, preferring one whose key
// verifies the signature; subject/authority key identifiers spare checks on the others) from the
// trust store, else from the presented certificates not used yet.
// Each certificate is used once, signature checks are bounded, and a path of more than
// `max_path_length` certificates (anchor counted) is bad_certificate.
Result<CertificatePath> build_certificate_path(const mbedtls_x509_crt& anchors,
                                               const std::vector<const mbedtls_x509_crt*>& presented,
                                               unsigned max_path_length);

// The scheme of `crt`'s signature, made with `issuer`'s key: sha256WithRSAEncryption ->
// rsa_pkcs1_sha256, ecdsa-with-SHA384 -> ecdsa_secp384r1_sha384, RSASSA-PSS with SHA-256 and an
// rsaEncryption issuer key -> rsa_pss_rsae_sha256, sha1WithRSAEncryption -> rsa_pkcs1_sha1, ...
// A signature algorithm no TLS 1.3 scheme names is bad_certificate.
Result<SignatureScheme> certificate_signature_scheme(const mbedtls_x509_crt& crt, const mbedtls_x509_crt& issuer);

}  // namespace tpmtls
