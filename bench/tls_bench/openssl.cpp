// The usual alternative, side by side: `openssl s_client` with Debian's tpm2-openssl provider, a
// new process per handshake, against the same server (ours) and the same swtpm behind the same
// proxy, so its TPM commands are counted the same way. The provider cannot run a handshake
// straight against swtpm (it runs out of swtpm's 3 object slots), so tpm2-abrmd sits in front
// of the proxy, on a private D-Bus; the commands abrmd adds for it (context save/load) are part
// of what this stack costs the TPM and are counted with it.
#include <unistd.h>

#include <thread>

#include "support/peer_process.h"
#include "tls_bench/bench_server.h"
#include "tls_bench/resumption.h"
#include "tls_bench/scenarios.h"
#include "tls_bench/spawn.h"

namespace tpmtls::bench {
namespace {

// dbus-daemon on a unix socket in our temporary directory, and tpm2-abrmd registered on it.
class Tabrmd {
public:
    Tabrmd(const BenchEnvironment& env) {
        const std::string socket = env.dir.file("bus");
        const std::string config = env.dir.write("bus.conf", R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=)" + socket + R"(</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
)");
        bus_ = std::make_unique<test::PeerProcess>(
            std::vector<std::string>{"dbus-daemon", "--config-file=" + config, "--nofork", "--nopidfile"});
        address_ = "unix:path=" + socket;
        name_ = "com.intel.tss2.Tabrmd.bench" + std::to_string(::getpid());
        for (int i = 0; i < 200 && ::access(socket.c_str(), F_OK) != 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        ::setenv("DBUS_SESSION_BUS_ADDRESS", address_.c_str(), 1);
        abrmd_ = std::make_unique<test::PeerProcess>(std::vector<std::string>{
            "tpm2-abrmd", "--session", "--allow-root", "--flush-all", "--dbus-name=" + name_, "--tcti=" + env.tcti});
        for (int i = 0; i < 100; ++i) {
            const ProcessRun ping = run_process({"dbus-send", "--session", "--dest=" + name_, "--print-reply", "/",
                                                 "org.freedesktop.DBus.Peer.Ping"});
            if (ping.exit_status == 0) return;
            if (!abrmd_->running()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        die("tpm2-abrmd did not come up on the private bus: " + abrmd_->transcript() + bus_->transcript());
    }
    ~Tabrmd() {
        abrmd_->stop();
        bus_->stop();
    }
    Tabrmd(const Tabrmd&) = delete;
    Tabrmd& operator=(const Tabrmd&) = delete;

    std::vector<std::string> env() const {
        return {"TPM2OPENSSL_TCTI=tabrmd:bus_name=" + name_ + ",bus_type=session", "DBUS_SESSION_BUS_ADDRESS=" + address_,
                "TSS2_LOG=all+NONE"};
    }

private:
    std::unique_ptr<test::PeerProcess> bus_;
    std::unique_ptr<test::PeerProcess> abrmd_;
    std::string address_;
    std::string name_;
};

struct OpensslCase {
    std::string name;
    std::string key;  // tpm, software, none (openssl version)
    bool resumed = false;
    std::vector<std::string> argv;
    std::string note;
};

void run_openssl_case(BenchEnvironment& env, const OpensslCase& c, const std::vector<std::string>& child_env) {
    ScenarioResult result;
    result.name = c.name;
    result.stack = "openssl";
    result.mode = "new process";
    result.key = c.key;
    result.resumed = c.resumed;
    result.preset = env.preset;
    result.note = c.note;
    std::unique_ptr<BenchServer> server;
    std::vector<std::string> argv = c.argv;
    const std::string session_file = env.dir.file(c.name + "-" + env.preset + ".session");
    if (c.key != "none") {
        ServerConfig config = env.server_config(ClientAuthMode::required);
        if (c.resumed) enable_server_tickets(config);
        auto started = BenchServer::start(std::move(config));
        if (!started) die("starting the server: " + started.error().to_string());
        server = std::move(*started);
        argv.push_back("-connect");
        argv.push_back("127.0.0.1:" + std::to_string(server->port()));
        if (c.resumed) argv.insert(argv.end(), {"-sess_out", session_file});
    }
    const int total = env.options.warmup + env.options.count + (c.resumed ? 1 : 0);
    std::vector<int64_t> wall;
    int64_t cpu = 0;
    ProxyCounts before;
    env.progress.begin(c.name + " [" + env.preset + "]", total);
    for (int i = 0; i < total; ++i) {
        const bool measured = i >= total - env.options.count;
        if (measured && wall.empty()) before = env.counts();
        std::vector<std::string> run_argv = argv;
        if (c.resumed && i > 0) run_argv.insert(run_argv.end(), {"-sess_in", session_file});
        const uint64_t handshakes_before = server ? server->handshakes() : 0;
        const uint64_t resumed_before = server ? server->resumed() : 0;
        const ProcessRun run = run_process(run_argv, child_env);
        if (run.exit_status != 0 || (server && server->handshakes() == handshakes_before))
            die(c.name + ": openssl exited " + std::to_string(run.exit_status) + ": " + run.errors +
                (server ? " (server: " + server->last_failure() + ")" : ""));
        if (measured) {
            wall.push_back(run.wall.count());
            cpu += run.cpu.count();
            if (c.resumed && server->resumed() == resumed_before) die(c.name + ": openssl did not resume");
        }
        env.progress.step(i + 1);
    }
    env.progress.end();
    finish_process_result(result, env, env.counts() - before, wall, cpu, c.key == "tpm");
    if (server && server->authenticated_clients() != server->handshakes())
        die(c.name + ": the server authenticated " + std::to_string(server->authenticated_clients()) + " of " +
            std::to_string(server->handshakes()) + " clients");
    env.report.scenarios.push_back(std::move(result));
}

std::string provider_version() {
    const test::CommandResult r = test::run_command({"dpkg-query", "-W", "-f=${Version}", "tpm2-openssl"});
    return r.exit_status == 0 ? r.out : "unknown";
}

}  // namespace

void run_openssl_scenarios(BenchEnvironment& env, bool software_too) {
    const std::vector<std::string> common = {"openssl", "s_client", "-tls1_3", "-servername", "localhost", "-CAfile",
                                             env.root_pem, "-verify_return_error", "-ign_eof", "-quiet"};
    const std::string version = provider_version();
    env.report.openssl_provider_version = version;
    if (env.options.wants("openssl_full_tpm") || env.options.wants("openssl_resumed_tpm")) {
        const Tabrmd tabrmd(env);
        std::vector<std::string> tpm = common;
        tpm.insert(tpm.end(), {"-provider", "tpm2", "-provider", "default", "-cert", env.tpm_cert_pem, "-key",
                               env.tpm_key_file});
        const std::string note = "openssl s_client, tpm2-openssl " + version + " via tpm2-abrmd";
        if (env.options.wants("openssl_full_tpm")) run_openssl_case(env, {"openssl_full_tpm", "tpm", false, tpm, note}, tabrmd.env());
        if (env.options.wants("openssl_resumed_tpm"))
            run_openssl_case(env, {"openssl_resumed_tpm", "tpm", true, tpm, note + ", -sess_out/-sess_in"}, tabrmd.env());
    }
    if (!software_too) return;
    if (env.options.wants("openssl_full_software")) {
        std::vector<std::string> software = common;
        software.insert(software.end(), {"-cert", env.software_cert_pem, "-key", env.software_key_pem});
        run_openssl_case(env, {"openssl_full_software", "software", false, software, "openssl s_client, software key"}, {});
    }
    if (env.options.wants("openssl_floor"))
        run_openssl_case(env, {"openssl_floor", "none", false, {"openssl", "version"}, "openssl version: exec and exit"}, {});
}

}  // namespace tpmtls::bench
