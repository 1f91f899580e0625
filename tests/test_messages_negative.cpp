// Negative tables (STYLE.md §18): message body bytes -> the alert RFC 8446 names, per message
// type. A row with no alert must decode, and then round-trip. Bodies are built from hex pieces
// whose length prefixes are written out (v8/v16/v24 compute them), so a bad length is visible
// in the row that has it.
#include <doctest/doctest.h>

#include <cstdio>
#include <optional>

#include "fuzz/fuzz_common.h"
#include "tls13/messages/messages.h"

using namespace tpmtls;

namespace {

using enum AlertDescription;

struct Case {
    std::string name;
    std::string body_hex;
    std::optional<AlertDescription> alert;  // nullopt: decodes
};

std::string zeros(size_t n) { return std::string(2 * n, '0'); }
std::string length_hex(size_t prefix_bytes, size_t n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%0*zx", static_cast<int>(2 * prefix_bytes), n);
    return buf;
}
std::string v8(const std::string& h) { return length_hex(1, h.size() / 2) + h; }
std::string v16(const std::string& h) { return length_hex(2, h.size() / 2) + h; }
std::string v24(const std::string& h) { return length_hex(3, h.size() / 2) + h; }
std::string ext(const std::string& type, const std::string& body) { return type + v16(body); }

// Extension type codes (RFC 8446 §4.2, RFC 6066, RFC 7301); fafa is unassigned.
const std::string SNI = "0000", STATUS = "0005", GROUPS = "000a", SIGALGS = "000d", ALPN = "0010",
                  SCT = "0012", PSK = "0029", EARLY = "002a", VERSIONS = "002b", COOKIE = "002c",
                  MODES = "002d", CAS = "002f", OIDS = "0030", PHA = "0031", SIGCERT = "0032", KS = "0033",
                  UNKNOWN = "fafa";

const std::string random_hex = zeros(32);
const std::string hrr_random_hex = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

// Valid extension pieces.
const std::string versions_ch = ext(VERSIONS, v8("0304"));
const std::string share_ch = ext(KS, v16("001d" + v16(zeros(32))));
const std::string psk_ch = ext(PSK, v16(v16("aabbcc") + "00000000") + v16(v8(zeros(32))));
const std::string versions_sh = ext(VERSIONS, "0304");
const std::string share_sh = ext(KS, "001d" + v16(zeros(32)));
const std::string share_hrr = ext(KS, "0017");
const std::string sigalgs = ext(SIGALGS, v16("08040403"));

std::string client_hello(const std::string& extensions) {
    return "0303" + random_hex + "00" + v16("1301") + v8("00") + v16(extensions);
}
std::string server_hello(const std::string& extensions) {
    return "0303" + random_hex + "00" + "1301" + "00" + v16(extensions);
}
std::string hello_retry_request(const std::string& extensions) {
    return "0303" + hrr_random_hex + "00" + "1301" + "00" + v16(extensions);
}

template <class M, class Decode>
void run(const std::vector<Case>& cases, Decode decode) {
    for (const auto& c : cases) {
        CAPTURE(c.name);
        const Bytes body = from_hex(c.body_hex).value();
        auto decoded = decode(ByteView(body));
        if (!c.alert) {
            CHECK_MESSAGE(decoded, (decoded ? "" : decoded.error().to_string()));
            CHECK(fuzz::round_trip_problem<M>(view(body), decode) == "");
        } else {
            REQUIRE_FALSE(decoded);
            CHECK_MESSAGE(decoded.error().description == *c.alert, decoded.error().to_string());
        }
    }
}

}  // namespace

