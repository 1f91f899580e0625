#pragma once
#include <string>

namespace tpmtls::test {
// tests/data in the source tree (RFC 8448 traces, certificates, vector files).
std::string data_path(const std::string& name);
// The built `tpmtls` command, for tests that run it as a user would.
std::string cli_path();
}  // namespace tpmtls::test
