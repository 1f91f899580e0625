#include "tpm/tpm_signer.h"

#include <algorithm>
#include <cstring>

#include "tls13/der.h"
#include "tpm/esys_detail.hpp"
#include "tpm/pss_salt.h"

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

bool is_pss(SignatureScheme scheme) {
    return scheme == SignatureScheme::rsa_pss_rsae_sha256 || scheme == SignatureScheme::rsa_pss_rsae_sha384 ||
           scheme == SignatureScheme::rsa_pss_rsae_sha512;
}

TPM2_ALG_ID pss_tpm_hash(SignatureScheme scheme) {
    switch (scheme) {
        case SignatureScheme::rsa_pss_rsae_sha384: return TPM2_ALG_SHA384;
        case SignatureScheme::rsa_pss_rsae_sha512: return TPM2_ALG_SHA512;
        default: return TPM2_ALG_SHA256;
    }
}

std::optional<SignatureScheme> pss_scheme_for(TPM2_ALG_ID hash) {
    switch (hash) {
        case TPM2_ALG_SHA256: return SignatureScheme::rsa_pss_rsae_sha256;
        case TPM2_ALG_SHA384: return SignatureScheme::rsa_pss_rsae_sha384;
        case TPM2_ALG_SHA512: return SignatureScheme::rsa_pss_rsae_sha512;
        default: return std::nullopt;
    }
}

Alert wrong_key_type(const TpmKey& key, std::string_view why) {
    return make_alert(AlertDescription::internal_error,
                      key.description() + ": wrong key type: " + std::string(why) +
                          " (a TLS client key must be an unrestricted ECC P-256 or RSA-2048 signing key; "
                          "tpmtls keygen makes one)");
}

// The algorithms the TPM implements (TPM2_GetCapability, TPM_CAP_ALGS), from SHA-384 on: enough
// to see SHA-384, SHA-512 and RSAPSS. Call with the mutex held.
Result<std::vector<TPM2_ALG_ID>> implemented_algorithms(TpmContext::Impl& ctx) {
    TPMS_CAPABILITY_DATA* data = nullptr;
    TPMI_YES_NO more = TPM2_NO;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_GetCapability(ctx.esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_ALGS, TPM2_ALG_SHA384,
                                  TPM2_MAX_CAP_ALGS, &more, &data);
    });
    const EsysPtr<TPMS_CAPABILITY_DATA> owner(data);
    if (rc != TSS2_RC_SUCCESS) return tpm_error(ctx, "TPM2_GetCapability (algorithms)", rc);
    std::vector<TPM2_ALG_ID> algorithms;
    const TPML_ALG_PROPERTY& list = data->data.algorithms;
    for (UINT32 i = 0; i < list.count && i < TPM2_MAX_CAP_ALGS; ++i) algorithms.push_back(list.algProperties[i].alg);
    return algorithms;
}

std::string curve_name(TPM2_ECC_CURVE curve) {
    switch (curve) {
        case TPM2_ECC_NIST_P192: return "NIST P-192";
        case TPM2_ECC_NIST_P224: return "NIST P-224";
        case TPM2_ECC_NIST_P384: return "NIST P-384";
        case TPM2_ECC_NIST_P521: return "NIST P-521";
        case TPM2_ECC_BN_P256: return "BN P-256";
        case TPM2_ECC_BN_P638: return "BN P-638";
        case TPM2_ECC_SM2_P256: return "SM2 P-256";
        default: return "0x" + to_hex(Bytes{static_cast<uint8_t>(curve >> 8), static_cast<uint8_t>(curve)});
    }
}

std::string type_name(TPMI_ALG_PUBLIC type) {
    switch (type) {
        case TPM2_ALG_KEYEDHASH: return "a keyed-hash (HMAC) key";
        case TPM2_ALG_SYMCIPHER: return "a symmetric key";
        default: return "a key of type 0x" + to_hex(Bytes{static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type)});
    }
}

