// The client's ticket store (client/ticket_store.h): newest first and single use, expiry by
// wall-clock lifetime (7-day cap, RFC 8446 §4.6.1), separation per (server name, port, ALPN),
// bounds, persistence across store objects and processes' restarts (ages re-anchored), the
// file's mode and atomic replacement, and every damaged or unreadable file ignored with a
// warning. The file format's decoder gets a table of malformed inputs.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include "client/ticket_store.h"
#include "client/ticket_store_codec.h"
#include "support/interop.h"
#include "support/paths.h"
#include "support/peer_process.h"
#include "support/result_testing.h"
#include "tls13/crypto/hash.h"
#include "tls13/tickets/ticket_keys.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

constexpr int64_t start_unix = 1'800'000'000;

// A ticket whose bytes and PSK are derived from `label`, received "now" on `clock`.
SessionTicket make_ticket(const std::string& label, const Clock& clock, uint32_t lifetime = 3600,
                          CipherSuite suite = CipherSuite::TLS_AES_128_GCM_SHA256) {
    SessionTicket t;
    t.suite = suite;
    t.ticket = to_bytes(view("ticket:" + label));
    t.lifetime_seconds = lifetime;
    t.age_add = 0x01020304;
    t.received_ms = clock.monotonic_ms();
    t.received_unix_seconds = clock.unix_seconds();
    const HashAlgorithm alg = suite == CipherSuite::TLS_AES_256_GCM_SHA384 ? HashAlgorithm::sha384 : HashAlgorithm::sha256;
    t.psk = Secret(view(hash(alg, view("psk:" + label))));
    t.server_name = "server.example";
    t.alpn = "h2";
    return t;
}

std::string label_of(const std::optional<SessionTicket>& t) {
    REQUIRE(t.has_value());
    const std::string text(t->ticket.begin(), t->ticket.end());
    return text.substr(std::string("ticket:").size());
}

Bytes read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, ByteView data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

bool contains(ByteView haystack, ByteView needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

const TicketKey key_a{"server.example", 443, "h2"};

struct Collected {
    std::vector<std::string> warnings;
    TicketStoreOptions options(const std::string& path) {
        TicketStoreOptions o;
        o.path = path;
        o.on_warning = [this](const std::string& w) { warnings.push_back(w); };
        return o;
    }
};

}  // namespace

TEST_CASE("tickets come out newest first, each once") {
    FixedClock clock(start_unix, 1'000'000);
    auto store = TicketStore::open({}, clock);
    store->put(key_a, make_ticket("first", clock));
    clock.advance_ms(2000);
    store->put(key_a, make_ticket("second", clock));
    clock.advance_ms(2000);
    store->put(key_a, make_ticket("third", clock));
    CHECK(store->size() == 3);
    CHECK(label_of(store->take(key_a)) == "third");
    CHECK(label_of(store->take(key_a)) == "second");
    CHECK(label_of(store->take(key_a)) == "first");
    CHECK_FALSE(store->take(key_a).has_value());
    CHECK(store->size() == 0);

    SUBCASE("two tickets of one connection (same second): the later one first") {
        store->put(key_a, make_ticket("nst-1", clock));
        store->put(key_a, make_ticket("nst-2", clock));
        CHECK(label_of(store->take(key_a)) == "nst-2");
        CHECK(label_of(store->take(key_a)) == "nst-1");
    }
}

