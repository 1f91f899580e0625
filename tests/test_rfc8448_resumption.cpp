// RFC 8448 §4 (resumed handshake) replayed through our key schedule, our server and our client,
// from the ticket and PSK of RFC 8448 §3 (STYLE.md §16). §4 is a 0-RTT handshake; we implement
// resumption without early data, so what can be byte-identical is:
//   - the resumption PSK from §3's resumption master secret and ticket nonce,
//   - the §4 binder over the RFC's truncated ClientHello,
//   - our server's ServerHello to the RFC's ClientHello, and the handshake traffic secrets,
//   - the pre_shared_key identity our client offers for the RFC's ticket, and the handshake
//     secret it derives from the RFC's ServerHello.
// Where bytes must differ, the test shows the difference is exactly the part we do not
// implement: the RFC's EncryptedExtensions carries early_data (0-RTT accepted), supported_groups
// and record_size_limit, which our server does not send; our ClientHello lacks early_data,
// renegotiation_info, record_size_limit and padding, and has shorter group and scheme lists
// (test_rfc8448_flows_client.cpp), so the client-side transcript differs from the first message.
// The Finished messages are then checked against our own transcripts with the RFC's secrets.
#include "support/rfc8448.h"
#include "support/rfc8448_replay.h"
#include "test_server_handshake_support.h"
#include "tls13/handshake/client_psk.h"
#include "tls13/extensions/pre_shared_key.h"
#include "tls13/tickets/ticket_keys.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

const Trace& full() { return rfc8448("simple_1rtt"); }
const Trace& resumed() { return rfc8448("resumed_0rtt"); }

Bytes field(const Trace& trace, const char* side, const char* step, const char* name, int nth = 0) {
    return trace.find(side, step, nth).at(name);
}

// §4's whole ClientHello (the trace's "ClientHello" is the truncated one, the record's payload
// the whole message).
Bytes rfc_client_hello() { return field(resumed(), "client", "send handshake record", "payload"); }

NewSessionTicket rfc_ticket() {
    return must(decode_new_session_ticket(
        frame(field(full(), "server", "construct a NewSessionTicket", "NewSessionTicket")).body));
}

Secret rfc_psk() { return Secret(view(field(full(), "server", "generate resumption secret", "expanded"))); }

// The server of RFC 8448 protects its tickets in a way the RFC does not publish: this stands in
// for it, opening exactly the RFC's ticket to what that server put in it (§3's suite, PSK,
// ticket_age_add and lifetime, SNI "server"), issued `age_seconds` before `now`.
class RfcTicketKeys final : public TicketKeys {
public:
    explicit RfcTicketKeys(int64_t created) : created_(created) {}
    Result<Bytes> seal(const TicketContents&, Random&) const override {
        return fail(AlertDescription::internal_error, "RFC 8448 stand-in issues no tickets");
    }
    std::optional<TicketContents> open(ByteView ticket) const override {
        const NewSessionTicket rfc = rfc_ticket();
        if (to_bytes(ticket) != rfc.ticket) return std::nullopt;
        TicketContents contents;
        contents.suite = CipherSuite::TLS_AES_128_GCM_SHA256;
        contents.resumption_psk = rfc_psk();
        contents.created_unix_seconds = created_;
        contents.age_add = rfc.ticket_age_add;
        contents.lifetime_seconds = rfc.ticket_lifetime;
        contents.server_name = "server";
        return contents;
    }

private:
    int64_t created_;
};

// RFC 8448 §4's EncryptedExtensions without the extensions our server does not send.
Bytes rfc_encrypted_extensions_without_unimplemented() {
    EncryptedExtensions rfc = must(decode_encrypted_extensions(
        frame(field(resumed(), "server", "construct an EncryptedExtensions", "EncryptedExtensions")).body));
    Extensions kept;
    for (const Extension& ext : rfc.extensions) {
        const auto type = static_cast<uint16_t>(ext.type);
        // supported_groups (10), record_size_limit (28), early_data (42)
        if (type == 10 || type == 28 || type == 42) continue;
        kept.push_back(ext);
    }
    CHECK(kept.size() + 3 == rfc.extensions.size());
    rfc.extensions = kept;
    return must(encode_handshake(rfc));
}

}  // namespace

