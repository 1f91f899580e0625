// `tpmtls persist`: loads a TSS2 key file into the TPM and makes it persistent at a handle
// (TPM2_EvictControl), so clients can name it as handle:0x81...
#include <iostream>

#include "cli/command.h"
#include "cli/tpm_cli.h"
#include "tpm/key_file.h"
#include "tpm/key_reference.h"
#include "tpm/keys.h"

namespace tpmtls::cli {
namespace {

using namespace tpmtls::tpm;

const CommandSpec spec{
    .name = "persist",
    .summary = "make the key of a TSS2 key file persistent at a TPM handle",
    .synopsis = "tpmtls persist --key FILE --handle 0x81... [--force] [--tcti T]",
    .description =
        "Loads the key of a TSS2 PRIVATE KEY file under its parent (the owner primary or the persistent\n"
        "parent the file names) and makes it persistent at HANDLE with TPM2_EvictControl. An occupied\n"
        "handle is refused unless --force, which evicts what is there first. The key keeps its\n"
        "authorization value, if any.",
    .options = {
        {"key", "FILE", "the TSS2 PRIVATE KEY file"},
        {"handle", "HANDLE", "the persistent handle (an owner handle, 0x81000000-0x817FFFFF)"},
        {"force", "", "replace what is stored at HANDLE"},
        {"tcti", "TCTI", "TPM to use (swtpm:host=...,port=..., device:/dev/tpmrm0); default: "
                         "TPM2TOOLS_TCTI, TCTI, then tctildr's search"},
    },
};

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    const auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    const auto fail = [](Problem problem) { return report(spec, problem); };
    const auto key_path = options->value("key");
    const auto handle_text = options->value("handle");
    if (!key_path || !handle_text)
        return fail({Exit::usage, "--key FILE and --handle HANDLE are needed", "see `tpmtls persist --help`"});
    const auto handle = parse_persistent_handle(*handle_text, HandleUse::create);
    if (!handle) return fail({Exit::usage, handle.error().reason, "see `tpmtls persist --help`"});
    if (auto problem = unreadable_file("--key", *key_path)) {
        if (!handle_spelling_hint(*key_path).empty())
            problem->hint = "--key is a TSS2 key file here: a key at a persistent handle is persistent already";
        return fail(*problem);
    }
    const auto file = load_tss2_key_file(*key_path);
    if (!file) return fail({Exit::key, "--key " + *key_path + " is not a usable TSS2 key file: " + file.error().reason, {}});
    const auto context = open_tpm(spec.name, *options);
    if (!context) return Exit::tpm;
    const bool force = options->has("force");
    if (!force) {
        auto occupied = persistent_handle_occupied(context, *handle);
        if (!occupied) return fail({Exit::tpm, occupied.error().reason, {}});
        if (*occupied)
            return fail({Exit::tpm, "persistent handle " + *handle_text + " is occupied",
                         "pass --force to replace what is stored there, or choose another handle"});
    }
    const auto made = make_persistent(context, KeyBlob{file->public_area, file->private_area}, *handle, force,
                                      file->parent);
    if (!made) return fail({Exit::tpm, made.error().reason, {}});
    std::cout << *key_path << " is persistent at " << *handle_text << "\n";
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
