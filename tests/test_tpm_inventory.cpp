// `tpmtls list`, `evict` and `info` (tpm/inventory.h) against swtpm, each checked against what
// tpm2-tools reads from the same TPM: `tpm2_getcap handles-persistent`, `properties-fixed`,
// `properties-variable`, `algorithms`, `ecc-curves`, and `tpm2_readpublic -f der` for the
// fingerprint of a key we did not make.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <sstream>

#include "support/paths.h"
#include "support/result_testing.h"
#include "support/swtpm.h"
#include "support/test_pki.h"
#include "tls13/crypto/hash.h"
#include "tpm/import.h"
#include "tpm/inventory.h"
#include "tpm/keys.h"

using namespace tpmtls;
using namespace tpmtls::test;
using namespace tpmtls::tpm;

namespace {

std::shared_ptr<TpmContext> open_context(const Swtpm& swtpm) {
    ContextOptions options;
    options.tcti = swtpm.tcti();
    return must(TpmContext::open(options));
}

std::string tools(const Swtpm& swtpm, std::vector<std::string> argv) {
    REQUIRE_MESSAGE(!find_program(argv[0]).empty(), (std::string(argv[0]) + " (tpm2-tools) is not installed"));
    argv.insert(argv.begin() + 1, {"-T", swtpm.tcti()});
    auto r = run_command(argv);
    REQUIRE_MESSAGE(r.exit_status == 0, r.transcript);
    return r.out;
}

CommandResult tpmtls_cli(const Swtpm& swtpm, std::vector<std::string> args) {
    args.insert(args.begin(), cli_path());
    args.insert(args.end(), {"--tcti", swtpm.tcti()});
    return run_command(args);
}

std::string handle_text(uint32_t handle) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", handle);
    return buf;
}

// `tpm2_getcap handles-persistent`: lines "- 0x81000001".
std::set<std::string> getcap_handles(const Swtpm& swtpm) {
    std::set<std::string> out;
    std::istringstream lines(tools(swtpm, {"tpm2_getcap", "handles-persistent"}));
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("- ", 0) == 0) {
            std::string h = line.substr(2);
            std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            out.insert(h);
        }
    }
    return out;
}

// The first handle column of `tpmtls list`.
std::set<std::string> listed_handles(const std::string& list_output) {
    std::set<std::string> out;
    std::istringstream lines(list_output);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind("#", 0) != 0) out.insert(line.substr(0, line.find(' ')));  // '#': column notes
    return out;
}

// "NAME:\n  raw: 0x1F" or "NAME: 0x1F" in tpm2_getcap's YAML.
uint32_t getcap_value(const std::string& yaml, const std::string& name) {
    const size_t at = yaml.find("\n" + name + ":");
    REQUIRE_MESSAGE(at != std::string::npos, (name + " missing from tpm2_getcap output"));
    const size_t line_end = yaml.find('\n', at + 1);
    std::string rest = yaml.substr(at + name.size() + 2, line_end - at - name.size() - 2);
    if (rest.find_first_not_of(' ') == std::string::npos) {
        const size_t next_end = yaml.find('\n', line_end + 1);
        rest = yaml.substr(line_end + 1, next_end - line_end - 1);
        REQUIRE(rest.find("raw:") != std::string::npos);
        rest = rest.substr(rest.find("raw:") + 4);
    }
    return static_cast<uint32_t>(std::stoul(rest, nullptr, 0));
}

std::string line_of(const std::string& text, const std::string& prefix) {
    const size_t at = text.find(prefix);
    REQUIRE_MESSAGE(at != std::string::npos, (prefix + " missing from: " + text));
    return text.substr(at + prefix.size(), text.find('\n', at) - at - prefix.size());
}

}  // namespace

