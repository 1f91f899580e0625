// PSK resumption between our client and our server over an in-memory pipe (RFC 8446 §2.2,
// §4.2.11, §4.6.1): a full handshake hands out tickets, a second connection resumes with one and
// reports the same identities without any signature, and every way a ticket or a PSK offer can
// be wrong ends as RFC 8446 wants it: a full handshake (the server declines the PSK) or an alert.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <functional>

#include "server/ticket_key_file.h"
#include "support/connection_pair.h"
#include "support/paths.h"
#include "support/peer_process.h"
#include "support/result_testing.h"
#include "tls13/handshake/client_psk.h"
#include "tls13/extensions/negotiation.h"
#include "tls13/extensions/pre_shared_key.h"
#include "tls13/messages/messages.h"
#include "tls13/tickets/ticket_keys.h"
#include "tls13/tickets/ticket_replay_cache.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

// Counts signatures: a resumed handshake must not ask the client key (a TPM in production).
class CountingSigner final : public Signer {
public:
    explicit CountingSigner(std::shared_ptr<Signer> inner) : inner_(std::move(inner)) {}
    std::vector<SignatureScheme> schemes() const override { return inner_->schemes(); }
    Result<Bytes> sign(SignatureScheme scheme, ByteView content) override {
        ++signatures;
        return inner_->sign(scheme, content);
    }
    std::string description() const override { return "counting " + inner_->description(); }
    int signatures = 0;

private:
    std::shared_ptr<Signer> inner_;
};

struct Resumption {
    FixedClock clock{system_clock().unix_seconds()};
    std::shared_ptr<TicketKeys> keys = TicketKeys::generate(system_random(), clock.unix_seconds());
    std::shared_ptr<CountingSigner> client_signer;
    std::vector<SessionTicket> tickets;

    ClientConfig client() {
        ClientConfig config = client_config_for(shared_test_pki(), true);
        client_signer = std::make_shared<CountingSigner>(config.credentials.signer);
        config.credentials.signer = client_signer;
        config.on_session_ticket = [this](SessionTicket t) { tickets.push_back(std::move(t)); };
        return config;
    }
    ServerConfig server() {
        ServerConfig config = server_config_for(shared_test_pki(), ClientAuthMode::required);
        config.ticket_keys = keys;
        return config;
    }
    ConnectionPair connect(ClientConfig c, ServerConfig s) {
        ConnectionPair pair = make_pair(std::move(c), std::move(s), system_random(), clock);
        REQUIRE_MESSAGE(pair.handshake(), describe(pair));
        REQUIRE(pair.client->is_connected());
        REQUIRE(pair.server->is_connected());
        return pair;
    }
    // A full handshake that leaves its tickets in `tickets`.
    ConnectionPair full() {
        tickets.clear();
        ConnectionPair pair = connect(client(), server());
        REQUIRE(!pair.client->session().resumed);
        REQUIRE(!tickets.empty());
        return pair;
    }
    ConnectionPair resume(SessionTicket ticket, ServerConfig s) {  // by value: tickets is cleared
        tickets.clear();
        ClientConfig c = client();
        c.resume = std::move(ticket);
        return connect(std::move(c), std::move(s));
    }
    static std::string describe(const ConnectionPair& pair) {
        std::string out;
        if (pair.client->error()) out += "client: " + pair.client->error()->to_string() + " ";
        if (pair.server->error()) out += "server: " + pair.server->error()->to_string();
        return out;
    }
};

void exchange(ConnectionPair& pair) {
    REQUIRE(pair.client->send(view(std::string_view("ping"))));
    REQUIRE(pair.server->send(view(std::string_view("pong"))));
    REQUIRE(pair.pump());
    CHECK(pair.server->take_application_data() == to_bytes(view(std::string_view("ping"))));
    CHECK(pair.client->take_application_data() == to_bytes(view(std::string_view("pong"))));
}

// The first record of `flight`: (content type, fragment).
std::pair<uint8_t, Bytes> first_record(const Bytes& flight) {
    Reader r(view(flight));
    const uint8_t type = must(r.u8());
    must(r.u16());
    return {type, to_bytes(must(r.vec16()).take_rest())};
}

