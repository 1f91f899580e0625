// Usage: build/bench/bench_crypto [scale]  — median cost of each crypto primitive (scale multiplies the iterations; default 1).
//
// Not a test and not run by ctest: it prints numbers and never judges them. Each figure is the
// median over `samples` batches; one batch runs an operation `iterations` times back to back.
// Build with -DCMAKE_BUILD_TYPE=Release (or RelWithDebInfo) for meaningful figures.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/bytes.h"
#include "tls13/crypto/aead.h"
#include "tls13/crypto/hkdf.h"
#include "tls13/crypto/key_exchange.h"
#include "tls13/crypto/random.h"
#include "tls13/crypto/verify.h"

using namespace tpmtls;

namespace {

using Clock = std::chrono::steady_clock;
constexpr int samples = 11;
int scale = 1;

Bytes hex(std::string_view text) {
    auto bytes = from_hex(text);
    if (!bytes) {
        std::fprintf(stderr, "bad hex constant\n");
        std::exit(2);
    }
    return *bytes;
}

void require(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "bench_crypto: %s failed\n", what);
        std::exit(1);
    }
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

// Median nanoseconds per call of op(), timed in batches.
template <class Op>
double ns_per_op(int iterations, Op&& op) {
    iterations *= scale;
    op();  // warm-up: first-use initialisation (libsodium, mbedTLS tables) is not measured
    std::vector<double> per_op;
    for (int s = 0; s < samples; ++s) {
        const auto start = Clock::now();
        for (int i = 0; i < iterations; ++i) op();
        const std::chrono::duration<double, std::nano> elapsed = Clock::now() - start;
        per_op.push_back(elapsed.count() / iterations);
    }
    return median(std::move(per_op));
}

// The same, timing only op() where each call first needs an untimed setup() (restoring a buffer).
template <class Setup, class Op>
double ns_per_op(int iterations, Setup&& setup, Op&& op) {
    iterations *= scale;
    setup();
    op();
    std::vector<double> per_op;
    for (int s = 0; s < samples; ++s) {
        std::chrono::duration<double, std::nano> total{0};
        for (int i = 0; i < iterations; ++i) {
            setup();
            const auto start = Clock::now();
            op();
            total += Clock::now() - start;
        }
        per_op.push_back(total.count() / iterations);
    }
    return median(std::move(per_op));
}

void print_us(const std::string& what, const char* implementation, double ns) {
    std::printf("%-46s %-10s %10.2f µs/op\n", what.c_str(), implementation, ns / 1000.0);
}

void print_mbps(const std::string& what, const char* implementation, size_t bytes, double ns) {
    std::printf("%-46s %-10s %10.1f MB/s   (%.2f µs per %zu-byte record)\n", what.c_str(), implementation,
                static_cast<double>(bytes) * 1000.0 / ns, ns / 1000.0, bytes);
}

void bench_key_exchange(NamedGroup group, const char* name, const char* implementation, int iterations) {
    auto peer = generate_key_exchange(group, system_random());
    require(peer.ok(), "peer key generation");
    const Bytes peer_public = to_bytes((*peer)->public_key());
    const double ns = ns_per_op(iterations, [&] {
        auto kx = generate_key_exchange(group, system_random());
        auto shared = (*kx)->shared_secret(view(peer_public));
        require(shared.ok(), name);
    });
    print_us(std::string(name) + " keygen + shared secret", implementation, ns);
}

void bench_verify(const char* name, SignatureScheme scheme, const PublicKey& key, const Bytes& message,
                  const Bytes& signature, int iterations) {
    require(verify_signature(scheme, key, view(message), view(signature)).ok(), name);
    const double ns = ns_per_op(iterations, [&] { (void)verify_signature(scheme, key, view(message), view(signature)); });
    print_us(name, "mbedTLS", ns);
}

