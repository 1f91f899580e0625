#include "support/paths.h"

namespace tpmtls::test {
std::string data_path(const std::string& name) { return std::string(TPMTLS_TEST_DATA_DIR) + "/" + name; }
std::string cli_path() { return TPMTLS_CLI_PATH; }
}  // namespace tpmtls::test
