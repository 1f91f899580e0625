// `tpmtls import` errors, as a table: each row is a situation, the exit code (cli/command.h)
// and the words the one-line error must contain. Then the same errors from the library, and the
// states that need a TPM prepared with tpm2-tools: an occupied handle, a missing parent (also named
// by a key file), and a TPM in dictionary-attack lockout.
#include <doctest/doctest.h>

#include <map>

#include "support/paths.h"
#include "support/result_testing.h"
#include "support/swtpm.h"
#include "support/test_pki.h"
#include "tpm/import.h"
#include "tpm/key_file.h"

using namespace tpmtls;
using namespace tpmtls::test;
using namespace tpmtls::tpm;

namespace {

void tools(const Swtpm& swtpm, std::vector<std::string> argv) {
    REQUIRE_MESSAGE(!find_program(argv[0]).empty(), (argv[0] + " is not installed"));
    argv.insert(argv.begin() + 1, {"-T", swtpm.tcti()});
    auto r = run_command(argv);
    REQUIRE_MESSAGE(r.exit_status == 0, r.transcript);
}

std::string genpkey(const TempDir& dir, const std::string& name, std::vector<std::string> args) {
    const std::string path = dir.file(name);
    args.insert(args.begin(), {"openssl", "genpkey", "-out", path});
    auto r = run_command(args);
    REQUIRE_MESSAGE(r.exit_status == 0, r.transcript);
    return path;
}

// An SRK-like ECC P-256 storage key persisted at `handle` with tpm2-tools.
void persist_storage_parent(const Swtpm& swtpm, const TempDir& dir, const std::string& handle) {
    tools(swtpm, {"tpm2_createprimary", "-C", "o", "-g", "sha256", "-G", "ecc256:aes128cfb", "-c", dir.file("parent.ctx")});
    tools(swtpm, {"tpm2_evictcontrol", "-C", "o", "-c", dir.file("parent.ctx"), handle});
    tools(swtpm, {"tpm2_flushcontext", "-t"});
}

struct Row {
    const char* situation;
    std::vector<std::string> args;  // after `tpmtls import`; "{KEY:name}" is a key file below, "{TCTI}" the swtpm
    int exit_status;
    const char* message;
};

}  // namespace

