// `tpmtls replay`: RFC 8448 §3 driven through our client and server, annotated (issue 7, point 5).
#include <iostream>

#include "cli/command.h"
#include "cli/replay_report.h"
#include "cli/replay_session.h"

namespace tpmtls::cli {
namespace {

const CommandSpec spec{
    .name = "replay",
    .summary = "replay RFC 8448 §3 through our client and server, marking what matches the RFC",
    .synopsis = "tpmtls replay [--section 3] [--show-secrets]",
    .description =
        "Runs the tpmtls client and server against each other in memory with RFC 8448's inputs: "
        "the randoms, the ephemeral x25519 keys and the server certificate with its RSA key. "
        "Prints each handshake message decoded field by field, each record and each key-schedule "
        "step, and compares every byte string the RFC lists with ours: \"= RFC 8448 §3\" when "
        "they are equal, \"≠ RFC 8448 §3\" with the reason and a diff when not (our ClientHello "
        "and EncryptedExtensions leave out extensions we do not implement, so the transcript and "
        "everything derived from it differ from there on). Our client refuses the RFC's "
        "1024-bit RSA server certificate (our chain policy wants 2048 bits), so the run ends "
        "with bad_certificate; the steps of §3 after that are listed as not reached. Secret values are shown only with --show-secrets (RFC 8448 publishes "
        "them). Only section 3, the simple 1-RTT handshake, is replayed.",
    .options = {{"section", "N", "the RFC 8448 section to replay (3, the default, is the only one)"},
                {"show-secrets", "", "print secret values (ours and, where they differ, the RFC's)"}},
};

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    const auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    if (options->value_or("section", "3") != "3") {
        return report(spec, {Exit::usage, "RFC 8448 section " + options->value_or("section", "") + " is not replayed",
                             "only --section 3 (the simple 1-RTT handshake) is available"});
    }
    auto replay = run_rfc8448_section3();
    if (!replay) {
        return report(spec, {Exit::failure, replay.error().to_string(), {}});
    }
    print_replay_report(*replay, ReplayReportOptions{.show_secrets = options->has("show-secrets")}, std::cout);
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