TEST_CASE("RFC 8448 §3 -> §4: the ticket's resumption PSK and §4's binder, byte for byte") {
    const NewSessionTicket ticket = rfc_ticket();
    CHECK(ticket.ticket_lifetime == 30);
    CHECK(ticket.ticket_age_add == 0xfad6aac5);
    // §4.6.1: PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, 32).
    const ResumptionMasterSecret master(field(full(), "client", "derive secret \"tls13 res master\"", "expanded"));
    const Secret psk = must(resumption_psk(HashAlgorithm::sha256, master, view(ticket.ticket_nonce)));
    CHECK(hex(psk) == hex(rfc_psk()));
    // ... which is the IKM of §4's early secret.
    CHECK(hex(psk) == hex(field(resumed(), "client", "extract secret \"early\"", "IKM")));

    // The ClientHello offers the ticket, and its binder is ours over its truncation (§4.2.11.2).
    const Bytes client_hello = rfc_client_hello();
    const ClientHello hello = must(decode_client_hello(frame(client_hello).body));
    REQUIRE(hello.extensions.back().type == ExtensionType::pre_shared_key);
    const OfferedPsks offered = must(decode_pre_shared_key_client_hello(view(hello.extensions.back().data)));
    REQUIRE(offered.identities.size() == 1);
    CHECK(offered.identities[0].identity == ticket.ticket);
    // §4.2.11.1: the RFC's client saw the ticket 6 ms before (obfuscated age - age_add).
    CHECK(offered.identities[0].obfuscated_ticket_age - ticket.ticket_age_add == 6);
    const ByteView truncated = must(client_hello_binders_prefix(view(client_hello)));
    CHECK(hex(truncated) == hex(field(resumed(), "client", "calculate PSK binder", "ClientHello prefix")));
    CHECK(hex(hash(HashAlgorithm::sha256, truncated)) ==
          hex(field(resumed(), "client", "calculate PSK binder", "binder hash")));
    const Secret binder = must(resumption_binder(HashAlgorithm::sha256, psk.view(), view(client_hello), Transcript()));
    CHECK(hex(binder) == hex(field(resumed(), "client", "calculate PSK binder", "finished")));
    CHECK(hex(binder) == hex(view(offered.binders[0])));
}

