// bench_tls: what a TPM costs a TLS 1.3 handshake, full versus resumed versus a software key, on
// swtpm (emulating real TPMs' latency through a proxy) or on any TPM, side by side with OpenSSL +
// tpm2-openssl (issue 8). bench/run.sh runs the standard set. Not a test: it never judges; the
// issue's targets are reported as met or not met.
//
// Usage: bench_tls [--count N] [--warmup N] [--tcti CONF] [--presets all|none|a,b] [--scenarios a,b]
//                  [--out-dir DIR] [--pcap FILE] [--throughput-seconds S] [--cli PATH] [--quick]
//   --tcti CONF     a real TPM ("device:/dev/tpmrm0"): used as is, no swtpm, no proxy, no presets.
//                   Default: a fresh swtpm started like the tests' fixture, behind the TPM proxy.
//   --presets       TPM latency presets to run the TPM scenarios again under (tls_bench/
//                   tpm_latency_proxy.cpp): swtpm st33ktpm slb9672 ftpm npct750 slb9670; default all.
//   --scenarios     memory full_tpm resumed_tpm full_software server_only process_full_tpm
//                   process_resumed_tpm process_resumed_tpm_tmpfs cli_full_tpm cli_resumed_tpm
//                   process_full_software process_floor openssl_full_tpm openssl_resumed_tpm
//                   openssl_full_software openssl_floor server_throughput (default: all).
//   --cli PATH      the `tpmtls` command for cli_* (default: build/<preset>/tpmtls beside bench/);
//                   those scenarios are listed as not run when it has no `client` subcommand.
//   --pcap FILE     this process's own TPM traffic also goes through tpm2-tss's pcap TCTI into FILE
//                   (the quick test decodes it with tshark and compares with the proxy's counts).
//   --quick         5 handshakes after 1 warm-up, swtpm preset only, 0.3 s of throughput.
// Output: Markdown on stdout; bench_tls.json, bench_tls.csv, bench_tls.svg (gnuplot) in --out-dir;
// a progress line on stderr.
#define DOCTEST_CONFIG_IMPLEMENT  // the test fixtures (Swtpm, TempDir) report failures through doctest
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tls_bench/scenarios.h"
#include "tls_bench/spawn.h"

using namespace tpmtls;
using namespace tpmtls::bench;

namespace {

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

const char* const usage =
    "usage: bench_tls [--count N] [--warmup N] [--tcti CONF] [--presets all|none|a,b] [--scenarios a,b]\n"
    "                 [--out-dir DIR] [--pcap FILE] [--throughput-seconds S] [--cli PATH] [--quick]\n";

BenchOptions parse(int argc, char** argv) {
    BenchOptions o;
    std::string presets = "all";
    bool quick = false;
    std::optional<int> count, warmup;
    std::optional<double> throughput;
    o.command_line = argv[0];
    for (int i = 1; i < argc; ++i) o.command_line += std::string(" ") + argv[i];
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die("missing value after " + std::string(arg) + "\n" + usage);
            return argv[++i];
        };
        if (arg == "--count") count = std::max(1, std::atoi(value().c_str()));
        else if (arg == "--warmup") warmup = std::max(0, std::atoi(value().c_str()));
        else if (arg == "--tcti") o.tcti = value();
        else if (arg == "--presets") presets = value();
        else if (arg == "--scenarios") for (const auto& s : split_list(value())) o.scenarios.insert(s);
        else if (arg == "--out-dir") o.out_dir = value();
        else if (arg == "--pcap") o.pcap_file = value();
        else if (arg == "--cli") o.cli_path = value();
        else if (arg == "--throughput-seconds") throughput = std::atof(value().c_str());
        else if (arg == "--quick") quick = true;
        else if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else die("unknown option " + std::string(arg) + "\n" + usage);
    }
    if (quick) {
        o.count = 5;
        o.warmup = 1;
        o.throughput_seconds = 0.3;
        if (presets == "all") presets = "swtpm";
    }
    if (count) o.count = *count;
    if (warmup) o.warmup = *warmup;
    if (throughput) o.throughput_seconds = *throughput;
    if (presets == "all") {
        for (const auto& p : latency_presets()) o.presets.push_back(p.name);
    } else if (presets != "none") {
        o.presets = split_list(presets);
        for (const auto& p : o.presets)
            if (find_latency_preset(p) == nullptr) die("unknown preset " + p);
    }
    if (o.tcti) o.presets = {"swtpm"};  // a real TPM is what it is: no emulated latency
    if (o.presets.empty() || o.presets.front() != "swtpm") o.presets.insert(o.presets.begin(), "swtpm");
    return o;
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return buffer;
}

