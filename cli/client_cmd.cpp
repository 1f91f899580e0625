// `tpmtls client`: connects, authenticates with a TPM (or software) key when asked, sends one
// request and prints the answer until the server closes (issue 7 point 1).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>

#include "cli/command.h"
#include "cli/tls_setup.h"
#include "client/tls_client.h"
#include "tls13/lazy_signer.h"
#include "tpm/context.h"
#include "tpm/tpm_signer.h"

namespace tpmtls::cli {
namespace {

const std::string client_description = std::string(
    "Connects to a TLS 1.3 server, sends the request (default GET_SECRET; '--request -' sends\n"
    "standard input as it is, e.g. printf 'GET / HTTP/1.0\\r\\n\\r\\n' | tpmtls client ... --request -)\n"
    "and prints the answer until the server closes the connection.\n"
    "--key takes a TPM key (a TSS2 PRIVATE KEY file or handle:0x81...; the TPM is reached through\n"
    "--tcti, else $TPM2TOOLS_TCTI, $TCTI or tctildr's default) or a software PEM key.\n"
    "--trace writes the decoded handshake to standard error; --keylog FILE (or $SSLKEYLOGFILE)\n"
    "appends the secrets in the NSS key log format for Wireshark.\n"
    "--summary writes one line to standard error after a successful connection: the handshake kind,\n"
    "suite, group and time (connect() until the handshake is done), and every TPM command this\n"
    "process sent, counted at the TCTI from opening the TPM until the key was flushed at the end.");

const CommandSpec spec{
    .name = "client",
    .summary = "connect to a TLS 1.3 server, optionally with a TPM client key",
    .synopsis = "tpmtls client --connect HOST:PORT --cafile FILE [--cert FILE --key REF] [--tcti TCTI]\n"
                "       [--servername NAME] [--alpn PROTO] [--groups LIST] [--ciphers LIST]\n"
                "       [--request TEXT|-] [--trace [--show-secrets]] [--keylog FILE]\n"
                "       [--session-store FILE] [--no-resume] [--timeout SECONDS] [--summary]",
    .description = client_description,
    .options =
        {
            {"connect", "HOST:PORT", "server to connect to ([::1]:4433 for IPv6)"},
            {"cafile", "FILE", "CA certificate(s) that must have issued the server's certificate"},
            {"cert", "FILE", "our certificate chain (PEM), for client authentication"},
            {"key", "REF", "our key: TSS2 key file, handle:0x81..., or a PEM private key"},
            {"tcti", "TCTI", "TPM connection, e.g. swtpm:host=127.0.0.1,port=2321"},
            {"auth-file", "FILE", "the TPM key's authorization value (first line of FILE)"},
            {"allow-sha1-certificates", "", "accept SHA-1 signatures in the server's chain (refused by default)"},
            {"servername", "NAME", "name sent in SNI and checked in the certificate (default: HOST)"},
            {"alpn", "PROTO", "offer this ALPN protocol (repeatable)", true},
            {"groups", "LIST", "key exchange groups, preferred first (x25519,secp256r1)"},
            {"ciphers", "LIST", "cipher suites, preferred first (TLS_AES_128_GCM_SHA256,...)"},
            {"request", "TEXT|-", "what to send (default GET_SECRET; - reads standard input)"},
            {"trace", "", "print every handshake message, key-schedule step and timing to stderr"},
            {"show-secrets", "", "with --trace: also print the secret values"},
            {"keylog", "FILE", "append NSS key log lines (default: $SSLKEYLOGFILE)"},
            {"session-store", "FILE", "keep session tickets in FILE and resume from them"},
            {"no-resume", "", "do not resume from the session store (still store new tickets)"},
            {"timeout", "SECONDS", "limit for connect, handshake and each read (default 10)"},
            {"summary", "", "after the connection, one line on stderr: handshake, time, TPM commands sent"},
        },
};

std::string read_stdin() {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    return text;
}

// Why a connection attempt failed, as an exit code: a TPM that refused, an alert, or the network.
Problem classify(const Alert& error, const HandshakeWatch& watch, const std::string& target) {
    if (watch.signer_error()) return {Exit::tpm, "TPM signature failed: " + *watch.signer_error(), {}};
    if (watch.alert()) return {Exit::tls, "TLS handshake with " + target + " failed: " + *watch.alert(), {}};
    if (!watch.saw_messages()) return {Exit::network, error.reason, {}};  // "connect to HOST port P: why"
    return {Exit::network, "connection to " + target + " failed: " + error.reason, {}};
}

// The TPM connection behind our key: a TpmSigner's, or a LazySigner's once it opened one. Null
// for a software key and for a TPM key never opened (a resumed handshake signs nothing).
std::shared_ptr<tpm::TpmContext> tpm_context_of(std::shared_ptr<Signer> signer) {
    if (auto lazy = std::dynamic_pointer_cast<LazySigner>(signer)) signer = lazy->opened_signer();
    if (auto tpm_signer = std::dynamic_pointer_cast<tpm::TpmSigner>(signer)) return tpm_signer->context();
    return nullptr;
}

// --summary: "full handshake, TLS_AES_128_GCM_SHA256, x25519, 12.3 ms; TPM: 6 commands (...), 1.1 ms waiting".
std::string summary_line(const SessionInfo& session, std::chrono::nanoseconds handshake, const std::string& tpm) {
    char time[32];
    std::snprintf(time, sizeof time, "%.1f ms", static_cast<double>(handshake.count()) / 1e6);
    return std::string("summary: ") + (session.resumed ? "resumed" : "full handshake") + ", " +
           to_string(session.suite) + ", " + to_string(session.group) + ", " + time + "; TPM: " + tpm;
}

std::string tpm_summary(const tpm::TpmStats& stats) {
    char wait[32];
    std::snprintf(wait, sizeof wait, "%.1f ms", static_cast<double>(stats.wait.count()) / 1e6);
    return std::to_string(stats.commands) + " commands (" + stats.summary() + "), " + wait + " waiting";
}

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    const auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    Problem problem;
    auto fail = [&] { return report(spec, problem); };
    auto usage = [&](std::string message) {
        problem = {Exit::usage, std::move(message), "see `tpmtls client --help`"};
        return fail();
    };

