// The transcript hash (RFC 8446 §4.4.1): buffering until the suite is known, hash() leaving the
// state alone, hash_with() for binders, and the HelloRetryRequest message_hash rule.
// test_rfc8448_replay checks every transcript hash RFC 8448 prints; these are the unit rules.
#include <doctest/doctest.h>

#include "support/result_testing.h"
#include "support/rfc8448.h"
#include "tls13/key_schedule/transcript.h"
#include "tls13/types.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

Bytes concat(std::initializer_list<ByteView> parts) {
    Bytes out;
    for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

const Trace& simple() { return rfc8448("simple_1rtt"); }
const Bytes& client_hello() { return simple().find("client", "construct a ClientHello").at("ClientHello"); }
const Bytes& server_hello() { return simple().find("server", "construct a ServerHello").at("ServerHello"); }

}  // namespace

TEST_CASE("messages added before the algorithm is known are hashed once it is") {
    Transcript t;
    CHECK_FALSE(t.algorithm().has_value());
    must(t.add(client_hello()));
    CHECK(alert_of(t.hash()) == AlertDescription::internal_error);
    CHECK(alert_of(t.hash_with({})) == AlertDescription::internal_error);
    must(t.add(server_hello()));
    must(t.set_algorithm(HashAlgorithm::sha256));
    CHECK(t.algorithm() == HashAlgorithm::sha256);
    CHECK(t.message_count() == 2);
    // RFC 8448 §3: the "c hs traffic" context is Transcript-Hash(ClientHello, ServerHello).
    const Bytes expected = simple().find("server", "derive secret \"tls13 c hs traffic\"").at("hash");
    CHECK(hex(must(t.hash())) == hex(expected));
    CHECK(hex(must(t.hash())) == hex(hash(HashAlgorithm::sha256, concat({client_hello(), server_hello()}))));
}

TEST_CASE("hash() and hash_with() leave the running state unchanged") {
    Transcript t(HashAlgorithm::sha384);
    must(t.add(client_hello()));
    const Bytes first = must(t.hash());
    CHECK(first.size() == 48);
    CHECK(hex(must(t.hash())) == hex(first));
    const Bytes with = must(t.hash_with(server_hello()));
    CHECK(hex(with) == hex(hash(HashAlgorithm::sha384, concat({client_hello(), server_hello()}))));
    CHECK(hex(must(t.hash())) == hex(first));
    CHECK(t.message_count() == 1);
}

TEST_CASE("the algorithm is fixed once set") {
    Transcript t;
    must(t.set_algorithm(HashAlgorithm::sha256));
    must(t.set_algorithm(HashAlgorithm::sha256));
    CHECK(alert_of(t.set_algorithm(HashAlgorithm::sha384)) == AlertDescription::internal_error);
    CHECK(hex(must(t.hash())) == hex(hash(HashAlgorithm::sha256, {})));
}

TEST_CASE("add() takes exactly one whole handshake message") {
    Transcript t(HashAlgorithm::sha256);
    const Bytes& ch = client_hello();
    const struct {
        const char* name;
        Bytes bytes;
    } bad[] = {
        {"empty", {}},
        {"header only, body missing", {0x01, 0x00, 0x00, 0x04}},
        {"truncated header", {0x14, 0x00, 0x00}},
        {"body longer than its length", {0x14, 0x00, 0x00, 0x01, 0xaa, 0xbb}},
        {"two messages", concat({ch, ch})},
        {"one byte short", Bytes(ch.begin(), ch.end() - 1)},
    };
    for (const auto& b : bad) {
        CAPTURE(b.name);
        CHECK(alert_of(t.add(b.bytes)) == AlertDescription::internal_error);
    }
    CHECK(t.message_count() == 0);
    CHECK(hex(must(t.hash())) == hex(hash(HashAlgorithm::sha256, {})));
    must(t.add(Bytes{0x05, 0x00, 0x00, 0x00}));  // EndOfEarlyData: an empty body is one message
    CHECK(t.message_count() == 1);
}

TEST_CASE("HelloRetryRequest replaces ClientHello1 with message_hash (RFC 8446 §4.4.1, RFC 8448 §5)") {
    const Trace& hrr = rfc8448("hello_retry_request");
    const Bytes& ch1 = hrr.find("client", "construct a ClientHello", 0).at("ClientHello");
    const Bytes& retry = hrr.find("server", "construct a ServerHello", 0).at("ServerHello");
    const Bytes& ch2 = hrr.find("client", "construct a ClientHello", 1).at("ClientHello");
    const Bytes& sh = hrr.find("server", "construct a ServerHello", 1).at("ServerHello");

    Transcript t;  // the client: the suite is learned from the HelloRetryRequest
    must(t.add(ch1));
    CHECK(alert_of(t.replace_client_hello_with_message_hash()) == AlertDescription::internal_error);
    must(t.set_algorithm(HashAlgorithm::sha256));
    must(t.replace_client_hello_with_message_hash());
    // message_hash(254), uint24 length 32, Hash(ClientHello1).
    const Bytes ch1_hash = hash(HashAlgorithm::sha256, ch1);
    const Bytes synthetic = concat({Bytes{254, 0x00, 0x00, 0x20}, ch1_hash});
    CHECK(hex(must(t.hash())) == hex(hash(HashAlgorithm::sha256, synthetic)));
    must(t.add(retry));
    must(t.add(ch2));
    must(t.add(sh));
    CHECK(hex(must(t.hash())) == hex(hash(HashAlgorithm::sha256, concat({synthetic, retry, ch2, sh}))));
    // RFC 8448 §5 prints this hash as the context of "c hs traffic".
    CHECK(hex(must(t.hash())) == hex(hrr.find("server", "derive secret \"tls13 c hs traffic\"").at("hash")));
    // Only once, and only over exactly ClientHello1.
    CHECK(alert_of(t.replace_client_hello_with_message_hash()) == AlertDescription::internal_error);
}

TEST_CASE("message_hash needs exactly one message before it") {
    Transcript none(HashAlgorithm::sha256);
    CHECK(alert_of(none.replace_client_hello_with_message_hash()) == AlertDescription::internal_error);
    Transcript two(HashAlgorithm::sha256);
    must(two.add(client_hello()));
    must(two.add(server_hello()));
    CHECK(alert_of(two.replace_client_hello_with_message_hash()) == AlertDescription::internal_error);
}

TEST_CASE("message_hash with SHA-384 carries a 48-byte hash") {
    Transcript t(HashAlgorithm::sha384);
    must(t.add(client_hello()));
    must(t.replace_client_hello_with_message_hash());
    const Bytes synthetic = concat({Bytes{254, 0x00, 0x00, 0x30}, hash(HashAlgorithm::sha384, client_hello())});
    CHECK(hex(must(t.hash())) == hex(hash(HashAlgorithm::sha384, synthetic)));
}

TEST_CASE("hash_with() gives the PSK binder hash over a truncated ClientHello (RFC 8448 §4)") {
    const TraceStep& binder = rfc8448("resumed_0rtt").find("client", "calculate PSK binder");
    Transcript t(HashAlgorithm::sha256);
    CHECK(hex(must(t.hash_with(binder.at("ClientHello prefix")))) == hex(binder.at("binder hash")));
    CHECK(t.message_count() == 0);
}
