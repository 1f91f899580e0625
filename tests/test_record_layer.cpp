// RecordReceiver and RecordSender (RFC 8446 §5): unprotected vs protected records, the
// change_cipher_spec window, fragmentation. Negative tables map input records to alerts.
#include <doctest/doctest.h>

#include "support/result_testing.h"
#include "support/rfc8448.h"
#include "tls13/key_schedule/key_schedule.h"
#include "tls13/record/record_layer.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

const CipherSuiteInfo& aes128() {
    static const CipherSuiteInfo info = *cipher_suite_info(CipherSuite::TLS_AES_128_GCM_SHA256);
    return info;
}
const TrafficSecret& secret() {
    static const TrafficSecret s(Bytes(32, 0x24));
    return s;
}

Bytes record(ContentType type, ByteView body) {
    Bytes out;
    Writer w(out);
    w.u8(static_cast<uint8_t>(type));
    w.u16(tls12_version);
    w.vec16(body);
    return out;
}

Bytes ccs(ByteView body) { return record(ContentType::change_cipher_spec, body); }

Bytes protected_record(ContentType type, ByteView content) {
    RecordSealer s = must(RecordSealer::create(aes128(), secret()));
    Bytes out;
    must(s.seal(type, content, 0, out));
    return out;
}

struct Setup {
    bool protect;
    bool ccs_window;
};

RecordReceiver receiver(Setup setup) {
    RecordReceiver r;
    if (setup.protect) r.set_opener(must(RecordOpener::create(aes128(), secret())));
    r.set_change_cipher_spec_allowed(setup.ccs_window);
    return r;
}

}  // namespace

TEST_CASE("receiver: unprotected records before keys are set") {
    RecordReceiver r = receiver({false, false});
    r.feed(record(ContentType::handshake, unhex("0100000401020304")));
    r.feed(record(ContentType::alert, unhex("0228")));
    const std::optional<Record> hs = must(r.next());
    REQUIRE(hs.has_value());
    CHECK(hs->type == ContentType::handshake);
    CHECK(hex(hs->fragment) == "0100000401020304");
    const std::optional<Record> alert = must(r.next());
    REQUIRE(alert.has_value());
    CHECK(alert->type == ContentType::alert);
    CHECK_FALSE(must(r.next()).has_value());
    CHECK_FALSE(r.is_protected());
}

TEST_CASE("receiver: negative table, input record -> alert") {
    const Setup plain{false, false}, plain_ccs{false, true}, keyed{true, false}, keyed_ccs{true, true};
    const struct {
        const char* name;
        Setup setup;
        Bytes input;
        AlertDescription alert;
    } cases[] = {
        // RFC 8446 §5.1 TLSPlaintext
        {"unprotected 2^14 + 1 bytes", plain, record(ContentType::handshake, Bytes(max_plaintext_size + 1, 1)),
         AlertDescription::record_overflow},
        {"unprotected application_data", plain, record(ContentType::application_data, unhex("01")),
         AlertDescription::unexpected_message},
        {"unprotected empty handshake", plain, record(ContentType::handshake, {}), AlertDescription::unexpected_message},
        {"unprotected empty alert", plain, record(ContentType::alert, {}), AlertDescription::unexpected_message},
        {"unknown content type", plain, record(static_cast<ContentType>(0x18), unhex("01")),
         AlertDescription::unexpected_message},
        {"ciphertext length 2^14 + 257", keyed, unhex("1703034101"), AlertDescription::record_overflow},
        // RFC 8446 §5 change_cipher_spec
        {"CCS before the window (no ClientHello yet)", plain, ccs(unhex("01")), AlertDescription::unexpected_message},
        {"CCS after the window (peer Finished received)", keyed, ccs(unhex("01")), AlertDescription::unexpected_message},
        {"CCS body 02", plain_ccs, ccs(unhex("02")), AlertDescription::unexpected_message},
        {"CCS body 0101", keyed_ccs, ccs(unhex("0101")), AlertDescription::unexpected_message},
        {"CCS body empty", keyed_ccs, ccs({}), AlertDescription::unexpected_message},
        // RFC 8446 §5.2: once keys are set, records are TLSCiphertext with outer type 23.
        {"unprotected handshake after keys", keyed, record(ContentType::handshake, unhex("14000000")),
         AlertDescription::unexpected_message},
        {"unprotected alert after keys", keyed, record(ContentType::alert, unhex("0228")),
         AlertDescription::unexpected_message},
        {"protected record, bad tag", keyed, [] {
             Bytes r = protected_record(ContentType::handshake, unhex("14000000"));
             r.back() ^= 1;
             return r;
         }(),
         AlertDescription::bad_record_mac},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        RecordReceiver r = receiver(c.setup);
        r.feed(c.input);
        CHECK(alert_of(r.next()) == c.alert);
    }
}

