// TPM errors in words (issue 5, point 6), as a table: each way a TPM key can fail to open or
// sign, on a real (software) TPM, and what the error must say: the decoded TSS2 text where the
// TPM answered, and a hint. tpm2-tools makes the keys our API refuses to make.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>

#include "support/connection_pair.h"
#include "support/result_testing.h"
#include "support/swtpm.h"
#include "support/test_pki.h"
#include "support/tpm_tools.h"
#include "tpm/auth_value.h"
#include "tpm/context.h"
#include "tpm/key_file.h"
#include "tpm/key_reference.h"
#include "tpm/keys.h"
#include "tpm/tpm_signer.h"

using namespace tpmtls;
using namespace tpmtls::test;
using namespace tpmtls::tpm;

namespace {

// The errors under test are ours; tpm2-tss's own log lines would only clutter the output.
const bool quiet_tss2_log = [] { return ::setenv("TSS2_LOG", "all+NONE", 1) == 0; }();

constexpr uint32_t parent = 0x81000001;
const std::string content = std::string(64, ' ') + "TLS 1.3, client CertificateVerify" + '\0' + std::string(32, 'h');

ByteView view_of(const Secret& secret) { return ByteView(secret.view().data(), secret.size()); }

std::string error_of(const Result<std::shared_ptr<TpmSigner>>& signer) {
    REQUIRE_MESSAGE(!signer, "expected an error, the key opened");
    return signer.error().reason;
}

void check_contains(const std::string& message, const std::vector<std::string>& parts) {
    CAPTURE(message);
    for (const auto& part : parts) {
        CAPTURE(part);
        CHECK(message.find(part) != std::string::npos);
    }
}

std::string save(const TempDir& dir, const std::string& name, const Tss2KeyFile& key) {
    must(save_tss2_key_file(dir.file(name), key));
    return dir.file(name);
}

}  // namespace

TEST_CASE("an unreachable TPM is named with its TCTI and a hint") {
    REQUIRE(quiet_tss2_log);
    ContextOptions options;
    options.tcti = "swtpm:host=127.0.0.1,port=" + std::to_string(free_loopback_port_pair());
    const std::string message = error_of(open_tpm_signer(must(parse_key_reference("handle:0x81000001")), options));
    check_contains(message, {"TPM key handle:0x81000001", *options.tcti, "IO failure", "TPM unreachable"});
}

TEST_CASE("a malformed TCTI configuration is named as such") {
    ContextOptions options;
    options.tcti = "swtpm:host=127.0.0.1,port=";
    const auto context = TpmContext::open(options);
    REQUIRE_FALSE(context);
    check_contains(context.error().reason, {"cannot open TCTI 'swtpm:host=127.0.0.1,port='", "bad value",
                                            "the TCTI configuration is not valid"});
    options.tcti = "no-such-tcti:whatever";
    const auto unknown = TpmContext::open(options);
    REQUIRE_FALSE(unknown);
    check_contains(unknown.error().reason, {"cannot open TCTI 'no-such-tcti:whatever'", "not valid"});
}

