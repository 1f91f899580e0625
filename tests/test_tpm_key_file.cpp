// TSS2 PRIVATE KEY files (tpm/key_file.h, draft-bottomley-tpm2-keys): round trips, a real file
// from tpm2-openssl against a fresh swtpm re-encoded byte for byte, and a table of malformed files
// that must each fail with a clear reason. A missing swtpm or openssl fails the test.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "support/peer_process.h"
#include "support/swtpm.h"
#include "support/result_testing.h"
#include "tpm/key_file.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

// A TPM2B with `n` bytes of `fill`.
Bytes tpm2b(size_t n, uint8_t fill) {
    Bytes out;
    Writer w(out);
    w.vec16(view(Bytes(n, fill)));
    return out;
}

Tss2KeyFile dummy_key(uint32_t parent, bool empty_auth) {
    return Tss2KeyFile{empty_auth, parent, tpm2b(300, 0xa5), tpm2b(126, 0x5a)};
}

Bytes der_of(const Tss2KeyFile& key) { return must(encode_tss2_key_file_der(key)); }

std::string reason_of(ByteView input) {
    auto r = parse_tss2_key_file(input);
    REQUIRE_MESSAGE(!r.ok(), "parsed a malformed key file");
    CHECK(r.error().description == AlertDescription::decode_error);
    return r.error().to_string();
}

}  // namespace

TEST_CASE("TSS2 key file: round trip through DER and PEM") {
    for (const uint32_t parent : {0x40000001u, 0x81000001u, 0x81ffffffu, 0u, 0x7fu, 0x80u}) {
        for (const bool empty_auth : {true, false}) {
            CAPTURE(parent);
            const Tss2KeyFile key = dummy_key(parent, empty_auth);
            CHECK(must(parse_tss2_key_file(view(der_of(key)))) == key);
            const std::string pem = must(write_tss2_key_file(key));
            CHECK(pem.starts_with("-----BEGIN TSS2 PRIVATE KEY-----\n"));
            CHECK(pem.ends_with("-----END TSS2 PRIVATE KEY-----\n"));
            CHECK(must(parse_tss2_key_file(view(pem))) == key);
        }
    }
}

TEST_CASE("TSS2 key file: handle 0x81000001 is a positive INTEGER with a leading zero") {
    const Bytes der = der_of(dummy_key(0x81000001, true));
    // SEQUENCE, OID (8 bytes), [0] { BOOLEAN TRUE } (5 bytes; TRUE as 01, as tpm2-openssl writes it), then INTEGER 00 81 00 00 01.
    const std::string hex_der = to_hex(view(der));
    CHECK(hex_der.find("0606678105" "0a0103" "a003010101" "02050081000001") != std::string::npos);
    // DER's canonical TRUE (ff), as other writers may use, reads as true too.
    Bytes canonical = der;
    canonical[4 + 8 + 4] = 0xff;
    CHECK(must(parse_tss2_key_file(view(canonical))).empty_auth);
    const Bytes owner = der_of(dummy_key(0x40000001, false));
    CHECK(to_hex(view(owner)).find("0a0103" "020440000001") != std::string::npos);
}

TEST_CASE("TSS2 key file: optional fields of newer writers are read past") {
    // Hand-built: OID, [0] TRUE, [1] policy (empty SEQUENCE), [4] description "k", parent, keys.
    Bytes body = unhex("0606678105" "0a0103" "a003010101" "a1023000" "a4030c016b" "020440000001");
    const Bytes pub = tpm2b(2, 1), priv = tpm2b(3, 2);
    body.push_back(0x04);
    body.push_back(static_cast<uint8_t>(pub.size()));
    body.insert(body.end(), pub.begin(), pub.end());
    body.push_back(0x04);
    body.push_back(static_cast<uint8_t>(priv.size()));
    body.insert(body.end(), priv.begin(), priv.end());
    Bytes der = {0x30, static_cast<uint8_t>(body.size())};
    der.insert(der.end(), body.begin(), body.end());
    const Tss2KeyFile key = must(parse_tss2_key_file(view(der)));
    CHECK(key == Tss2KeyFile{true, 0x40000001, pub, priv});
}

