#include "pki/key_generation.h"

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

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

std::string to_string(const KeySpec& spec) {
    switch (spec.algorithm) {
        case KeyAlgorithm::ecdsa_p384: return "ECDSA P-384";
        case KeyAlgorithm::rsa: return "RSA-" + std::to_string(spec.rsa_bits);
        case KeyAlgorithm::ecdsa_p256:
        default: return "ECDSA P-256";
    }
}

Result<PrivateKeyPem> generate_key(const KeySpec& spec, Random& random) {
    const std::string name = to_string(spec);
    Pk key;
    int rc = 0;
    if (spec.algorithm == KeyAlgorithm::rsa) {
        if (spec.rsa_bits != 2048 && spec.rsa_bits != 3072 && spec.rsa_bits != 4096)
            return fail(AlertDescription::illegal_parameter,
                        "RSA keys of " + std::to_string(spec.rsa_bits) + " bits are not made here (2048, 3072 or 4096)");
        rc = mbedtls_pk_setup(&key.value, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
        if (rc == 0) rc = mbedtls_rsa_gen_key(mbedtls_pk_rsa(key.value), random_callback, &random, spec.rsa_bits, 65537);
    } else {
        const auto curve = spec.algorithm == KeyAlgorithm::ecdsa_p384 ? MBEDTLS_ECP_DP_SECP384R1 : MBEDTLS_ECP_DP_SECP256R1;
        rc = mbedtls_pk_setup(&key.value, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
        if (rc == 0) rc = mbedtls_ecp_gen_key(curve, mbedtls_pk_ec(key.value), random_callback, &random);
    }
    if (rc != 0) return fail(AlertDescription::internal_error, name + " key generation failed");
    PrivateKeyPem out;
    out.text.assign(16000, '\0');  // an RSA-4096 PKCS#1 PEM is about 3.3 kB
    if (mbedtls_pk_write_key_pem(&key.value, reinterpret_cast<unsigned char*>(out.text.data()), out.text.size()) != 0)
        return fail(AlertDescription::internal_error, "writing the " + name + " key as PEM failed");
    out.text.resize(out.text.find('\0'));
    return out;
}

Result<PrivateKeyPem> generate_p256_key(Random& random) { return generate_key(KeySpec{}, random); }

}  // namespace tpmtls::pki