std::string machine() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string model = "unknown CPU";
    for (std::string line; std::getline(cpuinfo, line);)
        if (line.rfind("model name", 0) == 0) {
            model = line.substr(line.find(':') + 2);
            break;
        }
    return model + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "child-client") return child_client_main(argc - 2, argv + 2);
    if (argc > 1 && std::string_view(argv[1]) == "child-noop") return 0;

    doctest::Context doctest_context;
    doctest_context.setAsDefaultForAssertsOutOfTestCases();
    doctest_context.setAssertHandler([](const doctest::AssertData& a) {
        die(std::string("fixture failed: ") + a.m_expr + " " + std::string(a.m_decomp.c_str()) + " " +
            std::string(a.m_exception.c_str()));
    });

    const BenchOptions options = parse(argc, argv);
    std::filesystem::create_directories(options.out_dir);
    BenchEnvironment env(options);
    Report& report = env.report;
    report.date = utc_now();
    report.command = options.command_line;
    report.machine = machine();
    report.count = options.count;
    report.warmup = options.warmup;

    run_key_load(env);
    run_memory_scenarios(env);
    for (const auto& preset : options.presets) {
        env.set_preset(preset);
        const bool first = preset == options.presets.front();
        run_in_process_scenarios(env, first);
        run_process_scenarios(env, first);
        run_openssl_scenarios(env, first);
    }
    env.set_preset("swtpm");
    run_server_throughput(env);

    const ProxyCounts totals = env.counts();
    report.proxy_totals = command_names(totals);
    report.proxy_total_commands = totals.commands;
    report.in_process_totals = command_names(env.in_process_counts);
    report.in_process_total_commands = env.in_process_counts.commands;
    // The client binary: the `tpmtls` command with its client (a build without it says nothing
    // about a client's size).
    const std::string cli = tpmtls_client_command(env);
    if (!cli.empty()) {
        report.client_binary_path = cli;
        report.client_binary_bytes = std::filesystem::file_size(cli);
        const std::string stripped = env.dir.file("tpmtls.stripped");
        if (run_process({"strip", "-o", stripped, cli}).exit_status == 0)
            report.client_binary_stripped_bytes = std::filesystem::file_size(stripped);
    } else {
        report.notes.push_back("Client binary size: not measured, this build's tpmtls has no `client` command.");
    }
    if (!env.has_proxy())
        report.notes.push_back("No proxy with --tcti: TPM counts and waits come from our library's own meter "
                               "(TpmContext::stats), in-process only.");
    report.notes.push_back("Latency presets hold back each TPM2_Sign response until the chip's published latency "
                           "has passed (wolfTPM README: ST33KTPM 25 ms, SLB9672 36 ms, Jetson Orin fTPM 45 ms, NPCT750 "
                           "56 ms, SLB9670 69 ms); other commands run at swtpm speed, which favours stacks that send "
                           "many commands (OpenSSL's provider).");
    report.notes.push_back("New-process scenarios of ours run bench_tls child-client (our library as `tpmtls client` "
                           "would use it); its start-up includes bench_tls's larger binary.");
    if (report.find("openssl_full_tpm") != nullptr)
        report.notes.push_back("OpenSSL's provider reaches the TPM through tpm2-abrmd and tpm2-tss's swtpm TCTI, "
                               "which opens a TCP connection per TPM command (about 1000 per handshake here): for a "
                               "minute after this run, tens of thousands of loopback sockets sit in TIME_WAIT.");
    evaluate_targets(report);
    print_markdown(report);
    for (const auto& file : write_files(report, options.out_dir)) std::fprintf(stderr, "bench_tls: wrote %s\n", file.c_str());
    return 0;
}