Bytes plaintext_record(ByteView handshake_message) {
    Bytes out;
    Writer w(out);
    w.u8(22);
    w.u16(0x0301);
    w.vec16(handshake_message);
    return out;
}

// The client's first ClientHello (a whole handshake message) for `config`.
Bytes client_hello_of(ClientConfig config, const Clock& clock) {
    auto client = Connection::client(std::move(config), system_random(), clock);
    must(client->start());
    auto [type, fragment] = first_record(client->take_output());
    REQUIRE(type == 22);
    return fragment;
}

// The server's answer to one ClientHello: its ServerHello, or the alert it failed with.
struct ServerAnswer {
    std::optional<ServerHello> hello;
    std::optional<Alert> alert;
};
ServerAnswer answer_of(ServerConfig config, ByteView client_hello, const Clock& clock) {
    auto server = Connection::server(std::move(config), system_random(), clock);
    (void)server->receive(view(plaintext_record(client_hello)));
    ServerAnswer answer;
    if (server->error()) {
        answer.alert = server->error();
        return answer;
    }
    auto [type, fragment] = first_record(server->take_output());
    REQUIRE(type == 22);
    Reader r(view(fragment));
    const HandshakeMessage message = must(read_handshake_message(r));
    answer.hello = must(decode_server_hello(message.body));
    return answer;
}

// Re-encodes a ClientHello after `edit` and recomputes the binder of its one PSK.
Bytes rebound(const Bytes& whole, const SessionTicket& ticket, const std::function<void(ClientHello&)>& edit) {
    Reader r(view(whole));
    ClientHello hello = must(decode_client_hello(must(read_handshake_message(r)).body));
    edit(hello);
    const Bytes placeholder = must(encode_handshake(hello));
    const Secret binder =
        must(resumption_binder(HashAlgorithm::sha256, ticket.psk.view(), view(placeholder), Transcript()));
    must(set_psk_binders(hello, {to_bytes(binder.view())}));
    return must(encode_handshake(hello));
}

void same_identity(const std::optional<PeerIdentity>& a, const std::optional<PeerIdentity>& b) {
    REQUIRE(a);
    REQUIRE(b);
    CHECK(hex(view(a->sha256_fingerprint)) == hex(view(b->sha256_fingerprint)));
    CHECK(a->subject == b->subject);
    CHECK(a->dns_names == b->dns_names);
}

}  // namespace

TEST_CASE("full handshake, then a resumed one: identities kept, no signature, data flows") {
    Resumption r;
    ConnectionPair first = r.full();
    CHECK(r.client_signer->signatures == 1);
    const SessionInfo full_server = first.server->session();
    const SessionInfo full_client = first.client->session();
    REQUIRE(full_server.peer_identity);
    REQUIRE(r.tickets.size() == 2);  // ServerConfig::tickets default
    for (const SessionTicket& t : r.tickets) {
        CHECK(t.lifetime_seconds == 7200);
        CHECK(t.suite == full_client.suite);
        same_identity(t.server_identity, full_client.peer_identity);
    }
    CHECK(r.tickets[0].ticket != r.tickets[1].ticket);
    CHECK(hex(r.tickets[0].psk) != hex(r.tickets[1].psk));  // different nonces (§4.6.1)

    const SessionTicket ticket = r.tickets[0];
    r.clock.advance_ms(5000);
    r.client_signer.reset();
    ConnectionPair second = r.resume(ticket, r.server());
    CHECK(second.client->session().resumed);
    CHECK(second.server->session().resumed);
    // §4.2.11: the PSK handshake carries no Certificate or CertificateVerify either way.
    CHECK(r.client_signer->signatures == 0);
    CHECK(!second.client->session().own_signature_scheme);
    CHECK(!second.server->session().own_signature_scheme);
    CHECK(!second.server->session().peer_signature_scheme);
    // The identities of the full handshake, restored from the ticket on both sides.
    same_identity(second.server->session().peer_identity, full_server.peer_identity);
    same_identity(second.client->session().peer_identity, full_client.peer_identity);
    exchange(second);
    // The resumed connection hands out new tickets that resume in turn and keep the identity.
    REQUIRE(r.tickets.size() == 2);
    same_identity(r.tickets[0].server_identity, full_client.peer_identity);
    ConnectionPair third = r.resume(r.tickets[1], r.server());
    CHECK(third.server->session().resumed);
    same_identity(third.server->session().peer_identity, full_server.peer_identity);
}

