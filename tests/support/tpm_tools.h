// tpm2-tools against a test's swtpm, for keys our own API never makes (other curves and sizes,
// decryption-only, restricted, fixed schemes, a persistent storage parent) and for cross-checks
// (tpm2_getcap). Only tests use tpm2-tools; a missing tool fails the test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/peer_process.h"
#include "support/swtpm.h"
#include "tpm/key_file.h"

namespace tpmtls::test {

// Runs tpm2_<tool> with --tcti for `swtpm` and `args`; REQUIREs exit status 0 unless told not to.
CommandResult run_tpm2_tool(const Swtpm& swtpm, const std::string& tool, std::vector<std::string> args,
                            bool must_succeed = true);

// An ECC P-256 storage primary (tpm2_createprimary's restricted|decrypt key) made persistent at
// `handle`; transient objects flushed after.
void make_storage_parent(const Swtpm& swtpm, uint32_t handle);

// tpm2_create under persistent `parent` with -G `algorithm` and, if not empty, -a `attributes`;
// the key as a TSS2 key file naming that parent (emptyAuth TRUE).
Tss2KeyFile create_key_with_tpm2_tools(const Swtpm& swtpm, uint32_t parent, const std::string& algorithm,
                                       const std::string& attributes = {});

}  // namespace tpmtls::test
