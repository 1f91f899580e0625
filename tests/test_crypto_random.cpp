// The system Random (libsodium randombytes_buf) fills whole buffers, differently each time.
#include <doctest/doctest.h>

#include "tls13/bytes.h"
#include "tls13/crypto/random.h"

using namespace tpmtls;

TEST_CASE("SystemRandom fills buffers and two fills differ") {
    SystemRandom random;
    Bytes first(32), second(32);
    random.fill(first);
    random.fill(second);
    // 2^-256 chance of a false failure.
    CHECK(first != second);
    CHECK(first != Bytes(32, 0));

    // Every byte of a larger buffer is written: across a few fills, each position takes more
    // than one value (a byte left untouched would stay at its initial value).
    Bytes seen_change(1000, 0);
    Bytes previous(1000, 0);
    for (int round = 0; round < 8; ++round) {
        Bytes buffer(1000, 0);
        random.fill(buffer);
        for (size_t i = 0; i < buffer.size(); ++i)
            if (buffer[i] != previous[i]) seen_change[i] = 1;
        previous = buffer;
    }
    CHECK(seen_change == Bytes(1000, 1));

    Bytes empty;
    random.fill(empty);  // a zero-length request is fine
    CHECK(empty.empty());
}

TEST_CASE("system_random is one shared instance") {
    Random& a = system_random();
    Random& b = system_random();
    CHECK(&a == &b);
    Bytes x(16), y(16);
    a.fill(x);
    b.fill(y);
    CHECK(x != y);
}