TEST_CASE("a taken ticket keeps every field and its age") {
    FixedClock clock(start_unix, 1'000'000);
    auto store = TicketStore::open({}, clock);
    SessionTicket original = make_ticket("fields", clock, 7200, CipherSuite::TLS_AES_256_GCM_SHA384);
    original.max_early_data = 16384;
    original.server_identity = PeerIdentity{"CN=server.example, O=tests", {"server.example", "*.example"},
                                            {"127.0.0.1"}, Bytes(32, 0xab)};
    const SessionTicket expected = original;
    store->put(key_a, std::move(original));
    CHECK(original.psk.empty());  // moved in: the caller's copy is wiped
    clock.advance_ms(5000);
    std::optional<SessionTicket> t = store->take(key_a);
    REQUIRE(t.has_value());
    CHECK(t->suite == expected.suite);
    CHECK(t->ticket == expected.ticket);
    CHECK(t->lifetime_seconds == 7200);
    CHECK(t->age_add == expected.age_add);
    CHECK(t->max_early_data == 16384);
    CHECK(constant_time_equal(t->psk.view(), expected.psk.view()));
    CHECK(t->server_name == "server.example");
    CHECK(t->alpn == "h2");
    REQUIRE(t->server_identity.has_value());
    CHECK(t->server_identity->subject == expected.server_identity->subject);
    CHECK(t->server_identity->dns_names == expected.server_identity->dns_names);
    CHECK(t->server_identity->ip_addresses == expected.server_identity->ip_addresses);
    CHECK(t->server_identity->sha256_fingerprint == expected.server_identity->sha256_fingerprint);
    CHECK(t->age_ms(clock) == 5000);
    CHECK(clock.monotonic_ms() - t->received_ms == 5000);
}

