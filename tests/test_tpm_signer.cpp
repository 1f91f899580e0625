// TpmSigner against a real (software) TPM: keys created, made persistent and loaded by handle;
// CertificateVerify signatures that verify with the key's SPKI; a full mTLS handshake whose
// client key is in the TPM; and clear errors for an unreachable TPM and an empty handle.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

#include "support/connection_pair.h"
#include "support/swtpm.h"
#include "support/test_pki.h"
#include "tls13/crypto/hash.h"
#include "tls13/crypto/verify.h"
#include "tls13/x509.h"
#include "tpm/context.h"
#include "tpm/keys.h"
#include "tpm/tpm_signer.h"

using namespace tpmtls;
using namespace tpmtls::test;
using namespace tpmtls::tpm;

namespace {

constexpr uint32_t test_handle = 0x81000101;

std::shared_ptr<TpmContext> open_context(const Swtpm& swtpm) {
    ContextOptions options;
    options.tcti = swtpm.tcti();
    auto ctx = TpmContext::open(options);
    REQUIRE_MESSAGE(ctx, (ctx ? "" : ctx.error().to_string()));
    return *ctx;
}

// A P-256 key created under the owner primary, persisted at test_handle, loaded by handle.
std::unique_ptr<TpmSigner> persistent_signer(const std::shared_ptr<TpmContext>& ctx) {
    auto blob = create_p256_signing_key(*ctx);
    REQUIRE_MESSAGE(blob, (blob ? "" : blob.error().to_string()));
    CHECK_FALSE(blob->public_area.empty());
    CHECK_FALSE(blob->private_area.empty());
    auto persisted = make_persistent(ctx, *blob, test_handle, false);
    REQUIRE_MESSAGE(persisted, (persisted ? "" : persisted.error().to_string()));
    auto key = load_persistent(ctx, test_handle);
    REQUIRE_MESSAGE(key, (key ? "" : key.error().to_string()));
    CHECK(key->description() == "TPM key 0x81000101");
    auto signer = TpmSigner::create(std::move(*key));
    REQUIRE_MESSAGE(signer, (signer ? "" : signer.error().to_string()));
    return std::move(*signer);
}

const std::string content = std::string(64, ' ') + "TLS 1.3, client CertificateVerify" + '\0' + std::string(32, 'h');

}  // namespace

TEST_CASE("a persistent TPM P-256 key signs CertificateVerify content that its SPKI verifies") {
    Swtpm swtpm;
    auto ctx = open_context(swtpm);
    auto signer = persistent_signer(ctx);
    CHECK(signer->schemes() == std::vector<SignatureScheme>{SignatureScheme::ecdsa_secp256r1_sha256});
    auto key = PublicKey::from_spki(view(signer->public_key_der()));
    REQUIRE(key);
    std::vector<Bytes> seen;
    for (int i = 0; i < 20; ++i) {
        auto sig = signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content));
        REQUIRE_MESSAGE(sig, (sig ? "" : sig.error().to_string()));
        CHECK(verify_signature(SignatureScheme::ecdsa_secp256r1_sha256, *key, view(content), view(*sig)));
        Bytes tampered = *sig;
        tampered[tampered.size() / 2] ^= 0x01;
        CHECK_FALSE(verify_signature(SignatureScheme::ecdsa_secp256r1_sha256, *key, view(content), view(tampered)));
        CHECK(std::find(seen.begin(), seen.end(), *sig) == seen.end());  // ECDSA: fresh k each time
        seen.push_back(*sig);
    }
    CHECK_FALSE(signer->sign(SignatureScheme::rsa_pss_rsae_sha256, view(content)));

    // The occupied handle is refused without overwrite and replaced with it.
    auto blob = create_p256_signing_key(*ctx);
    REQUIRE(blob);
    CHECK_FALSE(make_persistent(ctx, *blob, test_handle, false));
    auto replaced = make_persistent(ctx, *blob, test_handle, true);
    CHECK_MESSAGE(replaced, (replaced ? "" : replaced.error().to_string()));

    // A transient key from the marshalled blob signs too, and is flushed when it goes: more
    // loads than swtpm's 3 object slots must work.
    for (int i = 0; i < 5; ++i) {
        auto loaded = load_key(ctx, *blob);
        REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().to_string()));
        auto transient_signer = TpmSigner::create(std::move(*loaded));
        REQUIRE(transient_signer);
        auto sig = (*transient_signer)->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content));
        REQUIRE(sig);
        auto spki = PublicKey::from_spki(view((*transient_signer)->public_key_der()));
        REQUIRE(spki);
        CHECK(verify_signature(SignatureScheme::ecdsa_secp256r1_sha256, *spki, view(content), view(*sig)));
    }
}