TEST_CASE("tpmtls import: a table of refused inputs and TPM states, each with its exit code and message") {
    Swtpm swtpm;
    TempDir dir;
    const std::string p256 = genpkey(dir, "p256.pem", {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"});
    std::map<std::string, std::string> keys = {
        {"p256", p256},
        {"p384", genpkey(dir, "p384.pem", {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"})},
        {"k256", genpkey(dir, "k256.pem", {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"})},
        {"ed25519", genpkey(dir, "ed25519.pem", {"-algorithm", "ED25519"})},
        {"rsa1024", genpkey(dir, "rsa1024.pem", {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"})},
        {"rsa3072", genpkey(dir, "rsa3072.pem", {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"})},
        {"garbage", dir.write("garbage.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")},
        {"cert", dir.write("cert.pem", issue_certificate(CertificateSpec{}, nullptr).pem)},
        {"missing", dir.file("no-such-key.pem")},
    };
    // Occupied: something already at 0x81000001.
    persist_storage_parent(swtpm, dir, "0x81000001");
    // A signing key (not a parent) at 0x81000005.
    auto signing = run_command({cli_path(), "import", "--in", p256, "--persist", "0x81000005", "--tcti", swtpm.tcti()});
    REQUIRE_MESSAGE(signing.exit_status == 0, signing.transcript);
    const uint16_t closed_port = free_loopback_port_pair();

    const Row rows[] = {
        {"wrong key type: Ed25519", {"--in", "{KEY:ed25519}", "--out", "{OUT}"}, 7, "wrong key type"},
        {"wrong key type: RSA-1024", {"--in", "{KEY:rsa1024}", "--out", "{OUT}"}, 7, "wrong key type: RSA-1024"},
        {"wrong key type: RSA-3072", {"--in", "{KEY:rsa3072}", "--out", "{OUT}"}, 7, "wrong key type: RSA-3072"},
        {"unsupported curve: P-384", {"--in", "{KEY:p384}", "--out", "{OUT}"}, 7, "unsupported curve secp384r1"},
        {"unsupported curve: secp256k1", {"--in", "{KEY:k256}", "--out", "{OUT}"}, 7, "unsupported curve"},
        {"not a key", {"--in", "{KEY:garbage}", "--out", "{OUT}"}, 7, "not a private key"},
        {"a certificate, not a key", {"--in", "{KEY:cert}", "--out", "{OUT}"}, 7, "not a private key"},
        {"input missing", {"--in", "{KEY:missing}", "--out", "{OUT}"}, 6, "cannot read --in"},
        {"handle occupied", {"--in", "{KEY:p256}", "--persist", "0x81000001"}, 4, "persistent handle 0x81000001 is occupied"},
        {"handle outside the owner range", {"--in", "{KEY:p256}", "--persist", "0x81800000"}, 2, "not an owner persistent handle"},
        {"parent missing", {"--in", "{KEY:p256}", "--out", "{OUT}", "--parent", "0x81000002"}, 4, "parent 0x81000002 is missing"},
        {"parent neither owner nor persistent", {"--in", "{KEY:p256}", "--out", "{OUT}", "--parent", "0x40000007"}, 4,
         "neither the owner hierarchy"},
        {"parent not a storage key", {"--in", "{KEY:p256}", "--out", "{OUT}", "--parent", "0x81000005"}, 4,
         "parent 0x81000005 is not a storage key"},
        {"no output named", {"--in", "{KEY:p256}"}, 2, "exactly one of --out or --persist"},
        {"both outputs named", {"--in", "{KEY:p256}", "--out", "{OUT}", "--persist", "0x81000003"}, 2,
         "exactly one of --out or --persist"},
        {"TPM unreachable", {"--in", "{KEY:p256}", "--out", "{OUT}", "--tcti", "swtpm:host=127.0.0.1,port=" + std::to_string(closed_port)}, 4,
         "TPM unreachable"},
    };
    int n = 0;
    for (const Row& row : rows) {
        CAPTURE(row.situation);
        std::vector<std::string> argv = {cli_path(), "import"};
        bool tcti_given = false;
        const std::string out = dir.file("out-" + std::to_string(n++) + ".tss2");
        for (const std::string& arg : row.args) {
            if (arg.rfind("{KEY:", 0) == 0) {
                argv.push_back(keys.at(arg.substr(5, arg.size() - 6)));
            } else if (arg == "{OUT}") {
                argv.push_back(out);
            } else {
                tcti_given = tcti_given || arg == "--tcti";
                argv.push_back(arg);
            }
        }
        if (!tcti_given) argv.insert(argv.end(), {"--tcti", swtpm.tcti()});
        auto r = run_command(argv);
        INFO(r.transcript);
        CHECK(r.exit_status == row.exit_status);
        CHECK(r.err.find(row.message) != std::string::npos);
        CHECK(r.err.find("warning:") == std::string::npos);  // nothing was imported
        CHECK(read_text_file(out).empty());                  // and no key file written
    }
}

TEST_CASE("library errors: the alert kinds, and a key file naming a persistent parent that is gone") {
    CHECK(alert_of(parse_private_key(view(generate_key(KeyType::ecdsa_p384).private_pem))) ==
          AlertDescription::illegal_parameter);
    CHECK(alert_of(parse_private_key(view(std::string("not a key")))) == AlertDescription::decode_error);

    Swtpm swtpm;
    TempDir dir;
    persist_storage_parent(swtpm, dir, "0x81000002");
    ContextOptions options;
    options.tcti = swtpm.tcti();
    auto ctx = must(TpmContext::open(options));
    const SoftwareKey key = must(parse_private_key(view(generate_key(KeyType::ecdsa_p256).private_pem)));
    const ImportedKey imported = must(import_key(*ctx, key, 0x81000002));
    const std::string path = dir.file("under-0x81000002.tss2");
    must(save_tss2_key_file(path, key_file_for(imported)));
    must(load_key_file(ctx, must(load_tss2_key_file(path))));  // loads while the parent is there

    tools(swtpm, {"tpm2_evictcontrol", "-C", "o", "-c", "0x81000002"});
    auto gone = load_key_file(ctx, must(load_tss2_key_file(path)));
    REQUIRE_FALSE(gone);
    CHECK(gone.error().reason.find("parent 0x81000002 is missing") != std::string::npos);
}

TEST_CASE("a TPM in dictionary-attack lockout: import refuses, info says so") {
    Swtpm swtpm;
    TempDir dir;
    const std::string p256 = genpkey(dir, "p256.pem", {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"});
    // One failed authorization is enough (max tries 1), on a DA-protected key (no noDA) with a
    // password, used with the wrong one.
    tools(swtpm, {"tpm2_dictionarylockout", "-s", "-n", "1", "-t", "600", "-l", "600"});
    tools(swtpm, {"tpm2_createprimary", "-C", "o", "-p", "right", "-c", dir.file("da.ctx")});
    auto wrong = run_command({"tpm2_create", "-T", swtpm.tcti(), "-C", dir.file("da.ctx"), "-P", "wrong", "-u",
                              dir.file("x.pub"), "-r", dir.file("x.priv")});
    REQUIRE_MESSAGE(wrong.exit_status != 0, wrong.transcript);
    tools(swtpm, {"tpm2_flushcontext", "-t"});

    auto info = run_command({cli_path(), "info", "--tcti", swtpm.tcti()});
    INFO(info.transcript);
    CHECK(info.exit_status == 0);
    CHECK(info.out.find("lockout: IN LOCKOUT, 1 of 1") != std::string::npos);

    auto r = run_command({cli_path(), "import", "--in", p256, "--out", dir.file("k.tss2"), "--tcti", swtpm.tcti()});
    INFO(r.transcript);
    CHECK(r.exit_status == 4);
    CHECK(r.err.find("TPM is in dictionary-attack lockout") != std::string::npos);
    CHECK(read_text_file(dir.file("k.tss2")).empty());
}
