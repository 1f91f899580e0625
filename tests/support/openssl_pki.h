// Certificates made with the openssl commands users type (issue 14): `openssl req -x509` roots,
// `openssl x509 -req -extfile` intermediates and leaves, RSA (PKCS#1 and PSS), NIST curves, DSA,
// and the extensions real CAs write (critical nameConstraints, certificatePolicies, ...), which
// tests/support/test_pki.h (mbedTLS's writer) cannot make. Every command must succeed (REQUIRE).
#pragma once

#include <string>
#include <vector>

#include "support/peer_process.h"
#include "tls13/bytes.h"

namespace tpmtls::test {

struct OpensslCertificate {
    std::string name;
    std::string pem_path;
    std::string key_path;
    std::string pem;
    Bytes der;
};

struct IssueOptions {
    std::string digest = "sha256";  // -sha256, -sha384, -sha512, -sha1
    bool pss = false;               // -sigopt rsa_padding_mode:pss, salt as long as the digest
    std::string key_from;           // another certificate's key (cross-signing); default a new key
};

// (Designated initializers that leave fields out trip -Wmissing-field-initializers.)
inline IssueOptions signed_with(std::string digest, bool pss = false) {
    IssueOptions o;
    o.digest = std::move(digest);
    o.pss = pss;
    return o;
}
inline IssueOptions with_key_of(std::string certificate_name) {
    IssueOptions o;
    o.key_from = std::move(certificate_name);
    return o;
}

class OpensslPki {
public:
    OpensslPki();
    const TempDir& dir() const { return dir_; }

    // "rsa:4096", "rsa:2048", "rsa:1024", "ec:P-256", "ec:P-384", "ec:P-521", "dsa:1024", "ed25519:".
    std::string make_key(const std::string& name, const std::string& kind);

    // Self-signed CA: basicConstraints=critical,CA:TRUE, keyUsage=critical,keyCertSign,cRLSign,
    // subjectKeyIdentifier, plus `extensions` (openssl -addext values). An empty digest for Ed25519.
    OpensslCertificate root(const std::string& name, const std::string& subject, const std::string& key_kind,
                            const std::string& digest = "sha256", const std::vector<std::string>& extensions = {});
    // Self-signed with only `extensions` (a pinned end-entity certificate, say).
    OpensslCertificate self_signed(const std::string& name, const std::string& subject, const std::string& key_kind,
                                   const std::string& digest, const std::vector<std::string>& extensions);
    // Signed by `issuer`; `extfile` is the -extfile text (lines of the default section, then any
    // sections they refer to). Use ca_extensions() / leaf_extensions() for the usual lines.
    OpensslCertificate issue(const std::string& name, const std::string& subject, const std::string& key_kind,
                             const OpensslCertificate& issuer, const std::string& extfile,
                             const IssueOptions& options = {});

    // The PEM files concatenated, written as `name`; returns its path.
    std::string bundle(const std::string& name, const std::vector<const OpensslCertificate*>& certificates) const;

    // `openssl verify -CAfile root [-untrusted bundle] leaf`: true when openssl says OK.
    bool openssl_verifies(const OpensslCertificate& root, const std::vector<const OpensslCertificate*>& untrusted,
                          const OpensslCertificate& leaf) const;

private:
    TempDir dir_;
    std::string config_;
    unsigned serial_ = 1000;
};

// CA:TRUE, keyCertSign, key identifiers, then `extra` lines.
std::string ca_extensions(const std::string& extra = "");
// CA:FALSE, digitalSignature, serverAuth, subjectAltName=`san`, then `extra` lines.
std::string leaf_extensions(const std::string& san, const std::string& extra = "");

}  // namespace tpmtls::test
