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
        "authorization value, if any. Exit codes: 0 ok, 1 file error, 2 usage, 4 TPM error.",
    .options = {
        {"key", "FILE", "the TSS2 PRIVATE KEY file"},
        {"handle", "HANDLE", "the persistent handle (0x81000000-0x81FFFFFF)"},
        {"force", "", "replace what is stored at HANDLE"},
        {"tcti", "TCTI", "TPM to use (swtpm:host=...,port=..., device:/dev/tpmrm0); default: "
                         "TPM2TOOLS_TCTI, TCTI, then tctildr's search"},
    },
};

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    const auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    const auto key_path = options->value("key");
    const auto handle_text = options->value("handle");
    if (!key_path || !handle_text) {
        print_error(spec.name, "--key FILE and --handle HANDLE are needed", "see `tpmtls persist --help`");
        return Exit::usage;
    }
    const auto handle = parse_persistent_handle(*handle_text);
    if (!handle) {
        print_error(spec.name, handle.error().reason, "see `tpmtls persist --help`");
        return Exit::usage;
    }
    const auto file = load_tss2_key_file(*key_path);
    if (!file) {
        print_error(spec.name, *key_path + ": " + file.error().reason);
        return Exit::failure;
    }
    const auto context = open_tpm(spec.name, *options);
    if (!context) return Exit::tpm;
    const bool force = options->has("force");
    if (!force) {
        auto occupied = persistent_handle_occupied(context, *handle);
        if (!occupied) {
            print_error(spec.name, occupied.error().reason);
            return Exit::tpm;
        }
        if (*occupied) {
            print_error(spec.name, "persistent handle " + *handle_text + " is occupied",
                        "pass --force to replace what is stored there, or choose another handle");
            return Exit::tpm;
        }
    }
    const auto made = make_persistent(context, KeyBlob{file->public_area, file->private_area}, *handle, force,
                                      file->parent);
    if (!made) {
        print_error(spec.name, made.error().reason);
        return Exit::tpm;
    }
    std::cout << *key_path << " is persistent at " << *handle_text << "\n";
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
