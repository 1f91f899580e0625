// Record protection (RFC 8446 §5.2-§5.5): the nonce, AES-256-GCM records from tls13.xargs.org,
// padding, the negative table (input record -> alert), and the key-usage limits.
// test_rfc8448_replay covers every AES-128-GCM record of RFC 8448.
#include <doctest/doctest.h>

#include "support/result_testing.h"
#include "support/rfc8448.h"
#include "tls13/key_schedule/key_schedule.h"
#include "tls13/record/record_protection.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

// RFC 8448 §3 server handshake traffic keys: the keys of the negative table.
struct TraceKeys {
    Key key;
    Iv iv;
};
TraceKeys rfc8448_server_handshake_keys() {
    const TraceStep& s = rfc8448("simple_1rtt").find("server", "derive write traffic keys for handshake data");
    return {Key(s.at("key expanded")), Iv(s.at("iv expanded"))};
}

RecordSealer sealer(const TraceKeys& k, std::optional<uint64_t> limit = std::nullopt) {
    return must(RecordSealer::create(AeadAlgorithm::aes_128_gcm, k.key, k.iv, limit));
}
RecordOpener opener(const TraceKeys& k, std::optional<uint64_t> limit = std::nullopt) {
    return must(RecordOpener::create(AeadAlgorithm::aes_128_gcm, k.key, k.iv, limit));
}

// A TLSCiphertext built from the AEAD primitive alone (not RecordSealer), so the opener can be
// handed inner plaintexts a correct sealer never produces.
Bytes raw_record(const TraceKeys& k, uint64_t sequence_number, ByteView inner_plaintext) {
    const RecordHeader header{ContentType::application_data, tls12_version,
                              static_cast<uint16_t>(inner_plaintext.size() + aead_tag_size)};
    const auto aad = header.encode();
    // Reserved first: growing the 5-byte vector by insert() makes GCC 12 warn -Warray-bounds
    // inside libstdc++ (a false positive).
    Bytes record;
    record.reserve(aad.size() + inner_plaintext.size() + aead_tag_size);
    record.assign(aad.begin(), aad.end());
    record.insert(record.end(), inner_plaintext.begin(), inner_plaintext.end());
    record.resize(record.size() + aead_tag_size);
    auto aead = must(make_aead(AeadAlgorithm::aes_128_gcm, k.key));
    const std::span<uint8_t> body = std::span(record).subspan(record_header_size);
    must(aead->seal(record_nonce(k.iv, sequence_number), aad, body.first(inner_plaintext.size()),
                    body.last(aead_tag_size)));
    return record;
}

Bytes inner(ByteView content, ContentType type, size_t padding = 0) {
    Bytes out(content.begin(), content.end());
    out.push_back(static_cast<uint8_t>(type));
    out.resize(out.size() + padding, 0);
    return out;
}

// Opens a whole record (header included) with a fresh copy of its body.
Result<OpenedRecord> open_record(RecordOpener& o, ByteView record, Bytes& body) {
    const RecordHeader header = TRY(parse_record_header(record));
    body.assign(record.begin() + record_header_size, record.end());
    return o.open(header, body);
}

}  // namespace

TEST_CASE("record_nonce: iv XOR the left-padded sequence number (RFC 8446 §5.3)") {
    // RFC 9001 A.5: QUIC forms its AEAD nonce the same way; iv, packet number 654360564, nonce.
    const Iv iv(unhex("e0459b3474bdd0e44a41c144"));
    CHECK(hex(record_nonce(iv, 654360564)) == "e0459b3474bdd0e46d417eb0");
    CHECK(hex(record_nonce(iv, 0)) == "e0459b3474bdd0e44a41c144");
    CHECK(hex(record_nonce(iv, 0x0102030405060708)) == "e0459b3475bfd3e04f47c64c");
    CHECK(hex(record_nonce(iv, UINT64_MAX)) == "e0459b348b422f1bb5be3ebb");
    const Iv zero(Bytes(12, 0));
    CHECK(hex(record_nonce(zero, UINT64_MAX)) == "00000000ffffffffffffffff");
    CHECK(hex(record_nonce(zero, 1)) == "000000000000000000000001");
}

