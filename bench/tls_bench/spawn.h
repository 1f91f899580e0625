// Runs another program the way a user starts a client: a new process per handshake, timed from
// before posix_spawn to after its exit, with its CPU time (user + system, from wait4's rusage).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace tpmtls::bench {

struct ProcessRun {
    int exit_status = -1;  // 128 + signal if killed
    std::chrono::nanoseconds wall{0};
    std::chrono::nanoseconds cpu{0};
    std::string errors;  // its stderr (kept for failure messages)
};

// argv[0] is searched in PATH; `env` entries ("NAME=value") are added to ours. stdin is
// /dev/null, stdout is discarded. Killed after `timeout`.
ProcessRun run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000));

// Our own executable (/proc/self/exe), for re-running bench_tls as a child client.
std::string self_executable();

}  // namespace tpmtls::bench
