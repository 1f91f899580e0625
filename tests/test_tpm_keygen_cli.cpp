// `tpmtls keygen` and `tpmtls persist` run as a user would, against swtpm: --help, usage errors
// (2), TPM errors (4) in one line, key files that parse and load, persistent handles that
// tpm2_getcap sees, occupied handles refused without --force, and authorization values from a
// file and from the terminal (a pseudo-terminal here).
#include <doctest/doctest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "support/paths.h"
#include "support/peer_process.h"
#include "support/result_testing.h"
#include "support/swtpm.h"
#include "support/tpm_tools.h"
#include "tls13/crypto/verify.h"
#include "tpm/auth_value.h"
#include "tpm/key_file.h"
#include "tpm/key_reference.h"
#include "tpm/keys.h"
#include "tpm/tpm_signer.h"

using namespace tpmtls;
using namespace tpmtls::test;
using namespace tpmtls::tpm;

namespace {

const std::string content = std::string(64, ' ') + "TLS 1.3, client CertificateVerify" + '\0' + std::string(32, 'h');

CommandResult run_tpmtls(std::vector<std::string> args) {
    args.insert(args.begin(), cli_path());
    return run_command(std::move(args));
}

std::shared_ptr<TpmSigner> open_signer(const Swtpm& swtpm, const std::string& reference, ByteView auth = {}) {
    ContextOptions options;
    options.tcti = swtpm.tcti();
    return must(open_tpm_signer(must(parse_key_reference(reference)), options, auth));
}

// The signer's signature verifies with the public key PEM keygen wrote.
void check_signs_for(const std::shared_ptr<TpmSigner>& signer, const std::string& public_pem) {
    const PublicKey key = must(PublicKey::from_spki(ByteView(reinterpret_cast<const uint8_t*>(public_pem.data()),
                                                             public_pem.size())));
    const SignatureScheme scheme = signer->schemes().at(0);
    const Bytes sig = must(signer->sign(scheme, view(content)));
    must(verify_signature(scheme, key, view(content), view(sig)));
}

bool persistent_handle_listed(const Swtpm& swtpm, const std::string& handle) {
    return run_tpm2_tool(swtpm, "getcap", {"handles-persistent"}).out.find(handle) != std::string::npos;
}

// Runs `argv` on a new pseudo-terminal, answering each prompt that appears with `answer`.
// Returns the exit status and everything the terminal showed.
std::pair<int, std::string> run_on_terminal(const std::vector<std::string>& argv,
                                            const std::vector<std::pair<std::string, std::string>>& dialogue) {
    int master = -1;
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    std::string shown;
    size_t searched_from = 0;  // each prompt is looked for after the previous one
    size_t next = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        if (next < dialogue.size()) {
            if (const size_t at = shown.find(dialogue[next].first, searched_from); at != std::string::npos) {
                searched_from = at + dialogue[next].first.size();
                const std::string& answer = dialogue[next].second;
                REQUIRE(::write(master, answer.data(), answer.size()) == static_cast<ssize_t>(answer.size()));
                ++next;
            }
        }
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buf[512];
        const ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0) break;  // EIO: the child closed the terminal
        shown.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    for (int i = 0; i < 100 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) ::usleep(100000);
    ::close(master);
    CHECK(next == dialogue.size());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, shown};
}

}  // namespace

TEST_CASE("keygen and persist answer --help; bad command lines are usage errors (2)") {
    for (const std::string command : {"keygen", "persist"}) {
        const auto help = run_tpmtls({command, "--help"});
        CHECK(help.exit_status == 0);
        CHECK(help.out.find("usage: tpmtls " + command) != std::string::npos);
    }
    const auto help = run_tpmtls({"--help"});
    CHECK(help.out.find("keygen") != std::string::npos);
    CHECK(help.out.find("persist") != std::string::npos);
    const std::vector<std::vector<std::string>> usage_errors = {
        {"keygen"},
        {"keygen", "--out", "k.tss2", "--algorithm", "dsa"},
        {"keygen", "--out", "k.tss2", "--auth-file", "a", "--auth-prompt"},
        {"keygen", "--persist", "0x80000001"},
        {"keygen", "--out", "k.tss2", "--auth", "secret"},  // never from argv
        {"persist", "--key", "k.tss2"},
        {"persist", "--key", "k.tss2", "--handle", "0x1234"},
    };
    for (const auto& args : usage_errors) {
        const auto result = run_tpmtls(args);
        INFO(result.transcript);
        CHECK(result.exit_status == 2);
    }
}

