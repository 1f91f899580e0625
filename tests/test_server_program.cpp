// `tpmtls server` as a user runs it (issue 7 point 2): 200 clients connected at once, a silent
// client timed out without blocking others, SIGTERM stops it cleanly, GET_SECRET with and without
// a client certificate, the HTTP status page, IPv6, and `tpmtls client` against it.
#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <latch>
#include <thread>

#include "client/tls_client.h"
#include "support/cli_programs.h"
#include "support/connection_pair.h"
#include "support/paths.h"
#include "support/swtpm.h"
#include "tpm/context.h"
#include "tpm/key_file.h"
#include "tpm/keys.h"
#include "tpm/tpm_signer.h"

using namespace tpmtls;
using namespace tpmtls::test;
using std::chrono::milliseconds;

namespace {

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

ClientTimeouts generous() {
    ClientTimeouts t;
    t.connect = t.handshake = t.read = t.write = milliseconds(30'000);
    return t;
}

// Everything the server sends until its close_notify.
Result<std::string> read_to_close(TlsClient& client) {
    std::string answer;
    for (;;) {
        Bytes data = TRY(client.receive());
        if (data.empty()) return answer;
        answer += text(data);
    }
}

Result<std::string> ask(uint16_t port, bool with_certificate, const std::string& request) {
    auto client = TRY(TlsClient::connect("127.0.0.1", port, client_config_for(shared_test_pki(), with_certificate),
                                         generous()));
    TRY(client->send(view(request)));
    return read_to_close(*client);
}

void raise_file_limit(rlim_t wanted) {
    rlimit limit{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &limit) == 0);
    if (limit.rlim_cur >= wanted) return;
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &limit) == 0);  // the server process inherits it
}

}  // namespace

