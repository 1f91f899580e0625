// The enrollment commands as a user runs them: `tpmtls csr` with a TPM key (file and persistent
// handle, on swtpm), `tpmtls ca-init`, `tpmtls ca-sign`, checked with openssl; --help on each;
// usage errors exit 2; a CSR with a bad signature is refused with one clear line and exit 1;
// RSA and P-384 CAs, ca-init's and the tutorial's openssl-made one, sign as openssl expects.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>

#include "support/interop.h"
#include "support/paths.h"
#include "support/peer_process.h"
#include "support/result_testing.h"
#include "support/swtpm.h"
#include "tpm/context.h"
#include "tpm/key_file.h"
#include "tpm/keys.h"
#include "tls13/x509.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

constexpr uint32_t persistent_handle = 0x81000123;

// A P-256 key made in the TPM, written as a TSS2 key file and also made persistent. The context is
// closed before returning: swtpm serves one connection at a time.
std::string provision_key(const Swtpm& swtpm, const TempDir& dir) {
    tpm::ContextOptions options;
    options.tcti = swtpm.tcti();
    auto context = must(tpm::TpmContext::open(options));
    const tpm::KeyBlob blob = must(tpm::create_p256_signing_key(*context));
    const std::string path = dir.file("device.tss2");
    must(save_tss2_key_file(path, Tss2KeyFile{true, tpm::owner_hierarchy, blob.public_area, blob.private_area}));
    must(tpm::make_persistent(context, blob, persistent_handle, false));
    return path;
}

size_t line_count(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

CommandResult tpmtls_cli(std::vector<std::string> args) {
    args.insert(args.begin(), cli_path());
    return run_command(std::move(args));
}

}  // namespace

TEST_CASE("csr, ca-init and ca-sign answer --help") {
    for (const char* command : {"csr", "ca-init", "ca-sign"}) {
        CAPTURE(command);
        auto help = tpmtls_cli({command, "--help"});
        CHECK(help.exit_status == 0);
        CHECK(help.out.find(std::string("usage: tpmtls ") + command) != std::string::npos);
    }
    auto list = tpmtls_cli({"--help"});
    for (const char* command : {"csr", "ca-init", "ca-sign"}) CHECK(list.out.find(command) != std::string::npos);
}

