// The demo, README command 1 (issue 7 point 4, "What must be shown"): ctest runs
// scripts/demo.sh end to end on swtpm, with the built `tpmtls` (TPMTLS=..., so it does not build
// again), and checks what it printed against what happened:
//   - the first client process gets the secret in a full handshake, the second resumes;
//   - the TPM command counts the first client printed (--summary, counted at our TCTI boundary)
//     are the ones tshark decodes from the pcap TCTI's capture of that process, with exactly one
//     TPM2_Sign; the second process wrote no capture at all (it never opened the TPM);
//   - nothing it started survives it, and without --keep it leaves no files.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

#include "support/paths.h"
#include "support/peer_process.h"
#include "support/tpm_pcap.h"

using namespace tpmtls::test;

namespace {

std::string demo_script() { return data_path("../../scripts/demo.sh"); }

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool exists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

// The line of `text` that starts with `prefix`, without the prefix; empty if there is none.
std::string line_after(const std::string& text, const std::string& prefix) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
    return {};
}

// "...; TPM: 7 commands (CreatePrimary x1, Sign x1, FlushContext x2), 2.5 ms waiting; ..." ->
// {CreatePrimary: 1, Sign: 1, FlushContext: 2}; `total` gets the 7.
std::map<std::string, int> printed_counts(const std::string& line, int& total) {
    std::map<std::string, int> counts;
    total = -1;
    const size_t at = line.find("TPM: ");
    if (at == std::string::npos) return counts;
    total = std::stoi(line.substr(at + 5));
    const size_t open = line.find('(', at);
    const size_t close = line.find(')', at);
    if (open == std::string::npos || close == std::string::npos) return counts;
    std::istringstream list(line.substr(open + 1, close - open - 1));
    for (std::string item; std::getline(list, item, ',');) {
        const size_t start = item.find_first_not_of(' ');
        const size_t x = item.rfind(" x");
        if (start == std::string::npos || x == std::string::npos) continue;
        counts[item.substr(start, x - start)] += std::stoi(item.substr(x + 2));
    }
    return counts;
}

// The PID after "NAME pid " in the demo's output, or 0.
int printed_pid(const std::string& out, const std::string& name) {
    const std::string rest = line_after(out, name + " pid ");
    return rest.empty() ? 0 : std::stoi(rest);
}

bool process_alive(int pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

}  // namespace

TEST_CASE("scripts/demo.sh: the secret, then a resumed second process; the TPM counts it prints are tshark's") {
    TempDir temp;
    const std::string dir = temp.path() + "/demo";
    const CommandResult run = run_command({"env", "TPMTLS=" + cli_path(), "bash", demo_script(), "--keep", dir},
                                          milliseconds(60'000));
    INFO(run.transcript);
    REQUIRE(run.exit_status == 0);

    // The first connection: a full handshake that fetched the secret.
    CHECK(read_text(dir + "/client1.out").find("THIS_IS_THE_SECRET") != std::string::npos);
    const std::string first = line_after(run.out, "client 1: ");
    CHECK(first.rfind("full handshake, ", 0) == 0);
    CHECK(first.find("got the secret") != std::string::npos);
    // The second process resumed, and never opened the TPM: the pcap TCTI wrote nothing.
    const std::string second = line_after(run.out, "client 2: ");
    CHECK(second.rfind("resumed, ", 0) == 0);
    CHECK(second.find("TPM: not opened (0 commands)") != std::string::npos);
    CHECK(read_text(dir + "/client2.out").find("THIS_IS_THE_SECRET") != std::string::npos);
    CHECK_FALSE(exists(dir + "/client2-tpm.pcap"));
    CHECK(read_text(dir + "/server.log").find(" resumed, client \"CN=device-0001") != std::string::npos);

    // What the first client printed is what an observer outside our code saw.
    int printed_total = -1;
    const std::map<std::string, int> printed = printed_counts(first, printed_total);
    const std::vector<TpmCommand> observed = tpm_commands_in_capture(dir + "/client1-tpm.pcap");
    std::map<std::string, int> decoded;
    for (const TpmCommand& command : observed) {
        const std::string name = command.name.rfind("TPM2_CC_", 0) == 0 ? command.name.substr(8) : command.name;
        ++decoded[name];
    }
    CHECK(printed_total == static_cast<int>(observed.size()));
    CHECK(printed == decoded);
    CHECK(decoded["Sign"] == 1);

    // Everything it started is gone.
    const int swtpm_pid = printed_pid(run.out, "swtpm");
    const int server_pid = printed_pid(run.out, "server");
    REQUIRE(swtpm_pid > 0);
    REQUIRE(server_pid > 0);
    CHECK_FALSE(process_alive(swtpm_pid));
    CHECK_FALSE(process_alive(server_pid));
    CHECK(run_command({"pgrep", "-f", dir}).exit_status == 1);  // 1: no process matched
}

TEST_CASE("scripts/demo.sh without --keep leaves no files and no processes") {
    TempDir temp;
    const CommandResult run = run_command(
        {"env", "TPMTLS=" + cli_path(), "TMPDIR=" + temp.path(), "bash", demo_script()}, milliseconds(60'000));
    INFO(run.transcript);
    REQUIRE(run.exit_status == 0);
    CHECK(line_after(run.out, "client 2: ").rfind("resumed, ", 0) == 0);
    CHECK(std::filesystem::is_empty(temp.path()));
    CHECK(run_command({"pgrep", "-f", temp.path()}).exit_status == 1);
}
