// Interop with tpm2-openssl (OpenSSL 3's TPM provider), both ways, on swtpm:
//  (a) a key made by `openssl genpkey -provider tpm2` loads in our open_tpm_signer, is enrolled
//      through our CSR and CA, and authenticates our client in a full mTLS handshake with our server;
//  (b) a key file written by us signs a CSR with `openssl req -provider tpm2` that
//      `openssl req -verify` accepts (and our CA issues from it);
//  (c) our `tpmtls csr` output, from tpm2-openssl's key file, passes `openssl req -verify`.
// swtpm has no resource manager: tpm2-openssl creates its primary for each command and flushes it;
// we flush what we load (our signer goes out of scope before openssl runs; swtpm serves one
// connection at a time).
#include <doctest/doctest.h>

#include "support/connection_pair.h"
#include "support/paths.h"
#include "support/peer_process.h"
#include "support/result_testing.h"
#include "support/swtpm.h"
#include "support/test_pki.h"
#include "pki/ca.h"
#include "pki/csr.h"
#include "tls13/x509.h"
#include "tpm/context.h"
#include "tpm/key_file.h"
#include "tpm/key_reference.h"
#include "tpm/keys.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

// openssl with the tpm2 provider pointed at this swtpm.
CommandResult openssl_tpm2(const Swtpm& swtpm, std::vector<std::string> args) {
    args.insert(args.begin(), {"env", "TPM2OPENSSL_TCTI=" + swtpm.tcti(), "TSS2_LOG=all+NONE", "openssl"});
    return run_command(std::move(args));
}

bool openssl_verifies_request(const std::string& path, std::string& transcript) {
    auto verify = run_command({"openssl", "req", "-verify", "-noout", "-in", path});
    transcript = verify.transcript;
    return verify.exit_status == 0 && verify.err.find("verify OK") != std::string::npos;
}

tpm::ContextOptions options_for(const Swtpm& swtpm) {
    tpm::ContextOptions options;
    options.tcti = swtpm.tcti();
    return options;
}

}  // namespace

TEST_CASE("(a) a tpm2-openssl key authenticates our client to our server after enrollment by our CA") {
    Swtpm swtpm;
    TempDir dir;
    const std::string key = dir.file("openssl.tss2");
    auto genpkey = openssl_tpm2(swtpm, {"genpkey", "-provider", "tpm2", "-algorithm", "EC", "-pkeyopt", "group:P-256",
                                        "-out", key});
    REQUIRE_MESSAGE(genpkey.exit_status == 0, genpkey.transcript);
    CHECK(read_text_file(key).find("-----BEGIN TSS2 PRIVATE KEY-----") == 0);
    auto openssl_public = openssl_tpm2(swtpm, {"pkey", "-provider", "tpm2", "-provider", "default", "-in", key,
                                               "-pubout", "-outform", "DER", "-out", dir.file("public.der")});
    REQUIRE_MESSAGE(openssl_public.exit_status == 0, openssl_public.transcript);

    FixedClock clock(system_clock().unix_seconds());
    const pki::NewCertificateAuthority created =
        must(pki::create_certificate_authority({"/CN=Enrollment CA/O=tpmtls tests", 30}, clock));
    const pki::CertificateAuthority ca =
        must(pki::CertificateAuthority::load(view(created.certificate_pem), view(created.key_pem)));

    std::shared_ptr<tpm::TpmSigner> signer =
        must(tpm::open_tpm_signer(must(tpm::parse_key_reference(key)), options_for(swtpm)));
    // The public key we read from the TPM is the one tpm2-openssl reports for its file.
    const std::string openssl_spki = read_text_file(dir.file("public.der"));
    CHECK(signer->public_key_der() == Bytes(openssl_spki.begin(), openssl_spki.end()));

    pki::CsrRequest request;
    request.subject_public_key_info = signer->public_key_der();
    request.subject = "/CN=openssl-made-device/O=tpmtls tests";
    const Bytes csr = must(pki::build_certificate_request(request, *signer));
    const pki::IssuedCertificate cert = must(ca.issue(view(csr), {}, clock));

    const TestPki& pki = shared_test_pki();
    ClientConfig client = client_config_for(pki, false);
    client.credentials = Credentials{{cert.der}, signer};
    ServerConfig server = server_config_for(pki, ClientAuthMode::required);
    server.client_trust_anchors =
        std::make_shared<const TrustStore>(must(TrustStore::from_pem_or_der(view(created.certificate_pem))));
    ConnectionPair pair = make_pair(std::move(client), std::move(server));
    REQUIRE(pair.handshake());
    CHECK(pair.client->state() == Connection::State::connected);
    REQUIRE(pair.server->session().peer_identity.has_value());
    CHECK(pair.server->session().peer_identity->subject == "CN=openssl-made-device, O=tpmtls tests");
    CHECK(pair.server->session().peer_signature_scheme == SignatureScheme::ecdsa_secp256r1_sha256);
}