TEST_CASE("ticket count and lifetime follow ServerConfig, capped at 7 days (§4.6.1)") {
    Resumption r;
    for (const auto& [count, lifetime, expected] :
         {std::tuple{0u, 60u, 60u}, std::tuple{1u, 60u, 60u}, std::tuple{4u, 604800u * 2, 604800u}}) {
        CAPTURE(count);
        r.tickets.clear();
        ServerConfig s = r.server();
        s.tickets = count;
        s.ticket_lifetime_seconds = lifetime;
        ConnectionPair pair = r.connect(r.client(), std::move(s));
        REQUIRE(r.tickets.size() == count);
        for (const SessionTicket& t : r.tickets) CHECK(t.lifetime_seconds == expected);
    }
    // No ticket keys: no tickets at all.
    r.tickets.clear();
    ServerConfig s = r.server();
    s.ticket_keys = nullptr;
    ConnectionPair pair = r.connect(r.client(), std::move(s));
    CHECK(r.tickets.empty());
}

TEST_CASE("a HelloRetryRequest, then the PSK with a binder over both ClientHellos (§4.2.11.2)") {
    Resumption r;
    ConnectionPair first = r.full();
    ClientConfig c = r.client();
    c.resume = r.tickets[0];
    c.groups = {NamedGroup::secp256r1, NamedGroup::x25519};
    ServerConfig s = r.server();
    s.groups = {NamedGroup::x25519};
    ConnectionPair second = r.connect(std::move(c), std::move(s));
    CHECK(second.client->session().hello_retry_request);
    CHECK(second.client->session().resumed);
    CHECK(second.server->session().resumed);
    exchange(second);
}

TEST_CASE("a ticket of one suite's hash resumes under another suite of the same hash only") {
    Resumption r;
    ServerConfig s = r.server();
    s.cipher_suites = {CipherSuite::TLS_CHACHA20_POLY1305_SHA256};
    ConnectionPair first = r.connect(r.client(), std::move(s));
    REQUIRE(!r.tickets.empty());
    ServerConfig same_hash = r.server();
    same_hash.cipher_suites = {CipherSuite::TLS_AES_128_GCM_SHA256};
    ConnectionPair second = r.resume(r.tickets[0], std::move(same_hash));
    CHECK(second.server->session().resumed);
    CHECK(second.client->session().suite == CipherSuite::TLS_AES_128_GCM_SHA256);
}

TEST_CASE("the client does not offer a ticket for another server name (§4.6.1)") {
    Resumption r;
    ConnectionPair first = r.full();
    ClientConfig c = r.client();
    c.server_name = "127.0.0.1";
    c.resume = r.tickets[0];
    const Bytes client_hello = client_hello_of(std::move(c), r.clock);
    Reader reader(view(client_hello));
    const ClientHello hello = must(decode_client_hello(must(read_handshake_message(reader)).body));
    CHECK(!has_extension(hello.extensions, ExtensionType::pre_shared_key));
}

TEST_CASE("a previous ticket key still opens tickets after one rotation") {
    Resumption r;
    ConnectionPair first = r.full();
    r.keys->rotate(system_random(), r.clock.unix_seconds());
    ConnectionPair second = r.resume(r.tickets[0], r.server());
    CHECK(second.server->session().resumed);
}

