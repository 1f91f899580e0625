// Path validation against certificates made by `openssl` the way users make them (issue 14):
// critical extensions real CAs write, chains in any order with extra certificates, name
// constraints, the signature schemes of every certificate in the path, bounded path building and
// trust store bundles with roots we cannot use. Where it matters, `openssl verify` is asked too,
// so this verifier and OpenSSL agree.
#include <doctest/doctest.h>

#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <chrono>

#include "support/openssl_pki.h"
#include "tls13/clock.h"
#include "tls13/crypto/c_struct.h"
#include "tls13/x509.h"
#include "tls13/x509/x509_parse.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

using Certs = std::vector<const OpensslCertificate*>;

// One PKI for the whole file: key generation (RSA-4096, DSA) is the slow part.
struct Chains {
    OpensslPki pki;
    // RSA-4096 root (PKCS#1 SHA-256) -> RSA-2048 intermediate with critical nameConstraints
    // (permitted example.com) and certificatePolicies -> P-256 leaves signed with RSA-PSS.
    OpensslCertificate rsa_root, rsa_inter, rsa_leaf, rsa_evil_leaf, rsa_cn_only_evil;
    // P-384 root (SHA-384) -> P-256 intermediate with nameConstraints (permitted example.com,
    // excluded secret.example.com), policyConstraints, inhibitAnyPolicy -> leaves.
    OpensslCertificate ec_root, ec_inter, ec_leaf, ec_excluded_leaf;
    // P-521 root (SHA-512) -> leaf directly.
    OpensslCertificate p521_root, p521_leaf;
    // IP and directoryName / rfc822Name constraints.
    OpensslCertificate ip_inter, ip_leaf, ip_bad_leaf, dir_inter, dir_leaf, dir_bad_leaf, email_bad_leaf;
    // An intermediate signed with SHA-1.
    OpensslCertificate sha1_inter, sha1_leaf;
    // An unrelated root and intermediate (extraneous certificates).
    OpensslCertificate other_root, other_inter;

