#include "support/pki_commands.h"

#include <doctest/doctest.h>

#include <fstream>

namespace tpmtls::test {

namespace {
// RSA-4096 key generation on a busy machine can take several seconds; nothing else comes close.
constexpr std::chrono::milliseconds openssl_timeout{60'000};
}  // namespace

CommandResult PkiCommands::run(std::vector<std::string> argv) {
    CommandResult result = run_command(std::move(argv), openssl_timeout);
    REQUIRE_MESSAGE(result.exit_status == 0, result.transcript);
    return result;
}

const std::string& PkiCommands::key(const std::string& name, OpensslKeyType type) {
    if (auto found = keys_.find(name); found != keys_.end()) return found->second;
    const std::string path = dir_.file(name + ".key");
    switch (type) {
    case OpensslKeyType::rsa2048: run({"openssl", "genrsa", "-out", path, "2048"}); break;
    case OpensslKeyType::rsa4096: run({"openssl", "genrsa", "-out", path, "4096"}); break;
    case OpensslKeyType::p256:
        run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path});
        break;
    case OpensslKeyType::p384:
        run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", path});
        break;
    }
    return keys_.emplace(name, path).first->second;
}

std::string PkiCommands::request(const std::string& name, const std::string& key, const std::string& subject) {
    const std::string path = dir_.file(name + ".csr");
    run({"openssl", "req", "-new", "-key", key, "-subj", subject, "-out", path});
    return path;
}

std::string PkiCommands::extension_file(const std::string& name, const std::string& extensions) const {
    return dir_.write(name + ".ext", "[ext]\n" + extensions);
}

std::string PkiCommands::self_signed(const std::string& name, const std::string& key, const std::string& subject,
                                    const OpensslSigning& signing, const std::string& extensions) {
    const std::string path = dir_.file(name + ".pem");
    std::vector<std::string> argv = {"openssl", "req", "-x509", "-new", "-key", key};
    argv.insert(argv.end(), signing.options.begin(), signing.options.end());
    argv.insert(argv.end(), {"-days", "3650", "-subj", subject, "-config", extension_file(name, extensions),
                             "-extensions", "ext", "-out", path});
    run(std::move(argv));
    return path;
}

std::string PkiCommands::issue(const std::string& name, const std::string& csr, const std::string& issuer,
                              const std::string& issuer_key, const OpensslSigning& signing,
                              const std::string& extensions) {
    const std::string path = dir_.file(name + ".pem");
    std::vector<std::string> argv = {"openssl", "x509", "-req", "-in", csr, "-CA", issuer, "-CAkey", issuer_key,
                                     "-set_serial", std::to_string(++serial_)};
    argv.insert(argv.end(), signing.options.begin(), signing.options.end());
    argv.insert(argv.end(), {"-days", "30", "-extfile", extension_file(name, extensions), "-extensions", "ext",
                             "-out", path});
    run(std::move(argv));
    return path;
}

void concatenate_files(const std::string& path, const std::vector<std::string>& parts) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (const std::string& part : parts) out << read_text_file(part);
    REQUIRE_MESSAGE(out.good(), "cannot write " << path);
}

}  // namespace tpmtls::test
