// Issue 14 against real peers (label: interop), with a PKI made by the openssl commands people
// type: an RSA CA whose certificates are signed sha256WithRSAEncryption (RSASSA-PKCS1-v1_5).
//   - RFC 8446 §4.2.3: our signature_algorithms_cert offers rsa_pkcs1_*, so openssl s_server and a
//     Python ssl server with such a chain serve `tpmtls client`, and openssl s_client sends such
//     a client certificate to `tpmtls server`; CertificateVerify with ecdsa_secp521r1_sha512 and
//     rsa_pss_rsae_sha512 both ways.
//   - RFC 8446 §6: openssl s_client and Python's ssl reject our server's certificate with an
//     alert sent before they have keys (TLSPlaintext); the server's log line names it.
//   - A client key that can make none of the CertificateRequest's schemes: `tpmtls client` says
//     so in one line before the server's certificate_required arrives.
#include <doctest/doctest.h>

#include <algorithm>

#include "support/cli_programs.h"
#include "support/paths.h"

using namespace tpmtls;
using namespace tpmtls::test;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds step{10'000};

void openssl(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), "openssl");
    const CommandResult run = run_command(std::move(arguments), step);
    REQUIRE_MESSAGE(run.exit_status == 0, run.transcript);
}

// ca.pem (RSA-2048, self-signed), server.pem for localhost / 127.0.0.1 (RSA), server_p521.pem
// (the same names, P-521), client.pem (P-256, clientAuth), all signed with SHA-256 and PKCS#1
// v1.5; other_ca.pem issued nothing here.
struct OpensslRsaPki {
    TempDir dir;
    std::string ca = dir.file("ca.pem"), ca_key = dir.file("ca.key");
    std::string other_ca = dir.file("other_ca.pem");
    std::string server_cert = dir.file("server.pem"), server_key = dir.file("server.key");
    std::string client_cert = dir.file("client.pem"), client_key = dir.file("client.key");
    std::string server_p521_cert = dir.file("server_p521.pem"), server_p521_key = dir.file("server_p521.key");

    OpensslRsaPki() {
        REQUIRE_MESSAGE(!find_program("openssl").empty(), "openssl is not installed");
        openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30", "-subj", "/CN=RSA Test CA",
                 "-keyout", ca_key, "-out", ca, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                 "keyUsage=critical,keyCertSign,cRLSign"});
        openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30", "-subj", "/CN=Other CA",
                 "-keyout", dir.file("other_ca.key"), "-out", other_ca});
        const std::string server_extensions = "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
        issue("server", {"rsa:2048"}, "/CN=localhost", server_extensions);
        issue("server_p521", {"ec", "-pkeyopt", "ec_paramgen_curve:P-521"}, "/CN=localhost", server_extensions);
        issue("client", {"ec", "-pkeyopt", "ec_paramgen_curve:P-256"}, "/CN=client-ec", "extendedKeyUsage=clientAuth\n");
    }

    // `key`: what follows openssl req -newkey.
    void issue(const std::string& name, const std::vector<std::string>& key, const std::string& subject,
               const std::string& extensions) {
        std::vector<std::string> request = {"req", "-newkey"};
        request.insert(request.end(), key.begin(), key.end());
        for (const std::string& a : {std::string("-nodes"), std::string("-subj"), subject, std::string("-keyout"),
                                     dir.file(name + ".key"), std::string("-out"), dir.file(name + ".csr")})
            request.push_back(a);
        openssl(request);
        const std::string ext = dir.write(name + ".ext", "basicConstraints=CA:FALSE\n" + extensions);
        openssl({"x509", "-req", "-sha256", "-days", "30", "-in", dir.file(name + ".csr"), "-CA", ca, "-CAkey", ca_key,
                 "-CAcreateserial", "-out", dir.file(name + ".pem"), "-extfile", ext});
    }
};

const OpensslRsaPki& rsa_pki() {
    static const OpensslRsaPki pki;
    return pki;
}

