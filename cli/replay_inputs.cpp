#include "cli/replay_inputs.h"

#include <mbedtls/rsa.h>

#include <algorithm>

#include "cli/replay_rfc8448.h"
#include "tls13/crypto/hash.h"

namespace tpmtls::cli {

void ScriptedRandom::fill(std::span<uint8_t> out) {
    if (next_ < script_.size() && script_[next_].value.size() == out.size()) {
        std::copy(script_[next_].value.begin(), script_[next_].value.end(), out.begin());
        ++next_;
        return;
    }
    system_random().fill(out);
    unscripted_.push_back(std::to_string(out.size()) + " bytes from the system RNG" +
                          (next_ < script_.size() ? " where " + script_[next_].name + " was expected" : ""));
}

struct Rfc8448ServerSigner::Impl {
    mbedtls_rsa_context rsa;
    Impl() { mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256); }
    ~Impl() { mbedtls_rsa_free(&rsa); }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
};

Rfc8448ServerSigner::Rfc8448ServerSigner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Rfc8448ServerSigner::~Rfc8448ServerSigner() = default;

Result<std::unique_ptr<Rfc8448ServerSigner>> Rfc8448ServerSigner::create() {
    const auto& key = rfc8448::server_rsa_key();
    const auto part = [&](const char* name) -> const Bytes& { return key.at(name); };
    auto impl = std::make_unique<Impl>();
    const Bytes &n = part("modulus (public)"), &p = part("prime1"), &q = part("prime2"),
                &d = part("private exponent"), &e = part("public exponent");
    if (mbedtls_rsa_import_raw(&impl->rsa, n.data(), n.size(), p.data(), p.size(), q.data(), q.size(), d.data(),
                               d.size(), e.data(), e.size()) != 0 ||
        mbedtls_rsa_complete(&impl->rsa) != 0 || mbedtls_rsa_check_privkey(&impl->rsa) != 0)
        return fail(AlertDescription::internal_error, "the RFC 8448 §2 RSA key does not import");
    return std::unique_ptr<Rfc8448ServerSigner>(new Rfc8448ServerSigner(std::move(impl)));
}

namespace {
int system_rng(void*, unsigned char* out, size_t length) {
    system_random().fill(std::span<uint8_t>(out, length));
    return 0;
}
}  // namespace

Result<Bytes> Rfc8448ServerSigner::sign(SignatureScheme scheme, ByteView content) {
    if (scheme != SignatureScheme::rsa_pss_rsae_sha256)
        return fail(AlertDescription::internal_error, "the RFC 8448 key signs rsa_pss_rsae_sha256 only");
    const Bytes digest = hash(HashAlgorithm::sha256, content);
    Bytes signature(mbedtls_rsa_get_len(&impl_->rsa));
    if (mbedtls_rsa_rsassa_pss_sign_ext(&impl_->rsa, system_rng, nullptr, MBEDTLS_MD_SHA256,
                                        static_cast<unsigned>(digest.size()), digest.data(),
                                        static_cast<int>(digest.size()), signature.data()) != 0)
        return fail(AlertDescription::internal_error, "RSA-PSS signing with the RFC 8448 key failed");
    return signature;
}

}  // namespace tpmtls::cli
