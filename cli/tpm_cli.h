// What the TPM subcommands share: opening the TPM named by --tcti (else TPM2TOOLS_TCTI / TCTI,
// else tctildr's default), with a failure reported as one line. tpm2-tss's own error log is off
// unless the user set TSS2_LOG (cli/main.cpp).
#pragma once

#include <memory>
#include <string_view>

#include "cli/command.h"
#include "tpm/context.h"

namespace tpmtls::cli {

// nullptr after printing "tpmtls COMMAND: <reason>" (the caller returns Exit::tpm).
std::shared_ptr<tpm::TpmContext> open_tpm(std::string_view command, const Options& options);

}  // namespace tpmtls::cli
