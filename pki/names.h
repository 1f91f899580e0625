// The names a device certificate carries: the subject distinguished name (RFC 5280 §4.1.2.6),
// written the way openssl takes it ("/CN=dev1/O=Acme") or as RFC 4514-style text
// ("CN=dev1, O=Acme"), and subjectAltName entries (RFC 5280 §4.2.1.6) as "DNS:host",
// "IP:192.0.2.1" / "IP:2001:db8::1" and "URI:urn:example:dev1".
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/bytes.h"

namespace tpmtls::pki {

struct SubjectAltName {
    enum class Kind : uint8_t { dns, ip, uri };
    Kind kind = Kind::dns;
    std::string value;  // the host name, the address in text form, or the URI

    std::string to_string() const;  // "DNS:dev1.example"
    bool operator==(const SubjectAltName&) const = default;
};

// "DNS:x", "IP:a.b.c.d" or "IP:v6", "URI:scheme:..." (prefix case-insensitive). Anything else,
// an empty value or an address that does not parse is an error naming the accepted forms.
Result<SubjectAltName> parse_subject_alt_name(std::string_view text);

// Either subject form as mbedTLS's name writer takes it: "CN=dev1,O=Acme" (commas inside a value
// escaped as "\,", spaces around components trimmed). Empty subjects and components without
// '=' are errors.
Result<std::string> normalize_subject(std::string_view text);

// The DER Name for a subject in either form (attribute types: CN, O, OU, C, ST, L,
// emailAddress, serialNumber, DC and the other names mbedTLS knows). An unknown type is an error.
Result<Bytes> encode_name(std::string_view subject);

// The subject text (in the form normalize_subject returns: "CN=dev1,O=Acme", commas in values
// escaped) of a DER Name (RFC 5280 §4.1.2.4), so a CA can write the same name again. Values are
// copied as they are (UTF-8 included); multi-valued RDNs, attribute types mbedTLS has no name
// for, control characters and backslashes are refused: such a name could not be copied faithfully.
Result<std::string> subject_from_name(ByteView name_der);

// GeneralNames DER, the value of a subjectAltName extension.
Result<Bytes> encode_subject_alt_names(std::span<const SubjectAltName> names);
// Reads GeneralNames DER back. Name forms other than dNSName, iPAddress and
// uniformResourceIdentifier are an error (a CA must not copy what it cannot check).
Result<std::vector<SubjectAltName>> decode_subject_alt_names(ByteView general_names_der);

}  // namespace tpmtls::pki
