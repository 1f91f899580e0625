// A small certificate authority for device enrollment: a software key (ECDSA P-256 or P-384,
// or RSA as a company CA made with `openssl genrsa` has) and a self-signed CA certificate, and
// issuance from a PKCS#10 request whose signature is checked first (RFC 2986 §3: proof that the
// requester holds the key). Pure functions: PEM/DER in, PEM/DER out; time and randomness are
// injected; files are the caller's business.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tls13/clock.h"
#include "tls13/crypto/random.h"
#include "pki/csr.h"
#include "pki/key_generation.h"

namespace tpmtls::pki {

// What an issued certificate is for (RFC 5280 §4.2.1.12 extKeyUsage).
enum class CertificateProfile : uint8_t {
    client,  // id-kp-clientAuth: a device authenticating with its TPM key
    server,  // id-kp-serverAuth: the demo's server
};
Result<CertificateProfile> parse_certificate_profile(std::string_view text);  // "client" | "server"
std::string to_string(CertificateProfile profile);

// A new CA: its private key (PEM, wiped when this goes) and its self-signed certificate
// (basicConstraints CA:TRUE, keyUsage keyCertSign|cRLSign, subject key identifier), signed
// ecdsa-with-SHA256 (P-256), ecdsa-with-SHA384 (P-384) or sha256WithRSAEncryption (RSA).
struct NewCertificateAuthority {
    std::string key_pem;
    std::string certificate_pem;
    Bytes certificate_der;

    NewCertificateAuthority() = default;
    ~NewCertificateAuthority();
    NewCertificateAuthority(NewCertificateAuthority&&) noexcept = default;
    NewCertificateAuthority& operator=(NewCertificateAuthority&&) noexcept = default;
};

struct CaOptions {
    std::string subject;  // "/CN=Acme device CA" or "CN=Acme device CA,O=Acme"
    int days = 3650;
};

// An ECDSA P-256 CA.
Result<NewCertificateAuthority> create_certificate_authority(const CaOptions& options, const Clock& clock,
                                                             Random& random = system_random());
Result<NewCertificateAuthority> create_certificate_authority(const CaOptions& options, const KeySpec& key,
                                                            const Clock& clock, Random& random = system_random());

// How an RSA CA signs (RFC 8017 §8): PKCS#1 v1.5, sha256WithRSAEncryption as `openssl x509 -req
// -sha256` does, or RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (RFC 4055 §3.1).
// An ECDSA CA signs with the hash of its curve's size: P-256 SHA-256, P-384 SHA-384.
enum class RsaPadding : uint8_t { pkcs1_v15, pss };

struct IssueOptions {
    CertificateProfile profile = CertificateProfile::client;
    int days = 365;
};

struct IssuedCertificate {
    Bytes der;
    std::string pem;
    Bytes serial;          // 16 bytes, positive (top bit clear), random
    std::string subject;   // copied from the request
    std::vector<SubjectAltName> subject_alt_names;
    int64_t not_before = 0;  // unix seconds
    int64_t not_after = 0;
};

class CertificateAuthority {
public:
    ~CertificateAuthority();
    CertificateAuthority(CertificateAuthority&&) noexcept;
    CertificateAuthority& operator=(CertificateAuthority&&) noexcept;

    // The CA certificate (PEM or DER) and its private key (PEM or DER: SEC1, PKCS#1 or PKCS#8,
    // unencrypted). Refused: a certificate that is not a CA (basicConstraints), a key that is not
    // the certificate's, RsaPadding::pss with a key that is not RSA (illegal_parameter). The
    // certificate may carry critical extensions that constrain relying parties rather than the
    // signer (nameConstraints, certificatePolicies, ...); they are accepted, and not enforced on
    // what is issued.
    static Result<CertificateAuthority> load(ByteView certificate, ByteView private_key,
                                             RsaPadding rsa_padding = RsaPadding::pkcs1_v15);

    // Checks the request's signature (decrypt_error if it does not verify, before anything else),
    // then issues: subject and SANs copied, extKeyUsage from the profile, keyUsage
    // digitalSignature, basicConstraints CA:FALSE, SKI/AKI, a random 16-byte serial, validity
    // [now, now + days] from `clock`, signed with signature_scheme() and checked to verify with
    // the CA certificate's key before it is returned.
    Result<IssuedCertificate> issue(ByteView request_pem_or_der, const IssueOptions& options, const Clock& clock,
                                    Random& random = system_random()) const;

    std::string subject() const;  // "CN=Acme device CA, O=Acme"
    SignatureScheme signature_scheme() const;  // e.g. rsa_pkcs1_sha256
    std::string signature_algorithm() const;   // its X.509 name: "sha256WithRSAEncryption"

    struct Impl;

private:
    explicit CertificateAuthority(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tpmtls::pki
