// A new client process per handshake, as a device that runs its client once per connection. The
// child is bench_tls itself (child-client): our library exactly as `tpmtls client` uses it, so
// it pays what such a process pays: exec and start-up, opening the TPM, loading the key file
// (CreatePrimary + Load), the handshake, exit.
#include <filesystem>
#include <fstream>

#include "client/tls_client.h"
#include "tls13/crypto/software_signer.h"
#include "tls13/x509.h"
#include "tls_bench/bench_server.h"
#include "tls_bench/resumption.h"
#include "tls_bench/scenarios.h"
#include "tls_bench/spawn.h"
#include "tpm/key_reference.h"
#include "tpm/lazy_tpm_signer.h"

namespace tpmtls::bench {
namespace {

struct ProcessCase {
    ProcessCase(std::string name_, std::string key_, bool resumed_, std::vector<std::string> argv_, std::string note_,
                std::string store_dir_ = {})
        : name(std::move(name_)), key(std::move(key_)), resumed(resumed_), argv(std::move(argv_)),
          note(std::move(note_)), store_dir(std::move(store_dir_)) {}
    std::string name;
    std::string key;  // tpm, software, none (the process floor: no connection at all)
    bool resumed = false;
    std::vector<std::string> argv;  // without the port
    std::string note;
    std::string store_dir;  // resumed: where the ticket store file goes (default: the run's TempDir)
    bool cli = false;       // `tpmtls client`: --connect 127.0.0.1:PORT, --session-store, a request
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
    const bool connects = c.key != "none";
    std::unique_ptr<BenchServer> server;
    std::vector<std::string> argv = c.argv;
    if (connects) {
        ServerConfig config = env.server_config(ClientAuthMode::required);
        if (c.resumed) enable_server_tickets(config);
        auto started = BenchServer::start(std::move(config),
                                          c.cli ? BenchServer::Reply::after_request : BenchServer::Reply::close_at_once);
        if (!started) die("starting the server: " + started.error().to_string());
        server = std::move(*started);
        if (c.cli) {
            argv.insert(argv.end(), {"--connect", "127.0.0.1:" + std::to_string(server->port())});
        } else {
            argv.insert(argv.end(), {"--port", std::to_string(server->port())});
        }
    }
    const std::string store =
        (c.store_dir.empty() ? env.dir.path() : c.store_dir) + "/" + c.name + "-" + env.preset + ".store";
    if (c.resumed) argv.insert(argv.end(), {c.cli ? "--session-store" : "--store", store});
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
            if (c.resumed && server->resumed() == resumed_before) {
                // Reported, not fatal: the rest of the run still says what it can.
                env.progress.end();
                result.available = false;
                result.unavailable = "the client process did not resume (" + argv.front() + ")";
                env.report.scenarios.push_back(std::move(result));
                return;
            }
        }
        env.progress.step(i + 1);
    }
    env.progress.end();
    finish_process_result(result, env, env.counts() - before, wall, cpu, c.key == "tpm");
    if (server && server->handshakes() != static_cast<uint64_t>(total))
        die(c.name + ": the server completed " + std::to_string(server->handshakes()) + " handshakes, expected " +
            std::to_string(total));
    if (c.resumed) {
        std::error_code ignored;
        std::filesystem::remove(store, ignored);
        std::filesystem::remove(store + ".lock", ignored);
    }
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

std::string tpmtls_client_command(const BenchEnvironment& env) {
    std::string path = env.options.cli_path;
    if (path.empty()) path = (std::filesystem::path(self_executable()).parent_path().parent_path() / "tpmtls").string();
    if (!std::filesystem::exists(path)) return {};
    return run_process({path, "client", "--help"}).exit_status == 0 ? path : std::string();
}

void run_process_scenarios(BenchEnvironment& env, bool software_too) {
    const std::string self = self_executable();
    const std::vector<std::string> tpm_client = {self, "child-client", "--ca", env.root_der, "--cert", env.tpm_cert_der,
                                                 "--tpm-key", env.tpm_key_file, "--tcti", env.tcti};
    const std::string note = "bench_tls child-client: exec, open TPM, load key file, handshake, exit";
    if (env.options.wants("process_full_tpm")) run_process_case(env, {"process_full_tpm", "tpm", false, tpm_client, note});
    if (env.options.wants("process_resumed_tpm"))
        run_process_case(env, {"process_resumed_tpm", "tpm", true, tpm_client,
                               "bench_tls child-client, ticket store file (written atomically with fsync) in the run's "
                               "temporary directory; the TPM is opened only for a full handshake"});
    // The same on tmpfs: what the store's fsyncs cost on this machine's disk.
    if (env.options.wants("process_resumed_tpm_tmpfs") && std::filesystem::is_directory("/dev/shm"))
        run_process_case(env, {"process_resumed_tpm_tmpfs", "tpm", true, tpm_client,
                               "as process_resumed_tpm, with the ticket store on tmpfs (/dev/shm)", "/dev/shm"});
    // The product's own client, `tpmtls client` (issue 7), when this build has it.
    const std::string cli = tpmtls_client_command(env);
    const std::vector<std::string> cli_client = {cli, "client", "--cafile", env.root_pem, "--servername", "localhost",
                                                 "--cert", env.tpm_cert_pem, "--key", env.tpm_key_file, "--tcti", env.tcti};
    for (bool resumed : {false, true}) {
        const std::string name = resumed ? "cli_resumed_tpm" : "cli_full_tpm";
        if (!env.options.wants(name)) continue;
        if (cli.empty()) {
            ScenarioResult missing;
            missing.name = name;
            missing.stack = "tpmtls";
            missing.mode = "new process";
            missing.key = "tpm";
            missing.resumed = resumed;
            missing.preset = env.preset;
            missing.available = false;
            missing.unavailable = "no `tpmtls client` in this build (issue 7, branch programs)";
            env.report.scenarios.push_back(missing);
            continue;
        }
        ProcessCase c{name, "tpm", resumed, cli_client,
                      std::string("tpmtls client (GET_SECRET, answer, close)") + (resumed ? " with --session-store" : "")};
        c.cli = true;
        run_process_case(env, c);
    }
    if (!software_too) return;
    if (env.options.wants("process_full_software"))
        run_process_case(env, {"process_full_software", "software", false,
                               {self, "child-client", "--ca", env.root_der, "--cert", env.software_cert_der,
                                "--software-key", env.software_key_pem},
                               "bench_tls child-client with a software key file"});
    if (env.options.wants("process_floor")) {
        // Our smallest process: the tpmtls command's `version` when it is built, else bench_tls.
        const std::filesystem::path command = std::filesystem::path(self).parent_path().parent_path() / "tpmtls";
        std::vector<std::string> argv = {self, "child-noop"};
        std::string what = "bench_tls child-noop: exec and exit";
        if (std::filesystem::exists(command)) {
            argv = {command.string(), "version"};
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
    if (!tpm_key.empty()) {
        // As `tpmtls client` does: the key is opened at the first CertificateVerify, so a
        // resumed connection never talks to the TPM (RFC 8446 §2.2: no CertificateVerify).
        tpm::ContextOptions options;
        options.tcti = tcti;
        const tpm::KeyReference reference = must(tpm::parse_key_reference(tpm_key), "key reference");
        config.credentials.signer =
            must(tpm::make_lazy_tpm_signer(reference, options, {}, view(config.credentials.chain.front())), "TPM key");
    } else if (!software_key.empty()) {
        config.credentials.signer = must(SoftwareSigner::from_key(view(read_file(software_key))), "software key");
    }
    const ConnectOptions options = store.empty() ? ConnectOptions{} : options_with_ticket_store(store);
    auto client = must(TlsClient::connect("127.0.0.1", port, std::move(config), options), "handshake");
    for (int reads = 0; reads < 16 && !client->peer_closed(); ++reads) {
        auto data = must(client->receive(), "reading");
        if (data.empty()) break;
    }
    return 0;
}

}  // namespace tpmtls::bench
