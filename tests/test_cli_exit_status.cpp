// Issue 15 point 3: one set of conventions for every `tpmtls` command. Each command's missing
// file, file that is not a key or certificate, bad option and unreachable TPM exit with the status
// of the one table (cli/command.h, Exit; printed at the end of every --help): 6, 7, 2, 4.
// Every --option an error names exists in that command's --help; handles and key references
// are taken in the spellings tpm2-tools and tpm2-openssl users type.
#include <doctest/doctest.h>

#include <regex>
#include <set>
#include <sstream>

#include "support/cli_programs.h"
#include "support/paths.h"
#include "support/peer_process.h"
#include "tpm/key_file.h"

using namespace tpmtls;
using namespace tpmtls::test;
using std::chrono::milliseconds;

namespace {

struct Row {
    std::string name;
    std::vector<std::string> args;  // after `tpmtls`: the command and its arguments
    int exit_status;
    std::string message;  // must appear in stderr
};

// The commands `tpmtls --help` lists.
std::vector<std::string> listed_commands() {
    const CommandResult help = run_command({cli_path(), "--help"});
    std::vector<std::string> out;
    std::istringstream lines(help.out.substr(help.out.find("commands:")));
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string name;
        if (words >> name) out.push_back(name);
    }
    return out;
}

// Every `--name` in `text`.
std::set<std::string> named_options(const std::string& text) {
    std::set<std::string> out;
    static const std::regex option("--([a-z][a-z0-9-]*)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), option); it != std::sregex_iterator(); ++it)
        out.insert((*it)[1].str());
    return out;
}

// The options a command's --help lists ("  --name ...").
std::set<std::string> help_options(const std::string& command) {
    const CommandResult help = run_command({cli_path(), command, "--help"});
    std::set<std::string> out;
    std::istringstream lines(help.out);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind("  --", 0) == 0) out.insert(line.substr(4, line.find_first_of(" \t", 4) - 4));
    return out;
}

// The table as `tpmtls version --help` ends with it: from "exit status" to the end.
std::string exit_table() {
    const std::string help = run_command({cli_path(), "version", "--help"}).out;
    const size_t at = help.find("exit status");
    return at == std::string::npos ? std::string() : help.substr(at);
}

}  // namespace

TEST_CASE("every command's --help ends with the one exit-status table and lists no codes of its own") {
    const std::vector<std::string> commands = listed_commands();
    REQUIRE(commands.size() >= 13);
    const std::string table = exit_table();
    for (const char* line : {"  0  success\n", "  1  other failure\n", "  2  usage error", "  3  TLS failure",
                             "  4  TPM failure", "  5  network failure", "  6  a file named on the command line is missing",
                             "  7  a key or certificate file does not hold a usable key or certificate",
                             "  8  cannot listen"})
        CHECK(table.find(line) != std::string::npos);
    for (const std::string& command : commands) {
        CAPTURE(command);
        const CommandResult help = run_command({cli_path(), command, "--help"});
        CHECK(help.exit_status == 0);
        REQUIRE(help.out.size() >= table.size());
        CHECK(help.out.substr(help.out.size() - table.size()) == table);
        CHECK(help.out.find("Exit codes") == std::string::npos);
        CHECK(help.out.find("exit status") == help.out.size() - table.size());
    }
}

TEST_CASE("tpmtls --version and -V print what tpmtls version prints") {
    const CommandResult version = run_command({cli_path(), "version"});
    REQUIRE(version.exit_status == 0);
    for (const char* spelling : {"--version", "-V"}) {
        const CommandResult other = run_command({cli_path(), spelling});
        CHECK(other.exit_status == 0);
        CHECK(other.out == version.out);
    }
}

