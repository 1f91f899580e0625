#include "cli/tpm_cli.h"

namespace tpmtls::cli {

std::shared_ptr<tpm::TpmContext> open_tpm(std::string_view command, const Options& options) {
    tpm::ContextOptions context_options;
    context_options.tcti = options.value("tcti");
    auto context = tpm::TpmContext::open(context_options);
    if (!context) {
        print_error(command, context.error().reason);
        return nullptr;
    }
    return std::move(*context);
}

}  // namespace tpmtls::cli