TEST_CASE("tpmtls list and evict agree with tpm2_getcap handles-persistent; others' keys need --force") {
    Swtpm swtpm;
    TempDir dir;
    // Someone else's key: an SRK made by tpm2-tools at the usual 0x81000001.
    tools(swtpm, {"tpm2_createprimary", "-C", "o", "-c", dir.file("srk.ctx")});
    tools(swtpm, {"tpm2_evictcontrol", "-C", "o", "-c", dir.file("srk.ctx"), "0x81000001"});
    tools(swtpm, {"tpm2_flushcontext", "-t"});
    tools(swtpm, {"tpm2_readpublic", "-c", "0x81000001", "-f", "der", "-o", dir.file("srk.der")});
    const std::string srk_der = read_text_file(dir.file("srk.der"));

    // Ours: a key made in the TPM and an imported one.
    auto ctx = open_context(swtpm);
    must(make_persistent(ctx, must(create_p256_signing_key(*ctx)), 0x81000020, false));
    const SoftwareKey original = must(parse_private_key(view(generate_key(KeyType::rsa_2048).private_pem)));
    must(persist_imported_key(ctx, must(import_key(*ctx, original)), 0x81000021, false));

    auto list = tpmtls_cli(swtpm, {"list"});
    INFO(list.transcript);
    REQUIRE(list.exit_status == 0);
    CHECK(listed_handles(list.out) == getcap_handles(swtpm));
    CHECK(listed_handles(list.out) == std::set<std::string>{"0x81000001", "0x81000020", "0x81000021"});
    // Column notes for a newcomer, as '#' lines around the data.
    CHECK(list.out.rfind("# handle  key  made-by  use  attributes  public key", 0) == 0);
    CHECK(list.out.find("\n# made by tpmtls: `tpmtls evict --handle H` removes it") != std::string::npos);
    CHECK(line_of(list.out, "0x81000001  ") ==
          "rsa-2048  other  storage  fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|restricted|decrypt  sha256:" +
              to_hex(view(hash(HashAlgorithm::sha256, view(srk_der)))));
    CHECK(line_of(list.out, "0x81000020  ").rfind("ecc-p256  tpmtls  signing  fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|noDA|sign  sha256:", 0) == 0);
    CHECK(line_of(list.out, "0x81000021  ") ==
          "rsa-2048  tpmtls  signing  userWithAuth|noDA|sign  sha256:" +
              to_hex(view(hash(HashAlgorithm::sha256, view(original.public_key_der())))));
    // The library view is the same.
    const auto objects = must(list_persistent_objects(*ctx));
    CHECK(objects.size() == 3);

    // Not ours: refused (1) without --force, and still there.
    auto refused = tpmtls_cli(swtpm, {"evict", "--handle", "0x81000001"});
    CHECK(refused.exit_status == 1);
    CHECK(refused.err.find("not made by tpmtls") != std::string::npos);
    CHECK(getcap_handles(swtpm).count("0x81000001") == 1);

    auto evicted = tpmtls_cli(swtpm, {"evict", "--handle", "0x81000021"});
    INFO(evicted.transcript);
    CHECK(evicted.exit_status == 0);
    CHECK(getcap_handles(swtpm) == std::set<std::string>{"0x81000001", "0x81000020"});

    auto empty = tpmtls_cli(swtpm, {"evict", "--handle", "0x81000021"});
    CHECK(empty.exit_status == 4);
    CHECK(empty.err.find("persistent handle 0x81000021 is empty") != std::string::npos);

    auto forced = tpmtls_cli(swtpm, {"evict", "--handle", "0x81000001", "--force"});
    CHECK(forced.exit_status == 0);
    must(evict_persistent_object(*ctx, 0x81000020, false));
    CHECK(getcap_handles(swtpm).empty());
    CHECK(must(persistent_handles(*ctx)).empty());

    auto bad = tpmtls_cli(swtpm, {"evict", "--handle", "0x80000001"});
    CHECK(bad.exit_status == 2);
    for (const char* command : {"list", "evict", "info"}) {
        auto help = run_command({cli_path(), command, "--help"});
        CHECK(help.exit_status == 0);
        CHECK(help.out.find(std::string("usage: tpmtls ") + command) != std::string::npos);
    }
}

