// The TPM cost of a handshake, observed from outside our code (issue 5): a child process opens
// the client key through tpm2-tss's pcap TCTI and runs 20 consecutive full mTLS handshakes
// against our server (in memory, in the same child). tshark then decodes the capture. The child
// notes the time the key was ready and each handshake's start and end; the capture's own
// timestamps (same clock) place every command: the start-up list, then exactly one TPM2_Sign in
// each handshake and nothing between them, then the tear-down.
//
// A child process (fork, before it ever talks to the TPM) so the capture holds everything a
// process sends from its start: the TCTI is loaded and ESAPI started inside it.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "support/connection_pair.h"
#include "support/swtpm.h"
#include "support/tpm_pcap.h"
#include "support/tpm_test_keys.h"
#include "tpm/context.h"
#include "tpm/key_reference.h"
#include "tpm/tpm_signer.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

constexpr int handshakes = 20;

// What the child saw, on its clock (CLOCK_REALTIME, microseconds: the pcap TCTI's clock).
struct ChildReport {
    int64_t key_ready = 0;
    std::vector<std::pair<int64_t, int64_t>> handshake_windows;
    int64_t finished = 0;  // after the last handshake, before the key and context are released
    std::string error;     // empty: every handshake completed with client authentication
};

// Runs in the child: no doctest assertions here (they belong to the parent), only the report.
int child_main(const tpm::KeyReference& key, const std::string& tcti, const std::string& pcap_file,
               ClientConfig client, const ServerConfig& server, const Bytes& certificate, const std::string& report_path) {
    ::setenv("TCTI_PCAP_FILE", pcap_file.c_str(), 1);
    std::ofstream report(report_path);
    {
        tpm::ContextOptions options;
        options.tcti = tcti;
        auto signer = tpm::open_tpm_signer(key, options);
        if (!signer) {
            report << "error " << signer.error().to_string() << "\n";
            return 1;
        }
        report << "ready " << realtime_us() << "\n";
        client.credentials = Credentials{{certificate}, *signer};
        for (int i = 0; i < handshakes; ++i) {
            const int64_t start = realtime_us();
            ConnectionPair pair = make_pair(client, server);
            const bool ok = pair.handshake();
            const int64_t end = realtime_us();
            report << "handshake " << start << " " << end << "\n";
            const SessionInfo& session = pair.server->session();
            if (!ok || session.resumed || !session.peer_identity) {
                const auto& error = pair.client->error() ? pair.client->error() : pair.server->error();
                report << "error handshake " << i << " did not authenticate the client: "
                       << (error ? error->to_string() : std::string("no peer identity or resumed")) << "\n";
                return 1;
            }
        }
        report << "finished " << realtime_us() << "\n";
    }
    return 0;
}

ChildReport read_report(const std::string& path) {
    ChildReport r;
    std::istringstream lines(read_text_file(path));
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string what;
        fields >> what;
        if (what == "ready") fields >> r.key_ready;
        if (what == "finished") fields >> r.finished;
        if (what == "handshake") {
            std::pair<int64_t, int64_t> window;
            fields >> window.first >> window.second;
            r.handshake_windows.push_back(window);
        }
        if (what == "error") r.error = line.substr(6);
    }
    return r;
}

// Forks, runs child_main, waits (bounded) for it.
ChildReport run_in_child(const tpm::KeyReference& key, const std::string& tcti, const std::string& pcap_file,
                         const ClientConfig& client, const ServerConfig& server, const Bytes& certificate,
                         const TempDir& dir) {
    const std::string report_path = dir.file("child-report.txt");
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int status = 1;
        try {
            status = child_main(key, tcti, pcap_file, client, server, certificate, report_path);
        } catch (...) {
        }
        ::_exit(status);
    }
    int status = 0;
    bool exited = false;
    for (int waited_ms = 0; waited_ms < 120'000 && !exited; waited_ms += 10) {
        exited = ::waitpid(pid, &status, WNOHANG) == pid;
        if (!exited) ::usleep(10'000);
    }
    if (!exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        FAIL("the handshake child did not finish within 120 s");
    }
    ChildReport report = read_report(report_path);
    REQUIRE_MESSAGE(report.error.empty(), report.error);
    REQUIRE_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0), "child status " << status);
    return report;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

