// TpmSigner against a real (software) TPM: ECC P-256 and RSA-2048 keys created, made persistent
// and loaded by handle, from key files (under the owner primary or a persistent parent), with and
// without an authorization value; CertificateVerify signatures verified in software (RSA-PSS with
// salt length == hash length, RFC 8446 §4.2.3); schemes from the public area; full mTLS
// handshakes whose client key is in the TPM; and clear errors for an unreachable TPM and an
// empty handle.
#include <doctest/doctest.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "support/connection_pair.h"
#include "support/result_testing.h"
#include "support/swtpm.h"
#include "support/test_pki.h"
#include "support/tpm_tools.h"
#include "tls13/crypto/hash.h"
#include "tls13/crypto/verify.h"
#include "tls13/x509.h"
#include "tpm/auth_value.h"
#include "tpm/context.h"
#include "tpm/key_file.h"
#include "tpm/key_reference.h"
#include "tpm/keys.h"
#include "tpm/pss_salt.h"
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

namespace {

const std::vector<SignatureScheme> all_pss = {SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pss_rsae_sha384,
                                              SignatureScheme::rsa_pss_rsae_sha512};

mbedtls_md_type_t md_of(SignatureScheme scheme) {
    switch (scheme) {
        case SignatureScheme::rsa_pss_rsae_sha384: return MBEDTLS_MD_SHA384;
        case SignatureScheme::rsa_pss_rsae_sha512: return MBEDTLS_MD_SHA512;
        default: return MBEDTLS_MD_SHA256;
    }
}

// Independent of tpm/: mbedTLS verifies the PSS signature with MGF1 of the scheme's hash and
// exactly `salt_length` bytes of salt.
bool pss_verifies(ByteView spki, SignatureScheme scheme, ByteView message, ByteView signature, int salt_length) {
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    REQUIRE(mbedtls_pk_parse_public_key(&pk, spki.data(), spki.size()) == 0);
    const mbedtls_md_info_t* md = mbedtls_md_info_from_type(md_of(scheme));
    Bytes digest(mbedtls_md_get_size(md));
    REQUIRE(mbedtls_md(md, message.data(), message.size(), digest.data()) == 0);
    mbedtls_pk_rsassa_pss_options options{};
    options.mgf1_hash_id = md_of(scheme);
    options.expected_salt_len = salt_length;
    const bool ok = mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &options, &pk, md_of(scheme), digest.data(),
                                          digest.size(), signature.data(), signature.size()) == 0;
    mbedtls_pk_free(&pk);
    return ok;
}

std::string file_ref(const TempDir& dir, const std::string& name, const KeyBlob& blob, bool empty_auth,
                     uint32_t parent = owner_hierarchy) {
    Tss2KeyFile file;
    file.empty_auth = empty_auth;
    file.parent = parent;
    file.public_area = blob.public_area;
    file.private_area = blob.private_area;
    must(save_tss2_key_file(dir.file(name), file));
    return dir.file(name);
}

ByteView view_of(const Secret& secret) { return ByteView(secret.view().data(), secret.size()); }

}  // namespace

TEST_CASE("an RSA-2048 TPM key signs rsa_pss_rsae_sha256/384/512 with salt length == hash length") {
    Swtpm swtpm;
    auto ctx = open_context(swtpm);
    const KeyBlob blob = must(create_signing_key(*ctx, KeyAlgorithm::rsa_2048));
    auto signer = must(TpmSigner::create(must(load_key(ctx, blob))));
    CHECK(signer->algorithm() == KeyAlgorithm::rsa_2048);
    // swtpm implements SHA-384 and SHA-512, so all three (most preferred first).
    CHECK(signer->schemes() == all_pss);
    const Bytes spki = signer->public_key_der();
    const PublicKey key = must(PublicKey::from_spki(view(spki)));
    for (const SignatureScheme scheme : all_pss) {
        CAPTURE(to_string(scheme));
        for (int i = 0; i < 2; ++i) {  // the first signature is checked by the signer, the second not
            const Bytes sig = must(signer->sign(scheme, view(content)));
            CHECK(sig.size() == 256);
            const int hash_length = scheme == SignatureScheme::rsa_pss_rsae_sha256   ? 32
                                    : scheme == SignatureScheme::rsa_pss_rsae_sha384 ? 48
                                                                                     : 64;
            CHECK(pss_verifies(view(spki), scheme, view(content), view(sig), hash_length));
            CHECK_FALSE(pss_verifies(view(spki), scheme, view(content), view(sig), 256 - hash_length - 2));
            if (scheme != SignatureScheme::rsa_pss_rsae_sha512)  // our TLS verifier knows 256 and 384
                CHECK(verify_signature(scheme, key, view(content), view(sig)));
        }
    }
    CHECK(signer->schemes() == all_pss);  // the salt check passed: nothing was switched off
    CHECK_FALSE(signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content)));
}

