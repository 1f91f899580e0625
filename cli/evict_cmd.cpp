// `tpmtls evict`: removes a persistent key from the TPM (TPM2_EvictControl). Handles tpmtls did
// not make (tpm/inventory.h says how that is recognised) need --force.
#include <cstdlib>
#include <iostream>

#include "cli/command.h"
#include "cli/tpm_cli.h"
#include "tpm/inventory.h"
#include "tpm/key_reference.h"

namespace tpmtls::cli {
namespace {

const CommandSpec spec{
    .name = "evict",
    .summary = "remove a persistent key from the TPM",
    .synopsis = "tpmtls evict --handle 0x81xxxxxx [--force] [--tcti T]",
    .description =
        "Evicts the persistent object at HANDLE. Only keys made by tpmtls (our key templates at an\n"
        "owner handle, see `tpmtls list`) are evicted; others, such as the SRK (0x81000001) or the EK\n"
        "(0x81010001), need --force. The key is gone for good unless you kept its key file.\n"
        "HANDLE is written 0x81000010 (tpm2-tools) or handle:0x81000010 (tpm2-openssl).",
    .options =
        {
            {"handle", "HANDLE", "the persistent handle (0x81000000-0x81ffffff)"},
            {"force", "", "evict even a handle tpmtls did not make"},
            {"tcti", "TCTI", "TCTI configuration (default: $TPM2TOOLS_TCTI, $TCTI, then tctildr's search)"},
        },
};

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    const auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    const auto fail = [](Problem problem) { return report(spec, problem); };
    const auto text = options->value("handle");
    if (!text) return fail({Exit::usage, "needs --handle", "see `tpmtls evict --help`"});
    const auto handle = tpm::parse_persistent_handle(*text);
    if (!handle) return fail({Exit::usage, handle.error().reason, "see `tpmtls evict --help`"});
    const auto context = open_tpm(spec.name, *options);
    if (!context) return Exit::tpm;
    if (auto evicted = tpm::evict_persistent_object(*context, *handle, options->has("force")); !evicted) {
        const bool refused = evicted.error().description == AlertDescription::illegal_parameter;
        return fail({refused ? Exit::failure : Exit::tpm, evicted.error().reason, refused ? "check it with `tpmtls list`" : ""});
    }
    std::cout << "evicted " << *text << "\n";
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
