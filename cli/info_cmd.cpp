// `tpmtls info`: who made the TPM, what it supports, how many objects it holds at once, whether
// it is in dictionary-attack lockout; optionally its full self-test.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"
#include "cli/tpm_cli.h"
#include "tpm/inventory.h"

namespace tpmtls::cli {
namespace {

const CommandSpec spec{
    .name = "info",
    .summary = "show TPM manufacturer, firmware, spec level, algorithms, curves, slots and lockout",
    .synopsis = "tpmtls info [--selftest] [--tcti T]",
    .description =
        "Prints the TPM's fixed properties (TPM2_GetCapability: manufacturer, vendor string, firmware\n"
        "version, spec family/level/revision), the algorithms and ECC curves it implements, its\n"
        "transient object slots (TPM_PT_HR_TRANSIENT_MIN), whether it can hold the keys tpmtls makes\n"
        "(ECC P-256 with ECDSA; RSA-2048 with RSA-PSS) and the dictionary-attack state. With\n"
        "--selftest it runs TPM2_SelfTest(full) first and reports TPM2_GetTestResult.",
    .options =
        {
            {"selftest", "", "run the full self-test (TPM2_SelfTest fullTest=YES)"},
            {"tcti", "TCTI", "TCTI configuration (default: $TPM2TOOLS_TCTI, $TCTI, then tctildr's search)"},
        },
};

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
    return out;
}

bool listed(const std::vector<std::string>& items, std::string_view name) {
    return std::find(items.begin(), items.end(), name) != items.end();
}

// Whether this TPM can hold the keys tpmtls makes, in words: ECC P-256 with ECDSA, RSA with
// RSASSA-PSS (the only RSA scheme TLS 1.3 signs with, RFC 8446 §4.2.3).
std::string tpmtls_key_support(const tpm::TpmInfo& i) {
    const bool ecc = listed(i.algorithms, "ecc") && listed(i.algorithms, "ecdsa") && listed(i.curves, "nist-p256");
    const bool rsa = listed(i.algorithms, "rsa") && listed(i.algorithms, "rsapss");
    return std::string("ECC P-256 ") + (ecc ? "yes" : "NO (needs ecc, ecdsa, nist-p256)") + ", RSA-2048 " +
           (rsa ? "yes" : "NO (needs rsa, rsapss)");
}

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    const auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    const auto context = open_tpm(spec.name, *options);
    if (!context) return Exit::tpm;
    if (options->has("selftest")) {
        if (auto tested = tpm::run_self_test(*context); !tested) {
            return report(spec, {Exit::tpm, tested.error().reason, {}});
        }
        std::cout << "self-test: passed (full)\n";
    }
    auto info = tpm::read_tpm_info(*context);
    if (!info) {
        return report(spec, {Exit::tpm, info.error().reason, {}});
    }
    const tpm::TpmInfo& i = *info;
    char id[16];
    std::snprintf(id, sizeof id, "0x%08x", i.manufacturer_id);
    std::cout << "manufacturer: " << i.manufacturer << " (" << id << ")\n"
              << "vendor: " << i.vendor << "\n"
              << "firmware: " << tpm::firmware_text(i.firmware_version_1, i.firmware_version_2) << "\n"
              << "spec: TPM " << i.family << " level " << i.spec_level << " revision "
              << tpm::revision_text(i.spec_revision) << " (" << i.spec_year << ", day " << i.spec_day_of_year << ")\n"
              << "transient object slots: " << i.transient_slots << "\n"
              << "persistent object slots (at least): " << i.persistent_slots << "\n"
              << "algorithms: " << join(i.algorithms) << "\n"
              << "ecc curves: " << join(i.curves) << "\n"
              << "tpmtls keys: " << tpmtls_key_support(i) << "\n"
              << "lockout: " << (i.lockout.in_lockout ? "IN LOCKOUT" : "not in lockout") << ", "
              << i.lockout.counter << " of " << i.lockout.max_tries << " failed authorizations, one forgiven every "
              << i.lockout.recovery_interval << " s, lockoutAuth retry after " << i.lockout.lockout_recovery << " s\n";
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
