// A new client process per handshake, as a device that runs its client once per connection. The
// child is bench_tls itself (child-client): our library exactly as `tpmtls client` uses it, so
// it pays what such a process pays: exec and start-up, opening the TPM, loading the key file
// (CreatePrimary + Load), the handshake, exit.
#include <filesystem>
#include <fstream>

#include "client/tls_client.h"
#include "tls13/software_signer.h"
#include "tls13/x509.h"
#include "tls_bench/bench_server.h"
#include "tls_bench/resumption.h"
#include "tls_bench/scenarios.h"
#include "tls_bench/spawn.h"
#include "tpm/key_reference.h"

namespace tpmtls::bench {
namespace {

struct ProcessCase {
    std::string name;
    std::string key;  // tpm, software, none (the process floor: no connection at all)
    bool resumed = false;
    std::vector<std::string> argv;  // without --port
    std::string note;
};

void run_process_case(BenchEnvironment& env, const ProcessCase& c) {
    ScenarioResult result;
    result.name = c.name;
    result.stack = "tpmtls";
    result.mode = "new process";
    result.key = c.key;
    result.resumed = c.resumed;
    result.preset = env.preset;
    result.note = c.note;
    if (c.resumed && !resumption_available()) {
        result.available = false;
        result.unavailable = resumption_unavailable_reason();
        env.report.scenarios.push_back(result);
        return;
    }
    const bool connects = c.key != "none";
    std::unique_ptr<BenchServer> server;
    std::vector<std::string> argv = c.argv;
    if (connects) {
        ServerConfig config = env.server_config(ClientAuthMode::required);
        if (c.resumed) {
            auto enabled = enable_server_tickets(config);
            if (!enabled) die("server tickets: " + enabled.error().to_string());
        }
        auto started = BenchServer::start(std::move(config));
        if (!started) die("starting the server: " + started.error().to_string());
        server = std::move(*started);
        argv.push_back("--port");
        argv.push_back(std::to_string(server->port()));
    }
    if (c.resumed) {
        argv.push_back("--store");
        argv.push_back(env.dir.file(c.name + "-" + env.preset + ".store"));
    }
    const int total = env.options.warmup + env.options.count + (c.resumed ? 1 : 0);
    std::vector<int64_t> wall;
    int64_t cpu = 0;
    ProxyCounts before;
    env.progress.begin(c.name + " [" + env.preset + "]", total);
    for (int i = 0; i < total; ++i) {
        const bool measured = i >= total - env.options.count;
        if (measured && wall.empty()) before = env.counts();
        const uint64_t resumed_before = server ? server->resumed() : 0;
        const ProcessRun run = run_process(argv);
        if (run.exit_status != 0)
            die(c.name + ": child exited " + std::to_string(run.exit_status) + ": " + run.errors +
                (server ? " (server: " + server->last_failure() + ")" : ""));
        if (measured) {
            wall.push_back(run.wall.count());
            cpu += run.cpu.count();
            if (c.resumed && server->resumed() == resumed_before) die(c.name + ": the child did not resume");
        }
        env.progress.step(i + 1);
    }
    env.progress.end();
    const ProxyCounts used = env.counts() - before;
    result.count = env.options.count;
    result.wall = summarize(wall);
    result.client_cpu_ns = cpu / env.options.count;
    if (env.has_proxy() && c.key == "tpm") {
        result.tpm_commands = used.commands;
        result.tpm_signs = used.count(tpm_cc_sign);
        result.tpm_by_command = command_names(used);
        result.tpm_wait_ns = used.wait.count();
    }
    if (server && server->handshakes() != static_cast<uint64_t>(total))
        die(c.name + ": the server completed " + std::to_string(server->handshakes()) + " handshakes, expected " +
            std::to_string(total));
    env.report.scenarios.push_back(std::move(result));
}

template <class T>
T must(Result<T> r, const std::string& what) {
    if (!r) {
        std::fprintf(stderr, "bench_tls child-client: %s: %s\n", what.c_str(), r.error().to_string().c_str());
        std::exit(1);
    }
    return std::move(r).value();
}

Bytes read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "bench_tls child-client: cannot read %s\n", path.c_str());
        std::exit(1);
    }
    return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

}  // namespace

