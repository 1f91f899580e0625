// `tpmtls replay` (issue 7, point 5): RFC 8448 §3 through our client and server, run as a user
// would. The "= RFC 8448 §3" markers must claim a match exactly where the other tests prove one,
// and every other comparison must be marked as a difference; the output must account for every
// step of §3 (compared, or listed as not reached) and keep secret values to --show-secrets.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <sstream>

#include "support/paths.h"
#include "support/peer_process.h"
#include "support/result_testing.h"
#include "support/rfc8448.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

const std::string match = "= RFC 8448 §3  ";
const std::string mismatch = "≠ RFC 8448 §3  ";

CommandResult replay(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {cli_path(), "replay"});
    return run_command(args, std::chrono::milliseconds(60'000));
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Every comparison: item -> true (marked equal) / false (marked different).
std::map<std::string, bool> markers(const std::string& output) {
    std::map<std::string, bool> out;
    for (const std::string& line : lines_of(output)) {
        for (const auto& [marker, equal] : {std::pair{match, true}, std::pair{mismatch, false}}) {
            const size_t at = line.find(marker);
            if (at == std::string::npos) continue;
            const size_t start = at + marker.size();
            const std::string item = line.substr(start, line.find("  [RFC: ", start) - start);
            CHECK_MESSAGE(out.count(item) == 0, "compared twice: " << item);
            out[item] = equal;
        }
    }
    return out;
}

// The byte strings whose equality with RFC 8448 §3 other tests prove. Everything else the
// replay compares depends on our ClientHello (which is not the RFC's), so it must differ.
const std::set<std::string>& proven_equal() {
    static const std::set<std::string> items = {
        // test_rfc8448_flows_client: our ClientHello carries the RFC's random and key_share.
        "client random",
        "client x25519 public key (key_share)",
        // test_server_handshake_rfc8448: ServerHello (random, key share) and Certificate byte for
        // byte; test_rfc8448_replay: the record layer frames the ServerHello as the RFC does.
        "server ServerHello",
        "server random",
        "server x25519 public key (key_share)",
        "server record 1 payload",
        "server record 1",
        "server Certificate",
        // test_crypto_key_exchange / test_rfc8448_flows_client: X25519 of the RFC's keys gives the
        // RFC's shared secret and handshake secret; test_rfc8448_replay: the transcript-free
        // steps of the key schedule (early, derived, handshake, derived, master) are the RFC's.
        "client early_secret",
        "server early_secret",
        "client Derive-Secret(early_secret, \"derived\", \"\") (computed by the replay)",
        "server Derive-Secret(early_secret, \"derived\", \"\") (computed by the replay)",
        "client x25519 shared secret (computed by the replay)",
        "server x25519 shared secret (computed by the replay)",
        "client handshake_secret",
        "server handshake_secret",
        "client Derive-Secret(handshake_secret, \"derived\", \"\") (computed by the replay)",
        "server Derive-Secret(handshake_secret, \"derived\", \"\") (computed by the replay)",
        "server master_secret",
    };
    return items;
}

}  // namespace

TEST_CASE("tpmtls replay: a match is claimed exactly where the RFC 8448 tests prove one") {
    const CommandResult result = replay();
    REQUIRE_MESSAGE(result.exit_status == 0, result.transcript);
    CHECK(result.err.empty());
    const auto compared = markers(result.out);

    std::set<std::string> claimed_equal;
    for (const auto& [item, equal] : compared)
        if (equal) claimed_equal.insert(item);
    for (const std::string& item : proven_equal()) CHECK_MESSAGE(claimed_equal.count(item) == 1, "not marked equal: " << item);
    for (const std::string& item : claimed_equal) CHECK_MESSAGE(proven_equal().count(item) == 1, "claimed equal, not proven: " << item);

    // What differs, and that the output says why.
    for (const char* item : {"client ClientHello", "client record 1", "server EncryptedExtensions",
                             "server CertificateVerify", "server Finished", "server server_handshake_traffic_secret",
                             "server client_handshake_traffic_secret", "client server_handshake_traffic_secret",
                             "server exporter_master_secret", "server server_application_traffic_secret_0"}) {
        CAPTURE(item);
        REQUIRE(compared.count(item) == 1);
        CHECK_FALSE(compared.at(item));
    }
    const std::string& out = result.out;
    // The extensions we do not implement are named where they make the messages differ.
    CHECK(out.find("extension record_size_limit (RFC 8449; tpmtls does not implement it): only in the RFC's") !=
          std::string::npos);
    CHECK(out.find("extension renegotiation_info (RFC 5746") != std::string::npos);
    CHECK(out.find("extension supported_groups: only in the RFC's (RFC 8446 allows it here; ours does not send it)") != std::string::npos);  // its EncryptedExtensions
    CHECK(out.find("depends on the transcript, which differs from the RFC's from the client ClientHello on") !=
          std::string::npos);
    // How the run ends: our client refuses the RFC's RSA-1024 certificate.
    CHECK(out.find("client → alert fatal bad_certificate") != std::string::npos);
    CHECK(out.find("RSA-1024") != std::string::npos);

    // The summary counts the markers.
    size_t equal = 0;
    for (const auto& [item, same] : compared) equal += same ? 1 : 0;
    CHECK(out.find("Summary: " + std::to_string(equal) + " byte strings equal to RFC 8448 §3, " +
                   std::to_string(compared.size() - equal) + " different") != std::string::npos);
}

TEST_CASE("tpmtls replay: every step, message and secret of RFC 8448 §3 appears in the output") {
    const CommandResult result = replay();
    REQUIRE_MESSAGE(result.exit_status == 0, result.transcript);
    const std::string& out = result.out;
    // Each step of §3 that carries values is either compared ("[RFC: side label, key]") or
    // listed as not reached ("side: label (keys)").
    for (const TraceStep& step : rfc8448("simple_1rtt").steps) {
        if (step.values.empty()) continue;
        CAPTURE(step.side + " " + step.label);
        const bool compared = out.find("[RFC: " + step.side + " " + step.label + ", ") != std::string::npos;
        const bool listed = out.find("  " + step.side + ": " + step.label + " (") != std::string::npos;
        CHECK((compared || listed));
    }
    for (const char* message : {"ClientHello", "ServerHello", "EncryptedExtensions", "Certificate", "CertificateVerify",
                                "Finished", "NewSessionTicket"})
        CHECK_MESSAGE(out.find(message) != std::string::npos, message);
    for (const char* secret : {"early_secret", "handshake_secret", "master_secret", "client_handshake_traffic_secret",
                               "server_handshake_traffic_secret", "server_application_traffic_secret_0",
                               "exporter_master_secret", "\"tls13 c ap traffic\"", "\"tls13 res master\"",
                               "\"tls13 resumption\"", "\"tls13 finished\"", "\"tls13 derived\""})
        CHECK_MESSAGE(out.find(secret) != std::string::npos, secret);
}

TEST_CASE("tpmtls replay: secret values only with --show-secrets") {
    const Trace& trace = rfc8448("simple_1rtt");
    // Values both sides derive equal to the RFC's: shown only on request.
    const std::vector<std::string> secrets = {hex(trace.find("server", "extract secret \"early\"").at("secret")),
                                              hex(trace.find("server", "extract secret \"handshake\"").at("secret")),
                                              hex(trace.find("server", "extract secret \"master\"").at("secret")),
                                              hex(trace.find("server", "extract secret \"handshake\"").at("IKM"))};
    const CommandResult quiet = replay();
    REQUIRE_MESSAGE(quiet.exit_status == 0, quiet.transcript);
    for (const std::string& secret : secrets) CHECK_MESSAGE(quiet.out.find(secret) == std::string::npos, secret);
    CHECK(quiet.out.find("--show-secrets prints both") != std::string::npos);

    const CommandResult shown = replay({"--show-secrets"});
    REQUIRE_MESSAGE(shown.exit_status == 0, shown.transcript);
    for (const std::string& secret : secrets) CHECK_MESSAGE(shown.out.find(secret) != std::string::npos, secret);
    // Where ours differs, both values are printed.
    CHECK(shown.out.find("- RFC's: " + hex(trace.find("server", "derive secret \"tls13 s hs traffic\"").at("expanded"))) !=
          std::string::npos);
    // The same markers either way.
    CHECK(markers(shown.out) == markers(quiet.out));
}

TEST_CASE("tpmtls replay: --section other than 3, unknown options and --help") {
    const CommandResult other = replay({"--section", "4"});
    CHECK(other.exit_status == 2);
    CHECK(other.out.empty());
    CHECK(other.err.find("tpmtls replay: RFC 8448 section 4 is not replayed") == 0);
    CHECK(replay({"--section", "3"}).exit_status == 0);
    CHECK(replay({"--bogus"}).exit_status == 2);
    const CommandResult help = replay({"--help"});
    CHECK(help.exit_status == 0);
    CHECK(help.out.find("--show-secrets") != std::string::npos);
    CHECK(help.out.find("--section") != std::string::npos);
}