    Chains() {
        const std::string policy = "certificatePolicies=critical,1.3.6.1.4.1.99999.1\n";
        rsa_root = pki.root("rsa-root", "/CN=RSA Root", "rsa:4096", "sha256");
        rsa_inter = pki.issue("rsa-inter", "/CN=Fleet CA", "rsa:2048", rsa_root,
                              ca_extensions("nameConstraints=critical,permitted;DNS:example.com\n" + policy));
        rsa_leaf = pki.issue("rsa-leaf", "/CN=www.example.com", "ec:P-256", rsa_inter,
                             leaf_extensions("DNS:www.example.com"), signed_with("sha256", true));
        rsa_evil_leaf = pki.issue("rsa-evil", "/CN=evil", "ec:P-256", rsa_inter, leaf_extensions("DNS:evil.example"));
        rsa_cn_only_evil = pki.issue("rsa-cn-evil", "/CN=evil.example", "ec:P-256", rsa_inter, leaf_extensions(""));

        ec_root = pki.root("ec-root", "/CN=EC Root", "ec:P-384", "sha384");
        ec_inter = pki.issue("ec-inter", "/CN=EC Fleet CA", "ec:P-256", ec_root,
                             ca_extensions("nameConstraints=critical,permitted;DNS:example.com,"
                                           "excluded;DNS:secret.example.com\n" + policy +
                                           "policyConstraints=critical,requireExplicitPolicy:0\n"
                                           "inhibitAnyPolicy=critical,0\n"),
                             signed_with("sha384"));
        ec_leaf = pki.issue("ec-leaf", "/CN=api.example.com", "ec:P-256", ec_inter,
                            leaf_extensions("DNS:api.example.com", "certificatePolicies=1.3.6.1.4.1.99999.1\n"));
        ec_excluded_leaf =
            pki.issue("ec-excluded", "/CN=db", "ec:P-256", ec_inter,
                      leaf_extensions("DNS:db.secret.example.com", "certificatePolicies=1.3.6.1.4.1.99999.1\n"));

        p521_root = pki.root("p521-root", "/CN=P-521 Root", "ec:P-521", "sha512");
        p521_leaf = pki.issue("p521-leaf", "/CN=big.example.com", "ec:P-384", p521_root,
                              leaf_extensions("DNS:big.example.com"), signed_with("sha512"));

        ip_inter = pki.issue("ip-inter", "/CN=IP CA", "ec:P-256", ec_root,
                             ca_extensions("nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0\n"),
                             signed_with("sha384"));
        ip_leaf = pki.issue("ip-leaf", "/CN=10.1.2.3", "ec:P-256", ip_inter, leaf_extensions("IP:10.1.2.3"));
        ip_bad_leaf = pki.issue("ip-bad", "/CN=192.168.1.1", "ec:P-256", ip_inter, leaf_extensions("IP:192.168.1.1"));

        dir_inter = pki.issue("dir-inter", "/O=Acme/CN=Acme CA", "ec:P-256", ec_root,
                              ca_extensions("nameConstraints=critical,permitted;dirName:dir_sect,"
                                            "permitted;email:example.com\n[dir_sect]\nO=Acme\n"),
                              signed_with("sha384"));
        dir_leaf = pki.issue("dir-leaf", "/O=Acme/CN=device", "ec:P-256", dir_inter,
                             leaf_extensions("email:ops@example.com"));
        dir_bad_leaf = pki.issue("dir-bad", "/O=Evil/CN=device", "ec:P-256", dir_inter,
                                 leaf_extensions("email:ops@example.com"));
        email_bad_leaf = pki.issue("email-bad", "/O=Acme/CN=device", "ec:P-256", dir_inter,
                                   leaf_extensions("email:ops@evil.example"));

        sha1_inter = pki.issue("sha1-inter", "/CN=SHA-1 CA", "ec:P-256", ec_root, ca_extensions(), signed_with("sha1"));
        sha1_leaf = pki.issue("sha1-leaf", "/CN=old.example", "ec:P-256", sha1_inter, leaf_extensions("DNS:old.example"));

        other_root = pki.root("other-root", "/CN=Other Root", "ec:P-256");
        other_inter = pki.issue("other-inter", "/CN=Other CA", "ec:P-256", other_root, ca_extensions());
    }
};

Chains& chains() {
    static Chains instance;
    return instance;
}

TrustStore store_of(const OpensslCertificate& root) {
    auto store = TrustStore::from_pem_or_der(view(root.pem));
    REQUIRE_MESSAGE(store, (store ? "" : store.error().to_string()));
    return std::move(store).value();
}

std::vector<ByteView> wire(const Certs& certs) {
    std::vector<ByteView> out;
    for (const OpensslCertificate* c : certs) out.push_back(view(c->der));
    return out;
}

ChainPolicy policy_for(std::string name) {
    return ChainPolicy{CertificatePurpose::server_auth, std::move(name), system_clock().unix_seconds()};
}

Result<VerifiedChain> verify(const OpensslCertificate& root, const Certs& chain, const ChainPolicy& policy) {
    return verify_certificate_chain(store_of(root), wire(chain), policy);
}

std::string why(const Result<VerifiedChain>& r) { return r ? "accepted" : r.error().to_string(); }

}  // namespace

TEST_CASE("chains as openssl makes them verify, with the critical extensions real CAs write") {
    Chains& c = chains();
    struct Case {
        const char* what;
        const OpensslCertificate* root;
        Certs chain;
        const char* name;
    };
    const Case cases[] = {
        {"RSA-4096 root (PKCS#1), RSA intermediate with critical nameConstraints and certificatePolicies, "
         "P-256 leaf signed with RSA-PSS",
         &c.rsa_root, {&c.rsa_leaf, &c.rsa_inter}, "www.example.com"},
        {"P-384 root, intermediate with policyConstraints and inhibitAnyPolicy", &c.ec_root, {&c.ec_leaf, &c.ec_inter},
         "api.example.com"},
        {"P-521 root signing with SHA-512", &c.p521_root, {&c.p521_leaf}, "big.example.com"},
        {"IP constraints, leaf inside", &c.ec_root, {&c.ip_leaf, &c.ip_inter}, "10.1.2.3"},
        {"directoryName and rfc822Name constraints, leaf inside", &c.ec_root, {&c.dir_leaf, &c.dir_inter}, ""},
    };
    for (const Case& k : cases) {
        CAPTURE(k.what);
        auto result = verify(*k.root, k.chain, policy_for(k.name));
        CHECK_MESSAGE(result, why(result));
        const Certs untrusted(k.chain.begin() + 1, k.chain.end());
        CHECK(c.pki.openssl_verifies(*k.root, untrusted, *k.chain.front()));
    }
}

