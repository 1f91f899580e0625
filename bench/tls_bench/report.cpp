#include "tls_bench/report.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

namespace tpmtls::bench {
namespace {

double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
            out += buffer;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

template <class T>
std::string json_optional(const std::optional<T>& v) {
    return v ? std::to_string(*v) : "null";
}

std::string key_label(const ScenarioResult& s) {
    if (s.key == "none") return "none (server-only)";
    return s.key;
}

std::string per_handshake(const std::optional<uint64_t>& total, int count) {
    if (!total || count == 0) return "n/a";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", static_cast<double>(*total) / count);
    return buffer;
}

bool is_timed(const ScenarioResult& s) { return s.name != "memory" && s.name != "server_throughput"; }

// The scenarios in the plot and the per-preset table, in this order, when the run has them.
const char* const plotted[] = {"full_software",       "full_tpm",         "resumed_tpm",
                               "process_full_tpm",    "process_resumed_tpm", "process_resumed_tpm_tmpfs",
                               "cli_full_tpm",        "cli_resumed_tpm",  "openssl_full_tpm",
                               "openssl_resumed_tpm"};

std::vector<std::string> plotted_columns(const Report& r, const std::vector<std::string>& presets) {
    std::vector<std::string> columns;
    for (const char* name : plotted)
        for (const auto& p : presets)
            if (r.find(name, p) != nullptr) {
                columns.emplace_back(name);
                break;
            }
    return columns;
}

}  // namespace

Summary summarize(std::vector<int64_t> v) {
    Summary s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    auto at = [&](double q) {
        return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5))];
    };
    s.median_ns = at(0.5);
    s.p95_ns = at(0.95);
    s.min_ns = v.front();
    s.max_ns = v.back();
    s.mean_ns = std::accumulate(v.begin(), v.end(), int64_t{0}) / static_cast<int64_t>(v.size());
    return s;
}

int64_t ScenarioResult::other_ns() const {
    return std::max<int64_t>(0, wall.mean_ns - client_cpu_ns - tpm_wait_per_handshake_ns());
}

const ScenarioResult* Report::find(const std::string& name, const std::string& preset) const {
    for (const auto& s : scenarios)
        if (s.name == name && s.preset == preset && s.available) return &s;
    return nullptr;
}

