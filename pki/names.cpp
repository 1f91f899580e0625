#include "pki/names.h"

#include <arpa/inet.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509.h>

#include <algorithm>
#include <cctype>

#include "tls13/der.h"
#include "pki/asn1_back_writer.hpp"

namespace tpmtls::pki {

namespace {

// RFC 5280 §4.2.1.6 GeneralName CHOICE tags (IMPLICIT, primitive).
constexpr uint8_t tag_dns_name = der::context(2);
constexpr uint8_t tag_uri = der::context(6);
constexpr uint8_t tag_ip_address = der::context(7);

Alert bad_name(std::string_view why) { return make_alert(AlertDescription::illegal_parameter, why); }

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    return std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ' && !(s.size() >= 2 && s[s.size() - 2] == '\\')) s.remove_suffix(1);
    return s;
}

// Splits on `separator` where it is not escaped by a backslash; escapes are kept.
std::vector<std::string> split_unescaped(std::string_view text, char separator) {
    std::vector<std::string> parts(1);
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            parts.back() += text[i];
            parts.back() += text[++i];
        } else if (text[i] == separator) {
            parts.emplace_back();
        } else {
            parts.back() += text[i];
        }
    }
    return parts;
}

bool printable_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

using NamedData = mbedtls_asn1_named_data*;

// Owns the list mbedtls_x509_string_to_names builds.
struct NameList {
    NamedData head = nullptr;
    NameList() = default;
    ~NameList() { mbedtls_asn1_free_named_data_list(&head); }
    NameList(const NameList&) = delete;
    NameList& operator=(const NameList&) = delete;
};

}  // namespace

std::string SubjectAltName::to_string() const {
    switch (kind) {
        case Kind::dns: return "DNS:" + value;
        case Kind::ip: return "IP:" + value;
        case Kind::uri: return "URI:" + value;
    }
    return value;
}

Result<SubjectAltName> parse_subject_alt_name(std::string_view text) {
    constexpr std::string_view forms = " (expected DNS:name, IP:address or URI:uri)";
    SubjectAltName name;
    std::string_view value;
    if (iequals_prefix(text, "DNS:")) {
        name.kind = SubjectAltName::Kind::dns;
        value = text.substr(4);
        if (!printable_ascii(value)) return bad_name("bad DNS name '" + std::string(value) + "'");
    } else if (iequals_prefix(text, "IP:")) {
        name.kind = SubjectAltName::Kind::ip;
        value = text.substr(3);
        uint8_t address[16];
        const std::string v(value);
        if (inet_pton(AF_INET, v.c_str(), address) != 1 && inet_pton(AF_INET6, v.c_str(), address) != 1)
            return bad_name("bad IP address '" + v + "'" + std::string(forms));
    } else if (iequals_prefix(text, "URI:")) {
        name.kind = SubjectAltName::Kind::uri;
        value = text.substr(4);
        if (!printable_ascii(value) || value.find(':') == std::string_view::npos)
            return bad_name("bad URI '" + std::string(value) + "'");
    } else {
        return bad_name("unsupported subjectAltName '" + std::string(text) + "'" + std::string(forms));
    }
    if (value.empty()) return bad_name("empty subjectAltName '" + std::string(text) + "'");
    name.value = std::string(value);
    return name;
}

Result<std::string> normalize_subject(std::string_view text) {
    text = trim(text);
    if (text.empty()) return bad_name("empty subject");
    std::vector<std::string> components;
    if (text.front() == '/') {
        // openssl's form: "/type0=value0/type1=value1"; '/' inside a value is escaped "\/".
        for (auto& part : split_unescaped(text.substr(1), '/')) {
            std::string component;
            for (size_t i = 0; i < part.size(); ++i) {
                if (part[i] == '\\' && i + 1 < part.size() && part[i + 1] == '/') continue;  // "\/" -> "/"
                if (part[i] == ',' && (i == 0 || part[i - 1] != '\\')) component += '\\';
                component += part[i];
            }
            components.push_back(std::move(component));
        }
    } else {
        for (auto& part : split_unescaped(text, ',')) components.emplace_back(trim(part));
    }
    std::string out;
    for (const auto& component : components) {
        const size_t eq = component.find('=');
        if (component.empty() || eq == std::string::npos || eq == 0 || eq + 1 == component.size())
            return bad_name("bad subject component '" + component + "' in '" + std::string(text) +
                            "' (expected /CN=name/O=org or CN=name,O=org)");
        if (!out.empty()) out += ',';
        out += component;
    }
    return out;
}