TEST_CASE("each command's missing file, non-key, bad option and unreachable TPM give the table's status") {
    PkiFiles files;
    const TempDir dir;
    const std::string missing = dir.file("missing");
    const std::string garbage = dir.write("garbage", "this is neither a key nor a certificate\n");
    const std::string dead = "swtpm:host=127.0.0.1,port=" + std::to_string(free_loopback_port());
    // A TSS2 key file that parses (its areas are not a real key): persist gets as far as the TPM.
    Tss2KeyFile shaped;
    shaped.empty_auth = true;
    shaped.parent = 0x40000001;
    shaped.public_area = {0x00, 0x02, 0xaa, 0xbb};
    shaped.private_area = {0x00, 0x02, 0xcc, 0xdd};
    const std::string tss2 = dir.file("shaped.tss2");
    REQUIRE(save_tss2_key_file(tss2, shaped));
    const std::string unreachable_peer = "127.0.0.1:" + std::to_string(free_loopback_port());
    const std::string out = dir.file("out");
    // A CA of our own (for ca-sign's --csr row) and a server to reach (the client opens the TPM
    // only when the handshake needs a signature).
    const std::string ca_key = dir.file("ca.key"), ca_cert = dir.file("ca.pem");
    REQUIRE(run_command({cli_path(), "ca-init", "--out-key", ca_key, "--out-cert", ca_cert, "--subject", "/CN=CA"})
                .exit_status == 0);
    ServerProgram server(files, {"--cafile", files.ca});
    const std::string reachable = server.connect_argument();

    const std::vector<Row> table = {
        // client
        {"client: missing --cafile", {"client", "--connect", unreachable_peer, "--cafile", missing}, 6, "cannot read --cafile"},
        {"client: --key not a key",
         {"client", "--connect", unreachable_peer, "--cafile", files.ca, "--cert", files.client_cert, "--key", garbage}, 7,
         "is not a key file"},
        {"client: bad option", {"client", "--nope"}, 2, "unknown option '--nope'"},
        {"client: TPM unreachable",
         {"client", "--connect", reachable, "--cafile", files.ca, "--cert", files.client_cert, "--key", "0x81000001",
          "--tcti", dead},
         4, "TPM unreachable"},
        // server
        {"server: missing --key", {"server", "--accept", "0", "--cert", files.server_cert, "--key", missing}, 6,
         "cannot read --key"},
        {"server: --cert not a certificate", {"server", "--accept", "0", "--cert", garbage, "--key", files.server_key}, 7,
         "--cert"},
        {"server: bad option", {"server", "--nope"}, 2, "unknown option"},
        {"server: TPM unreachable",
         {"server", "--accept", "0", "--cert", files.server_cert, "--key", "handle:0x81000001", "--tcti", dead}, 4,
         "TPM unreachable"},
        // keygen
        {"keygen: missing --auth-file", {"keygen", "--out", out, "--auth-file", missing, "--tcti", dead}, 6,
         "cannot read --auth-file " + missing},
        {"keygen: bad option", {"keygen", "--nope"}, 2, "unknown option"},
        {"keygen: TPM unreachable", {"keygen", "--out", out, "--tcti", dead}, 4, "TPM unreachable"},
        // csr
        {"csr: missing --key", {"csr", "--key", missing, "--subject", "/CN=x", "--out", out}, 6, "cannot read --key"},
        {"csr: --key not a key", {"csr", "--key", garbage, "--subject", "/CN=x", "--out", out, "--tcti", dead}, 7,
         "not a usable TSS2 key file"},
        {"csr: bad option", {"csr", "--nope"}, 2, "unknown option"},
        {"csr: TPM unreachable", {"csr", "--key", "0x81000001", "--subject", "/CN=x", "--out", out, "--tcti", dead}, 4,
         "TPM unreachable"},
        // ca-init, ca-sign
        {"ca-init: bad option", {"ca-init", "--nope"}, 2, "unknown option"},
        {"ca-sign: missing --ca-cert", {"ca-sign", "--ca-cert", missing, "--ca-key", garbage, "--csr", garbage, "--out", out},
         6, "cannot read CA certificate"},
        {"ca-sign: --ca-cert not a certificate",
         {"ca-sign", "--ca-cert", garbage, "--ca-key", garbage, "--csr", garbage, "--out", out}, 7, "CA certificate"},
        {"ca-sign: missing --csr",
         {"ca-sign", "--ca-cert", ca_cert, "--ca-key", ca_key, "--csr", missing, "--out", out}, 6,
         "cannot read CSR"},
        {"ca-sign: bad option", {"ca-sign", "--nope"}, 2, "unknown option"},
        // import
        {"import: missing --in", {"import", "--in", missing, "--out", out, "--tcti", dead}, 6, "cannot read --in"},
        {"import: --in not a key", {"import", "--in", garbage, "--out", out, "--tcti", dead}, 7, "not a private key"},
        {"import: bad option", {"import", "--nope"}, 2, "unknown option"},
        {"import: TPM unreachable", {"import", "--in", files.client_key, "--out", out, "--tcti", dead}, 4,
         "TPM unreachable"},
        // persist
        {"persist: missing --key", {"persist", "--key", missing, "--handle", "0x81000040", "--tcti", dead}, 6,
         "cannot read --key"},
        {"persist: --key not a key", {"persist", "--key", garbage, "--handle", "0x81000040", "--tcti", dead}, 7,
         "not a TSS2 PRIVATE KEY"},
        {"persist: bad option", {"persist", "--nope"}, 2, "unknown option"},
        {"persist: TPM unreachable", {"persist", "--key", tss2, "--handle", "0x81000040", "--tcti", dead}, 4,
         "TPM unreachable"},
        // evict, list, info
        {"evict: bad option", {"evict", "--nope"}, 2, "unknown option"},
        {"evict: TPM unreachable", {"evict", "--handle", "0x81000040", "--tcti", dead}, 4, "TPM unreachable"},
        {"list: bad option", {"list", "--nope"}, 2, "unknown option"},
        {"list: TPM unreachable", {"list", "--tcti", dead}, 4, "TPM unreachable"},
        {"info: bad option", {"info", "--nope"}, 2, "unknown option"},
        {"info: TPM unreachable", {"info", "--tcti", dead}, 4, "TPM unreachable"},
        // replay, version
        {"replay: bad option", {"replay", "--nope"}, 2, "unknown option"},
        {"version: bad option", {"version", "--nope"}, 2, "unknown option"},

        // Handles as tpm2-tools (0x81000010) and tpm2-openssl (handle:0x81000010) users write them;
        // without 0x it is refused with what to type; handles we create are owner handles.
        {"keygen --persist without 0x", {"keygen", "--persist", "81000040"}, 2, "write 0x81000040"},
        {"keygen --persist in the platform range", {"keygen", "--persist", "0x81800000", "--tcti", dead}, 2,
         "not an owner persistent handle"},
        {"keygen --persist handle:0x...", {"keygen", "--persist", "handle:0x81000040", "--tcti", dead}, 4,
         "TPM unreachable"},
        {"persist --handle in the platform range", {"persist", "--key", tss2, "--handle", "0x81800000"}, 2,
         "not an owner persistent handle"},
        {"persist --handle without 0x", {"persist", "--key", tss2, "--handle", "81000040"}, 2, "write 0x81000040"},
        {"import --persist without 0x", {"import", "--in", files.client_key, "--persist", "81000040"}, 2,
         "write 0x81000040"},
        {"evict --handle handle:0x...", {"evict", "--handle", "handle:0x81000040", "--tcti", dead}, 4, "TPM unreachable"},
        {"evict --handle without 0x", {"evict", "--handle", "handle:81000040"}, 2, "write 0x81000040"},
        {"csr --key without 0x: a hint", {"csr", "--key", "81000010", "--subject", "/CN=x", "--out", out}, 6,
         "hint: to name a persistent handle, write 0x81000010 or handle:0x81000010"},
        {"client --key without 0x: a hint",
         {"client", "--connect", unreachable_peer, "--cafile", files.ca, "--cert", files.client_cert, "--key", "81000010"},
         6, "hint: to name a persistent handle, write 0x81000010"},
        {"server --key 0x...: a handle",
         {"server", "--accept", "0", "--cert", files.server_cert, "--key", "0x81000001", "--tcti", dead}, 4,
         "TPM unreachable"},
    };

    std::set<std::string> covered;
    for (const Row& row : table) {
        CAPTURE(row.name);
        std::vector<std::string> argv = {cli_path()};
        argv.insert(argv.end(), row.args.begin(), row.args.end());
        const CommandResult run = run_command(argv, milliseconds(20'000));
        INFO(run.transcript);
        CHECK(run.exit_status == row.exit_status);
        CHECK(run.err.find(row.message) != std::string::npos);
        CHECK(run.err.rfind("tpmtls " + row.args[0] + ": ", 0) == 0);
        CHECK(run.err.find("handle:handle:") == std::string::npos);
        // A hint (or message) names only options the command has.
        const std::set<std::string> own = help_options(row.args[0]);
        for (const std::string& option : named_options(run.err)) {
            if (option == "nope") continue;  // the unknown option the row gave
            CAPTURE(option);
            CHECK(own.count(option) == 1);
        }
        covered.insert(row.args[0]);
    }
    // Every command has at least its bad-option row.
    for (const std::string& command : listed_commands()) CHECK_MESSAGE(covered.count(command) == 1, command);
}
