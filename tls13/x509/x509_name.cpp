#include "tls13/x509/x509_name.h"

#include <mbedtls/oid.h>

#include <algorithm>
#include <cctype>

#include "tls13/der.h"

namespace tpmtls {

namespace {

// RFC 4518 §2.3 / §2.6 in ASCII: case folded, inner white space runs to one space, leading and
// trailing white space dropped.
Bytes fold(ByteView value) {
    Bytes out;
    bool pending_space = false;
    for (uint8_t c : value) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out.push_back(' ');
        pending_space = false;
        out.push_back(static_cast<uint8_t>(std::tolower(c)));
    }
    return out;
}

bool same_attribute(const NameAttribute& a, const NameAttribute& b) { return a.type == b.type && a.value == b.value; }

// RFC 5280 §7.1: RDNs match when they hold the same set of attributes.
bool same_rdn(const std::vector<NameAttribute>& a, const std::vector<NameAttribute>& b) {
    if (a.size() != b.size()) return false;
    return std::all_of(a.begin(), a.end(), [&](const NameAttribute& x) {
        return std::any_of(b.begin(), b.end(), [&](const NameAttribute& y) { return same_attribute(x, y); });
    });
}

std::string oid_name(const Bytes& type) {
    mbedtls_asn1_buf oid{};
    oid.tag = MBEDTLS_ASN1_OID;
    oid.len = type.size();
    oid.p = const_cast<unsigned char*>(type.data());
    const char* short_name = nullptr;
    if (mbedtls_oid_get_attr_short_name(&oid, &short_name) == 0) return short_name;
    char dotted[128];
    if (mbedtls_oid_get_numeric_string(dotted, sizeof dotted, &oid) > 0) return dotted;
    return "?";
}

}  // namespace

Result<DistinguishedName> DistinguishedName::parse(ByteView der) {
    Reader outer(der);
    Reader name = TRY(der::read_expected(outer, der::tag_sequence));
    TRY(outer.expect_end("bytes after a Name"));
    DistinguishedName out;
    while (!name.empty()) {
        Reader set = TRY(der::read_expected(name, der::tag_set));
        std::vector<NameAttribute> rdn;
        while (!set.empty()) {
            Reader attribute = TRY(der::read_expected(set, der::tag_sequence));
            Reader type = TRY(der::read_expected(attribute, der::tag_oid));
            der::Element value = TRY(der::read(attribute));
            TRY(attribute.expect_end("bytes after an attribute value"));
            const ByteView raw = value.body.rest();
            rdn.push_back({to_bytes(type.rest()), fold(raw), to_bytes(raw)});
        }
        if (rdn.empty()) return fail(AlertDescription::decode_error, "empty RelativeDistinguishedName");
        out.rdns_.push_back(std::move(rdn));
    }
    return out;
}

bool DistinguishedName::operator==(const DistinguishedName& other) const {
    return rdns_.size() == other.rdns_.size() && starts_with(other);
}

bool DistinguishedName::starts_with(const DistinguishedName& prefix) const {
    if (prefix.rdns_.size() > rdns_.size()) return false;
    return std::equal(prefix.rdns_.begin(), prefix.rdns_.end(), rdns_.begin(), same_rdn);
}

std::vector<Bytes> DistinguishedName::values_of(ByteView type) const {
    std::vector<Bytes> out;
    for (const auto& rdn : rdns_)
        for (const NameAttribute& attribute : rdn)
            if (std::equal(attribute.type.begin(), attribute.type.end(), type.begin(), type.end()))
                out.push_back(attribute.raw_value);
    return out;
}

std::string DistinguishedName::to_string() const {
    std::string out;
    for (const auto& rdn : rdns_) {
        for (size_t i = 0; i < rdn.size(); ++i) {
            if (!out.empty()) out += i == 0 ? ", " : " + ";
            out += oid_name(rdn[i].type) + "=";
            for (uint8_t c : rdn[i].raw_value) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
        }
    }
    return out;
}

}  // namespace tpmtls