TEST_CASE("the PSS salt check passes salt == hash length, names a maximum salt, and then withdraws rsa_pss_rsae") {
    // Software RSA-PSS signatures with chosen salt lengths stand in for the two kinds of TPM.
    const KeyPair pair = generate_key(KeyType::rsa_2048);
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    mbedtls_entropy_context entropy;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ctr_drbg_init(&drbg);
    REQUIRE(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0) == 0);
    REQUIRE(mbedtls_pk_parse_key(&pk, reinterpret_cast<const unsigned char*>(pair.private_pem.c_str()),
                                 pair.private_pem.size() + 1, nullptr, 0) == 0);
    Bytes spki(1024);
    const int spki_length = mbedtls_pk_write_pubkey_der(&pk, spki.data(), spki.size());
    REQUIRE(spki_length > 0);
    spki.erase(spki.begin(), spki.end() - spki_length);
    const Bytes digest = hash(HashAlgorithm::sha256, view(content));
    const auto sign_with_salt = [&](int salt) {
        Bytes sig(256);
        mbedtls_rsa_context* rsa = mbedtls_pk_rsa(pk);
        mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
        REQUIRE(mbedtls_rsa_rsassa_pss_sign_ext(rsa, mbedtls_ctr_drbg_random, &drbg, MBEDTLS_MD_SHA256, 32,
                                                digest.data(), salt, sig.data()) == 0);
        return sig;
    };
    const Bytes right = sign_with_salt(32);
    must(check_pss_salt(view(spki), SignatureScheme::rsa_pss_rsae_sha256, view(digest), view(right)));

    const auto maximum = check_pss_salt(view(spki), SignatureScheme::rsa_pss_rsae_sha256, view(digest),
                                        view(sign_with_salt(222)));
    REQUIRE_FALSE(maximum);
    CAPTURE(maximum.error().reason);
    CHECK(maximum.error().reason.find("maximum salt (222 bytes)") != std::string::npos);
    CHECK(maximum.error().reason.find("RFC 8446 §4.2.3") != std::string::npos);

    const auto other = check_pss_salt(view(spki), SignatureScheme::rsa_pss_rsae_sha256, view(digest),
                                      view(sign_with_salt(20)));
    REQUIRE_FALSE(other);
    CHECK(other.error().reason.find("another salt length") != std::string::npos);

    // The signer's state: after a maximum-salt first signature every rsa_pss_rsae is withdrawn,
    // with the reason, while a right first signature keeps them.
    OfferedSchemes offered(all_pss);
    bool needs_check = false;
    must(offered.admit(SignatureScheme::rsa_pss_rsae_sha256, needs_check));
    CHECK(needs_check);
    must(offered.check_first(SignatureScheme::rsa_pss_rsae_sha256, view(spki), view(digest), view(right)));
    must(offered.admit(SignatureScheme::rsa_pss_rsae_sha256, needs_check));
    CHECK_FALSE(needs_check);  // checked once
    CHECK(offered.schemes() == all_pss);
    OfferedSchemes max_salt(all_pss);
    const auto withdrawn = max_salt.check_first(SignatureScheme::rsa_pss_rsae_sha256, view(spki), view(digest),
                                                view(sign_with_salt(222)));
    REQUIRE_FALSE(withdrawn);
    CHECK(withdrawn.error().reason.find("no longer offered") != std::string::npos);
    CHECK(max_salt.schemes().empty());
    const auto refused = max_salt.admit(SignatureScheme::rsa_pss_rsae_sha384, needs_check);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().reason.find("maximum salt (222 bytes)") != std::string::npos);

    Bytes broken = right;
    broken[100] ^= 0x40;
    const auto bad = check_pss_salt(view(spki), SignatureScheme::rsa_pss_rsae_sha256, view(digest), view(broken));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().reason.find("does not verify") != std::string::npos);
    mbedtls_pk_free(&pk);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
}

TEST_CASE("schemes follow from the public area: a key fixed to RSAPSS-SHA384 offers only that") {
    Swtpm swtpm;
    constexpr uint32_t parent = 0x81000001;
    make_storage_parent(swtpm, parent);
    const Tss2KeyFile fixed = create_key_with_tpm2_tools(swtpm, parent, "rsa2048:rsapss-sha384:null");
    const TempDir dir;
    must(save_tss2_key_file(dir.file("fixed.tss2"), fixed));
    auto ctx = open_context(swtpm);
    auto signer = must(open_tpm_signer(must(parse_key_reference(dir.file("fixed.tss2"))), ctx));
    CHECK(signer->schemes() == std::vector<SignatureScheme>{SignatureScheme::rsa_pss_rsae_sha384});
    const Bytes sig = must(signer->sign(SignatureScheme::rsa_pss_rsae_sha384, view(content)));
    CHECK(pss_verifies(view(signer->public_key_der()), SignatureScheme::rsa_pss_rsae_sha384, view(content), view(sig), 48));
    CHECK_FALSE(signer->sign(SignatureScheme::rsa_pss_rsae_sha256, view(content)));
}

