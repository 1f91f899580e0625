// Issue 8's targets, judged from this run's numbers (never pass/fail: the verdict is reported).
#include <cstdio>

#include "tls_bench/scenarios.h"

namespace tpmtls::bench {
namespace {

double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string format(const char* pattern, auto... args) {
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, pattern, args...);
    return buffer;
}

std::string breakdown(const ScenarioResult& s) {
    return format("%s %.2f ms = client CPU %.2f + TPM wait %.2f + other (I/O, the server's work, waiting for a core) "
                  "%.2f (means)",
                  s.name.c_str(), ms(s.wall.mean_ns), ms(s.client_cpu_ns), ms(s.tpm_wait_per_handshake_ns()),
                  ms(s.other_ns()));
}

}  // namespace

void evaluate_targets(Report& r) {
    // 1. TPM commands: exactly 1 per full handshake with the key loaded, 0 per resumed handshake.
    {
        Target t{"TPM commands: 1 per full handshake (key loaded), 0 per resumed", std::nullopt, ""};
        const ScenarioResult* full = r.find("full_tpm");
        const ScenarioResult* resumed = r.find("resumed_tpm");
        const ScenarioResult* process_resumed = r.find("process_resumed_tpm");
        if (full && full->tpm_commands) {
            bool met = *full->tpm_commands == static_cast<uint64_t>(full->count) &&
                       full->tpm_signs.value_or(0) == static_cast<uint64_t>(full->count);
            t.detail = format("full: %llu commands (%llu Sign) in %d handshakes", 
                              static_cast<unsigned long long>(*full->tpm_commands),
                              static_cast<unsigned long long>(full->tpm_signs.value_or(0)), full->count);
            for (const ScenarioResult* s : {resumed, process_resumed}) {
                if (s == nullptr || !s->tpm_commands) continue;
                met = met && *s->tpm_commands == 0;
                t.detail += format("; %s: %llu commands in %d handshakes", s->name.c_str(),
                                   static_cast<unsigned long long>(*s->tpm_commands), s->count);
            }
            if (resumed == nullptr) t.detail += "; resumed: not run (no resumption in this build), judged on full only";
            t.met = met;
        }
        r.targets.push_back(t);
    }
    // 2. Full TPM handshake in-process within 10% of (software-key handshake + one TPM2_Sign).
    {
        Target t{"in-process full TPM handshake within 10% of software-key handshake + one TPM2_Sign", std::nullopt, ""};
        const ScenarioResult* tpm = r.find("full_tpm");
        const ScenarioResult* software = r.find("full_software");
        const auto sign = r.key_load_ns.find("TPM2_Sign (TpmSigner::sign)");
        if (tpm && software && sign != r.key_load_ns.end()) {
            const double bound = static_cast<double>(software->wall.median_ns + sign->second);
            const double ratio = static_cast<double>(tpm->wall.median_ns) / bound;
            t.met = ratio <= 1.10;
            t.detail = format("TPM %.3f ms vs software %.3f + Sign %.3f = %.3f ms (%.1f%%). %s", ms(tpm->wall.median_ns),
                              ms(software->wall.median_ns), ms(sign->second), bound / 1e6, (ratio - 1) * 100,
                              breakdown(*tpm).c_str());
        }
        r.targets.push_back(t);
    }
    // 3. A new client process (full TPM handshake) at most 0.3x openssl s_client with
    //    tpm2-openssl 1.3.0-class cost on the same swtpm. Debian 12 ships provider 1.1.1, which
    //    is far slower (it hashes the transcript on the TPM); then the verdict uses the issue's
    //    1.3.0 figure for this swtpm (48.6 ms per process), and the measured ratio is given too.
    {
        Target t{"new client process, full TPM handshake <= 0.3x openssl s_client + tpm2-openssl 1.3.0-class",
                 std::nullopt, ""};
        const ScenarioResult* ours = r.find("process_full_tpm");
        const ScenarioResult* theirs = r.find("openssl_full_tpm");
        if (ours && theirs) {
            constexpr double reference_1_3_ms = 48.6;  // issue 8: provider 1.3.0 on swtpm, per process
            const bool measured_is_1_3 = r.openssl_provider_version.rfind("1.3", 0) == 0;
            const double measured = static_cast<double>(ours->wall.median_ns) / static_cast<double>(theirs->wall.median_ns);
            const double against_reference = ms(ours->wall.median_ns) / reference_1_3_ms;
            t.met = (measured_is_1_3 ? measured : against_reference) <= 0.3;
            t.detail = format("ours %.2f ms. Measured in this run against tpm2-openssl %s: %.2f ms = %.2fx (%llu TPM "
                              "commands per handshake). Against the issue's provider-1.3.0 figure (48.6 ms, not measured "
                              "here%s): %.2fx. Where our time goes: %s; a software key in a new process takes %.2f ms, "
                              "the process floor (exec and exit) %.2f ms.",
                              ms(ours->wall.median_ns), r.openssl_provider_version.c_str(), ms(theirs->wall.median_ns),
                              measured,
                              static_cast<unsigned long long>(theirs->tpm_commands.value_or(0) /
                                                              static_cast<uint64_t>(std::max(1, theirs->count))),
                              measured_is_1_3 ? "; the verdict uses the measured 1.3 provider" : "; the verdict uses it",
                              against_reference, breakdown(*ours).c_str(),
                              r.find("process_full_software") ? ms(r.find("process_full_software")->wall.median_ns) : 0.0,
                              r.find("process_floor") ? ms(r.find("process_floor")->wall.median_ns) : 0.0);
        }
        r.targets.push_back(t);
    }
    // 4. Resumed handshakes faster than OpenSSL's resumed handshake measured the same way.
    {
        Target t{"resumed handshake (new process) faster than openssl's resumed", std::nullopt, ""};
        const ScenarioResult* ours = r.find("process_resumed_tpm");
        const ScenarioResult* theirs = r.find("openssl_resumed_tpm");
        const ScenarioResult* tmpfs = r.find("process_resumed_tpm_tmpfs");
        const ScenarioResult* in_process = r.find("resumed_tpm");
        if (ours && theirs) {
            t.met = ours->wall.median_ns < theirs->wall.median_ns;
            t.detail = format("ours %.2f ms (ticket store on disk: each connection takes one ticket and stores two, "
                              "each an atomic write with fsync), %.2f ms with the store on tmpfs, %.2f ms in-process; "
                              "openssl -sess_in %.2f ms with %llu TPM commands per resumed handshake (ours: 0)",
                              ms(ours->wall.median_ns), tmpfs ? ms(tmpfs->wall.median_ns) : 0.0,
                              in_process ? ms(in_process->wall.median_ns) : 0.0, ms(theirs->wall.median_ns),
                              static_cast<unsigned long long>(theirs->tpm_commands.value_or(0) /
                                                              static_cast<uint64_t>(std::max(1, theirs->count))));
        } else {
            t.detail = "not measured in this run";
        }
        r.targets.push_back(t);
    }
    // 5. Peak heap per client connection at most 48 KiB.
    {
        Target t{"peak heap per client connection <= 48 KiB", std::nullopt, ""};
        size_t peak = 0;
        std::string where;
        for (const auto& s : r.scenarios)
            if (s.peak_heap_bytes && *s.peak_heap_bytes > peak) {
                peak = *s.peak_heap_bytes;
                where = s.suite + " " + s.group + (s.key == "none" ? " server-only" : " mTLS");
            }
        if (peak > 0) {
            t.met = peak <= 48 * 1024;
            t.detail = format("largest %.1f KiB (%s)", static_cast<double>(peak) / 1024.0, where.c_str());
        }
        r.targets.push_back(t);
    }
}

}  // namespace tpmtls::bench
