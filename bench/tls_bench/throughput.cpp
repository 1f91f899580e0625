// Server full handshakes per second on this machine's cores: one TlsServer (one epoll thread
// each) per core on loopback, and two client threads per core (TlsClient, a new connection each
// time) spread over them, for a fixed time. The clients share the cores with the servers, so this
// is what one machine does talking to itself, a lower bound for a server with remote clients.
#include <atomic>
#include <thread>

#include "client/tls_client.h"
#include "tls13/crypto/software_signer.h"
#include "tls_bench/bench_server.h"
#include "tls_bench/scenarios.h"

namespace tpmtls::bench {

void run_server_throughput(BenchEnvironment& env) {
    if (!env.options.wants("server_throughput")) return;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    for (bool mutual : {false, true}) {
        std::vector<std::unique_ptr<BenchServer>> servers;
        for (unsigned i = 0; i < cores; ++i) {
            auto server = BenchServer::start(env.server_config(mutual ? ClientAuthMode::required : ClientAuthMode::off));
            if (!server) die("starting a server: " + server.error().to_string());
            servers.push_back(std::move(*server));
        }
        std::shared_ptr<Signer> signer;
        if (mutual) {
            auto software = SoftwareSigner::from_key(view(env.pki.client.key.private_pem));
            if (!software) die("software key: " + software.error().to_string());
            signer = std::move(*software);
        }
        const ClientConfig base = env.client_config(signer, false);
        std::atomic<bool> stop{false};
        std::atomic<uint64_t> failures{0};
        std::vector<std::thread> clients;
        const unsigned client_threads = 2 * cores;
        for (unsigned t = 0; t < client_threads; ++t)
            clients.emplace_back([&, t] {
                const uint16_t port = servers[t % servers.size()]->port();
                while (!stop) {
                    auto client = TlsClient::connect("127.0.0.1", port, base);
                    if (!client) {
                        ++failures;
                        continue;
                    }
                    for (int reads = 0; reads < 4 && !(*client)->peer_closed(); ++reads) {
                        auto data = (*client)->receive();
                        if (!data || data->empty()) break;
                    }
                }
            });
        uint64_t before = 0;
        for (const auto& s : servers) before += s->handshakes();
        const auto start = std::chrono::steady_clock::now();
        env.progress.begin(std::string("server throughput ") + (mutual ? "mTLS" : "server-only"), 1);
        std::this_thread::sleep_for(std::chrono::duration<double>(env.options.throughput_seconds));
        uint64_t after = 0;
        for (const auto& s : servers) after += s->handshakes();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        stop = true;
        for (auto& c : clients) c.join();
        env.progress.end();
        ScenarioResult result;
        result.name = "server_throughput";
        result.stack = "tpmtls";
        result.mode = "in-process";
        result.preset = env.preset;
        result.key = mutual ? "software" : "none";
        result.count = static_cast<int>(after - before);
        result.handshakes_per_second = static_cast<int64_t>(static_cast<double>(after - before) / seconds);
        result.note = std::to_string(cores) + " TlsServer threads, " + std::to_string(client_threads) +
                      " TlsClient threads, " + std::to_string(cores) + " cores, loopback";
        if (failures != 0) result.note += ", " + std::to_string(failures.load()) + " client failures";
        const auto config = base;
        result.suite = to_string(config.cipher_suites.front());
        result.group = to_string(config.groups.front());
        env.report.scenarios.push_back(std::move(result));
    }
}

}  // namespace tpmtls::bench
