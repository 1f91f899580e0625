// server_name (RFC 6066 §3): the ClientHello's list of names; the server's EncryptedExtensions
// answer is empty (decode_empty_extension).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/extensions/extensions.h"

namespace tpmtls {

// RFC 6066 §3 NameType; open to unknown values.
enum class NameType : uint8_t { host_name = 0 };

struct ServerName {
    NameType type = NameType::host_name;
    Bytes name;  // HostName: ASCII, no trailing dot (RFC 6066 §3); not interpreted here

    bool operator==(const ServerName&) const = default;
};

// `ServerName server_name_list<1..2^16-1>`, each entry `NameType name_type` followed by
// `opaque HostName<1..2^16-1>`. RFC 6066 requires every future name type's data to begin with
// a 16-bit length, so entries of unknown types are read the same way (with <0..2^16-1>) and
// kept. Two names of one type is illegal_parameter ("MUST NOT contain more than one name of
// the same name_type").
Result<std::vector<ServerName>> decode_server_name_client_hello(ByteView data);
Result<Extension> encode_server_name_client_hello(std::span<const ServerName> names);
Result<Extension> encode_server_name_client_hello(std::string_view host_name);
// The EncryptedExtensions acknowledgement: empty extension_data (RFC 6066 §3).
Extension encode_server_name_encrypted_extensions();

// The host_name entry, if any.
std::optional<std::string> find_host_name(std::span<const ServerName> names);

}  // namespace tpmtls
