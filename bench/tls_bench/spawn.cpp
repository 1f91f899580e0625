#include "tls_bench/spawn.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace tpmtls::bench {
namespace {

std::chrono::nanoseconds cpu_of(const rusage& usage) {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(seconds(usage.ru_utime.tv_sec) + microseconds(usage.ru_utime.tv_usec) +
                                      seconds(usage.ru_stime.tv_sec) + microseconds(usage.ru_stime.tv_usec));
}

}  // namespace

ProcessRun run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       std::chrono::milliseconds timeout) {
    ProcessRun run;
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) environment.emplace_back(*e);
    environment.insert(environment.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    char error_path[] = "/tmp/bench_tls_stderr_XXXXXX";
    const int error_fd = ::mkstemp(error_path);
    ::unlink(error_path);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    if (error_fd >= 0) posix_spawn_file_actions_adddup2(&actions, error_fd, 2);

    const auto start = std::chrono::steady_clock::now();
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        run.errors = "cannot start " + argv[0] + ": " + std::strerror(rc);
        if (error_fd >= 0) ::close(error_fd);
        return run;
    }
    int status = 0;
    rusage usage{};
    // A watchdog kills a child that outlives the timeout; the wait itself blocks (no polling,
    // which would add to the time measured and take CPU from the child).
    std::mutex mutex;
    std::condition_variable exited;
    bool finished = false;
    bool killed = false;
    std::thread watchdog([&] {
        std::unique_lock lock(mutex);
        if (!exited.wait_until(lock, start + timeout, [&] { return finished; })) {
            ::kill(pid, SIGKILL);
            killed = true;
        }
    });
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    run.wall = std::chrono::steady_clock::now() - start;
    {
        std::lock_guard lock(mutex);
        finished = true;
    }
    exited.notify_one();
    watchdog.join();
    if (killed) run.errors = "timed out; ";
    run.cpu = cpu_of(usage);
    run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (error_fd >= 0) {
        ::lseek(error_fd, 0, SEEK_SET);
        char buffer[4096];
        ssize_t n;
        while ((n = ::read(error_fd, buffer, sizeof buffer)) > 0) run.errors.append(buffer, static_cast<size_t>(n));
        ::close(error_fd);
    }
    return run;
}

std::string self_executable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

}  // namespace tpmtls::bench
