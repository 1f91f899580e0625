#include "tls13/pki/key_generation.h"

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include "tls13/crypto/c_struct.h"
#include "tls13/secret.h"

namespace tpmtls::pki {

namespace {

using Pk = CStruct<mbedtls_pk_context, mbedtls_pk_init, mbedtls_pk_free>;

int random_callback(void* random, unsigned char* out, size_t size) {
    static_cast<Random*>(random)->fill(std::span<uint8_t>(out, size));
    return 0;
}

void wipe(std::string& text) {
    secure_wipe(text.data(), text.size());
    text.clear();
}

}  // namespace

PrivateKeyPem::~PrivateKeyPem() { wipe(text); }
PrivateKeyPem::PrivateKeyPem(PrivateKeyPem&& other) noexcept : text(std::move(other.text)) { wipe(other.text); }
PrivateKeyPem& PrivateKeyPem::operator=(PrivateKeyPem&& other) noexcept {
    if (this != &other) {
        wipe(text);
        text = std::move(other.text);
        wipe(other.text);
    }
    return *this;
}

Result<PrivateKeyPem> generate_p256_key(Random& random) {
    Pk key;
    if (mbedtls_pk_setup(&key.value, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.value), random_callback, &random) != 0)
        return fail(AlertDescription::internal_error, "P-256 key generation failed");
    PrivateKeyPem out;
    out.text.assign(1024, '\0');
    if (mbedtls_pk_write_key_pem(&key.value, reinterpret_cast<unsigned char*>(out.text.data()), out.text.size()) != 0)
        return fail(AlertDescription::internal_error, "writing the P-256 key as PEM failed");
    out.text.resize(out.text.find('\0'));
    return out;
}

}  // namespace tpmtls::pki