TEST_CASE("the path is built from what the peer sent, in any order, with extras and the root") {
    Chains& c = chains();
    OpensslPki& pki = c.pki;
    // root -> inter1 -> inter2 -> leaf, all P-256.
    const OpensslCertificate root = pki.root("order-root", "/CN=Order Root", "ec:P-256");
    const OpensslCertificate inter1 = pki.issue("order-i1", "/CN=Order CA 1", "ec:P-256", root, ca_extensions());
    const OpensslCertificate inter2 = pki.issue("order-i2", "/CN=Order CA 2", "ec:P-256", inter1, ca_extensions());
    const OpensslCertificate leaf = pki.issue("order-leaf", "/CN=o.example", "ec:P-256", inter2, leaf_extensions("DNS:o.example"));
    const Certs orders[] = {
        {&leaf, &inter2, &inter1},
        {&leaf, &inter1, &inter2},
        {&leaf, &c.other_inter, &inter1, &c.rsa_inter, &inter2},
        {&leaf, &root, &inter1, &inter2},
        {&leaf, &inter2, &inter1, &root, &c.other_root},
    };
    for (const Certs& order : orders) {
        auto result = verify(root, order, policy_for("o.example"));
        CHECK_MESSAGE(result, why(result));
        CHECK(pki.openssl_verifies(root, Certs(order.begin() + 1, order.end()), leaf));
    }
    // An intermediate may itself be the trust anchor.
    CHECK(verify(inter2, {&leaf, &inter1, &c.other_inter}, policy_for("o.example")));
    // A missing intermediate: no path to the root.
    auto missing = verify(root, {&leaf, &inter2, &c.other_inter}, policy_for("o.example"));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().description == AlertDescription::unknown_ca);
    CHECK_FALSE(pki.openssl_verifies(root, {&inter2, &c.other_inter}, leaf));

    // The path is limited: leaf, two intermediates and the root are 4 certificates.
    ChainPolicy short_policy = policy_for("o.example");
    short_policy.max_path_length = 3;
    auto too_long = verify(root, {&leaf, &inter1, &inter2}, short_policy);
    REQUIRE_FALSE(too_long);
    CHECK(too_long.error().description == AlertDescription::bad_certificate);
    CHECK(too_long.error().reason == "certificate path longer than 3");
    short_policy.max_path_length = 4;
    CHECK(verify(root, {&leaf, &inter1, &inter2}, short_policy));
}

TEST_CASE("mbedTLS's own checks still run on the path we build: pathLenConstraint") {
    Chains& c = chains();
    const OpensslCertificate limited = c.pki.issue("pathlen0", "/CN=Pathlen 0 CA", "ec:P-256", c.ec_root,
                                                   "basicConstraints=critical,CA:TRUE,pathlen:0\n"
                                                   "keyUsage=critical,keyCertSign\n",
                                                   signed_with("sha384"));
    const OpensslCertificate below = c.pki.issue("pathlen0-sub", "/CN=Sub CA", "ec:P-256", limited, ca_extensions());
    const OpensslCertificate leaf = c.pki.issue("pathlen0-leaf", "/CN=p.example", "ec:P-256", below,
                                                leaf_extensions("DNS:p.example"));
    auto result = verify(c.ec_root, {&leaf, &below, &limited}, policy_for("p.example"));
    CHECK_FALSE(result);
    CHECK_FALSE(c.pki.openssl_verifies(c.ec_root, {&below, &limited}, leaf));
}