void run_process_scenarios(BenchEnvironment& env, bool software_too) {
    const std::string self = self_executable();
    const std::vector<std::string> tpm_client = {self, "child-client", "--ca", env.root_der, "--cert", env.tpm_cert_der,
                                                 "--tpm-key", env.tpm_key_file, "--tcti", env.tcti};
    const std::string note = "bench_tls child-client: exec, open TPM, load key file, handshake, exit";
    if (env.options.wants("process_full_tpm")) run_process_case(env, {"process_full_tpm", "tpm", false, tpm_client, note});
    if (env.options.wants("process_resumed_tpm"))
        run_process_case(env, {"process_resumed_tpm", "tpm", true, tpm_client,
                               "bench_tls child-client with a ticket store file; the TPM is opened only for a full handshake"});
    if (!software_too) return;
    if (env.options.wants("process_full_software"))
        run_process_case(env, {"process_full_software", "software", false,
                               {self, "child-client", "--ca", env.root_der, "--cert", env.software_cert_der,
                                "--software-key", env.software_key_pem},
                               "bench_tls child-client with a software key file"});
    if (env.options.wants("process_floor")) {
        // Our smallest process: the tpmtls command's `version` when it is built, else bench_tls.
        const std::filesystem::path cli = std::filesystem::path(self).parent_path().parent_path() / "tpmtls";
        std::vector<std::string> argv = {self, "child-noop"};
        std::string what = "bench_tls child-noop: exec and exit";
        if (std::filesystem::exists(cli)) {
            argv = {cli.string(), "version"};
            what = "tpmtls version: exec and exit";
        }
        run_process_case(env, {"process_floor", "none", false, argv, what});
    }
}

int child_client_main(int argc, char** argv) {
    std::string ca, cert, tpm_key, software_key, tcti, store;
    uint16_t port = 0;
    for (int i = 0; i + 1 < argc; i += 2) {
        const std::string_view arg = argv[i];
        const std::string value = argv[i + 1];
        if (arg == "--ca") ca = value;
        else if (arg == "--cert") cert = value;
        else if (arg == "--tpm-key") tpm_key = value;
        else if (arg == "--software-key") software_key = value;
        else if (arg == "--tcti") tcti = value;
        else if (arg == "--store") store = value;
        else if (arg == "--port") port = static_cast<uint16_t>(std::stoi(value));
        else {
            std::fprintf(stderr, "bench_tls child-client: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    ClientConfig config;
    config.server_name = "localhost";
    config.trust_anchors = std::make_shared<const TrustStore>(must(TrustStore::from_pem_or_der(view(read_file(ca))), "CA"));
    config.credentials.chain = {read_file(cert)};
    if (!store.empty()) {
        // HOOK: with a store the TPM must be opened lazily (only for a full handshake); the
        // resumption API decides how (resumption.cpp).
        auto used = use_ticket_store(config, store, port);
        if (!used) {
            std::fprintf(stderr, "bench_tls child-client: %s\n", used.error().to_string().c_str());
            return 1;
        }
    }
    if (!tpm_key.empty() && !config.credentials.signer) {
        tpm::ContextOptions options;
        options.tcti = tcti;
        tpm::KeyReference reference = must(tpm::parse_key_reference(tpm_key), "key reference");
        config.credentials.signer = must(tpm::open_tpm_signer(reference, options), "opening the TPM key");
    } else if (!software_key.empty()) {
        config.credentials.signer = must(SoftwareSigner::from_key(view(read_file(software_key))), "software key");
    }
    auto client = must(TlsClient::connect("127.0.0.1", port, std::move(config)), "handshake");
    for (int reads = 0; reads < 16 && !client->peer_closed(); ++reads) {
        auto data = must(client->receive(), "reading");
        if (data.empty()) break;
    }
    return 0;
}

}  // namespace tpmtls::bench
