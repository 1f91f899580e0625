// `tpmtls list`: the persistent handles in the TPM with key type, attributes, public key
// fingerprint and whether tpmtls made them (tpm/inventory.h says how that is recognised).
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "client/cli/command.h"
#include "tpm/inventory.h"

namespace tpmtls::cli {
namespace {

const CommandSpec spec{
    .name = "list",
    .summary = "list the TPM's persistent handles with key type, attributes and fingerprint",
    .synopsis = "tpmtls list [--tcti T]",
    .description =
        "One line per persistent handle (TPM2_GetCapability from 0x81000000): handle, key type,\n"
        "`tpmtls` if one of our key templates made it (else `other`), TPMA_OBJECT attributes, and\n"
        "the SHA-256 of the public key's SubjectPublicKeyInfo (as `openssl pkey -pubout -outform DER\n"
        "| sha256sum` prints it for the original key). Exit codes: 0 ok, 2 usage, 4 TPM.",
    .options = {{"tcti", "TCTI", "TCTI configuration (default: $TPM2TOOLS_TCTI, $TCTI, then tctildr's search)"}},
};

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    const auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    ::setenv("TSS2_LOG", "all+none", 0);  // our messages carry the decoded TSS2 codes
    tpm::ContextOptions context_options;
    context_options.tcti = options->value("tcti");
    auto context = tpm::TpmContext::open(context_options);
    if (!context) {
        print_error(spec.name, context.error().reason);
        return Exit::tpm;
    }
    auto objects = tpm::list_persistent_objects(**context);
    if (!objects) {
        print_error(spec.name, objects.error().reason);
        return Exit::tpm;
    }
    for (const tpm::PersistentObject& object : *objects) {
        char handle[16];
        std::snprintf(handle, sizeof handle, "0x%08x", object.handle);
        std::cout << handle << "  " << object.type << "  " << (object.made_by_tpmtls ? "tpmtls" : "other") << "  "
                  << object.attribute_names << "  "
                  << (object.spki_sha256.empty() ? "-" : "sha256:" + to_hex(view(object.spki_sha256))) << "\n";
    }
    if (objects->empty()) std::cerr << "no persistent handles\n";
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
