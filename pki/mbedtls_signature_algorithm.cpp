#include "pki/mbedtls_signature_algorithm.h"

#include <mbedtls/oid.h>

#include <array>

namespace tpmtls::pki::detail {

std::span<const SignatureAlgorithm> signature_algorithms() {
    static const std::array<SignatureAlgorithm, 6> table{{
        {SignatureScheme::ecdsa_secp256r1_sha256, "ecdsa-with-SHA256", oid(MBEDTLS_OID_ECDSA_SHA256), MBEDTLS_MD_SHA256,
         {}, 0, false},
        {SignatureScheme::ecdsa_secp384r1_sha384, "ecdsa-with-SHA384", oid(MBEDTLS_OID_ECDSA_SHA384), MBEDTLS_MD_SHA384,
         {}, 0, false},
        {SignatureScheme::rsa_pss_rsae_sha256, "RSASSA-PSS", oid(MBEDTLS_OID_RSASSA_PSS), MBEDTLS_MD_SHA256,
         oid(MBEDTLS_OID_DIGEST_ALG_SHA256), 32, false},
        {SignatureScheme::rsa_pss_rsae_sha384, "RSASSA-PSS", oid(MBEDTLS_OID_RSASSA_PSS), MBEDTLS_MD_SHA384,
         oid(MBEDTLS_OID_DIGEST_ALG_SHA384), 48, false},
        {SignatureScheme::rsa_pkcs1_sha256, "sha256WithRSAEncryption", oid(MBEDTLS_OID_PKCS1_SHA256), MBEDTLS_MD_SHA256,
         {}, 0, true},
        {SignatureScheme::rsa_pkcs1_sha384, "sha384WithRSAEncryption", oid(MBEDTLS_OID_PKCS1_SHA384), MBEDTLS_MD_SHA384,
         {}, 0, true},
    }};
    return table;
}

const SignatureAlgorithm* find_signature_algorithm(SignatureScheme scheme) {
    for (const auto& algorithm : signature_algorithms())
        if (algorithm.scheme == scheme) return &algorithm;
    return nullptr;
}

void write_algorithm_identifier(AsnBackWriter& w, const SignatureAlgorithm& algorithm) {
    auto hash_identifier = [&] {
        w.wrap(constructed_sequence, [&] {
            w.null();
            w.oid(algorithm.hash_oid);
        });
    };
    w.wrap(constructed_sequence, [&] {
        if (!algorithm.hash_oid.empty()) {
            w.wrap(constructed_sequence, [&] {
                w.wrap(constructed_context(2), [&] { w.integer(algorithm.salt_length); });
                w.wrap(constructed_context(1), [&] {
                    w.wrap(constructed_sequence, [&] {
                        hash_identifier();
                        w.oid(oid(MBEDTLS_OID_MGF1));
                    });
                });
                w.wrap(constructed_context(0), hash_identifier);
            });
        } else if (algorithm.null_parameters) {
            w.null();
        }
        w.oid(algorithm.oid);
    });
}

bool signature_verifies(mbedtls_pk_type_t sig_pk, const void* sig_opts, mbedtls_md_type_t sig_md, ByteView signed_data,
                        ByteView signature, mbedtls_pk_context& key) {
    const mbedtls_md_info_t* md = mbedtls_md_info_from_type(sig_md);
    std::array<unsigned char, MBEDTLS_MD_MAX_SIZE> digest{};
    if (md == nullptr || mbedtls_md(md, signed_data.data(), signed_data.size(), digest.data()) != 0) return false;
    return mbedtls_pk_verify_ext(sig_pk, sig_opts, &key, sig_md, digest.data(), mbedtls_md_get_size(md),
                                 signature.data(), signature.size()) == 0;
}

}  // namespace tpmtls::pki::detail