// RFC 8446 §6: a peer without keys yet alerts in plaintext. While the window is open and no
// protected record has been decrypted, exactly a two-byte alert record passes, unprotected.
TEST_CASE("receiver: a plaintext alert inside its window, until the peer's first decrypted record") {
    const Bytes alert = record(ContentType::alert, unhex("0230"));
    {
        RecordReceiver r = receiver({true, true});
        r.set_plaintext_alert_allowed(true);
        r.feed(alert);
        const std::optional<Record> got = must(r.next());
        REQUIRE(got.has_value());
        CHECK(got->type == ContentType::alert);
        CHECK(hex(got->fragment) == "0230");
        CHECK_FALSE(got->was_protected);
    }
    const struct {
        const char* name;
        bool window;
        bool decrypt_first;
        Bytes input;
    } refused[] = {
        {"window closed", false, false, alert},
        {"after a decrypted record", true, true, alert},
        {"three bytes", true, false, record(ContentType::alert, unhex("023000"))},
        {"one byte", true, false, record(ContentType::alert, unhex("02"))},
        {"plaintext handshake", true, false, record(ContentType::handshake, unhex("14000000"))},
    };
    for (const auto& c : refused) {
        CAPTURE(c.name);
        RecordReceiver r = receiver({true, true});
        r.set_plaintext_alert_allowed(c.window);
        if (c.decrypt_first) {
            r.feed(protected_record(ContentType::handshake, unhex("14000000")));
            const std::optional<Record> got = must(r.next());
            REQUIRE(got.has_value());
            CHECK(got->was_protected);
        }
        r.feed(c.input);
        CHECK(alert_of(r.next()) == AlertDescription::unexpected_message);
    }
}

TEST_CASE("receiver: a protected change_cipher_spec record") {
    // The inner type is change_cipher_spec; RecordSealer refuses to make one, so build it by hand.
    const TrafficKeys keys = must(traffic_key_and_iv(aes128(), secret()));
    const Bytes inner = {0x01, static_cast<uint8_t>(ContentType::change_cipher_spec)};
    Bytes rec = unhex("1703030012");
    rec.insert(rec.end(), inner.begin(), inner.end());
    rec.resize(rec.size() + aead_tag_size);
    auto aead = must(make_aead(aes128().aead, keys.key));
    const std::span<uint8_t> body = std::span(rec).subspan(record_header_size);
    must(aead->seal(record_nonce(keys.iv, 0), ByteView(rec).first(record_header_size), body.first(inner.size()),
                    body.last(aead_tag_size)));
    RecordReceiver r = receiver({true, true});
    r.feed(rec);
    CHECK(alert_of(r.next()) == AlertDescription::unexpected_message);
}

TEST_CASE("receiver: a CCS of 01 inside the window is dropped, before and after keys") {
    for (bool protect : {false, true}) {
        CAPTURE(protect);
        RecordReceiver r = receiver({protect, true});
        r.feed(ccs(unhex("01")));
        CHECK_FALSE(must(r.next()).has_value());
        CHECK(r.buffered() == 0);
        // The next record comes through as usual; a dropped CCS does not use a sequence number.
        r.feed(ccs(unhex("01")));
        r.feed(protect ? protected_record(ContentType::handshake, unhex("14000000"))
                       : record(ContentType::handshake, unhex("14000000")));
        const std::optional<Record> next = must(r.next());
        REQUIRE(next.has_value());
        CHECK(next->type == ContentType::handshake);
        CHECK(hex(next->fragment) == "14000000");
        // Closing the window makes the next CCS an error.
        r.set_change_cipher_spec_allowed(false);
        r.feed(ccs(unhex("01")));
        CHECK(alert_of(r.next()) == AlertDescription::unexpected_message);
    }
}

