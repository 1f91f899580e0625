#include "pki/pem.h"

#include <mbedtls/pem.h>

#include <algorithm>

#include "tls13/crypto/c_struct.h"

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

namespace {

bool has_pem_armour(ByteView text) {
    constexpr std::string_view begin = "-----BEGIN";
    return std::search(text.begin(), text.end(), begin.begin(), begin.end()) != text.end();
}

using PemContext = CStruct<mbedtls_pem_context, mbedtls_pem_init, mbedtls_pem_free>;

}  // namespace

Result<Bytes> pem_decode(std::string_view label, ByteView pem_or_der) {
    if (!has_pem_armour(pem_or_der)) return to_bytes(pem_or_der);
    const std::string header = "-----BEGIN " + std::string(label) + "-----";
    const std::string footer = "-----END " + std::string(label) + "-----";
    const Bytes input = mbedtls_parse_input(pem_or_der);
    PemContext pem;
    size_t used = 0;
    if (mbedtls_pem_read_buffer(&pem.value, header.c_str(), footer.c_str(), input.data(), nullptr, 0, &used) != 0)
        return fail(AlertDescription::decode_error, "no readable " + std::string(label) + " PEM block");
    return Bytes(pem.value.buf, pem.value.buf + pem.value.buflen);
}

Bytes mbedtls_parse_input(ByteView pem_or_der) {
    Bytes out = to_bytes(pem_or_der);
    if (has_pem_armour(pem_or_der)) out.push_back(0);
    return out;
}

}  // namespace tpmtls::pki