std::vector<std::string> tpmtls_client(uint16_t port, std::vector<std::string> extra) {
    std::vector<std::string> argv = {cli_path(), "client", "--connect", "127.0.0.1:" + std::to_string(port),
                                     "--cafile", rsa_pki().ca, "--servername", "localhost"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

// With the RSA server certificate unless `extra` names another --cert and --key.
std::unique_ptr<PeerProcess> tpmtls_server(uint16_t port, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {cli_path(), "server", "--accept", "127.0.0.1:" + std::to_string(port)};
    if (std::find(extra.begin(), extra.end(), "--cert") == extra.end())
        argv.insert(argv.end(), {"--cert", rsa_pki().server_cert, "--key", rsa_pki().server_key});
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto server = std::make_unique<PeerProcess>(std::move(argv));
    REQUIRE_MESSAGE(server->wait_for_output("listening on", step), server->transcript());
    return server;
}

// s_server with the RSA server certificate unless `extra` names another -cert and -key.
std::unique_ptr<PeerProcess> s_server(uint16_t port, std::vector<std::string> extra) {
    std::vector<std::string> argv = {"openssl", "s_server", "-tls1_3", "-accept", "127.0.0.1:" + std::to_string(port),
                                     "-naccept", "1"};
    if (std::find(extra.begin(), extra.end(), "-cert") == extra.end())
        argv.insert(argv.end(), {"-cert", rsa_pki().server_cert, "-key", rsa_pki().server_key});
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto server = std::make_unique<PeerProcess>(std::move(argv));
    REQUIRE_MESSAGE(server->wait_for_output("ACCEPT", step), server->transcript());
    return server;
}

// Python's ssl module as a TLS 1.3 server for one connection: reads a line, answers, closes.
constexpr const char* python_server = R"(
import socket, ssl, sys
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.minimum_version = ssl.TLSVersion.TLSv1_3
context.load_cert_chain(sys.argv[2], sys.argv[3])
listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
print("listening", flush=True)
connection, _ = listener.accept()
tls = context.wrap_socket(connection, server_side=True)
tls.recv(100)
tls.sendall(b"hello from python\n")
tls.unwrap()
)";

// Python's ssl module as a client that trusts only `cafile`; prints the handshake's outcome.
constexpr const char* python_client = R"(
import socket, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[2])
try:
    context.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
    print("connected")
except ssl.SSLError as error:
    print("refused:", error)
)";

}  // namespace

TEST_CASE("tpmtls client against openssl s_server and a Python server whose chain is sha256WithRSAEncryption") {
    SUBCASE("openssl s_server -www") {
        const uint16_t port = free_loopback_port();
        auto server = s_server(port, {"-www"});
        const CommandResult run = run_command(tpmtls_client(port, {"--request", "-"}), step, "GET / HTTP/1.0\r\n\r\n");
        INFO(run.transcript);
        INFO(server->transcript());
        CHECK(run.exit_status == 0);
        CHECK(run.out.rfind("HTTP/1.0 200 ok", 0) == 0);
    }
    SUBCASE("Python ssl") {
        REQUIRE_MESSAGE(!find_program("python3").empty(), "python3 is not installed");
        const uint16_t port = free_loopback_port();
        PeerProcess server({"python3", "-c", python_server, std::to_string(port), rsa_pki().server_cert,
                            rsa_pki().server_key});
        REQUIRE_MESSAGE(server.wait_for_output("listening", step), server.transcript());
        const CommandResult run = run_command(tpmtls_client(port, {}), step);
        INFO(run.transcript);
        INFO(server.transcript());
        CHECK(run.exit_status == 0);
        CHECK(run.out == "hello from python\n");
    }
}

// RFC 8446 §4.2.3: the SHA-512 schemes in CertificateVerify, both ways.
TEST_CASE("CertificateVerify with ecdsa_secp521r1_sha512 and rsa_pss_rsae_sha512, from and to openssl") {
    SUBCASE("tpmtls client verifies s_server's") {
        const struct {
            std::vector<std::string> server;
            const char* scheme;
        } cases[] = {
            {{"-cert", rsa_pki().server_p521_cert, "-key", rsa_pki().server_p521_key}, "ecdsa_secp521r1_sha512"},
            {{"-sigalgs", "rsa_pss_rsae_sha512"}, "rsa_pss_rsae_sha512"},
        };
        for (const auto& c : cases) {
            CAPTURE(std::string(c.scheme));
            const uint16_t port = free_loopback_port();
            std::vector<std::string> server_options = c.server;
            server_options.push_back("-www");
            auto server = s_server(port, server_options);
            const CommandResult run =
                run_command(tpmtls_client(port, {"--request", "-", "--trace"}), step, "GET / HTTP/1.0\r\n\r\n");
            INFO(run.transcript);
            CHECK(run.exit_status == 0);
            CHECK(run.err.find(std::string("algorithm: ") + c.scheme) != std::string::npos);
        }
    }
    SUBCASE("s_client verifies tpmtls server's") {
        const struct {
            std::vector<std::string> server;
            std::vector<std::string> client;
            const char* signature_type;
        } cases[] = {
            {{"--cert", rsa_pki().server_p521_cert, "--key", rsa_pki().server_p521_key}, {}, "ECDSA"},
            {{}, {"-sigalgs", "rsa_pss_rsae_sha512"}, "RSA-PSS"},
        };
        for (const auto& c : cases) {
            CAPTURE(std::string(c.signature_type));
            const uint16_t port = free_loopback_port();
            auto server = tpmtls_server(port, c.server);
            std::vector<std::string> argv = {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                             "-tls1_3", "-CAfile", rsa_pki().ca, "-verify_return_error", "-ign_eof"};
            argv.insert(argv.end(), c.client.begin(), c.client.end());
            const CommandResult run = run_command(argv, step, "GET_SECRET\n");
            INFO(run.transcript);
            CHECK(run.out.find("Verify return code: 0 (ok)") != std::string::npos);
            CHECK(run.out.find("Peer signing digest: SHA512") != std::string::npos);
            CHECK(run.out.find(std::string("Peer signature type: ") + c.signature_type) != std::string::npos);
        }
    }
}