// RFC 6979 A.2.5: P-256 key and the SHA-256 signature of "sample" (r, s DER-encoded).
void bench_ecdsa_p256() {
    const Bytes spki = hex(
        "3059301306072a8648ce3d020106082a8648ce3d030107034200"
        "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
        "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
    const Bytes signature = hex(
        "3046022100efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
        "022100f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
    auto key = PublicKey::from_spki(view(spki));
    require(key.ok(), "P-256 key");
    bench_verify("ECDSA P-256 SHA-256 verify (RFC 6979 A.2.5)", SignatureScheme::ecdsa_secp256r1_sha256, *key,
                 to_bytes(view(std::string_view("sample"))), signature, 100);
}

// Wycheproof rsa_pss_2048_sha256_mgf1_32_test.json, tcId 1 (empty message, salt 32).
void bench_rsa2048_pss() {
    const Bytes spki = hex(
        "30820122300d06092a864886f70d01010105000382010f003082010a0282010100a2b451a07d0aa5f96e4556715135505"
        "14a8a5b462ebef717094fa1fee82224e637f9746d3f7cafd31878d80325b6ef5a1700f65903b469429e89d6eac8845097"
        "b5ab393189db92512ed8a7711a1253facd20f79c15e8247f3d3e42e46e48c98e254a2fe9765313a03eff8f17e1a029397"
        "a1fa26a8dce26f490ed81299615d9814c22da610428e09c7d9658594266f5c021d0fceca08d945a12be82de4d1ece6b4c"
        "03145b5d3495d4ed5411eb878daf05fd7afc3e09ada0f1126422f590975a1969816f48698bcbba1b4d9cae79d460d8f9f8"
        "5e7975005d9bc22c4e5ac0f7c1a45d12569a62807d3b9a02e5a530e773066f453d1f5b4c2e9cf7820283f742b9d502030"
        "10001");
    const Bytes signature = hex(
        "4f01e0c12b08625ecac89a69231906edf826380f37c959a96690d046316d68ffce9d5c471694fcebfc6b4553486468925"
        "6e4fc81c78e583f675d0c94b449647451e81beff01a11a516d5e5ce3f1a910437cb8a3a5096b19fb15f4524a35b23d89c"
        "dba12cf5b71aac1047b28c562df7c5542c34ce23a182cf7e0e231934b17294799d44877a1d68ef1b8f073619b7618e6b7"
        "c22db20030d98cf591ffc3d4da5f58613ecd5ecfc3b40a1d02f40891ca43695cd4c088b05a8054c89c595a47e274816f3"
        "5384226f74459ee63e25a1bfc03c360490552ec38343f8ace502f065303b00bc0ec320711b211fde92e57feb9013c36093"
        "42495ec0d7cabdec21e54acc38");
    auto key = PublicKey::from_spki(view(spki));
    require(key.ok(), "RSA-2048 key");
    bench_verify("RSA-2048 PSS SHA-256 verify (Wycheproof)", SignatureScheme::rsa_pss_rsae_sha256, *key, {},
                 signature, 1000);
}

// RFC 8448 §3: the server certificate (a 1024-bit RSA key) and its CertificateVerify
// signature; the content is built from the transcript hash through Certificate, SHA-256 of
// ClientHello..Certificate of that trace (test_crypto_verify computes it from the messages).
void bench_rfc8448_rsa1024_pss() {
    const Bytes certificate = hex(
        "308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a06035504031303727361301e"
        "170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130819f"
        "300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bd"
        "b826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e"
        "0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a"
        "8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f7"
        "0d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f"
        "8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c"
        "3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de1");
    const Bytes signature = hex(
        "5a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6b"
        "ef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95b8c3"
        "fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3");
    const Bytes transcript_hash = hex("764d6632b3c35c3f3205e3499ac3edbaabb88295fba751461d3678e2e5ea0687");
    Bytes content(64, 0x20);  // RFC 8446 §4.4.3
    const std::string_view context = "TLS 1.3, server CertificateVerify";
    content.insert(content.end(), context.begin(), context.end());
    content.push_back(0x00);
    content.insert(content.end(), transcript_hash.begin(), transcript_hash.end());
    auto key = PublicKey::from_certificate(view(certificate));
    require(key.ok(), "RFC 8448 certificate");
    bench_verify("RSA-1024 PSS SHA-256 verify (RFC 8448 CV)", SignatureScheme::rsa_pss_rsae_sha256, *key, content,
                 signature, 2000);
}

// The size of a TLS 1.3 Derive-Secret: HkdfLabel{32, "tls13 c hs traffic", 32-byte hash}
// (RFC 8446 §7.1), expanded to one hash length.
void bench_hkdf_expand(HashAlgorithm alg) {
    const Bytes prk(hash_size(alg), 0x5a);
    Bytes info;
    Writer w(info);
    w.u16(static_cast<uint16_t>(hash_size(alg)));
    w.vec8(view(std::string_view("tls13 c hs traffic")));
    w.vec8(view(Bytes(hash_size(alg), 0xa5)));
    const double ns = ns_per_op(20000, [&] {
        auto out = hkdf_expand(alg, view(prk), view(info), hash_size(alg));
        require(out.ok(), "HKDF-Expand");
    });
    print_us("HKDF-Expand-Label-sized expand, " + to_string(alg), "mbedTLS", ns);
}

// Seal and open of one full 16 KiB record (RFC 8446 §5.1: 2^14 bytes of plaintext), in place.
void bench_aead(const std::string& label, Aead& aead) {
    constexpr size_t record = 16384;
    const Bytes nonce(aead_nonce_size, 0x07);
    const Bytes aad = {0x17, 0x03, 0x03, 0x40, 0x11};  // a TLSCiphertext header
    Bytes data(record, 0x42);
    Bytes tag(aead_tag_size);

    const double seal_ns = ns_per_op(500, [&] { require(aead.seal(view(nonce), view(aad), data, tag).ok(), "seal"); });
    print_mbps(label + " seal", aead.implementation(), record, seal_ns);

    const Bytes plaintext(record, 0x42);
    Bytes ciphertext = plaintext;
    require(aead.seal(view(nonce), view(aad), ciphertext, tag).ok(), "seal");
    const double open_ns = ns_per_op(
        500, [&] { std::copy(ciphertext.begin(), ciphertext.end(), data.begin()); },
        [&] { require(aead.open(view(nonce), view(aad), data, view(tag)).ok(), "open"); });
    require(data == plaintext, "open round trip");
    print_mbps(label + " open", aead.implementation(), record, open_ns);
}

void bench_aeads() {
    struct Suite {
        const char* name;
        AeadAlgorithm alg;
    };
    for (const Suite& suite : {Suite{"AES-128-GCM", AeadAlgorithm::aes_128_gcm},
                               Suite{"AES-256-GCM", AeadAlgorithm::aes_256_gcm},
                               Suite{"ChaCha20-Poly1305", AeadAlgorithm::chacha20_poly1305}}) {
        const Key key(view(Bytes(aead_key_size(suite.alg), 0x33)));
        auto preferred = make_aead(suite.alg, key);
        require(preferred.ok(), "make_aead");
        bench_aead(suite.name, **preferred);
        // Where make_aead picked another library, measure the portable path too.
        auto portable = make_aead_mbedtls(suite.alg, key);
        require(portable.ok(), "make_aead_mbedtls");
        if (std::string_view((*portable)->implementation()) != (*preferred)->implementation())
            bench_aead(std::string(suite.name) + " (portable path)", **portable);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1) scale = std::max(1, std::atoi(argv[1]));
    std::printf("%-46s %-10s %10s\n", "operation", "library", "median");
    bench_key_exchange(NamedGroup::x25519, "X25519", "libsodium", 500);
    bench_key_exchange(NamedGroup::secp256r1, "P-256", "mbedTLS", 50);
    bench_ecdsa_p256();
    bench_rsa2048_pss();
    bench_rfc8448_rsa1024_pss();
    bench_hkdf_expand(HashAlgorithm::sha256);
    bench_hkdf_expand(HashAlgorithm::sha384);
    bench_aeads();
    return 0;
}
