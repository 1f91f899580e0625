// Usage: build/release/bench/bench_handshake [handshakes per case]   (default 200)
//
// In-process TLS 1.3 handshakes between our client and our server over an in-memory pipe (no
// sockets, no TPM): full handshakes per second per suite × group, with and without client
// authentication (software ECDSA P-256 keys), and the peak heap a client connection holds.
//
// Peak heap: malloc/calloc/realloc/free are replaced by counting versions. A block allocated
// while the client's code runs (Connection::client, start/receive/send/take_output on the client)
// belongs to the client and is subtracted when it is freed, wherever that happens (its output
// bytes are freed by the caller); blocks the client did not allocate are never counted. Sizes are
// malloc_usable_size (what the allocator really holds). "peak KiB" is the highest live total over
// a whole connection (handshake, one request and reply, teardown); "after KiB" is the live total
// once the reply has been read, i.e. what an idle connected client holds. Both are the maximum
// over all runs of a case. Memory of the shared configuration (certificates, trust store,
// signer) is made before counting starts and is not included. Not a test: it never judges.
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

// The client's live blocks, so that a block the client allocated is subtracted wherever it is
// freed (its output is handed over and freed by the caller), and a block it did not allocate is
// never subtracted. Open addressing over a fixed table: the hooks must not allocate.
constexpr size_t table_size = size_t{1} << 16;  // far more than one connection's live blocks
struct Block {
    void* p;
    size_t n;
};
Block blocks[table_size];
void* const tombstone = &blocks;

size_t slot_of(const void* p) { return (reinterpret_cast<uintptr_t>(p) >> 4) * 0x9E3779B97F4A7C15u % table_size; }

void note_alloc(void* p) {
    if (!counting_client || p == nullptr) return;
    size_t i = slot_of(p);
    while (blocks[i].p != nullptr && blocks[i].p != tombstone) i = (i + 1) % table_size;
    blocks[i] = {p, malloc_usable_size(p)};
    client_live += blocks[i].n;
    client_peak = std::max(client_peak, client_live);
}
void note_free(void* p) {
    if (p == nullptr) return;
    for (size_t i = slot_of(p); blocks[i].p != nullptr; i = (i + 1) % table_size) {
        if (blocks[i].p == p) {
            client_live -= blocks[i].n;
            blocks[i].p = tombstone;
            return;
        }
    }
}

size_t client_steady = 0;  // live client heap once connected and the reply has been read

// Per connection: every block of the previous one has been freed, so only tombstones remain.
void clear_blocks() {
    std::fill(std::begin(blocks), std::end(blocks), Block{nullptr, 0});
    client_live = 0;
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
    clear_blocks();
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
    client_steady = std::max(client_steady, client_live);
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
    std::printf("%-30s %-10s %-12s %12s %10s %10s\n", "suite", "group", "client auth", "handshakes/s", "peak KiB",
                "after KiB");
    for (bool mutual : {false, true})
        for (NamedGroup group : groups)
            for (CipherSuite suite : suites) {
                ClientConfig client = client_config_for(pki, mutual);
                ServerConfig server = server_config_for(pki, mutual ? ClientAuthMode::required : ClientAuthMode::off);
                client.cipher_suites = {suite};
                client.groups = {group};
                server.groups = {group};
                client_peak = 0;
                client_steady = 0;
                const auto start = std::chrono::steady_clock::now();
                for (int i = 0; i < count; ++i) {
                    if (!run_once(client, server)) {
                        std::fprintf(stderr, "handshake failed\n");
                        return 1;
                    }
                }
                const double seconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                std::printf("%-30s %-10s %-12s %12.1f %10.1f %10.1f\n", to_string(suite).c_str(), to_string(group).c_str(),
                            mutual ? "required" : "off", count / seconds, static_cast<double>(client_peak) / 1024.0,
                            static_cast<double>(client_steady) / 1024.0);
            }
    std::printf("\n(handshakes/s counts both sides' work in one thread; KiB are the client connection's live heap)\n");
    return 0;
}
