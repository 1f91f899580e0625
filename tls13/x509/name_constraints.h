// General names (RFC 5280 §4.2.1.6) and the nameConstraints extension (§4.2.1.10) as path
// validation applies it (§6.1.3 (b), (c)): a CA's permitted and excluded subtrees for dNSName,
// iPAddress, rfc822Name and directoryName, matched the way OpenSSL matches them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tls13/bytes.h"

namespace tpmtls {

// GeneralName ::= CHOICE, by context tag number (RFC 5280 §4.2.1.6).
enum class GeneralNameKind : uint8_t {
    other_name = 0,
    rfc822_name = 1,
    dns_name = 2,
    x400_address = 3,
    directory_name = 4,
    edi_party_name = 5,
    uniform_resource_identifier = 6,
    ip_address = 7,
    registered_id = 8,
};

struct GeneralName {
    GeneralNameKind kind;
    Bytes value;  // the content bytes; for a directoryName the whole Name (SEQUENCE included)
};

// GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName, given as the whole SEQUENCE.
Result<std::vector<GeneralName>> read_general_names(ByteView der);

// "DNS:example.com", "IP:10.0.0.0/255.0.0.0", "email:a@example.com", "DirName:CN=x, O=y".
std::string to_string(const GeneralName& name);

struct NameConstraints {
    std::vector<GeneralName> permitted;
    std::vector<GeneralName> excluded;
};

// The extnValue contents of nameConstraints. minimum and maximum "MUST NOT" be used (§4.2.1.10):
// a subtree with either is decode_error, as OpenSSL refuses it.
Result<NameConstraints> parse_name_constraints(ByteView extension_value);

// Whether the `names` of a certificate below the CA (its subjectAltName entries, subject DN and,
// for the leaf, a host-name-like subject CN) are within `constraints`. A violation is
// bad_certificate: "name constraints of CN=Fleet CA: DNS:evil.example is not within permitted
// DNS:example.com".
Status check_name_constraints(const NameConstraints& constraints, const std::vector<GeneralName>& names,
                              std::string_view ca_subject);

}  // namespace tpmtls
