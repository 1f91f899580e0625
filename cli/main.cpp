// tpmtls: one command, many subcommands (`tpmtls client`, `tpmtls keygen`, ...). Each lives in its
// own file under */cli/ and registers itself (cli/command.h).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.h"

namespace {

void print_usage(std::ostream& out) {
    out << "usage: tpmtls COMMAND [options]   (tpmtls COMMAND --help for its options)\n\ncommands:\n";
    for (const auto& command : tpmtls::cli::commands()) {
        std::string name(command.name);
        name.resize(std::max<size_t>(name.size() + 2, 12), ' ');
        out << "  " << name << command.summary << "\n";
    }
}

}  // namespace

int main(int argc, char** argv) {
    using tpmtls::cli::Exit;
    // tpm2-tss logs its own view of every failure to stderr; each command reports one clear
    // line (with the decoded TSS2 text) instead. A TSS2_LOG the user set still wins.
    ::setenv("TSS2_LOG", "all+NONE", /*overwrite=*/0);
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        print_usage(std::cerr);
        return static_cast<int>(Exit::usage);
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_usage(std::cout);
        return static_cast<int>(Exit::ok);
    }
    // `tpmtls --version` / `-V`: what `tpmtls version` prints, as users of other tools type it.
    if (args[0] == "--version" || args[0] == "-V") args = {"version"};
    for (const auto& command : tpmtls::cli::commands()) {
        if (command.name == args[0]) {
            std::span<const std::string> rest(args.data() + 1, args.size() - 1);
            return static_cast<int>(command.run(rest));
        }
    }
    std::cerr << "tpmtls: unknown command '" << args[0] << "'\n";
    print_usage(std::cerr);
    return static_cast<int>(Exit::usage);
}