TEST_CASE("name constraints of every CA bind the certificates below it") {
    Chains& c = chains();
    struct Case {
        const char* what;
        Certs chain;
        const OpensslCertificate* root;
        std::string reason;
    };
    const Case cases[] = {
        {"DNS name outside permitted", {&c.rsa_evil_leaf, &c.rsa_inter}, &c.rsa_root,
         "name constraints of CN=Fleet CA: DNS:evil.example is not within permitted DNS:example.com"},
        {"subject CN used as a DNS name when there is no SAN dNSName", {&c.rsa_cn_only_evil, &c.rsa_inter}, &c.rsa_root,
         "name constraints of CN=Fleet CA: DNS:evil.example is not within permitted DNS:example.com"},
        {"DNS name inside excluded", {&c.ec_excluded_leaf, &c.ec_inter}, &c.ec_root,
         "name constraints of CN=EC Fleet CA: DNS:db.secret.example.com is within excluded DNS:secret.example.com"},
        {"IP address outside permitted", {&c.ip_bad_leaf, &c.ip_inter}, &c.ec_root,
         "name constraints of CN=IP CA: IP:192.168.1.1 is not within permitted IP:10.0.0.0/255.0.0.0"},
        {"subject DN outside permitted directoryName", {&c.dir_bad_leaf, &c.dir_inter}, &c.ec_root,
         "name constraints of O=Acme, CN=Acme CA: DirName:O=Evil, CN=device is not within permitted DirName:O=Acme"},
        {"rfc822Name outside permitted", {&c.email_bad_leaf, &c.dir_inter}, &c.ec_root,
         "name constraints of O=Acme, CN=Acme CA: email:ops@evil.example is not within permitted email:example.com"},
    };
    // The trust anchor's own constraints bind the path too, as OpenSSL applies them.
    OpensslPki& pki = c.pki;
    const OpensslCertificate corp_root =
        pki.root("corp-root", "/CN=Corp Root", "ec:P-256", "sha256", {"nameConstraints=critical,permitted;DNS:corp.example"});
    const OpensslCertificate corp_inter = pki.issue("corp-inter", "/CN=Corp CA", "ec:P-256", corp_root, ca_extensions());
    const OpensslCertificate corp_leaf =
        pki.issue("corp-leaf", "/CN=w", "ec:P-256", corp_inter, leaf_extensions("DNS:w.corp.example"));
    const OpensslCertificate corp_stray =
        pki.issue("corp-stray", "/CN=w", "ec:P-256", corp_inter, leaf_extensions("DNS:w.example.net"));
    CHECK(verify(corp_root, {&corp_leaf, &corp_inter}, policy_for("w.corp.example")));
    CHECK(pki.openssl_verifies(corp_root, {&corp_inter}, corp_leaf));
    const Case anchor_case = {"the anchor's DNS constraint", {&corp_stray, &corp_inter}, &corp_root,
                              "name constraints of CN=Corp Root: DNS:w.example.net is not within permitted "
                              "DNS:corp.example"};
    std::vector<Case> all(std::begin(cases), std::end(cases));
    all.push_back(anchor_case);
    for (const Case& k : all) {
        CAPTURE(k.what);
        auto result = verify(*k.root, k.chain, policy_for(""));
        REQUIRE_FALSE(result);
        CHECK(result.error().description == AlertDescription::bad_certificate);
        CHECK(result.error().reason == k.reason);
        CHECK_FALSE(c.pki.openssl_verifies(*k.root, Certs(k.chain.begin() + 1, k.chain.end()), *k.chain.front()));
    }
}

