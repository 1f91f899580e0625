// The key schedule's plain functions beyond RFC 8448 (which test_rfc8448_replay covers value by
// value, SHA-256 only): HkdfLabel bounds, HKDF-Expand-Label against RFC 9001's published
// values, the whole SHA-384 chain against "The Illustrated TLS 1.3 Connection", and the
// exporter against OpenSSL.
#include <doctest/doctest.h>

#include <string>

#include "support/result_testing.h"
#include "support/rfc8448.h"
#include "tls13/crypto/hkdf.h"
#include "tls13/key_schedule/key_schedule.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

const CipherSuiteInfo& suite(CipherSuite s) {
    static const CipherSuiteInfo aes128 = *cipher_suite_info(CipherSuite::TLS_AES_128_GCM_SHA256);
    static const CipherSuiteInfo aes256 = *cipher_suite_info(CipherSuite::TLS_AES_256_GCM_SHA384);
    static const CipherSuiteInfo chacha = *cipher_suite_info(CipherSuite::TLS_CHACHA20_POLY1305_SHA256);
    switch (s) {
        case CipherSuite::TLS_AES_256_GCM_SHA384: return aes256;
        case CipherSuite::TLS_CHACHA20_POLY1305_SHA256: return chacha;
        default: return aes128;
    }
}

}  // namespace

TEST_CASE("hkdf_label encodes RFC 8446 §7.1 HkdfLabel") {
    // RFC 8448 §3 'derive secret for handshake "tls13 derived"' prints this info exactly.
    const Bytes empty_hash = hash(HashAlgorithm::sha256, {});
    const Bytes info = must(hkdf_label(32, "derived", empty_hash));
    CHECK(hex(info) == hex(rfc8448("simple_1rtt").find("server", "derive secret for handshake").at("info")));
    // uint16 length, then "tls13 derived" with a one-byte length, then the context.
    CHECK(hex(ByteView(info).first(16)) == "00200d746c7331332064657269766564");
    CHECK(info.at(16) == 32);

    CHECK(hex(must(hkdf_label(16, "key", {}))) == "001009746c733133206b657900");
    CHECK(hex(must(hkdf_label(12, "iv", {}))) == "000c08746c73313320697600");
}

TEST_CASE("hkdf_label rejects what HkdfLabel cannot encode") {
    // opaque label<7..255> = "tls13 " + Label: 1..249 characters of Label.
    CHECK(alert_of(hkdf_label(32, "", {})) == AlertDescription::internal_error);
    CHECK(hkdf_label(32, std::string(249, 'a'), {}).ok());
    CHECK(alert_of(hkdf_label(32, std::string(250, 'a'), {})) == AlertDescription::internal_error);
    // opaque context<0..255>.
    const Bytes context(255, 0x5a);
    CHECK(hkdf_label(32, "x", context).ok());
    const Bytes too_long(256, 0x5a);
    CHECK(alert_of(hkdf_label(32, "x", too_long)) == AlertDescription::internal_error);
}