TEST_CASE("key references: a key file under the owner primary, one under a persistent parent, a handle") {
    Swtpm swtpm;
    auto ctx = open_context(swtpm);
    const TempDir dir;
    constexpr uint32_t parent = 0x81000002;
    make_storage_parent(swtpm, parent);

    SUBCASE("an ECC key file under the owner primary, then made persistent and used by handle") {
        const KeyBlob blob = must(create_signing_key(*ctx, KeyAlgorithm::ecc_p256));
        const std::string path = file_ref(dir, "ecc.tss2", blob, true);
        auto from_file = must(open_tpm_signer(must(parse_key_reference(path)), ctx));
        must(make_persistent(ctx, blob, 0x81000201, false));
        auto from_handle = must(open_tpm_signer(must(parse_key_reference("handle:0x81000201")), ctx));
        CHECK(from_file->public_key_der() == from_handle->public_key_der());
        CHECK(from_handle->description() == "TPM key handle:0x81000201");
        const PublicKey key = must(PublicKey::from_spki(view(from_file->public_key_der())));
        for (auto* signer : {from_file.get(), from_handle.get()}) {
            const Bytes sig = must(signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content)));
            CHECK(verify_signature(SignatureScheme::ecdsa_secp256r1_sha256, key, view(content), view(sig)));
        }
    }
    SUBCASE("an ECC key made by tpm2-tools under the persistent parent 0x81000002") {
        const Tss2KeyFile file = create_key_with_tpm2_tools(swtpm, parent, "ecc256:ecdsa-sha256:null");
        must(save_tss2_key_file(dir.file("child.tss2"), file));
        CHECK(must(load_tss2_key_file(dir.file("child.tss2"))).parent == parent);
        // Through open_tpm_signer's own context as a user would (the TCTI from the options).
        ContextOptions options;
        options.tcti = swtpm.tcti();
        auto signer = must(open_tpm_signer(must(parse_key_reference(dir.file("child.tss2"))), options));
        CHECK(signer->schemes() == std::vector<SignatureScheme>{SignatureScheme::ecdsa_secp256r1_sha256});
        const PublicKey key = must(PublicKey::from_spki(view(signer->public_key_der())));
        const Bytes sig = must(signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content)));
        CHECK(verify_signature(SignatureScheme::ecdsa_secp256r1_sha256, key, view(content), view(sig)));
        // persist with the file's parent, then by handle.
        must(make_persistent(ctx, KeyBlob{file.public_area, file.private_area}, 0x81000202, false, parent));
        auto by_handle = must(open_tpm_signer(must(parse_key_reference("handle:0x81000202")), ctx));
        CHECK(by_handle->public_key_der() == signer->public_key_der());
    }
    SUBCASE("an RSA key file under the owner primary and made persistent") {
        const KeyBlob blob = must(create_signing_key(*ctx, KeyAlgorithm::rsa_2048));
        const std::string path = file_ref(dir, "rsa.tss2", blob, true);
        auto from_file = must(open_tpm_signer(must(parse_key_reference(path)), ctx));
        must(make_persistent(ctx, blob, 0x81000203, false));
        auto from_handle = must(open_tpm_signer(must(parse_key_reference("handle:0x81000203")), ctx));
        CHECK(from_file->public_key_der() == from_handle->public_key_der());
        const Bytes sig = must(from_handle->sign(SignatureScheme::rsa_pss_rsae_sha256, view(content)));
        CHECK(pss_verifies(view(from_file->public_key_der()), SignatureScheme::rsa_pss_rsae_sha256, view(content),
                           view(sig), 32));
    }
}

