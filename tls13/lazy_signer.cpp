#include "tls13/lazy_signer.h"

#include <algorithm>
#include <utility>

#include "tls13/der.h"

namespace tpmtls {

namespace {

constexpr uint8_t tag_explicit_version = 0xa0;  // RFC 5280 §4.1: version [0] EXPLICIT

// The handshake prefixes "signing CertificateVerify with <description()>", so reasons from
// sign() do not repeat the key's name.
Alert signer_error(std::string_view why) { return make_alert(AlertDescription::internal_error, why); }

}  // namespace

std::vector<SignatureScheme> signing_schemes_for(const PublicKey& key) {
    if (key.supports(SignatureScheme::ecdsa_secp256r1_sha256)) return {SignatureScheme::ecdsa_secp256r1_sha256};
    if (key.supports(SignatureScheme::ecdsa_secp384r1_sha384)) return {SignatureScheme::ecdsa_secp384r1_sha384};
    if (key.supports(SignatureScheme::ecdsa_secp521r1_sha512)) return {SignatureScheme::ecdsa_secp521r1_sha512};
    if (key.supports(SignatureScheme::rsa_pss_rsae_sha256))
        return {SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pss_rsae_sha384,
                SignatureScheme::rsa_pss_rsae_sha512};
    return {};
}

Result<Bytes> certificate_spki_der(ByteView certificate_der) {
    // RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature };
    // TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer,
    // validity, subject, subjectPublicKeyInfo, ... }.
    Reader outer(certificate_der);
    Reader certificate = TRY(der::read_expected(outer, der::tag_sequence));
    Reader tbs = TRY(der::read_expected(certificate, der::tag_sequence));
    der::Element field = TRY(der::read(tbs));
    const size_t fields_before_spki = field.tag == tag_explicit_version ? 5 : 4;
    for (size_t i = 0; i < fields_before_spki; ++i) field = TRY(der::read(tbs));
    const size_t start = tbs.position();
    TRY(der::read_expected(tbs, der::tag_sequence));
    return to_bytes(tbs.consumed().subspan(start));
}

Result<std::shared_ptr<LazySigner>> LazySigner::for_certificate(ByteView leaf_certificate_der, Factory factory,
                                                                std::string description) {
    auto key = PublicKey::from_certificate(leaf_certificate_der);
    if (!key) return signer_error(description + ": the certificate's public key: " + key.error().reason);
    std::vector<SignatureScheme> schemes = signing_schemes_for(*key);
    if (schemes.empty())
        return signer_error(description + ": the certificate's key is neither P-256, P-384, P-521 nor RSA; no TLS 1.3 scheme");
    return std::make_shared<LazySigner>(std::move(schemes), std::move(factory), std::move(description));
}

LazySigner::LazySigner(std::vector<SignatureScheme> schemes, Factory factory, std::string description)
    : schemes_(std::move(schemes)), factory_(std::move(factory)), description_(std::move(description)) {}

Result<std::shared_ptr<Signer>> LazySigner::delegate() {
    const std::lock_guard lock(mutex_);
    if (signer_) return signer_;
    ++factory_calls_;
    if (!factory_) return signer_error("no way to open the key (empty factory)");
    auto made = factory_();
    if (!made) return signer_error("could not open the key: " + made.error().reason);
    if (*made == nullptr) return signer_error("opening the key gave no signer");
    // Compatible: the key can make at least one of the schemes its certificate announced.
    const std::vector<SignatureScheme> available = (*made)->schemes();
    const bool any_common = std::any_of(schemes_.begin(), schemes_.end(), [&](SignatureScheme s) {
        return std::find(available.begin(), available.end(), s) != available.end();
    });
    if (!any_common)
        return signer_error("the opened key (" + (*made)->description() + ") signs with " +
                                              to_string(available) + ", but its certificate's key needs " +
                                              to_string(schemes_));
    signer_ = std::move(*made);
    return signer_;
}

Result<Bytes> LazySigner::sign(SignatureScheme scheme, ByteView content) {
    if (std::find(schemes_.begin(), schemes_.end(), scheme) == schemes_.end())
        return signer_error("asked to sign with " + to_string(scheme) + ", not one of " +
                                              to_string(schemes_));
    std::shared_ptr<Signer> signer = TRY(delegate());
    const std::vector<SignatureScheme> available = signer->schemes();
    if (std::find(available.begin(), available.end(), scheme) == available.end())
        return signer_error("the opened key (" + signer->description() + ") cannot sign " +
                                              to_string(scheme) + "; it signs with " + to_string(available));
    return signer->sign(scheme, content);
}

std::string LazySigner::description() const {
    const std::lock_guard lock(mutex_);
    return signer_ ? signer_->description() : description_ + " (not opened yet)";
}

bool LazySigner::opened() const {
    const std::lock_guard lock(mutex_);
    return signer_ != nullptr;
}

size_t LazySigner::factory_calls() const {
    const std::lock_guard lock(mutex_);
    return factory_calls_;
}

std::shared_ptr<Signer> LazySigner::opened_signer() const {
    const std::lock_guard lock(mutex_);
    return signer_;
}

}  // namespace tpmtls