Result<Bytes> encode_name(std::string_view subject) {
    const std::string normalized = TRY(normalize_subject(subject));
    NameList names;
    if (mbedtls_x509_string_to_names(&names.head, normalized.c_str()) != 0)
        return bad_name("unsupported attribute or value in subject '" + std::string(subject) +
                        "' (known types: CN, O, OU, C, ST, L, emailAddress, serialNumber, DC, ...)");
    detail::AsnBackWriter w(normalized.size() * 2 + 256);
    w.check(mbedtls_x509_write_names(w.cursor(), w.start(), names.head));
    return w.finish("subject name");
}

Result<std::string> subject_from_name(ByteView name_der) {
    auto refused = [](std::string_view why) { return make_alert(AlertDescription::unsupported_certificate, why); };
    Reader outer(name_der);
    Reader rdns = TRY(der::read_expected(outer, der::tag_sequence));
    TRY(outer.expect_end("trailing bytes after a Name"));
    std::string out;
    while (!rdns.empty()) {
        // RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
        Reader rdn = TRY(der::read_expected(rdns, detail::constructed_set));
        Reader attribute = TRY(der::read_expected(rdn, der::tag_sequence));
        if (!rdn.empty()) return refused("multi-valued RDNs in a subject are not supported");
        const ByteView type = TRY(der::read_expected(attribute, der::tag_oid)).take_rest();
        const ByteView value = TRY(der::read(attribute)).body.take_rest();
        TRY(attribute.expect_end("trailing bytes in an AttributeTypeAndValue"));
        mbedtls_asn1_buf oid{MBEDTLS_ASN1_OID, type.size(), const_cast<unsigned char*>(type.data())};
        const char* short_name = nullptr;
        if (mbedtls_oid_get_attr_short_name(&oid, &short_name) != 0)
            return refused("subject attribute " + to_hex(type) + " (OID content, hex) is not supported");
        if (!out.empty()) out += ',';
        out += short_name;
        out += '=';
        for (uint8_t c : value) {
            if (c < 0x20 || c == 0x7f || c == '\\')
                return refused(std::string("subject attribute ") + short_name + " holds a character that cannot be copied");
            if (c == ',') out += '\\';
            out += static_cast<char>(c);
        }
    }
    if (out.empty()) return refused("empty subject");
    return out;
}

Result<Bytes> encode_subject_alt_names(std::span<const SubjectAltName> names) {
    Bytes body;
    Writer w(body);
    for (const auto& name : names) {
        switch (name.kind) {
            case SubjectAltName::Kind::dns: der::write(w, tag_dns_name, view(name.value)); break;
            case SubjectAltName::Kind::uri: der::write(w, tag_uri, view(name.value)); break;
            case SubjectAltName::Kind::ip: {
                uint8_t address[16];
                if (inet_pton(AF_INET, name.value.c_str(), address) == 1)
                    der::write(w, tag_ip_address, ByteView(address, 4));
                else if (inet_pton(AF_INET6, name.value.c_str(), address) == 1)
                    der::write(w, tag_ip_address, ByteView(address, 16));
                else
                    return bad_name("bad IP address '" + name.value + "'");
                break;
            }
        }
    }
    Bytes out;
    Writer seq(out);
    der::write(seq, der::tag_sequence, view(body));
    TRY(seq.status());
    return out;
}

Result<std::vector<SubjectAltName>> decode_subject_alt_names(ByteView general_names_der) {
    Reader outer(general_names_der);
    Reader names = TRY(der::read_expected(outer, der::tag_sequence));
    TRY(outer.expect_end("trailing bytes after GeneralNames"));
    std::vector<SubjectAltName> out;
    while (!names.empty()) {
        der::Element element = TRY(der::read(names));
        const ByteView value = element.body.take_rest();
        SubjectAltName name;
        if (element.tag == tag_dns_name || element.tag == tag_uri) {
            name.kind = element.tag == tag_dns_name ? SubjectAltName::Kind::dns : SubjectAltName::Kind::uri;
            name.value.assign(value.begin(), value.end());
            if (!printable_ascii(name.value) || name.value.empty())
                return fail(AlertDescription::decode_error, "subjectAltName with a non-printable or empty name");
        } else if (element.tag == tag_ip_address && (value.size() == 4 || value.size() == 16)) {
            name.kind = SubjectAltName::Kind::ip;
            char text[INET6_ADDRSTRLEN];
            inet_ntop(value.size() == 4 ? AF_INET : AF_INET6, value.data(), text, sizeof text);
            name.value = text;
        } else {
            return fail(AlertDescription::unsupported_extension,
                        "subjectAltName of a kind this CA does not issue (tag 0x" + to_hex(ByteView(&element.tag, 1)) +
                            "; only DNS, IP and URI)");
        }
        out.push_back(std::move(name));
    }
    return out;
}

}  // namespace tpmtls::pki