TEST_CASE("a key with an authorization value: the right one signs, a wrong one is TPM_RC_AUTH_FAIL with a hint") {
    Swtpm swtpm;
    auto ctx = open_context(swtpm);
    const TempDir dir;
    const Secret auth = must(read_auth_file(dir.write("auth.txt", "correct horse\n")));
    CHECK(auth.size() == 13);
    for (const KeyAlgorithm algorithm : {KeyAlgorithm::ecc_p256, KeyAlgorithm::rsa_2048}) {
        CAPTURE(to_string(algorithm));
        const KeyBlob blob = must(create_signing_key(*ctx, algorithm, view_of(auth)));
        const std::string path = file_ref(dir, "auth.tss2", blob, /*empty_auth=*/false);
        const SignatureScheme scheme = algorithm == KeyAlgorithm::rsa_2048 ? SignatureScheme::rsa_pss_rsae_sha256
                                                                           : SignatureScheme::ecdsa_secp256r1_sha256;
        const KeyReference ref = must(parse_key_reference(path));

        auto right = must(open_tpm_signer(ref, ctx, view_of(auth)));
        const PublicKey key = must(PublicKey::from_spki(view(right->public_key_der())));
        const Bytes sig = must(right->sign(scheme, view(content)));
        CHECK(verify_signature(scheme, key, view(content), view(sig)));

        const Secret wrong = must(read_auth_file(dir.write("wrong.txt", "battery staple\n")));
        auto wrong_signer = must(open_tpm_signer(ref, ctx, view_of(wrong)));
        const auto refused = wrong_signer->sign(scheme, view(content));
        REQUIRE_FALSE(refused);
        const std::string message = refused.error().reason;
        CAPTURE(message);
        CHECK(message.find("TPM2_Sign") != std::string::npos);
        CHECK(message.find("authorization HMAC check failed") != std::string::npos);  // Tss2_RC_Decode
        CHECK(message.find("wrong authorization value") != std::string::npos);       // our hint

        // The key file says the key has an authorization value: none given is refused up front.
        const auto missing = open_tpm_signer(ref, ctx);
        REQUIRE_FALSE(missing);
        CHECK(missing.error().reason.find("--auth-file") != std::string::npos);

        // Made persistent, the key keeps its value: by handle it signs with it. (The transient
        // keys go first: swtpm has 3 object slots.)
        right.reset();
        wrong_signer.reset();
        const uint32_t handle = algorithm == KeyAlgorithm::rsa_2048 ? 0x81000302 : 0x81000301;
        must(make_persistent(ctx, blob, handle, false));
        auto by_handle = must(open_tpm_signer(KeyReference{KeyReference::Kind::handle, {}, handle}, ctx, view_of(auth)));
        const Bytes handle_sig = must(by_handle->sign(scheme, view(content)));
        CHECK(verify_signature(scheme, key, view(content), view(handle_sig)));
    }
    // The DA counter (the key is not noDA) takes the two wrong tries above; clear it for others.
    run_tpm2_tool(swtpm, "dictionarylockout", {"--clear-lockout"});
}

TEST_CASE("mTLS handshake with an RSA-2048 client key in the TPM, against our server") {
    Swtpm swtpm;
    auto ctx = open_context(swtpm);
    const KeyBlob blob = must(create_signing_key(*ctx, KeyAlgorithm::rsa_2048));
    std::shared_ptr<TpmSigner> signer = must(TpmSigner::create(must(load_key(ctx, blob))));
    const TestPki pki = make_test_pki();
    CertificateSpec spec;
    spec.subject = "CN=tpm-rsa-device, O=tpmtls tests";
    spec.server_auth = false;
    spec.key_type = KeyType::rsa_2048;
    const IssuedCertificate cert = issue_certificate_for_public_key(spec, view(signer->public_key_der()), pki.root);

    for (int i = 0; i < 2; ++i) {  // the second handshake signs without the salt check
        ClientConfig client = client_config_for(pki, false);
        client.credentials = Credentials{{cert.der}, signer};
        ConnectionPair pair = make_pair(std::move(client), server_config_for(pki, ClientAuthMode::required));
        REQUIRE(pair.handshake());
        REQUIRE(pair.server->session().peer_identity.has_value());
        CHECK(pair.server->session().peer_identity->subject == "CN=tpm-rsa-device, O=tpmtls tests");
    }
}

TEST_CASE("one signer shared by several threads: every TPM2_Sign serialized on the one ESAPI context") {
    Swtpm swtpm;
    auto ctx = open_context(swtpm);
    for (const KeyAlgorithm algorithm : {KeyAlgorithm::ecc_p256, KeyAlgorithm::rsa_2048}) {
        CAPTURE(to_string(algorithm));
        std::shared_ptr<TpmSigner> signer =
            must(TpmSigner::create(must(load_key(ctx, must(create_signing_key(*ctx, algorithm))))));
        const SignatureScheme scheme = signer->schemes().at(0);
        const PublicKey key = must(PublicKey::from_spki(view(signer->public_key_der())));
        std::vector<std::vector<Bytes>> signatures(4);
        std::vector<std::thread> threads;
        for (size_t t = 0; t < signatures.size(); ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 8; ++i) {
                    auto sig = signer->sign(scheme, view(content));
                    if (sig) signatures[t].push_back(std::move(*sig));
                }
            });
        }
        for (auto& thread : threads) thread.join();
        for (const auto& per_thread : signatures) {
            CHECK(per_thread.size() == 8);
            for (const Bytes& sig : per_thread) CHECK(verify_signature(scheme, key, view(content), view(sig)));
        }
    }
}