TEST_CASE("tpmtls info agrees with tpm2_getcap properties-fixed, properties-variable, algorithms, ecc-curves; self-test runs") {
    Swtpm swtpm;
    const std::string fixed = tools(swtpm, {"tpm2_getcap", "properties-fixed"});
    const std::string variable = tools(swtpm, {"tpm2_getcap", "properties-variable"});
    auto ctx = open_context(swtpm);
    const TpmInfo info = must(read_tpm_info(*ctx));
    CHECK(info.manufacturer_id == getcap_value(fixed, "TPM2_PT_MANUFACTURER"));
    CHECK(info.manufacturer == "IBM");  // swtpm (libtpms)
    CHECK(info.firmware_version_1 == getcap_value(fixed, "TPM2_PT_FIRMWARE_VERSION_1"));
    CHECK(info.firmware_version_2 == getcap_value(fixed, "TPM2_PT_FIRMWARE_VERSION_2"));
    CHECK(info.spec_level == getcap_value(fixed, "TPM2_PT_LEVEL"));
    CHECK(info.spec_revision == getcap_value(fixed, "TPM2_PT_REVISION"));
    CHECK(info.spec_year == getcap_value(fixed, "TPM2_PT_YEAR"));
    CHECK(info.transient_slots == getcap_value(fixed, "TPM2_PT_HR_TRANSIENT_MIN"));
    CHECK(info.persistent_slots == getcap_value(fixed, "TPM2_PT_HR_PERSISTENT_MIN"));
    CHECK(info.family == "2.0");
    CHECK(info.lockout.counter == getcap_value(variable, "TPM2_PT_LOCKOUT_COUNTER"));
    CHECK(info.lockout.max_tries == getcap_value(variable, "TPM2_PT_MAX_AUTH_FAIL"));
    CHECK(info.lockout.recovery_interval == getcap_value(variable, "TPM2_PT_LOCKOUT_INTERVAL"));
    CHECK(info.lockout.lockout_recovery == getcap_value(variable, "TPM2_PT_LOCKOUT_RECOVERY"));
    CHECK(info.lockout.in_lockout == (line_of(variable, "inLockout:").find('1') != std::string::npos));

    // Algorithms: tpm2-tools prints each as a top-level "name:" key.
    std::vector<std::string> algorithms;
    std::istringstream alg_lines(tools(swtpm, {"tpm2_getcap", "algorithms"}));
    for (std::string line; std::getline(alg_lines, line);)
        if (!line.empty() && line[0] != ' ') algorithms.push_back(line.substr(0, line.find(':')));
    CHECK(info.algorithms == algorithms);
    // Curves: "TPM2_ECC_NIST_P256: 0x3" is our "nist-p256".
    std::vector<std::string> curves;
    std::istringstream curve_lines(tools(swtpm, {"tpm2_getcap", "ecc-curves"}));
    for (std::string line; std::getline(curve_lines, line);) {
        std::string name = line.substr(9, line.find(':') - 9);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return c == '_' ? '-' : static_cast<char>(std::tolower(c)); });
        curves.push_back(name);
    }
    CHECK(info.curves == curves);
    CHECK(std::find(info.curves.begin(), info.curves.end(), "nist-p256") != info.curves.end());

    must(run_self_test(*ctx));
    auto cli = tpmtls_cli(swtpm, {"info", "--selftest"});
    INFO(cli.transcript);
    CHECK(cli.exit_status == 0);
    CHECK(cli.out.find("self-test: passed (full)") != std::string::npos);
    CHECK(line_of(cli.out, "manufacturer: ") == "IBM (" + handle_text(info.manufacturer_id) + ")");
    CHECK(line_of(cli.out, "transient object slots: ") == std::to_string(getcap_value(fixed, "TPM2_PT_HR_TRANSIENT_MIN")));
    CHECK(line_of(cli.out, "spec: ").find("revision " + revision_text(getcap_value(fixed, "TPM2_PT_REVISION"))) !=
          std::string::npos);
    CHECK(line_of(cli.out, "lockout: ").rfind("not in lockout, 0 of 3", 0) == 0);
    CHECK(line_of(cli.out, "tpmtls keys: ") == "ECC P-256 yes, RSA-2048 yes");  // swtpm has ecdsa and rsapss
}

