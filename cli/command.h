// The `tpmtls` command family: every subcommand (client, server, keygen, csr, ...) registers
// itself here with a name, a one-line summary and a function; main() dispatches on argv[1].
// Options are openssl-like long flags (`--connect host:port`, `--key=FILE`), described once in a
// table that also produces `--help`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tpmtls::cli {

// Exit codes, so scripts can tell failures apart: the same for every command, printed at the end
// of every --help (exit_status_help) and in the README. Every command reports a failure as a
// Problem through report(), which is where the kinds below are the only exits.
enum class Exit : int {
    ok = 0,
    failure = 1,   // anything not below (an output that exists, a write that failed)
    usage = 2,     // bad command line
    tls = 3,       // the TLS handshake or connection failed (the alert is printed)
    tpm = 4,       // the TPM failed or refused (the decoded TSS2 text is printed)
    network = 5,   // could not reach the peer (unreachable, refused, reset, timed out)
    file = 6,      // a file named on the command line is missing or cannot be read
    key = 7,       // the key (or certificate) file does not hold what it should
    listen = 8,    // could not listen on the address (port in use, no permission)
};

struct OptionSpec {
    std::string_view name;        // "connect" for --connect
    std::string_view value_name;  // "HOST:PORT"; empty for a flag without a value
    std::string_view help;
    bool repeatable = false;      // may be given more than once (values collected in order)
};

// What the command line said: flags and values by option name, plus positional arguments.
class Options {
public:
    bool has(std::string_view name) const;
    // The last value given for `name`, if any.
    std::optional<std::string> value(std::string_view name) const;
    std::string value_or(std::string_view name, std::string_view fallback) const;
    // Every value given for a repeatable option, in order.
    std::vector<std::string> values(std::string_view name) const;
    const std::vector<std::string>& positional() const { return positional_; }

    std::map<std::string, std::vector<std::string>, std::less<>> given_;
    std::vector<std::string> positional_;
};

struct CommandSpec {
    std::string_view name;        // "keygen"
    std::string_view summary;     // one line for `tpmtls --help`
    std::string_view synopsis;    // "tpmtls keygen --out FILE [--algorithm ecc|rsa] ..."
    std::string_view description; // a paragraph for `tpmtls keygen --help`
    std::vector<OptionSpec> options;
    size_t max_positional = 0;
};

// Parses `args` (after the subcommand name) against `spec`. `--help` / `-h` prints the help and
// returns nullopt with `exit` = ok; an error prints one line and `tpmtls CMD --help` and returns
// nullopt with `exit` = usage.
std::optional<Options> parse_options(const CommandSpec& spec, std::span<const std::string> args, Exit& exit);

// The --help text of a command; it ends with exit_status_help.
std::string help_text(const CommandSpec& spec);

// The exit-status table, the same for every command (the end of every --help).
extern const std::string_view exit_status_help;

// One failure: its exit status and one line for stderr (plus an optional hint).
struct Problem {
    Exit exit = Exit::failure;
    std::string message;
    std::string hint;
};

// The command's one line on stderr (print_error) and its exit status.
Exit report(std::string_view command, const Problem& problem);
// The same, and a hint that names an option `spec` does not have is left out (a hint must name
// only what the user can type); hint_names_only_own_options() is the check.
Exit report(const CommandSpec& spec, const Problem& problem);
bool hint_names_only_own_options(const CommandSpec& spec, std::string_view hint);

// A file named by `option` ("--key") that is missing or cannot be read: Exit::file with the
// system's reason ("cannot read --key F: No such file or directory"); nullopt when readable.
std::optional<Problem> unreadable_file(std::string_view option, const std::string& path);

// One line on stderr: "tpmtls CMD: message" and, when given, "  hint: ..." below it.
void print_error(std::string_view command, std::string_view message, std::string_view hint = {});

using CommandFn = Exit (*)(std::span<const std::string> args);

struct Command {
    std::string_view name;
    std::string_view summary;
    CommandFn run;
};

// Registration from a command's own file: `static const Registrar reg{{"keygen", "...", run}};`
struct Registrar {
    explicit Registrar(Command command);
};

const std::vector<Command>& commands();

}  // namespace tpmtls::cli