TEST_CASE("ClientHello negative table") {
    const std::string base = versions_ch + share_ch;
    run<ClientHello>(
        {
            {"valid", client_hello(base), std::nullopt},
            {"valid with PSK last", client_hello(base + psk_ch), std::nullopt},
            {"unknown extension kept", client_hello(base + ext(UNKNOWN, "01")), std::nullopt},
            {"empty body", "", decode_error},
            {"only legacy_version", "0303", decode_error},
            {"random truncated", "0303" + zeros(31), decode_error},
            {"session id of 33 bytes",
             "0303" + random_hex + v8(zeros(33)) + v16("1301") + v8("00") + v16(base), decode_error},
            {"session id longer than the body", "0303" + random_hex + "20" + zeros(4), decode_error},
            {"no cipher suites", "0303" + random_hex + "00" + v16("") + v8("00") + v16(base), decode_error},
            {"odd cipher_suites length", "0303" + random_hex + "00" + v16("130113") + v8("00") + v16(base),
             decode_error},
            {"empty compression methods", "0303" + random_hex + "00" + v16("1301") + v8("") + v16(base),
             decode_error},
            {"compression method 1", "0303" + random_hex + "00" + v16("1301") + v8("01") + v16(base),
             illegal_parameter},
            {"compression methods [0, 1]", "0303" + random_hex + "00" + v16("1301") + v8("0001") + v16(base),
             illegal_parameter},
            {"no extensions block", "0303" + random_hex + "00" + v16("1301") + v8("00"), decode_error},
            {"extensions block of 7 bytes (< 8)", client_hello(versions_ch), decode_error},
            {"extension length overruns the block", client_hello(base + VERSIONS + "0009" + "020304"),
             decode_error},
            {"trailing byte", client_hello(base) + "00", decode_error},
            {"duplicate supported_versions", client_hello(base + versions_ch), illegal_parameter},
            {"duplicate unknown extension", client_hello(ext(UNKNOWN, "") + base + ext(UNKNOWN, "")),
             illegal_parameter},
            {"oid_filters (CR only)", client_hello(base + ext(OIDS, v16(""))), illegal_parameter},
            {"pre_shared_key not last", client_hello(versions_ch + psk_ch + share_ch), illegal_parameter},
            {"two key shares for x25519",
             client_hello(versions_ch + ext(KS, v16("001d" + v16("01") + "001d" + v16("02")))), illegal_parameter},
            {"empty key_exchange", client_hello(versions_ch + ext(KS, v16("001d" + v16("")))), decode_error},
            {"key_share list overruns", client_hello(versions_ch + ext(KS, "0010001d0001aa")), decode_error},
            {"supported_versions of one byte", client_hello(share_ch + ext(VERSIONS, v8("03"))), decode_error},
            {"supported_versions odd length", client_hello(share_ch + ext(VERSIONS, v8("030403"))), decode_error},
            {"supported_versions empty", client_hello(share_ch + ext(VERSIONS, v8(""))), decode_error},
            {"two identities, one binder",
             client_hello(base + ext(PSK, v16(v16("aa") + "00000000" + v16("bb") + "00000000") + v16(v8(zeros(32))))),
             illegal_parameter},
            {"binder of 31 bytes",
             client_hello(base + ext(PSK, v16(v16("aabbcc") + "00000000") + v16(v8(zeros(31)) + "00"))),
             decode_error},
            {"empty PSK identity", client_hello(base + ext(PSK, v16(v16("") + "00000000" + "00") + v16(v8(zeros(32))))),
             decode_error},
            {"two host names", client_hello(base + ext(SNI, v16("00" + v16("61") + "00" + v16("62")))),
             illegal_parameter},
            {"empty host name", client_hello(base + ext(SNI, v16("00" + v16("")))), decode_error},
            {"ALPN with an empty protocol name", client_hello(base + ext(ALPN, v16(v8("") + v8("68")))),
             decode_error},
            {"post_handshake_auth with a body", client_hello(base + ext(PHA, "00")), decode_error},
            {"early_data with a body", client_hello(base + ext(EARLY, "00000000")), decode_error},
            {"empty psk_key_exchange_modes", client_hello(base + ext(MODES, v8(""))), decode_error},
            {"cookie of zero bytes", client_hello(base + ext(COOKIE, v16(""))), decode_error},
            {"certificate_authorities with an empty name", client_hello(base + ext(CAS, v16(v16("")))),
             decode_error},
            {"signature_algorithms odd length", client_hello(base + ext(SIGALGS, v16("080404"))), decode_error},
            {"supported_groups empty", client_hello(base + ext(GROUPS, v16(""))), decode_error},
        },
        decode_client_hello);
}

