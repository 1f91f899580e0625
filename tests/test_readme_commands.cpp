// The command reference in docs/commands.md (between <!-- commands: begin --> and <!-- commands: end -->)
// is what the built `tpmtls` says: every subcommand listed by `tpmtls --help` has its --help
// there verbatim, so the reference cannot drift from the program (regenerate it with
// scripts/readme_commands.sh).
#include <doctest/doctest.h>

#include <sstream>

#include "support/paths.h"
#include "support/peer_process.h"

using namespace tpmtls::test;

namespace {

std::vector<std::string> subcommands() {
    const CommandResult help = run_command({cli_path(), "--help"});
    REQUIRE(help.exit_status == 0);
    std::vector<std::string> names;
    std::istringstream lines(help.out);
    for (std::string line; std::getline(lines, line);) {
        // "  keygen      create a signing key ..."
        if (line.size() > 3 && line.rfind("  ", 0) == 0 && line[2] != ' ') names.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
    return names;
}

}  // namespace

TEST_CASE("docs/commands.md's command reference is every subcommand's --help, verbatim") {
    const std::string readme = read_text_file(std::string(TPMTLS_SOURCE_DIR) + "/docs/commands.md");
    const size_t begin = readme.find("<!-- commands: begin -->");
    const size_t end = readme.find("<!-- commands: end -->");
    REQUIRE_MESSAGE(begin != std::string::npos, "docs/commands.md has no <!-- commands: begin --> marker");
    REQUIRE(end > begin);
    const std::string reference = readme.substr(begin, end - begin);
    const std::vector<std::string> names = subcommands();
    CHECK(names.size() >= 13);
    for (const std::string& name : names) {
        CAPTURE(name);
        const CommandResult help = run_command({cli_path(), name, "--help"});
        REQUIRE(help.exit_status == 0);
        const std::string block = "### tpmtls " + name + "\n\n```text\n" + help.out + "```\n";
        CHECK_MESSAGE(reference.find(block) != std::string::npos,
                      "docs/commands.md's reference for `tpmtls " << name << "` differs from its --help: run scripts/readme_commands.sh");
    }
}
