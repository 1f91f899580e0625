// SoftwareSigner: signatures a verifier accepts, for every scheme each key type offers.
#include <doctest/doctest.h>

#include "support/test_pki.h"
#include "tls13/crypto/verify.h"
#include "tls13/crypto/software_signer.h"
#include "tls13/x509.h"

using namespace tpmtls;
using namespace tpmtls::test;

TEST_CASE("software keys sign CertificateVerify content that their certificates verify") {
    struct Case {
        KeyType type;
        std::vector<SignatureScheme> schemes;
    };
    const Case cases[] = {
        {KeyType::ecdsa_p256, {SignatureScheme::ecdsa_secp256r1_sha256}},
        {KeyType::ecdsa_p384, {SignatureScheme::ecdsa_secp384r1_sha384}},
        // P-521: an ECDSA-Sig-Value of 128 bytes or more, so its SEQUENCE has a long-form length.
        {KeyType::ecdsa_p521, {SignatureScheme::ecdsa_secp521r1_sha512}},
        // The TPM signer's RSA schemes (tpm/tpm_signer.cpp).
        {KeyType::rsa_2048,
         {SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pss_rsae_sha384, SignatureScheme::rsa_pss_rsae_sha512}},
    };
    const std::string content = std::string(64, ' ') + "TLS 1.3, client CertificateVerify" + '\0' + std::string(32, 'h');
    for (const Case& c : cases) {
        CAPTURE(static_cast<int>(c.type));
        CertificateSpec spec;
        spec.key_type = c.type;
        const IssuedCertificate cert = issue_certificate(spec, nullptr);
        auto signer = SoftwareSigner::from_key(view(cert.key.private_pem));
        REQUIRE_MESSAGE(signer, (signer ? "" : signer.error().to_string()));
        CHECK((*signer)->schemes() == c.schemes);
        auto key = PublicKey::from_certificate(view(cert.der));
        REQUIRE(key);
        for (SignatureScheme scheme : c.schemes) {
            CAPTURE(to_string(scheme));
            auto sig = (*signer)->sign(scheme, view(content));
            REQUIRE(sig);
            CHECK(verify_signature(scheme, *key, view(content), view(*sig)));
            Bytes tampered = *sig;
            tampered[tampered.size() / 2] ^= 0x01;
            CHECK_FALSE(verify_signature(scheme, *key, view(content), view(tampered)));
        }
        // A scheme the key cannot make is refused, not attempted.
        CHECK_FALSE((*signer)->sign(SignatureScheme::ed25519, view(content)));
    }
}

TEST_CASE("Signer::choose takes our preference among what the peer offered") {
    CertificateSpec spec;
    spec.key_type = KeyType::rsa_2048;
    const IssuedCertificate cert = issue_certificate(spec, nullptr);
    auto signer = SoftwareSigner::from_key(view(cert.key.private_pem));
    REQUIRE(signer);
    const std::vector<SignatureScheme> offered = {SignatureScheme::rsa_pss_rsae_sha384,
                                                  SignatureScheme::rsa_pss_rsae_sha256};
    CHECK((*signer)->choose(offered) == SignatureScheme::rsa_pss_rsae_sha256);
    const std::vector<SignatureScheme> only_ecdsa = {SignatureScheme::ecdsa_secp256r1_sha256};
    CHECK_FALSE((*signer)->choose(only_ecdsa).has_value());
}

TEST_CASE("keys that are not usable are refused with a reason") {
    CHECK_FALSE(SoftwareSigner::from_key(view(std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))));
    CHECK_FALSE(SoftwareSigner::from_file("/nonexistent/key.pem"));
}
