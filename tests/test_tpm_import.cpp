// Importing existing private keys into a (software) TPM with TPM2_Import and a duplication blob
// made in software (tpm/import.h): ECC P-256 and RSA-2048 PEM keys come out with the original's
// public key, load from the TSS2 key file we write, sign, and complete an mTLS handshake against
// `openssl s_server -Verify 1` with the certificate issued for the ORIGINAL key. The input file
// is byte-for-byte and mtime-for-mtime untouched. Also: the `tpmtls import` command end to end.
// Both key types sign through TpmSigner from open_tpm_signer (the path the client uses), from
// the key file and from a persistent handle.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>

#include "support/interop.h"
#include "support/paths.h"
#include "support/result_testing.h"
#include "support/swtpm.h"
#include "support/test_pki.h"
#include "tls13/crypto/hash.h"
#include "tls13/crypto/verify.h"
#include "tpm/import.h"
#include "tpm/inventory.h"
#include "tpm/key_file.h"
#include "tpm/key_reference.h"
#include "tpm/keys.h"
#include "tpm/tpm_signer.h"

using namespace tpmtls;
using namespace tpmtls::test;
using namespace tpmtls::tpm;

namespace {

const std::string content = std::string(64, ' ') + "TLS 1.3, client CertificateVerify" + '\0' + std::string(32, 'h');

std::shared_ptr<TpmContext> open_context(const Swtpm& swtpm) {
    ContextOptions options;
    options.tcti = swtpm.tcti();
    return must(TpmContext::open(options));
}

struct FileStamp {
    std::string bytes;
    struct timespec mtime {};
    mode_t mode = 0;
};
FileStamp stamp(const std::string& path) {
    FileStamp s;
    s.bytes = read_text_file(path);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    s.mtime = st.st_mtim;
    s.mode = st.st_mode;
    return s;
}
void check_untouched(const FileStamp& before, const std::string& path) {
    const FileStamp after = stamp(path);
    CHECK(after.bytes == before.bytes);
    CHECK(after.mtime.tv_sec == before.mtime.tv_sec);
    CHECK(after.mtime.tv_nsec == before.mtime.tv_nsec);
    CHECK(after.mode == before.mode);
}

// Our client, holding `signer` and a certificate issued for `original_spki` by the interop PKI's
// root, completes a handshake with `openssl s_server -Verify 1` and exchanges a line.
void handshake_with_openssl(std::shared_ptr<Signer> signer, ByteView original_spki, const std::string& subject) {
    REQUIRE_MESSAGE(!find_program("openssl").empty(), "openssl is not installed");
    const PkiFiles& f = pki_files();
    CertificateSpec spec;
    spec.subject = subject;
    spec.server_auth = false;
    const IssuedCertificate cert = issue_certificate_for_public_key(spec, original_spki, f.pki.root);
    const uint16_t port = free_loopback_port();
    PeerProcess server({"stdbuf", "-oL", "openssl", "s_server", "-tls1_3", "-accept", "127.0.0.1:" + std::to_string(port),
                        "-cert", f.server_cert, "-key", f.server_key, "-CAfile", f.root_cert, "-Verify", "1",
                        "-naccept", "1"});
    REQUIRE_MESSAGE(server.wait_for_output("ACCEPT", step_timeout), server.transcript());
    ClientConfig config = client_config(f.pki, false);
    config.credentials = Credentials{{cert.der}, std::move(signer)};
    auto client = connect_client("127.0.0.1", port, std::move(config), &server);
    CHECK(client->session().own_signature_scheme.has_value());
    REQUIRE(client->send(view(std::string("hello from an imported key\n"))));
    CHECK_MESSAGE(server.wait_for_output("hello from an imported key", step_timeout), server.transcript());
    // s_server printed the client certificate it verified: the one for the original key.
    CHECK_MESSAGE(server.output().find(subject.substr(3)) != std::string::npos, server.transcript());
    CHECK(client->close());
}

}  // namespace

