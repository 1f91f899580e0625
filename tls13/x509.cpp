#include "tls13/x509.h"

#include <arpa/inet.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>

#include "tls13/clock.h"
#include "tls13/crypto/hash.h"
#include "tls13/der.h"

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

// What we accept in a chain: SHA-2 signatures, RSA >= 2048 bits, NIST P-256/384/521.
const mbedtls_x509_crt_profile& chain_profile() {
    static const mbedtls_x509_crt_profile profile = {
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
            MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
        MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSA) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY) |
            MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSASSA_PSS),
        MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1) | MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP384R1) |
            MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP521R1),
        2048,
    };
    return profile;
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
};

// RFC 5280 §4.2.1.6. mbedTLS 2.28 lists only dNSName entries, so we read the extension from
// the raw v3 extensions ourselves.
Result<SubjectAltNames> read_subject_alt_names(const mbedtls_x509_crt& crt) {
    SubjectAltNames out;
    if (crt.v3_ext.p == nullptr || crt.v3_ext.len == 0) return out;
    Reader r(ByteView(crt.v3_ext.p, crt.v3_ext.len));
    Reader extensions = r;
    if (!r.empty() && r.rest()[0] == der::context(3) + 0x20) {  // [3] EXPLICIT wrapper included
        Reader outer = TRY(der::read_expected(r, static_cast<uint8_t>(0xa3)));
        extensions = TRY(der::read_expected(outer, der::tag_sequence));
    } else {
        extensions = TRY(der::read_expected(r, der::tag_sequence));
    }
    static constexpr uint8_t san_oid[] = {0x55, 0x1d, 0x11};  // 2.5.29.17
    while (!extensions.empty()) {
        Reader ext = TRY(der::read_expected(extensions, der::tag_sequence));
        Reader oid = TRY(der::read_expected(ext, der::tag_oid));
        der::Element next = TRY(der::read(ext));
        if (next.tag == der::tag_boolean) next = TRY(der::read(ext));
        if (next.tag != der::tag_octet_string) return fail(AlertDescription::decode_error, "extension value");
        const ByteView id = oid.rest();
        if (!std::equal(id.begin(), id.end(), std::begin(san_oid), std::end(san_oid))) continue;
        out.present = true;
        Reader value = next.body;
        Reader names = TRY(der::read_expected(value, der::tag_sequence));
        while (!names.empty()) {
            der::Element name = TRY(der::read(names));
            if (name.tag == der::context(2)) {
                ByteView v = name.body.rest();
                out.dns_names.emplace_back(v.begin(), v.end());
            } else if (name.tag == der::context(7)) {
                out.ip_addresses.push_back(to_bytes(name.body.rest()));
            }
        }
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

Result<PeerIdentity> identity_of(const mbedtls_x509_crt& crt, const SubjectAltNames& sans) {
    PeerIdentity id;
    char subject[1024];
    if (mbedtls_x509_dn_gets(subject, sizeof subject, &crt.subject) >= 0) id.subject = subject;
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

Status parse_into(mbedtls_x509_crt& list, ByteView data) {
    if (data.empty()) return bad_certificate("empty certificate data");
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    if (text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
        std::string pem(text);  // mbedtls_x509_crt_parse wants PEM NUL-terminated
        const int rc = mbedtls_x509_crt_parse(&list, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1);
        if (rc != 0) return bad_certificate("cannot parse PEM certificate(s)");
        return ok();
    }
    if (mbedtls_x509_crt_parse_der(&list, data.data(), data.size()) != 0)
        return bad_certificate("cannot parse DER certificate");
    return ok();
}

}  // namespace

struct TrustStore::Impl {
    CrtList list;
    size_t count = 0;
};

TrustStore::TrustStore() : impl_(std::make_unique<Impl>()) {}
TrustStore::~TrustStore() = default;
TrustStore::TrustStore(TrustStore&&) noexcept = default;
TrustStore& TrustStore::operator=(TrustStore&&) noexcept = default;

Status TrustStore::add(ByteView pem_or_der) {
    TRY(parse_into(impl_->list.crt, pem_or_der));
    size_t n = 0;
    for (const mbedtls_x509_crt* c = &impl_->list.crt; c != nullptr && c->version != 0; c = c->next) ++n;
    impl_->count = n;
    return ok();
}

size_t TrustStore::size() const { return impl_->count; }

Result<TrustStore> TrustStore::from_pem_or_der(ByteView data) {
    TrustStore store;
    TRY(store.add(data));
    return store;
}

Result<TrustStore> TrustStore::from_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(AlertDescription::internal_error, "cannot read trust anchors from " + path);
    const Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto store = from_pem_or_der(view(data));
    if (!store) return fail(AlertDescription::internal_error, path + ": " + store.error().reason);
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
    for (ByteView der : chain) {
        if (mbedtls_x509_crt_parse_der_nocopy(&peer.crt, der.data(), der.size()) != 0)
            return bad_certificate("cannot parse certificate");
    }

    VerifyContext ctx{policy.now_unix_seconds};
    uint32_t flags = 0;
    const int rc = mbedtls_x509_crt_verify_with_profile(&peer.crt, &anchors.impl().list.crt, nullptr,
                                                        &chain_profile(), nullptr, &flags, verify_callback, &ctx);
    if (rc != 0 || flags != 0) return alert_for_flags(flags != 0 ? flags : MBEDTLS_X509_BADCERT_OTHER);

    const mbedtls_x509_crt& leaf = peer.crt;
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
    if (mbedtls_x509_crt_parse_der(&one.crt, der.data(), der.size()) != 0)
        return bad_certificate("cannot parse certificate");
    auto sans = read_subject_alt_names(one.crt);
    if (!sans) return bad_certificate("malformed subjectAltName");
    return identity_of(one.crt, *sans);
}

}  // namespace tpmtls
