#include "support/cli_programs.h"

#include <doctest/doctest.h>

#include <sstream>

#include "support/paths.h"

namespace tpmtls::test {

PkiFiles::PkiFiles(const TestPki& pki)
    : ca(dir.write("ca.pem", pki.root.pem)),
      server_cert(dir.write("server.pem", pki.server.pem)),
      server_key(dir.write("server.key", pki.server.key.private_pem)),
      client_cert(dir.write("client.pem", pki.client.pem)),
      client_key(dir.write("client.key", pki.client.key.private_pem)) {}

ServerProgram::ServerProgram(const PkiFiles& files, std::vector<std::string> extra, const std::string& address,
                             uint16_t port)
    : address_(address), port_(port != 0 ? port : free_loopback_port(address.find(':') != std::string::npos)) {
    process_ = std::make_unique<PeerProcess>(
        server_command(connect_argument(), files.server_cert, files.server_key, std::move(extra)));
    REQUIRE_MESSAGE(process_->wait_for_output("listening on", std::chrono::milliseconds(10'000)),
                    process_->transcript());
}

std::string ServerProgram::connect_argument() const {
    const std::string host = address_.find(':') != std::string::npos ? "[" + address_ + "]" : address_;
    return host + ":" + std::to_string(port_);
}

std::vector<std::string> server_command(const std::string& accept, const std::string& cert, const std::string& key,
                                        std::vector<std::string> extra) {
    std::vector<std::string> argv = {cli_path(), "server", "--accept", accept, "--cert", cert, "--key", key};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

std::vector<std::string> client_command(const PkiFiles& files, const std::string& connect, bool with_certificate,
                                        std::vector<std::string> extra) {
    std::vector<std::string> argv = {cli_path(), "client", "--connect", connect, "--cafile", files.ca};
    if (with_certificate) {
        for (const auto& a : {std::string("--cert"), files.client_cert, std::string("--key"), files.client_key})
            argv.push_back(a);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

size_t count_lines_with(const std::string& text, std::string_view pattern) {
    std::istringstream in(text);
    size_t count = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.find(pattern) != std::string::npos) ++count;
    }
    return count;
}

}  // namespace tpmtls::test
