#include "tls13/x509/x509_parse.h"

#include <mbedtls/base64.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <string_view>

#include "tls13/der.h"
#include "tls13/x509/name_constraints.h"

namespace tpmtls {

namespace {

Alert bad_certificate(std::string_view why) { return make_alert(AlertDescription::bad_certificate, why); }

// An mbedTLS OID macro's bytes; some hold a NUL, so the literal's size counts, not strlen.
template <size_t N>
constexpr std::string_view oid_bytes(const char (&literal)[N]) {
    return {literal, N - 1};
}

bool oid_is(ByteView oid, std::string_view expected) {
    return std::equal(oid.begin(), oid.end(), expected.begin(), expected.end(),
                      [](uint8_t a, char b) { return a == static_cast<uint8_t>(b); });
}

std::string dotted(ByteView oid) {
    mbedtls_asn1_buf buf{};
    buf.tag = MBEDTLS_ASN1_OID;
    buf.len = oid.size();
    buf.p = const_cast<unsigned char*>(oid.data());
    char text[128];
    if (mbedtls_oid_get_numeric_string(text, sizeof text, &buf) > 0) return text;
    return "(malformed OID)";
}

// RFC 5280 §4.2.1.11: SEQUENCE { requireExplicitPolicy [0] SkipCerts OPTIONAL,
// inhibitPolicyMapping [1] SkipCerts OPTIONAL }, not empty.
Status check_policy_constraints(ByteView value) {
    Reader outer(value);
    Reader body = TRY(der::read_expected(outer, der::tag_sequence));
    TRY(outer.expect_end());
    if (body.empty()) return fail(AlertDescription::decode_error, "policyConstraints: empty sequence");
    if (!body.empty() && body.rest()[0] == der::context(0)) TRY(der::read_expected(body, der::context(0)));
    if (!body.empty() && body.rest()[0] == der::context(1)) TRY(der::read_expected(body, der::context(1)));
    return body.expect_end("policyConstraints: unexpected field");
}

// RFC 5280 §4.2.1.14: InhibitAnyPolicy ::= SkipCerts ::= INTEGER (0..MAX).
Status check_inhibit_any_policy(ByteView value) {
    Reader r(value);
    Reader integer = TRY(der::read_expected(r, der::tag_integer));
    TRY(r.expect_end());
    if (integer.empty() || (integer.rest()[0] & 0x80) != 0)
        return fail(AlertDescription::decode_error, "inhibitAnyPolicy: not a non-negative INTEGER");
    return ok();
}

// RFC 5280 §4.2.1.4: SEQUENCE SIZE (1..MAX) OF PolicyInformation { policyIdentifier OID,
// policyQualifiers SEQUENCE OF PolicyQualifierInfo OPTIONAL }. mbedTLS has read it already; it
// hands it to us only because it holds a policy other than anyPolicy.
Status check_certificate_policies(ByteView value) {
    Reader outer(value);
    Reader policies = TRY(der::read_expected(outer, der::tag_sequence));
    TRY(outer.expect_end());
    if (policies.empty()) return fail(AlertDescription::decode_error, "certificatePolicies: empty sequence");
    while (!policies.empty()) {
        Reader information = TRY(der::read_expected(policies, der::tag_sequence));
        TRY(der::read_expected(information, der::tag_oid));
        if (!information.empty()) TRY(der::read_expected(information, der::tag_sequence));
        TRY(information.expect_end("PolicyInformation: unexpected field"));
    }
    return ok();
}

struct ExtensionCheck {
    std::string refused;  // why the callback failed, for the error
    unsigned seen = 0;    // which of ours appeared, against duplicates (§4.2)
};

// Called by mbedTLS for each extension it does not implement (critical or not) and for
// certificatePolicies holding a policy it does not know. Non-zero fails a critical extension.
int extension_callback(void* context, const mbedtls_x509_crt* /*crt*/, const mbedtls_x509_buf* oid, int critical,
                       const unsigned char* p, const unsigned char* end) {
    auto& check = *static_cast<ExtensionCheck*>(context);
    const ByteView id(oid->p, oid->len);
    const ByteView value(p, static_cast<size_t>(end - p));
    struct Known {
        std::string_view oid;
        const char* name;
        Status (*validate)(ByteView);
    };
    static const Known known[] = {
        {oid_bytes(MBEDTLS_OID_NAME_CONSTRAINTS), "nameConstraints",
         [](ByteView v) -> Status {
             auto constraints = parse_name_constraints(v);
             if (!constraints) return constraints.error();
             return ok();
         }},
        {oid_bytes(MBEDTLS_OID_CERTIFICATE_POLICIES), "certificatePolicies", check_certificate_policies},
        {oid_bytes(MBEDTLS_OID_POLICY_CONSTRAINTS), "policyConstraints", check_policy_constraints},
        {oid_bytes(MBEDTLS_OID_ID_CE "\x36"), "inhibitAnyPolicy", check_inhibit_any_policy},  // id-ce 54
    };
    for (size_t i = 0; i < std::size(known); ++i) {
        if (!oid_is(id, known[i].oid)) continue;
        if ((check.seen & (1u << i)) != 0) {
            check.refused = std::string(known[i].name) + " appears twice";
            return MBEDTLS_ERR_X509_INVALID_EXTENSIONS;
        }
        check.seen |= 1u << i;
        if (auto valid = known[i].validate(value); !valid) {
            check.refused = std::string("malformed ") + known[i].name + ": " + valid.error().reason;
            return MBEDTLS_ERR_X509_INVALID_EXTENSIONS;
        }
        return 0;
    }
    if (!critical) return 0;  // §4.2: a non-critical extension we do not know is ignored
    check.refused = "critical extension " + dotted(id) + " is not supported";
    return MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE;
}

std::string mbedtls_error_text(int rc) {
    char text[200];
    mbedtls_strerror(rc, text, sizeof text);
    return text;
}

}  // namespace

Status parse_certificate(mbedtls_x509_crt& list, ByteView der, bool copy) {
    if (der.empty()) return bad_certificate("empty certificate");
    ExtensionCheck check;
    const int rc =
        mbedtls_x509_crt_parse_der_with_ext_cb(&list, der.data(), der.size(), copy ? 1 : 0, extension_callback, &check);
    if (rc == 0) return ok();
    if (!check.refused.empty()) return bad_certificate(check.refused);
    return bad_certificate("certificate does not parse: " + mbedtls_error_text(rc));
}

std::vector<Result<Bytes>> certificate_blocks(ByteView pem_or_der) {
    const std::string_view text(reinterpret_cast<const char*>(pem_or_der.data()), pem_or_der.size());
    constexpr std::string_view begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----";
    std::vector<Result<Bytes>> out;
    if (text.find("-----BEGIN") == std::string_view::npos) {
        out.emplace_back(to_bytes(pem_or_der));
        return out;
    }
    for (size_t at = text.find(begin); at != std::string_view::npos; at = text.find(begin, at)) {
        const size_t body = at + begin.size();
        const size_t stop = text.find(end, body);
        if (stop == std::string_view::npos) {
            out.emplace_back(bad_certificate("PEM block without an END line"));
            break;
        }
        std::string base64;
        for (char c : text.substr(body, stop - body))
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') base64 += c;
        size_t length = 0;
        mbedtls_base64_decode(nullptr, 0, &length, reinterpret_cast<const unsigned char*>(base64.data()),
                              base64.size());
        Bytes der(length);
        if (length == 0 || mbedtls_base64_decode(der.data(), der.size(), &length,
                                                 reinterpret_cast<const unsigned char*>(base64.data()),
                                                 base64.size()) != 0) {
            out.emplace_back(bad_certificate("PEM block is not valid base64"));
        } else {
            der.resize(length);
            out.emplace_back(std::move(der));
        }
        at = stop + end.size();
    }
    return out;
}

std::optional<ByteView> find_extension(const mbedtls_x509_crt& crt, ByteView oid) {
    if (crt.v3_ext.p == nullptr || crt.v3_ext.len == 0) return std::nullopt;
    // mbedTLS has checked this structure; what does not read here is absent.
    Reader r(ByteView(crt.v3_ext.p, crt.v3_ext.len));
    Reader extensions;
    if (!r.empty() && r.rest()[0] == 0xa3) {  // the [3] EXPLICIT wrapper included
        auto outer = der::read_expected(r, 0xa3);
        if (!outer) return std::nullopt;
        auto inner = der::read_expected(*outer, der::tag_sequence);
        if (!inner) return std::nullopt;
        extensions = *inner;
    } else {
        auto inner = der::read_expected(r, der::tag_sequence);
        if (!inner) return std::nullopt;
        extensions = *inner;
    }
    while (!extensions.empty()) {
        auto extension = der::read_expected(extensions, der::tag_sequence);
        if (!extension) return std::nullopt;
        auto id = der::read_expected(*extension, der::tag_oid);
        auto next = id ? der::read(*extension) : Result<der::Element>(id.error());
        if (next && next->tag == der::tag_boolean) next = der::read(*extension);
        if (!next || next->tag != der::tag_octet_string) return std::nullopt;
        const ByteView found = id->rest();
        if (std::equal(found.begin(), found.end(), oid.begin(), oid.end())) return next->body.rest();
    }
    return std::nullopt;
}

Result<RawCertificateFields> read_raw_certificate_fields(ByteView der) {
    Reader outer(der);
    Reader certificate = TRY(der::read_expected(outer, der::tag_sequence));
    Reader tbs = TRY(der::read_expected(certificate, der::tag_sequence));
    if (!tbs.empty() && tbs.rest()[0] == 0xa0) TRY(der::read_expected(tbs, 0xa0));  // version [0]
    TRY(der::read_expected(tbs, der::tag_integer));                                  // serialNumber
    TRY(der::read_expected(tbs, der::tag_sequence));                                 // signature
    TRY(der::read_expected(tbs, der::tag_sequence));                                 // issuer
    TRY(der::read_expected(tbs, der::tag_sequence));                                 // validity
    RawCertificateFields out;
    const size_t subject_at = tbs.position();
    TRY(der::read_expected(tbs, der::tag_sequence));
    out.subject = tbs.consumed().subspan(subject_at);
    const size_t key_at = tbs.position();
    TRY(der::read_expected(tbs, der::tag_sequence));
    out.subject_public_key_info = tbs.consumed().subspan(key_at);
    return out;
}

std::string describe_public_key(ByteView subject_public_key_info) {
    Reader outer(subject_public_key_info);
    auto spki = der::read_expected(outer, der::tag_sequence);
    auto algorithm = spki ? der::read_expected(*spki, der::tag_sequence) : Result<Reader>(spki.error());
    auto oid = algorithm ? der::read_expected(*algorithm, der::tag_oid) : Result<Reader>(algorithm.error());
    if (!oid) return "unreadable SubjectPublicKeyInfo";
    const ByteView id = oid->rest();
    if (oid_is(id, oid_bytes(MBEDTLS_OID_PKCS1_RSA))) {
        // subjectPublicKey BIT STRING holds RSAPublicKey ::= SEQUENCE { modulus, publicExponent }.
        auto bits = der::read(*spki);
        if (!bits || bits->tag != 0x03 || bits->body.empty()) return "RSA";
        (void)bits->body.u8();  // unused-bits count
        auto key = der::read_expected(bits->body, der::tag_sequence);
        auto modulus = key ? der::read_expected(*key, der::tag_integer) : Result<Reader>(key.error());
        if (!modulus) return "RSA";
        ByteView n = modulus->rest();
        while (!n.empty() && n[0] == 0) n = n.subspan(1);
        size_t size = n.size() * 8;
        for (uint8_t top = n.empty() ? 0 : n[0]; size > 0 && (top & 0x80) == 0; top = static_cast<uint8_t>(top << 1))
            --size;
        return "RSA-" + std::to_string(size);
    }
    if (oid_is(id, oid_bytes(MBEDTLS_OID_RSASSA_PSS))) return "RSASSA-PSS";
    if (oid_is(id, oid_bytes(MBEDTLS_OID_EC_ALG_UNRESTRICTED))) {
        auto curve = der::read_expected(*algorithm, der::tag_oid);
        if (!curve) return "EC";
        const ByteView c = curve->rest();
        if (oid_is(c, oid_bytes(MBEDTLS_OID_EC_GRP_SECP256R1))) return "EC P-256";
        if (oid_is(c, oid_bytes(MBEDTLS_OID_EC_GRP_SECP384R1))) return "EC P-384";
        if (oid_is(c, oid_bytes(MBEDTLS_OID_EC_GRP_SECP521R1))) return "EC P-521";
        if (oid_is(c, oid_bytes(MBEDTLS_OID_EC_GRP_SECP256K1))) return "EC secp256k1";
        return "EC (curve " + dotted(c) + ")";
    }
    if (oid_is(id, oid_bytes("\x2a\x86\x48\xce\x38\x04\x01"))) return "DSA";  // 1.2.840.10040.4.1
    if (oid_is(id, oid_bytes("\x2b\x65\x70"))) return "Ed25519";              // RFC 8410
    if (oid_is(id, oid_bytes("\x2b\x65\x71"))) return "Ed448";
    if (oid_is(id, oid_bytes("\x2b\x65\x6e"))) return "X25519";
    if (oid_is(id, oid_bytes("\x2b\x65\x6f"))) return "X448";
    return "algorithm " + dotted(id);
}

}  // namespace tpmtls
