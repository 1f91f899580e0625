// Record framing (RFC 8446 §5.1): header parsing as a negative table, TLSPlaintext writing and
// fragmentation, and the RecordReader's buffering of partial input.
#include <doctest/doctest.h>

#include "support/result_testing.h"
#include "support/rfc8448.h"
#include "tls13/record/record.h"
#include "tls13/record/record_reader.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

// Every complete record of one RFC 8448 trace, in trace order.
std::vector<Bytes> trace_records(const std::string& name) {
    std::vector<Bytes> out;
    for (const TraceStep* s : rfc8448(name).find_all("client", "send "))
        out.push_back(s->at("complete record"));
    for (const TraceStep* s : rfc8448(name).find_all("server", "send "))
        out.push_back(s->at("complete record"));
    return out;
}

Bytes concat(const std::vector<Bytes>& parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// Everything the reader yields from `stream` fed in pieces of `chunk` bytes.
std::vector<Bytes> read_all(ByteView stream, size_t chunk) {
    RecordReader reader;
    std::vector<Bytes> out;
    while (true) {
        const ByteView piece = stream.first(std::min(chunk, stream.size()));
        stream = stream.subspan(piece.size());
        reader.feed(piece);
        while (const std::optional<RawRecord> r = must(reader.next())) {
            const auto header = r->header.encode();
            Bytes whole(header.begin(), header.end());
            whole.insert(whole.end(), r->body.begin(), r->body.end());
            out.push_back(std::move(whole));
        }
        if (stream.empty()) break;
    }
    CHECK(reader.buffered() == 0);
    return out;
}

}  // namespace

TEST_CASE("record header: fields, and the alert for each bad header") {
    const RecordHeader h = must(parse_record_header(unhex("1703030035")));
    CHECK(h.type == ContentType::application_data);
    CHECK(h.legacy_record_version == 0x0303);
    CHECK(h.length == 0x35);
    CHECK(hex(h.encode()) == "1703030035");

    const struct {
        const char* name;
        const char* header;
        AlertDescription alert;
    } bad[] = {
        {"empty", "", AlertDescription::decode_error},
        {"four bytes", "16030100", AlertDescription::decode_error},
        {"content type invalid(0)", "0003030001", AlertDescription::unexpected_message},
        {"content type 24 (heartbeat, not negotiated)", "1803030001", AlertDescription::unexpected_message},
        {"content type 255", "ff03030001", AlertDescription::unexpected_message},
        {"length 2^14 + 257", "1703034101", AlertDescription::record_overflow},
        {"length 65535", "170303ffff", AlertDescription::record_overflow},
    };
    for (const auto& b : bad) {
        CAPTURE(b.name);
        CHECK(alert_of(parse_record_header(unhex(b.header))) == b.alert);
    }
}

TEST_CASE("record header: the largest ciphertext length and any legacy_record_version are accepted") {
    // RFC 8446 §5.2: 2^14 + 256 is the limit itself.
    CHECK(must(parse_record_header(unhex("1703034100"))).length == 0x4100);
    // RFC 8446 §5.1: legacy_record_version "MUST be ignored for all purposes".
    for (const char* version : {"0301", "0303", "0300", "0304", "feff"}) {
        CAPTURE(version);
        CHECK(must(parse_record_header(unhex(std::string("16") + version + "0004"))).type == ContentType::handshake);
    }
}

TEST_CASE("TLSPlaintext records match RFC 8448's unprotected records") {
    // §3 ClientHello (legacy_record_version 0x0301, §5.1) and ServerHello.
    const Trace& t = rfc8448("simple_1rtt");
    const TraceStep& ch = t.find("client", "send handshake record");
    Bytes out;
    must(write_plaintext_records(ContentType::handshake, ch.at("payload"), out, tls10_version));
    CHECK(hex(out) == hex(ch.at("complete record")));
    const TraceStep& sh = t.find("server", "send handshake record");
    out.clear();
    must(write_plaintext_records(ContentType::handshake, sh.at("payload"), out));
    CHECK(hex(out) == hex(sh.at("complete record")));
    // §7 change_cipher_spec.
    out.clear();
    write_change_cipher_spec(out);
    CHECK(hex(out) == hex(rfc8448("compatibility_mode").find("server", "send change_cipher_spec").at("complete record")));
}