TEST_CASE("enrollment from the command line: TPM key -> csr -> ca-init -> ca-sign -> openssl verify") {
    Swtpm swtpm;
    TempDir dir;
    const std::string key = provision_key(swtpm, dir);

    for (const std::string& reference : {key, std::string("handle:0x81000123")}) {
        CAPTURE(reference);
        auto csr = tpmtls_cli({"csr", "--key", reference, "--subject", "/CN=dev1/O=Acme", "--san", "DNS:dev1.example",
                               "--san", "IP:192.0.2.7", "--out", dir.file("csr.pem"), "--tcti", swtpm.tcti()});
        REQUIRE_MESSAGE(csr.exit_status == 0, csr.transcript);
        auto verify = run_command({"openssl", "req", "-verify", "-noout", "-in", dir.file("csr.pem")});
        CHECK_MESSAGE(verify.exit_status == 0, verify.transcript);
        CHECK(verify.err.find("verify OK") != std::string::npos);
    }

    auto init = tpmtls_cli({"ca-init", "--out-key", dir.file("ca.key"), "--out-cert", dir.file("ca.pem"), "--subject",
                            "/CN=Acme device CA", "--days", "30"});
    REQUIRE_MESSAGE(init.exit_status == 0, init.transcript);
    struct stat info{};
    REQUIRE(::stat(dir.file("ca.key").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    const std::string first_key = read_text_file(dir.file("ca.key"));
    auto again = tpmtls_cli({"ca-init", "--out-key", dir.file("ca.key"), "--out-cert", dir.file("ca.pem"), "--subject",
                             "/CN=Acme device CA"});
    CHECK(again.exit_status == 1);
    CHECK(again.err.find("exists; not replacing it") != std::string::npos);
    CHECK(read_text_file(dir.file("ca.key")) == first_key);

    auto sign = tpmtls_cli({"ca-sign", "--ca-cert", dir.file("ca.pem"), "--ca-key", dir.file("ca.key"), "--csr",
                            dir.file("csr.pem"), "--out", dir.file("cert.pem"), "--days", "7"});
    REQUIRE_MESSAGE(sign.exit_status == 0, sign.transcript);
    auto verify = run_command({"openssl", "verify", "-purpose", "sslclient", "-CAfile", dir.file("ca.pem"), dir.file("cert.pem")});
    CHECK_MESSAGE(verify.exit_status == 0, verify.transcript);
    auto text = run_command({"openssl", "x509", "-noout", "-text", "-in", dir.file("cert.pem")});
    CHECK(text.out.find("Subject: CN = dev1, O = Acme") != std::string::npos);
    CHECK(text.out.find("TLS Web Client Authentication") != std::string::npos);
    CHECK(text.out.find("DNS:dev1.example, IP Address:192.0.2.7") != std::string::npos);

    auto server = tpmtls_cli({"ca-sign", "--ca-cert", dir.file("ca.pem"), "--ca-key", dir.file("ca.key"), "--csr",
                              dir.file("csr.pem"), "--out", dir.file("server.pem"), "--profile", "server"});
    REQUIRE_MESSAGE(server.exit_status == 0, server.transcript);
    auto server_verify = run_command({"openssl", "verify", "-purpose", "sslserver", "-CAfile", dir.file("ca.pem"),
                                      dir.file("server.pem")});
    CHECK_MESSAGE(server_verify.exit_status == 0, server_verify.transcript);

    SUBCASE("a CSR with a bad signature: exit 1 and one clear line") {
        // Flip one base64 character inside the signature, near the end of the PEM body.
        std::string pem = read_text_file(dir.file("csr.pem"));
        const size_t end = pem.find("-----END");
        REQUIRE(end != std::string::npos);
        char& c = pem[end - 6];
        c = c == 'A' ? 'B' : 'A';
        dir.write("bad.pem", pem);
        auto refused = tpmtls_cli({"ca-sign", "--ca-cert", dir.file("ca.pem"), "--ca-key", dir.file("ca.key"), "--csr",
                                   dir.file("bad.pem"), "--out", dir.file("bad-cert.pem")});
        CHECK(refused.exit_status == 1);
        CHECK_MESSAGE(line_count(refused.err) == 1, refused.transcript);
        CHECK_MESSAGE(refused.err.find("CSR signature does not verify") != std::string::npos, refused.transcript);
        struct stat none{};
        CHECK(::stat(dir.file("bad-cert.pem").c_str(), &none) != 0);
    }
}

TEST_CASE("enrollment commands: usage errors exit 2, missing files and TPM failures are told apart") {
    TempDir dir;
    auto missing = tpmtls_cli({"csr", "--subject", "/CN=x", "--out", dir.file("x.pem")});
    CHECK(missing.exit_status == 2);
    CHECK(missing.err.find("--key is required") != std::string::npos);

    auto bad_san = tpmtls_cli({"csr", "--key", "k.tss2", "--subject", "/CN=x", "--san", "mail:x@y", "--out", dir.file("x.pem")});
    CHECK(bad_san.exit_status == 2);
    CHECK(bad_san.err.find("unsupported subjectAltName 'mail:x@y'") != std::string::npos);

    auto bad_subject = tpmtls_cli({"ca-init", "--out-key", dir.file("k"), "--out-cert", dir.file("c"), "--subject", "CN"});
    CHECK(bad_subject.exit_status == 2);
    CHECK(line_count(bad_subject.err) == 1);

    auto bad_profile = tpmtls_cli({"ca-sign", "--ca-cert", "a", "--ca-key", "b", "--csr", "c", "--out", "d", "--profile", "both"});
    CHECK(bad_profile.exit_status == 2);
    CHECK(bad_profile.err.find("unknown profile 'both'") != std::string::npos);

    auto bad_days = tpmtls_cli({"ca-init", "--out-key", dir.file("k"), "--out-cert", dir.file("c"), "--subject", "/CN=x",
                                "--days", "soon"});
    CHECK(bad_days.exit_status == 2);

    auto no_files = tpmtls_cli({"ca-sign", "--ca-cert", dir.file("none.pem"), "--ca-key", dir.file("none.key"), "--csr",
                                dir.file("none.csr"), "--out", dir.file("out.pem")});
    CHECK(no_files.exit_status == 6);  // a file missing (the exit-status table)
    CHECK(no_files.err.find("cannot read CA certificate") != std::string::npos);

    // Nothing listens on this port: a TPM failure (exit 4) in one line plus the TSS2 text.
    const uint16_t port = free_loopback_port_pair();
    auto no_tpm = tpmtls_cli({"csr", "--key", "handle:0x81000001", "--subject", "/CN=x", "--out", dir.file("x.pem"),
                              "--tcti", "swtpm:host=127.0.0.1,port=" + std::to_string(port)});
    CHECK_MESSAGE(no_tpm.exit_status == 4, no_tpm.transcript);
    CHECK(no_tpm.err.find("tpmtls csr: ") == 0);
    CHECK(no_tpm.err.find("TPM unreachable") != std::string::npos);
    CHECK_MESSAGE(line_count(no_tpm.err) == 1, no_tpm.transcript);

    auto no_key = tpmtls_cli({"csr", "--key", dir.file("absent.tss2"), "--subject", "/CN=x", "--out", dir.file("x.pem")});
    CHECK(no_key.exit_status == 6);  // a file missing (the exit-status table)
    CHECK(no_key.err.find("cannot read --key " + dir.file("absent.tss2") + ": No such file or directory") !=
          std::string::npos);
}

TEST_CASE("ca-sign --new-key: a software server key and its certificate, accepted by openssl verify and s_server") {
    REQUIRE_MESSAGE(!find_program("openssl").empty(), "openssl is not installed");
    TempDir dir;
    auto init = tpmtls_cli({"ca-init", "--out-key", dir.file("ca.key"), "--out-cert", dir.file("ca.pem"), "--subject",
                            "/CN=Demo CA"});
    REQUIRE_MESSAGE(init.exit_status == 0, init.transcript);
    const std::vector<std::string> issue = {"ca-sign", "--ca-cert", dir.file("ca.pem"), "--ca-key", dir.file("ca.key"),
                                            "--new-key", dir.file("server.key"), "--subject", "/CN=localhost",
                                            "--san", "DNS:localhost", "--san", "IP:127.0.0.1", "--profile", "server",
                                            "--out", dir.file("server.pem")};
    auto made = tpmtls_cli(issue);
    REQUIRE_MESSAGE(made.exit_status == 0, made.transcript);
    struct stat info{};
    REQUIRE(::stat(dir.file("server.key").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);

    auto verify = run_command({"openssl", "verify", "-purpose", "sslserver", "-CAfile", dir.file("ca.pem"),
                               dir.file("server.pem")});
    CHECK_MESSAGE(verify.exit_status == 0, verify.transcript);
    auto text = run_command({"openssl", "x509", "-noout", "-text", "-in", dir.file("server.pem")});
    CHECK(text.out.find("Subject: CN = localhost") != std::string::npos);
    CHECK(text.out.find("TLS Web Server Authentication") != std::string::npos);
    CHECK(text.out.find("DNS:localhost, IP Address:127.0.0.1") != std::string::npos);
    CHECK(text.out.find("ASN1 OID: prime256v1") != std::string::npos);
    // The key file holds the certificate's key.
    auto key_pub = run_command({"openssl", "pkey", "-in", dir.file("server.key"), "-pubout"});
    auto cert_pub = run_command({"openssl", "x509", "-noout", "-pubkey", "-in", dir.file("server.pem")});
    REQUIRE(key_pub.exit_status == 0);
    CHECK(key_pub.out == cert_pub.out);

    // openssl s_server serves with the pair; our client verifies it against the CA as localhost.
    const uint16_t port = free_loopback_port();
    PeerProcess server({"stdbuf", "-oL", "openssl", "s_server", "-tls1_3", "-accept", "127.0.0.1:" + std::to_string(port),
                        "-cert", dir.file("server.pem"), "-key", dir.file("server.key"), "-naccept", "1"});
    REQUIRE_MESSAGE(server.wait_for_output("ACCEPT", step_timeout), server.transcript());
    ClientConfig config;
    config.server_name = "localhost";
    config.trust_anchors = std::make_shared<const TrustStore>(must(TrustStore::from_file(dir.file("ca.pem"))));
    auto client = connect_client("127.0.0.1", port, std::move(config), &server);
    REQUIRE(client->send(view(std::string("hello demo server\n"))));
    CHECK_MESSAGE(server.wait_for_output("hello demo server", step_timeout), server.transcript());
    CHECK(client->close());

    // The key is not replaced without --force; with it, a new key and certificate.
    const std::string first_key = read_text_file(dir.file("server.key"));
    auto again = tpmtls_cli(issue);
    CHECK(again.exit_status == 1);
    CHECK(again.err.find("exists; not replacing it") != std::string::npos);
    CHECK(read_text_file(dir.file("server.key")) == first_key);
    std::vector<std::string> forced = issue;
    forced.push_back("--force");
    auto replaced = tpmtls_cli(forced);
    CHECK_MESSAGE(replaced.exit_status == 0, replaced.transcript);
    CHECK(read_text_file(dir.file("server.key")) != first_key);

    // Usage: exactly one of --csr / --new-key; --new-key needs --subject; names only with --new-key.
    const std::vector<std::string> base = {"ca-sign", "--ca-cert", dir.file("ca.pem"), "--ca-key", dir.file("ca.key"),
                                           "--out", dir.file("x.pem")};
    for (const std::vector<std::string>& extra :
         {std::vector<std::string>{}, {"--new-key", dir.file("x.key")}, {"--csr", dir.file("x"), "--subject", "/CN=x"},
          {"--csr", dir.file("x"), "--new-key", dir.file("x.key"), "--subject", "/CN=x"},
          {"--new-key", dir.file("x.key"), "--subject", "/CN=x", "--san", "MAIL:x"}}) {
        std::vector<std::string> args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = tpmtls_cli(args);
        CHECK_MESSAGE(r.exit_status == 2, r.transcript);
    }
    struct stat none{};
    CHECK(::stat(dir.file("x.key").c_str(), &none) != 0);
}

namespace {

// `openssl x509 -noout -text` of a PEM file.
std::string openssl_text(const std::string& path) {
    auto text = run_command({"openssl", "x509", "-noout", "-text", "-in", path});
    REQUIRE_MESSAGE(text.exit_status == 0, text.transcript);
    return text.out;
}

bool openssl_verifies(const std::string& ca, const std::string& certificate, std::string& transcript) {
    auto verify = run_command({"openssl", "verify", "-purpose", "sslclient", "-CAfile", ca, certificate});
    transcript = verify.transcript;
    return verify.exit_status == 0;
}

}  // namespace

TEST_CASE("RSA and P-384 CAs from ca-init and the tutorial's openssl CA sign with ca-sign [--pss]; openssl verifies") {
    REQUIRE_MESSAGE(!find_program("openssl").empty(), "openssl is not installed");
    TempDir dir;
    auto request = run_command({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                "-keyout", dir.file("device.key"), "-subj", "/CN=dev1/O=Acme", "-out",
                                dir.file("device.csr")});
    REQUIRE_MESSAGE(request.exit_status == 0, request.transcript);
    // The tutorial's CA: `openssl genrsa -out ca.key 4096`, `openssl req -x509 -new -key ca.key -sha256 ...`.
    auto genrsa = run_command({"openssl", "genrsa", "-out", dir.file("company-ca.key"), "4096"});
    REQUIRE_MESSAGE(genrsa.exit_status == 0, genrsa.transcript);
    auto company = run_command({"openssl", "req", "-x509", "-new", "-key", dir.file("company-ca.key"), "-sha256", "-days",
                                "3650", "-subj", "/CN=Company CA", "-out", dir.file("company-ca.pem")});
    REQUIRE_MESSAGE(company.exit_status == 0, company.transcript);

    auto rsa = tpmtls_cli({"ca-init", "--algorithm", "rsa", "--bits", "4096", "--out-key", dir.file("rsa-ca.key"),
                           "--out-cert", dir.file("rsa-ca.pem"), "--subject", "/CN=RSA CA"});
    REQUIRE_MESSAGE(rsa.exit_status == 0, rsa.transcript);
    struct stat info{};
    REQUIRE(::stat(dir.file("rsa-ca.key").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    CHECK(read_text_file(dir.file("rsa-ca.key")).find("-----BEGIN RSA PRIVATE KEY-----") == 0);
    const std::string rsa_text = openssl_text(dir.file("rsa-ca.pem"));
    CHECK(rsa_text.find("Public-Key: (4096 bit)") != std::string::npos);
    CHECK(rsa_text.find("Signature Algorithm: sha256WithRSAEncryption") != std::string::npos);

    auto p384 = tpmtls_cli({"ca-init", "--algorithm", "ec", "--curve", "P-384", "--out-key", dir.file("p384-ca.key"),
                            "--out-cert", dir.file("p384-ca.pem"), "--subject", "/CN=P-384 CA"});
    REQUIRE_MESSAGE(p384.exit_status == 0, p384.transcript);
    const std::string p384_text = openssl_text(dir.file("p384-ca.pem"));
    CHECK(p384_text.find("NIST CURVE: P-384") != std::string::npos);
    CHECK(p384_text.find("Signature Algorithm: ecdsa-with-SHA384") != std::string::npos);

    struct Row {
        std::string ca;
        std::vector<std::string> extra;
        std::string signature_algorithm;  // as `openssl x509 -text` names it
    };
    const Row rows[] = {
        {"rsa-ca", {}, "sha256WithRSAEncryption"},
        {"rsa-ca", {"--pss"}, "rsassaPss"},
        {"p384-ca", {}, "ecdsa-with-SHA384"},
        {"company-ca", {}, "sha256WithRSAEncryption"},
        {"company-ca", {"--pss"}, "rsassaPss"},
    };
    for (const Row& row : rows) {
        CAPTURE(row.ca);
        CAPTURE(row.extra.size());
        std::vector<std::string> args = {"ca-sign", "--ca-cert", dir.file(row.ca + ".pem"), "--ca-key",
                                         dir.file(row.ca + ".key"), "--csr", dir.file("device.csr"), "--out",
                                         dir.file("device.pem")};
        args.insert(args.end(), row.extra.begin(), row.extra.end());
        auto signed_ = tpmtls_cli(args);
        REQUIRE_MESSAGE(signed_.exit_status == 0, signed_.transcript);
        const std::string text = openssl_text(dir.file("device.pem"));
        CHECK_MESSAGE(text.find("Signature Algorithm: " + row.signature_algorithm) != std::string::npos, text);
        if (row.signature_algorithm == "rsassaPss") {
            CHECK(text.find("Hash Algorithm: sha256") != std::string::npos);
            CHECK(text.find("Mask Algorithm: mgf1 with sha256") != std::string::npos);
            CHECK(text.find("Salt Length: 0x20") != std::string::npos);
        }
        std::string transcript;
        CHECK_MESSAGE(openssl_verifies(dir.file(row.ca + ".pem"), dir.file("device.pem"), transcript), transcript);
    }

    // Not SUBCASEs: each would make the RSA-4096 keys again.
    {  // --pss with an EC CA key: exit 2, one line, nothing written.
        auto refused = tpmtls_cli({"ca-sign", "--ca-cert", dir.file("p384-ca.pem"), "--ca-key", dir.file("p384-ca.key"),
                                   "--csr", dir.file("device.csr"), "--out", dir.file("pss.pem"), "--pss"});
        CHECK(refused.exit_status == 2);
        CHECK_MESSAGE(line_count(refused.err) == 1, refused.transcript);
        CHECK(refused.err.find("--pss: RSASSA-PSS needs an RSA CA key") != std::string::npos);
        struct stat none{};
        CHECK(::stat(dir.file("pss.pem").c_str(), &none) != 0);
    }
    {  // --algorithm, --curve and --bits that do not go together are usage errors.
        const std::vector<std::string> base = {"ca-init", "--out-key", dir.file("x.key"), "--out-cert", dir.file("x.pem"),
                                               "--subject", "/CN=x"};
        for (const std::vector<std::string>& extra :
             {std::vector<std::string>{"--algorithm", "dsa"}, {"--algorithm", "rsa", "--bits", "1024"},
              {"--algorithm", "rsa", "--curve", "P-256"}, {"--curve", "P-521"}, {"--bits", "2048"}}) {
            std::vector<std::string> args = base;
            args.insert(args.end(), extra.begin(), extra.end());
            auto r = tpmtls_cli(args);
            CHECK_MESSAGE(r.exit_status == 2, r.transcript);
            CHECK(r.err.find("tpmtls ca-init: --") == 0);
        }
        struct stat none{};
        CHECK(::stat(dir.file("x.key").c_str(), &none) != 0);
    }
}
