#include "support/test_pki.h"

#include <arpa/inet.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include <atomic>
#include <stdexcept>

#include "tls13/clock.h"
#include "tls13/crypto/random.h"
#include "tls13/der.h"

namespace tpmtls::test {

namespace {

int rng(void*, unsigned char* out, size_t len) {
    system_random().fill(std::span<uint8_t>(out, len));
    return 0;
}

void check(int rc, const char* what) {
    if (rc < 0) throw std::runtime_error(std::string("test PKI: ") + what + " failed: " + std::to_string(rc));
}

struct Pk {
    mbedtls_pk_context ctx;
    Pk() { mbedtls_pk_init(&ctx); }
    ~Pk() { mbedtls_pk_free(&ctx); }
    Pk(const Pk&) = delete;
    Pk& operator=(const Pk&) = delete;
};

void load_key(Pk& pk, const std::string& pem) {
    check(mbedtls_pk_parse_key(&pk.ctx, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1,
                               nullptr, 0),
          "parse key");
}

Bytes ext_key_usage(bool server, bool client) {
    Bytes body;
    Writer w(body);
    static constexpr uint8_t server_oid[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
    static constexpr uint8_t client_oid[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02};
    if (server) der::write(w, der::tag_oid, ByteView(server_oid));
    if (client) der::write(w, der::tag_oid, ByteView(client_oid));
    Bytes out;
    Writer seq(out);
    der::write(seq, der::tag_sequence, view(body));
    return out;
}

Bytes subject_alt_names(const CertificateSpec& spec) {
    Bytes names;
    Writer w(names);
    for (const auto& dns : spec.dns_names) der::write(w, der::context(2), view(dns));
    for (const auto& ip : spec.ip_addresses) {
        uint8_t buf[16];
        if (inet_pton(AF_INET, ip.c_str(), buf) == 1) der::write(w, der::context(7), ByteView(buf, 4));
        else if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) der::write(w, der::context(7), ByteView(buf, 16));
        else throw std::runtime_error("bad IP " + ip);
    }
    Bytes out;
    Writer seq(out);
    der::write(seq, der::tag_sequence, view(names));
    return out;
}

}  // namespace

KeyPair generate_key(KeyType type) {
    Pk pk;
    if (type == KeyType::rsa_2048) {
        check(mbedtls_pk_setup(&pk.ctx, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), "pk setup");
        check(mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk.ctx), rng, nullptr, 2048, 65537), "RSA keygen");
    } else {
        check(mbedtls_pk_setup(&pk.ctx, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), "pk setup");
        const auto curve = type == KeyType::ecdsa_p384   ? MBEDTLS_ECP_DP_SECP384R1
                           : type == KeyType::ecdsa_p521 ? MBEDTLS_ECP_DP_SECP521R1
                                                         : MBEDTLS_ECP_DP_SECP256R1;
        check(mbedtls_ecp_gen_key(curve, mbedtls_pk_ec(pk.ctx), rng, nullptr), "EC keygen");
    }
    std::string pem(16000, '\0');
    check(mbedtls_pk_write_key_pem(&pk.ctx, reinterpret_cast<unsigned char*>(pem.data()), pem.size()), "key PEM");
    pem.resize(pem.find('\0'));
    return KeyPair{pem, type};
}