void print_markdown(const Report& r) {
    std::printf("# tpmtls handshake benchmark\n\n");
    std::printf("- date: %s\n- command: `%s`\n- machine: %s\n- TPM: %s\n- handshakes per scenario: %d (after %d warm-up)\n",
                r.date.c_str(), r.command.c_str(), r.machine.c_str(), r.tpm.c_str(), r.count, r.warmup);
    if (r.client_binary_bytes)
        std::printf("- client binary: %s, %.1f KiB (stripped: %s KiB; our library linked statically)\n",
                    r.client_binary_path.c_str(), static_cast<double>(*r.client_binary_bytes) / 1024.0,
                    r.client_binary_stripped_bytes
                        ? std::to_string(*r.client_binary_stripped_bytes / 1024).c_str()
                        : "n/a");
    if (!r.key_load_ns.empty()) {
        std::printf("- key load at process start (median ms):");
        for (const auto& [phase, ns] : r.key_load_ns) std::printf(" %s %.3f;", phase.c_str(), ms(ns));
        std::printf("\n");
    }

    std::printf("\n## Handshakes (ms per handshake; TPM counts observed at the TPM proxy)\n\n");
    std::printf("| scenario | stack | mode | client key | TPM preset | n | median | p95 | min | max | TPM cmds/hs | "
                "Sign/hs | TPM wait | client CPU | other (I/O, server) |\n");
    std::printf("|---|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (const auto& s : r.scenarios) {
        if (!is_timed(s)) continue;
        if (!s.available) {
            std::printf("| %s | %s | %s | %s | %s | - | not run: %s |||||||||\n", s.name.c_str(), s.stack.c_str(),
                        s.mode.c_str(), key_label(s).c_str(), s.preset.c_str(), s.unavailable.c_str());
            continue;
        }
        std::printf("| %s | %s | %s | %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %s | %s | %.3f | %.3f | %.3f |\n",
                    s.name.c_str(), s.stack.c_str(), s.mode.c_str(), key_label(s).c_str(), s.preset.c_str(), s.count,
                    ms(s.wall.median_ns), ms(s.wall.p95_ns), ms(s.wall.min_ns), ms(s.wall.max_ns),
                    per_handshake(s.tpm_commands, s.count).c_str(), per_handshake(s.tpm_signs, s.count).c_str(),
                    ms(s.tpm_wait_per_handshake_ns()), ms(s.client_cpu_ns), ms(s.other_ns()));
    }

    std::printf("\n## In-memory handshakes (both sides in one thread, software keys, no sockets)\n\n");
    std::printf("| suite | group | client auth | handshakes/s | median ms | peak client heap KiB | idle client heap KiB |\n");
    std::printf("|---|---|---|--:|--:|--:|--:|\n");
    for (const auto& s : r.scenarios) {
        if (s.name != "memory") continue;
        std::printf("| %s | %s | %s | %lld | %.3f | %.1f | %.1f |\n", s.suite.c_str(), s.group.c_str(),
                    s.key == "none" ? "off" : "required", static_cast<long long>(s.handshakes_per_second.value_or(0)),
                    ms(s.wall.median_ns), static_cast<double>(s.peak_heap_bytes.value_or(0)) / 1024.0,
                    static_cast<double>(s.idle_heap_bytes.value_or(0)) / 1024.0);
    }

    std::printf("\n## Server: full handshakes per second (TlsServer on loopback)\n\n");
    std::printf("| client auth | setup | handshakes/s |\n|---|---|--:|\n");
    for (const auto& s : r.scenarios) {
        if (s.name != "server_throughput") continue;
        std::printf("| %s | %s | %lld |\n", s.key == "none" ? "off" : "required (software client keys)", s.note.c_str(),
                    static_cast<long long>(s.handshakes_per_second.value_or(0)));
    }

    // Per preset: every TPM scenario's median, what resumption saves, ours against OpenSSL.
    std::set<std::string> preset_set;
    for (const auto& s : r.scenarios) preset_set.insert(s.preset);
    const auto presets = latency_preset_order(preset_set);
    const auto columns = plotted_columns(r, presets);
    std::printf("\n## By TPM latency preset (medians, ms; the same numbers as the plot)\n\n| preset |");
    for (const auto& c : columns) std::printf(" %s |", c.c_str());
    std::printf(" resumed saves (new process) | ours/openssl full (new process) | ours/openssl resumed |\n|---|");
    for (size_t i = 0; i < columns.size() + 3; ++i) std::printf("--:|");
    std::printf("\n");
    for (const auto& preset : presets) {
        std::printf("| %s |", preset.c_str());
        for (const auto& c : columns) {
            const ScenarioResult* s = r.find(c, preset);
            if (s == nullptr) std::printf(" n/a |");
            else std::printf(" %.2f |", ms(s->wall.median_ns));
        }
        auto ratio = [&](const char* a_name, const char* b_name) -> std::string {
            const ScenarioResult* a = r.find(a_name, preset);
            const ScenarioResult* b = r.find(b_name, preset);
            if (a == nullptr || b == nullptr || b->wall.median_ns == 0) return "n/a";
            char buffer[32];
            std::snprintf(buffer, sizeof buffer, "%.2fx",
                          static_cast<double>(a->wall.median_ns) / static_cast<double>(b->wall.median_ns));
            return buffer;
        };
        std::string saves = "n/a";
        const ScenarioResult* full = r.find("process_full_tpm", preset);
        const ScenarioResult* resumed = r.find("process_resumed_tpm_tmpfs", preset);
        if (resumed == nullptr) resumed = r.find("process_resumed_tpm", preset);
        if (full && resumed) {
            char buffer[64];
            std::snprintf(buffer, sizeof buffer, "%.2f ms (%s)", ms(full->wall.median_ns - resumed->wall.median_ns),
                          resumed->name == "process_resumed_tpm_tmpfs" ? "tmpfs store" : "disk store");
            saves = buffer;
        }
        std::printf(" %s | %s | %s |\n", saves.c_str(), ratio("process_full_tpm", "openssl_full_tpm").c_str(),
                    ratio("process_resumed_tpm", "openssl_resumed_tpm").c_str());
    }

    std::printf("\n## Targets (issue 8)\n\n");
    for (const auto& t : r.targets) {
        const char* verdict = !t.met ? "NOT MEASURED" : *t.met ? "met" : "NOT MET";
        std::printf("- **%s**: %s. %s\n", t.name.c_str(), verdict, t.detail.c_str());
    }
    if (!r.notes.empty()) {
        std::printf("\n## Notes\n\n");
        for (const auto& n : r.notes) std::printf("- %s\n", n.c_str());
    }
    std::fflush(stdout);
}

