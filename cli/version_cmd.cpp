// `tpmtls version`: the version of the command and of the libraries it was built with.
#include <mbedtls/version.h>
#include <sodium.h>
#include <tss2/tss2_tpm2_types.h>

#include <iostream>

#include "cli/command.h"

namespace tpmtls::cli {
namespace {

const CommandSpec spec{
    .name = "version",
    .summary = "print the version of tpmtls and its libraries",
    .synopsis = "tpmtls version",
    .description = "Prints the tpmtls version and the versions of libsodium and mbedTLS it uses.",
    .options = {},
};

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    if (!parse_options(spec, args, exit)) return exit;
    std::cout << "tpmtls " << TPMTLS_VERSION << "\n"
              << "libsodium " << sodium_version_string() << "\n"
              << "mbedTLS " << MBEDTLS_VERSION_STRING << " (crypto and X.509 only)\n";
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