TEST_CASE("an ECC P-256 PEM key imported into the TPM keeps its public key, loads from the key file, signs, and does mTLS with openssl") {
    Swtpm swtpm;
    auto ctx = open_context(swtpm);
    TempDir dir;
    const KeyPair original = generate_key(KeyType::ecdsa_p256);
    const std::string in = dir.write("device.key", original.private_pem);
    REQUIRE(::chmod(in.c_str(), 0400) == 0);
    const FileStamp before = stamp(in);

    const SoftwareKey key = must(read_private_key_file(in));
    CHECK(key.type() == ImportKeyType::ecc_p256);
    const ImportedKey imported = must(import_key(*ctx, key));
    CHECK(imported.parent == owner_hierarchy);
    CHECK(must(spki_of_public_area(view(imported.blob.public_area))) == key.public_key_der());

    const std::string out = dir.file("device.tss2");
    must(save_tss2_key_file(out, key_file_for(imported)));
    const Tss2KeyFile file = must(load_tss2_key_file(out));
    CHECK(file.empty_auth);
    CHECK(file.parent == owner_hierarchy);

    // Through the key reference the rest of tpmtls uses.
    ContextOptions options;
    options.tcti = swtpm.tcti();
    std::shared_ptr<TpmSigner> signer = must(open_tpm_signer(must(parse_key_reference(out)), options));
    CHECK(signer->public_key_der() == key.public_key_der());
    const PublicKey original_public = must(PublicKey::from_spki(view(key.public_key_der())));
    const Bytes sig = must(signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content)));
    CHECK(verify_signature(SignatureScheme::ecdsa_secp256r1_sha256, original_public, view(content), view(sig)));

    // The imported object: fixedTPM/fixedParent/sensitiveDataOrigin clear, as duplication requires.
    must(persist_imported_key(ctx, imported, 0x81000200, false));
    const PersistentObject listed = must(describe_persistent_object(*ctx, 0x81000200));
    CHECK(listed.attribute_names == "userWithAuth|noDA|sign");
    CHECK(listed.made_by_tpmtls);
    CHECK(listed.spki_sha256 == hash(HashAlgorithm::sha256, view(key.public_key_der())));

    handshake_with_openssl(signer, view(key.public_key_der()), "CN=imported-p256-device");
    check_untouched(before, in);
}

TEST_CASE("an RSA-2048 PEM key imported into the TPM keeps its public key, signs RSA-PSS, and does mTLS with openssl") {
    Swtpm swtpm;
    auto ctx = open_context(swtpm);
    TempDir dir;
    const KeyPair original = generate_key(KeyType::rsa_2048);
    const std::string in = dir.write("device-rsa.key", original.private_pem);
    const FileStamp before = stamp(in);

    const SoftwareKey key = must(read_private_key_file(in));
    CHECK(key.type() == ImportKeyType::rsa_2048);
    const ImportedKey imported = must(import_key(*ctx, key));
    CHECK(must(spki_of_public_area(view(imported.blob.public_area))) == key.public_key_der());
    const std::string out = dir.file("device-rsa.tss2");
    must(save_tss2_key_file(out, key_file_for(imported)));
    const Tss2KeyFile file = must(load_tss2_key_file(out));

    CHECK(file.empty_auth);

    ContextOptions options;
    options.tcti = swtpm.tcti();
    std::shared_ptr<TpmSigner> signer = must(open_tpm_signer(must(parse_key_reference(out)), options));
    CHECK(signer->public_key_der() == key.public_key_der());
    const auto schemes = signer->schemes();
    CHECK(std::find(schemes.begin(), schemes.end(), SignatureScheme::rsa_pss_rsae_sha256) != schemes.end());
    const PublicKey original_public = must(PublicKey::from_spki(view(key.public_key_der())));
    const Bytes sig = must(signer->sign(SignatureScheme::rsa_pss_rsae_sha256, view(content)));
    CHECK(sig.size() == 256);
    CHECK(verify_signature(SignatureScheme::rsa_pss_rsae_sha256, original_public, view(content), view(sig)));
    handshake_with_openssl(signer, view(key.public_key_der()), "CN=imported-rsa-device");

    // The same key made persistent: listed as ours, and a handshake from the handle.
    must(persist_imported_key(ctx, imported, 0x81000201, false));
    const PersistentObject listed = must(describe_persistent_object(*ctx, 0x81000201));
    CHECK(listed.type == "rsa-2048");
    CHECK(listed.made_by_tpmtls);
    std::shared_ptr<TpmSigner> by_handle = must(open_tpm_signer(must(parse_key_reference("handle:0x81000201")), options));
    CHECK(by_handle->public_key_der() == key.public_key_der());
    handshake_with_openssl(by_handle, view(key.public_key_der()), "CN=imported-rsa-persistent");
    check_untouched(before, in);
}