TEST_CASE("expired tickets are never handed out") {
    FixedClock clock(start_unix, 1'000'000);
    auto store = TicketStore::open({}, clock);
    store->put(key_a, make_ticket("short", clock, 10));
    store->put(key_a, make_ticket("forever", clock, 0xffffffff));
    store->put(key_a, make_ticket("discard", clock, 0));  // RFC 8446 §4.6.1: lifetime 0 = discard
    CHECK(store->size() == 2);
    clock.advance_ms(9'000);
    CHECK(store->size(key_a) == 2);
    clock.advance_ms(1'000);
    CHECK(store->size(key_a) == 1);  // at received + lifetime it is gone
    // Longer lifetimes are capped at 7 days.
    clock.advance_ms(604'800'000 - 10'000 - 1'000);
    CHECK(store->size(key_a) == 1);
    clock.advance_ms(1'000);
    CHECK_FALSE(store->take(key_a).has_value());

    SUBCASE("a ticket from the future (the wall clock went back) is dropped") {
        FixedClock later(start_unix + 3600, 5'000'000);
        auto shared_file_store = TicketStore::open({}, later);
        shared_file_store->put(key_a, make_ticket("x", later));
        later.set(start_unix);
        CHECK_FALSE(shared_file_store->take(key_a).has_value());
    }
}

TEST_CASE("tickets are kept apart by server name, port and ALPN") {
    FixedClock clock(start_unix, 1'000'000);
    auto store = TicketStore::open({}, clock);
    const TicketKey other_name{"other.example", 443, "h2"};
    const TicketKey other_port{"server.example", 8443, "h2"};
    const TicketKey other_alpn{"server.example", 443, ""};
    store->put(key_a, make_ticket("a", clock));
    store->put(other_name, make_ticket("name", clock));
    store->put(other_port, make_ticket("port", clock));
    store->put(other_alpn, make_ticket("alpn", clock));
    CHECK(label_of(store->take(other_port)) == "port");
    CHECK_FALSE(store->take(other_port).has_value());
    CHECK(label_of(store->take(other_alpn)) == "alpn");
    CHECK(label_of(store->take(other_name)) == "name");
    CHECK(label_of(store->take(key_a)) == "a");
    CHECK(TicketKey::for_connection("h", 1, {"h2", "http/1.1"}) == TicketKey{"h", 1, "h2,http/1.1"});
    CHECK(TicketKey::for_connection("h", 1, {}).to_string() == "h:1");
}

TEST_CASE("the store is bounded per key and in keys") {
    FixedClock clock(start_unix, 1'000'000);
    TicketStoreOptions options;
    options.max_tickets_per_key = 2;
    options.max_keys = 2;
    auto store = TicketStore::open(options, clock);
    for (const char* label : {"1", "2", "3"}) {
        store->put(key_a, make_ticket(label, clock));
        clock.advance_ms(1000);
    }
    CHECK(store->size(key_a) == 2);
    const TicketKey b{"b.example", 443, ""};
    const TicketKey c{"c.example", 443, ""};
    store->put(b, make_ticket("b", clock));
    clock.advance_ms(1000);
    store->put(c, make_ticket("c", clock));
    // key_a's newest ticket is the oldest newest one: that key goes.
    CHECK(store->size(key_a) == 0);
    CHECK(store->size(b) == 1);
    CHECK(store->size(c) == 1);
}

TEST_CASE("a second store object (a new process) on the same file resumes, and each ticket is used once") {
    TempDir dir;
    const std::string path = dir.file("tickets");
    Collected collected;
    FixedClock clock(start_unix, 1'000'000);
    {
        auto first = TicketStore::open(collected.options(path), clock);
        first->put(key_a, make_ticket("old", clock));
        clock.advance_ms(3000);
        first->put(key_a, make_ticket("new", clock));
    }
    // "Restart": a new process whose monotonic clock starts elsewhere, 100 s later in wall time.
    FixedClock restarted(start_unix + 103, 7'000'000);
    auto second = TicketStore::open(collected.options(path), restarted);
    auto third = TicketStore::open(collected.options(path), restarted);
    CHECK(second->size() == 2);
    std::optional<SessionTicket> t = second->take(key_a);
    CHECK(label_of(t) == "new");
    CHECK(t->age_ms(restarted) == 100'000);  // the age survived the restart
    CHECK(restarted.monotonic_ms() - t->received_ms == 100'000);
    CHECK(label_of(third->take(key_a)) == "old");  // "new" is gone for the other object too
    CHECK_FALSE(second->take(key_a).has_value());
    CHECK(collected.warnings.empty());

    SUBCASE("a restart soon after boot: the age is as large as the monotonic clock allows") {
        auto store = TicketStore::open(collected.options(path), clock);
        store->put(key_a, make_ticket("boot", clock));
        FixedClock booted(start_unix + 3000, 2'000);
        std::optional<SessionTicket> early = TicketStore::open(collected.options(path), booted)->take(key_a);
        REQUIRE(early.has_value());
        CHECK(early->received_ms == 0);
    }
}

TEST_CASE("the file is 0600, replaced atomically, and holds no PSK once its ticket is taken") {
    TempDir dir;
    const std::string path = dir.file("tickets");
    FixedClock clock(start_unix, 1'000'000);
    Collected collected;
    auto store = TicketStore::open(collected.options(path), clock);
    const SessionTicket first = make_ticket("first", clock);
    store->put(key_a, SessionTicket(first));

    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    REQUIRE(::stat((path + ".lock").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    const Bytes before = read_bytes(path);
    CHECK(contains(view(before), first.psk.view()));
    REQUIRE(::stat(path.c_str(), &info) == 0);
    const ino_t inode_before = info.st_ino;

    // A reader that opened the old file keeps reading a whole old file while it is replaced.
    std::ifstream old_reader(path, std::ios::binary);
    const SessionTicket second = make_ticket("second", clock);
    store->put(key_a, SessionTicket(second));
    const Bytes old_contents{std::istreambuf_iterator<char>(old_reader), {}};
    CHECK(old_contents == before);
    auto old_decoded = decode_ticket_store(view(old_contents));
    REQUIRE(old_decoded.ok());
    CHECK(old_decoded->size() == 1);
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK(info.st_ino != inode_before);  // renamed over, not rewritten in place
    CHECK((info.st_mode & 0777) == 0600);

    CHECK(label_of(store->take(key_a)) == "second");
    const Bytes after = read_bytes(path);
    CHECK_FALSE(contains(view(after), second.psk.view()));
    CHECK(contains(view(after), first.psk.view()));
    CHECK(label_of(store->take(key_a)) == "first");
    CHECK_FALSE(contains(view(read_bytes(path)), first.psk.view()));

    // No temporary file is left behind.
    const CommandResult listing = run_command({"ls", "-A", dir.path()});
    CHECK(listing.out == "tickets\ntickets.lock\n");
    CHECK(collected.warnings.empty());
}

TEST_CASE("a damaged or unreadable store is ignored with a warning, never fatal") {
    TempDir dir;
    const std::string path = dir.file("tickets");
    FixedClock clock(start_unix, 1'000'000);
    {
        auto store = TicketStore::open(TicketStoreOptions{path, 4, 64, {}}, clock);
        store->put(key_a, make_ticket("one", clock));
        store->put(key_a, make_ticket("two", clock));
    }
    const Bytes good = read_bytes(path);
    REQUIRE(decode_ticket_store(view(good)).ok());

    struct Case {
        const char* name;
        Bytes contents;
        const char* warning;
    };
    Bytes flipped = good;
    flipped[flipped.size() / 2] ^= 0x40;
    Bytes bad_version = good;
    bad_version[9] = 2;
    std::vector<Case> cases = {
        {"empty file", {}, "too short"},
        {"garbage", to_bytes(view(std::string(300, 'x'))), "bad magic"},
        {"truncated by one byte", Bytes(good.begin(), good.end() - 1), "checksum"},
        {"cut in half", Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2)), "checksum"},
        {"one bit flipped", flipped, "checksum"},
        {"a future version", bad_version, "version 2"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        write_bytes(path, view(c.contents));
        Collected collected;
        auto store = TicketStore::open(collected.options(path), clock);
        REQUIRE(collected.warnings.size() == 1);
        CHECK(collected.warnings[0].find(c.warning) != std::string::npos);
        CHECK(collected.warnings[0].find(path) != std::string::npos);
        CHECK(store->size() == 0);
        CHECK_FALSE(store->take(key_a).has_value());
        CHECK(store->warnings() == collected.warnings);  // reported once, not at every operation
        // The next ticket replaces the damaged file with a good one.
        store->put(key_a, make_ticket("fresh", clock));
        CHECK(decode_ticket_store(view(read_bytes(path))).ok());
        CHECK(label_of(TicketStore::open(collected.options(path), clock)->take(key_a)) == "fresh");
        CHECK(collected.warnings.size() == 1);
    }

    SUBCASE("a path that cannot be read (a directory): tickets still work in memory") {
        const std::string directory = dir.file("a-directory");
        REQUIRE(::mkdir(directory.c_str(), 0700) == 0);
        Collected collected;
        auto store = TicketStore::open(collected.options(directory), clock);
        REQUIRE_FALSE(collected.warnings.empty());
        CHECK(collected.warnings[0].find("not a regular file") != std::string::npos);
        store->put(key_a, make_ticket("in-memory", clock));
        CHECK(label_of(store->take(key_a)) == "in-memory");
        const auto saved_warning = std::find_if(collected.warnings.begin(), collected.warnings.end(),
                                                [](const std::string& w) { return w.find("not saved") != std::string::npos; });
        CHECK(saved_warning != collected.warnings.end());
    }
    SUBCASE("a directory that does not exist: warnings, tickets in memory") {
        Collected collected;
        auto store = TicketStore::open(collected.options(dir.file("missing/tickets")), clock);
        store->put(key_a, make_ticket("kept", clock));
        CHECK_FALSE(collected.warnings.empty());
        CHECK(label_of(store->take(key_a)) == "kept");
    }
}

TEST_CASE("the file format rejects every malformed body with decode_error") {
    FixedClock clock(start_unix, 1'000'000);
    std::vector<StoredTicket> tickets(1);
    tickets[0].key = key_a;
    tickets[0].ticket = make_ticket("codec", clock);
    tickets[0].ticket.server_identity = PeerIdentity{"CN=s", {"a", "b"}, {}, Bytes(32, 1)};
    Bytes good;
    must(encode_ticket_store(tickets, good));
    CHECK(good.size() <= encoded_ticket_store_size(tickets));
    auto decoded = must(decode_ticket_store(view(good)));
    REQUIRE(decoded.size() == 1);
    CHECK(decoded[0].key == key_a);
    Bytes again;
    must(encode_ticket_store(decoded, again));
    CHECK(again == good);

    // Mutations of the body with the checksum recomputed, so the parser itself must object.
    const auto resealed = [](Bytes body) {
        const Bytes checksum = hash(HashAlgorithm::sha256, view(body));
        body.insert(body.end(), checksum.begin(), checksum.end());
        return body;
    };
    const Bytes body(good.begin(), good.end() - 32);
    const size_t entry = 8 + 2 + 4;  // magic, version, count
    struct Case {
        const char* name;
        Bytes file;
        const char* reason;
    };
    Bytes more_entries = body;
    more_entries[entry - 1] = 2;  // count 2, one entry present
    Bytes trailing = body;
    trailing.push_back(0);
    Bytes unknown_suite = body;
    const size_t suite_at = entry + 3 + 1 + key_a.server_name.size() + 2 + 2 + key_a.alpn.size();
    unknown_suite[suite_at] = 0x13;
    unknown_suite[suite_at + 1] = 0x99;
    Bytes sha384_suite = body;  // a 32-byte PSK cannot belong to a SHA-384 suite
    sha384_suite[suite_at + 1] = 0x02;
    Bytes empty_name = body;
    empty_name[entry + 3] = 0;
    const std::vector<Case> cases = {
        {"count larger than the entries", resealed(more_entries), ""},
        {"trailing bytes", resealed(trailing), "trailing bytes"},
        {"unknown suite", resealed(unknown_suite), "unknown cipher suite"},
        {"PSK length does not fit the suite", resealed(sha384_suite), "PSK length"},
        {"empty server name", resealed(empty_name), ""},
        {"header only", resealed(Bytes(body.begin(), body.begin() + 10)), ""},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        auto result = decode_ticket_store(view(c.file));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().description == AlertDescription::decode_error);
        CHECK(result.error().reason.find(c.reason) != std::string::npos);
    }
}

TEST_CASE("a ticket without a wall-clock receipt time is dated from its monotonic one") {
    FixedClock clock(start_unix, 1'000'000);
    auto store = TicketStore::open({}, clock);
    SessionTicket t = make_ticket("monotonic", clock);
    t.received_unix_seconds = 0;
    t.received_ms = clock.monotonic_ms() - 3000;
    store->put(key_a, std::move(t));
    std::optional<SessionTicket> taken = store->take(key_a);
    REQUIRE(taken.has_value());
    CHECK(taken->received_unix_seconds == start_unix - 3);
    CHECK(taken->age_ms(clock) == 3000);
}

TEST_CASE("the fuzzer's seed files are valid stores (they follow the format)") {
    const auto seed = [](const std::string& name) { return read_bytes(data_path("../fuzz/corpus/fuzz_ticket_store/" + name)); };
    auto three = must(decode_ticket_store(view(seed("three_tickets"))));
    REQUIRE(three.size() == 3);
    CHECK(three[0].key.to_string() == "server.example:443 (ALPN h2)");
    REQUIRE(three[0].ticket.server_identity.has_value());
    CHECK(three[0].ticket.server_identity->ip_addresses == std::vector<std::string>{"127.0.0.1", "::1"});
    CHECK_FALSE(three[1].ticket.server_identity.has_value());
    CHECK(must(decode_ticket_store(view(seed("empty_store")))).empty());
    CHECK(must(decode_ticket_store(view(seed("one_ticket")))).size() == 1);
}

TEST_CASE("TlsClient with a ticket store: the first connection stores tickets, the next one resumes") {
    TempDir dir;
    const PkiFiles& files = pki_files();
    ServerConfig config = server_config(files.pki, ClientAuthMode::required);
    config.ticket_keys = TicketKeys::generate(system_random(), system_clock().unix_seconds());
    EchoServer server(std::move(config));

    Collected collected;
    ConnectOptions options(test_timeouts());
    options.tickets = TicketStore::open(collected.options(dir.file("tickets")));
    const TicketKey key = TicketKey::for_connection("127.0.0.1", server.port(), {});

    size_t application_tickets = 0;
    const auto connect = [&] {
        ClientConfig client = client_config(files.pki, true);
        client.server_name = "127.0.0.1";
        client.on_session_ticket = [&](SessionTicket t) {
            CHECK_FALSE(t.psk.empty());
            ++application_tickets;
        };
        auto connection = TlsClient::connect("127.0.0.1", server.port(), std::move(client), options);
        REQUIRE_MESSAGE(connection, (connection ? "" : connection.error().to_string()));
        REQUIRE((*connection)->send(view(std::string("ping"))));
        CHECK(receive_until(**connection, "echo: ping") == "echo: ping");
        CHECK(must((*connection)->wait_for_ticket(step_timeout)));
        return std::move(connection).value();
    };

    auto first = connect();
    CHECK_FALSE(first->resumption_offered());
    CHECK_FALSE(first->session().resumed);
    CHECK(first->tickets_received() >= 1);
    CHECK(application_tickets == first->tickets_received());  // the application still gets them
    CHECK(first->close());
    const size_t stored = options.tickets->size(key);
    CHECK(stored == first->tickets_received());

    // A new store object on the same file, as a restarted process would open it.
    options.tickets = TicketStore::open(collected.options(dir.file("tickets")));
    auto second = connect();
    CHECK(second->resumption_offered());
    CHECK(second->session().resumed);
    CHECK(second->close());
    const auto resumed = server.session(1);
    REQUIRE(resumed.has_value());
    CHECK(resumed->resumed);
    REQUIRE(resumed->peer_identity.has_value());
    CHECK(resumed->peer_identity->subject == "CN=device-0001, O=tpmtls tests");
    // One ticket used, the new connection's tickets added.
    CHECK(options.tickets->size(key) == stored - 1 + second->tickets_received());

    SUBCASE("resumption off: no store, a full handshake every time") {
        ConnectOptions off(test_timeouts());
        ClientConfig client = client_config(files.pki, true);
        auto plain = must(TlsClient::connect("127.0.0.1", server.port(), std::move(client), off));
        CHECK_FALSE(plain->resumption_offered());
        CHECK_FALSE(plain->session().resumed);
    }
    SUBCASE("a connection that cannot be made does not use up a ticket") {
        const size_t before = options.tickets->size(key);
        const uint16_t closed_port = free_loopback_port();
        ClientConfig client = client_config(files.pki, true);
        CHECK_FALSE(TlsClient::connect("127.0.0.1", closed_port, std::move(client), options));
        CHECK(options.tickets->size(key) == before);
    }
    CHECK(collected.warnings.empty());
}

TEST_CASE("store objects racing on one file (as processes would) hand out each ticket once") {
    TempDir dir;
    const std::string path = dir.file("tickets");
    TicketStoreOptions options;
    options.path = path;
    options.max_tickets_per_key = 64;
    auto filler = TicketStore::open(options);
    constexpr int ticket_count = 40;
    for (int i = 0; i < ticket_count; ++i) filler->put(key_a, make_ticket(std::to_string(i), system_clock()));
    REQUIRE(filler->size(key_a) == ticket_count);

    // Each thread has its own store object, so its own lock file descriptor: flock() excludes
    // them from each other exactly as it would separate processes.
    std::mutex mutex;
    std::vector<std::string> taken;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            auto store = TicketStore::open(options);
            while (std::optional<SessionTicket> ticket = store->take(key_a)) {
                const std::lock_guard lock(mutex);
                taken.emplace_back(ticket->ticket.begin(), ticket->ticket.end());
            }
        });
    for (std::thread& thread : threads) thread.join();
    std::sort(taken.begin(), taken.end());
    CHECK(taken.size() == static_cast<size_t>(ticket_count));
    CHECK(std::adjacent_find(taken.begin(), taken.end()) == taken.end());
    CHECK(TicketStore::open(options)->size() == 0);
}