TEST_CASE("(b) a key file written by us signs a CSR with openssl req -provider tpm2 that openssl accepts") {
    Swtpm swtpm;
    TempDir dir;
    const std::string key = dir.file("ours.tss2");
    {
        auto context = must(tpm::TpmContext::open(options_for(swtpm)));
        const tpm::KeyBlob blob = must(tpm::create_p256_signing_key(*context));
        must(save_tss2_key_file(key, Tss2KeyFile{true, tpm::owner_hierarchy, blob.public_area, blob.private_area}));
    }  // closed: openssl needs the (single-connection) swtpm next
    auto req = openssl_tpm2(swtpm, {"req", "-new", "-provider", "tpm2", "-provider", "default", "-key", key, "-subj",
                                    "/CN=x", "-out", dir.file("openssl-csr.pem")});
    REQUIRE_MESSAGE(req.exit_status == 0, req.transcript);
    std::string transcript;
    CHECK_MESSAGE(openssl_verifies_request(dir.file("openssl-csr.pem"), transcript), transcript);

    // Our parser agrees, and the public key in openssl's request is the one our TPM code sees.
    const std::string pem = read_text_file(dir.file("openssl-csr.pem"));
    const pki::CertificateRequest parsed = must(pki::parse_certificate_request(view(pem)));
    CHECK(parsed.subject == "CN=x");
    CHECK(parsed.signature_algorithm == "ecdsa-with-SHA256");
    auto signer = must(tpm::open_tpm_signer(must(tpm::parse_key_reference(key)), options_for(swtpm)));
    CHECK(parsed.subject_public_key_info == signer->public_key_der());

    // And our CA issues from openssl's request.
    FixedClock clock(system_clock().unix_seconds());
    const pki::NewCertificateAuthority created = must(pki::create_certificate_authority({"/CN=CA", 30}, clock));
    const pki::CertificateAuthority ca =
        must(pki::CertificateAuthority::load(view(created.certificate_pem), view(created.key_pem)));
    const pki::IssuedCertificate cert = must(ca.issue(view(pem), {}, clock));
    auto verify = run_command({"openssl", "verify", "-purpose", "sslclient", "-CAfile",
                               dir.write("ca.pem", created.certificate_pem), dir.write("cert.pem", cert.pem)});
    CHECK_MESSAGE(verify.exit_status == 0, verify.transcript);
}

TEST_CASE("(c) `tpmtls csr` with a tpm2-openssl key file: openssl req -verify accepts it") {
    Swtpm swtpm;
    TempDir dir;
    const std::string key = dir.file("openssl.tss2");
    auto genpkey = openssl_tpm2(swtpm, {"genpkey", "-provider", "tpm2", "-algorithm", "EC", "-pkeyopt", "group:P-256",
                                        "-out", key});
    REQUIRE_MESSAGE(genpkey.exit_status == 0, genpkey.transcript);
    auto csr = run_command({cli_path(), "csr", "--key", key, "--subject", "/CN=dev-c/O=Acme", "--san", "DNS:dev-c.example",
                            "--out", dir.file("csr.pem"), "--tcti", swtpm.tcti()});
    REQUIRE_MESSAGE(csr.exit_status == 0, csr.transcript);
    std::string transcript;
    CHECK_MESSAGE(openssl_verifies_request(dir.file("csr.pem"), transcript), transcript);
    auto text = run_command({"openssl", "req", "-noout", "-text", "-in", dir.file("csr.pem")});
    CHECK(text.out.find("Subject: CN = dev-c, O = Acme") != std::string::npos);
    CHECK(text.out.find("DNS:dev-c.example") != std::string::npos);
    // The key in the request is the one tpm2-openssl reports for its file.
    auto ours = run_command({"openssl", "req", "-noout", "-pubkey", "-in", dir.file("csr.pem")});
    auto theirs = openssl_tpm2(swtpm, {"pkey", "-provider", "tpm2", "-provider", "default", "-in", key, "-pubout"});
    REQUIRE_MESSAGE(theirs.exit_status == 0, theirs.transcript);
    CHECK(ours.out == theirs.out);
}