    if (!options->value("connect")) return usage("--connect HOST:PORT is required");
    if (!options->value("cafile")) return usage("--cafile FILE is required (the CA that issued the server's certificate)");
    if (options->has("cert") != options->has("key")) return usage("--cert and --key go together");
    if (options->has("show-secrets") && !options->has("trace")) return usage("--show-secrets needs --trace");
    std::string host;
    uint16_t port = 0;
    if (!parse_host_port(*options->value("connect"), false, host, port, problem)) return fail();
    const std::string target = host + " port " + std::to_string(port);

    std::chrono::milliseconds limit{10'000};
    if (auto t = options->value("timeout")) {
        char* end = nullptr;
        const double seconds = std::strtod(t->c_str(), &end);
        if (*end != '\0' || seconds <= 0 || seconds > 86400) return usage("--timeout takes seconds, e.g. 5 or 0.5");
        limit = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    }

    std::string request = options->value_or("request", "GET_SECRET");
    if (request == "-") request = read_stdin();

    ClientConfig config;
    config.trust_anchors = load_trust_store("client", *options->value("cafile"), problem);
    if (!config.trust_anchors) return fail();
    // RFC 8446 §4.2.3 lists SHA-1 schemes as legacy; collisions are practical (SHAttered, 2017).
    config.allow_sha1_certificates = options->has("allow-sha1-certificates");
    if (config.allow_sha1_certificates) add_sha1_certificate_schemes(config.certificate_signature_schemes);
    config.server_name = options->value_or("servername", "");
    config.alpn = options->values("alpn");
    if (auto list = options->value("groups")) {
        auto groups = parse_groups(*list, problem);
        if (!groups) return fail();
        config.groups = *groups;
    }
    if (auto list = options->value("ciphers")) {
        auto suites = parse_cipher_suites(*list, problem);
        if (!suites) return fail();
        config.cipher_suites = *suites;
    }

    // Observers: the watch (for the exit code), the trace, the key log.
    auto watch = std::make_shared<HandshakeWatch>();
    auto observers = std::make_shared<TraceFanout>();
    observers->add(watch);
    std::shared_ptr<TraceObserver> trace;
    if (options->has("trace")) {
        trace = make_text_trace("client", options->has("show-secrets"), stderr);
        observers->add(trace);
    }
    auto keylog = open_keylog(options->value("keylog"), problem);
    if (!keylog && !problem.message.empty()) return fail();
    observers->add(keylog);
    config.trace = observers;

    std::shared_ptr<Signer> key_signer;  // kept for --summary, to find the TPM context it used
    bool tpm_key = false;
    if (options->has("cert")) {
        auto chain = load_certificate_chain(*options->value("cert"), problem);
        if (!chain) return fail();
        // The TPM is opened only if the server asks for a CertificateVerify: a handshake that
        // resumes from --session-store sends no TPM command at all (RFC 8446 §2.2).
        SignerOptions signer_options{options->value("tcti"), options->value("auth-file"), true, chain->front()};
        key_signer = load_signer(*options->value("key"), signer_options, problem);
        if (!key_signer) return fail();
        tpm_key = std::dynamic_pointer_cast<LazySigner>(key_signer) ||
                  std::dynamic_pointer_cast<tpm::TpmSigner>(key_signer);
        config.credentials.chain = std::move(*chain);
        config.credentials.signer = std::make_shared<WatchedSigner>(key_signer, trace, watch);
    }
    // One line each on stderr: the handshake's (a key that fits no requested scheme) and the
    // ticket store's; neither stops the connection.
    const auto warn = [](std::string_view warning) { std::cerr << "tpmtls client: warning: " << warning << "\n"; };
    config.on_warning = warn;

    ConnectOptions connect_options;
    connect_options.timeouts.connect = connect_options.timeouts.handshake = limit;
    connect_options.timeouts.read = connect_options.timeouts.write = limit;
    // Resumption (RFC 8446 §2.2): tickets kept in --session-store; the store warns, never fails.
    if (auto path = options->value("session-store")) {
        auto store = TicketStore::open({.path = *path, .on_warning = warn});
        if (!options->has("no-resume")) {
            connect_options.tickets = store;  // offers the newest ticket and keeps the new ones
        } else {
            // Keep the new tickets, offer none.
            const TicketKey key =
                TicketKey::for_connection(config.server_name.empty() ? host : config.server_name, port, config.alpn);
            config.on_session_ticket = [store, key](SessionTicket ticket) { store->put(key, std::move(ticket)); };
        }
    } else if (options->has("no-resume")) {
        return usage("--no-resume needs --session-store FILE");
    }

    const auto started = std::chrono::steady_clock::now();
    auto client = TlsClient::connect(host, port, std::move(config), connect_options);
    const auto handshake_time = std::chrono::steady_clock::now() - started;
    if (!client) {
        problem = classify(client.error(), *watch, target);
        return fail();
    }
    const SessionInfo& session = (*client)->session();
    if (trace) {
        std::fprintf(stderr, "connected: %s, %s, %s%s\n", to_string(session.suite).c_str(),
                     to_string(session.group).c_str(),
                     session.resumed ? "resumed (PSK from a session ticket)" : "full handshake",
                     session.peer_identity ? (", server \"" + session.peer_identity->subject + "\"").c_str() : "");
    }

    if (auto sent = (*client)->send(view(request)); !sent) {
        problem = {watch->alert() ? Exit::tls : Exit::network, "sending the request failed: " + sent.error().to_string(), {}};
        return fail();
    }
    for (;;) {
        auto data = (*client)->receive();
        if (!data) {
            const bool tls = watch->alert().has_value();
            problem = {tls ? Exit::tls : Exit::network,
                       tls ? "the connection with " + target + " failed: " + *watch->alert()
                           : "reading the answer failed: " + data.error().reason,
                       {}};
            std::fflush(stdout);
            return fail();
        }
        if (data->empty()) break;  // the server's close_notify
        std::fwrite(data->data(), 1, data->size(), stdout);
        std::fflush(stdout);
    }
    (void)(*client)->close();
    if (options->has("summary")) {
        const SessionInfo info = (*client)->session();
        std::string tpm = "not used (no client key)";
        if (auto context = tpm_context_of(key_signer)) {
            // Let the connection and the signer go first, so the key's flushes are counted too;
            // the context we hold stays open until the line is written.
            key_signer.reset();
            client->reset();
            tpm = tpm_summary(context->stats());
        } else if (tpm_key) {
            tpm = "not opened (0 commands)";
        } else if (key_signer) {
            tpm = "not used (software key)";
        }
        std::fprintf(stderr, "%s\n", summary_line(info, handshake_time, tpm).c_str());
    }
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
