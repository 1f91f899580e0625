#include "support/paths.h"

namespace tpmtls::test {
std::string data_path(const std::string& name) { return std::string(TPMTLS_TEST_DATA_DIR) + "/" + name; }
}  // namespace tpmtls::test
