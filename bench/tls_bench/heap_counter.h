// The heap one client connection holds, counted by replacing malloc/calloc/realloc/free (linked
// into bench_tls only). A block allocated while counting is on (on the counting thread) belongs
// to the client and is subtracted when it is freed, wherever that happens (its output bytes are
// freed by the caller); blocks allocated while counting is off are never counted. Sizes are
// malloc_usable_size (what the allocator really holds). The hooks do nothing but forward while
// no measurement is active, so the multi-threaded scenarios pay nothing.
#pragma once

#include <cstddef>

namespace tpmtls::bench {

// Starts a measurement (one connection): forgets earlier blocks, live total back to 0.
void heap_begin_connection();
// Ends the measurement; the hooks stop looking at frees.
void heap_end_measurement();

// While alive, allocations on this thread are the client's.
class ClientHeapScope {
public:
    ClientHeapScope();
    ~ClientHeapScope();
    ClientHeapScope(const ClientHeapScope&) = delete;
    ClientHeapScope& operator=(const ClientHeapScope&) = delete;
};

size_t heap_client_live();  // bytes the client holds now
size_t heap_client_peak();  // highest live total since heap_begin_connection()

}  // namespace tpmtls::bench
