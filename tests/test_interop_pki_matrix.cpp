// Real PKIs against real peers, both directions (issue 14 point 6). The dimensions: the CA
// (RSA-4096 signing PKCS#1 SHA-256 as the device tutorial does, RSA-2048 signing RSA-PSS, P-256,
// P-384), the chain (root > leaf, root > intermediate > leaf with the intermediate sent, an RSA
// root over an ECDSA intermediate), our leaf key (P-256 or RSA-2048 in swtpm, software P-256),
// critical CA extensions (none, nameConstraints, certificatePolicies), the order of the chain the
// sender sends (issuing, or leaf first and the rest shuffled with the root), the peer (openssl,
// gnutls, Python ssl) and the direction. Covered pairwise by a deterministic greedy covering
// array, plus the tutorial's PKI with every peer both ways. Every cell is mutual TLS: both ends
// send a chain from the cell's PKI, require the other's, exchange a message each way and show
// the other's identity. Before each cell, openssl s_server and s_client do the same with the same
// PKI (software keys in place of the TPM keys): a cell OpenSSL cannot do is a harness bug.
//
// Every PKI is made with openssl commands in one TempDir per run; keys once each. The cells and
// their results are a Markdown table, which must equal docs/interop.md's (TPMTLS_README) between
// the pki-matrix markers; TPMTLS_PKI_MATRIX_TABLE=FILE writes it to FILE instead (scripts/pki_matrix_table.sh).
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "support/cli_programs.h"
#include "support/pairwise.h"
#include "support/paths.h"
#include "support/pki_matrix_files.h"

using namespace tpmtls::test;
using namespace tpmtls::test::pki_matrix;
using std::chrono::milliseconds;

