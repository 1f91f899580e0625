// In memory, both sides in one thread, no sockets and no TPM: what our handshake code costs per
// suite and group, and the heap one client connection holds (heap_counter.h). Bytes are moved by
// hand so that the client's allocations can be told from the server's.
#include <chrono>

#include "support/connection_pair.h"
#include "tls_bench/heap_counter.h"
#include "tls_bench/scenarios.h"

namespace tpmtls::bench {
namespace {

struct HeapResult {
    size_t peak = 0;
    size_t idle = 0;  // once the reply has been read: what an idle connected client holds
};

// One handshake + one request/reply; false if either side failed.
bool run_once(const ClientConfig& client_config, const ServerConfig& server_config, HeapResult& heap) {
    heap_begin_connection();
    std::unique_ptr<Connection> client;
    {
        ClientHeapScope scope;
        client = Connection::client(client_config, system_random(), system_clock());
        if (!client->start()) return false;
    }
    auto server = Connection::server(server_config, system_random(), system_clock());
    bool request_sent = false;
    bool ok = false;
    for (int round = 0; round < 32; ++round) {
        Bytes to_server;
        {
            ClientHeapScope scope;
            if (client->is_connected() && !request_sent) {
                if (!client->send(view(std::string("GET_SECRET")))) break;
                request_sent = true;
            }
            to_server = client->take_output();
        }
        if (!to_server.empty() && !server->receive(view(to_server))) break;
        if (server->is_connected()) {
            const Bytes request = server->take_application_data();
            if (!request.empty() && !server->send(view(std::string("THIS_IS_THE_SECRET")))) break;
        }
        const Bytes to_client = server->take_output();
        if (to_client.empty() && to_server.empty()) break;
        ClientHeapScope scope;
        if (!to_client.empty() && !client->receive(view(to_client))) break;
        if (!client->take_application_data().empty()) {
            ok = true;
            break;
        }
    }
    heap.idle = std::max(heap.idle, heap_client_live());
    {
        ClientHeapScope scope;
        client.reset();
    }
    heap.peak = std::max(heap.peak, heap_client_peak());
    heap_end_measurement();
    return ok;
}

}  // namespace

void run_memory_scenarios(BenchEnvironment& env) {
    if (!env.options.wants("memory")) return;
    const CipherSuite suites[] = {CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384,
                                  CipherSuite::TLS_CHACHA20_POLY1305_SHA256};
    const NamedGroup groups[] = {NamedGroup::x25519, NamedGroup::secp256r1};
    for (bool mutual : {true, false})
        for (NamedGroup group : groups)
            for (CipherSuite suite : suites) {
                ClientConfig client = test::client_config_for(env.pki, mutual);
                ServerConfig server = test::server_config_for(env.pki, mutual ? ClientAuthMode::required : ClientAuthMode::off);
                client.cipher_suites = {suite};
                client.groups = {group};
                server.groups = {group};
                ScenarioResult result;
                result.name = "memory";
                result.stack = "tpmtls";
                result.mode = "in-memory";
                result.preset = env.preset;
                result.key = mutual ? "software" : "none";
                result.suite = to_string(suite);
                result.group = to_string(group);
                HeapResult heap;
                std::vector<int64_t> times;
                const int total = env.options.warmup + env.options.count;
                env.progress.begin("memory " + result.suite + " " + result.group + (mutual ? " mTLS" : ""), total);
                int64_t measured_ns = 0;
                for (int i = 0; i < total; ++i) {
                    const auto start = std::chrono::steady_clock::now();
                    if (!run_once(client, server, heap)) die("in-memory handshake failed: " + result.suite);
                    const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           std::chrono::steady_clock::now() - start)
                                           .count();
                    if (i >= env.options.warmup) {
                        times.push_back(ns);
                        measured_ns += ns;
                    }
                    env.progress.step(i + 1);
                }
                env.progress.end();
                result.count = env.options.count;
                result.wall = summarize(times);
                result.peak_heap_bytes = heap.peak;
                result.idle_heap_bytes = heap.idle;
                result.handshakes_per_second =
                    measured_ns > 0 ? static_cast<int64_t>(1e9 * env.options.count / static_cast<double>(measured_ns)) : 0;
                result.note = "both sides in one thread, plus one request and reply; heap counting on";
                env.report.scenarios.push_back(std::move(result));
            }
}

}  // namespace tpmtls::bench
