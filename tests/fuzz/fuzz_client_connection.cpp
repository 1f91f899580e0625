// libFuzzer target: a client Connection that has sent its ClientHello receives arbitrary bytes
// as the server's answer (record framing, ServerHello / HelloRetryRequest checks, key changes,
// alerts). Whatever arrives, the connection must end up connected, waiting or failed with one
// alert queued; never crash, leak or hang.
//
// The randomness is scripted with RFC 8448 §3's client random and X25519 key so the seed corpus
// (the §3, §5 and §7 server flights) gets past the key share; the transcript still differs from
// the RFC's, so the encrypted part of those flights is what the fuzzer mutates blind.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "tls13/bytes.h"
#include "tls13/clock.h"
#include "tls13/connection.h"
#include "tls13/x509.h"

using namespace tpmtls;

namespace {

// RFC 8448 §3: the server certificate, used here only as a trust anchor.
constexpr const char* rfc8448_server_certificate =
    "308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403130372736130"
    "1e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130"
    "819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de"
    "55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b"
    "1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c4"
    "7428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06"
    "092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417"
    "f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a4"
    "2a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de1";

class ScriptedRandom final : public Random {
public:
    void fill(std::span<uint8_t> out) override {
        static constexpr const char* script[] = {
            "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7",  // §3 ClientHello random
            "49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005",  // §3 client x25519 key
        };
        if (next_ < 2) {
            const Bytes b = from_hex(script[next_++]).value();
            if (b.size() == out.size()) {
                std::memcpy(out.data(), b.data(), b.size());
                return;
            }
        }
        for (auto& byte : out) byte = ++counter_;
    }

private:
    size_t next_ = 0;
    uint8_t counter_ = 0;
};

std::shared_ptr<const TrustStore> anchors() {
    static const std::shared_ptr<const TrustStore> store = [] {
        auto s = TrustStore::from_pem_or_der(view(from_hex(rfc8448_server_certificate).value()));
        if (!s) std::abort();
        return std::make_shared<const TrustStore>(std::move(s).value());
    }();
    return store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ScriptedRandom random;
    const FixedClock clock(1546300800);  // 2019-01-01, inside the RFC certificate's validity
    ClientConfig config;
    config.server_name = "server";
    config.trust_anchors = anchors();
    config.compatibility_mode = (size % 2) == 0;  // both modes, decided by the input length
    auto client = Connection::client(std::move(config), random, clock);
    if (!client->start()) std::abort();
    (void)client->take_output();

    // Feed in two pieces so partial records are exercised too.
    const ByteView input(data, size);
    const size_t split = size > 0 ? data[0] % (size + 1) : 0;
    if (client->receive(input.first(split))) (void)client->receive(input.subspan(split));

    if (client->state() == Connection::State::failed && !client->alert_was_received()) {
        // One alert record went out (at least its 5-byte header), and nothing more is accepted.
        const Bytes out = client->take_output();
        if (out.size() < 5) std::abort();
        if (client->receive(input)) std::abort();
        if (client->has_output()) std::abort();
    }
    return 0;
}