struct ReferenceCase {
    bool persistent;
    // What a process sends before its first handshake, in order (the README lists these).
    std::vector<std::string> start_up;
    // What it sends when the signer and context go.
    std::vector<std::string> tear_down;
};

const ReferenceCase reference_cases[] = {
    // Key file: TpmContext::open's GetRandom (reachability), the owner primary from tpm2-openssl's
    // template, Load, the primary flushed, ReadPublic for the schemes and SPKI; the transient
    // key is flushed at the end.
    {false,
     {"TPM2_CC_GetRandom", "TPM2_CC_CreatePrimary", "TPM2_CC_Load", "TPM2_CC_FlushContext", "TPM2_CC_ReadPublic"},
     {"TPM2_CC_FlushContext"}},
    // Persistent handle: GetRandom, ReadPublic by ESAPI to make the ESYS_TR (Esys_TR_FromTPMPublic),
    // ReadPublic for the schemes and SPKI; nothing to flush.
    {true, {"TPM2_CC_GetRandom", "TPM2_CC_ReadPublic", "TPM2_CC_ReadPublic"}, {}},
};

}  // namespace

TEST_CASE("after the key is loaded, each full mTLS handshake sends exactly one TPM command: TPM2_Sign") {
    for (const TpmKeyAlgorithm& algorithm : tpm_key_algorithms()) {
        for (const ReferenceCase& reference : reference_cases) {
            CAPTURE(algorithm.name);
            CAPTURE(reference.persistent);
            Swtpm swtpm;
            TempDir dir;
            const TestPki pki = make_test_pki();
            const ProvisionedTpmKey key = provision_tpm_client_key(swtpm, algorithm, dir, pki.root);
            const tpm::KeyReference& ref = reference.persistent ? key.handle : key.file;
            CAPTURE(ref.to_string());
            const std::string pcap_file = dir.file("tpm.pcap");

            const ChildReport report =
                run_in_child(ref, swtpm.pcap_tcti(), pcap_file, client_config_for(pki, false),
                             server_config_for(pki, ClientAuthMode::required), key.certificate.der, dir);
            REQUIRE(report.handshake_windows.size() == static_cast<size_t>(handshakes));

            const std::vector<TpmCommand> commands = tpm_commands_in_capture(pcap_file);
            INFO("captured: " << joined(command_names(commands)));
            std::vector<std::string> start_up, tear_down;
            std::vector<std::vector<std::string>> per_handshake(handshakes);
            size_t placed = 0;
            for (const TpmCommand& c : commands) {
                if (c.time_us <= report.key_ready) start_up.push_back(c.name), ++placed;
                if (c.time_us >= report.finished) tear_down.push_back(c.name), ++placed;
                for (int i = 0; i < handshakes; ++i) {
                    const auto [start, end] = report.handshake_windows[static_cast<size_t>(i)];
                    if (c.time_us >= start && c.time_us <= end) per_handshake[static_cast<size_t>(i)].push_back(c.name), ++placed;
                }
            }
            MESSAGE(algorithm.name << ", " << ref.to_string() << ": start-up " << joined(start_up) << "; per handshake "
                                   << joined(per_handshake[0]) << "; tear-down " << joined(tear_down) << "; "
                                   << commands.size() << " commands for " << handshakes << " handshakes");
            CHECK(start_up == reference.start_up);
            for (int i = 0; i < handshakes; ++i) {
                CAPTURE(i);
                CHECK(per_handshake[static_cast<size_t>(i)] == std::vector<std::string>{"TPM2_CC_Sign"});
            }
            CHECK(tear_down == reference.tear_down);
            // Nothing between handshakes, or anywhere else: every command was placed once.
            CHECK(placed == commands.size());
            CHECK(commands.size() == reference.start_up.size() + handshakes + reference.tear_down.size());
        }
    }
}
