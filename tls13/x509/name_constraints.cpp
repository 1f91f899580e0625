#include "tls13/x509/name_constraints.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "tls13/der.h"
#include "tls13/x509/x509_name.h"

namespace tpmtls {

namespace {

Alert bad_certificate(std::string_view why) { return make_alert(AlertDescription::bad_certificate, why); }

std::string text(const Bytes& value) { return std::string(value.begin(), value.end()); }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

bool iends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

Result<GeneralName> read_general_name(Reader& r) {
    der::Element element = TRY(der::read(r));
    const auto kind = static_cast<GeneralNameKind>(element.tag & 0x1f);
    const bool constructed = (element.tag & 0x20) != 0;
    if ((element.tag & 0xc0) != 0x80 || (element.tag & 0x1f) > 8)
        return fail(AlertDescription::decode_error, "GeneralName: not a context-specific tag");
    if (kind == GeneralNameKind::directory_name) {
        if (!constructed) return fail(AlertDescription::decode_error, "directoryName: not constructed");
        // [4] EXPLICIT Name: the body is one Name.
        Reader body = element.body;
        const ByteView whole = body.rest();
        TRY(der::read_expected(body, der::tag_sequence));
        TRY(body.expect_end("bytes after a directoryName"));
        return GeneralName{kind, to_bytes(whole)};
    }
    return GeneralName{kind, to_bytes(element.body.rest())};
}

// RFC 5280 §4.2.1.10 for dNSName, as OpenSSL's nc_dns: zero or more labels may be added on the left.
bool dns_within(std::string_view name, std::string_view base) {
    if (base.empty()) return true;
    if (name.size() > base.size()) {
        const char before = name[name.size() - base.size() - 1];
        if (base.front() != '.' && before != '.') return false;
    } else if (name.size() < base.size()) {
        return false;
    }
    return iends_with(name, base);
}

// rfc822Name: "user@host" is one mailbox, "host" every mailbox on host, ".host" every mailbox on
// a host below it. Local parts compare exactly, host names case-insensitively.
bool email_within(std::string_view name, std::string_view base) {
    const size_t at = name.rfind('@');
    if (at == std::string_view::npos) return false;
    const std::string_view domain = name.substr(at + 1);
    if (const size_t base_at = base.rfind('@'); base_at != std::string_view::npos)
        return name.substr(0, at) == base.substr(0, base_at) && iequals(domain, base.substr(base_at + 1));
    if (!base.empty() && base.front() == '.') return iends_with(domain, base) && domain.size() > base.size();
    return iequals(domain, base);
}

// iPAddress constraints are address then mask: 8 bytes for IPv4, 32 for IPv6.
bool ip_within(const Bytes& address, const Bytes& base) {
    if (base.size() != 2 * address.size()) return false;
    for (size_t i = 0; i < address.size(); ++i)
        if ((address[i] & base[address.size() + i]) != (base[i] & base[address.size() + i])) return false;
    return true;
}

Result<bool> directory_within(const Bytes& name, const Bytes& base) {
    const DistinguishedName subject = TRY(DistinguishedName::parse(view(name)));
    const DistinguishedName subtree = TRY(DistinguishedName::parse(view(base)));
    return subject.starts_with(subtree);
}

Result<bool> within(const GeneralName& name, const GeneralName& base) {
    switch (name.kind) {
        case GeneralNameKind::dns_name: return dns_within(text(name.value), text(base.value));
        case GeneralNameKind::rfc822_name: return email_within(text(name.value), text(base.value));
        case GeneralNameKind::ip_address: return ip_within(name.value, base.value);
        case GeneralNameKind::directory_name: return directory_within(name.value, base.value);
        default:
            return bad_certificate("name constraints on " + to_string(base) + " are of a type not supported");
    }
}

Result<std::vector<GeneralName>> read_subtrees(Reader subtrees) {
    std::vector<GeneralName> out;
    if (subtrees.empty()) return fail(AlertDescription::decode_error, "nameConstraints: empty GeneralSubtrees");
    while (!subtrees.empty()) {
        Reader subtree = TRY(der::read_expected(subtrees, der::tag_sequence));
        out.push_back(TRY(read_general_name(subtree)));
        // minimum [0] DEFAULT 0 (so never encoded in DER) and maximum [1]: not used in this profile.
        if (!subtree.empty()) return fail(AlertDescription::decode_error, "nameConstraints: minimum or maximum present");
    }
    return out;
}

std::string list_of_kind(const std::vector<GeneralName>& names, GeneralNameKind kind) {
    std::string out;
    for (const GeneralName& n : names)
        if (n.kind == kind) out += (out.empty() ? "" : ", ") + to_string(n);
    return out;
}

}  // namespace

Result<std::vector<GeneralName>> read_general_names(ByteView der) {
    Reader outer(der);
    Reader names = TRY(der::read_expected(outer, der::tag_sequence));
    TRY(outer.expect_end("bytes after GeneralNames"));
    std::vector<GeneralName> out;
    while (!names.empty()) out.push_back(TRY(read_general_name(names)));
    return out;
}

std::string to_string(const GeneralName& name) {
    switch (name.kind) {
        case GeneralNameKind::dns_name: return "DNS:" + text(name.value);
        case GeneralNameKind::rfc822_name: return "email:" + text(name.value);
        case GeneralNameKind::uniform_resource_identifier: return "URI:" + text(name.value);
        case GeneralNameKind::directory_name: {
            auto dn = DistinguishedName::parse(view(name.value));
            return "DirName:" + (dn ? dn->to_string() : std::string("(malformed)"));
        }
        case GeneralNameKind::ip_address: {
            const size_t n = name.value.size();
            const bool with_mask = n == 8 || n == 32;
            const size_t address_size = with_mask ? n / 2 : n;
            if (address_size != 4 && address_size != 16) return "IP:(" + std::to_string(n) + " bytes)";
            const int family = address_size == 4 ? AF_INET : AF_INET6;
            char address[INET6_ADDRSTRLEN] = {}, mask[INET6_ADDRSTRLEN] = {};
            inet_ntop(family, name.value.data(), address, sizeof address);
            if (!with_mask) return std::string("IP:") + address;
            inet_ntop(family, name.value.data() + address_size, mask, sizeof mask);
            return std::string("IP:") + address + "/" + mask;
        }
        default: return "othername:<type " + std::to_string(static_cast<int>(name.kind)) + ">";
    }
}

Result<NameConstraints> parse_name_constraints(ByteView extension_value) {
    Reader outer(extension_value);
    Reader body = TRY(der::read_expected(outer, der::tag_sequence));
    TRY(outer.expect_end("bytes after nameConstraints"));
    NameConstraints out;
    constexpr uint8_t permitted_tag = 0xa0, excluded_tag = 0xa1;  // [0] and [1] IMPLICIT SEQUENCE OF
    if (!body.empty() && body.rest()[0] == permitted_tag) {
        Reader subtrees = TRY(der::read_expected(body, permitted_tag));
        out.permitted = TRY(read_subtrees(subtrees));
    }
    if (!body.empty() && body.rest()[0] == excluded_tag) {
        Reader subtrees = TRY(der::read_expected(body, excluded_tag));
        out.excluded = TRY(read_subtrees(subtrees));
    }
    TRY(body.expect_end("nameConstraints: unexpected field"));
    // §4.2.1.10: "Conforming CAs MUST NOT issue certificates where name constraints is an empty sequence."
    if (out.permitted.empty() && out.excluded.empty())
        return fail(AlertDescription::decode_error, "nameConstraints: empty sequence");
    return out;
}

Status check_name_constraints(const NameConstraints& constraints, const std::vector<GeneralName>& names,
                              std::string_view ca_subject) {
    const std::string prefix = "name constraints of " + std::string(ca_subject) + ": ";
    for (const GeneralName& name : names) {
        bool any_permitted = false, permitted = false;
        for (const GeneralName& base : constraints.permitted) {
            if (base.kind != name.kind) continue;
            any_permitted = true;
            if (TRY(within(name, base))) {
                permitted = true;
                break;
            }
        }
        if (any_permitted && !permitted)
            return bad_certificate(prefix + to_string(name) + " is not within permitted " +
                                   list_of_kind(constraints.permitted, name.kind));
        for (const GeneralName& base : constraints.excluded) {
            if (base.kind == name.kind && TRY(within(name, base)))
                return bad_certificate(prefix + to_string(name) + " is within excluded " + to_string(base));
        }
    }
    return ok();
}

}  // namespace tpmtls