TEST_CASE("negative table: key files, handles and key types") {
    Swtpm swtpm;
    ContextOptions options;
    options.tcti = swtpm.tcti();
    auto ctx = must(TpmContext::open(options));
    make_storage_parent(swtpm, parent);
    const TempDir dir;
    const KeyBlob good = must(create_signing_key(*ctx, KeyAlgorithm::ecc_p256));
    Tss2KeyFile good_file;
    good_file.empty_auth = true;
    good_file.parent = owner_hierarchy;
    good_file.public_area = good.public_area;
    good_file.private_area = good.private_area;
    const std::string good_pem = must(write_tss2_key_file(good_file));

    struct Case {
        std::string name;
        std::function<std::string()> reference;  // makes the key and returns its reference
        std::vector<std::string> expected;
    };
    const std::vector<Case> cases = {
        {"missing key file", [&] { return dir.file("nope.tss2"); }, {"cannot open TSS2 key file"}},
        {"not a key file at all", [&] { return dir.write("garbage.tss2", "hello, I am not a key\n"); },
         {"not a TSS2 PRIVATE KEY", "key file corrupt"}},
        {"truncated key file",
         [&] {
             const std::string cut = good_pem.substr(0, good_pem.size() / 2) + "\n-----END TSS2 PRIVATE KEY-----\n";
             return dir.write("truncated.tss2", cut);
         },
         {"key file corrupt"}},
        {"private part damaged (TPM_RC_INTEGRITY)",
         [&] {
             Tss2KeyFile damaged = good_file;
             damaged.private_area[damaged.private_area.size() / 2] ^= 0x01;
             return save(dir, "damaged.tss2", damaged);
         },
         {"TPM2_Load", "integrity", "not made by this TPM under this parent"}},
        {"parent named in the file is empty",
         [&] {
             Tss2KeyFile orphan = good_file;
             orphan.parent = 0x81000abc;
             return save(dir, "orphan.tss2", orphan);
         },
         {"0x81000abc", "nothing is stored at that handle"}},
        {"empty persistent handle", [&] { return std::string("handle:0x81000fff"); },
         {"handle:0x81000fff", "0x81000fff", "nothing is stored at that handle"}},
        {"a storage key by handle (decrypt, restricted)", [&] { return std::string("handle:0x81000001"); },
         {"wrong key type", "not a signing key"}},
        {"decryption-only RSA key",
         [&] {
             return save(dir, "decrypt.tss2",
                         create_key_with_tpm2_tools(swtpm, parent, "rsa2048",
                                                    "decrypt|fixedtpm|fixedparent|sensitivedataorigin|userwithauth"));
         },
         {"wrong key type", "not a signing key"}},
        {"restricted signing key (an attestation key)",
         [&] {
             return save(dir, "restricted.tss2",
                         create_key_with_tpm2_tools(
                             swtpm, parent, "ecc256:ecdsa-sha256:null",
                             "sign|restricted|fixedtpm|fixedparent|sensitivedataorigin|userwithauth"));
         },
         {"wrong key type", "restricted"}},
        {"ECC P-384", [&] { return save(dir, "p384.tss2", create_key_with_tpm2_tools(swtpm, parent, "ecc384")); },
         {"wrong key type", "ECC curve NIST P-384, not NIST P-256"}},
        {"RSA-3072", [&] { return save(dir, "rsa3072.tss2", create_key_with_tpm2_tools(swtpm, parent, "rsa3072")); },
         {"wrong key type", "RSA-3072, not RSA-2048"}},
        {"RSA key fixed to PKCS#1 v1.5",
         [&] {
             return save(dir, "rsassa.tss2", create_key_with_tpm2_tools(swtpm, parent, "rsa2048:rsassa-sha256:null"));
         },
         {"wrong key type", "other than RSA-PSS"}},
        {"HMAC key", [&] { return save(dir, "hmac.tss2", create_key_with_tpm2_tools(swtpm, parent, "hmac")); },
         {"wrong key type", "a keyed-hash (HMAC) key, neither ECC nor RSA"}},
    };
    for (const Case& c : cases) {
        SUBCASE(c.name.c_str()) {
            const std::string reference = c.reference();
            const std::string message = error_of(open_tpm_signer(must(parse_key_reference(reference)), options));
            std::vector<std::string> expected = c.expected;
            expected.push_back("TPM key " + reference);
            check_contains(message, expected);
        }
    }
}

