#include "tpm/tpm_signer.h"

#include <algorithm>
#include <cstring>

#include "tls13/crypto/hash.h"
#include "tls13/der.h"
#include "tpm/esys_detail.hpp"

namespace tpmtls::tpm {
namespace {

// A positive DER INTEGER (X.690 §8.3): minimal, so leading zero bytes go, and a 0x00 goes in
// front when the first remaining byte has its top bit set (it would read as negative).
void write_unsigned_integer(Writer& w, ByteView value) {
    size_t start = 0;
    while (start + 1 < value.size() && value[start] == 0) ++start;
    Bytes body;
    if (value.empty() || (value[start] & 0x80) != 0) body.push_back(0);
    body.insert(body.end(), value.begin() + static_cast<std::ptrdiff_t>(start), value.end());
    der::write(w, der::tag_integer, view(body));
}

// Big-endian coordinate left-padded to `size` bytes (the TPM may drop leading zeros).
Bytes padded(ByteView v, size_t size) {
    Bytes out(size > v.size() ? size - v.size() : 0, 0);
    out.insert(out.end(), v.begin(), v.end());
    return out;
}

ByteView view_of(const TPM2B_ECC_PARAMETER& p) { return ByteView(p.buffer, p.size); }

}  // namespace

Bytes ecdsa_signature_der(ByteView r, ByteView s) {
    Bytes body;
    Writer bw(body);
    write_unsigned_integer(bw, r);
    write_unsigned_integer(bw, s);
    Bytes out;
    Writer w(out);
    der::write(w, der::tag_sequence, view(body));
    return out;
}

Bytes p256_spki_der(ByteView x, ByteView y) {
    // id-ecPublicKey 1.2.840.10045.2.1 and secp256r1 1.2.840.10045.3.1.7 (RFC 5480 §2.1.1).
    static constexpr uint8_t id_ec_public_key[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
    static constexpr uint8_t secp256r1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    Bytes algorithm;
    Writer aw(algorithm);
    der::write(aw, der::tag_oid, ByteView(id_ec_public_key));
    der::write(aw, der::tag_oid, ByteView(secp256r1));
    // BIT STRING with no unused bits over the uncompressed point 04 || x || y (SEC 1 §2.3.3).
    Bytes point = {0x00, 0x04};
    const Bytes px = padded(x, 32);
    const Bytes py = padded(y, 32);
    point.insert(point.end(), px.begin(), px.end());
    point.insert(point.end(), py.begin(), py.end());
    Bytes body;
    Writer bw(body);
    der::write(bw, der::tag_sequence, view(algorithm));
    der::write(bw, 0x03, view(point));
    Bytes out;
    Writer w(out);
    der::write(w, der::tag_sequence, view(body));
    return out;
}

struct TpmSigner::Impl {
    TpmKey key;
    Bytes spki;
};

TpmSigner::TpmSigner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TpmSigner::~TpmSigner() = default;

Result<std::unique_ptr<TpmSigner>> TpmSigner::create(TpmKey key) {
    TpmContext::Impl& ctx = key.context()->impl();
    TPM2B_PUBLIC* out_public = nullptr;
    TSS2_RC rc = 0;
    {
        const std::lock_guard lock(ctx.mutex);
        rc = with_retry(ctx, [&] {
            return Esys_ReadPublic(ctx.esys, key.impl().handle.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                   &out_public, nullptr, nullptr);
        });
    }
    const EsysPtr<TPM2B_PUBLIC> pub(out_public);
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_ReadPublic (" + key.description() + ")", rc);
    const TPMT_PUBLIC& area = pub->publicArea;
    if (area.type != TPM2_ALG_ECC || area.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256) {
        return fail(AlertDescription::internal_error, key.description() + ": only ECC P-256 keys are supported");
    }
    if ((area.objectAttributes & TPMA_OBJECT_SIGN_ENCRYPT) == 0 || (area.objectAttributes & TPMA_OBJECT_RESTRICTED) != 0) {
        return fail(AlertDescription::internal_error, key.description() + ": not an unrestricted signing key");
    }
    const TPM2_ALG_ID scheme = area.parameters.eccDetail.scheme.scheme;
    if (scheme != TPM2_ALG_NULL &&
        !(scheme == TPM2_ALG_ECDSA && area.parameters.eccDetail.scheme.details.ecdsa.hashAlg == TPM2_ALG_SHA256)) {
        return fail(AlertDescription::internal_error, key.description() + ": key scheme is not ECDSA-SHA256 or NULL");
    }
    auto impl = std::make_unique<Impl>(Impl{std::move(key), Bytes{}});
    impl->spki = p256_spki_der(view_of(area.unique.ecc.x), view_of(area.unique.ecc.y));
    return std::unique_ptr<TpmSigner>(new TpmSigner(std::move(impl)));
}

std::vector<SignatureScheme> TpmSigner::schemes() const { return {SignatureScheme::ecdsa_secp256r1_sha256}; }

std::string TpmSigner::description() const { return impl_->key.description(); }

Bytes TpmSigner::public_key_der() const { return impl_->spki; }

Result<Bytes> TpmSigner::sign(SignatureScheme scheme, ByteView content) {
    if (scheme != SignatureScheme::ecdsa_secp256r1_sha256) {
        return fail(AlertDescription::internal_error, description() + " cannot sign " + to_string(scheme));
    }
    // Hashing here rather than on the TPM: one command per signature, and the content is not
    // secret. The key is unrestricted, so TPM2_Sign wants no real hash ticket (Part 3 §20.2).
    const Bytes digest_bytes = hash(HashAlgorithm::sha256, content);
    TPM2B_DIGEST digest{};
    digest.size = static_cast<UINT16>(digest_bytes.size());
    std::memcpy(digest.buffer, digest_bytes.data(), digest_bytes.size());
    TPMT_SIG_SCHEME in_scheme{};
    in_scheme.scheme = TPM2_ALG_ECDSA;
    in_scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
    TPMT_TK_HASHCHECK validation{};
    validation.tag = TPM2_ST_HASHCHECK;
    validation.hierarchy = TPM2_RH_NULL;  // the NULL ticket
    TpmContext::Impl& ctx = impl_->key.context()->impl();
    TPMT_SIGNATURE* out = nullptr;
    TSS2_RC rc = 0;
    {
        // One mutex around the ESAPI context: it is not thread-safe, and connections on
        // several threads may share this signer.
        const std::lock_guard lock(ctx.mutex);
        rc = with_retry(ctx, [&] {
            return Esys_Sign(ctx.esys, impl_->key.impl().handle.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                             &digest, &in_scheme, &validation, &out);
        });
    }
    const EsysPtr<TPMT_SIGNATURE> signature(out);
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_Sign (" + description() + ")", rc);
    if (signature->sigAlg != TPM2_ALG_ECDSA) return fail(AlertDescription::internal_error, "TPM2_Sign: not ECDSA");
    return ecdsa_signature_der(view_of(signature->signature.ecdsa.signatureR),
                               view_of(signature->signature.ecdsa.signatureS));
}

}  // namespace tpmtls::tpm
