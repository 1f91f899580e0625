// Our client in this process: the TPM key is loaded once, as a long-running client would.
#include <time.h>

#include <chrono>

#include "client/tls_client.h"
#include "tls13/crypto/software_signer.h"
#include "tls_bench/bench_server.h"
#include "tls_bench/resumption.h"
#include "tls_bench/scenarios.h"
#include "tpm/context.h"
#include "tpm/tcti_meter.h"
#include "tpm/tpm_signer.h"

namespace tpmtls::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

int64_t thread_cpu_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int64_t since_ns(SteadyClock::time_point start) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start).count();
}

struct TpmClientKey {
    std::shared_ptr<tpm::TpmContext> context;
    std::shared_ptr<tpm::TpmSigner> signer;
};

TpmClientKey open_tpm_key(const BenchEnvironment& env) {
    tpm::ContextOptions options;
    options.tcti = env.own_tcti;
    auto context = tpm::TpmContext::open(options);
    if (!context) die("opening the TPM: " + context.error().to_string());
    auto key = tpm::load_key(*context, env.tpm_key);
    if (!key) die("loading the TPM key: " + key.error().to_string());
    auto signer = tpm::TpmSigner::create(std::move(*key));
    if (!signer) die("reading the TPM key: " + signer.error().to_string());
    return {*context, std::move(*signer)};
}

// One connection: handshake, then read until the server's close_notify (tickets arrive on the way).
Status connect_once(uint16_t port, ClientConfig config, SessionInfo& session) {
    auto client = TRY(TlsClient::connect("127.0.0.1", port, std::move(config)));
    for (int reads = 0; reads < 16 && !client->peer_closed(); ++reads) {
        auto data = TRY(client->receive());
        if (data.empty()) break;
    }
    session = client->session();
    return {};
}

struct LoopbackCase {
    std::string name;
    std::string key;  // tpm, software, none
    bool resumed = false;
    std::shared_ptr<Signer> signer;
    std::shared_ptr<tpm::TpmContext> context;  // for the library's own TPM count
};

void run_loopback(BenchEnvironment& env, const LoopbackCase& c) {
    ScenarioResult result;
    result.name = c.name;
    result.stack = "tpmtls";
    result.mode = "in-process";
    result.key = c.key;
    result.resumed = c.resumed;
    result.preset = env.preset;
    ServerConfig server_config = env.server_config(c.key == "none" ? ClientAuthMode::off : ClientAuthMode::required);
    if (c.resumed) enable_server_tickets(server_config);
    auto server = BenchServer::start(std::move(server_config));
    if (!server) die("starting the server: " + server.error().to_string());
    const ClientConfig base = env.client_config(c.signer, c.key == "tpm");
    TicketJar jar;

    const int total = env.options.warmup + env.options.count + (c.resumed ? 1 : 0);
    std::vector<int64_t> wall;
    int64_t cpu = 0;
    ProxyCounts proxy_before;
    tpm::TpmStats library_before;
    env.progress.begin(c.name + " [" + env.preset + "]", total);
    for (int i = 0; i < total; ++i) {
        const bool measured = i >= total - env.options.count;
        if (measured && wall.empty()) {
            proxy_before = env.counts();
            if (c.context) library_before = c.context->stats();
        }
        ClientConfig config = base;
        if (c.resumed) {
            jar.collect_into_jar(config);
            // The first connection is full and brings the first tickets.
            if (i > 0 && !jar.offer_ticket(config)) die(c.name + ": no ticket to resume with");
        }
        SessionInfo session;
        const int64_t cpu_start = thread_cpu_ns();
        const auto start = SteadyClock::now();
        auto done = connect_once((*server)->port(), std::move(config), session);
        const int64_t elapsed = since_ns(start);
        if (!done) die(c.name + ": " + done.error().to_string() + " (server: " + (*server)->last_failure() + ")");
        if (measured) {
            wall.push_back(elapsed);
            cpu += thread_cpu_ns() - cpu_start;
            if (c.resumed && !session.resumed) die(c.name + ": the connection did not resume");
            result.suite = to_string(session.suite);
            result.group = to_string(session.group);
        }
        env.progress.step(i + 1);
    }
    env.progress.end();
    const ProxyCounts used = env.counts() - proxy_before;
    result.count = env.options.count;
    result.wall = summarize(wall);
    result.client_cpu_ns = cpu / env.options.count;
    if (env.has_proxy()) {
        result.tpm_commands = used.commands;
        result.tpm_signs = used.count(tpm_cc_sign);
        result.tpm_by_command = command_names(used);
        result.tpm_wait_ns = used.wait.count();
    }
    if (c.context) {
        const tpm::TpmStats library = c.context->stats() - library_before;
        result.library_tpm_commands = library.commands;
        if (!env.has_proxy()) {  // a TPM given with --tcti: our own meter is all there is
            result.tpm_commands = library.commands;
            const auto sign = library.by_command.find(tpm_cc_sign);
            result.tpm_signs = sign == library.by_command.end() ? 0 : sign->second;
            for (const auto& [code, n] : library.by_command) result.tpm_by_command[tpm::TpmStats::command_name(code)] = n;
            result.tpm_wait_ns = library.wait.count();
        }
    }
    const uint64_t expected_auth = c.key == "none" ? 0 : static_cast<uint64_t>(total);
    if ((*server)->handshakes() != static_cast<uint64_t>(total) || (*server)->authenticated_clients() != expected_auth)
        die(c.name + ": the server saw " + std::to_string((*server)->handshakes()) + " handshakes, " +
            std::to_string((*server)->authenticated_clients()) + " authenticated, expected " + std::to_string(total));
    result.note = "connect + handshake + server close_notify, TlsClient to TlsServer over loopback";
    env.report.scenarios.push_back(std::move(result));
}

}  // namespace