// "The Illustrated TLS 1.3 Connection" (tls13.xargs.org), TLS_AES_256_GCM_SHA384: its keys and
// IVs (derived in test_key_schedule from the same trace) and four of its records.
TEST_CASE("AES-256-GCM records match tls13.xargs.org byte for byte") {
    struct Case {
        const char* name;
        const char* key;
        const char* iv;
        uint64_t sequence_number;
        ContentType type;
        const char* content;
        const char* record;
    };
    const char* server_hs_key = "9f13575ce3f8cfc1df64a77ceaffe89700b492ad31b4fab01c4792be1b266b7f";
    const char* server_hs_iv = "9563bc8b590f671f488d2da3";
    const Case cases[] = {
        {"server EncryptedExtensions", server_hs_key, server_hs_iv, 0, ContentType::handshake, "080000020000",
         "17030300176be02f9da7c2dc9ddef56f2468b90adfa25101ab0344ae"},
        {"server Finished", server_hs_key, server_hs_iv, 3, ContentType::handshake,
         "140000307e30eeccb6b23be6c6ca363992e842da877ee64715ae7fc0cf87f9e5032182b5bb48d1e33f9979055a160c8dbbb1569c",
         "17030300451061de27e51c2c9f342911806f282b710c10632ca50067"
         "55880dbf7006002d0e84fed9adf27a43b5192303e4df5c285d58e3c76224078440c0742374744aecf28cf3182fd0"},
        {"client Finished", "1135b4826a9a70257e5a391ad93093dfd7c4214812f493b3e3daae1eb2b1ac69",
         "4256d2e0e88babdd05eb2f27", 0, ContentType::handshake,
         "14000030bff56a671b6c659d0a7c5dd18428f58bdd38b184a3ce342d9fde95cbd5056f7da7918ee320eab7a93abd8f1c02454d27",
         "17030300459ff9b063175177322a46dd9896f3c3bb820ab51743ebc25fdadd53454b73deb5"
         "4cc7248d411a18bccf657a960824e9a19364837c350a69a88d4bf635c85eb874aebc9dfde8"},
        {"client application data \"ping\"", "de2f4c7672723a692319873e5c227606691a32d1c59d8b9f51dbb9352e9ca9cc",
         "bb007956f474b25de902432f", 0, ContentType::application_data, "70696e67",
         "1703030015828139cb7b73aaabf5b82fbf9a2961bcde10038a32"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        const Key key(unhex(c.key));
        const Iv iv(unhex(c.iv));
        RecordSealer s = must(RecordSealer::create(AeadAlgorithm::aes_256_gcm, key, iv));
        RecordOpener o = must(RecordOpener::create(AeadAlgorithm::aes_256_gcm, key, iv));
        // Earlier records under the same key move both sequence numbers along.
        for (uint64_t i = 0; i < c.sequence_number; ++i) {
            Bytes earlier;
            must(s.seal(ContentType::handshake, view("earlier"), 0, earlier));
            Bytes body;
            must(open_record(o, earlier, body));
        }
        Bytes out;
        must(s.seal(c.type, unhex(c.content), 0, out));
        CHECK(hex(out) == c.record);
        CHECK(s.sequence_number() == c.sequence_number + 1);
        Bytes body;
        const OpenedRecord opened = must(open_record(o, unhex(c.record), body));
        CHECK(opened.type == c.type);
        CHECK(hex(opened.content) == c.content);
        CHECK(o.sequence_number() == c.sequence_number + 1);
    }
}

TEST_CASE("ChaCha20-Poly1305 records: nonce and additional data as RFC 8446 §5.2-§5.3 say") {
    const Key key(Bytes(32, 0x42));
    const Iv iv(unhex("0102030405060708090a0b0c"));
    RecordSealer s = must(RecordSealer::create(AeadAlgorithm::chacha20_poly1305, key, iv));
    Bytes first, second;
    must(s.seal(ContentType::application_data, view("hello"), 0, first));
    must(s.seal(ContentType::application_data, view("hello"), 0, second));
    CHECK(hex(first) != hex(second));  // sequence numbers 0 and 1
    // Decrypt the second by hand: nonce for sequence number 1, the header as AAD.
    auto aead = must(make_aead(AeadAlgorithm::chacha20_poly1305, key));
    const ByteView header = ByteView(second).first(record_header_size);
    CHECK(hex(header) == "1703030016");
    Bytes body(second.begin() + record_header_size, second.end());
    const std::span<uint8_t> ciphertext = std::span(body).first(body.size() - aead_tag_size);
    must(aead->open(record_nonce(iv, 1), header, ciphertext, std::span(body).last(aead_tag_size)));
    CHECK(hex(ciphertext) == hex(inner(view("hello"), ContentType::application_data)));
    // And the opener reads both.
    RecordOpener o = must(RecordOpener::create(AeadAlgorithm::chacha20_poly1305, key, iv));
    for (const Bytes* record : {&first, &second}) {
        Bytes b;
        const OpenedRecord opened = must(open_record(o, *record, b));
        CHECK(hex(opened.content) == hex(view("hello")));
    }
    CHECK(encryption_record_limit(AeadAlgorithm::chacha20_poly1305) == sequence_number_record_limit);
}

TEST_CASE("padding: zeros inside the encryption, stripped on open (RFC 8446 §5.4)") {
    const TraceKeys k = rfc8448_server_handshake_keys();
    RecordSealer s = sealer(k);
    RecordOpener o = opener(k);
    for (size_t padding : {size_t{0}, size_t{1}, size_t{200}, max_plaintext_size - 3}) {
        CAPTURE(padding);
        Bytes out;
        must(s.seal(ContentType::alert, unhex("0100"), padding, out));
        CHECK(out.size() == record_header_size + 2 + 1 + padding + aead_tag_size);
        Bytes body;
        const OpenedRecord opened = must(open_record(o, out, body));
        CHECK(opened.type == ContentType::alert);
        CHECK(hex(opened.content) == "0100");
    }
    // A full 2^14-byte content leaves no room; one byte of padding more than allowed fails.
    Bytes full(max_plaintext_size, 0x61), out;
    must(s.seal(ContentType::application_data, full, 0, out));
    CHECK(out.size() == record_header_size + max_inner_plaintext_size + aead_tag_size);
    CHECK(alert_of(s.seal(ContentType::application_data, full, 1, out)) == AlertDescription::internal_error);
    CHECK(alert_of(s.seal(ContentType::alert, unhex("0100"), max_plaintext_size - 1, out)) ==
          AlertDescription::internal_error);
}

TEST_CASE("seal refuses what must not be sent, and leaves the output alone") {
    const TraceKeys k = rfc8448_server_handshake_keys();
    RecordSealer s = sealer(k);
    Bytes out = {0x99};
    const struct {
        const char* name;
        ContentType type;
        Bytes content;
    } bad[] = {
        {"change_cipher_spec is never protected (§5)", ContentType::change_cipher_spec, {0x01}},
        {"unknown type", static_cast<ContentType>(0x63), {0x01}},
        {"invalid(0)", ContentType::invalid, {0x01}},
        {"empty handshake (§5.4)", ContentType::handshake, {}},
        {"empty alert (§5.4)", ContentType::alert, {}},
        {"content over 2^14", ContentType::application_data, Bytes(max_plaintext_size + 1, 0)},
    };
    for (const auto& b : bad) {
        CAPTURE(b.name);
        CHECK(alert_of(s.seal(b.type, b.content, 0, out)) == AlertDescription::internal_error);
    }
    CHECK(out == Bytes{0x99});
    CHECK(s.sequence_number() == 0);
    must(s.seal(ContentType::application_data, {}, 0, out));  // empty application data is fine (§5.4)
    CHECK(out.size() == 1 + record_header_size + 1 + aead_tag_size);
}

TEST_CASE("open: negative table, record -> alert (RFC 8446 §5.2, §5.4, §6.2)") {
    const TraceKeys k = rfc8448_server_handshake_keys();
    Bytes good;
    {
        RecordSealer s = sealer(k);
        must(s.seal(ContentType::handshake, unhex("080000020000"), 0, good));
    }
    auto flip = [](Bytes b, size_t index) {
        b.at(index) ^= 0x01;
        return b;
    };
    Bytes oversized_inner = raw_record(k, 0, inner(Bytes(max_plaintext_size + 1, 0x61), ContentType::application_data));
    const struct {
        const char* name;
        Bytes record;
        AlertDescription alert;
    } cases[] = {
        {"ciphertext bit flipped", flip(good, 6), AlertDescription::bad_record_mac},
        {"tag bit flipped", flip(good, good.size() - 1), AlertDescription::bad_record_mac},
        {"AAD: legacy_record_version changed", flip(good, 2), AlertDescription::bad_record_mac},
        {"outer type handshake", flip(good, 0), AlertDescription::unexpected_message},  // 0x17 -> 0x16
        {"tag only, no content type", raw_record(k, 0, {}), AlertDescription::bad_record_mac},
        {"shorter than a tag", unhex("17030300050102030405"), AlertDescription::bad_record_mac},
        {"empty body", unhex("1703030000"), AlertDescription::bad_record_mac},
        {"inner plaintext 2^14 + 2 bytes", oversized_inner, AlertDescription::record_overflow},
        {"all-zero inner plaintext", raw_record(k, 0, Bytes(20, 0)), AlertDescription::unexpected_message},
        {"single zero byte", raw_record(k, 0, Bytes(1, 0)), AlertDescription::unexpected_message},
        {"inner type change_cipher_spec", raw_record(k, 0, inner(unhex("01"), ContentType::change_cipher_spec)),
         AlertDescription::unexpected_message},
        {"inner type unknown (0x63)", raw_record(k, 0, inner(unhex("01"), static_cast<ContentType>(0x63))),
         AlertDescription::unexpected_message},
        {"non-zero byte in the padding: it becomes the (unknown) type", raw_record(k, 0, Bytes{0x41, 0x16, 0x00, 0x07, 0x00}),
         AlertDescription::unexpected_message},
        {"empty handshake", raw_record(k, 0, inner({}, ContentType::handshake, 5)), AlertDescription::unexpected_message},
        {"empty alert", raw_record(k, 0, inner({}, ContentType::alert)), AlertDescription::unexpected_message},
        {"sealed for sequence number 1", raw_record(k, 1, inner(unhex("0100"), ContentType::alert)),
         AlertDescription::bad_record_mac},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        RecordOpener o = opener(k);
        Bytes body;
        CHECK(alert_of(open_record(o, c.record, body)) == c.alert);
    }
    // The unmodified record opens.
    RecordOpener o = opener(k);
    Bytes body;
    CHECK(hex(must(open_record(o, good, body)).content) == "080000020000");
    // Empty application data, padded: content empty, fine.
    RecordOpener o2 = opener(k);
    const OpenedRecord empty = must(open_record(o2, raw_record(k, 0, inner({}, ContentType::application_data, 9)), body));
    CHECK(empty.type == ContentType::application_data);
    CHECK(empty.content.empty());
}

TEST_CASE("open: oversized ciphertext and a body that disagrees with its header") {
    const TraceKeys k = rfc8448_server_handshake_keys();
    RecordOpener o = opener(k);
    Bytes body(max_ciphertext_size + 1, 0);
    const RecordHeader oversized{ContentType::application_data, tls12_version, static_cast<uint16_t>(body.size())};
    CHECK(alert_of(o.open(oversized, body)) == AlertDescription::record_overflow);
    const RecordHeader mismatched{ContentType::application_data, tls12_version, 10};
    Bytes short_body(9, 0);
    CHECK(alert_of(o.open(mismatched, short_body)) == AlertDescription::internal_error);
    CHECK(o.sequence_number() == 0);
}

TEST_CASE("open decrypts in place and fails without leaving plaintext behind") {
    const TraceKeys k = rfc8448_server_handshake_keys();
    Bytes record;
    RecordSealer s = sealer(k);
    must(s.seal(ContentType::application_data, view("secret text"), 0, record));
    Bytes tampered = record;
    tampered.back() ^= 0x80;
    RecordOpener o = opener(k);
    Bytes body;
    CHECK(alert_of(open_record(o, tampered, body)) == AlertDescription::bad_record_mac);
    CHECK(o.sequence_number() == 0);  // a failed record does not count
    const Bytes zeros(body.size() - aead_tag_size, 0);
    CHECK(hex(ByteView(body).first(zeros.size())) == hex(zeros));
    const OpenedRecord opened = must(open_record(o, record, body));
    CHECK(opened.content.data() == body.data());  // the plaintext lies in the caller's buffer
}

TEST_CASE("key usage limits (RFC 8446 §5.5): refuse past the limit, injectable for tests") {
    CHECK(aes_gcm_record_limit == 23726566);  // floor(2^24.5)
    CHECK(encryption_record_limit(AeadAlgorithm::aes_128_gcm) == aes_gcm_record_limit);
    CHECK(encryption_record_limit(AeadAlgorithm::aes_256_gcm) == aes_gcm_record_limit);

    const TraceKeys k = rfc8448_server_handshake_keys();
    CHECK(sealer(k).record_limit() == aes_gcm_record_limit);
    CHECK(opener(k).record_limit() == sequence_number_record_limit);

    RecordSealer s = sealer(k, 3);
    RecordOpener o = opener(k, 3);
    std::vector<Bytes> records(4);
    for (size_t i = 0; i < 3; ++i) {
        CHECK(s.records_remaining() == 3 - i);
        must(s.seal(ContentType::application_data, view("x"), 0, records[i]));
    }
    CHECK(s.records_remaining() == 0);
    Bytes out;
    const Status refused = s.seal(ContentType::application_data, view("x"), 0, out);
    CHECK(alert_of(refused) == AlertDescription::internal_error);
    CHECK(refused.error().reason.find("KeyUpdate") != std::string::npos);
    CHECK(out.empty());
    CHECK(s.sequence_number() == 3);

    records[3] = raw_record(k, 3, inner(view("x"), ContentType::application_data));
    for (size_t i = 0; i < 3; ++i) {
        Bytes body;
        must(open_record(o, records[i], body));
    }
    Bytes body;
    CHECK(alert_of(open_record(o, records[3], body)) == AlertDescription::unexpected_message);
}

TEST_CASE("create refuses keys and IVs of the wrong size") {
    CHECK(alert_of(RecordSealer::create(AeadAlgorithm::aes_128_gcm, Key(Bytes(32, 1)), Iv(Bytes(12, 1)))) ==
          AlertDescription::internal_error);
    CHECK(alert_of(RecordOpener::create(AeadAlgorithm::aes_128_gcm, Key(Bytes(16, 1)), Iv(Bytes(8, 1)))) ==
          AlertDescription::internal_error);
}

TEST_CASE("create from a traffic secret uses the RFC 8446 §7.3 key and IV") {
    // RFC 8448 §3: the server handshake traffic secret and the record it protects first.
    const Trace& t = rfc8448("simple_1rtt");
    const TrafficSecret secret(t.find("server", "derive secret \"tls13 s hs traffic\"").at("expanded"));
    const CipherSuiteInfo suite = *cipher_suite_info(CipherSuite::TLS_AES_128_GCM_SHA256);
    RecordSealer s = must(RecordSealer::create(suite, secret));
    const TraceStep& record = t.find("server", "send handshake record", 1);
    Bytes out;
    must(s.seal(ContentType::handshake, record.at("payload"), 0, out));
    CHECK(hex(out) == hex(record.at("complete record")));
}