TEST_CASE("an imported key under a persistent parent loads through the key file naming that parent") {
    Swtpm swtpm;
    TempDir dir;
    // A storage parent like tpm2-openssl's, persisted where a factory's SRK would be.
    auto srk = run_command({"tpm2_createprimary", "-T", swtpm.tcti(), "-C", "o", "-g", "sha256", "-G", "ecc256:aes128cfb",
                            "-c", dir.file("srk.ctx")});
    REQUIRE_MESSAGE(srk.exit_status == 0, srk.transcript);
    auto persist = run_command({"tpm2_evictcontrol", "-T", swtpm.tcti(), "-C", "o", "-c", dir.file("srk.ctx"), "0x81000001"});
    REQUIRE_MESSAGE(persist.exit_status == 0, persist.transcript);
    run_command({"tpm2_flushcontext", "-T", swtpm.tcti(), "-t"});

    auto ctx = open_context(swtpm);
    const SoftwareKey key = must(parse_private_key(view(generate_key(KeyType::ecdsa_p256).private_pem)));
    const ImportedKey imported = must(import_key(*ctx, key, 0x81000001));
    const Tss2KeyFile file = key_file_for(imported);
    CHECK(file.parent == 0x81000001);
    auto signer = must(TpmSigner::create(must(load_key_file(ctx, file))));
    CHECK(signer->public_key_der() == key.public_key_der());
    must(persist_imported_key(ctx, imported, 0x81000300, false));
    CHECK_FALSE(persist_imported_key(ctx, imported, 0x81000300, false));
    must(persist_imported_key(ctx, imported, 0x81000300, true));
}

TEST_CASE("tpmtls import: key file and persistent handle, one warning line, input untouched") {
    Swtpm swtpm;
    TempDir dir;
    const std::string in = dir.write("factory.pem", generate_key(KeyType::ecdsa_p256).private_pem);
    const FileStamp before = stamp(in);
    const SoftwareKey key = must(read_private_key_file(in));

    auto help = run_command({cli_path(), "import", "--help"});
    CHECK(help.exit_status == 0);
    CHECK(help.out.find("usage: tpmtls import") != std::string::npos);

    const std::string out = dir.file("factory.tss2");
    auto to_file = run_command({cli_path(), "import", "--in", in, "--out", out, "--tcti", swtpm.tcti()});
    INFO(to_file.transcript);
    REQUIRE(to_file.exit_status == 0);
    size_t warnings = 0;
    for (size_t at = to_file.err.find("warning:"); at != std::string::npos; at = to_file.err.find("warning:", at + 1)) ++warnings;
    CHECK(warnings == 1);
    CHECK(to_file.err.find("on-device") != std::string::npos);
    CHECK(std::count(to_file.err.begin(), to_file.err.end(), '\n') == 1);
    ContextOptions options;
    options.tcti = swtpm.tcti();
    CHECK(must(open_tpm_signer(must(parse_key_reference(out)), options))->public_key_der() == key.public_key_der());

    // An existing output file is not replaced without --force.
    auto again = run_command({cli_path(), "import", "--in", in, "--out", out, "--tcti", swtpm.tcti()});
    CHECK(again.exit_status == 1);
    CHECK(again.err.find("exists") != std::string::npos);

    auto to_handle = run_command({cli_path(), "import", "--in", in, "--persist", "0x81000010", "--tcti", swtpm.tcti()});
    INFO(to_handle.transcript);
    REQUIRE(to_handle.exit_status == 0);
    CHECK(must(open_tpm_signer(must(parse_key_reference("handle:0x81000010")), options))->public_key_der() ==
          key.public_key_der());
    check_untouched(before, in);
}
