// Our client with its key in swtpm against `openssl s_server -Verify 1` (issue 5): a full mTLS
// handshake for each key algorithm, with the key named by a TSS2 key file and by a persistent
// handle. OpenSSL is the judge: it must print that it verified the client certificate (its
// verify callback's "verify return:1" for the leaf, then the leaf's subject), and lines must flow
// both ways afterwards. The TPM key's handshake against our own server is test_tpm_signer and
// test_tpm_command_count.
#include <doctest/doctest.h>

#include "support/interop.h"
#include "support/swtpm.h"
#include "support/tpm_test_keys.h"
#include "tpm/tpm_signer.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

// s_server requiring a client certificate from the test CA; exits after one connection.
std::unique_ptr<PeerProcess> start_s_server(uint16_t port) {
    REQUIRE_MESSAGE(!find_program("openssl").empty(), "openssl is not installed");
    const PkiFiles& f = pki_files();
    auto server = std::make_unique<PeerProcess>(std::vector<std::string>{
        "stdbuf", "-oL", "openssl", "s_server", "-tls1_3", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
        f.server_cert, "-key", f.server_key, "-CAfile", f.root_cert, "-Verify", "1", "-naccept", "1"});
    REQUIRE_MESSAGE(server->wait_for_output("ACCEPT", step_timeout), server->transcript());
    return server;
}

}  // namespace

TEST_CASE("our client, key in the TPM, against openssl s_server -Verify 1: key file and persistent handle") {
    for (const TpmKeyAlgorithm& algorithm : tpm_key_algorithms()) {
        CAPTURE(algorithm.name);
        Swtpm swtpm;
        TempDir dir;
        const ProvisionedTpmKey key = provision_tpm_client_key(swtpm, algorithm, dir, pki_files().pki.root);
        for (const tpm::KeyReference& reference : key.references()) {
            CAPTURE(reference.to_string());
            const uint16_t port = free_loopback_port();
            auto server = start_s_server(port);

            ClientConfig config = client_config(pki_files().pki, false);
            config.credentials = Credentials{{key.certificate.der}, open_test_signer(reference, swtpm.tcti())};
            auto client = connect_client("127.0.0.1", port, std::move(config), server.get());
            CHECK(client->session().own_signature_scheme == algorithm.scheme);

            REQUIRE(client->send(view(std::string("hello from the TPM client\n"))));
            CHECK_MESSAGE(server->wait_for_output("hello from the TPM client", step_timeout), server->transcript());
            REQUIRE(server->write_stdin("hello from openssl\n"));
            CHECK(receive_until(*client, "hello from openssl").find("hello from openssl") != std::string::npos);

            // OpenSSL verified our chain (its verify callback, on stderr: depth 1 the test root,
            // depth 0 our leaf, each "verify return:1") and accepted the CertificateVerify the
            // TPM signed (stdout: the client certificate and the peer's signature type).
            CAPTURE(server->transcript());
            CHECK(server->errors().find("depth=0 CN = tpm-device-0001, O = tpmtls tests\nverify return:1") !=
                  std::string::npos);
            CHECK(server->errors().find("verify error") == std::string::npos);
            CHECK(server->output().find("subject=CN = tpm-device-0001, O = tpmtls tests") != std::string::npos);
            CHECK(server->output().find(std::string("Peer signature type: ") + algorithm.openssl_signature_type) !=
                  std::string::npos);
            CHECK(client->close());
            CHECK(server->wait(step_timeout).has_value());  // -naccept 1: it exits
        }
    }
}
