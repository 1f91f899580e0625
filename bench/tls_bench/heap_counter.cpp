#include "tls_bench/heap_counter.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <iterator>

namespace tpmtls::bench {
namespace {

thread_local bool counting_client = false;
std::atomic<bool> measuring{false};  // single-threaded while true (the in-memory scenario)
size_t client_live = 0;
size_t client_peak = 0;

// The client's live blocks, so that a block the client allocated is subtracted wherever it is
// freed, and a block it did not allocate is never subtracted. Open addressing over a fixed table:
// the hooks must not allocate.
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
    if (p == nullptr || !measuring.load(std::memory_order_relaxed)) return;
    for (size_t i = slot_of(p); blocks[i].p != nullptr; i = (i + 1) % table_size) {
        if (blocks[i].p == p) {
            client_live -= blocks[i].n;
            blocks[i].p = tombstone;
            return;
        }
    }
}

}  // namespace

void heap_begin_connection() {
    std::fill(std::begin(blocks), std::end(blocks), Block{nullptr, 0});
    client_live = 0;
    client_peak = 0;
    measuring = true;
}

void heap_end_measurement() { measuring = false; }

ClientHeapScope::ClientHeapScope() { counting_client = true; }
ClientHeapScope::~ClientHeapScope() { counting_client = false; }

size_t heap_client_live() { return client_live; }
size_t heap_client_peak() { return client_peak; }

}  // namespace tpmtls::bench

// Every heap allocation (C++ new, and mbedTLS's and libsodium's calloc) goes through these.
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void __libc_free(void*);

void* malloc(size_t n) {
    void* p = __libc_malloc(n);
    tpmtls::bench::note_alloc(p);
    return p;
}
void* calloc(size_t count, size_t n) {
    void* p = __libc_calloc(count, n);
    tpmtls::bench::note_alloc(p);
    return p;
}
void* realloc(void* old, size_t n) {
    tpmtls::bench::note_free(old);
    void* p = __libc_realloc(old, n);
    tpmtls::bench::note_alloc(p);
    return p;
}
void free(void* p) {
    tpmtls::bench::note_free(p);
    __libc_free(p);
}
}
