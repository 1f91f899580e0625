// Chain validation (tls13/x509.h): what is accepted, and for each way a certificate can be
// wrong, the RFC 8446 §6.2 alert the handshake will send.
#include <doctest/doctest.h>

#include "support/test_pki.h"
#include "tls13/clock.h"
#include "tls13/x509.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

TrustStore anchors(const IssuedCertificate& root) {
    auto store = TrustStore::from_pem_or_der(view(root.pem));
    REQUIRE(store);
    return std::move(store).value();
}

ChainPolicy server_policy(std::string name) {
    return ChainPolicy{CertificatePurpose::server_auth, std::move(name), system_clock().unix_seconds()};
}

}  // namespace

TEST_CASE("a server chain to the trusted root is accepted for its names") {
    const TrustStore store = anchors(shared_test_pki().root);
    CHECK(store.size() == 1);
    for (const char* name : {"localhost", "LOCALHOST", "localhost.", "127.0.0.1", "::1", "[::1]"}) {
        CAPTURE(name);
        auto chain = verify_certificate_chain(store, {view(shared_test_pki().server.der)}, server_policy(name));
        REQUIRE_MESSAGE(chain, (chain ? "" : chain.error().to_string()));
        const PeerIdentity& id = chain->identity();
        CHECK(id.subject == "CN=localhost, O=tpmtls tests");
        CHECK(id.dns_names == std::vector<std::string>{"localhost"});
        CHECK(id.ip_addresses == std::vector<std::string>{"127.0.0.1", "::1"});
        CHECK(id.sha256_fingerprint.size() == 32);
    }
}

TEST_CASE("a client chain is accepted for clientAuth and tells who the client is") {
    const TrustStore store = anchors(shared_test_pki().root);
    ChainPolicy policy{CertificatePurpose::client_auth, "", system_clock().unix_seconds()};
    auto chain = verify_certificate_chain(store, {view(shared_test_pki().client.der)}, policy);
    REQUIRE_MESSAGE(chain, (chain ? "" : chain.error().to_string()));
    CHECK(chain->identity().subject == "CN=device-0001, O=tpmtls tests");
    auto described = describe_certificate(view(shared_test_pki().client.der));
    REQUIRE(described);
    CHECK(described->sha256_fingerprint == chain->identity().sha256_fingerprint);
}

TEST_CASE("intermediates are used when sent and required when the root did not issue the leaf") {
    CertificateSpec inter_spec;
    inter_spec.subject = "CN=tpmtls test intermediate";
    inter_spec.is_ca = true;
    const IssuedCertificate intermediate = issue_certificate(inter_spec, &shared_test_pki().root);
    CertificateSpec leaf_spec;
    leaf_spec.subject = "CN=svc";
    leaf_spec.dns_names = {"svc.example"};
    const IssuedCertificate leaf = issue_certificate(leaf_spec, &intermediate);
    const TrustStore store = anchors(shared_test_pki().root);

    CHECK(verify_certificate_chain(store, {view(leaf.der), view(intermediate.der)}, server_policy("svc.example")));
    // The root may be sent too (§4.4.2 allows it).
    CHECK(verify_certificate_chain(store, {view(leaf.der), view(intermediate.der), view(shared_test_pki().root.der)},
                                   server_policy("svc.example")));
    auto missing = verify_certificate_chain(store, {view(leaf.der)}, server_policy("svc.example"));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().description == AlertDescription::unknown_ca);
}

