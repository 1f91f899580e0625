// Usage: build/release/bench/bench_handshake [handshakes per case]   (default 200)
//
// In-process TLS 1.3 handshakes between our client and our server over an in-memory pipe (no
// sockets, no TPM): full handshakes per second per suite × group, with and without client
// authentication (software ECDSA P-256 keys), and the peak heap a client connection holds.
//
// Peak heap: malloc/calloc/realloc/free are replaced by counting versions; allocations made
// while the client's code runs (start/receive/send on the client Connection) are attributed to
// the client, and the peak of their live total over a whole handshake plus one request and
// reply is reported. Memory allocated by the shared configuration (certificates, trust store,
// signer) is made before the count starts and is not included. Not a test: it never judges.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/connection_pair.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

thread_local bool counting_client = false;
size_t client_live = 0;
size_t client_peak = 0;

void note_alloc(void* p) {
    if (counting_client && p != nullptr) {
        client_live += malloc_usable_size(p);
        client_peak = std::max(client_peak, client_live);
    }
}
void note_free(void* p) {
    if (counting_client && p != nullptr) {
        const size_t n = malloc_usable_size(p);
        client_live = client_live >= n ? client_live - n : 0;
    }
}

}  // namespace

// Every heap allocation (C++ new, and mbedTLS's and libsodium's calloc) goes through these.
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void __libc_free(void*);

void* malloc(size_t n) {
    void* p = __libc_malloc(n);
    note_alloc(p);
    return p;
}
void* calloc(size_t count, size_t n) {
    void* p = __libc_calloc(count, n);
    note_alloc(p);
    return p;
}
void* realloc(void* old, size_t n) {
    note_free(old);
    void* p = __libc_realloc(old, n);
    note_alloc(p);
    return p;
}
void free(void* p) {
    note_free(p);
    __libc_free(p);
}
}

namespace {

struct ClientScope {
    ClientScope() { counting_client = true; }
    ~ClientScope() { counting_client = false; }
    ClientScope(const ClientScope&) = delete;
    ClientScope& operator=(const ClientScope&) = delete;
};

// One handshake + one request/reply, moving bytes by hand so client work can be attributed.
bool run_once(const ClientConfig& client_config, const ServerConfig& server_config) {
    std::unique_ptr<Connection> client;
    {
        ClientScope scope;
        client = Connection::client(client_config, system_random(), system_clock());
        if (!client->start()) return false;
    }
    auto server = Connection::server(server_config, system_random(), system_clock());
    bool request_sent = false;
    for (int round = 0; round < 32; ++round) {
        Bytes to_server;
        {
            ClientScope scope;
            if (client->is_connected() && !request_sent) {
                if (!client->send(view(std::string("GET_SECRET")))) return false;
                request_sent = true;
            }
            to_server = client->take_output();
        }
        if (!to_server.empty() && !server->receive(view(to_server))) return false;
        if (server->is_connected()) {
            const Bytes request = server->take_application_data();
            if (!request.empty() && !server->send(view(std::string("THIS_IS_THE_SECRET")))) return false;
        }
        const Bytes to_client = server->take_output();
        if (to_client.empty() && to_server.empty()) break;
        ClientScope scope;
        if (!to_client.empty() && !client->receive(view(to_client))) return false;
        if (!client->take_application_data().empty()) break;
    }
    ClientScope scope;
    client.reset();
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    const int count = argc > 1 ? std::atoi(argv[1]) : 200;
    const TestPki pki = make_test_pki();
    const CipherSuite suites[] = {CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384,
                                  CipherSuite::TLS_CHACHA20_POLY1305_SHA256};
    const NamedGroup groups[] = {NamedGroup::x25519, NamedGroup::secp256r1};
    std::printf("%-30s %-10s %-12s %12s %14s\n", "suite", "group", "client auth", "handshakes/s", "client peak KiB");
    for (bool mutual : {false, true})
        for (NamedGroup group : groups)
            for (CipherSuite suite : suites) {
                ClientConfig client = client_config_for(pki, mutual);
                ServerConfig server = server_config_for(pki, mutual ? ClientAuthMode::required : ClientAuthMode::off);
                client.cipher_suites = {suite};
                client.groups = {group};
                server.groups = {group};
                client_peak = 0;
                client_live = 0;
                const auto start = std::chrono::steady_clock::now();
                for (int i = 0; i < count; ++i) {
                    if (!run_once(client, server)) {
                        std::fprintf(stderr, "handshake failed\n");
                        return 1;
                    }
                }
                const double seconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                std::printf("%-30s %-10s %-12s %12.1f %14.1f\n", to_string(suite).c_str(), to_string(group).c_str(),
                            mutual ? "required" : "off", count / seconds, static_cast<double>(client_peak) / 1024.0);
            }
    std::printf("\n(handshakes/s counts both sides' work in one thread; peak KiB is the client's live heap)\n");
    return 0;
}