TEST_CASE("every key tpmtls keygen --persist and import make is listed as tpmtls and evicted without --force; "
          "import --force does not replace another tool's object without --replace-foreign") {
    Swtpm swtpm;
    TempDir dir;
    const std::string auth = dir.write("auth.txt", "s3cret pass\n");
    struct Made {
        const char* handle;
        std::vector<std::string> args;
        const char* type;
        bool no_da;
    };
    const std::vector<Made> made = {
        {"0x81000030", {}, "ecc-p256", true},
        {"0x81000031", {"--algorithm", "rsa"}, "rsa-2048", true},
        {"0x81000032", {"--auth-file", auth}, "ecc-p256", false},  // an auth value clears noDA
        {"0x81000033", {"--algorithm", "rsa", "--auth-file", auth}, "rsa-2048", false},
    };
    for (const Made& m : made) {
        std::vector<std::string> args = {"keygen", "--persist", m.handle};
        args.insert(args.end(), m.args.begin(), m.args.end());
        auto r = tpmtls_cli(swtpm, args);
        INFO(r.transcript);
        REQUIRE(r.exit_status == 0);
    }
    const std::string p256 = dir.write("p256.pem", generate_key(KeyType::ecdsa_p256).private_pem);
    const std::string rsa = dir.write("rsa.pem", generate_key(KeyType::rsa_2048).private_pem);
    for (const auto& [in, handle] : {std::pair{p256, "0x81000034"}, std::pair{rsa, "0x81000035"}}) {
        auto r = tpmtls_cli(swtpm, {"import", "--in", in, "--persist", handle});
        INFO(r.transcript);
        REQUIRE(r.exit_status == 0);
    }

    auto list = tpmtls_cli(swtpm, {"list"});
    INFO(list.transcript);
    REQUIRE(list.exit_status == 0);
    for (const Made& m : made) {
        const std::string line = line_of(list.out, std::string(m.handle) + "  ");
        INFO(m.handle << ": " << line);
        CHECK(line.rfind(std::string(m.type) + "  tpmtls  signing  fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|" +
                             (m.no_da ? "noDA|" : "") + "sign  sha256:",
                         0) == 0);
    }
    CHECK(line_of(list.out, "0x81000034  ").rfind("ecc-p256  tpmtls  signing  userWithAuth|noDA|sign  ", 0) == 0);
    CHECK(line_of(list.out, "0x81000035  ").rfind("rsa-2048  tpmtls  signing  userWithAuth|noDA|sign  ", 0) == 0);

    for (const char* handle : {"0x81000030", "0x81000031", "0x81000032", "0x81000033", "0x81000034", "0x81000035"}) {
        auto r = tpmtls_cli(swtpm, {"evict", "--handle", handle});
        INFO(r.transcript);
        CHECK(r.exit_status == 0);
    }
    CHECK(getcap_handles(swtpm).empty());

    // A tpm2-tools primary persisted at 0x81000040: evict and import --force refuse it.
    tools(swtpm, {"tpm2_createprimary", "-C", "o", "-c", dir.file("other.ctx")});
    tools(swtpm, {"tpm2_evictcontrol", "-C", "o", "-c", dir.file("other.ctx"), "0x81000040"});
    tools(swtpm, {"tpm2_flushcontext", "-t"});
    auto refused = tpmtls_cli(swtpm, {"evict", "--handle", "0x81000040"});
    CHECK(refused.exit_status == 1);
    CHECK(refused.err.find("not made by tpmtls") != std::string::npos);

    auto no_force = tpmtls_cli(swtpm, {"import", "--in", p256, "--persist", "0x81000040"});
    CHECK(no_force.exit_status == 4);
    CHECK(no_force.err.find("is occupied") != std::string::npos);
    auto foreign = tpmtls_cli(swtpm, {"import", "--in", p256, "--persist", "0x81000040", "--force"});
    INFO(foreign.transcript);
    CHECK(foreign.exit_status == 1);
    CHECK(foreign.err.find("which tpmtls did not make: not replaced") != std::string::npos);
    CHECK(foreign.err.find("--replace-foreign") != std::string::npos);
    CHECK(line_of(tpmtls_cli(swtpm, {"list"}).out, "0x81000040  ").find("  other  ") != std::string::npos);
    auto alone = tpmtls_cli(swtpm, {"import", "--in", p256, "--persist", "0x81000040", "--replace-foreign"});
    CHECK(alone.exit_status == 2);

    // Our own key at the handle is replaced with --force alone.
    auto ours = tpmtls_cli(swtpm, {"import", "--in", rsa, "--persist", "0x81000041"});
    REQUIRE(ours.exit_status == 0);
    auto over_ours = tpmtls_cli(swtpm, {"import", "--in", p256, "--persist", "0x81000041", "--force"});
    INFO(over_ours.transcript);
    CHECK(over_ours.exit_status == 0);
    CHECK(line_of(tpmtls_cli(swtpm, {"list"}).out, "0x81000041  ").rfind("ecc-p256  tpmtls  ", 0) == 0);

    auto replaced = tpmtls_cli(swtpm, {"import", "--in", p256, "--persist", "0x81000040", "--force", "--replace-foreign"});
    INFO(replaced.transcript);
    CHECK(replaced.exit_status == 0);
    CHECK(line_of(tpmtls_cli(swtpm, {"list"}).out, "0x81000040  ").rfind("ecc-p256  tpmtls  signing  userWithAuth|noDA|sign  ", 0) == 0);

    auto help = run_command({cli_path(), "import", "--help"});
    CHECK(help.out.find("--replace-foreign") != std::string::npos);
}
