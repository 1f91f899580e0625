// A key file written by `tpmtls import` is a TSS2 PRIVATE KEY that tpm2-openssl loads: `openssl
// req -provider tpm2 -provider default -key key.tss2` signs a CSR with the imported key in the
// TPM (swtpm), `openssl req -verify` accepts it, and its public key is the original key's.
#include <doctest/doctest.h>

#include "support/paths.h"
#include "support/peer_process.h"
#include "support/swtpm.h"

using namespace tpmtls::test;

namespace {

CommandResult openssl(const Swtpm& swtpm, std::vector<std::string> args) {
    REQUIRE_MESSAGE(!find_program("openssl").empty(), "openssl is not installed");
    args.insert(args.begin(), {"env", "TPM2OPENSSL_TCTI=" + swtpm.tcti(), "openssl"});
    auto r = run_command(args);
    REQUIRE_MESSAGE(r.exit_status == 0, r.transcript);
    return r;
}

}  // namespace

TEST_CASE("openssl req with the tpm2 provider signs a CSR with an imported key file (ECC P-256 and RSA-2048)") {
    struct Case {
        const char* name;
        std::vector<std::string> genpkey;
    };
    const Case cases[] = {
        {"ecc-p256", {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}},
        {"rsa-2048", {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        Swtpm swtpm;
        TempDir dir;
        const std::string original = dir.file("original.pem");
        std::vector<std::string> genpkey = {"genpkey", "-out", original};
        genpkey.insert(genpkey.end(), c.genpkey.begin(), c.genpkey.end());
        openssl(swtpm, genpkey);
        const std::string original_bytes = read_text_file(original);

        const std::string key_file = dir.file("device.tss2");
        auto imported = run_command({cli_path(), "import", "--in", original, "--out", key_file, "--tcti", swtpm.tcti()});
        REQUIRE_MESSAGE(imported.exit_status == 0, imported.transcript);
        CHECK(imported.out.find(std::string("imported ") + c.name) != std::string::npos);
        CHECK(read_text_file(key_file).find("-----BEGIN TSS2 PRIVATE KEY-----") == 0);

        const std::string csr = dir.file("device.csr");
        openssl(swtpm, {"req", "-new", "-provider", "tpm2", "-provider", "default", "-key", key_file, "-subj",
                        "/CN=imported-device-0001", "-out", csr});
        auto verified = openssl(swtpm, {"req", "-verify", "-in", csr, "-noout"});
        CHECK_MESSAGE((verified.out + verified.err).find("verify OK") != std::string::npos, verified.transcript);
        auto subject = openssl(swtpm, {"req", "-in", csr, "-noout", "-subject"});
        CHECK(subject.out.find("CN = imported-device-0001") != std::string::npos);

        const std::string csr_public = openssl(swtpm, {"req", "-in", csr, "-noout", "-pubkey"}).out;
        const std::string original_public = openssl(swtpm, {"pkey", "-in", original, "-pubout"}).out;
        CHECK(csr_public.find("-----BEGIN PUBLIC KEY-----") == 0);
        CHECK(csr_public == original_public);
        // The public key tpm2-openssl reads from the key file is the original's too.
        const std::string file_public =
            openssl(swtpm, {"pkey", "-provider", "tpm2", "-provider", "default", "-in", key_file, "-pubout"}).out;
        CHECK(file_public == original_public);
        CHECK(read_text_file(original) == original_bytes);
    }
}