TEST_CASE("a self-issued intermediate (key rollover) is not itself bound by the constraints above it") {
    // RFC 5280 §6.1.3 (b): the old Fleet CA key, constrained to O=Acme names, certifies the new
    // Fleet CA key (same name: self-issued), which issues the leaf. Only the leaf's names count.
    Chains& c = chains();
    OpensslPki& pki = c.pki;
    const OpensslCertificate old_ca =
        pki.issue("rollover-old", "/CN=Rollover CA", "ec:P-256", c.ec_root,
                  ca_extensions("nameConstraints=critical,permitted;dirName:dir_sect\n[dir_sect]\nO=Acme\n"),
                  signed_with("sha384"));
    const OpensslCertificate new_ca = pki.issue("rollover-new", "/CN=Rollover CA", "ec:P-256", old_ca, ca_extensions());
    const OpensslCertificate leaf =
        pki.issue("rollover-leaf", "/O=Acme/CN=r.example", "ec:P-256", new_ca, leaf_extensions("DNS:r.example"));
    auto result = verify(c.ec_root, {&leaf, &old_ca, &new_ca}, policy_for("r.example"));
    CHECK_MESSAGE(result, why(result));
    CHECK(pki.openssl_verifies(c.ec_root, {&old_ca, &new_ca}, leaf));
    const OpensslCertificate outsider =
        pki.issue("rollover-outsider", "/O=Other/CN=r.example", "ec:P-256", new_ca, leaf_extensions("DNS:r.example"));
    CHECK_FALSE(verify(c.ec_root, {&outsider, &new_ca, &old_ca}, policy_for("r.example")));
    CHECK_FALSE(pki.openssl_verifies(c.ec_root, {&old_ca, &new_ca}, outsider));
}

TEST_CASE("every signature in the path must use a scheme we offered") {
    Chains& c = chains();
    // The RSA chain: the root signed the intermediate with rsa_pkcs1_sha256, the intermediate
    // signed the leaf with rsa_pss_rsae_sha256.
    ChainPolicy policy = policy_for("www.example.com");
    policy.signature_schemes = {SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::ecdsa_secp256r1_sha256};
    auto no_pkcs1 = verify(c.rsa_root, {&c.rsa_leaf, &c.rsa_inter}, policy);
    REQUIRE_FALSE(no_pkcs1);
    CHECK(no_pkcs1.error().description == AlertDescription::bad_certificate);
    CHECK(no_pkcs1.error().reason ==
          "certificate CN=Fleet CA is signed with rsa_pkcs1_sha256, which was not offered in signature_algorithms_cert");
    policy.signature_schemes = {SignatureScheme::rsa_pkcs1_sha256};
    auto no_pss = verify(c.rsa_root, {&c.rsa_leaf, &c.rsa_inter}, policy);
    REQUIRE_FALSE(no_pss);
    CHECK(no_pss.error().reason.find("CN=www.example.com is signed with rsa_pss_rsae_sha256") != std::string::npos);
    policy.signature_schemes = {SignatureScheme::rsa_pkcs1_sha256, SignatureScheme::rsa_pss_rsae_sha256};
    CHECK(verify(c.rsa_root, {&c.rsa_leaf, &c.rsa_inter}, policy));
    // P-521 with SHA-512 maps to ecdsa_secp521r1_sha512; the root's own self-signature is not checked.
    ChainPolicy p521 = policy_for("big.example.com");
    p521.signature_schemes = {SignatureScheme::ecdsa_secp256r1_sha256};
    auto refused = verify(c.p521_root, {&c.p521_leaf}, p521);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().reason.find("ecdsa_secp521r1_sha512") != std::string::npos);
    p521.signature_schemes = {SignatureScheme::ecdsa_secp521r1_sha512};
    CHECK(verify(c.p521_root, {&c.p521_leaf}, p521));
}