TEST_CASE("ServerHello and HelloRetryRequest negative table") {
    const std::string base = versions_sh + share_sh;
    run<ServerHello>(
        {
            {"valid ServerHello", server_hello(base), std::nullopt},
            {"valid with pre_shared_key", server_hello(base + ext(PSK, "0000")), std::nullopt},
            {"unknown extension kept (check_offered refuses it later)", server_hello(base + ext(UNKNOWN, "")),
             std::nullopt},
            {"valid HelloRetryRequest", hello_retry_request(versions_sh + share_hrr + ext(COOKIE, v16("c0"))),
             std::nullopt},
            {"empty body", "", decode_error},
            {"session id echo of 33 bytes", "0303" + random_hex + v8(zeros(33)) + "1301" + "00" + v16(base),
             decode_error},
            {"cipher suite truncated", "0303" + random_hex + "00" + "13", decode_error},
            {"compression method 1", "0303" + random_hex + "00" + "1301" + "01" + v16(base), illegal_parameter},
            {"no extensions block", "0303" + random_hex + "00" + "1301" + "00", decode_error},
            {"extensions block of 4 bytes (< 6)", server_hello(ext(PHA, "")), decode_error},
            {"trailing byte", server_hello(base) + "ff", decode_error},
            {"duplicate key_share", server_hello(base + share_sh), illegal_parameter},
            {"server_name (CH, EE only)", server_hello(base + ext(SNI, "")), illegal_parameter},
            {"cookie in a ServerHello (CH, HRR only)", server_hello(base + ext(COOKIE, v16("c0"))),
             illegal_parameter},
            {"early_data in a ServerHello", server_hello(base + ext(EARLY, "")), illegal_parameter},
            {"pre_shared_key in a HelloRetryRequest", hello_retry_request(versions_sh + share_hrr + ext(PSK, "0000")),
             illegal_parameter},
            {"ServerHello key_share holding only a group", server_hello(versions_sh + share_hrr), decode_error},
            {"HelloRetryRequest key_share holding a whole entry", hello_retry_request(versions_sh + share_sh),
             decode_error},
            {"ServerHello key_share with empty key_exchange", server_hello(versions_sh + ext(KS, "001d0000")),
             decode_error},
            {"supported_versions as a list", server_hello(share_sh + ext(VERSIONS, v8("0304"))), decode_error},
            {"pre_shared_key of three bytes", server_hello(base + ext(PSK, "000000")), decode_error},
            {"empty cookie in a HelloRetryRequest", hello_retry_request(versions_sh + ext(COOKIE, v16(""))),
             decode_error},
        },
        decode_server_hello);
}

