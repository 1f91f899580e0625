#include "support/tpm_test_keys.h"

#include <doctest/doctest.h>

#include "tpm/context.h"
#include "tpm/key_file.h"
#include "tpm/tpm_signer.h"

namespace tpmtls::test {

const std::vector<TpmKeyAlgorithm>& tpm_key_algorithms() {
    static const std::vector<TpmKeyAlgorithm> algorithms = {
        {"ECC P-256", tpm::create_p256_signing_key, SignatureScheme::ecdsa_secp256r1_sha256, "ECDSA"},
        // RSA-2048 is one more line, e.g.
        // {"RSA-2048", tpm::create_rsa2048_signing_key, SignatureScheme::rsa_pss_rsae_sha256, "RSA-PSS"},
    };
    return algorithms;
}

ProvisionedTpmKey provision_tpm_client_key(const Swtpm& swtpm, const TpmKeyAlgorithm& algorithm, const TempDir& dir,
                                           const IssuedCertificate& issuer) {
    ProvisionedTpmKey key;
    tpm::ContextOptions options;
    options.tcti = swtpm.tcti();
    auto context = tpm::TpmContext::open(options);
    REQUIRE_MESSAGE(context, (context ? "" : context.error().to_string()));
    auto blob = algorithm.create(**context);
    REQUIRE_MESSAGE(blob, (blob ? "" : blob.error().to_string()));

    Tss2KeyFile file;
    file.empty_auth = true;
    file.parent = tpm::owner_hierarchy;
    file.public_area = blob->public_area;
    file.private_area = blob->private_area;
    key.file.path = dir.file("client.tss2");
    auto saved = save_tss2_key_file(key.file.path, file);
    REQUIRE_MESSAGE(saved, (saved ? "" : saved.error().to_string()));

    auto persisted = tpm::make_persistent(*context, *blob, test_persistent_handle, false);
    REQUIRE_MESSAGE(persisted, (persisted ? "" : persisted.error().to_string()));
    key.handle.kind = tpm::KeyReference::Kind::handle;
    key.handle.handle = test_persistent_handle;

    auto loaded = tpm::load_persistent(*context, test_persistent_handle);
    REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().to_string()));
    auto signer = tpm::TpmSigner::create(std::move(*loaded));
    REQUIRE_MESSAGE(signer, (signer ? "" : signer.error().to_string()));
    key.spki = (*signer)->public_key_der();

    CertificateSpec spec;
    spec.subject = "CN=tpm-device-0001, O=tpmtls tests";
    spec.server_auth = false;
    key.certificate = issue_certificate_for_public_key(spec, view(key.spki), issuer);
    return key;  // signer and context go here: the TPM connection is closed
}

std::shared_ptr<tpm::TpmSigner> open_test_signer(const tpm::KeyReference& key, const std::string& tcti) {
    tpm::ContextOptions options;
    options.tcti = tcti;
    auto signer = tpm::open_tpm_signer(key, options);
    REQUIRE_MESSAGE(signer, "opening " << key.to_string() << ": " << (signer ? "" : signer.error().to_string()));
    return *signer;
}

}  // namespace tpmtls::test
