#include "tls13/pki/pem.h"

#include <mbedtls/pem.h>

#include <algorithm>

namespace tpmtls::pki {

Result<std::string> pem_encode(std::string_view label, ByteView der) {
    const std::string header = "-----BEGIN " + std::string(label) + "-----\n";
    const std::string footer = "-----END " + std::string(label) + "-----\n";
    // base64 grows 4/3, plus a newline per 64 characters, plus the armour and the NUL.
    std::string out(der.size() * 4 / 3 + der.size() / 48 + header.size() + footer.size() + 16, '\0');
    size_t written = 0;
    if (mbedtls_pem_write_buffer(header.c_str(), footer.c_str(), der.data(), der.size(),
                                 reinterpret_cast<unsigned char*>(out.data()), out.size(), &written) != 0 ||
        written == 0)
        return fail(AlertDescription::internal_error, "PEM encoding of " + std::string(label) + " failed");
    out.resize(written - 1);  // written counts the NUL
    return out;
}

Bytes mbedtls_parse_input(ByteView pem_or_der) {
    constexpr std::string_view begin = "-----BEGIN";
    Bytes out = to_bytes(pem_or_der);
    if (std::search(pem_or_der.begin(), pem_or_der.end(), begin.begin(), begin.end()) != pem_or_der.end())
        out.push_back(0);
    return out;
}

}  // namespace tpmtls::pki
