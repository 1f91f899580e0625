// A throw-away PKI for tests, made in memory with mbedTLS's certificate writer: a root CA, an
// optional intermediate, and leaf certificates with chosen names, EKUs and validity. Keys are
// fresh each run and never written to the source tree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tls13/bytes.h"

namespace tpmtls::test {

enum class KeyType { ecdsa_p256, ecdsa_p384, ecdsa_p521, rsa_2048 };

struct KeyPair {
    std::string private_pem;  // PKCS#8/SEC1 PEM, for SoftwareSigner::from_key
    KeyType type = KeyType::ecdsa_p256;
};

struct IssuedCertificate {
    Bytes der;
    std::string pem;
    KeyPair key;
};

struct CertificateSpec {
    std::string subject = "CN=leaf";
    std::vector<std::string> dns_names;
    std::vector<std::string> ip_addresses;  // "127.0.0.1", "::1"
    bool server_auth = true;
    bool client_auth = true;
    bool include_eku = true;  // false: no EKU extension at all
    bool is_ca = false;
    bool digital_signature = true;  // keyUsage digitalSignature (CAs also get keyCertSign)
    int64_t not_before = 0;  // unix seconds; 0 = now - 1 day
    int64_t not_after = 0;   // 0 = now + 30 days
    KeyType key_type = KeyType::ecdsa_p256;
};

KeyPair generate_key(KeyType type);

// Signs `spec` with `issuer` (nullptr: self-signed). Aborts the test on failure.
IssuedCertificate issue_certificate(const CertificateSpec& spec, const IssuedCertificate* issuer);

// A certificate for a public key held elsewhere (a TPM key): `spki_der` is its
// SubjectPublicKeyInfo; the result's key.private_pem is empty. Aborts the test on failure.
IssuedCertificate issue_certificate_for_public_key(const CertificateSpec& spec, ByteView spki_der,
                                                   const IssuedCertificate& issuer);

// A root CA with one leaf for server auth ("localhost", 127.0.0.1, ::1) and one for client auth.
struct TestPki {
    IssuedCertificate root;
    IssuedCertificate server;
    IssuedCertificate client;
};
TestPki make_test_pki(KeyType leaf_key = KeyType::ecdsa_p256);
// One ECDSA P-256 TestPki per test program, made on first use.
const TestPki& shared_test_pki();

}  // namespace tpmtls::test