namespace {

// ---- The dimensions, in the table's column order.

enum class OurKey { tpm_p256, tpm_rsa2048, software_p256 };
enum class Direction { our_client, our_server };

struct Dimension {
    const char* title;
    std::vector<const char*> values;
};
const std::vector<Dimension> dimensions = {
    {"CA", {"RSA-4096, PKCS#1 SHA-256", "RSA-2048, RSA-PSS SHA-256", "ECDSA P-256", "ECDSA P-384"}},
    {"chain", {"root > leaf", "root > intermediate > leaf", "RSA root > ECDSA intermediate > leaf"}},
    {"our key", {"P-256 in the TPM", "RSA-2048 in the TPM", "software P-256"}},
    {"extensions", {"none", "critical nameConstraints", "critical certificatePolicies"}},
    {"order", {"issuing", "shuffled"}},
    {"peer", {"openssl", "gnutls", "python ssl"}},
    {"direction", {"our client -> peer server", "peer client -> our server"}},
};
enum : size_t { dim_ca, dim_chain, dim_key, dim_extensions, dim_order, dim_peer, dim_direction };

struct Cell {
    PairwiseRow row;  // one value index per dimension
    Ca ca() const { return Ca(row[dim_ca]); }
    Chain chain() const { return Chain(row[dim_chain]); }
    OurKey key() const { return OurKey(row[dim_key]); }
    Extensions extensions() const { return Extensions(row[dim_extensions]); }
    Order order() const { return Order(row[dim_order]); }
    TlsPeerProgram peer() const { return TlsPeerProgram(row[dim_peer]); }
    Direction direction() const { return Direction(row[dim_direction]); }
    const char* value(size_t d) const { return dimensions[d].values[row[d]]; }
    std::string describe() const {
        std::string s;
        for (size_t d = 0; d < dimensions.size(); ++d) s += (d ? "; " : "") + std::string(value(d));
        return s;
    }
};

// An RSA root over an ECDSA intermediate needs an RSA CA.
bool allowed(const PairwiseRow& row) {
    return !(row[dim_chain] == size_t(Chain::rsa_root_ecdsa_intermediate) &&
             (row[dim_ca] == size_t(Ca::p256) || row[dim_ca] == size_t(Ca::p384)));
}

std::vector<size_t> dimension_sizes() {
    std::vector<size_t> sizes;
    for (const Dimension& d : dimensions) sizes.push_back(d.values.size());
    return sizes;
}

struct CellList {
    std::vector<Cell> cells;
    size_t pairwise = 0;
    size_t tutorial = 0;  // added for the tutorial's PKI
};

// The pairwise cells, then the tutorial's PKI (RSA-4096 PKCS#1 root > leaf, P-256 leaf in the TPM,
// no extensions, issuing order) with every peer in both directions, unless already there.
CellList matrix_cells() {
    CellList list;
    for (PairwiseRow& row : pairwise_rows(dimension_sizes(), allowed)) list.cells.push_back({std::move(row)});
    list.pairwise = list.cells.size();
    for (size_t peer = 0; peer < dimensions[dim_peer].values.size(); ++peer) {
        for (size_t direction = 0; direction < dimensions[dim_direction].values.size(); ++direction) {
            const Cell tutorial{{size_t(Ca::rsa4096_pkcs1), size_t(Chain::root_leaf), size_t(OurKey::tpm_p256),
                                 size_t(Extensions::none), size_t(Order::issuing), peer, direction}};
            if (std::none_of(list.cells.begin(), list.cells.end(), [&](const Cell& c) { return c.row == tutorial.row; })) {
                list.cells.push_back(tutorial);
                ++list.tutorial;
            }
        }
    }
    return list;
}

// Our key in the cell, and the software key of the same type that stands for it in the baseline.
struct OurKeyTags {
    const char* ours;
    const char* stand_in;
};
const OurKeyTags& tags(OurKey key) {
    static const OurKeyTags table[] = {
        {"tpm-p256", "stand-in-p256"}, {"tpm-rsa2048", "stand-in-rsa2048"}, {"soft-p256", "soft-p256"}};
    return table[size_t(key)];
}
const std::string peer_tag = "peer";

// ---- Running the two ends.

// What went wrong in a run, in words, then the programs' transcripts.
struct Problems {
    std::string text;
    void expect(bool ok, const std::string& what) {
        if (!ok) text += "- " + what + "\n";
    }
    bool ok() const { return text.empty(); }
    std::string with(PeerProcess& a, PeerProcess& b) {
        if (ok()) return text;
        a.pump(milliseconds(200));  // what they still had to say
        b.pump(milliseconds(200));
        return text + a.transcript() + "\n" + b.transcript() + "\n";
    }
};

const std::string secret_answer = "THIS_IS_THE_SECRET";

// openssl s_server and s_client with the same files: the baseline. The server's evidence is
// looked for only once the client has its answer (a failed handshake does not wait for it).
std::string openssl_pair(const TlsEndFiles& server, const TlsEndFiles& client) {
    const uint16_t port = free_loopback_port();
    ServerPeer s(TlsPeerProgram::openssl, server, port);
    if (!s.ready()) return "- openssl s_server did not start\n" + s.process().transcript();
    ClientPeer c(TlsPeerProgram::openssl, client, port, s.request());
    Problems p;
    p.expect(c.finish(s.reply()), "s_client did not receive the answer and exit 0");
    if (p.ok()) {
        p.expect(s.verified_client(client.common_name), "s_server did not show the verified client " + client.common_name);
        p.expect(c.verified_server(server.common_name), "s_client did not show the verified server " + server.common_name);
    }
    return p.with(s.process(), c.process());
}

std::vector<std::string> with_tcti(std::vector<std::string> argv, const TlsEndFiles& ours) {
    if (!ours.tcti.empty()) argv.insert(argv.end(), {"--tcti", ours.tcti});
    return argv;
}

std::vector<std::string> our_client_command(const TlsEndFiles& ours, uint16_t port, const std::string& request,
                                            const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {cli_path(), "client", "--connect", "127.0.0.1:" + std::to_string(port),
                                     "--servername", "localhost", "--cafile", ours.ca, "--cert", ours.chain,
                                     "--key", ours.key, "--request", request, "--timeout", "10", "--trace"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return with_tcti(std::move(argv), ours);
}

std::string our_client_against(TlsPeerProgram program, const TlsEndFiles& server, const TlsEndFiles& ours,
                               const std::vector<std::string>& client_extra = {},
                               const std::vector<std::string>& server_extra = {}) {
    const uint16_t port = free_loopback_port();
    ServerPeer s(program, server, port, server_extra);
    if (!s.ready()) return std::string("- ") + to_string(program) + " server did not start\n" + s.process().transcript();
    PeerProcess client(our_client_command(ours, port, s.request(), client_extra));
    Problems p;
    const auto status = client.wait(peer_step_timeout);
    p.expect(status == 0, "our client did not exit 0");
    if (p.ok()) {
        p.expect(client.output().find(s.reply()) != std::string::npos, "our client did not print the server's answer");
        p.expect(s.verified_client(ours.common_name), "the server did not show our verified certificate " + ours.common_name);
        // --trace: "connected: <suite>, <group>, full handshake, server "<subject>"".
        p.expect(client.errors().find("server \"CN=" + server.common_name + "\"") != std::string::npos,
                 "our client did not name the server " + server.common_name);
    }
    return p.with(client, s.process());
}

std::string peer_client_against_ours(TlsPeerProgram program, const TlsEndFiles& client, const TlsEndFiles& ours) {
    const uint16_t port = free_loopback_port();
    PeerProcess server(with_tcti(server_command("127.0.0.1:" + std::to_string(port), ours.chain, ours.key,
                                                {"--cafile", ours.ca, "--client-auth", "required"}),
                                 ours));
    if (!server.wait_for_output("listening on", peer_step_timeout))
        return "- our server did not start\n" + server.transcript();
    ClientPeer c(program, client, port, "GET_SECRET\n");
    Problems p;
    p.expect(c.finish(secret_answer), std::string(to_string(program)) + " client did not get the secret and exit 0");
    if (p.ok()) {
        p.expect(c.verified_server(ours.common_name), "the client did not show our verified certificate " + ours.common_name);
        p.expect(server.wait_for_output("client \"CN=" + client.common_name + "\"", peer_step_timeout),
                 "our server's log does not name the client " + client.common_name);
    }
    server.stop();
    return p.with(server, c.process());
}

struct CellResult {
    bool passed = false;
    std::string problems;
};

CellResult run_cell(const Cell& cell) {
    MatrixFiles& f = files();
    const CellPki& pki = f.pki(cell.ca(), cell.chain(), cell.extensions());
    const Role our_role = cell.direction() == Direction::our_client ? Role::client : Role::server;
    const Role peer_role = our_role == Role::client ? Role::server : Role::client;
    const TlsEndFiles peer = f.end(pki, peer_role, peer_tag, cell.order());
    const TlsEndFiles stand_in = f.end(pki, our_role, tags(cell.key()).stand_in, cell.order());
    const std::string baseline = our_role == Role::server ? openssl_pair(stand_in, peer) : openssl_pair(peer, stand_in);
    if (!baseline.empty())
        return {false, "baseline openssl s_server <-> s_client (software keys) failed, a harness bug:\n" + baseline};
    const TlsEndFiles ours = f.end(pki, our_role, tags(cell.key()).ours, cell.order());
    const std::string problems = cell.direction() == Direction::our_client
                                     ? our_client_against(cell.peer(), peer, ours)
                                     : peer_client_against_ours(cell.peer(), peer, ours);
    return {problems.empty(), problems};
}

// ---- The table.

std::string markdown_table(const CellList& list, const std::vector<CellResult>& results) {
    std::string t = std::to_string(list.cells.size()) + " cells: " + std::to_string(list.pairwise) +
                    " cover every pair of values of two dimensions, " + std::to_string(list.tutorial) +
                    " more run the tutorial's PKI against every peer both ways.\n\n|";
    // Appended, not " " + std::string(...): GCC 12 warns -Wrestrict there (GCC bug 105329).
    for (const Dimension& d : dimensions) t.append(" ").append(d.title).append(" |");
    t += " result |\n|";
    for (size_t i = 0; i <= dimensions.size(); ++i) t += "---|";
    t += "\n";
    for (size_t i = 0; i < list.cells.size(); ++i) {
        t += "|";
        for (size_t d = 0; d < dimensions.size(); ++d) t.append(" ").append(list.cells[i].value(d)).append(" |");
        t += results[i].passed ? " passes |\n" : " fails |\n";
    }
    return t;
}

const std::string table_begin = "<!-- pki-matrix:begin -->\n";
const std::string table_end = "<!-- pki-matrix:end -->";

std::string readme_table() {
    const std::string readme = read_text_file(TPMTLS_README);
    const size_t begin = readme.find(table_begin);
    const size_t end = readme.find(table_end);
    if (begin == std::string::npos || end == std::string::npos || end < begin) return "(no pki-matrix markers in " TPMTLS_README ")";
    return readme.substr(begin + table_begin.size(), end - begin - table_begin.size());
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("the PKI matrix's cells cover every pair of values") {
    const CellList list = matrix_cells();
    std::vector<PairwiseRow> rows;
    for (const Cell& c : list.cells) rows.push_back(c.row);
    CHECK(covers_all_pairs(rows, dimension_sizes(), allowed));
    // CA x chain (4 x 3, less two pairs no row may hold) needs 10 rows; greedy stays near that.
    CHECK(list.pairwise >= 10);
    CHECK(list.pairwise <= 20);
    CHECK(list.cells.size() == list.pairwise + list.tutorial);
    // The generator on its own: three two-valued dimensions need 4 rows; a refused pair stays out.
    CHECK(pairwise_rows({2, 2, 2}).size() == 4);
    const PairwiseConstraint no_1_1 = [](const PairwiseRow& r) { return !(r[0] == 1 && r[1] == 1); };
    for (const PairwiseRow& row : pairwise_rows({2, 2, 2}, no_1_1)) CHECK_FALSE((row[0] == 1 && row[1] == 1));
    CHECK(covers_all_pairs(pairwise_rows({3, 2, 2, 3}), {3, 2, 2, 3}));
}

TEST_CASE("PKI matrix: every cell, mutual TLS against openssl, gnutls and Python ssl, both directions") {
    const auto start = std::chrono::steady_clock::now();
    const CellList list = matrix_cells();
    std::vector<CellResult> results;
    size_t passed = 0;
    for (size_t i = 0; i < list.cells.size(); ++i) {
        const Cell& cell = list.cells[i];
        const auto cell_start = std::chrono::steady_clock::now();
        results.push_back(run_cell(cell));
        const CellResult& r = results.back();
        if (r.passed) ++passed;
        std::printf("pki matrix cell %2zu/%zu: %s: %s (%.1f s)\n", i + 1, list.cells.size(), cell.describe().c_str(),
                    r.passed ? "passed" : "FAILED", seconds_since(cell_start));
        std::fflush(stdout);
        if (!r.passed) FAIL_CHECK("cell " << i + 1 << ": " << cell.describe() << "\n" << r.problems);
    }
    std::printf("pki matrix: %zu/%zu cells passed (%zu pairwise, %zu tutorial PKI) in %.1f s\n", passed,
                list.cells.size(), list.pairwise, list.tutorial, seconds_since(start));
    std::fflush(stdout);

    const std::string table = markdown_table(list, results);
    if (const char* out = std::getenv("TPMTLS_PKI_MATRIX_TABLE"); out != nullptr && *out != '\0') {
        std::ofstream(out, std::ios::binary | std::ios::trunc) << table;
    } else {
        CHECK_MESSAGE(readme_table() == table,
                      TPMTLS_README "'s PKI matrix table differs from this run's; run scripts/pki_matrix_table.sh\n"
                          << table);
    }
}

// ---- Negative cells: refused by us and by OpenSSL alike.

namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return text;
}

// The last line of `text` holding `needle` (a program's error line, a connection's log line), or "".
std::string last_line_with(const std::string& text, const std::string& needle) {
    std::string found;
    size_t start = 0;
    while (start < text.size()) {
        const size_t end = std::min(text.find('\n', start), text.size());
        const std::string line = text.substr(start, end - start);
        if (line.find(needle) != std::string::npos) found = line;
        start = end + 1;
    }
    return found;
}

// Our client refuses the server's chain: exit status 3 (TLS failure, README's table) and an
// error line holding every one of `words` (lower case).
void check_our_client_refuses(TlsPeerProgram program, const TlsEndFiles& server, const TlsEndFiles& ours,
                              const std::vector<std::string>& words, const std::vector<std::string>& server_extra = {}) {
    const uint16_t port = free_loopback_port();
    ServerPeer s(program, server, port, server_extra);
    REQUIRE_MESSAGE(s.ready(), s.process().transcript());
    PeerProcess client(our_client_command(ours, port, s.request()));
    const auto status = client.wait(peer_step_timeout);
    s.process().pump(milliseconds(200));
    INFO(client.transcript());
    INFO(s.process().transcript());
    CHECK(status.value_or(-1) == 3);
    const std::string error = lower(last_line_with(client.errors(), "tpmtls client: "));
    for (const std::string& word : words) CHECK_MESSAGE(error.find(word) != std::string::npos, "no \"" << word << "\" in: " << error);
}

// s_client (the default security level, Debian's SECLEVEL=2; -verify_return_error, without which
// s_client only reports verify errors and carries on) refuses the server's chain saying `why`.
void check_openssl_client_refuses(TlsPeerProgram program, const TlsEndFiles& server, const TlsEndFiles& client,
                                  const std::string& why, const std::vector<std::string>& server_extra = {}) {
    const uint16_t port = free_loopback_port();
    ServerPeer s(program, server, port, server_extra);
    REQUIRE_MESSAGE(s.ready(), s.process().transcript());
    ClientPeer c(TlsPeerProgram::openssl, client, port, s.request());
    INFO(c.process().transcript());
    CHECK_FALSE(c.finish(s.reply()));
    CHECK(c.process().errors().find(why) != std::string::npos);
}

// A root constraining its leaves to the matrix's names, with one excluded subtree inside them.
struct ConstrainedPki {
    std::string root;
    Issuer issuer;
};
const ConstrainedPki& constrained_pki() {
    static const ConstrainedPki pki = [] {
        PkiCommands& openssl = files().openssl();
        const std::string key = openssl.key("ca-p256", OpensslKeyType::p256);
        const std::string root = openssl.self_signed(
            "nc-root", key, "/CN=constrained root/O=tpmtls tests", OpensslSigning::digest("sha256"),
            ca_extensions(false, "nameConstraints=critical," + permitted_names + ",excluded;DNS:blocked.localhost\n"));
        return ConstrainedPki{root, {root, key, OpensslSigning::digest("sha256")}};
    }();
    return pki;
}

const std::string server_names = default_names(Role::server, "");

}  // namespace

TEST_CASE("negative: a server chain with a SHA-1 signature is refused by our client (bad_certificate) and by s_client, accepted with --allow-sha1-certificates") {
    PkiCommands& openssl = files().openssl();
    // The tutorial's RSA-4096 CA, signing with -sha1.
    const std::string root_key = openssl.key("ca-rsa4096", OpensslKeyType::rsa4096);
    const std::string root = openssl.self_signed("sha1-root", root_key, "/CN=sha1 test root/O=tpmtls tests",
                                                 OpensslSigning::digest("sha256"), ca_extensions(false, ""));
    const Issuer root_sha256{root, root_key, OpensslSigning::digest("sha256")};
    const Issuer root_sha1{root, root_key, OpensslSigning::digest("sha1")};
    // OpenSSL's server only sends a leaf whose own signature is in the client's
    // signature_algorithms_cert (no SHA-1 in ours), so for s_server the SHA-1 signature is the
    // root's on the intermediate; gnutls-serv sends a SHA-1-signed leaf as it is.
    const std::string intermediate_key = openssl.key("int-p256", OpensslKeyType::p256);
    const std::string intermediate = openssl.issue(
        "sha1-intermediate", openssl.request("sha1-intermediate", intermediate_key, "/CN=sha1-signed intermediate"),
        root, root_key, OpensslSigning::digest("sha1"), ca_extensions(true, ""));
    const Issuer by_intermediate{intermediate, intermediate_key, OpensslSigning::digest("sha256")};
    const TlsEndFiles ours = files().issued_end("sha1-our-client", Role::client, "soft-p256",
                                        default_names(Role::client, "soft-p256"), root_sha256, root);
    struct Case {
        const char* what;
        TlsPeerProgram program;
        TlsEndFiles server;
        std::vector<std::string> server_extra;  // s_server needs security level 0 to load SHA-1
    };
    const Case cases[] = {
        {"openssl s_server, intermediate signed with SHA-1", TlsPeerProgram::openssl,
         files().issued_end("sha1-intermediate-server", Role::server, peer_tag, server_names, by_intermediate, root, intermediate),
         {"-cipher", "DEFAULT@SECLEVEL=0"}},
        {"gnutls-serv, leaf signed with SHA-1", TlsPeerProgram::gnutls,
         files().issued_end("sha1-leaf-server", Role::server, peer_tag, server_names, root_sha1, root), {}},
    };
    for (const Case& c : cases) {
        CAPTURE(c.what);
        check_our_client_refuses(c.program, c.server, ours, {"bad_certificate", "alert sent by us"}, c.server_extra);
        check_openssl_client_refuses(c.program, c.server, ours, "digest algorithm too weak", c.server_extra);
        // The documented way out: --allow-sha1-certificates accepts the same chain.
        const std::string allowed = our_client_against(c.program, c.server, ours, {"--allow-sha1-certificates"}, c.server_extra);
        CHECK_MESSAGE(allowed.empty(), allowed);
    }
}

TEST_CASE("negative: server leaves outside the permitted names or in an excluded subtree are refused by our client") {
    const ConstrainedPki& pki = constrained_pki();
    const TlsEndFiles ours = files().issued_end("nc-our-client", Role::client, "soft-p256",
                                        default_names(Role::client, "soft-p256"), pki.issuer, pki.root);
    // The constrained CA itself is fine: OpenSSL accepts a leaf inside its names, both ways.
    const TlsEndFiles inside = files().issued_end("nc-inside-server", Role::server, peer_tag, server_names, pki.issuer, pki.root);
    CHECK_MESSAGE(openssl_pair(inside, ours).empty(), openssl_pair(inside, ours));
    struct Case {
        const char* what;
        const char* file;
        const char* extra_name;
        const char* openssl_says;
    };
    const Case cases[] = {
        {"a name outside the permitted subtrees", "nc-outside-server", "DNS:outside.example", "permitted subtree violation"},
        {"a name in the excluded subtree", "nc-excluded-server", "DNS:blocked.localhost", "excluded subtree violation"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.what);
        const TlsEndFiles server = files().issued_end(c.file, Role::server, peer_tag, server_names + "," + c.extra_name,
                                              pki.issuer, pki.root);
        check_our_client_refuses(TlsPeerProgram::openssl, server, ours, {"bad_certificate", "constraint"});
        check_openssl_client_refuses(TlsPeerProgram::openssl, server, ours, c.openssl_says);
    }
}

TEST_CASE("negative: our server refuses an s_client whose client leaf is outside the permitted names") {
    const ConstrainedPki& pki = constrained_pki();
    const TlsEndFiles ours = files().issued_end("nc-our-server", Role::server, "soft-p256", server_names, pki.issuer, pki.root);
    const TlsEndFiles outside = files().issued_end("nc-outside-client", Role::client, peer_tag, "DNS:device.outside.example",
                                           pki.issuer, pki.root);
    {
        // OpenSSL's server refuses it too.
        const uint16_t port = free_loopback_port();
        ServerPeer s(TlsPeerProgram::openssl, ours, port);
        REQUIRE_MESSAGE(s.ready(), s.process().transcript());
        ClientPeer c(TlsPeerProgram::openssl, outside, port, s.request());
        CHECK_FALSE(c.finish(s.reply()));
        CHECK_MESSAGE(s.process().wait_for_output("permitted subtree violation", peer_step_timeout), s.process().transcript());
    }
    const uint16_t port = free_loopback_port();
    PeerProcess server(server_command("127.0.0.1:" + std::to_string(port), ours.chain, ours.key,
                                      {"--cafile", pki.root, "--client-auth", "required"}));
    REQUIRE_MESSAGE(server.wait_for_output("listening on", peer_step_timeout), server.transcript());
    ClientPeer c(TlsPeerProgram::openssl, outside, port, "GET_SECRET\n");
    INFO(c.process().transcript());
    CHECK_FALSE(c.finish(secret_answer));
    // The connection's log line: "handshake not completed, closed: bad_certificate (...)".
    CHECK_MESSAGE(server.wait_for_output("handshake not completed, closed: bad_certificate", peer_step_timeout),
                  server.transcript());
    server.stop();
    CHECK_MESSAGE(lower(last_line_with(server.output(), "handshake not completed")).find("constraint") != std::string::npos,
                  server.transcript());
}