void run_key_load(BenchEnvironment& env) {
    const int loads = std::max(3, std::min(20, env.options.count / 5));
    std::vector<int64_t> open, load, read_public, total, sign;
    env.progress.begin("key load", loads);
    const ProxyCounts before = env.counts();
    for (int i = 0; i < loads; ++i) {
        tpm::ContextOptions options;
        options.tcti = env.own_tcti;
        const auto start = SteadyClock::now();
        auto context = tpm::TpmContext::open(options);
        if (!context) die("opening the TPM: " + context.error().to_string());
        open.push_back(since_ns(start));
        const auto load_start = SteadyClock::now();
        auto key = tpm::load_key(*context, env.tpm_key);
        if (!key) die("loading the key: " + key.error().to_string());
        load.push_back(since_ns(load_start));
        const auto public_start = SteadyClock::now();
        auto signer = tpm::TpmSigner::create(std::move(*key));
        if (!signer) die("reading the key: " + signer.error().to_string());
        read_public.push_back(since_ns(public_start));
        total.push_back(since_ns(start));
        // One CertificateVerify-sized signature (RFC 8446 §4.4.3: 64 spaces, context, 0, hash).
        const Bytes content(130, 0x20);
        for (int s = 0; s < 5; ++s) {
            const auto sign_start = SteadyClock::now();
            auto signature = (*signer)->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content));
            if (!signature) die("TPM2_Sign: " + signature.error().to_string());
            sign.push_back(since_ns(sign_start));
        }
        env.progress.step(i + 1);
    }
    env.progress.end();
    env.in_process_counts = env.in_process_counts + (env.counts() - before);
    env.report.key_load_ns["1 open (TctiLdr + Esys_Initialize)"] = summarize(open).median_ns;
    env.report.key_load_ns["2 load (CreatePrimary + Load)"] = summarize(load).median_ns;
    env.report.key_load_ns["3 public (ReadPublic)"] = summarize(read_public).median_ns;
    env.report.key_load_ns["4 total"] = summarize(total).median_ns;
    env.report.key_load_ns["TPM2_Sign (TpmSigner::sign)"] = summarize(sign).median_ns;
}

void run_in_process_scenarios(BenchEnvironment& env, bool software_too) {
    if (env.options.wants("full_tpm") || env.options.wants("resumed_tpm")) {
        const ProxyCounts before = env.counts();
        TpmClientKey key = open_tpm_key(env);
        if (env.options.wants("full_tpm")) run_loopback(env, {"full_tpm", "tpm", false, key.signer, key.context});
        if (env.options.wants("resumed_tpm")) run_loopback(env, {"resumed_tpm", "tpm", true, key.signer, key.context});
        key.signer.reset();  // flushes the key and closes the TPM: the next scenarios start their own processes
        key.context.reset();
        env.in_process_counts = env.in_process_counts + (env.counts() - before);
    }
    if (!software_too) return;
    if (env.options.wants("full_software")) {
        auto signer = SoftwareSigner::from_key(view(env.pki.client.key.private_pem));
        if (!signer) die("software key: " + signer.error().to_string());
        run_loopback(env, {"full_software", "software", false, std::move(*signer), nullptr});
    }
    if (env.options.wants("server_only")) run_loopback(env, {"server_only", "none", false, nullptr, nullptr});
}

}  // namespace tpmtls::bench
