// CLI errors as a table (issue 7, "What must be shown"): missing files, unreadable keys, a bad
// --tcti, a port in use, an unreachable server, a wrong CA. Each gives one clear line on stderr
// (and at most one hint line), never library noise, and the exit code documented in
// `tpmtls client --help` (cli/command.h, Exit).
#include <doctest/doctest.h>

#include <set>
#include <sstream>

#include "net/socket.h"
#include "support/cli_programs.h"
#include "support/openssl_pki.h"
#include "support/paths.h"

using namespace tpmtls;
using namespace tpmtls::test;
using std::chrono::milliseconds;

namespace {

struct Row {
    std::string name;
    std::vector<std::string> argv;
    int exit_status;
    std::string message;  // must appear in the one error line
};

// The error line, checked: "tpmtls CMD: ..." first, then nothing but an optional hint.
void check_one_clear_line(const CommandResult& run, const Row& row) {
    std::istringstream lines(run.err);
    std::vector<std::string> all;
    for (std::string line; std::getline(lines, line);) all.push_back(line);
    REQUIRE_MESSAGE(!all.empty(), "no error line");
    CHECK(all[0].rfind("tpmtls " + row.argv[1] + ": ", 0) == 0);
    CHECK_MESSAGE(all[0].find(row.message) != std::string::npos, all[0]);
    CHECK(all.size() <= 2);
    if (all.size() == 2) CHECK(all[1].rfind("  hint: ", 0) == 0);
    // Library noise looks like "WARNING:tcti:..." or "ERROR:esys:..." (tpm2-tss) or a stack.
    CHECK(run.err.find("WARNING:") == std::string::npos);
    CHECK(run.err.find("ERROR:") == std::string::npos);
}

}  // namespace

