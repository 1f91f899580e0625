// Private to pki/: how a signature scheme is named in X.509 (the AlgorithmIdentifier of a
// CSR or a certificate, RFC 5280 §4.1.1.2), and the one check both run on what they signed
// before it leaves: the signature verifies with the signer's public key.
#pragma once

#include <mbedtls/md.h>
#include <mbedtls/pk.h>

#include <span>
#include <string_view>

#include "pki/asn1_back_writer.hpp"
#include "tls13/signer.h"

namespace tpmtls::pki::detail {

struct SignatureAlgorithm {
    SignatureScheme scheme;
    std::string_view name;      // as mbedTLS and this code print it: "ecdsa-with-SHA256", "RSASSA-PSS"
    std::string_view oid;       // the signature algorithm
    mbedtls_md_type_t hash;     // of the signed content
    std::string_view hash_oid;  // RSASSA-PSS: hash and MGF1 hash; empty otherwise
    int salt_length;            // RSASSA-PSS: = hash length (RFC 8446 §4.2.3)
    bool null_parameters;       // sha*WithRSAEncryption: parameters NULL (RFC 4055 §5)
};

// ECDSA P-256/P-384, RSASSA-PSS and PKCS#1 v1.5 with SHA-256/384.
std::span<const SignatureAlgorithm> signature_algorithms();
const SignatureAlgorithm* find_signature_algorithm(SignatureScheme scheme);

// AlgorithmIdentifier for `algorithm`. ECDSA: no parameters (RFC 5758 §3.2). RSASSA-PSS:
// RSASSA-PSS-params { [0] hashAlgorithm, [1] maskGenAlgorithm mgf1(hash), [2] saltLength }
// with the default trailerField left out (RFC 4055 §3.1).
void write_algorithm_identifier(AsnBackWriter& w, const SignatureAlgorithm& algorithm);

// Whether `signature` over `signed_data` verifies with `key`, for the algorithm mbedTLS read
// from the structure's AlgorithmIdentifier (sig_pk, sig_opts, sig_md of a parsed CSR or
// certificate).
bool signature_verifies(mbedtls_pk_type_t sig_pk, const void* sig_opts, mbedtls_md_type_t sig_md, ByteView signed_data,
                        ByteView signature, mbedtls_pk_context& key);

}  // namespace tpmtls::pki::detail
