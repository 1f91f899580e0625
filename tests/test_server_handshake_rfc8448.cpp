// The server state machine against RFC 8448 (STYLE.md §16): the RFC's ClientHello fed in, with
// the RFC's server x25519 key and random injected. The ServerHello, the handshake traffic
// secrets and the Certificate message must match the trace byte for byte. Our
// EncryptedExtensions differs on purpose (we send no supported_groups or record_size_limit), so
// the transcript - and with it Finished and the application secrets - leaves the trace there;
// those are checked against the client-side key schedule in test_server_handshake.cpp.
#include "support/rfc8448.h"
#include "support/rfc8448_replay.h"
#include "test_server_handshake_support.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

void replay_server_hello(const std::string& trace_name, bool compatibility_ccs) {
    CAPTURE(trace_name);
    const Trace& trace = rfc8448(trace_name);
    const Bytes client_hello = trace.find("client", "construct a ClientHello").at("ClientHello");
    const Bytes server_hello = trace.find("server", "construct a ServerHello").at("ServerHello");
    const Bytes server_private = trace.find("server", "create an ephemeral x25519").at("private key");
    // ServerHello.random: bytes 6..38 of the message (type, length, legacy_version, then random).
    const Bytes server_random(server_hello.begin() + 6, server_hello.begin() + 38);
    ScriptedRandom random({server_private, server_random});

    ServerConfig config;
    config.credentials.chain = {rfc8448_certificate("server", "simple_1rtt")};
    config.credentials.signer = std::make_shared<StandInSigner>(SignatureScheme::rsa_pss_rsae_sha256, 128);
    FixedClock clock(system_clock().unix_seconds());
    RecordingIo io;
    auto server = make_server_handshake(std::move(config), {io, random, clock});
    must(server->start());
    must(server->on_message(frame(client_hello)));

    const std::string flight =
        std::string("ccs_allowed server_hello ") + (compatibility_ccs ? "ccs " : "") +
        "write_key read_key encrypted_extensions certificate certificate_verify finished write_key";
    CHECK(io.trace() == flight);
    CHECK(hex(io.find("server_hello")) == hex(server_hello));
    const auto secret = [&](const char* label) { return hex(trace.find("server", label).at("expanded")); };
    CHECK(hex(io.find("write_key")) == secret("derive secret \"tls13 s hs traffic\""));
    CHECK(hex(io.find("read_key")) == secret("derive secret \"tls13 c hs traffic\""));
    CHECK(hex(io.find("certificate")) == hex(trace.find("server", "construct a Certificate").at("Certificate")));
    CHECK(server->session().server_name == "server");
}

}  // namespace

TEST_CASE("RFC 8448 §3: ServerHello, handshake secrets and Certificate from the RFC's ClientHello") {
    replay_server_hello("simple_1rtt", false);
}

TEST_CASE("RFC 8448 §7: compatibility mode echoes the session id and sends one CCS after ServerHello") {
    replay_server_hello("compatibility_mode", true);
}
