#include "cli/command.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

namespace tpmtls::cli {

namespace {

std::vector<Command>& registry() {
    static std::vector<Command> list;
    return list;
}

const OptionSpec* find_option(const CommandSpec& spec, std::string_view name) {
    for (const auto& option : spec.options)
        if (option.name == name) return &option;
    return nullptr;
}

}  // namespace

const std::string_view exit_status_help =
    "exit status (the same for every tpmtls command):\n"
    "  0  success\n"
    "  1  other failure\n"
    "  2  usage error (bad command line)\n"
    "  3  TLS failure: the handshake or connection failed (the alert is printed)\n"
    "  4  TPM failure (bad --tcti, TPM unreachable, key refused; the TSS2 text is printed)\n"
    "  5  network failure: the peer could not be reached, or went away\n"
    "  6  a file named on the command line is missing or cannot be read\n"
    "  7  a key or certificate file does not hold a usable key or certificate\n"
    "  8  cannot listen on the address (port in use, no permission)\n";

Exit report(std::string_view command, const Problem& problem) {
    print_error(command, problem.message, problem.hint);
    return problem.exit;
}

bool hint_names_only_own_options(const CommandSpec& spec, std::string_view hint) {
    for (size_t at = hint.find("--"); at != std::string_view::npos; at = hint.find("--", at + 2)) {
        size_t end = at + 2;
        while (end < hint.size() && (std::isalnum(static_cast<unsigned char>(hint[end])) || hint[end] == '-')) ++end;
        const std::string_view name = hint.substr(at + 2, end - at - 2);
        if (name.empty() || name == "help") continue;
        if (find_option(spec, name) == nullptr) return false;
        at = end - 2;
    }
    return true;
}

Exit report(const CommandSpec& spec, const Problem& problem) {
    const bool hint_ok = hint_names_only_own_options(spec, problem.hint);
    print_error(spec.name, problem.message, hint_ok ? std::string_view(problem.hint) : std::string_view());
    return problem.exit;
}

std::optional<Problem> unreadable_file(std::string_view option, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (in) return std::nullopt;
    const int saved = errno;
    return Problem{Exit::file, "cannot read " + std::string(option) + " " + path + ": " + std::strerror(saved), {}};
}

bool Options::has(std::string_view name) const { return given_.find(name) != given_.end(); }

std::optional<std::string> Options::value(std::string_view name) const {
    auto it = given_.find(name);
    if (it == given_.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

std::string Options::value_or(std::string_view name, std::string_view fallback) const {
    auto v = value(name);
    return v ? *v : std::string(fallback);
}

std::vector<std::string> Options::values(std::string_view name) const {
    auto it = given_.find(name);
    return it == given_.end() ? std::vector<std::string>{} : it->second;
}

std::string help_text(const CommandSpec& spec) {
    std::string out = "usage: ";
    out += spec.synopsis;
    out += "\n\n";
    out += spec.description;
    out += "\n\noptions:\n";
    size_t width = 6;
    for (const auto& option : spec.options)
        width = std::max(width, option.name.size() + option.value_name.size() + 3);
    auto add = [&](std::string_view name, std::string_view value_name, std::string_view help) {
        std::string left = "--";  // appended: "--" + std::string warns -Wrestrict (GCC bug 105329)
        left += name;
        if (!value_name.empty()) left.append(" ").append(value_name);
        out.append("  ").append(left).append(width + 2 - std::min(width + 1, left.size()), ' ');
        out += help;
        out += "\n";
    };
    for (const auto& option : spec.options) add(option.name, option.value_name, option.help);
    add("help", "", "this text");
    out += "\n";
    out += exit_status_help;
    return out;
}

void print_error(std::string_view command, std::string_view message, std::string_view hint) {
    std::cerr << "tpmtls " << command << ": " << message << "\n";
    if (!hint.empty()) std::cerr << "  hint: " << hint << "\n";
}

std::optional<Options> parse_options(const CommandSpec& spec, std::span<const std::string> args, Exit& exit) {
    Options options;
    auto usage_error = [&](const std::string& message) -> std::optional<Options> {
        print_error(spec.name, message, "see `tpmtls " + std::string(spec.name) + " --help`");
        exit = Exit::usage;
        return std::nullopt;
    };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << help_text(spec);
            exit = Exit::ok;
            return std::nullopt;
        }
        if (arg == "--") {
            for (++i; i < args.size(); ++i) options.positional_.push_back(args[i]);
            break;
        }
        if (arg.size() < 3 || arg.rfind("--", 0) != 0) {
            if (arg.size() > 1 && arg[0] == '-' && arg != "-") return usage_error("unknown option '" + arg + "'");
            options.positional_.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inline_value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name.resize(eq);
        }
        const OptionSpec* option = find_option(spec, name);
        if (option == nullptr) return usage_error("unknown option '--" + name + "'");
        auto& slot = options.given_[name];
        if (!slot.empty() && !option->repeatable && !option->value_name.empty())
            return usage_error("--" + name + " given twice");
        if (option->value_name.empty()) {
            if (inline_value) return usage_error("--" + name + " takes no value");
            slot.emplace_back();
            continue;
        }
        if (inline_value) {
            slot.push_back(*inline_value);
        } else {
            if (i + 1 >= args.size()) return usage_error("--" + name + " needs a value (" + std::string(option->value_name) + ")");
            slot.push_back(args[++i]);
        }
    }
    if (options.positional_.size() > spec.max_positional)
        return usage_error("unexpected argument '" + options.positional_[spec.max_positional] + "'");
    exit = Exit::ok;
    return options;
}

Registrar::Registrar(Command command) { registry().push_back(command); }

const std::vector<Command>& commands() {
    auto& list = registry();
    std::sort(list.begin(), list.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
    return list;
}

}  // namespace tpmtls::cli