TEST_CASE("each certificate signature openssl makes maps to its TLS scheme") {
    Chains& c = chains();
    struct Signer {
        const OpensslCertificate* root;
        const char* digest;
        bool pss;
        SignatureScheme scheme;
    };
    const Signer signers[] = {
        {&c.rsa_root, "sha256", false, SignatureScheme::rsa_pkcs1_sha256},
        {&c.rsa_root, "sha384", false, SignatureScheme::rsa_pkcs1_sha384},
        {&c.rsa_root, "sha512", false, SignatureScheme::rsa_pkcs1_sha512},
        {&c.rsa_root, "sha256", true, SignatureScheme::rsa_pss_rsae_sha256},
        {&c.rsa_root, "sha384", true, SignatureScheme::rsa_pss_rsae_sha384},
        {&c.rsa_root, "sha512", true, SignatureScheme::rsa_pss_rsae_sha512},
        {&c.ec_root, "sha256", false, SignatureScheme::ecdsa_secp256r1_sha256},
        {&c.ec_root, "sha384", false, SignatureScheme::ecdsa_secp384r1_sha384},
        {&c.p521_root, "sha512", false, SignatureScheme::ecdsa_secp521r1_sha512},
    };
    int n = 0;
    for (const Signer& signer : signers) {
        const std::string scheme = to_string(signer.scheme);
        CAPTURE(scheme);
        const OpensslCertificate leaf = c.pki.issue("scheme-" + std::to_string(++n), "/CN=s.example", "ec:P-256",
                                                    *signer.root, leaf_extensions("DNS:s.example"),
                                                    signed_with(signer.digest, signer.pss));
        CHECK(c.pki.openssl_verifies(*signer.root, {}, leaf));
        auto by_default = verify(*signer.root, {&leaf}, policy_for("s.example"));
        CHECK_MESSAGE(by_default, why(by_default));
        ChainPolicy only = policy_for("s.example");
        only.signature_schemes = {signer.scheme};
        CHECK(verify(*signer.root, {&leaf}, only));
        ChainPolicy all_but = policy_for("s.example");
        for (SignatureScheme offered : certificate_signature_schemes())
            if (offered != signer.scheme) all_but.signature_schemes.push_back(offered);
        auto refused = verify(*signer.root, {&leaf}, all_but);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().reason == "certificate CN=s.example is signed with " + scheme +
                                            ", which was not offered in signature_algorithms_cert");
    }
}

TEST_CASE("a trust anchor's own self-signature is not held to the offered schemes") {
    Chains& c = chains();
    // The RSA root signs itself with rsa_pkcs1_sha256; only its signature on the leaf counts.
    const OpensslCertificate leaf = c.pki.issue("anchor-leaf", "/CN=a.example", "ec:P-256", c.rsa_root,
                                                leaf_extensions("DNS:a.example"), signed_with("sha256", true));
    ChainPolicy policy = policy_for("a.example");
    policy.signature_schemes = {SignatureScheme::rsa_pss_rsae_sha256};
    CHECK(verify(c.rsa_root, {&leaf}, policy));
    CHECK(verify(c.rsa_root, {&leaf, &c.rsa_root}, policy));  // also when the root is sent along
    // A pinned self-signed end-entity certificate is its own anchor.
    const OpensslCertificate pinned = c.pki.self_signed(
        "pinned", "/CN=pinned.example", "ec:P-256", "sha256",
        {"basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth",
         "subjectAltName=DNS:pinned.example"});
    policy = policy_for("pinned.example");
    policy.signature_schemes = {SignatureScheme::ecdsa_secp384r1_sha384};
    auto result = verify(pinned, {&pinned}, policy);
    CHECK_MESSAGE(result, why(result));
}

TEST_CASE("SHA-1 certificate signatures are refused unless allowed") {
    Chains& c = chains();
    ChainPolicy policy = policy_for("old.example");
    auto refused = verify(c.ec_root, {&c.sha1_leaf, &c.sha1_inter}, policy);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().description == AlertDescription::bad_certificate);
    CHECK(refused.error().reason == "certificate CN=SHA-1 CA is signed with SHA-1 (ecdsa_sha1), which is not accepted");
    policy.allow_sha1 = true;
    auto allowed = verify(c.ec_root, {&c.sha1_leaf, &c.sha1_inter}, policy);
    CHECK_MESSAGE(allowed, why(allowed));
}