TEST_CASE("TSS2 key file: malformed inputs fail with a clear reason") {
    const Bytes good = der_of(dummy_key(0x81000001, true));
    const std::string good_pem = must(write_tss2_key_file(dummy_key(0x81000001, true)));
    // good: 30 82 LL LL | 06 06 <oid> | a0 03 01 01 01 | 02 05 00 81 00 00 01 | ...; offsets below follow from that layout.
    const size_t oid_last = 4 + 7;       // last byte of the OID value
    const size_t parent_tag = 4 + 8 + 5; // INTEGER tag of parent

    SUBCASE("wrong PEM label") {
        std::string pem = good_pem;
        for (auto at = pem.find("TSS2 PRIVATE KEY"); at != std::string::npos; at = pem.find("TSS2 PRIVATE KEY"))
            pem.replace(at, 16, "PRIVATE KEY");
        CHECK(reason_of(view(pem)).find("not a TSS2 PRIVATE KEY") != std::string::npos);
    }
    SUBCASE("empty input") { CHECK(reason_of(ByteView()).find("not a TSS2 PRIVATE KEY") != std::string::npos); }
    SUBCASE("bad base64") {
        std::string pem = good_pem;
        pem[40] = '*';
        CHECK(reason_of(view(pem)).find("corrupt") != std::string::npos);
    }
    SUBCASE("wrong OID (importable key 2.23.133.10.1.4)") {
        Bytes der = good;
        der[oid_last] = 0x04;
        CHECK(reason_of(view(der)).find("unsupported key type OID 2.23.133.10.1.4") != std::string::npos);
    }
    SUBCASE("truncated DER, at every length") {
        for (size_t n = 0; n < good.size(); ++n) {
            CAPTURE(n);
            CHECK(!parse_tss2_key_file(ByteView(good.data(), n)).ok());
        }
    }
    SUBCASE("trailing bytes") {
        Bytes der = good;
        der.push_back(0);
        CHECK(reason_of(view(der)).find("trailing bytes") != std::string::npos);
    }
    SUBCASE("parent not an INTEGER") {
        Bytes der = good;
        der[parent_tag] = 0x04;
        CHECK(reason_of(view(der)).find("parent is not an INTEGER") != std::string::npos);
    }
    SUBCASE("negative parent") {
        Bytes der = good;
        der[parent_tag + 2] = 0xff;  // 00 81 .. -> ff 81 ..
        CHECK(reason_of(view(der)).find("negative parent") != std::string::npos);
    }
    SUBCASE("parent wider than 32 bits") {
        Bytes der = good;
        der[parent_tag + 2] = 0x01;  // 01 81 00 00 01: five significant bytes
        CHECK(reason_of(view(der)).find("wider than 32 bits") != std::string::npos);
    }
    SUBCASE("parent not minimal") {
        Bytes der = der_of(dummy_key(0x40000001, true));  // 02 04 40 00 00 01
        der[parent_tag + 2] = 0x00;                       // 00 00 00 01 is not minimal
        CHECK(reason_of(view(der)).find("not minimally encoded") != std::string::npos);
    }
    SUBCASE("empty pubkey") {
        Tss2KeyFile key = dummy_key(0x40000001, true);
        CHECK(!encode_tss2_key_file_der(Tss2KeyFile{true, 0x40000001, Bytes{}, key.private_area}).ok());
        CHECK(!encode_tss2_key_file_der(Tss2KeyFile{true, 0x40000001, Bytes{0, 0}, key.private_area}).ok());
        // Built by hand: pubkey OCTET STRING of length 0.
        const Bytes der = unhex("301c" "0606678105" "0a0103" "a003010101" "020440000001" "0400" "0405" "0003010203");
        CHECK(reason_of(view(der)).find("pubkey is not a non-empty TPM2B") != std::string::npos);
    }
    SUBCASE("TPM2B size disagrees with the OCTET STRING") {
        const Bytes der = unhex("301e" "0606678105" "0a0103" "a003010101" "020440000001" "0402" "0005" "0405" "0003010203");
        CHECK(reason_of(view(der)).find("pubkey is not a non-empty TPM2B") != std::string::npos);
    }
    SUBCASE("emptyAuth not a BOOLEAN") {
        Bytes der = good;
        der[4 + 8 + 2] = 0x02;  // a0 03 02 01 01
        CHECK(reason_of(view(der)).find("emptyAuth is not a BOOLEAN") != std::string::npos);
    }
}

TEST_CASE("TSS2 key file: save writes mode 0600 atomically and loads back") {
    TempDir dir;
    const std::string path = dir.file("key.tss2");
    const Tss2KeyFile key = dummy_key(0x81000002, true);
    must(save_tss2_key_file(path, key));
    must(save_tss2_key_file(path, key));  // replaces the file
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(must(load_tss2_key_file(path)) == key);
    CHECK(read_text_file(path) == must(write_tss2_key_file(key)));
    CHECK(!load_tss2_key_file(dir.file("missing")).ok());
}

TEST_CASE("TSS2 key file: a real tpm2-openssl key re-encodes byte for byte") {
    TempDir dir;
    Swtpm swtpm;
    const std::string p = std::to_string(swtpm.port());

    const std::string key_path = dir.file("key.tss2");
    PeerProcess genpkey({"env", "TPM2OPENSSL_TCTI=swtpm:host=127.0.0.1,port=" + p, "openssl", "genpkey", "-provider",
                         "tpm2", "-algorithm", "EC", "-pkeyopt", "group:P-256", "-out", key_path});
    const auto status = genpkey.wait(milliseconds(60000));
    REQUIRE_MESSAGE((status && *status == 0), genpkey.transcript());

    const std::string pem = read_text_file(key_path);
    const Tss2KeyFile key = must(parse_tss2_key_file(view(pem)));
    CHECK(key.parent == 0x40000001);
    CHECK(key.empty_auth);
    CHECK(must(write_tss2_key_file(key)) == pem);

    // TPM2B_PUBLIC (TPM 2.0 Part 2 §12.2.5): size, then TPMT_PUBLIC of an ECC P-256 key.
    Reader r(view(key.public_area));
    Reader pub = must(r.vec16(1, 0xffff));
    must(r.expect_end());
    CHECK(must(pub.u16()) == 0x0023);      // type TPM2_ALG_ECC
    CHECK(must(pub.u16()) == 0x000b);      // nameAlg SHA-256
    CHECK(must(pub.u32()) == 0x00060072);  // fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|sign|decrypt
    (void)must(pub.vec16(0, 0xffff));      // authPolicy
    if (must(pub.u16()) != 0x0010) {       // symmetric: keyBits and mode unless TPM2_ALG_NULL
        (void)must(pub.u16());
        (void)must(pub.u16());
    }
    if (must(pub.u16()) != 0x0010) (void)must(pub.u16());  // scheme and its hash
    CHECK(must(pub.u16()) == 0x0003);                       // curveID TPM2_ECC_NIST_P256
    if (must(pub.u16()) != 0x0010) (void)must(pub.u16());   // kdf
    CHECK(must(pub.vec16(0, 0xffff)).remaining() == 32);   // unique.x
    CHECK(must(pub.vec16(0, 0xffff)).remaining() == 32);   // unique.y
    must(pub.expect_end());
    CHECK(key.private_area.size() > 2);
}