// ECC: P-256 with scheme NULL or ECDSA-SHA256 (RFC 8446 §4.2.3 ties the curve to the hash).
Result<std::vector<SignatureScheme>> ecc_schemes(const TpmKey& key, const TPMT_PUBLIC& area) {
    const TPMS_ECC_PARMS& ecc = area.parameters.eccDetail;
    if (ecc.curveID != TPM2_ECC_NIST_P256)
        return wrong_key_type(key, "ECC curve " + curve_name(ecc.curveID) + ", not NIST P-256");
    if (ecc.scheme.scheme != TPM2_ALG_NULL &&
        !(ecc.scheme.scheme == TPM2_ALG_ECDSA && ecc.scheme.details.ecdsa.hashAlg == TPM2_ALG_SHA256))
        return wrong_key_type(key, "the key's scheme is fixed to something other than ECDSA-SHA256");
    return std::vector<SignatureScheme>{SignatureScheme::ecdsa_secp256r1_sha256};
}

// RSA-2048: rsa_pss_rsae with each hash the TPM implements (scheme NULL), or the key's own hash
// (scheme RSAPSS). PKCS#1 v1.5 keys are refused: TLS 1.3 CertificateVerify never uses it.
Result<std::vector<SignatureScheme>> rsa_schemes(TpmContext::Impl& ctx, const TpmKey& key, const TPMT_PUBLIC& area) {
    const TPMS_RSA_PARMS& rsa = area.parameters.rsaDetail;
    if (rsa.keyBits != 2048) return wrong_key_type(key, "RSA-" + std::to_string(rsa.keyBits) + ", not RSA-2048");
    std::vector<TPM2_ALG_ID> implemented;
    {
        const std::lock_guard lock(ctx.mutex);
        implemented = TRY(implemented_algorithms(ctx));
    }
    const auto has = [&](TPM2_ALG_ID alg) {
        return alg == TPM2_ALG_SHA256 || std::find(implemented.begin(), implemented.end(), alg) != implemented.end();
    };
    if (!has(TPM2_ALG_RSAPSS)) return wrong_key_type(key, "this TPM does not implement RSA-PSS");
    std::vector<SignatureScheme> schemes;
    if (rsa.scheme.scheme == TPM2_ALG_NULL) {
        for (const TPM2_ALG_ID hash : {TPM2_ALG_SHA256, TPM2_ALG_SHA384, TPM2_ALG_SHA512})
            if (has(hash)) schemes.push_back(*pss_scheme_for(hash));
    } else if (rsa.scheme.scheme == TPM2_ALG_RSAPSS) {
        const auto scheme = pss_scheme_for(rsa.scheme.details.rsapss.hashAlg);
        if (!scheme) return wrong_key_type(key, "the key's RSA-PSS hash is not SHA-256/384/512");
        schemes.push_back(*scheme);
    } else {
        return wrong_key_type(key, "the key's scheme is fixed to something other than RSA-PSS");
    }
    return schemes;
}

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
    Impl(TpmKey k, std::vector<SignatureScheme> schemes) : key(std::move(k)), offered(std::move(schemes)) {}
    TpmKey key;
    KeyAlgorithm algorithm = KeyAlgorithm::ecc_p256;
    Bytes spki;
    OfferedSchemes offered;  // shrinks if the TPM's RSA-PSS salt is not the hash length
};

TpmSigner::TpmSigner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TpmSigner::~TpmSigner() = default;

const std::shared_ptr<TpmContext>& TpmSigner::context() const { return impl_->key.context(); }

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
    if ((area.objectAttributes & TPMA_OBJECT_SIGN_ENCRYPT) == 0)
        return wrong_key_type(key, "not a signing key (no sign attribute; a decryption or storage key?)");
    // A restricted key signs only digests the TPM hashed itself (Part 1 §25.2.5): not ours.
    if ((area.objectAttributes & TPMA_OBJECT_RESTRICTED) != 0)
        return wrong_key_type(key, "a restricted signing key (an attestation key)");
    KeyAlgorithm algorithm = KeyAlgorithm::ecc_p256;
    std::vector<SignatureScheme> schemes;
    Bytes spki;
    if (area.type == TPM2_ALG_ECC) {
        schemes = TRY(ecc_schemes(key, area));
        spki = p256_spki_der(view_of(area.unique.ecc.x), view_of(area.unique.ecc.y));
    } else if (area.type == TPM2_ALG_RSA) {
        algorithm = KeyAlgorithm::rsa_2048;
        schemes = TRY(rsa_schemes(ctx, key, area));
        // Part 2 §12.2.3.5: exponent 0 means 2^16 + 1.
        const uint32_t exponent = area.parameters.rsaDetail.exponent == 0 ? 65537 : area.parameters.rsaDetail.exponent;
        spki = rsa_spki_der(ByteView(area.unique.rsa.buffer, area.unique.rsa.size), exponent);
    } else {
        return wrong_key_type(key, type_name(area.type) + ", neither ECC nor RSA");
    }
    auto impl = std::make_unique<Impl>(std::move(key), std::move(schemes));
    impl->algorithm = algorithm;
    impl->spki = std::move(spki);
    return std::unique_ptr<TpmSigner>(new TpmSigner(std::move(impl)));
}