TEST_CASE("EncryptedExtensions negative table") {
    run<EncryptedExtensions>(
        {
            {"no extensions", v16(""), std::nullopt},
            {"server_name, ALPN, early_data, supported_groups",
             v16(ext(SNI, "") + ext(ALPN, v16(v8("6832"))) + ext(EARLY, "") + ext(GROUPS, v16("001d"))),
             std::nullopt},
            {"unknown extension kept", v16(ext(UNKNOWN, "0102")), std::nullopt},
            {"empty body", "", decode_error},
            {"block length overruns", "0005" + ext(SNI, ""), decode_error},
            {"trailing byte", v16(ext(SNI, "")) + "00", decode_error},
            {"duplicate server_name", v16(ext(SNI, "") + ext(SNI, "")), illegal_parameter},
            {"key_share (CH, SH, HRR only)", v16(share_sh), illegal_parameter},
            {"supported_versions", v16(versions_sh), illegal_parameter},
            {"signature_algorithms (CH, CR only)", v16(sigalgs), illegal_parameter},
            {"pre_shared_key", v16(ext(PSK, "0000")), illegal_parameter},
            {"ALPN answer with two protocols", v16(ext(ALPN, v16(v8("6832") + v8("6833")))), decode_error},
            {"ALPN answer with no protocol", v16(ext(ALPN, v16(""))), decode_error},
            {"server_name answer with a body", v16(ext(SNI, v16("00" + v16("61")))), decode_error},
            {"early_data with a body", v16(ext(EARLY, "00000400")), decode_error},
        },
        decode_encrypted_extensions);
}

TEST_CASE("CertificateRequest negative table") {
    run<CertificateRequest>(
        {
            {"signature_algorithms only", "00" + v16(sigalgs), std::nullopt},
            {"with context, CAs, oid_filters, unknown",
             v8("0a0b") + v16(sigalgs + ext(CAS, v16(v16("3000"))) + ext(OIDS, v16(v8("551d25") + v16(""))) +
                              ext(UNKNOWN, "")),
             std::nullopt},
            {"no signature_algorithms", "00" + v16(ext(CAS, v16(v16("3000")))), missing_extension},
            {"empty extensions block", "00" + v16(""), decode_error},
            {"empty body", "", decode_error},
            {"context overruns", "050102", decode_error},
            {"trailing byte", "00" + v16(sigalgs) + "00", decode_error},
            {"duplicate signature_algorithms", "00" + v16(sigalgs + sigalgs), illegal_parameter},
            {"key_share", "00" + v16(sigalgs + share_sh), illegal_parameter},
            {"server_name", "00" + v16(sigalgs + ext(SNI, "")), illegal_parameter},
            {"empty certificate_authorities list", "00" + v16(sigalgs + ext(CAS, v16(""))), decode_error},
            {"signature_algorithms of one scheme and a half", "00" + v16(ext(SIGALGS, v16("080404"))),
             decode_error},
            {"oid_filters with an empty OID", "00" + v16(sigalgs + ext(OIDS, v16(v8("") + v16("")))),
             decode_error},
        },
        decode_certificate_request);
}

TEST_CASE("Certificate negative table") {
    const std::string entry = v24("3082") + v16("");
    run<Certificate>(
        {
            {"empty list (a client without a certificate)", "00" + v24(""), std::nullopt},
            {"one entry", "00" + v24(entry), std::nullopt},
            {"entry with status_request and SCT",
             "00" + v24(v24("3082") + v16(ext(STATUS, "0100") + ext(SCT, "0000"))), std::nullopt},
            {"entry with an unknown extension", "00" + v24(v24("3082") + v16(ext(UNKNOWN, ""))), std::nullopt},
            {"empty body", "", decode_error},
            {"empty cert_data", "00" + v24(v24("") + v16("")), decode_error},
            {"entry without its extensions", "00" + v24(v24("3082")), decode_error},
            {"list overruns", "00" + std::string("000010") + entry, decode_error},
            {"trailing byte", "00" + v24(entry) + "00", decode_error},
            {"duplicate status_request in an entry",
             "00" + v24(v24("3082") + v16(ext(STATUS, "") + ext(STATUS, ""))), illegal_parameter},
            {"key_share in an entry", "00" + v24(v24("3082") + v16(share_sh)), illegal_parameter},
            {"signature_algorithms in the second entry",
             "00" + v24(entry + v24("3082") + v16(sigalgs)), illegal_parameter},
        },
        decode_certificate);
}