TEST_CASE("hkdf_expand_label matches RFC 9001 Appendix A (QUIC uses TLS 1.3's HKDF-Expand-Label)") {
    // A.1: initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id).
    const Secret initial(hkdf_extract(HashAlgorithm::sha256, unhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
                                      unhex("8394c8f03e515708")));
    CHECK(hex(initial) == "7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44");
    const Secret client = must(hkdf_expand_label(HashAlgorithm::sha256, initial, "client in", {}, 32));
    CHECK(hex(client) == "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
    CHECK(hex(must(hkdf_expand_label(HashAlgorithm::sha256, client, "quic key", {}, 16))) ==
          "1f369613dd76d5467730efcbe3b1a22d");
    CHECK(hex(must(hkdf_expand_label(HashAlgorithm::sha256, client, "quic iv", {}, 12))) == "fa044b2f42a3fd3b46fb255c");
    CHECK(hex(must(hkdf_expand_label(HashAlgorithm::sha256, client, "quic hp", {}, 16))) ==
          "9f50449e04a0e810283a1e9933adedd2");
    const Secret server = must(hkdf_expand_label(HashAlgorithm::sha256, initial, "server in", {}, 32));
    CHECK(hex(server) == "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b");
    CHECK(hex(must(hkdf_expand_label(HashAlgorithm::sha256, server, "quic key", {}, 16))) ==
          "cf3a5331653c364c88f0f379b6067e37");
    CHECK(hex(must(hkdf_expand_label(HashAlgorithm::sha256, server, "quic iv", {}, 12))) == "0ac1493ca1905853b0bba03e");

    // A.5: the ChaCha20-Poly1305 secret and its key update ("quic ku", the QUIC twin of §7.2).
    const Secret chacha(unhex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b"));
    CHECK(hex(must(hkdf_expand_label(HashAlgorithm::sha256, chacha, "quic key", {}, 32))) ==
          "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8");
    CHECK(hex(must(hkdf_expand_label(HashAlgorithm::sha256, chacha, "quic ku", {}, 32))) ==
          "1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9");
}

// "The Illustrated TLS 1.3 Connection" (https://tls13.xargs.org, repository
// syncsynchalt/illustrated-tls13, captures/keylog.txt and site/index.html): a full handshake
// with TLS_AES_256_GCM_SHA384, the only published SHA-384 trace we know of. Inputs: the X25519
// shared secret and the transcript hashes it prints; everything else is derived here.
TEST_CASE("SHA-384 key schedule matches tls13.xargs.org (TLS_AES_256_GCM_SHA384)") {
    constexpr HashAlgorithm alg = HashAlgorithm::sha384;
    const CipherSuiteInfo& aes256 = suite(CipherSuite::TLS_AES_256_GCM_SHA384);
    const Bytes shared_secret = unhex("df4a291baa1eb7cfa6934b29b474baad2697e29f1f920dcc77c8a0a088447624");
    const Bytes hello_hash = unhex(
        "e05f64fcd082bdb0dce473adf669c2769f257a1c75a51b7887468b5e0e7a7de4f4d34555112077f16e079019d5a845bd");
    const Bytes handshake_hash = unhex(
        "fa6800169a6baac19159524fa7b9721b41be3c9db6f3f93fa5ff7e3db3ece204d2b456c51046e40ec5312c55a86126f5");

    const EarlySecret early = early_secret(alg, {});
    CHECK(early.size() == 48);
    const HandshakeSecret handshake = must(handshake_secret(alg, early, shared_secret));
    CHECK(hex(handshake) ==
          "bdbbe8757494bef20de932598294ea65b5e6bf6dc5c02a960a2de2eaa9b07c929078d2caa0936231c38d1725f179d299");

    const TrafficSecret client_hs = must(client_handshake_traffic_secret(alg, handshake, hello_hash));
    const TrafficSecret server_hs = must(server_handshake_traffic_secret(alg, handshake, hello_hash));
    CHECK(hex(client_hs) ==
          "db89d2d6df0e84fed74a2288f8fd4d0959f790ff23946cdf4c26d85e51bebd42ae184501972f8d30c4a3e4a3693d0ef0");
    CHECK(hex(server_hs) ==
          "23323da031634b241dd37d61032b62a4f450584d1f7f47983ba2f7cc0cdcc39a68f481f2b019f9403a3051908a5d1622");
    const TrafficKeys client_hs_keys = must(traffic_key_and_iv(aes256, client_hs));
    const TrafficKeys server_hs_keys = must(traffic_key_and_iv(aes256, server_hs));
    CHECK(hex(client_hs_keys.key) == "1135b4826a9a70257e5a391ad93093dfd7c4214812f493b3e3daae1eb2b1ac69");
    CHECK(hex(client_hs_keys.iv) == "4256d2e0e88babdd05eb2f27");
    CHECK(hex(server_hs_keys.key) == "9f13575ce3f8cfc1df64a77ceaffe89700b492ad31b4fab01c4792be1b266b7f");
    CHECK(hex(server_hs_keys.iv) == "9563bc8b590f671f488d2da3");

    const MasterSecret master = must(master_secret(alg, handshake));
    const TrafficSecret client_ap = must(client_application_traffic_secret(alg, master, handshake_hash));
    const TrafficSecret server_ap = must(server_application_traffic_secret(alg, master, handshake_hash));
    // keylog.txt: CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET.
    CHECK(hex(client_ap) ==
          "9e47af27cb60d818a9ea7d233cb5ed4cc525fcd74614fb24b0ee59acb8e5aa7ff8d88b89792114208fec291a6fa96bad");
    CHECK(hex(server_ap) ==
          "86c967fd7747a36a0685b4ed8d0e6b4c02b4ddaf3cd294aa44e9f6b0183bf911e89a189ba5dfd71fccffb5cc164901f8");
    CHECK(hex(must(exporter_master_secret(alg, master, handshake_hash))) ==
          "5da16dd8325dd8279e4535363384d9ad0dbe370538fc3ad74e53d533b77ac35ee072d56c90871344e6857ccb2efc9e14");
    const TrafficKeys client_ap_keys = must(traffic_key_and_iv(aes256, client_ap));
    const TrafficKeys server_ap_keys = must(traffic_key_and_iv(aes256, server_ap));
    CHECK(hex(client_ap_keys.key) == "de2f4c7672723a692319873e5c227606691a32d1c59d8b9f51dbb9352e9ca9cc");
    CHECK(hex(client_ap_keys.iv) == "bb007956f474b25de902432f");
    CHECK(hex(server_ap_keys.key) == "01f78623f17e3edcc09e944027ba3218d57c8e0db93cd3ac419309274700ac27");
    CHECK(hex(server_ap_keys.iv) == "196a750b0c5049c0cc51a541");

    // The client Finished covers ClientHello...server Finished, whose hash is handshake_hash.
    CHECK(hex(must(finished_verify_data(alg, client_hs, handshake_hash))) ==
          "bff56a671b6c659d0a7c5dd18428f58bdd38b184a3ce342d9fde95cbd5056f7da7918ee320eab7a93abd8f1c02454d27");
}

// RFC 8446 §7.5 against OpenSSL 3.0: `openssl s_client -tls1_3 -ciphersuites <suite>
// -keymatexport EXPORTER-tpmtls-test -keymatexportlen 80 -keylogfile <file>` against a local
// `openssl s_server`; EXPORTER_SECRET from the key log, the output from s_client. OpenSSL exports
// without a context, which TLS 1.3 defines to equal an empty context. 80 bytes spans several
// HKDF-Expand blocks for both hashes.
TEST_CASE("tls_exporter matches OpenSSL's SSL_export_keying_material") {
    struct Case {
        HashAlgorithm alg;
        const char* exporter_secret;
        const char* expected;
    };
    const Case cases[] = {
        {HashAlgorithm::sha256, "8f4f60a61ae3d9fcb9970bd6731284a5cdfa137dc968f9bd32b6796a11708538",
         "5c00a28dc1237ed5e726b84f4de7048219f31c4f53cd3c4614c2c55b384379b50c0143c6b43c5e9dd03048961411bf17"
         "97ccee364f87a82ac3e849f4a443fdf9851c8912cc6d2a1d9b1e05b0aa3af71d"},
        {HashAlgorithm::sha384,
         "b3a31d23777a39ad64c67c3b7a54f4be6a743b90cc4bd5a0f68b83de0966f9a7964b2962170d19e12bc0f2adb1becba8",
         "9358201ce4f3656a253ced248daabed11a416621ba8d15d41985dd5946bf208b80ce92b996a21d6aa5e8e47f123a23fd"
         "0c52700921e06d22b41c63b2261aa4723c8e74cfe531f9eb62ef484d5e830ec0"},
    };
    for (const Case& c : cases) {
        CAPTURE(to_string(c.alg));
        const ExporterMasterSecret secret(unhex(c.exporter_secret));
        CHECK(hex(must(tls_exporter(c.alg, secret, "EXPORTER-tpmtls-test", {}, 80))) == c.expected);
        // A context changes the output; the label does too.
        CHECK(hex(must(tls_exporter(c.alg, secret, "EXPORTER-tpmtls-test", view("context"), 80))) != c.expected);
        CHECK(hex(must(tls_exporter(c.alg, secret, "EXPORTER-tpmtls-other", {}, 80))) != c.expected);
        // HkdfLabel carries the output length, so a shorter output is not a prefix (§7.1).
        const Bytes short_output = must(tls_exporter(c.alg, secret, "EXPORTER-tpmtls-test", {}, 32));
        CHECK(short_output.size() == 32);
        CHECK(hex(short_output) != std::string(c.expected).substr(0, 64));
    }
    const ExporterMasterSecret secret(Bytes(32, 1));
    CHECK(alert_of(tls_exporter(HashAlgorithm::sha256, secret, "EXPORTER-x", {}, 255 * 32 + 1)) ==
          AlertDescription::internal_error);
}

TEST_CASE("the early exporter is the same construction over early_exporter_master_secret") {
    const EarlyExporterMasterSecret early(Bytes(32, 7));
    const ExporterMasterSecret regular(Bytes(32, 7));
    CHECK(hex(must(tls_early_exporter(HashAlgorithm::sha256, early, "EXPORTER-e", view("ctx"), 40))) ==
          hex(must(tls_exporter(HashAlgorithm::sha256, regular, "EXPORTER-e", view("ctx"), 40))));
}

TEST_CASE("next_application_traffic_secret is HKDF-Expand-Label(secret, \"traffic upd\", \"\", Hash.length)") {
    // No published TLS KeyUpdate trace exists; RFC 9001 A.5's "quic ku" above checks the same
    // construction with QUIC's label. Here: the RFC 8448 §3 client application secret, updated.
    const Trace& t = rfc8448("simple_1rtt");
    const TrafficSecret secret0(t.find("server", "derive secret \"tls13 c ap traffic\"").at("expanded"));
    const TrafficSecret secret1 = must(next_application_traffic_secret(HashAlgorithm::sha256, secret0));
    const TrafficSecret secret2 = must(next_application_traffic_secret(HashAlgorithm::sha256, secret1));
    CHECK(secret1.size() == 32);
    CHECK(hex(secret1) == hex(must(hkdf_expand_label(HashAlgorithm::sha256, secret0, "traffic upd", {}, 32))));
    CHECK(hex(secret1) != hex(secret0));
    CHECK(hex(secret2) != hex(secret1));
    const TrafficSecret secret384(Bytes(48, 3));
    CHECK(must(next_application_traffic_secret(HashAlgorithm::sha384, secret384)).size() == 48);
}

TEST_CASE("binder keys differ for external and resumption PSKs (RFC 8446 §7.1)") {
    const EarlySecret early = early_secret(HashAlgorithm::sha256, Bytes(32, 9));
    const BinderKey external = must(binder_key(HashAlgorithm::sha256, early, PskKind::external));
    const BinderKey resumption = must(binder_key(HashAlgorithm::sha256, early, PskKind::resumption));
    CHECK(hex(external) != hex(resumption));
    const Bytes empty_hash = hash(HashAlgorithm::sha256, {});
    CHECK(hex(external) == hex(must(derive_secret(HashAlgorithm::sha256, early, "ext binder", empty_hash))));
    CHECK(hex(resumption) == hex(must(derive_secret(HashAlgorithm::sha256, early, "res binder", empty_hash))));
}

TEST_CASE("a zero PSK and no PSK give the same early secret; no (EC)DHE means zeros (RFC 8446 §7.1)") {
    CHECK(hex(early_secret(HashAlgorithm::sha256, {})) == hex(early_secret(HashAlgorithm::sha256, Bytes(32, 0))));
    CHECK(hex(early_secret(HashAlgorithm::sha256, {})) ==
          hex(rfc8448("simple_1rtt").find("server", "extract secret \"early\"").at("secret")));
    const EarlySecret early = early_secret(HashAlgorithm::sha384, {});
    CHECK(hex(must(handshake_secret(HashAlgorithm::sha384, early, {}))) ==
          hex(must(handshake_secret(HashAlgorithm::sha384, early, Bytes(48, 0)))));
}

TEST_CASE("Derive-Secret refuses a transcript hash of the wrong length") {
    const EarlySecret early = early_secret(HashAlgorithm::sha384, {});
    const Bytes sha256_hash = hash(HashAlgorithm::sha256, {});
    CHECK(alert_of(derive_secret(HashAlgorithm::sha384, early, "derived", sha256_hash)) ==
          AlertDescription::internal_error);
    CHECK(alert_of(client_early_traffic_secret(HashAlgorithm::sha384, early, sha256_hash)) ==
          AlertDescription::internal_error);
    CHECK(alert_of(finished_verify_data(HashAlgorithm::sha384, early, sha256_hash)) ==
          AlertDescription::internal_error);
}

TEST_CASE("traffic keys follow the suite's key length (RFC 8446 §7.3)") {
    const TrafficSecret secret(Bytes(32, 0x11));
    const TrafficKeys chacha = must(traffic_key_and_iv(suite(CipherSuite::TLS_CHACHA20_POLY1305_SHA256), secret));
    const TrafficKeys aes = must(traffic_key_and_iv(suite(CipherSuite::TLS_AES_128_GCM_SHA256), secret));
    CHECK(chacha.key.size() == 32);
    CHECK(chacha.iv.size() == 12);
    CHECK(aes.key.size() == 16);
    // The same secret and label: the 16-byte key is not a prefix of the 32-byte one, since
    // HkdfLabel carries the length.
    CHECK(hex(ByteView(chacha.key.view()).first(16)) != hex(aes.key));
    CHECK(hex(chacha.iv) == hex(aes.iv));
}
