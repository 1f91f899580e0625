// The TPM disappears mid-handshake (issue 5, point 6): the test kills swtpm by its PID after the
// client key was loaded and before the CertificateVerify is signed. The handshake must fail with
// internal_error sent to the peer (RFC 8446 §6.2: the peer is told, the reason stays with us),
// the caller gets an error that names the TPM, it all happens within a bound (no hang), and the
// process survives (no crash). The swtpm TCTI connects for each command, so the dead TPM shows
// as a refused connection on the TPM2_Sign.
#include <doctest/doctest.h>

#include <chrono>

#include "support/connection_pair.h"
#include "support/interop.h"
#include "support/swtpm.h"
#include "support/tpm_test_keys.h"
#include "tpm/tpm_signer.h"

using namespace tpmtls;
using namespace tpmtls::test;
using SteadyClock = std::chrono::steady_clock;

namespace {

// Far below the TCTI's and our timeouts' defaults: the failure must come from the dead socket,
// not from a timer.
constexpr auto failure_bound = std::chrono::seconds(5);

// The caller's error says the TPM failed, which command, and where.
void check_names_the_tpm(const Alert& error, const std::string& tcti) {
    MESSAGE("the caller's error: " << error.to_string());
    CHECK(error.description == AlertDescription::internal_error);
    CHECK(error.reason.find("TPM2_Sign") != std::string::npos);
    CHECK(error.reason.find("TPM key") != std::string::npos);
    CHECK(error.reason.find(tcti) != std::string::npos);
}

}  // namespace

TEST_CASE("swtpm killed after the key is loaded: the handshake fails with internal_error, bounded, named") {
    for (const TpmKeyAlgorithm& algorithm : tpm_key_algorithms()) {
        CAPTURE(algorithm.name);
        TempDir dir;
        const TestPki pki = make_test_pki();
        for (bool persistent : {false, true}) {
            CAPTURE(persistent);
            Swtpm swtpm;
            const std::string tcti = swtpm.tcti();
            const ProvisionedTpmKey key = provision_tpm_client_key(swtpm, algorithm, dir, pki.root);
            ClientConfig client_config = client_config_for(pki, false);
            client_config.credentials =
                Credentials{{key.certificate.der}, open_test_signer(persistent ? key.handle : key.file, tcti)};
            ConnectionPair pair = make_pair(std::move(client_config), server_config_for(pki, ClientAuthMode::required));

            // ClientHello to the server; its whole flight (ServerHello .. CertificateRequest ..
            // Finished) comes back. The client signs its CertificateVerify while processing it.
            REQUIRE(pair.client->start());
            REQUIRE(pair.server->receive(view(pair.client->take_output())));
            const Bytes server_flight = pair.server->take_output();
            REQUIRE_FALSE(server_flight.empty());

            swtpm.kill();
            const auto started = SteadyClock::now();
            const Status processed = pair.client->receive(view(server_flight));
            CHECK(SteadyClock::now() - started < failure_bound);
            REQUIRE_FALSE(processed);
            CHECK(pair.client->state() == Connection::State::failed);
            check_names_the_tpm(processed.error(), tcti);
            REQUIRE(pair.client->error().has_value());
            CHECK(pair.client->error()->description == AlertDescription::internal_error);

            // What the peer received: one alert, internal_error.
            const Bytes to_server = pair.client->take_output();
            REQUIRE_FALSE(to_server.empty());
            CHECK_FALSE(pair.server->receive(view(to_server)));
            CHECK(pair.server->alert_was_received());
            REQUIRE(pair.server->error().has_value());
            CHECK(pair.server->error()->description == AlertDescription::internal_error);
            CHECK_FALSE(pair.server->session().peer_identity.has_value());
        }
    }
}

TEST_CASE("swtpm killed before TlsClient::connect: our TlsServer and openssl s_server receive internal_error") {
    const TpmKeyAlgorithm& algorithm = tpm_key_algorithms().front();
    const PkiFiles& files = pki_files();
    TempDir dir;

    SUBCASE("against our TlsServer") {
        Swtpm swtpm;
        const ProvisionedTpmKey key = provision_tpm_client_key(swtpm, algorithm, dir, files.pki.root);
        EchoServer server(server_config(files.pki, ClientAuthMode::required));
        ClientConfig config = client_config(files.pki, false);
        config.credentials = Credentials{{key.certificate.der}, open_test_signer(key.handle, swtpm.tcti())};
        swtpm.kill();
        const auto started = SteadyClock::now();
        auto client = TlsClient::connect("127.0.0.1", server.port(), std::move(config), test_timeouts());
        CHECK(SteadyClock::now() - started < failure_bound);
        REQUIRE_FALSE(client);
        check_names_the_tpm(client.error(), swtpm.tcti());
        const auto closed = server.closed(0);
        REQUIRE(closed.has_value());
        REQUIRE(closed->has_value());
        CAPTURE((*closed)->to_string());
        CHECK((*closed)->description == AlertDescription::internal_error);
        CHECK(server.connected_count() == 0);
    }
    SUBCASE("against openssl s_server -Verify 1") {
        REQUIRE_MESSAGE(!find_program("openssl").empty(), "openssl is not installed");
        Swtpm swtpm;
        const ProvisionedTpmKey key = provision_tpm_client_key(swtpm, algorithm, dir, files.pki.root);
        const uint16_t port = free_loopback_port();
        PeerProcess server({"stdbuf", "-oL", "openssl", "s_server", "-tls1_3", "-accept",
                            "127.0.0.1:" + std::to_string(port), "-cert", files.server_cert, "-key", files.server_key,
                            "-CAfile", files.root_cert, "-Verify", "1", "-naccept", "1"});
        REQUIRE_MESSAGE(server.wait_for_output("ACCEPT", step_timeout), server.transcript());
        ClientConfig config = client_config(files.pki, false);
        config.credentials = Credentials{{key.certificate.der}, open_test_signer(key.file, swtpm.tcti())};
        swtpm.kill();
        const auto started = SteadyClock::now();
        auto client = TlsClient::connect("127.0.0.1", port, std::move(config), test_timeouts());
        CHECK(SteadyClock::now() - started < failure_bound);
        REQUIRE_FALSE(client);
        check_names_the_tpm(client.error(), swtpm.tcti());
        // OpenSSL names the alert it received (SSL alert number 80 = internal_error).
        CHECK_MESSAGE(server.wait_for_output("alert internal error", step_timeout), server.transcript());
    }
}