TEST_CASE("receiver: protected records and a key change between records") {
    RecordSealer first = must(RecordSealer::create(aes128(), secret()));
    const TrafficSecret next_secret = must(next_application_traffic_secret(HashAlgorithm::sha256, secret()));
    RecordSealer second = must(RecordSealer::create(aes128(), next_secret));
    Bytes stream;
    must(first.seal(ContentType::handshake, unhex("1800000100"), 0, stream));
    must(second.seal(ContentType::application_data, view("after KeyUpdate"), 0, stream));

    RecordReceiver r = receiver({true, false});
    r.feed(stream);  // both records arrive together
    const std::optional<Record> key_update = must(r.next());
    REQUIRE(key_update.has_value());
    CHECK(hex(key_update->fragment) == "1800000100");
    r.set_opener(must(RecordOpener::create(aes128(), next_secret)));
    CHECK(r.opener()->sequence_number() == 0);
    const std::optional<Record> data = must(r.next());
    REQUIRE(data.has_value());
    CHECK(data->type == ContentType::application_data);
    CHECK(hex(data->fragment) == hex(view("after KeyUpdate")));
}

TEST_CASE("sender: fragments at 2^14, unprotected then protected, and the receiver reassembles") {
    Bytes data(2 * max_plaintext_size + 1000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i ^ (i >> 8));
    for (bool protect : {false, true}) {
        CAPTURE(protect);
        RecordSender sender;
        RecordReceiver r = receiver({protect, false});
        if (protect) sender.set_sealer(must(RecordSealer::create(aes128(), secret())));
        Bytes out;
        must(sender.write(ContentType::handshake, data, out));
        r.feed(out);
        Bytes rejoined;
        int records = 0;
        while (const std::optional<Record> rec = must(r.next())) {
            CHECK(rec->type == ContentType::handshake);
            CHECK(rec->fragment.size() <= max_plaintext_size);
            rejoined.insert(rejoined.end(), rec->fragment.begin(), rec->fragment.end());
            ++records;
        }
        CHECK(records == 3);
        CHECK(rejoined == data);
        if (protect) CHECK(sender.sealer()->sequence_number() == 3);
    }
}

TEST_CASE("sender: padding per record, capped by the TLSInnerPlaintext limit") {
    RecordSender sender;
    sender.set_sealer(must(RecordSealer::create(aes128(), secret())));
    Bytes out;
    must(sender.write(ContentType::application_data, Bytes(max_plaintext_size + 10, 7), out, 100));
    RecordReader reader;
    reader.feed(out);
    const std::optional<RawRecord> full = must(reader.next());
    const std::optional<RawRecord> rest = must(reader.next());
    REQUIRE((full && rest));
    CHECK(full->body.size() == max_inner_plaintext_size + aead_tag_size);  // no room for padding
    CHECK(rest->body.size() == 10 + 1 + 100 + aead_tag_size);
}

TEST_CASE("sender: empty application data is one record; what may not be sent is refused") {
    RecordSender sender;
    Bytes out;
    CHECK(alert_of(sender.write(ContentType::application_data, view("early"), out)) == AlertDescription::internal_error);
    CHECK(alert_of(sender.write(ContentType::handshake, {}, out)) == AlertDescription::internal_error);
    CHECK(out.empty());
    sender.set_sealer(must(RecordSealer::create(aes128(), secret())));
    must(sender.write(ContentType::application_data, {}, out));
    CHECK(out.size() == record_header_size + 1 + aead_tag_size);
    CHECK(alert_of(sender.write(ContentType::alert, {}, out)) == AlertDescription::internal_error);
    CHECK(alert_of(sender.write(ContentType::change_cipher_spec, unhex("01"), out)) == AlertDescription::internal_error);
    // The compatibility CCS stays unprotected even with keys (RFC 8446 §D.4).
    Bytes ccs_out;
    sender.write_change_cipher_spec(ccs_out);
    CHECK(hex(ccs_out) == "140303000101");
}

TEST_CASE("sender: legacy_record_version 0x0301 for the initial ClientHello only (RFC 8446 §5.1)") {
    RecordSender sender;
    sender.set_plaintext_record_version(tls10_version);
    Bytes out;
    must(sender.write(ContentType::handshake, unhex("01000000"), out));
    sender.set_plaintext_record_version(tls12_version);
    must(sender.write(ContentType::handshake, unhex("01000000"), out));
    CHECK(hex(out) == "160301000401000000" "160303000401000000");
}