namespace {

// Writes the certificate for `subject_key` into `out` (der, pem), signed by `issuer_pem`.
void write_certificate(IssuedCertificate& out, const CertificateSpec& spec, Pk& subject_key,
                       const std::string& issuer_pem, const IssuedCertificate* issuer) {
    static std::atomic<int> serial_counter{1};
    Pk issuer_key;
    load_key(issuer_key, issuer_pem);

    mbedtls_x509write_cert crt;
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    try {
        mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
        mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
        check(mbedtls_mpi_lset(&serial, serial_counter++), "serial");
        check(mbedtls_x509write_crt_set_serial(&crt, &serial), "serial");
        const int64_t now = system_clock().unix_seconds();
        const std::string from = format_utc_compact(spec.not_before ? spec.not_before : now - 86400);
        const std::string to = format_utc_compact(spec.not_after ? spec.not_after : now + 30 * 86400);
        check(mbedtls_x509write_crt_set_validity(&crt, from.c_str(), to.c_str()), "validity");
        check(mbedtls_x509write_crt_set_subject_name(&crt, spec.subject.c_str()), "subject");
        std::string issuer_name = spec.subject;
        if (issuer) {
            mbedtls_x509_crt parsed;
            mbedtls_x509_crt_init(&parsed);
            check(mbedtls_x509_crt_parse_der(&parsed, issuer->der.data(), issuer->der.size()), "issuer parse");
            char dn[512];
            check(mbedtls_x509_dn_gets(dn, sizeof dn, &parsed.subject), "issuer dn");
            mbedtls_x509_crt_free(&parsed);
            issuer_name = dn;
        }
        check(mbedtls_x509write_crt_set_issuer_name(&crt, issuer_name.c_str()), "issuer name");
        mbedtls_x509write_crt_set_subject_key(&crt, &subject_key.ctx);
        mbedtls_x509write_crt_set_issuer_key(&crt, &issuer_key.ctx);
        check(mbedtls_x509write_crt_set_basic_constraints(&crt, spec.is_ca ? 1 : 0, -1), "basic constraints");
        unsigned int usage = 0;
        if (spec.digital_signature) usage |= MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
        if (spec.is_ca) usage |= MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN;
        if (usage == 0) usage = MBEDTLS_X509_KU_KEY_ENCIPHERMENT;  // present, but without digitalSignature
        check(mbedtls_x509write_crt_set_key_usage(&crt, static_cast<unsigned char>(usage)), "key usage");
        check(mbedtls_x509write_crt_set_subject_key_identifier(&crt), "SKI");
        if (!spec.is_ca && spec.include_eku) {
            const Bytes eku = ext_key_usage(spec.server_auth, spec.client_auth);
            check(mbedtls_x509write_crt_set_extension(&crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                                      MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
                                                      eku.data(), eku.size()),
                  "EKU");
        }
        if (!spec.dns_names.empty() || !spec.ip_addresses.empty()) {
            const Bytes san = subject_alt_names(spec);
            check(mbedtls_x509write_crt_set_extension(&crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                                      MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san.data(),
                                                      san.size()),
                  "SAN");
        }
        Bytes buffer(8192);
        const int n = mbedtls_x509write_crt_der(&crt, buffer.data(), buffer.size(), rng, nullptr);
        check(n, "certificate DER");
        out.der.assign(buffer.end() - n, buffer.end());
        std::string pem(8192, '\0');
        check(mbedtls_x509write_crt_pem(&crt, reinterpret_cast<unsigned char*>(pem.data()), pem.size(), rng, nullptr),
              "certificate PEM");
        pem.resize(pem.find('\0'));
        out.pem = pem;
    } catch (...) {
        mbedtls_x509write_crt_free(&crt);
        mbedtls_mpi_free(&serial);
        throw;
    }
    mbedtls_x509write_crt_free(&crt);
    mbedtls_mpi_free(&serial);
}

}  // namespace

IssuedCertificate issue_certificate(const CertificateSpec& spec, const IssuedCertificate* issuer) {
    IssuedCertificate out;
    out.key = generate_key(spec.key_type);
    Pk subject_key;
    load_key(subject_key, out.key.private_pem);
    write_certificate(out, spec, subject_key, issuer ? issuer->key.private_pem : out.key.private_pem, issuer);
    return out;
}

IssuedCertificate issue_certificate_for_public_key(const CertificateSpec& spec, ByteView spki_der,
                                                   const IssuedCertificate& issuer) {
    IssuedCertificate out;
    out.key.private_pem.clear();
    out.key.type = spec.key_type;
    Pk subject_key;
    check(mbedtls_pk_parse_public_key(&subject_key.ctx, spki_der.data(), spki_der.size()), "subject public key");
    write_certificate(out, spec, subject_key, issuer.key.private_pem, &issuer);
    return out;
}

TestPki make_test_pki(KeyType leaf_key) {
    TestPki pki;
    CertificateSpec root;
    root.subject = "CN=tpmtls test root, O=tpmtls tests";
    root.is_ca = true;
    pki.root = issue_certificate(root, nullptr);

    CertificateSpec server;
    server.subject = "CN=localhost, O=tpmtls tests";
    server.dns_names = {"localhost"};
    server.ip_addresses = {"127.0.0.1", "::1"};
    server.client_auth = false;
    server.key_type = leaf_key;
    pki.server = issue_certificate(server, &pki.root);

    CertificateSpec client;
    client.subject = "CN=device-0001, O=tpmtls tests";
    client.server_auth = false;
    client.key_type = leaf_key;
    pki.client = issue_certificate(client, &pki.root);
    return pki;
}

const TestPki& shared_test_pki() {
    static const TestPki pki = make_test_pki();
    return pki;
}

}  // namespace tpmtls::test
