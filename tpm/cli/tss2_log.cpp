// tpm2-tss logs every failed command on stderr (several lines per error, ERROR:esys:...). The
// `tpmtls` command reports each failure as one line with the decoded code and a hint, so it turns
// the library's log off unless the user asked for it by setting TSS2_LOG themselves. tpm2-tss
// reads TSS2_LOG at its first log call, which comes after this static initializer.
#include <cstdlib>

namespace {

const bool tss2_log_quiet = [] {
    ::setenv("TSS2_LOG", "all+NONE", /*overwrite=*/0);
    return true;
}();

}  // namespace
