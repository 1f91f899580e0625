// The `tpmtls` command itself: dispatch, --help, usage errors and their exit code.
#include <doctest/doctest.h>

#include "support/paths.h"
#include "support/peer_process.h"

using namespace tpmtls::test;

TEST_CASE("tpmtls --help lists the commands; no command or an unknown one is a usage error (2)") {
    auto help = run_command({cli_path(), "--help"});
    INFO(help.transcript);
    CHECK(help.exit_status == 0);
    CHECK(help.out.find("version") != std::string::npos);

    auto none = run_command({cli_path()});
    CHECK(none.exit_status == 2);
    auto unknown = run_command({cli_path(), "frobnicate"});
    CHECK(unknown.exit_status == 2);
    CHECK(unknown.err.find("unknown command 'frobnicate'") != std::string::npos);
}

TEST_CASE("every command answers --help with its usage, and rejects unknown options with 2") {
    auto version = run_command({cli_path(), "version", "--help"});
    CHECK(version.exit_status == 0);
    CHECK(version.out.find("usage: tpmtls version") != std::string::npos);
    auto bad = run_command({cli_path(), "version", "--nope"});
    CHECK(bad.exit_status == 2);
    CHECK(bad.err.find("unknown option '--nope'") != std::string::npos);
    auto ok = run_command({cli_path(), "version"});
    CHECK(ok.exit_status == 0);
    CHECK(ok.out.find("tpmtls 0.") == 0);
}