namespace {

std::string scenario_json(const ScenarioResult& s) {
    std::ostringstream o;
    o << "{\"name\":" << json_string(s.name) << ",\"stack\":" << json_string(s.stack)
      << ",\"mode\":" << json_string(s.mode) << ",\"key\":" << json_string(s.key)
      << ",\"resumed\":" << (s.resumed ? "true" : "false") << ",\"preset\":" << json_string(s.preset)
      << ",\"suite\":" << json_string(s.suite) << ",\"group\":" << json_string(s.group)
      << ",\"available\":" << (s.available ? "true" : "false") << ",\"unavailable\":" << json_string(s.unavailable)
      << ",\"count\":" << s.count << ",\"wall_ns\":{\"median\":" << s.wall.median_ns << ",\"p95\":" << s.wall.p95_ns
      << ",\"min\":" << s.wall.min_ns << ",\"max\":" << s.wall.max_ns << ",\"mean\":" << s.wall.mean_ns << "}"
      << ",\"tpm_commands\":" << json_optional(s.tpm_commands) << ",\"tpm_signs\":" << json_optional(s.tpm_signs)
      << ",\"library_tpm_commands\":" << json_optional(s.library_tpm_commands) << ",\"tpm_by_command\":{";
    bool first = true;
    for (const auto& [name, n] : s.tpm_by_command) {
        o << (first ? "" : ",") << json_string(name) << ":" << n;
        first = false;
    }
    o << "},\"breakdown_ns_per_handshake\":{\"tpm_wait\":" << s.tpm_wait_per_handshake_ns()
      << ",\"client_cpu\":" << s.client_cpu_ns << ",\"other\":" << s.other_ns() << "}"
      << ",\"peak_heap_bytes\":" << json_optional(s.peak_heap_bytes)
      << ",\"idle_heap_bytes\":" << json_optional(s.idle_heap_bytes)
      << ",\"handshakes_per_second\":" << json_optional(s.handshakes_per_second) << ",\"note\":" << json_string(s.note)
      << "}";
    return o.str();
}

std::string report_json(const Report& r) {
    std::ostringstream o;
    o << "{\n\"date\":" << json_string(r.date) << ",\n\"command\":" << json_string(r.command)
      << ",\n\"machine\":" << json_string(r.machine) << ",\n\"tpm\":" << json_string(r.tpm) << ",\n\"count\":" << r.count
      << ",\n\"warmup\":" << r.warmup << ",\n\"key_load_ns\":{";
    bool first = true;
    for (const auto& [phase, ns] : r.key_load_ns) {
        o << (first ? "" : ",") << json_string(phase) << ":" << ns;
        first = false;
    }
    o << "},\n\"client_binary\":{\"path\":" << json_string(r.client_binary_path)
      << ",\"bytes\":" << json_optional(r.client_binary_bytes)
      << ",\"stripped_bytes\":" << json_optional(r.client_binary_stripped_bytes) << "},\n\"scenarios\":[\n";
    for (size_t i = 0; i < r.scenarios.size(); ++i) o << (i ? ",\n" : "") << scenario_json(r.scenarios[i]);
    o << "\n],\n\"proxy_totals\":{\"commands\":" << r.proxy_total_commands << ",\"by_command\":{";
    first = true;
    for (const auto& [name, n] : r.proxy_totals) {
        o << (first ? "" : ",") << json_string(name) << ":" << n;
        first = false;
    }
    o << "}},\n\"in_process_totals\":{\"commands\":" << r.in_process_total_commands << ",\"by_command\":{";
    first = true;
    for (const auto& [name, n] : r.in_process_totals) {
        o << (first ? "" : ",") << json_string(name) << ":" << n;
        first = false;
    }
    o << "}},\n\"targets\":[";
    for (size_t i = 0; i < r.targets.size(); ++i) {
        const Target& t = r.targets[i];
        o << (i ? "," : "") << "\n{\"name\":" << json_string(t.name)
          << ",\"met\":" << (!t.met ? "null" : *t.met ? "true" : "false") << ",\"detail\":" << json_string(t.detail)
          << "}";
    }
    o << "\n],\n\"notes\":[";
    for (size_t i = 0; i < r.notes.size(); ++i) o << (i ? "," : "") << "\n" << json_string(r.notes[i]);
    o << "\n]\n}\n";
    return o.str();
}

std::string report_csv(const Report& r) {
    std::ostringstream o;
    o << "name,stack,mode,key,resumed,preset,suite,group,available,count,median_ms,p95_ms,min_ms,max_ms,"
         "tpm_commands_per_hs,tpm_signs_per_hs,tpm_wait_ms,client_cpu_ms,other_ms,peak_heap_bytes,"
         "handshakes_per_second\n";
    for (const auto& s : r.scenarios) {
        char line[512];
        std::snprintf(line, sizeof line, "%s,%s,%s,%s,%d,%s,%s,%s,%d,%d,%.4f,%.4f,%.4f,%.4f,%s,%s,%.4f,%.4f,%.4f,%s,%s\n",
                      s.name.c_str(), s.stack.c_str(), s.mode.c_str(), s.key.c_str(), s.resumed ? 1 : 0,
                      s.preset.c_str(), s.suite.c_str(), s.group.c_str(), s.available ? 1 : 0, s.count,
                      ms(s.wall.median_ns), ms(s.wall.p95_ns), ms(s.wall.min_ns), ms(s.wall.max_ns),
                      per_handshake(s.tpm_commands, s.count).c_str(), per_handshake(s.tpm_signs, s.count).c_str(),
                      ms(s.tpm_wait_per_handshake_ns()), ms(s.client_cpu_ns), ms(s.other_ns()),
                      s.peak_heap_bytes ? std::to_string(*s.peak_heap_bytes).c_str() : "",
                      s.handshakes_per_second ? std::to_string(*s.handshakes_per_second).c_str() : "");
        o << line;
    }
    return o.str();
}

bool write_text(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
    return static_cast<bool>(f);
}

}  // namespace

