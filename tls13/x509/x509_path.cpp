#include "tls13/x509/x509_path.h"

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <optional>
#include <string>

#include "tls13/der.h"
#include "tls13/x509/x509_name.h"
#include "tls13/x509/x509_parse.h"

namespace tpmtls {

namespace {

// Enough for every candidate of a real chain; a peer sending many certificates with the same
// name cannot make us check signatures without end.
constexpr unsigned max_signature_checks = 32;

Alert bad_certificate(std::string_view why) { return make_alert(AlertDescription::bad_certificate, why); }

std::optional<DistinguishedName> name_of(const mbedtls_x509_buf& raw) {
    auto dn = DistinguishedName::parse(ByteView(raw.p, raw.len));
    if (!dn) return std::nullopt;
    return std::move(dn).value();
}

bool signed_by(const mbedtls_x509_crt& child, const mbedtls_x509_crt& parent) {
    const mbedtls_md_info_t* md = mbedtls_md_info_from_type(child.sig_md);
    if (md == nullptr) return false;
    unsigned char digest[MBEDTLS_MD_MAX_SIZE];
    if (mbedtls_md(md, child.tbs.p, child.tbs.len, digest) != 0) return false;
    return mbedtls_pk_verify_ext(child.sig_pk, child.sig_opts, const_cast<mbedtls_pk_context*>(&parent.pk),
                                 child.sig_md, digest, mbedtls_md_get_size(md), child.sig.p, child.sig.len) == 0;
}

// The body of the DER element that the extension `oid` holds, if it is one of `tag`.
std::optional<Reader> extension_element(const mbedtls_x509_crt& crt, ByteView oid, uint8_t tag) {
    const auto value = find_extension(crt, oid);
    if (!value) return std::nullopt;
    Reader r(*value);
    auto body = der::read_expected(r, tag);
    if (!body) return std::nullopt;
    return *body;
}

// RFC 5280 §4.2.1.2: subjectKeyIdentifier ::= KeyIdentifier (OCTET STRING).
std::optional<ByteView> subject_key_id(const mbedtls_x509_crt& crt) {
    static constexpr uint8_t oid[] = {0x55, 0x1d, 0x0e};  // 2.5.29.14
    const auto id = extension_element(crt, ByteView(oid, sizeof oid), der::tag_octet_string);
    if (!id) return std::nullopt;
    return id->rest();
}

// RFC 5280 §4.2.1.1: AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] KeyIdentifier
// OPTIONAL, authorityCertIssuer [1] OPTIONAL, authorityCertSerialNumber [2] OPTIONAL }.
std::optional<ByteView> authority_key_id(const mbedtls_x509_crt& crt) {
    static constexpr uint8_t oid[] = {0x55, 0x1d, 0x23};  // 2.5.29.35
    auto body = extension_element(crt, ByteView(oid, sizeof oid), der::tag_sequence);
    if (!body || body->empty() || body->rest()[0] != der::context(0)) return std::nullopt;
    auto id = der::read_expected(*body, der::context(0));
    if (!id) return std::nullopt;
    return id->rest();
}

// Among the candidates named as the child's issuer, the first whose key verifies the child's
// signature; else the first whose key identifier does not contradict the child's authority key
// identifier, else the first (mbedTLS then reports why the signature is wrong). Key identifiers
// only save signature checks: a candidate that contradicts them is not checked.
struct IssuerSearch {
    const mbedtls_x509_crt& child;
    DistinguishedName issuer_name;
    std::optional<ByteView> child_authority_key_id;
    unsigned& signature_checks;