TEST_CASE("TLSPlaintext fragments at 2^14 bytes and appends to the output") {
    Bytes data(2 * max_plaintext_size + 100);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
    Bytes out = {0xaa};  // existing content stays
    must(write_plaintext_records(ContentType::handshake, data, out));
    REQUIRE(out.size() == 1 + 3 * record_header_size + data.size());
    CHECK(out[0] == 0xaa);
    const std::vector<Bytes> records = read_all(ByteView(out).subspan(1), out.size());
    REQUIRE(records.size() == 3);
    CHECK(hex(ByteView(records[0]).first(5)) == "1603034000");
    CHECK(hex(ByteView(records[1]).first(5)) == "1603034000");
    CHECK(hex(ByteView(records[2]).first(5)) == "1603030064");
    Bytes rejoined;
    for (const Bytes& r : records) rejoined.insert(rejoined.end(), r.begin() + 5, r.end());
    CHECK(rejoined == data);
}

TEST_CASE("TLSPlaintext refuses what must not go unprotected") {
    Bytes out;
    // RFC 8446 §5.1: application data is always protected; no zero-length fragments.
    CHECK(alert_of(write_plaintext_records(ContentType::application_data, view("hi"), out)) ==
          AlertDescription::internal_error);
    CHECK(alert_of(write_plaintext_records(ContentType::handshake, {}, out)) == AlertDescription::internal_error);
    CHECK(alert_of(write_plaintext_records(ContentType::alert, {}, out)) == AlertDescription::internal_error);
    CHECK(alert_of(write_plaintext_records(ContentType::invalid, view("x"), out)) == AlertDescription::internal_error);
    CHECK(out.empty());
}

TEST_CASE("RecordReader yields the same records however the bytes arrive") {
    for (const std::string& name : rfc8448_trace_names()) {
        CAPTURE(name);
        const std::vector<Bytes> records = trace_records(name);
        const Bytes stream = concat(records);
        for (size_t chunk : {size_t{1}, size_t{2}, size_t{5}, size_t{6}, size_t{97}, stream.size()}) {
            CAPTURE(chunk);
            CHECK(read_all(stream, chunk) == records);
        }
    }
}

TEST_CASE("RecordReader waits for partial headers and bodies") {
    RecordReader reader;
    CHECK_FALSE(must(reader.next()).has_value());
    reader.feed(unhex("1603"));
    CHECK_FALSE(must(reader.next()).has_value());
    reader.feed(unhex("030003aa"));
    CHECK_FALSE(must(reader.next()).has_value());
    CHECK(reader.buffered() == 6);
    reader.feed(unhex("bbcc16"));
    const std::optional<RawRecord> r = must(reader.next());
    REQUIRE(r.has_value());
    CHECK(r->header.type == ContentType::handshake);
    CHECK(hex(r->body) == "aabbcc");
    CHECK(reader.buffered() == 1);
    CHECK_FALSE(must(reader.next()).has_value());
}

TEST_CASE("RecordReader: a bad header is an alert, and stays one") {
    RecordReader reader;
    reader.feed(unhex("1603030001aa"));  // one good record
    reader.feed(unhex("1703034101"));    // 2^14 + 257: record_overflow before any body arrives
    CHECK(must(reader.next()).has_value());
    CHECK(alert_of(reader.next()) == AlertDescription::record_overflow);
    CHECK(alert_of(reader.next()) == AlertDescription::record_overflow);

    RecordReader unknown;
    unknown.feed(unhex("4745542f20"));  // "GET / ": not TLS
    CHECK(alert_of(unknown.next()) == AlertDescription::unexpected_message);
}

TEST_CASE("RecordReader: a maximum-size record and a zero-length record") {
    Bytes stream = unhex("1703034100");
    stream.resize(stream.size() + max_ciphertext_size, 0x42);
    const Bytes empty_record = unhex("1703030000");
    stream.insert(stream.end(), empty_record.begin(), empty_record.end());
    RecordReader reader;
    reader.feed(stream);
    const std::optional<RawRecord> big = must(reader.next());
    REQUIRE(big.has_value());
    CHECK(big->body.size() == max_ciphertext_size);
    const std::optional<RawRecord> empty = must(reader.next());
    REQUIRE(empty.has_value());
    CHECK(empty->body.empty());
}
