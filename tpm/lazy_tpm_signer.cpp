#include "tpm/lazy_tpm_signer.h"

#include <utility>

#include "tls13/crypto/hash.h"
#include "tls13/secret.h"

namespace tpmtls::tpm {

namespace {

// Short enough for an error message, long enough to tell two keys apart.
std::string key_fingerprint(ByteView spki_der) {
    const Bytes digest = hash(HashAlgorithm::sha256, spki_der);
    return "SHA-256 " + to_hex(ByteView(digest).first(8)) + "...";
}

}  // namespace

Result<std::shared_ptr<LazySigner>> make_lazy_tpm_signer(const KeyReference& key, const ContextOptions& options,
                                                         ByteView auth, ByteView leaf_certificate_der) {
    const std::string name = "TPM key " + key.to_string();
    if (auth.size() > Secret::max_size)
        return fail(AlertDescription::internal_error, name + ": authorization value longer than 64 bytes");
    Bytes certificate_spki = TRY(certificate_spki_der(leaf_certificate_der));
    // std::function needs a copyable callable; the Secret is shared, and wiped when the last
    // copy of the factory (the LazySigner's) goes.
    auto auth_value = std::make_shared<Secret>(auth);
    LazySigner::Factory factory = [key, options, auth_value, certificate_spki = std::move(certificate_spki),
                                   name]() -> Result<std::shared_ptr<Signer>> {
        std::shared_ptr<TpmSigner> signer = TRY(open_tpm_signer(key, options, auth_value->view()));
        const Bytes tpm_spki = signer->public_key_der();
        if (tpm_spki != certificate_spki)
            return fail(AlertDescription::internal_error,
                        name + " is not the key of the client certificate: the TPM key is " +
                            key_fingerprint(view(tpm_spki)) + ", the certificate's key " +
                            key_fingerprint(view(certificate_spki)));
        return std::shared_ptr<Signer>(std::move(signer));
    };
    return LazySigner::for_certificate(leaf_certificate_der, std::move(factory), name);
}

}  // namespace tpmtls::tpm