TEST_CASE("negative table: every bad ticket or offer falls back to a full handshake or is an alert") {
    enum class Outcome { resumed, full_handshake, alert };
    struct Row {
        const char* name;
        // Changes the ticket the client offers, the server's configuration or the clock.
        std::function<void(Resumption&, SessionTicket&, ServerConfig&)> setup;
        Outcome outcome;
        AlertDescription alert = AlertDescription::close_notify;
    };
    const Row rows[] = {
        // The control row: the same setup with nothing changed resumes, so each row below
        // fails for its own reason only.
        {"control: the ticket as received", [](Resumption&, SessionTicket&, ServerConfig&) {}, Outcome::resumed},
        {"control: 5 s later, one rotation",
         [](Resumption& r, SessionTicket&, ServerConfig&) {
             r.clock.advance_ms(5000);
             r.keys->rotate(system_random(), r.clock.unix_seconds());
         },
         Outcome::resumed},
        {"tampered ticket (one bit)",
         [](Resumption&, SessionTicket& t, ServerConfig&) { t.ticket[t.ticket.size() / 2] ^= 0x01; },
         Outcome::full_handshake},
        {"ticket not ours (random bytes)",
         [](Resumption&, SessionTicket& t, ServerConfig&) { t.ticket = Bytes(t.ticket.size(), 0x5a); },
         Outcome::full_handshake},
        {"expired ticket, server side (client clock says fresh)",
         [](Resumption& r, SessionTicket& t, ServerConfig&) {
             r.clock.advance_ms(7201ull * 1000);
             t.received_unix_seconds = r.clock.unix_seconds() - 7201;  // consistent age...
             t.lifetime_seconds = 100000;                              // ...but the client ignores the lifetime
         },
         Outcome::full_handshake},
        {"expired ticket, client side (not offered)",
         [](Resumption& r, SessionTicket&, ServerConfig&) { r.clock.advance_ms(7201ull * 1000); },
         Outcome::full_handshake},
        {"ticket key rotated away",
         [](Resumption& r, SessionTicket&, ServerConfig&) {
             for (size_t i = 0; i < TicketKeys::default_capacity; ++i)
                 r.keys->rotate(system_random(), r.clock.unix_seconds());
         },
         Outcome::full_handshake},
        {"ticket for another suite hash (SHA-384 ticket, SHA-256 server)",
         [](Resumption&, SessionTicket&, ServerConfig& s) { s.cipher_suites = {CipherSuite::TLS_AES_128_GCM_SHA256}; },
         Outcome::full_handshake},
        {"obfuscated age 60 s older than the ticket",
         [](Resumption&, SessionTicket& t, ServerConfig&) { t.received_unix_seconds -= 60; }, Outcome::full_handshake},
        {"obfuscated age 60 s younger than the ticket",
         [](Resumption& r, SessionTicket& t, ServerConfig&) {
             r.clock.advance_ms(120'000);
             t.received_unix_seconds += 60;
         },
         Outcome::full_handshake},
        {"wrong age_add", [](Resumption&, SessionTicket& t, ServerConfig&) { t.age_add += 3'600'000; },
         Outcome::full_handshake},
        {"other server name (no SNI now; the ticket was for localhost)",
         [](Resumption&, SessionTicket&, ServerConfig&) {}, Outcome::full_handshake},  // see below
        {"wrong PSK (binder does not verify)",
         [](Resumption&, SessionTicket& t, ServerConfig&) {
             Bytes psk(t.psk.view().begin(), t.psk.view().end());
             psk[0] ^= 0x80;
             t.psk = Secret(view(psk));
         },
         Outcome::alert, AlertDescription::decrypt_error},
    };
    for (const Row& row : rows) {
        CAPTURE(row.name);
        Resumption r;
        ServerConfig first_server = r.server();
        first_server.cipher_suites = {CipherSuite::TLS_AES_256_GCM_SHA384, CipherSuite::TLS_AES_128_GCM_SHA256};
        ConnectionPair first = r.connect(r.client(), std::move(first_server));
        REQUIRE(!r.tickets.empty());
        SessionTicket ticket = r.tickets[0];
        ServerConfig s = r.server();
        s.cipher_suites = {CipherSuite::TLS_AES_256_GCM_SHA384, CipherSuite::TLS_AES_128_GCM_SHA256};
        row.setup(r, ticket, s);
        ClientConfig c = r.client();
        // The certificate also names 127.0.0.1, an IP literal that is not sent as SNI.
        // (The client itself would not offer a ticket for another name: make it think it was.)
        if (std::string(row.name).starts_with("other server name")) {
            c.server_name = "127.0.0.1";
            ticket.server_name = "127.0.0.1";
        }
        c.resume = std::move(ticket);
        ConnectionPair pair = make_pair(std::move(c), std::move(s), system_random(), r.clock);
        const bool done = pair.handshake();
        if (row.outcome == Outcome::resumed) {
            REQUIRE_MESSAGE(done, Resumption::describe(pair));
            CHECK(pair.client->session().resumed);
            CHECK(pair.server->session().resumed);
            CHECK(r.client_signer->signatures == 0);
            exchange(pair);
        } else if (row.outcome == Outcome::full_handshake) {
            REQUIRE_MESSAGE(done, Resumption::describe(pair));
            CHECK(!pair.client->session().resumed);
            CHECK(!pair.server->session().resumed);
            CHECK(r.client_signer->signatures == 1);  // a full handshake: the client signed again
            exchange(pair);
        } else {
            CHECK(!done);
            REQUIRE(pair.server->error());
            CHECK(pair.server->error()->description == row.alert);
            CHECK(!pair.server->alert_was_received());
        }
    }
}

TEST_CASE("negative: a binder changed on the wire is decrypt_error (§4.2.11)") {
    Resumption r;
    ConnectionPair first = r.full();
    ClientConfig c = r.client();
    c.resume = r.tickets[0];
    Bytes client_hello = client_hello_of(std::move(c), r.clock);
    client_hello.back() ^= 0x01;  // the last byte of the ClientHello is the binder's
    const ServerAnswer answer = answer_of(r.server(), view(client_hello), r.clock);
    REQUIRE(answer.alert);
    CHECK(answer.alert->description == AlertDescription::decrypt_error);
}

TEST_CASE("negative: pre_shared_key not the last extension is illegal_parameter (§4.2.11)") {
    Resumption r;
    ConnectionPair first = r.full();
    ClientConfig c = r.client();
    c.resume = r.tickets[0];
    const Bytes client_hello = client_hello_of(std::move(c), r.clock);
    Reader reader(view(client_hello));
    ClientHello hello = must(decode_client_hello(must(read_handshake_message(reader)).body));
    std::rotate(hello.extensions.rbegin(), hello.extensions.rbegin() + 1, hello.extensions.rend());
    REQUIRE(hello.extensions.front().type == ExtensionType::pre_shared_key);
    const ServerAnswer answer = answer_of(r.server(), view(must(encode_handshake(hello))), r.clock);
    REQUIRE(answer.alert);
    CHECK(answer.alert->description == AlertDescription::illegal_parameter);
}

TEST_CASE("psk_ke (no (EC)DHE) is refused unless allowed; psk_dhe_ke is preferred (§4.2.9)") {
    Resumption r;
    ConnectionPair first = r.full();
    const SessionTicket ticket = r.tickets[0];
    ClientConfig c = r.client();
    c.resume = ticket;
    const Bytes offered = client_hello_of(std::move(c), r.clock);
    const auto with_modes = [&](std::vector<PskKeyExchangeMode> modes) {
        return rebound(offered, ticket, [&](ClientHello& hello) {
            for (auto& ext : hello.extensions)
                if (ext.type == ExtensionType::psk_key_exchange_modes) ext = must(encode_psk_key_exchange_modes(modes));
        });
    };
    const Bytes psk_ke_only = with_modes({PskKeyExchangeMode::psk_ke});
    const Bytes both = with_modes({PskKeyExchangeMode::psk_ke, PskKeyExchangeMode::psk_dhe_ke});

    // Refused: a full handshake (no pre_shared_key in the ServerHello, an ECDHE share).
    ServerAnswer answer = answer_of(r.server(), view(psk_ke_only), r.clock);
    REQUIRE(answer.hello);
    CHECK(!has_extension(answer.hello->extensions, ExtensionType::pre_shared_key));
    CHECK(has_extension(answer.hello->extensions, ExtensionType::key_share));
    // Allowed: PSK only, no key_share.
    ServerConfig allowed = r.server();
    allowed.allow_psk_ke = true;
    answer = answer_of(std::move(allowed), view(psk_ke_only), r.clock);
    REQUIRE(answer.hello);
    CHECK(has_extension(answer.hello->extensions, ExtensionType::pre_shared_key));
    CHECK(!has_extension(answer.hello->extensions, ExtensionType::key_share));
    // Both offered and psk_ke allowed: psk_dhe_ke wins.
    allowed = r.server();
    allowed.allow_psk_ke = true;
    answer = answer_of(std::move(allowed), view(both), r.clock);
    REQUIRE(answer.hello);
    CHECK(has_extension(answer.hello->extensions, ExtensionType::pre_shared_key));
    CHECK(has_extension(answer.hello->extensions, ExtensionType::key_share));
}

TEST_CASE("single-use tickets: the second use of a ticket gets a full handshake") {
    Resumption r;
    ConnectionPair first = r.full();
    const SessionTicket ticket = r.tickets[0];
    auto cache = std::make_shared<TicketReplayCache>(16);
    ServerConfig s = r.server();
    s.single_use_tickets = cache;
    ConnectionPair once = r.resume(ticket, s);
    CHECK(once.server->session().resumed);
    ConnectionPair twice = r.resume(ticket, s);
    CHECK(!twice.server->session().resumed);
    CHECK(!twice.client->session().resumed);
    // Without the cache the same ticket resumes again (reusable within its lifetime).
    ConnectionPair reusable = r.resume(ticket, r.server());
    CHECK(reusable.server->session().resumed);
}

TEST_CASE("the replay cache is bounded and forgets expired tickets") {
    TicketReplayCache cache(2);
    const Bytes a{1}, b{2}, c{3};
    CHECK(cache.first_use(view(a), 100, 0));
    CHECK(!cache.first_use(view(a), 100, 0));
    CHECK(cache.first_use(view(b), 200, 0));
    CHECK(!cache.first_use(view(c), 300, 0));  // full: refused, never unbounded
    CHECK(cache.size() == 2);
    CHECK(cache.first_use(view(c), 300, 150));   // a expired and was forgotten
    CHECK(!cache.first_use(view(a), 400, 150));  // full again (b and c live)
    CHECK(cache.first_use(view(a), 400, 250));   // b expired: room again
}

TEST_CASE("client: a ServerHello selecting an identity we did not offer is illegal_parameter (§4.2.11)") {
    Resumption r;
    ConnectionPair first = r.full();
    ClientConfig offering = r.client();
    offering.resume = r.tickets[0];
    auto client = Connection::client(std::move(offering), system_random(), r.clock);
    must(client->start());
    auto [type, client_hello] = first_record(client->take_output());
    REQUIRE(type == 22);
    auto server = Connection::server(r.server(), system_random(), r.clock);
    must(server->receive(view(plaintext_record(view(client_hello)))));
    auto [server_type, server_hello] = first_record(server->take_output());
    REQUIRE(server_type == 22);
    Reader reader(view(server_hello));
    ServerHello hello = must(decode_server_hello(must(read_handshake_message(reader)).body));
    REQUIRE(has_extension(hello.extensions, ExtensionType::pre_shared_key));
    for (auto& ext : hello.extensions)
        if (ext.type == ExtensionType::pre_shared_key) ext = must(encode_pre_shared_key_server_hello(1));
    (void)client->receive(view(plaintext_record(view(must(encode_handshake(hello))))));
    REQUIRE(client->error());
    CHECK(client->error()->description == AlertDescription::illegal_parameter);
}

TEST_CASE("ticket contents round-trip; a sealed ticket opens only under its key, untampered") {
    TicketContents contents;
    contents.suite = CipherSuite::TLS_AES_256_GCM_SHA384;
    contents.resumption_psk = Secret(view(Bytes(48, 0x42)));
    contents.created_unix_seconds = 1'767'225'600;
    contents.age_add = 0xdeadbeef;
    contents.lifetime_seconds = 7200;
    contents.alpn = "h2";
    contents.server_name = "localhost";
    contents.client_identity = PeerIdentity{"CN=device-0001", {"a.example"}, {"127.0.0.1"}, Bytes(32, 0x11)};
    const Bytes encoded = must(encode_ticket_contents(contents));
    CHECK(must(encode_ticket_contents(must(decode_ticket_contents(view(encoded))))) == encoded);
    for (size_t cut = 0; cut < encoded.size(); ++cut) CHECK(!decode_ticket_contents(ByteView(encoded).first(cut)));

    auto keys = TicketKeys::generate(system_random(), 0);
    const Bytes ticket = must(keys->seal(contents, system_random()));
    CHECK(ticket.size() == encoded.size() + TicketKeys::overhead);
    // The PSK is not visible in the ticket.
    CHECK(std::search(ticket.begin(), ticket.end(), encoded.begin() + 4, encoded.begin() + 52) == ticket.end());
    const auto opened = keys->open(view(ticket));
    REQUIRE(opened);
    CHECK(must(encode_ticket_contents(*opened)) == encoded);
    for (size_t i = 0; i < ticket.size(); ++i) {
        Bytes bent = ticket;
        bent[i] ^= 0x01;
        CHECK(!keys->open(view(bent)));
    }
    for (size_t cut = 0; cut < ticket.size(); ++cut) CHECK(!keys->open(ByteView(ticket).first(cut)));
    auto other = TicketKeys::generate(system_random(), 0);
    CHECK(!other->open(view(ticket)));
    // Rotation: previous keys open until they fall out of the ring.
    for (size_t i = 1; i < TicketKeys::default_capacity; ++i) {
        keys->rotate(system_random(), 0);
        CHECK(keys->open(view(ticket)));
    }
    keys->rotate(system_random(), 0);
    CHECK(keys->size() == TicketKeys::default_capacity);
    CHECK(!keys->open(view(ticket)));
}

TEST_CASE("ticket key file: created 0600, shared by two loaders, rotated, clear errors") {
    TempDir dir;
    const std::string path = dir.file("ticket.keys");
    FixedClock clock(1'767'225'600);
    // Missing: a clear error naming the file.
    auto missing = load_ticket_key_file(path);
    REQUIRE(!missing);
    CHECK(missing.error().reason.find(path) != std::string::npos);

    must(create_ticket_key_file(path, system_random(), clock));
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    CHECK(!create_ticket_key_file(path, system_random(), clock));  // never overwritten

    // Two "processes" load the same file: a ticket from one opens in the other.
    auto first = must(load_ticket_key_file(path));
    auto second = must(load_ticket_key_file(path));
    TicketContents contents;
    contents.suite = CipherSuite::TLS_AES_128_GCM_SHA256;
    contents.resumption_psk = Secret(view(Bytes(32, 7)));
    const Bytes ticket = must(first->seal(contents, system_random()));
    CHECK(second->open(view(ticket)));

    // Rotation by the command's function: still opens (previous key), the new key seals, and the
    // running ring picks the change up on reload.
    must(rotate_ticket_key_file(path, system_random(), clock));
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    must(reload_ticket_key_file(path, *second));
    CHECK(second->size() == 2);
    CHECK(second->open(view(ticket)));
    const Bytes newer = must(second->seal(contents, system_random()));
    CHECK(!first->open(view(newer)));  // first has not reloaded
    must(reload_ticket_key_file(path, *first));
    CHECK(first->open(view(newer)));
    for (size_t i = 0; i < TicketKeys::default_capacity; ++i)
        must(rotate_ticket_key_file(path, system_random(), clock));
    must(reload_ticket_key_file(path, *first));
    CHECK(first->size() == TicketKeys::default_capacity);
    CHECK(!first->open(view(ticket)));  // rotated away

    // Corrupt files: clear errors, never a half-loaded ring.
    const std::string good = read_text_file(path);
    const std::string header = "tpmtls-ticket-keys v1\n";
    for (const std::string& bad :
         {std::string(), std::string("garbage\n"), header, header + "zz 00 1\n",
          header + good.substr(header.size(), 20) + "\n", good.substr(0, good.size() - 3) + "x\n"}) {
        CAPTURE(bad);
        const std::string bad_path = dir.write("bad.keys", bad);
        auto loaded = load_ticket_key_file(bad_path);
        REQUIRE(!loaded);
        CHECK(loaded.error().reason.find("corrupt") != std::string::npos);
    }
}

TEST_CASE("the documented ticket layout: a ticket sealed by another implementation opens") {
    // tests/fuzz/corpus/fuzz_ticket_open/sealed_with_identity was sealed with Python's
    // `cryptography` ChaCha20Poly1305 (key 01..20, key id aa*8, AAD = 01 || key id), following
    // the layout in tls13/tickets/ticket_keys.h; its first byte is the fuzzer's mode selector.
    const std::string seed = read_text_file(data_path("../fuzz/corpus/fuzz_ticket_open/sealed_with_identity"));
    REQUIRE(seed.size() > TicketKeys::overhead + 1);
    TicketKeys keys(1);
    TicketKeys::Entry entry;
    entry.id.fill(0xaa);
    Bytes key(32);
    for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i + 1);
    entry.key = Key(view(key));
    std::vector<TicketKeys::Entry> entries;
    entries.push_back(std::move(entry));
    must(keys.install(std::move(entries)));
    const auto opened = keys.open(view(std::string_view(seed).substr(1)));
    REQUIRE(opened);
    CHECK(opened->suite == CipherSuite::TLS_AES_128_GCM_SHA256);
    CHECK(opened->age_add == 0xfad6aac5);
    CHECK(opened->server_name == "localhost");
    REQUIRE(opened->client_identity);
    CHECK(opened->client_identity->subject == "CN=device-0001, O=tpmtls tests");
}

TEST_CASE("the server picks the first acceptable identity and checks only its binder (§4.2.11)") {
    Resumption r;
    ConnectionPair first = r.full();
    const SessionTicket ticket = r.tickets[0];
    const SessionTicket second_ticket = r.tickets[1];
    ClientConfig c = r.client();
    c.resume = ticket;
    const Bytes offered = client_hello_of(std::move(c), r.clock);
    Reader reader(view(offered));
    const ClientHello original = must(decode_client_hello(must(read_handshake_message(reader)).body));
    const OfferedPsks ours = must(decode_pre_shared_key_client_hello(view(original.extensions.back().data)));

    // identities = `identities`; binders: the real one at `bound`, zeros elsewhere.
    const auto with_identities = [&](std::vector<PskIdentity> identities, size_t bound, const SessionTicket& t) {
        ClientHello hello = original;
        OfferedPsks psks;
        psks.identities = std::move(identities);
        psks.binders.assign(psks.identities.size(), Bytes(32, 0));
        hello.extensions.back() = must(encode_pre_shared_key_client_hello(psks));
        const Bytes placeholder = must(encode_handshake(hello));
        const Secret binder =
            must(resumption_binder(HashAlgorithm::sha256, t.psk.view(), view(placeholder), Transcript()));
        psks.binders[bound] = to_bytes(binder.view());
        must(set_psk_binders(hello, psks.binders));
        return must(encode_handshake(hello));
    };
    const auto selected = [&](const Bytes& hello) -> std::optional<uint16_t> {
        const ServerAnswer answer = answer_of(r.server(), view(hello), r.clock);
        REQUIRE(answer.hello);
        auto data = find_extension(answer.hello->extensions, ExtensionType::pre_shared_key);
        if (!data) return std::nullopt;
        return must(decode_pre_shared_key_server_hello(*data));
    };
    const PskIdentity unknown{Bytes(100, 0x33), 0};
    PskIdentity other = ours.identities[0];
    other.identity = second_ticket.ticket;
    other.obfuscated_ticket_age = obfuscated_ticket_age(second_ticket, r.clock);

    // An unknown identity first: skipped, ours (index 1) chosen.
    CHECK(selected(with_identities({unknown, ours.identities[0]}, 1, ticket)) == uint16_t{1});
    // Two good tickets: the first is chosen.
    CHECK(selected(with_identities({ours.identities[0], other}, 0, ticket)) == uint16_t{0});
    // The first acceptable one's binder is wrong (the good binder is on the second): decrypt_error,
    // not a quiet move to the next identity.
    const ServerAnswer bad =
        answer_of(r.server(), view(with_identities({ours.identities[0], other}, 1, second_ticket)), r.clock);
    REQUIRE(bad.alert);
    CHECK(bad.alert->description == AlertDescription::decrypt_error);
    // Nothing acceptable: a full handshake.
    CHECK(!selected(with_identities({unknown}, 0, ticket)));
}
