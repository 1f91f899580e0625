// Our client against `openssl s_server` serving chains as real CAs make them (issue 14, label
// interop): intermediates with critical nameConstraints and certificatePolicies, an RSA-PSS
// signature, and the chain sent with an extraneous certificate first (RFC 8446 §4.4.2 "arbitrary
// orderings"). A leaf outside the name constraints is refused with bad_certificate on the wire.
// The leaves are signed with RSA-PSS: s_server only serves a chain whose signatures our
// signature_algorithms_cert lists.
#include <doctest/doctest.h>

#include "support/interop.h"
#include "support/openssl_pki.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

struct ChainFiles {
    OpensslPki pki;
    OpensslCertificate root, inter, leaf, evil, stranger;
    ChainFiles() {
        root = pki.root("root", "/CN=Interop Root", "ec:P-384", "sha384");
        inter = pki.issue("inter", "/CN=Interop Fleet CA", "rsa:2048", root,
                          ca_extensions("nameConstraints=critical,permitted;DNS:example.com\n"
                                        "certificatePolicies=critical,1.3.6.1.4.1.99999.1\n"),
                          signed_with("sha384"));
        leaf = pki.issue("leaf", "/CN=www.example.com", "ec:P-256", inter, leaf_extensions("DNS:www.example.com"),
                         signed_with("sha256", true));
        evil = pki.issue("evil", "/CN=www.evil.example", "ec:P-256", inter, leaf_extensions("DNS:www.evil.example"),
                         signed_with("sha256", true));
        stranger = pki.root("stranger", "/CN=Unrelated Root", "ec:P-256");
    }
};

std::unique_ptr<PeerProcess> start_s_server(const ChainFiles& f, const OpensslCertificate& leaf, uint16_t port) {
    const std::string chain = f.pki.bundle(leaf.name + ".chain.pem", {&f.stranger, &f.inter});
    auto server = std::make_unique<PeerProcess>(std::vector<std::string>{
        "stdbuf", "-oL", "openssl", "s_server", "-tls1_3", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
        leaf.pem_path, "-key", leaf.key_path, "-cert_chain", chain, "-naccept", "1"});
    REQUIRE_MESSAGE(server->wait_for_output("ACCEPT", step_timeout), server->transcript());
    return server;
}

ClientConfig config_for(const ChainFiles& f, const std::string& name) {
    ClientConfig config;
    auto store = TrustStore::from_pem_or_der(view(f.root.pem));
    REQUIRE(store);
    config.trust_anchors = std::make_shared<const TrustStore>(std::move(*store));
    config.server_name = name;
    return config;
}

}  // namespace

TEST_CASE("our client verifies what openssl s_server sends: extras first, critical extensions, RSA-PSS") {
    const ChainFiles f;
    const uint16_t port = free_loopback_port();
    auto server = start_s_server(f, f.leaf, port);
    auto client = connect_client("127.0.0.1", port, config_for(f, "www.example.com"), server.get());
    REQUIRE(client->session().peer_identity.has_value());
    CHECK(client->session().peer_identity->dns_names == std::vector<std::string>{"www.example.com"});
    REQUIRE(client->send(view(std::string("hello through the chain\n"))));
    CHECK_MESSAGE(server->wait_for_output("hello through the chain", step_timeout), server->transcript());
    CHECK(client->close());
}

TEST_CASE("our client refuses a leaf outside its CA's name constraints, with bad_certificate") {
    const ChainFiles f;
    const uint16_t port = free_loopback_port();
    auto server = start_s_server(f, f.evil, port);
    auto client = TlsClient::connect("127.0.0.1", port, config_for(f, "www.evil.example"), test_timeouts());
    REQUIRE_FALSE(client);
    CHECK(client.error().description == AlertDescription::bad_certificate);
    CHECK(client.error().reason.find("DNS:www.evil.example is not within permitted DNS:example.com") !=
          std::string::npos);
    CHECK_MESSAGE(server->wait_for_output("bad certificate", step_timeout), server->transcript());
}