TEST_CASE("CertificateVerify, Finished, KeyUpdate, EndOfEarlyData negative tables") {
    run<CertificateVerify>(
        {
            {"valid", "0804" + v16("aabb"), std::nullopt},
            {"empty signature (<0..2^16-1>)", "0804" + v16(""), std::nullopt},
            {"empty body", "", decode_error},
            {"scheme only", "0804", decode_error},
            {"signature overruns", "0804" + std::string("0003") + "aabb", decode_error},
            {"trailing byte", "0804" + v16("aabb") + "00", decode_error},
        },
        decode_certificate_verify);
    const auto finished32 = [](ByteView b) { return decode_finished(b, 32); };
    run<Finished>(
        {
            {"32 bytes", zeros(32), std::nullopt},
            {"31 bytes", zeros(31), decode_error},
            {"33 bytes", zeros(33), decode_error},
            {"empty", "", decode_error},
        },
        finished32);
    const auto finished48 = [](ByteView b) { return decode_finished(b, 48); };
    run<Finished>({{"48 bytes", zeros(48), std::nullopt}, {"32 bytes under SHA-384", zeros(32), decode_error}},
                  finished48);
    run<KeyUpdate>(
        {
            {"update_not_requested", "00", std::nullopt},
            {"update_requested", "01", std::nullopt},
            {"value 2", "02", illegal_parameter},
            {"value 255", "ff", illegal_parameter},
            {"empty", "", decode_error},
            {"trailing byte", "0100", decode_error},
        },
        decode_key_update);
    run<EndOfEarlyData>({{"empty", "", std::nullopt}, {"one byte", "00", decode_error}}, decode_end_of_early_data);
}

TEST_CASE("NewSessionTicket negative table") {
    const std::string head = "0000001e" "fad6aac5";  // lifetime, age_add
    run<NewSessionTicket>(
        {
            {"valid", head + v8("0000") + v16("abcd") + v16(ext(EARLY, "00000400")), std::nullopt},
            {"empty nonce, no extensions", head + v8("") + v16("ab") + v16(""), std::nullopt},
            {"unknown extension kept", head + v8("") + v16("ab") + v16(ext(UNKNOWN, "")), std::nullopt},
            {"empty body", "", decode_error},
            {"lifetime only", "0000001e", decode_error},
            {"empty ticket", head + v8("") + v16("") + v16(""), decode_error},
            {"nonce overruns", head + "05" + "0000", decode_error},
            {"no extensions block", head + v8("") + v16("ab"), decode_error},
            {"extensions block of 2^16-1 bytes (max 2^16-2)",
             head + v8("") + v16("ab") + v16(ext(UNKNOWN, zeros(0xffff - 4))), decode_error},
            {"trailing byte", head + v8("") + v16("ab") + v16("") + "00", decode_error},
            {"early_data of two bytes", head + v8("") + v16("ab") + v16(ext(EARLY, "0400")), decode_error},
            {"empty early_data (CH/EE form)", head + v8("") + v16("ab") + v16(ext(EARLY, "")), decode_error},
            {"duplicate early_data",
             head + v8("") + v16("ab") + v16(ext(EARLY, "00000400") + ext(EARLY, "00000400")), illegal_parameter},
            {"key_share", head + v8("") + v16("ab") + v16(share_sh), illegal_parameter},
            {"server_name", head + v8("") + v16("ab") + v16(ext(SNI, "")), illegal_parameter},
        },
        decode_new_session_ticket);
}

TEST_CASE("handshake framing: header and body length") {
    struct Framing {
        std::string input;
        bool frames;
    };
    const std::vector<Framing> cases = {
        {"", false},          {"01", false},      {"010000", false}, {"01000001", false},
        {"0100000100", true}, {"14000000", true},
    };
    for (const auto& c : cases) {
        CAPTURE(c.input);
        const Bytes bytes = from_hex(c.input).value();
        Reader r(view(bytes));
        auto message = read_handshake_message(r);
        CHECK(static_cast<bool>(message) == c.frames);
        if (!message) CHECK(message.error().description == decode_error);
    }
}