TEST_CASE("tpmtls client with its key in a TPM (swtpm, TSS2 key file) fetches the secret; the trace shows TPM time") {
    Swtpm swtpm;
    PkiFiles files;
    std::string key_file, cert_file;
    {
        // The key is made in the TPM and its certificate issued by the test CA; the context is
        // closed before the client runs (swtpm serves one connection at a time).
        tpm::ContextOptions options;
        options.tcti = swtpm.tcti();
        auto ctx = tpm::TpmContext::open(options);
        REQUIRE_MESSAGE(ctx, (ctx ? "" : ctx.error().to_string()));
        auto blob = tpm::create_p256_signing_key(**ctx);
        REQUIRE(blob);
        auto pem = write_tss2_key_file(Tss2KeyFile{true, 0x40000001, blob->public_area, blob->private_area});
        REQUIRE(pem);
        key_file = files.dir.write("client.tss2", *pem);
        auto key = tpm::load_key(*ctx, *blob);
        REQUIRE(key);
        auto signer = tpm::TpmSigner::create(std::move(*key));
        REQUIRE(signer);
        CertificateSpec spec;
        spec.subject = "CN=tpm-device, O=tpmtls tests";
        spec.server_auth = false;
        const auto issued = issue_certificate_for_public_key(spec, view((*signer)->public_key_der()), shared_test_pki().root);
        cert_file = files.dir.write("client-tpm.pem", issued.pem);
    }
    ServerProgram server(files, {"--cafile", files.ca});
    const std::vector<std::string> argv = {cli_path(), "client", "--connect", server.connect_argument(), "--cafile",
                                           files.ca, "--cert", cert_file, "--key", key_file, "--tcti", swtpm.tcti(),
                                           "--trace"};
    const CommandResult run = run_command(argv, milliseconds(30'000));
    INFO(run.transcript);
    CHECK(run.exit_status == 0);
    CHECK(run.out == "THIS_IS_THE_SECRET\n");
    CHECK(run.err.find("signature by TPM key") != std::string::npos);
    // The timing line of the step that signed counts the TPM's time.
    const size_t step = run.err.find("sent CertificateVerify, sent Finished): ");
    REQUIRE(step != std::string::npos);
    const std::string timing = run.err.substr(step, run.err.find('\n', step) - step);
    CHECK_MESSAGE(timing.find("TPM/signer 0.000 ms") == std::string::npos, timing);
    CHECK(server.process().wait_for_output("client \"CN=tpm-device, O=tpmtls tests\"", milliseconds(5000)));
}

TEST_CASE("the server holds 200 clients connected at once and answers every one") {
    constexpr size_t clients = 200;
    raise_file_limit(4 * clients + 64);
    PkiFiles files;
    ServerProgram server(files, {"--cafile", files.ca, "--max-connections", "256", "--handshake-timeout", "60"});

    std::atomic<size_t> connected{0}, answered{0};
    std::latch all_connected(static_cast<std::ptrdiff_t>(clients));
    std::vector<std::string> errors(clients);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < clients; ++i) {
        threads.emplace_back([&, i] {
            auto client = TlsClient::connect("127.0.0.1", server.port(), client_config_for(shared_test_pki(), true),
                                             generous());
            if (client) ++connected;
            else errors[i] = "connect: " + client.error().to_string();
            // Every client holds its connection until all 200 are connected: then the server
            // has 200 at once.
            all_connected.arrive_and_wait();
            if (!client) return;
            if (auto sent = (*client)->send(view(std::string("GET_SECRET"))); !sent) {
                errors[i] = "send: " + sent.error().to_string();
                return;
            }
            auto answer = read_to_close(**client);
            if (answer && *answer == "THIS_IS_THE_SECRET\n") ++answered;
            else errors[i] = answer ? "answer: " + *answer : "receive: " + answer.error().to_string();
        });
    }
    // Keep the server's log flowing while the clients work (bounded: 120 s).
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    auto failed = [&] {
        return static_cast<size_t>(std::count_if(errors.begin(), errors.end(), [](const auto& e) { return !e.empty(); }));
    };
    while (answered.load() + failed() < clients && std::chrono::steady_clock::now() < end)
        server.process().pump(milliseconds(50));
    for (auto& t : threads) t.join();
    for (const auto& e : errors) CHECK_MESSAGE(e.empty(), e);
    CHECK(connected.load() == clients);
    CHECK(answered.load() == clients);
    REQUIRE(server.process().wait_for_output("", milliseconds(100)));
    for (int i = 0; i < 40 && count_lines_with(server.process().output(), "GET_SECRET -> secret sent") < clients; ++i)
        server.process().pump(milliseconds(50));
    CHECK(count_lines_with(server.process().output(), "GET_SECRET -> secret sent") == clients);
    CHECK(count_lines_with(server.process().output(), "full, client \"CN=device-0001") == clients);
}

TEST_CASE("a silent client times out in its handshake without blocking the others") {
    PkiFiles files;
    ServerProgram server(files, {"--cafile", files.ca, "--handshake-timeout", "1"});
    auto silent = net::connect_tcp("127.0.0.1", server.port(), milliseconds(5000));
    REQUIRE(silent);
    const auto start = std::chrono::steady_clock::now();
    // While the silent one hangs, another client is served at once.
    auto answer = ask(server.port(), true, "GET_SECRET");
    REQUIRE_MESSAGE(answer, (answer ? "" : answer.error().to_string()));
    CHECK(*answer == "THIS_IS_THE_SECRET\n");
    CHECK(std::chrono::steady_clock::now() - start < milliseconds(1000));
    // The silent client sees end of stream after the handshake timeout (bounded wait).
    auto ready = net::wait_ready(silent->get(), POLLIN, milliseconds(10'000));
    REQUIRE((ready && *ready));
    std::array<uint8_t, 16> buffer{};
    auto n = net::read_some(silent->get(), buffer);
    CHECK((!n || (*n && **n == 0)));
    CHECK(server.process().wait_for_output("handshake timed out after 1000 ms in START", milliseconds(5000)));
}

TEST_CASE("SIGTERM stops the server cleanly: connected clients get close_notify, exit status 0") {
    PkiFiles files;
    ServerProgram server(files, {"--cafile", files.ca});
    auto client = TlsClient::connect("127.0.0.1", server.port(), client_config_for(shared_test_pki(), true), generous());
    REQUIRE(client);
    // Make sure the server has seen the client's Finished before it is told to stop.
    REQUIRE((*client)->send(view(std::string("GET"))));
    server.process().pump(milliseconds(200));
    REQUIRE(kill(server.process().pid(), SIGTERM) == 0);
    auto rest = (*client)->receive();
    REQUIRE_MESSAGE(rest, (rest ? "" : rest.error().to_string()));
    CHECK(rest->empty());
    CHECK((*client)->peer_closed());
    const auto status = server.process().wait(milliseconds(5000));
    REQUIRE(status);
    CHECK(*status == 0);
    // What it wrote before exiting is still in the pipe.
    CHECK(server.process().wait_for_output("stopped", milliseconds(5000)));
    // The connection's log line was written before the process ended.
    CHECK(count_lines_with(server.process().output(), "full, client \"CN=device-0001, O=tpmtls tests\"") == 1);
}

TEST_CASE("GET_SECRET: the secret for an authenticated client, a refusal line otherwise") {
    PkiFiles files;
    const std::string secret_file = files.dir.write("secret.txt", "s3cr3t from a file\n");
    ServerProgram server(files, {"--cafile", files.ca, "--client-auth", "optional", "--secret-file", secret_file});
    auto with = ask(server.port(), true, "GET_SECRET");
    REQUIRE(with);
    CHECK(*with == "s3cr3t from a file\n");
    auto without = ask(server.port(), false, "GET_SECRET");
    REQUIRE(without);
    CHECK(*without == "REFUSED: GET_SECRET needs a client certificate; none was presented\n");
    auto other = ask(server.port(), true, "PLEASE");
    REQUIRE(other);
    CHECK(other->rfind("ERROR: unknown request", 0) == 0);
    CHECK(server.process().wait_for_output("no client certificate, handshake", milliseconds(5000)));
    CHECK(server.process().wait_for_output("GET_SECRET -> refused (no client certificate)", milliseconds(5000)));

    // Required client auth (the default with --cafile): no certificate, no connection.
    ServerProgram strict(files, {"--cafile", files.ca});
    auto refused = ask(strict.port(), false, "GET_SECRET");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().description == AlertDescription::certificate_required);
}

TEST_CASE("HTTP/1.0 GET gets a text page of the negotiated parameters and the client identity") {
    PkiFiles files;
    ServerProgram server(files, {"--cafile", files.ca});
    auto page = ask(server.port(), true, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n");
    REQUIRE(page);
    CAPTURE(*page);
    CHECK(page->rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
    CHECK(page->find("protocol:        TLSv1.3") != std::string::npos);
    CHECK(page->find("cipher suite:    TLS_AES_128_GCM_SHA256") != std::string::npos);
    CHECK(page->find("group:           x25519") != std::string::npos);
    CHECK(page->find("server name:     localhost") != std::string::npos);
    CHECK(page->find("client subject:  CN=device-0001") != std::string::npos);

    // The same through `tpmtls client --request -` (the README's generic-web-server example).
    auto run = run_command(client_command(files, server.connect_argument(), true, {"--request", "-"}),
                           milliseconds(20'000), "GET / HTTP/1.0\r\n\r\n");
    INFO(run.transcript);
    CHECK(run.exit_status == 0);
    CHECK(run.out.find("client subject:  CN=device-0001") != std::string::npos);
}

TEST_CASE("tpmtls client against tpmtls server over IPv6, with groups, suites and a trace") {
    PkiFiles files;
    ServerProgram server(files, {"--cafile", files.ca}, "::1");
    auto run = run_command(client_command(files, server.connect_argument(), true,
                                          {"--servername", "localhost", "--groups", "secp256r1", "--ciphers",
                                           "TLS_CHACHA20_POLY1305_SHA256", "--trace"}),
                           milliseconds(20'000));
    INFO(run.transcript);
    CHECK(run.exit_status == 0);
    CHECK(run.out == "THIS_IS_THE_SECRET\n");
    CHECK(run.err.find("client -> server  ClientHello") != std::string::npos);
    CHECK(run.err.find("key schedule: handshake_secret") != std::string::npos);
    CHECK(run.err.find("timing step 2") != std::string::npos);
    CHECK(run.err.find("signature by software ECDSA P-256 key") != std::string::npos);
    CHECK(run.err.find("connected: TLS_CHACHA20_POLY1305_SHA256, secp256r1, full handshake") != std::string::npos);
    CHECK(server.process().wait_for_output("::1 port", milliseconds(5000)));
    CHECK(server.process().wait_for_output("TLS_CHACHA20_POLY1305_SHA256 secp256r1 full", milliseconds(5000)));
}

TEST_CASE("a second client process resumes from --session-store, also after a server restart with --ticket-keys") {
    PkiFiles files;
    const std::string store = files.dir.file("tickets.store");
    const std::string ticket_keys = files.dir.file("ticket.keys");
    auto fetch = [&](const ServerProgram& server, std::vector<std::string> extra) {
        extra.insert(extra.end(), {"--session-store", store, "--trace"});
        const CommandResult run = run_command(client_command(files, server.connect_argument(), true, extra),
                                              milliseconds(20'000));
        INFO(run.transcript);
        CHECK(run.exit_status == 0);
        CHECK(run.out == "THIS_IS_THE_SECRET\n");
        return run.err;
    };
    uint16_t port = 0;
    {
        ServerProgram server(files, {"--cafile", files.ca, "--ticket-keys", ticket_keys});
        port = server.port();
        CHECK(fetch(server, {}).find("full handshake") != std::string::npos);
        const std::string second = fetch(server, {});
        CHECK(second.find("resumed (PSK from a session ticket)") != std::string::npos);
        CHECK(second.find("pre_shared_key: selected_identity: 0") != std::string::npos);
        CHECK(second.find("CertificateVerify") == std::string::npos);  // no signature at all
        CHECK(fetch(server, {"--no-resume"}).find("full handshake") != std::string::npos);
        CHECK(server.process().wait_for_output("x25519 resumed, client \"CN=device-0001", milliseconds(5000)));
    }
    // A new server process on the same port (tickets are kept per server name and port) with
    // the same ticket key file accepts the tickets of the old one.
    ServerProgram restarted(files, {"--cafile", files.ca, "--ticket-keys", ticket_keys}, "127.0.0.1", port);
    CHECK(fetch(restarted, {}).find("resumed (PSK from a session ticket)") != std::string::npos);
}

TEST_CASE("tpmtls client --auth-file: a TPM key with an authorization value signs; a wrong value is one TPM error") {
    Swtpm swtpm;
    PkiFiles files;
    const std::string auth = "correct horse";
    std::string key_file, cert_file;
    {
        tpm::ContextOptions options;
        options.tcti = swtpm.tcti();
        auto ctx = tpm::TpmContext::open(options);
        REQUIRE_MESSAGE(ctx, (ctx ? "" : ctx.error().to_string()));
        auto blob = tpm::create_signing_key(**ctx, tpm::KeyAlgorithm::ecc_p256, view(auth));
        REQUIRE_MESSAGE(blob, (blob ? "" : blob.error().to_string()));
        auto pem = write_tss2_key_file(Tss2KeyFile{false, 0x40000001, blob->public_area, blob->private_area});
        REQUIRE(pem);
        key_file = files.dir.write("client-auth.tss2", *pem);
        auto key = tpm::load_key(*ctx, *blob);
        REQUIRE(key);
        REQUIRE(key->set_auth(view(auth)));
        auto signer = tpm::TpmSigner::create(std::move(*key));
        REQUIRE(signer);
        CertificateSpec spec;
        spec.subject = "CN=tpm-device-auth, O=tpmtls tests";
        spec.server_auth = false;
        const auto issued = issue_certificate_for_public_key(spec, view((*signer)->public_key_der()), shared_test_pki().root);
        cert_file = files.dir.write("client-auth.pem", issued.pem);
    }
    const std::string right = files.dir.write("auth.txt", auth + "\n");
    const std::string wrong = files.dir.write("wrong.txt", "incorrect\n");
    ServerProgram server(files, {"--cafile", files.ca});
    auto client = [&](const std::string& auth_file) {
        return run_command({cli_path(), "client", "--connect", server.connect_argument(), "--cafile", files.ca, "--cert",
                            cert_file, "--key", key_file, "--tcti", swtpm.tcti(), "--auth-file", auth_file},
                           milliseconds(30'000));
    };
    const CommandResult ok = client(right);
    INFO(ok.transcript);
    CHECK(ok.exit_status == 0);
    CHECK(ok.out == "THIS_IS_THE_SECRET\n");

    const CommandResult refused = client(wrong);
    INFO(refused.transcript);
    CHECK(refused.exit_status == 4);  // a TPM failure
    CHECK(refused.out.empty());
    CHECK(refused.err.find("authorization HMAC check failed") != std::string::npos);
    CHECK(refused.err.find("wrong authorization value") != std::string::npos);
}