    bool names_issuer(const mbedtls_x509_crt& candidate) const {
        const auto subject = name_of(candidate.subject_raw);
        return subject && *subject == issuer_name;
    }
    bool key_id_contradicts(const mbedtls_x509_crt& candidate) const {
        if (!child_authority_key_id) return false;
        const auto id = subject_key_id(candidate);
        return id && !std::equal(id->begin(), id->end(), child_authority_key_id->begin(), child_authority_key_id->end());
    }
    template <class Each>
    const mbedtls_x509_crt* find(Each&& for_each_candidate) {
        const mbedtls_x509_crt* first = nullptr;
        const mbedtls_x509_crt* plausible = nullptr;
        const mbedtls_x509_crt* verified = nullptr;
        for_each_candidate([&](const mbedtls_x509_crt& candidate) {
            if (verified != nullptr || !names_issuer(candidate)) return;
            if (first == nullptr) first = &candidate;
            if (key_id_contradicts(candidate)) return;
            if (plausible == nullptr) plausible = &candidate;
            if (signature_checks < max_signature_checks) {
                ++signature_checks;
                if (signed_by(child, candidate)) verified = &candidate;
            }
        });
        return verified != nullptr ? verified : plausible != nullptr ? plausible : first;
    }
};

}  // namespace

Result<CertificatePath> build_certificate_path(const mbedtls_x509_crt& anchors,
                                               const std::vector<const mbedtls_x509_crt*>& presented,
                                               unsigned max_path_length) {
    CertificatePath path;
    if (presented.empty()) return bad_certificate("no certificate");
    std::vector<bool> used(presented.size(), false);
    used[0] = true;
    path.certificates.push_back(presented[0]);
    unsigned signature_checks = 0;
    const std::string too_long = "certificate path longer than " + std::to_string(max_path_length);
    while (true) {
        const mbedtls_x509_crt& child = *path.certificates.back();
        const auto issuer_name = name_of(child.issuer_raw);
        if (!issuer_name) return bad_certificate("certificate issuer name does not parse");
        IssuerSearch search{child, *issuer_name, authority_key_id(child), signature_checks};
        // The trust store first, as mbedTLS searches it: a trusted root sent along is not needed.
        path.anchor = search.find([&](auto&& visit) {
            for (const mbedtls_x509_crt* a = &anchors; a != nullptr && a->raw.len != 0; a = a->next) visit(*a);
        });
        if (path.anchor != nullptr) break;
        const mbedtls_x509_crt* issuer = search.find([&](auto&& visit) {
            for (size_t i = 0; i < presented.size(); ++i)
                if (!used[i]) visit(*presented[i]);
        });
        if (issuer == nullptr) break;  // mbedTLS will say unknown_ca
        // The issuer joins the path, and at least a trust anchor must follow it.
        if (path.certificates.size() + 2 > max_path_length) return bad_certificate(too_long);
        const size_t index = static_cast<size_t>(
            std::find(presented.begin(), presented.end(), issuer) - presented.begin());
        used[index] = true;
        path.certificates.push_back(issuer);
    }
    if (path.anchor != nullptr && path.certificates.size() + 1 > max_path_length) return bad_certificate(too_long);
    return path;
}

Result<SignatureScheme> certificate_signature_scheme(const mbedtls_x509_crt& crt, const mbedtls_x509_crt& issuer) {
    struct Mapping {
        mbedtls_pk_type_t pk;
        mbedtls_md_type_t md;
        SignatureScheme scheme;
    };
    // §4.2.3 names the hash with the curve for ECDSA; a certificate's signature names only the hash.
    static constexpr Mapping mappings[] = {
        {MBEDTLS_PK_ECDSA, MBEDTLS_MD_SHA256, SignatureScheme::ecdsa_secp256r1_sha256},
        {MBEDTLS_PK_ECDSA, MBEDTLS_MD_SHA384, SignatureScheme::ecdsa_secp384r1_sha384},
        {MBEDTLS_PK_ECDSA, MBEDTLS_MD_SHA512, SignatureScheme::ecdsa_secp521r1_sha512},
        {MBEDTLS_PK_ECDSA, MBEDTLS_MD_SHA1, SignatureScheme::ecdsa_sha1},
        {MBEDTLS_PK_RSA, MBEDTLS_MD_SHA256, SignatureScheme::rsa_pkcs1_sha256},
        {MBEDTLS_PK_RSA, MBEDTLS_MD_SHA384, SignatureScheme::rsa_pkcs1_sha384},
        {MBEDTLS_PK_RSA, MBEDTLS_MD_SHA512, SignatureScheme::rsa_pkcs1_sha512},
        {MBEDTLS_PK_RSA, MBEDTLS_MD_SHA1, SignatureScheme::rsa_pkcs1_sha1},
        {MBEDTLS_PK_RSASSA_PSS, MBEDTLS_MD_SHA256, SignatureScheme::rsa_pss_rsae_sha256},
        {MBEDTLS_PK_RSASSA_PSS, MBEDTLS_MD_SHA384, SignatureScheme::rsa_pss_rsae_sha384},
        {MBEDTLS_PK_RSASSA_PSS, MBEDTLS_MD_SHA512, SignatureScheme::rsa_pss_rsae_sha512},
    };
    const mbedtls_md_type_t md = crt.sig_md;
    bool mappable = true;
    if (crt.sig_pk == MBEDTLS_PK_RSASSA_PSS) {
        // rsa_pss_rsae_*: an rsaEncryption issuer key and MGF1 with the signature's hash. mbedTLS
        // 2.28 does not parse id-RSASSA-PSS keys, so rsa_pss_pss_* issuers never get here.
        const auto* options = static_cast<const mbedtls_pk_rsassa_pss_options*>(crt.sig_opts);
        mappable = options != nullptr && options->mgf1_hash_id == md && mbedtls_pk_get_type(&issuer.pk) == MBEDTLS_PK_RSA;
    }
    for (const Mapping& m : mappings)
        if (mappable && m.pk == crt.sig_pk && m.md == md) return m.scheme;
    char description[64] = "?";
    mbedtls_x509_sig_alg_gets(description, sizeof description, &crt.sig_oid, crt.sig_pk, md, crt.sig_opts);
    return bad_certificate(std::string("signature algorithm ") + description + " has no TLS 1.3 signature scheme");
}

}  // namespace tpmtls
