#include "support/swtpm.h"

#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

namespace tpmtls::test {
namespace {

bool port_free(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

uint16_t free_loopback_port_pair() {
    for (int attempt = 0; attempt < 50; ++attempt) {
        const uint16_t p = free_loopback_port();
        if (p != 0 && p < 65535 && port_free(static_cast<uint16_t>(p + 1))) return p;
    }
    FAIL("no two consecutive free loopback ports");
    return 0;
}

Swtpm::Swtpm() {
    REQUIRE_MESSAGE(!find_program("swtpm").empty(), "swtpm is not installed (apt install swtpm)");
    ::setenv("TSS2_LOG", "all+NONE", 0);  // 0: a TSS2_LOG the user set wins
    // A port pair can be taken between the probe and swtpm's bind: try a few pairs.
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_loopback_port_pair();
        const std::string ctrl = std::to_string(port_ + 1);
        process_ = std::make_unique<PeerProcess>(std::vector<std::string>{
            "swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state_.path(), "--server",
            "type=tcp,port=" + std::to_string(port_) + ",bindaddr=127.0.0.1", "--ctrl",
            "type=tcp,port=" + ctrl + ",bindaddr=127.0.0.1", "--flags", "not-need-init,startup-clear"});
        if (wait_for_port("127.0.0.1", port_, milliseconds(5000)) && process_->running()) return;
        process_->stop();
    }
    FAIL("swtpm did not start: " << process_->transcript());
}

Swtpm::~Swtpm() {
    if (process_) process_->stop();
}

void Swtpm::kill() {
    REQUIRE_MESSAGE(process_->running(), "swtpm already gone: " << process_->transcript());
    REQUIRE(::kill(process_->pid(), SIGKILL) == 0);
    REQUIRE_MESSAGE(process_->wait(milliseconds(5000)).has_value(), "swtpm survived SIGKILL");
}

std::string Swtpm::tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }

}  // namespace tpmtls::test