std::vector<SignatureScheme> TpmSigner::schemes() const { return impl_->offered.schemes(); }

std::string TpmSigner::description() const { return impl_->key.description(); }

Bytes TpmSigner::public_key_der() const { return impl_->spki; }

KeyAlgorithm TpmSigner::algorithm() const { return impl_->algorithm; }

Result<Bytes> TpmSigner::sign(SignatureScheme scheme, ByteView content) {
    bool check_salt = false;
    if (const Status admitted = impl_->offered.admit(scheme, check_salt); !admitted)
        return fail(AlertDescription::internal_error, description() + ": " + admitted.error().reason);
    // Hashing here rather than on the TPM: one command per signature, and the content is not
    // secret. The key is unrestricted, so TPM2_Sign wants no real hash ticket (Part 3 §20.2).
    const Bytes digest_bytes = TRY(scheme_digest(scheme, content));
    TPM2B_DIGEST digest{};
    digest.size = static_cast<UINT16>(digest_bytes.size());
    std::memcpy(digest.buffer, digest_bytes.data(), digest_bytes.size());
    TPMT_SIG_SCHEME in_scheme{};
    if (is_pss(scheme)) {
        in_scheme.scheme = TPM2_ALG_RSAPSS;
        in_scheme.details.rsapss.hashAlg = pss_tpm_hash(scheme);
    } else {
        in_scheme.scheme = TPM2_ALG_ECDSA;
        in_scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
    }
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
    if (!is_pss(scheme)) {
        if (signature->sigAlg != TPM2_ALG_ECDSA) return fail(AlertDescription::internal_error, "TPM2_Sign: not ECDSA");
        return ecdsa_signature_der(view_of(signature->signature.ecdsa.signatureR),
                                   view_of(signature->signature.ecdsa.signatureS));
    }
    if (signature->sigAlg != TPM2_ALG_RSAPSS) return fail(AlertDescription::internal_error, "TPM2_Sign: not RSA-PSS");
    // RFC 8017 §8.1.1: the signature is as long as the modulus (the TPM may drop leading zeros).
    const TPM2B_PUBLIC_KEY_RSA& sig = signature->signature.rsapss.sig;
    Bytes wire = padded(ByteView(sig.buffer, sig.size), 256);
    if (check_salt) {
        // RFC 8446 §4.2.3: the salt must be as long as the digest; the TPM chose it.
        const Status salt = impl_->offered.check_first(scheme, view(impl_->spki), view(digest_bytes), view(wire));
        if (!salt) return fail(AlertDescription::internal_error, description() + ": " + salt.error().reason);
    }
    return wire;
}

Bytes rsa_spki_der(ByteView modulus, uint32_t exponent) {
    // rsaEncryption 1.2.840.113549.1.1.1 with NULL parameters (RFC 3279 §2.3.1).
    static constexpr uint8_t rsa_encryption[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
    Bytes algorithm;
    Writer aw(algorithm);
    der::write(aw, der::tag_oid, ByteView(rsa_encryption));
    der::write(aw, 0x05, ByteView());  // NULL
    const uint8_t e[] = {static_cast<uint8_t>(exponent >> 24), static_cast<uint8_t>(exponent >> 16),
                         static_cast<uint8_t>(exponent >> 8), static_cast<uint8_t>(exponent)};
    Bytes rsa_public_key;  // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    Writer kw(rsa_public_key);
    write_unsigned_integer(kw, modulus);
    write_unsigned_integer(kw, ByteView(e));
    Bytes key_bits = {0x00};  // BIT STRING with no unused bits
    Writer bw(key_bits);
    der::write(bw, der::tag_sequence, view(rsa_public_key));
    Bytes body;
    Writer w(body);
    der::write(w, der::tag_sequence, view(algorithm));
    der::write(w, 0x03, view(key_bits));
    Bytes out;
    Writer ow(out);
    der::write(ow, der::tag_sequence, view(body));
    return out;
}

}  // namespace tpmtls::tpm