std::vector<std::string> latency_preset_order(const std::set<std::string>& present) {
    static const char* const order[] = {"swtpm", "st33ktpm", "slb9672", "ftpm", "npct750", "slb9670"};
    std::vector<std::string> out;
    for (const char* p : order)
        if (present.count(p)) out.emplace_back(p);
    for (const auto& p : present)
        if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    return out;
}

std::vector<std::string> write_files(const Report& r, const std::string& dir) {
    std::vector<std::string> written;
    if (write_text(dir + "/bench_tls.json", report_json(r))) written.push_back(dir + "/bench_tls.json");
    if (write_text(dir + "/bench_tls.csv", report_csv(r))) written.push_back(dir + "/bench_tls.csv");

    // gnuplot: clustered bars, one cluster per preset, one bar per scenario (median ms).
    std::set<std::string> preset_set;
    for (const auto& s : r.scenarios) preset_set.insert(s.preset);
    const auto presets = latency_preset_order(preset_set);
    const auto columns = plotted_columns(r, presets);
    if (columns.empty()) return written;
    std::ostringstream data;
    data << "preset";
    for (const auto& c : columns) data << ' ' << c;
    data << '\n';
    for (const auto& p : presets) {
        data << p;
        for (const auto& c : columns) {
            const ScenarioResult* s = r.find(c, p);
            if (s == nullptr) {
                data << " NaN";
            } else {
                char buffer[32];
                std::snprintf(buffer, sizeof buffer, " %.3f", ms(s->wall.median_ns));
                data << buffer;
            }
        }
        data << '\n';
    }
    const std::string dat = dir + "/bench_tls_plot.dat";
    const std::string svg = dir + "/bench_tls.svg";
    std::ostringstream gp;
    gp << "set terminal svg size 1200,600 dynamic noenhanced font 'sans,11'\n"
       << "set output '" << svg << "'\n"
       << "set title 'TLS 1.3 mTLS handshake time by TPM latency preset (median, " << r.date << ")'\n"
       // Log scale: OpenSSL's provider is an order of magnitude above a resumed handshake.
       << "set ylabel 'ms per handshake (log scale)'\nset logscale y\nset yrange [0.1:*]\n"
       << "set style data histograms\nset style histogram clustered gap 1\n"
       << "set style fill solid 0.85 border -1\nset boxwidth 0.9\nset key outside right top\nset grid ytics\n"
       << "set datafile missing 'NaN'\n"
       << "plot for [i=2:" << columns.size() + 1 << "] '" << dat << "' using i:xtic(1) title columnheader(i)\n";
    const std::string gp_path = dir + "/bench_tls_plot.gp";
    if (!write_text(dat, data.str()) || !write_text(gp_path, gp.str())) return written;
    written.push_back(dat);
    written.push_back(gp_path);
    const std::string command = "gnuplot '" + gp_path + "' 2>&1";
    const int status = std::system(command.c_str());
    if (status == 0) written.push_back(svg);
    else std::fprintf(stderr, "bench_tls: gnuplot failed (exit %d); is it installed? (scripts/deps.sh bench)\n", status);
    return written;
}

}  // namespace tpmtls::bench
