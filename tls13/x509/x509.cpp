#include "tls13/x509.h"

#include <arpa/inet.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iterator>

#include "tls13/clock.h"
#include "tls13/crypto/hash.h"
#include "tls13/x509/name_constraints.h"
#include "tls13/x509/x509_name.h"
#include "tls13/x509/x509_parse.h"
#include "tls13/x509/x509_path.h"

namespace tpmtls {

namespace {

// RAII for a parsed certificate list.
struct CrtList {
    mbedtls_x509_crt crt;
    CrtList() { mbedtls_x509_crt_init(&crt); }
    ~CrtList() { mbedtls_x509_crt_free(&crt); }
    CrtList(const CrtList&) = delete;
    CrtList& operator=(const CrtList&) = delete;
};

Alert bad_certificate(std::string_view why) { return make_alert(AlertDescription::bad_certificate, why); }

// What we accept in a chain: SHA-2 signatures (SHA-1 too with ChainPolicy::allow_sha1),
// RSA >= 2048 bits, NIST P-256/384/521.
const mbedtls_x509_crt_profile& chain_profile(bool allow_sha1) {
    constexpr uint32_t sha2 = MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
                              MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512);
    constexpr uint32_t keys = MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSA) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY) |
                              MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSASSA_PSS);
    constexpr uint32_t curves = MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1) |
                                MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP384R1) |
                                MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP521R1);
    static const mbedtls_x509_crt_profile profile = {sha2, keys, curves, 2048};
    static const mbedtls_x509_crt_profile with_sha1 = {sha2 | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA1), keys, curves, 2048};
    return allow_sha1 ? with_sha1 : profile;
}

int64_t to_unix(const mbedtls_x509_time& t) {
    return days_from_civil(t.year, static_cast<unsigned>(t.mon), static_cast<unsigned>(t.day)) * 86400 +
           t.hour * 3600 + t.min * 60 + t.sec;
}

struct VerifyContext {
    int64_t now;
};

// mbedTLS judges validity by the system clock; we replace that verdict with the injected clock's
// for every certificate of the chain (RFC 5280 §6.1.3 (a)(2)).
int verify_callback(void* ctx, mbedtls_x509_crt* crt, int /*depth*/, uint32_t* flags) {
    const auto* vc = static_cast<const VerifyContext*>(ctx);
    *flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    if (vc->now > to_unix(crt->valid_to)) *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
    if (vc->now < to_unix(crt->valid_from)) *flags |= MBEDTLS_X509_BADCERT_FUTURE;
    return 0;
}

Alert alert_for_flags(uint32_t flags) {
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        return make_alert(AlertDescription::unknown_ca, "certificate chain does not lead to a trusted CA");
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
        return make_alert(AlertDescription::certificate_expired, "certificate has expired");
    if (flags & MBEDTLS_X509_BADCERT_FUTURE)
        return make_alert(AlertDescription::certificate_expired, "certificate is not yet valid");
    if (flags & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY))
        return bad_certificate("certificate uses a disallowed algorithm or a key that is too small");
    if (flags & MBEDTLS_X509_BADCERT_KEY_USAGE)
        return make_alert(AlertDescription::unsupported_certificate, "CA certificate may not sign certificates");
    char text[512];
    if (mbedtls_x509_crt_verify_info(text, sizeof text, "", flags) > 0) {
        std::string why(text);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        return bad_certificate(why);
    }
    return bad_certificate("certificate chain rejected");
}

struct SubjectAltNames {
    bool present = false;
    std::vector<std::string> dns_names;
    std::vector<Bytes> ip_addresses;  // 4 or 16 bytes
    std::vector<GeneralName> all;     // every entry, for name constraints
};

// RFC 5280 §4.2.1.6. mbedTLS 2.28 lists only dNSName entries, so we read the extension ourselves.
Result<SubjectAltNames> read_subject_alt_names(const mbedtls_x509_crt& crt) {
    SubjectAltNames out;
    static constexpr uint8_t san_oid[] = {0x55, 0x1d, 0x11};  // 2.5.29.17
    const auto value = find_extension(crt, ByteView(san_oid, sizeof san_oid));
    if (!value) return out;
    out.present = true;
    out.all = TRY(read_general_names(*value));
    for (const GeneralName& name : out.all) {
        if (name.kind == GeneralNameKind::dns_name) out.dns_names.emplace_back(name.value.begin(), name.value.end());
        if (name.kind == GeneralNameKind::ip_address) out.ip_addresses.push_back(name.value);
    }
    return out;
}

