// X.501 distinguished names read from DER (RFC 5280 §4.1.2.4), for the comparisons path
// building and name constraints need: issuer == subject (§6.1.3 (a)(4)) and directoryName
// subtrees (§4.2.1.10, §7.1). Attribute values compare with the string type ignored, ASCII
// case folded and white space runs collapsed, the subset of RFC 4518 that real CAs' names need.
#pragma once

#include <string>
#include <vector>

#include "tls13/bytes.h"

namespace tpmtls {

struct NameAttribute {
    Bytes type;   // the OID's content bytes
    Bytes value;      // the string's content bytes, folded for comparison
    Bytes raw_value;  // as written, for printing
};

class DistinguishedName {
public:
    // `der` is a whole Name (SEQUENCE OF RelativeDistinguishedName); malformed is decode_error.
    static Result<DistinguishedName> parse(ByteView der);

    bool operator==(const DistinguishedName& other) const;
    // RFC 5280 §4.2.1.10: a directoryName is within a subtree when the subtree's RDNs are its
    // first RDNs.
    bool starts_with(const DistinguishedName& prefix) const;
    bool empty() const { return rdns_.empty(); }
    // The values of every attribute of `type` (the OID's content bytes), as written.
    std::vector<Bytes> values_of(ByteView type) const;
    // "CN=Fleet CA, O=Acme", as mbedTLS prints names.
    std::string to_string() const;

private:
    std::vector<std::vector<NameAttribute>> rdns_;
};

}  // namespace tpmtls
