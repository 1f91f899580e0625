// `tpmtls server`: the tutorial's server (issue 7 point 2). Serves many clients at once on one
// epoll thread (server/tls_server.h); answers GET_SECRET to authenticated clients and a minimal
// HTTP/1.0 GET with a page of the negotiated parameters (like `openssl s_server -www`); logs one
// line per connection; stops cleanly on SIGINT/SIGTERM.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>

#include "cli/command.h"
#include "cli/tls_setup.h"
#include "server/ticket_key_file.h"
#include "server/tls_server.h"
#include "tls13/tickets/ticket_keys.h"
#include "tls13/tickets/ticket_replay_cache.h"

namespace tpmtls::cli {
namespace {

const std::string server_description = std::string(
    "Serves TLS 1.3 on --accept until SIGINT or SIGTERM. Application protocol: a client sends\n"
    "GET_SECRET and gets the secret (--secret-file, default THIS_IS_THE_SECRET) if it presented a\n"
    "certificate the --cafile CA issued, otherwise one refusal line; an HTTP/1.0 'GET /' gets a\n"
    "small text page with the negotiated parameters and the client's identity. The connection is\n"
    "closed after each answer. One line per connection goes to standard output: peer, cipher\n"
    "suite, group, full or resumed, client identity, handshake time, outcome.\n"
    "--key takes a software PEM key or a TPM key (TSS2 key file or handle:0x81..., with --tcti).\n"
    "--accept PORT listens on all IPv4 addresses; [::]:PORT or [::1]:PORT for IPv6.");

const CommandSpec spec{
    .name = "server",
    .summary = "serve TLS 1.3: GET_SECRET to authenticated clients, an HTTP status page",
    .synopsis = "tpmtls server --accept [HOST:]PORT --cert FILE --key REF [--tcti TCTI] [--cafile FILE]\n"
                "       [--client-auth off|optional|required] [--secret-file FILE] [--max-connections N]\n"
                "       [--handshake-timeout S] [--idle-timeout S] [--trace [--show-secrets]] [--keylog FILE]\n"
                "       [--ticket-keys FILE]",
    .description = server_description,
    .options =
        {
            {"accept", "[HOST:]PORT", "address to listen on (PORT, 127.0.0.1:PORT, [::1]:PORT)"},
            {"cert", "FILE", "our certificate chain (PEM, leaf first)"},
            {"key", "REF", "our key: PEM private key, TSS2 key file or handle:0x81..."},
            {"tcti", "TCTI", "TPM connection for a TPM key"},
            {"auth-file", "FILE", "the TPM key's authorization value (first line of FILE)"},
            {"cafile", "FILE", "CA certificate(s) that issue client certificates"},
            {"client-auth", "MODE", "off, optional or required (default: required with --cafile)"},
            {"allow-sha1-certificates", "", "accept SHA-1 signatures in client certificate chains (refused by default)"},
            {"secret-file", "FILE", "the secret GET_SECRET returns (default THIS_IS_THE_SECRET)"},
            {"max-connections", "N", "connections at once; more are closed at once (default 1024)"},
            {"handshake-timeout", "S", "seconds from accept to the client's Finished (default 10)"},
            {"idle-timeout", "S", "seconds a connected client may stay silent (default 120)"},
            {"trace", "", "print every handshake message, key-schedule step and timing"},
            {"show-secrets", "", "with --trace: also print the secret values"},
            {"keylog", "FILE", "append NSS key log lines (default: $SSLKEYLOGFILE)"},
            {"ticket-keys", "FILE", "session ticket keys, created if missing (default: a new key per run)"},
        },
};

std::atomic<TlsServer*> running_server{nullptr};

extern "C" void on_stop_signal(int) {
    if (TlsServer* server = running_server.load()) server->stop();  // async-signal-safe
}

bool parse_seconds(const std::optional<std::string>& text, std::chrono::milliseconds& out) {
    if (!text) return true;
    char* end = nullptr;
    const double seconds = std::strtod(text->c_str(), &end);
    if (*end != '\0' || seconds <= 0 || seconds > 86400 * 7) return false;
    out = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    return true;
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

std::string identity_text(const SessionInfo& session) {
    if (!session.peer_identity) return "no client certificate";
    return "client \"" + session.peer_identity->subject + "\"";
}

// What one connection is doing, for the protocol and its log line.
struct ConnectionLog {
    std::string peer;
    std::string request;    // bytes received so far (bounded)
    std::string summary;    // suite, group, kind, identity, handshake time (set when connected)
    std::string answered;   // "GET_SECRET -> secret" ...
};

constexpr size_t max_request = 8192;

class SecretServer {
public:
    SecretServer(std::string secret, bool client_auth_on) : secret_(std::move(secret)), client_auth_on_(client_auth_on) {}

    ServerHandlers handlers() {
        ServerHandlers h;
        h.on_accepted = [this](ConnectionView& c) { connections_[c.id()].peer = c.peer(); };
        h.on_connected = [this](ConnectionView& c, const SessionInfo& s) {
            char time[32];
            std::snprintf(time, sizeof time, "%.1f ms", static_cast<double>(c.handshake_time().count()) / 1000.0);
            connections_[c.id()].summary = to_string(s.suite) + " " + to_string(s.group) +
                                           (s.resumed ? " resumed" : " full") +
                                           (s.hello_retry_request ? "+HRR" : "") + ", " + identity_text(s) +
                                           ", handshake " + time;
        };
        h.on_data = [this](ConnectionView& c, ByteView data) { on_data(c, data); };
        h.on_closed = [this](uint64_t id, const std::optional<Alert>& error) { on_closed(id, error); };
        return h;
    }

private:
    void answer(ConnectionView& c, ConnectionLog& log, const std::string& text, std::string what) {
        (void)c.send(view(text));
        c.close();
        log.answered = std::move(what);
    }

    void on_data(ConnectionView& c, ByteView data) {
        ConnectionLog& log = connections_[c.id()];
        if (!log.answered.empty()) return;
        log.request.append(data.begin(), data.end());
        const std::string& r = log.request;
        static constexpr std::string_view get_secret = "GET_SECRET";
        if (r.rfind(get_secret, 0) == 0) {
            if (c.session().peer_identity) {
                answer(c, log, secret_, "GET_SECRET -> secret sent");
            } else {
                answer(c, log,
                       client_auth_on_ ? "REFUSED: GET_SECRET needs a client certificate; none was presented\n"
                                       : "REFUSED: GET_SECRET needs a client certificate; this server does not "
                                         "ask for one (start it with --cafile)\n",
                       "GET_SECRET -> refused (no client certificate)");
            }
            return;
        }
        if (r.rfind("GET ", 0) == 0) {
            if (r.find("\r\n\r\n") != std::string::npos || r.find("\n\n") != std::string::npos) {
                answer(c, log, status_page(c), "HTTP GET -> status page");
            } else if (r.size() > max_request) {
                answer(c, log, "HTTP/1.0 431 Request Header Fields Too Large\r\n\r\n", "HTTP GET -> too large");
            }
            return;
        }
        const bool may_grow = std::string_view(get_secret).rfind(r, 0) == 0 || std::string_view("GET ").rfind(r, 0) == 0;
        if (!may_grow) {
            answer(c, log, "ERROR: unknown request; send GET_SECRET or an HTTP/1.0 GET\n", "unknown request refused");
        }
    }

    // Like `openssl s_server -www`: what was negotiated, as text.
    std::string status_page(ConnectionView& c) const {
        const SessionInfo& s = c.session();
        std::string body = "tpmtls server\n\n";
        body += "protocol:        TLSv1.3\n";
        body += "cipher suite:    " + to_string(s.suite) + "\n";
        body += "group:           " + to_string(s.group) + (s.hello_retry_request ? " (after HelloRetryRequest)\n" : "\n");
        body += std::string("handshake:       ") + (s.resumed ? "resumed (PSK)" : "full") + "\n";
        body += "server name:     " + (s.server_name.empty() ? std::string("(no SNI)") : s.server_name) + "\n";
        body += "ALPN:            " + (s.alpn.empty() ? std::string("(none)") : s.alpn) + "\n";
        if (s.own_signature_scheme) body += "our signature:   " + to_string(*s.own_signature_scheme) + "\n";
        body += "client address:  " + c.peer() + "\n";
        if (s.peer_identity) {
            body += "client subject:  " + s.peer_identity->subject + "\n";
            for (const auto& name : s.peer_identity->dns_names) body += "client DNS name: " + name + "\n";
            for (const auto& ip : s.peer_identity->ip_addresses) body += "client IP:       " + ip + "\n";
            body += "client SHA-256:  " + to_hex(view(s.peer_identity->sha256_fingerprint)) + "\n";
            if (s.peer_signature_scheme) body += "client signed:   " + to_string(*s.peer_signature_scheme) + "\n";
        } else {
            body += "client:          no certificate\n";
        }
        return "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\nConnection: close\r\n\r\n" + body;
    }

    void on_closed(uint64_t id, const std::optional<Alert>& error) {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        const ConnectionLog& log = it->second;
        std::string line = utc_now() + " " + log.peer + ": ";
        line += log.summary.empty() ? "handshake not completed" : log.summary;
        if (!log.answered.empty()) line += ", " + log.answered;
        line += error ? ", closed: " + error->to_string() : ", closed";
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
        connections_.erase(it);
    }

    std::string secret_;
    bool client_auth_on_;
    std::map<uint64_t, ConnectionLog> connections_;
};

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    const auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    Problem problem;
    auto fail = [&] { return report(spec, problem); };
    auto usage = [&](std::string message) {
        problem = {Exit::usage, std::move(message), "see `tpmtls server --help`"};
        return fail();
    };

    if (!options->value("accept")) return usage("--accept [HOST:]PORT is required");
    if (!options->value("cert") || !options->value("key")) return usage("--cert FILE and --key REF are required");
    if (options->has("show-secrets") && !options->has("trace")) return usage("--show-secrets needs --trace");
    ServerOptions server_options;
    std::string host;
    if (!parse_host_port(*options->value("accept"), true, host, server_options.port, problem)) return fail();
    server_options.address = host.empty() ? "0.0.0.0" : host;
    if (auto n = options->value("max-connections")) {
        char* end = nullptr;
        const unsigned long value = std::strtoul(n->c_str(), &end, 10);
        if (n->empty() || *end != '\0' || value == 0 || value > 1'000'000) return usage("--max-connections takes a number");
        server_options.max_connections = value;
    }
    if (!parse_seconds(options->value("handshake-timeout"), server_options.handshake_timeout))
        return usage("--handshake-timeout takes seconds, e.g. 10 or 0.5");
    if (!parse_seconds(options->value("idle-timeout"), server_options.idle_timeout))
        return usage("--idle-timeout takes seconds, e.g. 120");

    ServerConfig config;
    const std::string auth = options->value_or("client-auth", options->has("cafile") ? "required" : "off");
    if (auth == "off") config.client_auth = ClientAuthMode::off;
    else if (auth == "optional") config.client_auth = ClientAuthMode::optional;
    else if (auth == "required") config.client_auth = ClientAuthMode::required;
    else return usage("--client-auth takes off, optional or required");
    if (config.client_auth != ClientAuthMode::off && !options->has("cafile"))
        return usage("--client-auth " + auth + " needs --cafile (the CA that issues client certificates)");
    if (options->has("cafile")) {
        config.client_trust_anchors = load_trust_store("server", *options->value("cafile"), problem);
        if (!config.client_trust_anchors) return fail();
        config.allow_sha1_certificates = options->has("allow-sha1-certificates");
        if (config.allow_sha1_certificates) add_sha1_certificate_schemes(config.certificate_signature_schemes);
    }
    std::string secret = "THIS_IS_THE_SECRET\n";
    if (auto path = options->value("secret-file")) {
        auto data = read_file(*path, "--secret-file", problem);
        if (!data) return fail();
        secret.assign(data->begin(), data->end());
    }
    auto chain = load_certificate_chain(*options->value("cert"), problem);
    if (!chain) return fail();
    config.credentials.chain = std::move(*chain);

    // Observers: a trace per connection (its lines carry the connection's id), one key log.
    const bool tracing = options->has("trace");
    const bool show_secrets = options->has("show-secrets");
    auto keylog = open_keylog(options->value("keylog"), problem);
    if (!keylog && !problem.message.empty()) return fail();
    if (tracing || keylog) {
        server_options.trace_for = [tracing, show_secrets, keylog](uint64_t id, const std::string&) {
            auto fanout = std::make_shared<TraceFanout>();
            // Appended, not "[" + ...: GCC 12 warns -Wrestrict on const char* + std::string&&
            // inside libstdc++ (a false positive, GCC bug 105329).
            std::string prefix = "[";
            prefix.append(std::to_string(id)).append("] ");
            if (tracing) fanout->add(make_text_trace("server", show_secrets, stdout, prefix));
            fanout->add(keylog);
            return std::static_pointer_cast<TraceObserver>(fanout);
        };
    }
    SignerOptions signer_options{options->value("tcti"), options->value("auth-file"), false, {}};
    auto signer = load_signer(*options->value("key"), signer_options, problem);
    if (!signer) return fail();
    config.credentials.signer = std::move(signer);

    // Session tickets (RFC 8446 §4.6.1): keys from --ticket-keys FILE (created when missing), so
    // tickets survive restarts and are shared by instances; else a fresh key for this process.
    if (auto path = options->value("ticket-keys")) {
        if (::access(path->c_str(), F_OK) != 0) {
            if (auto created = create_ticket_key_file(*path); !created) {
                problem = {Exit::file, "cannot create --ticket-keys " + *path + ": " + created.error().reason, {}};
                return fail();
            }
        }
        auto keys = load_ticket_key_file(*path);
        if (!keys) {
            problem = {Exit::key, "--ticket-keys " + *path + ": " + keys.error().reason, {}};
            return fail();
        }
        config.ticket_keys = *keys;
    } else {
        config.ticket_keys = TicketKeys::generate(system_random(), system_clock().unix_seconds());
    }
    // RFC 8446 §8: each ticket resumes once (a replayed ClientHello gets a full handshake).
    config.single_use_tickets = std::make_shared<TicketReplayCache>();

    SecretServer app(std::move(secret), config.client_auth != ClientAuthMode::off);
    auto server = TlsServer::listen(std::move(config), server_options, app.handlers());
    if (!server) {
        problem = {Exit::listen, "cannot listen on " + *options->value("accept") + ": " + server.error().reason,
                   server.error().reason.find(std::strerror(EADDRINUSE)) != std::string::npos
                       ? "another program uses the port; pick another one"
                       : ""};
        return fail();
    }
    running_server.store(server->get());
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);

    std::printf("%s listening on %s port %u (client auth %s, max %zu connections)\n", utc_now().c_str(),
                server_options.address.c_str(), static_cast<unsigned>((*server)->port()), auth.c_str(),
                server_options.max_connections);
    std::fflush(stdout);
    const Status served = (*server)->run();
    running_server.store(nullptr);
    if (!served) {
        problem = {Exit::failure, "the server loop failed: " + served.error().reason, {}};
        return fail();
    }
    std::printf("%s stopped\n", utc_now().c_str());
    std::fflush(stdout);
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