TEST_CASE("openssl s_client sends its certificate from the RSA CA to tpmtls server, which accepts it") {
    const uint16_t port = free_loopback_port();
    auto server = tpmtls_server(port, {"--cafile", rsa_pki().ca});
    const CommandResult run =
        run_command({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-tls1_3", "-CAfile",
                     rsa_pki().ca, "-verify_return_error", "-cert", rsa_pki().client_cert, "-key",
                     rsa_pki().client_key, "-ign_eof"},
                    step, "GET_SECRET\n");
    INFO(run.transcript);
    CHECK(run.out.find("THIS_IS_THE_SECRET") != std::string::npos);
    CHECK_MESSAGE(server->wait_for_output("client \"CN=client-ec\"", step), server->transcript());
}

TEST_CASE("clients that refuse our server's certificate alert in plaintext; the server's log names the alert") {
    REQUIRE_MESSAGE(!find_program("python3").empty(), "python3 is not installed");
    const uint16_t port = free_loopback_port();
    auto server = tpmtls_server(port);
    // RFC 8446 §6: they reject the Certificate before deriving their handshake keys.
    const CommandResult s_client =
        run_command({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-tls1_3", "-CAfile",
                     rsa_pki().other_ca, "-verify_return_error"},
                    step, "");
    INFO(s_client.transcript);
    CHECK(s_client.exit_status != 0);
    CHECK_MESSAGE(server->wait_for_output("closed: unknown_ca", step), server->transcript());
    const CommandResult python = run_command({"python3", "-c", python_client, std::to_string(port), rsa_pki().other_ca}, step);
    INFO(python.transcript);
    CHECK(python.out.rfind("refused:", 0) == 0);
    server->pump(milliseconds(500));
    for (int i = 0; i < 20 && count_lines_with(server->output(), "closed: unknown_ca") < 2; ++i)
        server->pump(milliseconds(250));
    INFO(server->transcript());
    CHECK(count_lines_with(server->output(), "handshake not completed, closed: unknown_ca: the client sent a fatal alert") ==
          2);
    CHECK(count_lines_with(server->output(), "unexpected_message") == 0);
}

TEST_CASE("a client key that can make none of the requested schemes: one warning line, then certificate_required") {
    const uint16_t port = free_loopback_port();
    // s_server's CertificateRequest asks for rsa_pss_rsae_sha512 only; our client key is P-256.
    auto server = s_server(port, {"-Verify", "1", "-CAfile", rsa_pki().ca, "-client_sigalgs", "rsa_pss_rsae_sha512"});
    const CommandResult run =
        run_command(tpmtls_client(port, {"--cert", rsa_pki().client_cert, "--key", rsa_pki().client_key}), step);
    INFO(run.transcript);
    CHECK(run.exit_status == 3);
    CHECK(count_lines_with(run.err, "warning") == 1);
    CHECK(run.err.find("tpmtls client: warning: the server asked for client certificate schemes rsa_pss_rsae_sha512; "
                       "our key, software ECDSA P-256 key, can make none of them (it makes ecdsa_secp256r1_sha256); "
                       "sending no certificate\n") != std::string::npos);
    CHECK(run.err.find("certificate_required") != std::string::npos);
}