TEST_CASE("mTLS handshake with the client's key in the TPM") {
    Swtpm swtpm;
    auto ctx = open_context(swtpm);
    std::shared_ptr<TpmSigner> signer = persistent_signer(ctx);
    const TestPki pki = make_test_pki();
    CertificateSpec spec;
    spec.subject = "CN=tpm-device-0001, O=tpmtls tests";
    spec.server_auth = false;
    const IssuedCertificate cert = issue_certificate_for_public_key(spec, view(signer->public_key_der()), pki.root);

    ClientConfig client = client_config_for(pki, false);
    client.credentials = Credentials{{cert.der}, signer};
    ConnectionPair pair = make_pair(std::move(client), server_config_for(pki, ClientAuthMode::required));
    REQUIRE(pair.handshake());
    REQUIRE(pair.server->session().peer_identity.has_value());
    CHECK(pair.server->session().peer_identity->subject == "CN=tpm-device-0001, O=tpmtls tests");
    CHECK(pair.server->session().peer_identity->sha256_fingerprint == hash(HashAlgorithm::sha256, view(cert.der)));
}

TEST_CASE("TPM errors say what failed and where") {
    SUBCASE("a TCTI pointing at a closed port") {
        const uint16_t port = free_loopback_port_pair();
        ContextOptions options;
        options.tcti = "swtpm:host=127.0.0.1,port=" + std::to_string(port);
        options.max_retries = 1;
        auto ctx = TpmContext::open(options);
        REQUIRE_FALSE(ctx);
        const std::string message = ctx.error().to_string();
        CAPTURE(message);
        CHECK(message.find(*options.tcti) != std::string::npos);
        CHECK(message.find("TPM unreachable") != std::string::npos);
    }
    SUBCASE("an empty persistent handle") {
        Swtpm swtpm;
        auto ctx = open_context(swtpm);
        auto key = load_persistent(ctx, 0x81000fff);
        REQUIRE_FALSE(key);
        const std::string message = key.error().to_string();
        CAPTURE(message);
        CHECK(message.find("0x81000fff") != std::string::npos);
        CHECK(message.find("persistent handle") != std::string::npos);
    }
}

TEST_CASE("ECDSA r,s become minimal positive DER INTEGERs") {
    // r with leading zeros (stripped), s with the top bit set (0x00 added).
    const Bytes r = {0x00, 0x00, 0x12, 0x34};
    const Bytes s = {0x80, 0x01};
    const Bytes expected = {0x30, 0x09, 0x02, 0x02, 0x12, 0x34, 0x02, 0x03, 0x00, 0x80, 0x01};
    CHECK(ecdsa_signature_der(view(r), view(s)) == expected);
    const Bytes zero = {0x00, 0x00};
    const Bytes expected_zero = {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00};
    CHECK(ecdsa_signature_der(view(zero), view(zero)) == expected_zero);
}

TEST_CASE("the TCTI comes from the option, else TPM2TOOLS_TCTI, else TCTI, else tctildr's default") {
    ::unsetenv("TPM2TOOLS_TCTI");
    ::unsetenv("TCTI");
    CHECK(resolve_tcti({}).empty());
    ::setenv("TCTI", "device:/dev/tpmrm0", 1);
    CHECK(resolve_tcti({}) == "device:/dev/tpmrm0");
    ::setenv("TPM2TOOLS_TCTI", "swtpm:port=2321", 1);
    CHECK(resolve_tcti({}) == "swtpm:port=2321");
    ContextOptions options;
    options.tcti = "mssim:port=2321";
    CHECK(resolve_tcti(options) == "mssim:port=2321");
    ::unsetenv("TPM2TOOLS_TCTI");
    ::unsetenv("TCTI");
}
