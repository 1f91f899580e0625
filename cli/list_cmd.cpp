// `tpmtls list`: the persistent handles in the TPM with key type, attributes, public key
// fingerprint and whether tpmtls made them (tpm/inventory.h says how that is recognised).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/command.h"
#include "cli/tpm_cli.h"
#include "tpm/inventory.h"

namespace tpmtls::cli {
namespace {

const CommandSpec spec{
    .name = "list",
    .summary = "list the TPM's persistent handles with key type, attributes and fingerprint",
    .synopsis = "tpmtls list [--tcti T]",
    .description =
        "One line per persistent handle (TPM2_GetCapability from 0x81000000): handle, key type,\n"
        "`tpmtls` if one of our key templates made it (else `other`), what the key is for (`signing`:\n"
        "a client key; `storage`: a parent such as the SRK; `restricted-signing`: an attestation key;\n"
        "else `other`), TPMA_OBJECT attributes, and the SHA-256 of the public key's\n"
        "SubjectPublicKeyInfo (as `openssl pkey -pubout -outform DER | sha256sum` prints it for the\n"
        "original key). Lines starting with '#' explain the columns.",
    .options = {{"tcti", "TCTI", "TCTI configuration (default: $TPM2TOOLS_TCTI, $TCTI, then tctildr's search)"}},
};

bool has_attribute(const std::string& names, std::string_view name) {
    // Appended, not "|" + ...: GCC 12 warns -Wrestrict on const char* + std::string&& (GCC bug 105329).
    std::string padded = "|", wanted = "|";
    padded.append(names).append("|");
    wanted.append(name).append("|");
    return padded.find(wanted) != std::string::npos;
}

// What a newcomer needs to know about the object, from its attributes (TPM 2.0 Part 1 §27.2).
std::string key_use(const std::string& attributes) {
    const bool sign = has_attribute(attributes, "sign");
    const bool decrypt = has_attribute(attributes, "decrypt");
    const bool restricted = has_attribute(attributes, "restricted");
    if (restricted && decrypt && !sign) return "storage";
    if (restricted && sign && !decrypt) return "restricted-signing";
    if (sign && !restricted && !decrypt) return "signing";
    return "other";
}

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    const auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    const auto context = open_tpm(spec.name, *options);
    if (!context) return Exit::tpm;
    auto objects = tpm::list_persistent_objects(*context);
    if (!objects) {
        return report(spec, {Exit::tpm, objects.error().reason, {}});
    }
    if (!objects->empty())
        std::cout << "# handle  key  made-by  use  attributes  public key (sha256 of SubjectPublicKeyInfo)\n";
    for (const tpm::PersistentObject& object : *objects) {
        char handle[16];
        std::snprintf(handle, sizeof handle, "0x%08x", object.handle);
        std::cout << handle << "  " << object.type << "  " << (object.made_by_tpmtls ? "tpmtls" : "other") << "  "
                  << key_use(object.attribute_names) << "  " << object.attribute_names << "  "
                  << (object.spki_sha256.empty() ? "-" : "sha256:" + to_hex(view(object.spki_sha256))) << "\n";
    }
    if (!objects->empty())
        std::cout << "# made by tpmtls: `tpmtls evict --handle H` removes it; other: not made by tpmtls "
                     "(an SRK, EK or another tool's key), evict needs --force\n";
    if (objects->empty()) std::cerr << "no persistent handles\n";
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
