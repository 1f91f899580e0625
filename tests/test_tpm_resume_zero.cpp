// Zero TPM commands on resumption, observed from outside our code (issue 6, "What must be
// shown"). A client process (tests/tools/resume_client.cpp) with its key in swtpm, reached
// through the pcap TCTI (`pcap:swtpm:...`, capture file named by TCTI_PCAP_FILE), connects twice
// to our TlsServer, each time as a new process sharing one ticket store file:
//   1. store empty: a full handshake with client authentication; the capture, decoded by tshark,
//      holds a TPM2_Sign;
//   2. a ticket in the store: the connection resumes and the pcap TCTI writes no file at all,
//      because the process never opened the TPM (the TCTI writes only once it is initialised);
// and the server reports the same client identity on both connections.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <string>

#include "support/interop.h"
#include "support/swtpm.h"
#include "support/test_pki.h"
#include "tls13/tickets/ticket_keys.h"
#include "tpm/context.h"
#include "tpm/keys.h"
#include "tpm/tpm_signer.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

constexpr uint32_t key_handle = 0x81000123;

bool exists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

// The SPKI of a new P-256 key made persistent at key_handle. The test's own TPM connection is
// closed on return, so only the client processes talk to swtpm afterwards.
Bytes persistent_tpm_key(const Swtpm& swtpm) {
    tpm::ContextOptions options;
    options.tcti = swtpm.tcti();
    auto context = tpm::TpmContext::open(options);
    REQUIRE_MESSAGE(context, (context ? "" : context.error().to_string()));
    auto blob = tpm::create_p256_signing_key(**context);
    REQUIRE_MESSAGE(blob, (blob ? "" : blob.error().to_string()));
    auto made = tpm::make_persistent(*context, *blob, key_handle, true);
    REQUIRE_MESSAGE(made, (made ? "" : made.error().to_string()));
    auto key = tpm::load_persistent(*context, key_handle);
    REQUIRE_MESSAGE(key, (key ? "" : key.error().to_string()));
    auto signer = tpm::TpmSigner::create(std::move(*key));
    REQUIRE_MESSAGE(signer, (signer ? "" : signer.error().to_string()));
    return (*signer)->public_key_der();
}

// tshark's one-line summaries of the TPM packets in a capture.
std::string tpm_packets(const std::string& capture) {
    const CommandResult decoded = run_command({"tshark", "-r", capture, "-Y", "tpm", "-T", "fields", "-e", "_ws.col.Info"});
    REQUIRE_MESSAGE(decoded.exit_status == 0, decoded.transcript);
    return decoded.out;
}

size_t count_of(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("a new client process that resumes from its ticket store sends no TPM command at all") {
    Swtpm swtpm;
    const Bytes spki = persistent_tpm_key(swtpm);

    const TestPki pki = make_test_pki();
    CertificateSpec spec;
    spec.subject = "CN=tpm-device-0042, O=tpmtls tests";
    spec.server_auth = false;
    const IssuedCertificate device = issue_certificate_for_public_key(spec, view(spki), pki.root);

    TempDir dir;
    const std::string root_pem = dir.write("root.pem", pki.root.pem);
    const std::string device_der = dir.write("device.der", std::string(device.der.begin(), device.der.end()));
    const std::string store = dir.file("tickets");
    const std::string tcti = "pcap:" + swtpm.tcti();

    ServerConfig config = server_config(pki, ClientAuthMode::required);
    config.ticket_keys = TicketKeys::generate(system_random(), system_clock().unix_seconds());
    EchoServer server(std::move(config));

    // One device start: a new process, its TPM traffic captured to `capture`. It runs in `dir`,
    // so even a capture under the TCTI's default name would be found there.
    const auto run_client = [&](const std::string& capture) {
        const CommandResult run = run_command({"env", "-C", dir.path(), "TCTI_PCAP_FILE=" + capture,
                                               TPMTLS_RESUME_CLIENT_PATH, "127.0.0.1", std::to_string(server.port()),
                                               root_pem, device_der, "handle:0x81000123", tcti, store});
        REQUIRE_MESSAGE(run.exit_status == 0, run.transcript);
        CHECK_MESSAGE(run.err.empty(), run.transcript);  // no store warning either
        return run;
    };

    // 1. Nothing stored yet: a full handshake, and the TPM signs.
    const std::string full_capture = dir.file("full.pcap");
    const CommandResult full = run_client(full_capture);
    CHECK_MESSAGE(full.out.find("resumed=0 offered=0") == 0, full.transcript);
    CHECK_MESSAGE(full.out.find("tpm_opened=1 factory_calls=1") != std::string::npos, full.transcript);
    REQUIRE(exists(full_capture));
    const std::string full_packets = tpm_packets(full_capture);
    CAPTURE(full_packets);
    CHECK(count_of(full_packets, "TPM2_CC_Sign") == 1);
    CHECK(count_of(full_packets, "[TPM Request]") >= 2);

    // 2. A new process with the store from run 1: it resumes and never touches the TPM.
    const std::string resumed_capture = dir.file("resumed.pcap");
    const CommandResult resumed = run_client(resumed_capture);
    CHECK_MESSAGE(resumed.out.find("resumed=1 offered=1") == 0, resumed.transcript);
    CHECK_MESSAGE(resumed.out.find("tpm_opened=0 factory_calls=0") != std::string::npos, resumed.transcript);
    CHECK_FALSE(exists(resumed_capture));
    const CommandResult listing = run_command({"ls", "-A", dir.path()});
    CHECK_MESSAGE(count_of(listing.out, ".pcap") == 1, listing.out);  // only full.pcap, nothing else

    // The server saw the same client both times: from its certificate, then from the ticket.
    const auto first = server.session(0);
    const auto second = server.session(1);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK_FALSE(first->resumed);
    CHECK(second->resumed);
    REQUIRE(first->peer_identity.has_value());
    REQUIRE(second->peer_identity.has_value());
    CHECK(first->peer_identity->subject == "CN=tpm-device-0042, O=tpmtls tests");
    CHECK(second->peer_identity->subject == first->peer_identity->subject);
    CHECK(second->peer_identity->sha256_fingerprint == first->peer_identity->sha256_fingerprint);
}

TEST_CASE("a TPM key that is not the certificate's key is a clear error at the first signature") {
    Swtpm swtpm;
    persistent_tpm_key(swtpm);
    const TestPki pki = make_test_pki();  // pki.client has a software key, not the TPM's
    TempDir dir;
    const std::string root_pem = dir.write("root.pem", pki.root.pem);
    const std::string client_der = dir.write("client.der", std::string(pki.client.der.begin(), pki.client.der.end()));
    EchoServer server(server_config(pki, ClientAuthMode::required));
    const CommandResult run =
        run_command({TPMTLS_RESUME_CLIENT_PATH, "127.0.0.1", std::to_string(server.port()), root_pem, client_der,
                     "handle:0x81000123", swtpm.tcti(), dir.file("tickets")});
    CAPTURE(run.transcript);
    CHECK(run.exit_status == 1);
    CHECK(run.err.find("internal_error") != std::string::npos);
    CHECK(run.err.find("TPM key handle:0x81000123 is not the key of the client certificate") != std::string::npos);
    const auto closed = server.closed(0);
    REQUIRE(closed.has_value());
    REQUIRE(closed->has_value());
    CHECK((*closed)->description == AlertDescription::internal_error);
}