TEST_CASE("keygen writes key files that parse and load, and persistent keys tpm2_getcap sees") {
    Swtpm swtpm;
    const TempDir dir;
    const std::string tcti = swtpm.tcti();

    SUBCASE("ECC P-256 key file with its public key") {
        const auto made = run_tpmtls({"keygen", "--out", dir.file("ecc.tss2"), "--pubout", dir.file("ecc.pem"), "--tcti", tcti});
        INFO(made.transcript);
        REQUIRE(made.exit_status == 0);
        const Tss2KeyFile file = must(load_tss2_key_file(dir.file("ecc.tss2")));
        CHECK(file.empty_auth);
        CHECK(file.parent == owner_hierarchy);
        const auto signer = open_signer(swtpm, dir.file("ecc.tss2"));
        CHECK(signer->algorithm() == KeyAlgorithm::ecc_p256);
        const std::string pem = read_text_file(dir.file("ecc.pem"));
        CHECK(pem.rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
        check_signs_for(signer, pem);
        // openssl reads the SubjectPublicKeyInfo too.
        const auto openssl = run_command({"openssl", "pkey", "-pubin", "-in", dir.file("ecc.pem"), "-noout", "-text"});
        CHECK(openssl.exit_status == 0);
        CHECK(openssl.out.find("NIST CURVE: P-256") != std::string::npos);

        // An existing file is kept unless --force.
        const auto again = run_tpmtls({"keygen", "--out", dir.file("ecc.tss2"), "--tcti", tcti});
        CHECK(again.exit_status == 1);
        CHECK(again.err.find("--force") != std::string::npos);
        CHECK(must(load_tss2_key_file(dir.file("ecc.tss2"))) == file);
        CHECK(run_tpmtls({"keygen", "--out", dir.file("ecc.tss2"), "--force", "--tcti", tcti}).exit_status == 0);
        CHECK_FALSE(must(load_tss2_key_file(dir.file("ecc.tss2"))) == file);

        // persist: the file's key at a handle; occupied is refused (4) unless --force.
        const auto persisted = run_tpmtls({"persist", "--key", dir.file("ecc.tss2"), "--handle", "0x81000110", "--tcti", tcti});
        INFO(persisted.transcript);
        CHECK(persisted.exit_status == 0);
        CHECK(persistent_handle_listed(swtpm, "0x81000110"));
        CHECK(open_signer(swtpm, "handle:0x81000110")->public_key_der() ==
              open_signer(swtpm, dir.file("ecc.tss2"))->public_key_der());
        const auto occupied = run_tpmtls({"persist", "--key", dir.file("ecc.tss2"), "--handle", "0x81000110", "--tcti", tcti});
        CHECK(occupied.exit_status == 4);
        CHECK(occupied.err.find("occupied") != std::string::npos);
        CHECK(run_tpmtls({"persist", "--key", dir.file("ecc.tss2"), "--handle", "0x81000110", "--force", "--tcti", tcti})
                  .exit_status == 0);
    }
    SUBCASE("RSA-2048 made persistent; an occupied handle refused without --force") {
        const auto made = run_tpmtls({"keygen", "--algorithm", "rsa", "--persist", "0x81000120", "--pubout",
                                  dir.file("rsa.pem"), "--tcti", tcti});
        INFO(made.transcript);
        REQUIRE(made.exit_status == 0);
        CHECK(persistent_handle_listed(swtpm, "0x81000120"));
        const auto signer = open_signer(swtpm, "handle:0x81000120");
        CHECK(signer->algorithm() == KeyAlgorithm::rsa_2048);
        CHECK(signer->schemes().at(0) == SignatureScheme::rsa_pss_rsae_sha256);
        check_signs_for(signer, read_text_file(dir.file("rsa.pem")));

        const auto occupied = run_tpmtls({"keygen", "--persist", "0x81000120", "--tcti", tcti});
        INFO(occupied.transcript);
        CHECK(occupied.exit_status == 4);
        CHECK(occupied.err.find("0x81000120 is occupied") != std::string::npos);
        CHECK(open_signer(swtpm, "handle:0x81000120")->public_key_der() == signer->public_key_der());
        CHECK(run_tpmtls({"keygen", "--persist", "0x81000120", "--force", "--tcti", tcti}).exit_status == 0);
        const auto replaced = open_signer(swtpm, "handle:0x81000120");
        CHECK(replaced->algorithm() == KeyAlgorithm::ecc_p256);
    }
    SUBCASE("an authorization value from a file") {
        const std::string auth_file = dir.write("auth", "s3cret\n");
        const auto made = run_tpmtls({"keygen", "--out", dir.file("auth.tss2"), "--auth-file", auth_file, "--tcti", tcti});
        INFO(made.transcript);
        REQUIRE(made.exit_status == 0);
        const Tss2KeyFile file = must(load_tss2_key_file(dir.file("auth.tss2")));
        CHECK_FALSE(file.empty_auth);
        // emptyAuth FALSE is in the file, as tpm2-openssl writes it, and re-encodes byte for byte.
        CHECK(file.empty_auth_false_written);
        CHECK(must(write_tss2_key_file(file)) == read_text_file(dir.file("auth.tss2")));
        const Secret auth = must(read_auth_file(auth_file));
        const auto signer = open_signer(swtpm, dir.file("auth.tss2"), ByteView(auth.view().data(), auth.size()));
        must(signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content)));
    }
    SUBCASE("tpm2-openssl signs CSRs with keygen's key files (ECC with an authorization value, RSA)") {
        const std::string auth_file = dir.write("auth", "s3cret\n");
        REQUIRE(run_tpmtls({"keygen", "--out", dir.file("ecc.tss2"), "--auth-file", auth_file, "--tcti", tcti})
                    .exit_status == 0);
        REQUIRE(run_tpmtls({"keygen", "--out", dir.file("rsa.tss2"), "--algorithm", "rsa", "--tcti", tcti})
                    .exit_status == 0);
        ::setenv("TPM2OPENSSL_TCTI", tcti.c_str(), 1);
        const std::vector<std::vector<std::string>> keys = {{dir.file("ecc.tss2"), "-passin", "file:" + auth_file},
                                                            {dir.file("rsa.tss2")}};
        for (const auto& key : keys) {
            std::vector<std::string> req = {"openssl", "req", "-provider", "tpm2", "-provider", "default", "-new",
                                            "-subj", "/CN=tpm-device", "-out", dir.file("req.csr"), "-key"};
            req.insert(req.end(), key.begin(), key.end());
            const auto signed_csr = run_command(req);
            INFO(signed_csr.transcript);
            REQUIRE(signed_csr.exit_status == 0);
            const auto verified = run_command({"openssl", "req", "-in", dir.file("req.csr"), "-verify", "-noout"});
            INFO(verified.transcript);
            CHECK(verified.exit_status == 0);
        }
        ::unsetenv("TPM2OPENSSL_TCTI");
    }
    SUBCASE("an authorization value typed at the terminal, twice, without echo") {
        const auto terminal = run_on_terminal(
            {cli_path(), "keygen", "--out", dir.file("typed.tss2"), "--auth-prompt", "--tcti", tcti},
            {{"Authorization value for the new key: ", "typed-value\n"}, {"Again, to confirm: ", "typed-value\n"}});
        const std::string& shown = terminal.second;
        CAPTURE(shown);
        REQUIRE(terminal.first == 0);
        CHECK(shown.find("typed-value") == std::string::npos);  // never echoed
        CHECK_FALSE(must(load_tss2_key_file(dir.file("typed.tss2"))).empty_auth);
        const std::string typed = "typed-value";
        const auto signer = open_signer(swtpm, dir.file("typed.tss2"),
                                        ByteView(reinterpret_cast<const uint8_t*>(typed.data()), typed.size()));
        must(signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content)));
    }
}

TEST_CASE("TPM and file failures: exit 4 or 7, one line of error with a hint, no tpm2-tss noise") {
    const TempDir dir;
    const std::string closed = "swtpm:host=127.0.0.1,port=" + std::to_string(free_loopback_port_pair());
    const auto unreachable = run_tpmtls({"keygen", "--out", dir.file("k.tss2"), "--tcti", closed});
    INFO(unreachable.transcript);
    CHECK(unreachable.exit_status == 4);
    CHECK(unreachable.err.find("TPM unreachable") != std::string::npos);
    CHECK(unreachable.err.find("ERROR:") == std::string::npos);
    CHECK(std::count(unreachable.err.begin(), unreachable.err.end(), '\n') == 1);

    const auto corrupt = run_tpmtls({"persist", "--key", dir.write("bad.tss2", "not a key"), "--handle", "0x81000001",
                                 "--tcti", closed});
    INFO(corrupt.transcript);
    CHECK(corrupt.exit_status == 7);  // not a usable key (the exit-status table)
    CHECK(corrupt.err.find("not a TSS2 PRIVATE KEY") != std::string::npos);
}