TEST_CASE("RFC 8448 §4: our server resumes from the RFC's ClientHello: ServerHello and secrets match") {
    const Bytes server_hello = field(resumed(), "server", "construct a ServerHello", "ServerHello");
    const Bytes server_private = field(resumed(), "server", "create an ephemeral x25519", "private key");
    const Bytes server_random(server_hello.begin() + 6, server_hello.begin() + 38);
    ScriptedRandom random({server_private, server_random});
    FixedClock clock(system_clock().unix_seconds());
    ServerConfig config;
    config.credentials.chain = {rfc8448_certificate("server", "simple_1rtt")};
    config.credentials.signer = std::make_shared<StandInSigner>(SignatureScheme::rsa_pss_rsae_sha256, 128);
    config.ticket_keys = std::make_shared<RfcTicketKeys>(clock.unix_seconds());  // 6 ms old: within the window
    config.tickets = 0;
    RecordingIo io;
    auto server = make_server_handshake(std::move(config), {io, random, clock});
    must(server->start());
    const Bytes client_hello = rfc_client_hello();
    must(server->on_message(frame(client_hello)));
    CHECK(random.used_up());

    // PSK handshake: no Certificate, no CertificateVerify (§4.2.11, Appendix A.2 "No auth").
    CHECK(io.trace() == "ccs_allowed server_hello write_key read_key encrypted_extensions finished write_key");
    CHECK(hex(io.find("server_hello")) == hex(server_hello));
    const auto secret = [&](const char* label) { return hex(field(resumed(), "server", label, "expanded")); };
    CHECK(hex(io.find("write_key")) == secret("derive secret \"tls13 s hs traffic\""));
    CHECK(hex(io.find("read_key")) == secret("derive secret \"tls13 c hs traffic\""));
    CHECK(server->session().resumed);
    CHECK(!server->session().peer_identity);  // the RFC's client did not authenticate

    // The RFC's EncryptedExtensions accepts 0-RTT and adds supported_groups and
    // record_size_limit; ours is exactly the RFC's without those three.
    const Bytes ours_ee = io.find("encrypted_extensions");
    CHECK(hex(ours_ee) != hex(field(resumed(), "server", "construct an EncryptedExtensions", "EncryptedExtensions")));
    CHECK(hex(ours_ee) == hex(rfc_encrypted_extensions_without_unimplemented()));

    // Our Finished is the RFC's server handshake traffic secret over our transcript.
    Transcript transcript(HashAlgorithm::sha256);
    for (const Bytes* m : {&client_hello, &server_hello, &ours_ee}) must(transcript.add(view(*m)));
    const TrafficSecret server_hs(field(resumed(), "server", "derive secret \"tls13 s hs traffic\"", "expanded"));
    const TrafficSecret client_hs(field(resumed(), "server", "derive secret \"tls13 c hs traffic\"", "expanded"));
    CHECK(hex(io.find("finished")) ==
          hex(must(build_finished(HashAlgorithm::sha256, server_hs, view(must(transcript.hash()))))));
    must(transcript.add(view(io.find("finished"))));
    // The application secret from the RFC's master secret over the same transcript.
    const MasterSecret master(field(resumed(), "server", "extract secret \"master\"", "secret"));
    const Bytes through_server_finished = must(transcript.hash());
    const size_t last_write = io.events.size() - 1;
    CHECK(hex(io.events[last_write].data) ==
          hex(must(server_application_traffic_secret(HashAlgorithm::sha256, master, view(through_server_finished)))));

    // The client's Finished under the RFC's client handshake secret completes the handshake.
    const Bytes client_finished = must(build_finished(HashAlgorithm::sha256, client_hs, view(through_server_finished)));
    must(server->on_message(frame(client_finished)));
    CHECK(server->connected());
    CHECK(io.trace(last_write + 1) == "read_key ccs_closed");
}