TEST_CASE("authorization values: wrong value, missing, unexpected, and dictionary-attack lockout") {
    Swtpm swtpm;
    ContextOptions options;
    options.tcti = swtpm.tcti();
    auto ctx = must(TpmContext::open(options));
    const TempDir dir;
    const Secret auth = must(read_auth_file(dir.write("auth", "right\n")));
    const Secret wrong = must(read_auth_file(dir.write("wrong", "wrong\n")));
    const KeyBlob blob = must(create_signing_key(*ctx, KeyAlgorithm::ecc_p256, view_of(auth)));
    Tss2KeyFile file;
    file.parent = owner_hierarchy;
    file.public_area = blob.public_area;
    file.private_area = blob.private_area;
    const KeyReference with_auth = must(parse_key_reference(save(dir, "auth.tss2", file)));

    SUBCASE("the key file says there is a value and none is given") {
        check_contains(error_of(open_tpm_signer(with_auth, ctx)), {"authorization value", "--auth-file"});
    }
    SUBCASE("a value is given for a key file without one") {
        const KeyBlob plain = must(create_signing_key(*ctx, KeyAlgorithm::ecc_p256));
        Tss2KeyFile plain_file = file;
        plain_file.empty_auth = true;
        plain_file.public_area = plain.public_area;
        plain_file.private_area = plain.private_area;
        const auto opened = open_tpm_signer(must(parse_key_reference(save(dir, "plain.tss2", plain_file))), ctx,
                                            view_of(auth));
        check_contains(error_of(opened), {"the key file says the key has none"});
    }
    SUBCASE("wrong values until the TPM locks out") {
        // Lower the DA parameters (lockout auth is empty on a fresh swtpm): 3 failures, long recovery.
        run_tpm2_tool(swtpm, "dictionarylockout", {"--setup-parameters", "--max-tries=3", "--recovery-time=600",
                                                   "--lockout-recovery-time=600"});
        auto signer = must(open_tpm_signer(with_auth, ctx, view_of(wrong)));
        std::string message;
        int failures = 0;
        for (; failures < 10; ++failures) {
            const auto sig = signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content));
            REQUIRE_FALSE(sig);
            message = sig.error().reason;
            if (message.find("DA lockout mode") != std::string::npos) break;  // Tss2_RC_Decode of TPM_RC_LOCKOUT
            check_contains(message, {"TPM2_Sign", "authorization HMAC check failed", "wrong authorization value"});
        }
        CHECK(failures == 3);
        check_contains(message, {"TPM2_Sign", "DA lockout mode", "dictionary-attack lockout", "--clear-lockout"});
        // Locked out, even the right value is refused, with the same words.
        auto right = must(open_tpm_signer(with_auth, ctx, view_of(auth)));
        const auto locked = right->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content));
        REQUIRE_FALSE(locked);
        check_contains(locked.error().reason, {"dictionary-attack lockout"});
        // Cleared with the lockout authorization, the right value signs again.
        run_tpm2_tool(swtpm, "dictionarylockout", {"--clear-lockout"});
        must(right->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content)));
    }
}

TEST_CASE("authorization value files: first line, line ending stripped; empty, too long or missing refused") {
    const TempDir dir;
    CHECK(must(read_auth_file(dir.write("lf", "secret\nsecond line\n"))).size() == 6);
    CHECK(must(read_auth_file(dir.write("crlf", "secret\r\n"))).size() == 6);
    CHECK(must(read_auth_file(dir.write("no-newline", "secret"))).size() == 6);
    CHECK(must(read_auth_file(dir.write("max", std::string(32, 'x') + "\n"))).size() == 32);
    const struct {
        std::string file;
        std::string contents;
        std::string expected;
    } bad[] = {
        {"empty", "", "empty authorization value"},
        {"empty-line", "\nsecret\n", "empty authorization value"},
        {"long", std::string(33, 'x') + "\n", "longer than 32 bytes"},
    };
    for (const auto& b : bad) {
        const auto value = read_auth_file(dir.write(b.file, b.contents));
        REQUIRE_FALSE(value);
        check_contains(value.error().reason, {b.expected, dir.file(b.file)});
    }
    const auto missing = read_auth_file(dir.file("absent"));
    REQUIRE_FALSE(missing);
    check_contains(missing.error().reason, {"cannot open the auth file", dir.file("absent")});
}

TEST_CASE("a TPM that goes away after the key is loaded: the handshake fails with internal_error, no hang") {
    std::optional<Swtpm> swtpm(std::in_place);
    ContextOptions options;
    options.tcti = swtpm->tcti();
    options.max_retries = 1;
    auto ctx = must(TpmContext::open(options));
    std::shared_ptr<TpmSigner> signer =
        must(TpmSigner::create(must(load_key(ctx, must(create_signing_key(*ctx, KeyAlgorithm::ecc_p256))))));
    const TestPki pki = make_test_pki();
    CertificateSpec spec;
    spec.subject = "CN=tpm-gone";
    spec.server_auth = false;
    const IssuedCertificate cert = issue_certificate_for_public_key(spec, view(signer->public_key_der()), pki.root);
    swtpm.reset();  // swtpm stopped: the TCTI's connection is dead

    const auto started = std::chrono::steady_clock::now();
    ClientConfig client = client_config_for(pki, false);
    client.credentials = Credentials{{cert.der}, signer};
    ConnectionPair pair = make_pair(std::move(client), server_config_for(pki, ClientAuthMode::required));
    CHECK_FALSE(pair.handshake());
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    REQUIRE(pair.client->error().has_value());
    CHECK(pair.client->error()->description == AlertDescription::internal_error);
    check_contains(pair.client->error()->reason, {"TPM2_Sign", "TPM unreachable"});
    // The server was told: it received the client's internal_error alert.
    REQUIRE(pair.server->error().has_value());
    CHECK(pair.server->alert_was_received());
    CHECK(pair.server->error()->description == AlertDescription::internal_error);
}
