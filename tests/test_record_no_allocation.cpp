// "No allocation per record": once the caller's output buffer and the receiver's input buffer
// have grown to their working size, sealing, framing, reading and opening records allocate
// nothing. This program replaces the global operator new to count allocations.
#include <doctest/doctest.h>

#include <cstdlib>
#include <new>

#include "support/result_testing.h"
#include "tls13/record/record_layer.h"

namespace {
size_t allocations = 0;
bool counting = false;
}  // namespace

void* operator new(std::size_t size) {
    if (counting) ++allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace tpmtls;
using namespace tpmtls::test;

TEST_CASE("steady-state records allocate nothing") {
    for (CipherSuite suite_id : default_cipher_suites()) {
        const CipherSuiteInfo suite = *cipher_suite_info(suite_id);
        CAPTURE(to_string(suite_id));
        const TrafficSecret secret(Bytes(hash_size(suite.hash), 0x5a));
        RecordSender sender;
        sender.set_sealer(must(RecordSealer::create(suite, secret)));
        RecordReceiver receiver;
        receiver.set_opener(must(RecordOpener::create(suite, secret)));

        for (size_t size : {size_t{1}, size_t{1000}, max_plaintext_size}) {
            CAPTURE(size);
            const Bytes data(size, 0x33);
            Bytes wire;
            size_t received = 0;
            bool all_ok = true;
            // The first round grows `wire` to its working size; the rest must not allocate.
            for (int round = 0; round < 200; ++round) {
                if (round == 1) {
                    allocations = 0;
                    counting = true;
                }
                wire.clear();
                all_ok = all_ok && sender.write(ContentType::application_data, data, wire).ok();
                receiver.feed(wire);
                auto next = receiver.next();
                all_ok = all_ok && next.ok() && next->has_value() && (*next)->fragment.size() == size;
                received += all_ok ? 1 : 0;
            }
            counting = false;
            CHECK(all_ok);
            CHECK(received == 200);
            CHECK(allocations == 0);
        }
    }
}