std::string ip_to_text(const Bytes& ip) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (ip.size() == 4) inet_ntop(AF_INET, ip.data(), buf, sizeof buf);
    else if (ip.size() == 16) inet_ntop(AF_INET6, ip.data(), buf, sizeof buf);
    else return "(invalid address of " + std::to_string(ip.size()) + " bytes)";
    return buf;
}

std::optional<Bytes> parse_ip_literal(const std::string& text) {
    Bytes v4(4), v6(16);
    if (inet_pton(AF_INET, text.c_str(), v4.data()) == 1) return v4;
    std::string t = text;
    if (t.size() > 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
    if (inet_pton(AF_INET6, t.c_str(), v6.data()) == 1) return v6;
    return std::nullopt;
}

std::string common_name(const mbedtls_x509_crt& crt) {
    for (const mbedtls_x509_name* n = &crt.subject; n != nullptr; n = n->next)
        if (n->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
            return std::string(reinterpret_cast<const char*>(n->val.p), n->val.len);
    return {};
}

std::string subject_of(const mbedtls_x509_crt& crt) {
    char subject[1024];
    if (mbedtls_x509_dn_gets(subject, sizeof subject, &crt.subject) >= 0) return subject;
    return "(unprintable subject)";
}

Result<PeerIdentity> identity_of(const mbedtls_x509_crt& crt, const SubjectAltNames& sans) {
    PeerIdentity id;
    id.subject = subject_of(crt);
    id.dns_names = sans.dns_names;
    for (const auto& ip : sans.ip_addresses) id.ip_addresses.push_back(ip_to_text(ip));
    id.sha256_fingerprint = hash(HashAlgorithm::sha256, ByteView(crt.raw.p, crt.raw.len));
    return id;
}

Status check_name(const mbedtls_x509_crt& leaf, const SubjectAltNames& sans, const std::string& expected) {
    if (auto ip = parse_ip_literal(expected)) {
        for (const auto& candidate : sans.ip_addresses)
            if (candidate == *ip) return ok();
        return bad_certificate("certificate is not issued for IP address " + expected);
    }
    for (const auto& pattern : sans.dns_names)
        if (dns_name_matches(pattern, expected)) return ok();
    // RFC 6125 §6.4.4: the subject CN is consulted only when there is no subjectAltName.
    if (!sans.present && dns_name_matches(common_name(leaf), expected)) return ok();
    return bad_certificate("certificate is not issued for host name " + expected);
}

// Why a trust store block cannot serve as a trust anchor, if it cannot: it does not parse, or its
// key is one chain_profile() refuses (users' bundles hold old DSA and RSA-1024 roots). A small
// RSA key is skipped in a CA only: an end-entity certificate in the store is pinned as itself,
// and verification then refuses its key with bad_certificate, saying why (`tpmtls replay` shows
// this with RFC 8448's self-signed RSA-1024 certificate).
std::optional<std::string> anchor_problem(ByteView der) {
    CrtList one;
    if (auto parsed = parse_certificate(one.crt, der, false); !parsed) {
        const auto raw = read_raw_certificate_fields(der);
        if (!raw) return parsed.error().reason;
        const std::string key = describe_public_key(raw->subject_public_key_info);
        if (key.rfind("RSA-", 0) == 0 || key.rfind("EC P-", 0) == 0) return parsed.error().reason;
        return key + " key, not supported";
    }
    const mbedtls_pk_context& pk = one.crt.pk;
    const mbedtls_x509_crt_profile& profile = chain_profile(false);
    if (mbedtls_pk_get_type(&pk) == MBEDTLS_PK_RSA && mbedtls_pk_get_bitlen(&pk) < profile.rsa_min_bitlen &&
        one.crt.ca_istrue != 0)
        return "RSA-" + std::to_string(mbedtls_pk_get_bitlen(&pk)) + " key, at least " +
               std::to_string(profile.rsa_min_bitlen) + " bits required";
    if (mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY &&
        (profile.allowed_curves & MBEDTLS_X509_ID_FLAG(mbedtls_pk_ec(pk)->grp.id)) == 0)
        return describe_public_key(ByteView(one.crt.pk_raw.p, one.crt.pk_raw.len)) + " key, not supported";
    return std::nullopt;
}

// "certificate 3 (CN=Old root)", or without the subject when even that does not read.
std::string block_label(size_t number, ByteView der) {
    std::string label = "certificate " + std::to_string(number);
    if (auto raw = read_raw_certificate_fields(der))
        if (auto subject = DistinguishedName::parse(raw->subject); subject && !subject->empty())
            label += " (" + subject->to_string() + ")";
    return label;
}

// RFC 5280 §4.2.1.10: the names a CA's constraints apply to. Every subjectAltName entry, the
// subject DN and its legacy emailAddress attributes; for the leaf without a dNSName, a subject CN
// that looks like a host name (OpenSSL checks it so; host name checks may fall back to it).
Result<std::vector<GeneralName>> constrained_names(const mbedtls_x509_crt& crt, bool leaf) {
    const SubjectAltNames sans = TRY(read_subject_alt_names(crt));
    std::vector<GeneralName> names = sans.all;
    const ByteView subject_der(crt.subject_raw.p, crt.subject_raw.len);
    const DistinguishedName subject = TRY(DistinguishedName::parse(subject_der));
    if (subject.empty()) return names;
    names.push_back({GeneralNameKind::directory_name, to_bytes(subject_der)});
    static constexpr uint8_t email_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01};
    for (Bytes& email : subject.values_of(ByteView(email_oid, sizeof email_oid)))
        names.push_back({GeneralNameKind::rfc822_name, std::move(email)});
    if (leaf && sans.dns_names.empty()) {
        static constexpr uint8_t cn_oid[] = {0x55, 0x04, 0x03};
        for (Bytes& cn : subject.values_of(ByteView(cn_oid, sizeof cn_oid))) {
            const bool host_like = std::find(cn.begin(), cn.end(), '.') != cn.end() &&
                                   std::all_of(cn.begin(), cn.end(), [](uint8_t c) {
                                       return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*';
                                   });
            if (host_like) names.push_back({GeneralNameKind::dns_name, std::move(cn)});
        }
    }
    return names;
}

// RFC 5280 §6.1.3 (b), (c) and §6.1.4 (g): each CA's constraints (the trust anchor's too, as OpenSSL
// applies them) bind every certificate below it, except self-issued intermediates.
Status check_path_name_constraints(const std::vector<const mbedtls_x509_crt*>& path) {
    static constexpr uint8_t nc_oid[] = {0x55, 0x1d, 0x1e};  // 2.5.29.30
    for (size_t ca = 1; ca < path.size(); ++ca) {
        const auto value = find_extension(*path[ca], ByteView(nc_oid, sizeof nc_oid));
        if (!value) continue;
        auto constraints = parse_name_constraints(*value);
        if (!constraints) return bad_certificate("malformed nameConstraints in " + subject_of(*path[ca]));
        for (size_t below = 0; below < ca; ++below) {
            const mbedtls_x509_crt& crt = *path[below];
            const bool self_issued = crt.issuer_raw.len == crt.subject_raw.len &&
                                     std::equal(crt.issuer_raw.p, crt.issuer_raw.p + crt.issuer_raw.len,
                                                crt.subject_raw.p);
            if (below > 0 && self_issued) continue;
            auto names = constrained_names(crt, below == 0);
            if (!names) return bad_certificate("malformed names in " + subject_of(crt) + ": " + names.error().reason);
            TRY(check_name_constraints(*constraints, *names, subject_of(*path[ca])));
        }
    }
    return ok();
}

// RFC 8446 §4.2.3 / §4.4.2.4: every signature in the path by a scheme we offered; not the trust
// anchor's self-signature.
Status check_path_signatures(const CertificatePath& path, const ChainPolicy& policy) {
    const std::vector<SignatureScheme>& offered =
        policy.signature_schemes.empty() ? certificate_signature_schemes() : policy.signature_schemes;
    for (size_t i = 0; i < path.certificates.size(); ++i) {
        const mbedtls_x509_crt& crt = *path.certificates[i];
        const mbedtls_x509_crt* issuer = i + 1 < path.certificates.size() ? path.certificates[i + 1] : path.anchor;
        if (issuer == nullptr) break;  // no issuer found: unknown_ca follows
        // A self-signed end-entity certificate in the trust store is its own anchor.
        if (issuer->raw.len == crt.raw.len && std::equal(crt.raw.p, crt.raw.p + crt.raw.len, issuer->raw.p)) break;
        const SignatureScheme scheme = TRY(certificate_signature_scheme(crt, *issuer));
        if (scheme == SignatureScheme::rsa_pkcs1_sha1 || scheme == SignatureScheme::ecdsa_sha1) {
            if (!policy.allow_sha1)
                return bad_certificate("certificate " + subject_of(crt) + " is signed with SHA-1 (" +
                                       to_string(scheme) + "), which is not accepted");
            continue;  // allow_sha1 is the caller's explicit consent, whatever was offered
        }
        if (std::find(offered.begin(), offered.end(), scheme) == offered.end())
            return bad_certificate("certificate " + subject_of(crt) + " is signed with " + to_string(scheme) +
                                   ", which was not offered in signature_algorithms_cert");
    }
    return ok();
}

}  // namespace

