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

// Exit codes, so scripts can tell failures apart (documented in the README).
enum class Exit : int {
    ok = 0,
    failure = 1,   // anything not below (files, I/O)
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

// The --help text of a command.
std::string help_text(const CommandSpec& spec);

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