TEST_CASE("loops and long chains are refused without unbounded work") {
    Chains& c = chains();
    OpensslPki& pki = c.pki;
    // Two CAs that certify each other: A by B, B by A; the leaf by A. No trusted root above them.
    const OpensslCertificate b0 = pki.root("loop-b0", "/CN=Loop B", "ec:P-256");
    const OpensslCertificate a_by_b = pki.issue("loop-a", "/CN=Loop A", "ec:P-256", b0, ca_extensions());
    const OpensslCertificate b_by_a =
        pki.issue("loop-b", "/CN=Loop B", "", a_by_b, ca_extensions(), with_key_of("loop-b0"));
    const OpensslCertificate leaf = pki.issue("loop-leaf", "/CN=l.example", "ec:P-256", a_by_b, leaf_extensions("DNS:l.example"));
    const auto loop_start = std::chrono::steady_clock::now();
    auto loop = verify(c.other_root, {&leaf, &a_by_b, &b_by_a, &a_by_b, &b_by_a}, policy_for("l.example"));
    CHECK(std::chrono::steady_clock::now() - loop_start < std::chrono::seconds(1));
    REQUIRE_FALSE(loop);
    CHECK(loop.error().description == AlertDescription::unknown_ca);
    // Trusting B's self-signed certificate, the same certificates make a path: leaf, A, B.
    CHECK(verify(b0, {&leaf, &b_by_a, &a_by_b}, policy_for("l.example")));

    // Eleven intermediates: leaf + 11 + root is 13 certificates, more than the default 10.
    std::vector<OpensslCertificate> ladder;
    ladder.push_back(pki.root("ladder-0", "/CN=Ladder 0", "ec:P-256"));
    for (int i = 1; i <= 11; ++i)
        ladder.push_back(pki.issue("ladder-" + std::to_string(i), "/CN=Ladder " + std::to_string(i), "ec:P-256",
                                   ladder.back(), ca_extensions()));
    const OpensslCertificate tall = pki.issue("ladder-leaf", "/CN=t.example", "ec:P-256", ladder.back(),
                                              leaf_extensions("DNS:t.example"));
    Certs sent = {&tall};
    for (size_t i = ladder.size() - 1; i >= 1; --i) sent.push_back(&ladder[i]);
    const auto build_start = std::chrono::steady_clock::now();
    auto deep = verify(ladder[0], sent, policy_for("t.example"));
    const auto elapsed = std::chrono::steady_clock::now() - build_start;
    REQUIRE_FALSE(deep);
    CHECK(deep.error().description == AlertDescription::bad_certificate);
    CHECK(deep.error().reason == "certificate path longer than 10");
    CHECK(elapsed < std::chrono::seconds(1));
}