struct TrustStore::Impl {
    CrtList list;
    size_t count = 0;
    size_t blocks = 0;  // blocks offered so far, for numbering skipped ones
    std::vector<std::string> skipped;
};

TrustStore::TrustStore() : impl_(std::make_unique<Impl>()) {}
TrustStore::~TrustStore() = default;
TrustStore::TrustStore(TrustStore&&) noexcept = default;
TrustStore& TrustStore::operator=(TrustStore&&) noexcept = default;

Status TrustStore::add(ByteView pem_or_der) {
    if (pem_or_der.empty()) return bad_certificate("empty certificate data");
    const auto blocks = certificate_blocks(pem_or_der);
    const size_t usable_before = impl_->count;
    std::string reasons;
    for (const Result<Bytes>& block : blocks) {
        const size_t number = ++impl_->blocks;
        std::optional<std::string> problem;
        std::string label = "certificate " + std::to_string(number);
        if (!block) {
            problem = block.error().reason;
        } else {
            label = block_label(number, view(*block));
            problem = anchor_problem(view(*block));
            if (!problem) {
                if (auto added = parse_certificate(impl_->list.crt, view(*block), true); added) ++impl_->count;
                else problem = added.error().reason;
            }
        }
        if (!problem) continue;
        impl_->skipped.push_back(label + ": " + *problem);
        reasons += (reasons.empty() ? "" : "; ") + impl_->skipped.back();
    }
    if (impl_->count == usable_before)
        return bad_certificate("no usable certificate" + (reasons.empty() ? std::string() : ": " + reasons));
    return ok();
}

