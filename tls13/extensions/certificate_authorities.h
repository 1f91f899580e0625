// The extensions that tell a peer which certificate to choose: certificate_authorities
// (RFC 8446 §4.2.4, ClientHello and CertificateRequest) and oid_filters (§4.2.5,
// CertificateRequest only). Names and OIDs stay DER bytes; matching them is X.509's job.
#pragma once

#include <span>
#include <vector>

#include "tls13/extensions/extensions.h"

namespace tpmtls {

// `DistinguishedName authorities<3..2^16-1>`, `opaque DistinguishedName<1..2^16-1>`.
Result<std::vector<Bytes>> decode_certificate_authorities(ByteView data);
Result<Extension> encode_certificate_authorities(std::span<const Bytes> distinguished_names);

// RFC 8446 §4.2.5 `struct { opaque certificate_extension_oid<1..2^8-1>;
//                            opaque certificate_extension_values<0..2^16-1>; } OIDFilter`
struct OidFilter {
    Bytes certificate_extension_oid;
    Bytes certificate_extension_values;

    bool operator==(const OidFilter&) const = default;
};

// `OIDFilter filters<0..2^16-1>`.
Result<std::vector<OidFilter>> decode_oid_filters(ByteView data);
Result<Extension> encode_oid_filters(std::span<const OidFilter> filters);

}  // namespace tpmtls
