// bench_tls's results and how they are written: a Markdown report on stdout, JSON and CSV files,
// and a gnuplot plot of handshake time by scenario and TPM latency preset. Every number in the
// JSON is an integer (nanoseconds, counts, per-mille ratios), so any JSON reader takes it exactly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tpmtls::bench {

struct Summary {
    int64_t median_ns = 0, p95_ns = 0, min_ns = 0, max_ns = 0, mean_ns = 0;
};
Summary summarize(std::vector<int64_t> samples_ns);

struct ScenarioResult {
    std::string name;     // "full_tpm", "resumed_tpm", ...
    std::string stack;    // "tpmtls" or "openssl"
    std::string mode;     // "in-memory", "in-process", "new process"
    std::string key;      // "tpm", "software", "none" (no client auth)
    bool resumed = false;
    std::string preset = "swtpm";
    std::string suite, group;
    bool available = true;
    std::string unavailable;  // why not, when !available
    int count = 0;            // measured handshakes (after warm-up)
    Summary wall;
    // Observed at the TPM proxy (outside our code) over the measured handshakes.
    std::optional<uint64_t> tpm_commands;
    std::optional<uint64_t> tpm_signs;
    std::map<std::string, uint64_t> tpm_by_command;
    int64_t tpm_wait_ns = 0;  // summed over the measured handshakes
    // Our library's own count (TpmContext::stats) for the same handshakes, in-process only.
    std::optional<uint64_t> library_tpm_commands;
    // Breakdown, per handshake (means): the client's CPU time (our crypto, records, TSS
    // marshalling; a new process adds exec and start-up), the TPM wait, and the rest (I/O, the
    // server's work, scheduling).
    int64_t client_cpu_ns = 0;
    std::optional<size_t> peak_heap_bytes;
    std::optional<size_t> idle_heap_bytes;
    std::optional<int64_t> handshakes_per_second;
    std::string note;

    int64_t tpm_wait_per_handshake_ns() const { return count ? tpm_wait_ns / count : 0; }
    int64_t other_ns() const;
};

struct Target {
    std::string name;
    std::optional<bool> met;  // nullopt: could not be measured in this run
    std::string detail;
};

struct Report {
    std::string date;      // UTC, ISO 8601
    std::string command;   // the exact command line
    std::string machine;   // CPU model and cores
    std::string tpm;       // what TPM and how it was reached
    int count = 0, warmup = 0;
    std::map<std::string, int64_t> key_load_ns;  // phase -> median
    std::optional<uint64_t> client_binary_bytes;
    std::optional<uint64_t> client_binary_stripped_bytes;  // strip(1) of a copy
    std::string client_binary_path;
    std::vector<ScenarioResult> scenarios;
    std::map<std::string, uint64_t> proxy_totals;  // every command through the proxy this run
    uint64_t proxy_total_commands = 0;
    // The part of those this process sent itself (key loads, in-process scenarios): what a pcap
    // TCTI capture of this process shows.
    std::map<std::string, uint64_t> in_process_totals;
    uint64_t in_process_total_commands = 0;
    std::string openssl_provider_version;  // Debian's tpm2-openssl, as dpkg reports it
    std::vector<Target> targets;
    std::vector<std::string> notes;

    // The preset without added latency: "swtpm", or "tcti" for a TPM given with --tcti.
    std::string base_preset = "swtpm";
    const ScenarioResult* find(const std::string& name) const { return find(name, base_preset); }
    const ScenarioResult* find(const std::string& name, const std::string& preset) const;
};

// The presets present, in the order of latency_presets() (unknown names last).
std::vector<std::string> latency_preset_order(const std::set<std::string>& present);

void print_markdown(const Report& report);
// Writes bench_tls.json, bench_tls.csv and (if gnuplot runs) bench_tls.svg into `dir`.
// Returns the files written.
std::vector<std::string> write_files(const Report& report, const std::string& dir);

}  // namespace tpmtls::bench