TEST_CASE("each CLI failure gives one clear line and its own exit code") {
    PkiFiles files;
    const TestPki other_pki = make_test_pki();  // a CA that issued nothing the server uses
    const std::string other_ca = files.dir.write("other-ca.pem", other_pki.root.pem);
    const std::string garbage_key = files.dir.write("garbage.key", "this is not a key\n");
    const std::string broken_pem_key =
        files.dir.write("broken.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    const std::string broken_tss2_key =
        files.dir.write("broken.tss2", "-----BEGIN TSS2 PRIVATE KEY-----\nAAAA\n-----END TSS2 PRIVATE KEY-----\n");
    const std::string missing = files.dir.file("missing.pem");

    ServerProgram server(files, {"--cafile", files.ca});
    const std::string reachable = server.connect_argument();
    const std::string unreachable = "127.0.0.1:" + std::to_string(free_loopback_port());
    // A port someone else holds: a listener of ours.
    auto holder = net::listen_tcp("127.0.0.1", 0, 1);
    REQUIRE(holder);
    const std::string taken_port = std::to_string(*net::local_port(holder->get()));
    // A TCTI that reaches no TPM (nothing listens there) and one that does not exist.
    const std::string dead_tcti = "swtpm:host=127.0.0.1,port=" + std::to_string(free_loopback_port());

    const std::string cli = cli_path();
    std::vector<Row> table = {
        {"usage: no --connect", {cli, "client", "--cafile", files.ca}, 2, "--connect HOST:PORT is required"},
        {"missing CA file", {cli, "client", "--connect", reachable, "--cafile", missing}, 6,
         "cannot read --cafile " + missing + ": No such file or directory"},
        {"missing certificate file",
         {cli, "client", "--connect", reachable, "--cafile", files.ca, "--cert", missing, "--key", files.client_key},
         6, "cannot read --cert " + missing + ": No such file or directory"},
        {"missing key file",
         {cli, "client", "--connect", reachable, "--cafile", files.ca, "--cert", files.client_cert, "--key", missing},
         6, "cannot read --key " + missing},
        {"server: missing secret file",
         {cli, "server", "--accept", "0", "--cert", files.server_cert, "--key", files.server_key, "--secret-file", missing},
         6, "cannot read --secret-file"},
        {"unreadable key: not a key at all",
         {cli, "client", "--connect", reachable, "--cafile", files.ca, "--cert", files.client_cert, "--key", garbage_key},
         7, "is not a key file"},
        {"unreadable key: a broken PEM key",
         {cli, "client", "--connect", reachable, "--cafile", files.ca, "--cert", files.client_cert, "--key", broken_pem_key},
         7, "is not a usable private key"},
        {"unreadable key: a broken TSS2 key file",
         {cli, "server", "--accept", "0", "--cert", files.server_cert, "--key", broken_tss2_key},
         7, "is not a usable TSS2 key file"},
        {"a CA file that holds no certificate", {cli, "client", "--connect", reachable, "--cafile", garbage_key}, 7,
         "holds no usable certificate"},
        {"bad --tcti: nothing listens there",
         {cli, "client", "--connect", reachable, "--cafile", files.ca, "--cert", files.client_cert, "--key",
          "handle:0x81000001", "--tcti", dead_tcti},
         4, "cannot open TCTI '" + dead_tcti + "'"},
        {"bad --tcti: no such TCTI",
         {cli, "server", "--accept", "0", "--cert", files.server_cert, "--key", "handle:0x81000001", "--tcti",
          "no-such-tcti"},
         4, "cannot open TCTI 'no-such-tcti'"},
        {"port in use",
         {cli, "server", "--accept", "127.0.0.1:" + taken_port, "--cert", files.server_cert, "--key", files.server_key},
         8, "cannot listen on 127.0.0.1:" + taken_port + ": bind"},
        {"server unreachable", client_command(files, unreachable, true), 5, "Connection refused"},
        {"wrong CA: the client does not trust the server",
         {cli, "client", "--connect", reachable, "--cafile", other_ca, "--cert", files.client_cert, "--key",
          files.client_key},
         3, "TLS handshake with 127.0.0.1 port " + std::to_string(server.port()) + " failed: unknown_ca (alert sent by us"},
        {"wrong CA: the server does not trust the client",
         client_command(files, reachable, false, {}), 3, "certificate_required (alert received from the peer)"},
    };
    // Trust store and chain files as users have them (issue 14): a bundle holding only a root we
    // cannot use, and a --cert whose certificate has a critical extension nobody implements.
    OpensslPki openssl;
    const OpensslCertificate tiny_root = openssl.root("tiny-root", "/CN=Tiny root", "rsa:1024");
    const OpensslCertificate dsa_root = openssl.root("dsa-root", "/CN=DSA root", "dsa:2048");
    const OpensslCertificate odd_root = openssl.root("odd-root", "/CN=Odd root", "ec:P-256");
    const OpensslCertificate odd = openssl.issue("odd", "/CN=localhost", "ec:P-256", odd_root,
                                                 leaf_extensions("DNS:localhost", "1.3.6.1.4.1.99999.7=critical,ASN1:NULL\n"));
    table.push_back({"a CA file whose only root has an RSA-1024 key",
                     {cli, "client", "--connect", reachable, "--cafile", tiny_root.pem_path}, 7,
                     "--cafile " + tiny_root.pem_path + " holds no usable certificate: certificate 1 (CN=Tiny root): "
                     "RSA-1024 key, at least 2048 bits required"});
    table.push_back({"a CA file whose only root has a DSA key",
                     {cli, "server", "--accept", "0", "--cert", files.server_cert, "--key", files.server_key,
                      "--cafile", dsa_root.pem_path},
                     7, "--cafile " + dsa_root.pem_path + " holds no usable certificate: certificate 1 (CN=DSA root): "
                     "DSA key, not supported"});
    table.push_back({"a --cert with an unsupported critical extension",
                     {cli, "server", "--accept", "0", "--cert", odd.pem_path, "--key", odd.key_path}, 7,
                     "--cert " + odd.pem_path + ": certificate 1 is not usable: critical extension "
                     "1.3.6.1.4.1.99999.7 is not supported"});
    // The server refuses a client certificate from another CA.
    PkiFiles stranger(other_pki);
    table.push_back({"wrong CA: a client certificate from another CA",
                     {cli, "client", "--connect", reachable, "--cafile", files.ca, "--cert", stranger.client_cert,
                      "--key", stranger.client_key},
                     3, "failed: unknown_ca (alert received from the peer)"});

    for (const Row& row : table) {
        CAPTURE(row.name);
        const CommandResult run = run_command(row.argv, milliseconds(20'000));
        INFO(run.transcript);
        CHECK(run.exit_status == row.exit_status);
        CHECK(run.out.empty());
        check_one_clear_line(run, row);
    }

    // The six kinds of failure the issue names have six different exit codes.
    const std::set<int> kinds = {6 /* missing file */, 7 /* unreadable key */, 4 /* bad --tcti */,
                                 8 /* port in use */,  5 /* unreachable */,    3 /* wrong CA */};
    CHECK(kinds.size() == 6);

    // The codes are documented where users look.
    const CommandResult help = run_command({cli, "client", "--help"});
    for (const char* line : {"  3  TLS failure", "  4  TPM failure", "  5  network failure", "  6  a file named",
                             "  7  a key or certificate file", "  8  cannot listen"})
        CHECK(help.out.find(line) != std::string::npos);
}

TEST_CASE("a CA bundle with roots we cannot use still works, with one warning line for each") {
    PkiFiles files;
    ServerProgram server(files, {});
    OpensslPki openssl;
    const OpensslCertificate tiny_root = openssl.root("tiny-root", "/CN=Tiny root", "rsa:1024");
    const std::string bundle = files.dir.write("bundle.pem", tiny_root.pem + read_text_file(files.ca));
    std::vector<std::string> argv = client_command(files, server.connect_argument(), false);
    argv[5] = bundle;  // --cafile
    const CommandResult run = run_command(argv, milliseconds(20'000));
    INFO(run.transcript);
    CHECK(run.exit_status == 0);
    CHECK(count_lines_with(run.err, "warning") == 1);
    CHECK(run.err.find("tpmtls client: warning: --cafile " + bundle +
                       ": skipped certificate 1 (CN=Tiny root): RSA-1024 key, at least 2048 bits required\n") !=
          std::string::npos);
}

TEST_CASE("tpm2-tss logging stays quiet unless the user asks for it with TSS2_LOG") {
    PkiFiles files;
    const std::string dead_tcti = "swtpm:host=127.0.0.1,port=" + std::to_string(free_loopback_port());
    const std::vector<std::string> argv = {cli_path(), "server", "--accept", "0", "--cert", files.server_cert,
                                           "--key", "handle:0x81000001", "--tcti", dead_tcti};
    const CommandResult quiet = run_command(argv, milliseconds(20'000));
    CHECK(quiet.exit_status == 4);
    CHECK(quiet.err.find("WARNING:") == std::string::npos);
    const CommandResult loud = run_command({"env", "TSS2_LOG=all+WARNING", argv[0], argv[1], argv[2], argv[3], argv[4],
                                            argv[5], argv[6], argv[7], argv[8], argv[9]},
                                           milliseconds(20'000));
    CHECK(loud.exit_status == 4);
    CHECK(loud.err.find("WARNING:") != std::string::npos);
}