const std::vector<std::string>& TrustStore::skipped() const { return impl_->skipped; }

size_t TrustStore::size() const { return impl_->count; }

Result<TrustStore> TrustStore::from_pem_or_der(ByteView data) {
    TrustStore store;
    TRY(store.add(data));
    return store;
}

bool dns_name_matches(std::string_view pattern, std::string_view host) {
    auto lower = [](std::string_view s) {
        std::string out(s);
        std::transform(out.begin(), out.end(), out.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (!out.empty() && out.back() == '.') out.pop_back();  // absolute form
        return out;
    };
    const std::string p = lower(pattern), h = lower(host);
    if (p.empty() || h.empty()) return false;
    if (p.rfind("*.", 0) == 0) {
        const std::string suffix = p.substr(1);  // ".example.com"
        if (suffix.find('*') != std::string::npos || suffix.find('.', 1) == std::string::npos) return false;
        const size_t dot = h.find('.');
        return dot != std::string::npos && dot > 0 && h.substr(dot) == suffix;
    }
    return p.find('*') == std::string::npos && p == h;
}

Result<VerifiedChain> verify_certificate_chain(const TrustStore& anchors, const std::vector<ByteView>& chain,
                                               const ChainPolicy& policy) {
    if (chain.empty()) return bad_certificate("no certificate");
    if (anchors.size() == 0) return make_alert(AlertDescription::unknown_ca, "no trust anchors configured");
    // The parsed chain refers to the caller's DER instead of copying it: `chain` outlives
    // `peer`, and a copy of every certificate at the handshake's memory peak buys nothing.
    CrtList peer;
    for (ByteView der : chain) TRY(parse_certificate(peer.crt, der, false));
    std::vector<const mbedtls_x509_crt*> presented;
    for (const mbedtls_x509_crt* c = &peer.crt; c != nullptr && c->raw.len != 0; c = c->next) presented.push_back(c);

    const CertificatePath path =
        TRY(build_certificate_path(anchors.impl().list.crt, presented, policy.max_path_length));
    TRY(check_path_signatures(path, policy));
    // mbedTLS looks for each issuer in the trust store, then among the certificates after it:
    // given the path in order, it checks what it always checks (signatures, basicConstraints and
    // pathLenConstraint, keyCertSign, the profile) on exactly this path.
    CrtList ordered;
    for (const mbedtls_x509_crt* c : path.certificates) TRY(parse_certificate(ordered.crt, ByteView(c->raw.p, c->raw.len), false));

    VerifyContext ctx{policy.now_unix_seconds};
    uint32_t flags = 0;
    const int rc = mbedtls_x509_crt_verify_with_profile(&ordered.crt, &anchors.impl().list.crt, nullptr,
                                                        &chain_profile(policy.allow_sha1), nullptr, &flags,
                                                        verify_callback, &ctx);
    if (rc != 0 || flags != 0) return alert_for_flags(flags != 0 ? flags : MBEDTLS_X509_BADCERT_OTHER);
    std::vector<const mbedtls_x509_crt*> validated = path.certificates;
    if (path.anchor != nullptr) validated.push_back(path.anchor);
    TRY(check_path_name_constraints(validated));

    const mbedtls_x509_crt& leaf = ordered.crt;
    // RFC 5280 §4.2.1.3 / §4.2.1.12: the leaf must be allowed to sign (CertificateVerify) for
    // this purpose. A certificate without these extensions is unrestricted.
    if (mbedtls_x509_crt_check_key_usage(&leaf, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0)
        return make_alert(AlertDescription::unsupported_certificate, "key usage does not allow digitalSignature");
    const bool server = policy.purpose == CertificatePurpose::server_auth;
    const int eku = server ? mbedtls_x509_crt_check_extended_key_usage(&leaf, MBEDTLS_OID_SERVER_AUTH,
                                                                         MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH))
                           : mbedtls_x509_crt_check_extended_key_usage(&leaf, MBEDTLS_OID_CLIENT_AUTH,
                                                                         MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH));
    if (eku != 0)
        return make_alert(AlertDescription::unsupported_certificate,
                          server ? "extended key usage lacks serverAuth" : "extended key usage lacks clientAuth");

    auto sans = read_subject_alt_names(leaf);
    if (!sans) return bad_certificate("malformed subjectAltName");
    if (!policy.expected_name.empty()) TRY(check_name(leaf, *sans, policy.expected_name));

    PeerIdentity identity = TRY(identity_of(leaf, *sans));
    auto key = PublicKey::from_certificate(chain.front());
    if (!key) return bad_certificate("unsupported public key: " + key.error().reason);
    return VerifiedChain(std::move(key).value(), std::move(identity));
}

Result<PeerIdentity> describe_certificate(ByteView der) {
    CrtList one;
    TRY(parse_certificate(one.crt, der, false));
    auto sans = read_subject_alt_names(one.crt);
    if (!sans) return bad_certificate("malformed subjectAltName");
    return identity_of(one.crt, *sans);
}

}  // namespace tpmtls