TEST_CASE("rejected certificates map to RFC 8446 alerts") {
    const TrustStore store = anchors(shared_test_pki().root);
    const int64_t now = system_clock().unix_seconds();

    CertificateSpec other_root_spec;
    other_root_spec.subject = "CN=someone else's root";
    other_root_spec.is_ca = true;
    const IssuedCertificate other_root = issue_certificate(other_root_spec, nullptr);
    CertificateSpec stranger_spec;
    stranger_spec.dns_names = {"localhost"};
    const IssuedCertificate stranger = issue_certificate(stranger_spec, &other_root);

    CertificateSpec client_only_spec;
    client_only_spec.dns_names = {"localhost"};
    client_only_spec.server_auth = false;
    const IssuedCertificate client_only = issue_certificate(client_only_spec, &shared_test_pki().root);

    CertificateSpec no_sig_spec;
    no_sig_spec.dns_names = {"localhost"};
    no_sig_spec.digital_signature = false;
    const IssuedCertificate no_digital_signature = issue_certificate(no_sig_spec, &shared_test_pki().root);

    const Bytes garbage = {0x30, 0x03, 0x02, 0x01, 0x00};

    struct Case {
        const char* what;
        std::vector<ByteView> chain;
        ChainPolicy policy;
        AlertDescription expected;
    };
    const Case cases[] = {
        {"issued by an untrusted root", {view(stranger.der)}, server_policy("localhost"), AlertDescription::unknown_ca},
        {"self-signed root presented as leaf", {view(other_root.der)}, server_policy("localhost"),
         AlertDescription::unknown_ca},
        {"expired (clock after notAfter)", {view(shared_test_pki().server.der)},
         ChainPolicy{CertificatePurpose::server_auth, "localhost", now + 31 * 86400}, AlertDescription::certificate_expired},
        {"not yet valid (clock before notBefore)", {view(shared_test_pki().server.der)},
         ChainPolicy{CertificatePurpose::server_auth, "localhost", now - 2 * 86400}, AlertDescription::certificate_expired},
        {"host name mismatch", {view(shared_test_pki().server.der)}, server_policy("example.com"), AlertDescription::bad_certificate},
        {"IP address mismatch", {view(shared_test_pki().server.der)}, server_policy("127.0.0.2"), AlertDescription::bad_certificate},
        {"EKU without serverAuth", {view(client_only.der)}, server_policy("localhost"),
         AlertDescription::unsupported_certificate},
        {"EKU without clientAuth", {view(shared_test_pki().server.der)}, ChainPolicy{CertificatePurpose::client_auth, "", now},
         AlertDescription::unsupported_certificate},
        {"key usage without digitalSignature", {view(no_digital_signature.der)}, server_policy("localhost"),
         AlertDescription::unsupported_certificate},
        {"garbage DER", {view(garbage)}, server_policy("localhost"), AlertDescription::bad_certificate},
        {"empty chain", {}, server_policy("localhost"), AlertDescription::bad_certificate},
    };
    for (const Case& c : cases) {
        CAPTURE(c.what);
        auto result = verify_certificate_chain(store, c.chain, c.policy);
        REQUIRE_FALSE(result);
        CHECK(alert_name(result.error().description) == alert_name(c.expected));
        CHECK_FALSE(result.error().reason.empty());
    }
}

TEST_CASE("a certificate without an EKU extension is not restricted") {
    CertificateSpec spec;
    spec.dns_names = {"localhost"};
    spec.include_eku = false;
    const IssuedCertificate leaf = issue_certificate(spec, &shared_test_pki().root);
    CHECK(verify_certificate_chain(anchors(shared_test_pki().root), {view(leaf.der)}, server_policy("localhost")));
}

TEST_CASE("an RSA-2048 leaf is accepted") {
    CertificateSpec spec;
    spec.dns_names = {"rsa.example"};
    spec.key_type = KeyType::rsa_2048;
    const IssuedCertificate leaf = issue_certificate(spec, &shared_test_pki().root);
    auto chain = verify_certificate_chain(anchors(shared_test_pki().root), {view(leaf.der)}, server_policy("rsa.example"));
    REQUIRE_MESSAGE(chain, (chain ? "" : chain.error().to_string()));
    CHECK(chain->leaf_key().supports(SignatureScheme::rsa_pss_rsae_sha256));
}

TEST_CASE("RFC 6125 host name matching") {
    struct Case {
        const char* pattern;
        const char* host;
        bool matches;
    };
    const Case cases[] = {
        {"example.com", "example.com", true},     {"Example.COM", "example.com", true},
        {"example.com", "www.example.com", false}, {"*.example.com", "www.example.com", true},
        {"*.example.com", "example.com", false},   {"*.example.com", "a.b.example.com", false},
        {"*.com", "example.com", false},            {"w*.example.com", "www.example.com", false},
        {"*", "localhost", false},                  {"", "", false},
    };
    for (const Case& c : cases) {
        CAPTURE(c.pattern);
        CAPTURE(c.host);
        CHECK(dns_name_matches(c.pattern, c.host) == c.matches);
    }
}

TEST_CASE("trust stores reject what is not a certificate") {
    CHECK_FALSE(TrustStore::from_pem_or_der(view(std::string("not a certificate"))));
    CHECK_FALSE(TrustStore::from_file("/nonexistent/ca.pem"));
}