TEST_CASE("RFC 8448 §4: our client offers the RFC's ticket and derives the RFC's handshake secret") {
    const NewSessionTicket rfc = rfc_ticket();
    const Bytes rfc_hello_bytes = rfc_client_hello();
    const ClientHello theirs = must(decode_client_hello(frame(rfc_hello_bytes).body));
    const Bytes server_hello = field(resumed(), "server", "construct a ServerHello", "ServerHello");

    // The ticket as our client would have stored it from §3, seen 6 ms ago (monotonic clock).
    FixedClock clock(1546300800, 1'000'000);
    SessionTicket ticket;
    ticket.suite = CipherSuite::TLS_AES_128_GCM_SHA256;
    ticket.ticket = rfc.ticket;
    ticket.lifetime_seconds = rfc.ticket_lifetime;
    ticket.age_add = rfc.ticket_age_add;
    ticket.received_unix_seconds = clock.unix_seconds();
    ticket.received_ms = clock.monotonic_ms();
    ticket.psk = rfc_psk();
    ticket.server_name = "server";
    clock.advance_ms(6);

    ClientConfig config;
    config.server_name = "server";
    config.compatibility_mode = false;
    config.cipher_suites = theirs.cipher_suites;  // 1301 1303 1302, the RFC's order
    config.trust_anchors = std::make_shared<const TrustStore>(
        must(TrustStore::from_pem_or_der(view(rfc8448_certificate("server", "simple_1rtt")))));
    config.resume = ticket;
    ScriptedRandom random({Bytes(theirs.random.begin(), theirs.random.end()),
                           field(resumed(), "client", "create an ephemeral x25519", "private key")});
    RecordingIo io;
    auto client = make_client_handshake(std::move(config), {io, random, clock});
    must(client->start());
    const Bytes ours_bytes = io.find("client_hello");
    const ClientHello ours = must(decode_client_hello(frame(ours_bytes).body));

    // pre_shared_key last, with the RFC's identity and obfuscated age byte for byte.
    REQUIRE(ours.extensions.back().type == ExtensionType::pre_shared_key);
    const OfferedPsks our_offer = must(decode_pre_shared_key_client_hello(view(ours.extensions.back().data)));
    const OfferedPsks rfc_offer = must(decode_pre_shared_key_client_hello(view(theirs.extensions.back().data)));
    CHECK(our_offer.identities == rfc_offer.identities);
    CHECK(hex(*find_extension(ours.extensions, ExtensionType::key_share)) ==
          hex(*find_extension(theirs.extensions, ExtensionType::key_share)));
    CHECK(hex(*find_extension(ours.extensions, ExtensionType::psk_key_exchange_modes)) ==
          hex(*find_extension(theirs.extensions, ExtensionType::psk_key_exchange_modes)));
    // The hello itself differs (early_data among the extensions we do not send), so the binder is
    // the RFC's PSK over OUR truncated ClientHello, and not the RFC's binder.
    CHECK(has_extension(theirs.extensions, ExtensionType::early_data));
    CHECK(!has_extension(ours.extensions, ExtensionType::early_data));
    const Secret binder =
        must(resumption_binder(HashAlgorithm::sha256, rfc_psk().view(), view(ours_bytes), Transcript()));
    CHECK(hex(binder) == hex(view(our_offer.binders[0])));
    CHECK(hex(binder) != hex(view(rfc_offer.binders[0])));

    // The RFC's ServerHello selects identity 0: the handshake secret is the RFC's (PSK + ECDHE),
    // its traffic secrets over our ClientHello and the RFC's ServerHello.
    size_t mark = io.events.size();
    must(client->on_message(frame(server_hello)));
    CHECK(io.trace(mark) == "read_key write_key");
    CHECK(client->session().resumed);
    const HandshakeSecret rfc_handshake(field(resumed(), "server", "extract secret \"handshake\"", "secret"));
    const EarlySecret early = early_secret(HashAlgorithm::sha256, rfc_psk().view());
    CHECK(hex(early) == hex(field(resumed(), "client", "extract secret \"early\"", "secret")));
    Transcript transcript(HashAlgorithm::sha256);
    must(transcript.add(view(ours_bytes)));
    must(transcript.add(view(server_hello)));
    const Bytes hello_hash = must(transcript.hash());
    const TrafficSecret server_hs =
        must(server_handshake_traffic_secret(HashAlgorithm::sha256, rfc_handshake, view(hello_hash)));
    const TrafficSecret client_hs =
        must(client_handshake_traffic_secret(HashAlgorithm::sha256, rfc_handshake, view(hello_hash)));
    CHECK(hex(io.find("read_key", mark)) == hex(server_hs));
    CHECK(hex(io.find("write_key", mark)) == hex(client_hs));

    // EncryptedExtensions (without the 0-RTT acceptance we did not ask for) leads straight to
    // WAIT_FINISHED: no Certificate in a PSK handshake.
    const Bytes encrypted_extensions = rfc_encrypted_extensions_without_unimplemented();
    must(client->on_message(frame(encrypted_extensions)));
    CHECK(std::string(client->state_name()) == "WAIT_FINISHED");
    must(transcript.add(view(encrypted_extensions)));
    const Bytes server_finished = must(build_finished(HashAlgorithm::sha256, server_hs, view(must(transcript.hash()))));
    mark = io.events.size();
    must(client->on_message(frame(server_finished)));
    CHECK(client->connected());
    CHECK(io.trace(mark) == "ccs_closed finished write_key read_key");
    must(transcript.add(view(server_finished)));
    CHECK(hex(io.find("finished", mark)) ==
          hex(must(build_finished(HashAlgorithm::sha256, client_hs, view(must(transcript.hash()))))));
}