TEST_CASE("many certificates with the issuer's name: key identifiers find the issuer within the bounded checks") {
    // 40 CAs named like the leaf's issuer, with other keys, sent before the real one. Signature
    // checks per chain are bounded (fewer than 40); the leaf's authorityKeyIdentifier rules the
    // others out without one.
    Chains& c = chains();
    OpensslPki& pki = c.pki;
    std::vector<OpensslCertificate> decoys;
    for (int i = 0; i < 40; ++i) decoys.push_back(pki.root("decoy-" + std::to_string(i), "/CN=Busy CA", "ec:P-256"));
    const OpensslCertificate real =
        pki.issue("busy-ca", "/CN=Busy CA", "ec:P-256", c.ec_root, ca_extensions(), signed_with("sha384"));
    const OpensslCertificate leaf = pki.issue("busy-leaf", "/CN=b.example", "ec:P-256", real, leaf_extensions("DNS:b.example"));
    Certs sent = {&leaf};
    for (const OpensslCertificate& d : decoys) sent.push_back(&d);
    sent.push_back(&real);
    const auto start = std::chrono::steady_clock::now();
    auto result = verify(c.ec_root, sent, policy_for("b.example"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
    CHECK_MESSAGE(result, why(result));
    CHECK(pki.openssl_verifies(c.ec_root, Certs(sent.begin() + 1, sent.end()), leaf));
}

TEST_CASE("a critical extension nobody implements is refused wherever certificates are parsed") {
    Chains& c = chains();
    const OpensslCertificate odd = c.pki.issue("odd-leaf", "/CN=odd.example", "ec:P-256", c.ec_root,
                                               leaf_extensions("DNS:odd.example", "1.3.6.1.4.1.99999.7=critical,ASN1:NULL\n"),
                                               signed_with("sha384"));
    const std::string expected = "critical extension 1.3.6.1.4.1.99999.7 is not supported";
    auto chain = verify(c.ec_root, {&odd}, policy_for("odd.example"));
    REQUIRE_FALSE(chain);
    CHECK(chain.error().description == AlertDescription::bad_certificate);
    CHECK(chain.error().reason == expected);
    CHECK_FALSE(c.pki.openssl_verifies(c.ec_root, {}, odd));
    auto described = describe_certificate(view(odd.der));
    REQUIRE_FALSE(described);
    CHECK(described.error().reason == expected);
    auto key = PublicKey::from_certificate(view(odd.der));
    REQUIRE_FALSE(key);
    CHECK(key.error().reason == expected);
    auto store = TrustStore::from_pem_or_der(view(odd.pem));
    REQUIRE_FALSE(store);
    CHECK(store.error().reason.find(expected) != std::string::npos);

    // The four extensions real CAs mark critical parse everywhere.
    CHECK(describe_certificate(view(c.ec_inter.der)));
    CHECK(PublicKey::from_certificate(view(c.ec_inter.der)));
    CHECK(TrustStore::from_pem_or_der(view(c.ec_inter.pem)));
    CStruct<mbedtls_x509_crt, mbedtls_x509_crt_init, mbedtls_x509_crt_free> list;
    CHECK(parse_certificate(list.value, view(c.rsa_inter.der), true));
    CHECK(parse_certificate(list.value, view(c.ec_inter.der), false));
}

TEST_CASE("a trust store bundle loads its usable roots and says which it skipped") {
    Chains& c = chains();
    OpensslPki& pki = c.pki;
    const OpensslCertificate tiny = pki.root("tiny-root", "/CN=Tiny root", "rsa:1024");
    const OpensslCertificate dsa = pki.root("dsa-root", "/CN=Old root", "dsa:1024");
    const OpensslCertificate edwards = pki.root("ed25519-root", "/CN=Edwards root", "ed25519:", "");
    const std::string text = tiny.pem + c.ec_root.pem + dsa.pem + edwards.pem +
                             "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n";
    auto store = TrustStore::from_pem_or_der(view(text));
    REQUIRE_MESSAGE(store, (store ? "" : store.error().to_string()));
    CHECK(store->size() == 1);
    CHECK(store->skipped() == std::vector<std::string>{
                                  "certificate 1 (CN=Tiny root): RSA-1024 key, at least 2048 bits required",
                                  "certificate 3 (CN=Old root): DSA key, not supported",
                                  "certificate 4 (CN=Edwards root): Ed25519 key, not supported",
                                  "certificate 5: PEM block is not valid base64"});
    // The root that loaded works.
    CHECK(verify_certificate_chain(*store, wire({&c.ec_leaf, &c.ec_inter}), policy_for("api.example.com")));

    auto only_tiny = TrustStore::from_pem_or_der(view(tiny.pem));
    REQUIRE_FALSE(only_tiny);
    CHECK(only_tiny.error().reason ==
          "no usable certificate: certificate 1 (CN=Tiny root): RSA-1024 key, at least 2048 bits required");
    // A self-signed end-entity certificate (RFC 8448's RSA-1024 one in `tpmtls replay`) is pinned,
    // not skipped; verification then refuses its key and says so, as before.
    const OpensslCertificate pinned = pki.self_signed(
        "pinned-rsa1024", "/CN=pinned1024.example", "rsa:1024", "sha256",
        {"basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth",
         "subjectAltName=DNS:pinned1024.example"});
    auto pinned_store = TrustStore::from_pem_or_der(view(pinned.pem));
    REQUIRE_MESSAGE(pinned_store, (pinned_store ? "" : pinned_store.error().to_string()));
    CHECK(pinned_store->skipped().empty());
    CHECK(pinned_store->size() == 1);
    auto pinned_chain = verify_certificate_chain(*pinned_store, wire({&pinned}), policy_for("pinned1024.example"));
    REQUIRE_FALSE(pinned_chain);
    CHECK(pinned_chain.error().description == AlertDescription::bad_certificate);
    CHECK(pinned_chain.error().reason == "certificate uses a disallowed algorithm or a key that is too small");

    auto only_dsa_der = TrustStore::from_pem_or_der(view(dsa.der));
    REQUIRE_FALSE(only_dsa_der);
    CHECK(only_dsa_der.error().reason == "no usable certificate: certificate 1 (CN=Old root): DSA key, not supported");
}
