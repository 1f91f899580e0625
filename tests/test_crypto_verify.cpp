// Signature verification: the CertificateVerify signatures of the RFC 8448 traces (RSA-PSS and
// ECDSA P-256), RFC 6979 deterministic ECDSA signatures (P-256, P-384), and the failures
// RFC 8446 §4.4.3 and §4.2.3 call for.
#include <doctest/doctest.h>
#include <mbedtls/rsa.h>
#include <sodium.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "test_crypto_support.h"
#include "tls13/crypto/hash.h"
#include "tls13/crypto/verify.h"

using namespace tpmtls;
using crypto_test::concat;
using crypto_test::hex;
using crypto_test::rfc8448_object_field;
using crypto_test::rfc8448_value;

namespace {

// RFC 8446 §4.4.3: the signed content is 64 spaces, the context string, a zero byte and the
// transcript hash.
Bytes certificate_verify_content(std::string_view context, const Bytes& transcript_hash) {
    return concat({view(Bytes(64, 0x20)), view(context), view(Bytes{0x00}), view(transcript_hash)});
}
constexpr std::string_view server_context = "TLS 1.3, server CertificateVerify";
constexpr std::string_view client_context = "TLS 1.3, client CertificateVerify";

// RFC 8446 §4.4.2: the first CertificateEntry's cert_data of a Certificate message.
Bytes first_certificate(const Bytes& message) {
    Reader r(view(message));
    REQUIRE(*r.u8() == 11);  // HandshakeType certificate
    Reader body = *r.vec24();
    REQUIRE(body.vec8());  // certificate_request_context
    Reader list = *body.vec24();
    auto cert_data = list.vec24();
    REQUIRE(cert_data);
    return to_bytes(cert_data->rest());
}

struct CertificateVerify {
    SignatureScheme scheme;
    Bytes signature;
};

// RFC 8446 §4.4.3: struct { SignatureScheme algorithm; opaque signature<0..2^16-1>; }.
CertificateVerify parse_certificate_verify(const Bytes& message) {
    Reader r(view(message));
    REQUIRE(*r.u8() == 15);  // HandshakeType certificate_verify
    Reader body = *r.vec24();
    const auto scheme = static_cast<SignatureScheme>(*body.u16());
    Reader signature = *body.vec16();
    REQUIRE(body.empty());
    return {scheme, to_bytes(signature.rest())};
}

PublicKey key_from_certificate(const Bytes& der) {
    auto key = PublicKey::from_certificate(view(der));
    REQUIRE(key);
    return std::move(*key);
}

void check_fails(const Status& status, AlertDescription expected) {
    REQUIRE_FALSE(status);
    CHECK(status.error().description == expected);
}

Bytes flip(Bytes b, size_t at, uint8_t mask = 0x01) {
    b.at(at) ^= mask;
    return b;
}

// The negative cases every valid (scheme, key, message, signature) must show.
void check_tampering_fails(SignatureScheme scheme, const PublicKey& key, const Bytes& message, const Bytes& signature) {
    check_fails(verify_signature(scheme, key, view(flip(message, message.size() - 1)), view(signature)),
                AlertDescription::decrypt_error);
    check_fails(verify_signature(scheme, key, view(message), view(flip(signature, signature.size() / 2))),
                AlertDescription::decrypt_error);
    check_fails(verify_signature(scheme, key, view(message), view(flip(signature, signature.size() - 1, 0x80))),
                AlertDescription::decrypt_error);
    check_fails(verify_signature(scheme, key, view(message), view(Bytes(signature.begin(), signature.end() - 1))),
                AlertDescription::decrypt_error);
    check_fails(verify_signature(scheme, key, view(message), view(concat({view(signature), view(Bytes{0})}))),
                AlertDescription::decrypt_error);
    check_fails(verify_signature(scheme, key, view(message), {}), AlertDescription::decrypt_error);
}

// The transcript hash (SHA-256, RFC 8446 §4.4.1) over the given handshake messages of an
// RFC 8448 trace, each named by who sends it and its message name.
Bytes transcript_hash(const char* section, std::initializer_list<std::pair<const char*, std::string>> messages) {
    Hash transcript(HashAlgorithm::sha256);
    for (const auto& [side, name] : messages) {
        const std::string article = name.front() == 'E' ? "an " : "a ";  // "construct an EncryptedExtensions ..."
        transcript.update(view(rfc8448_value(section, side, "construct " + article + name + " handshake message", name)));
    }
    return transcript.digest();
}

}  // namespace

TEST_CASE("RFC 8448 §3: the server CertificateVerify (rsa_pss_rsae_sha256) verifies with the server certificate") {
    const char* section = "simple_1rtt";
    const Bytes certificate_message = rfc8448_value(section, "server", "construct a Certificate handshake message", "Certificate");
    const PublicKey key = key_from_certificate(first_certificate(certificate_message));
    const auto cv = parse_certificate_verify(
        rfc8448_value(section, "server", "construct a CertificateVerify handshake message", "CertificateVerify"));
    CHECK(cv.scheme == SignatureScheme::rsa_pss_rsae_sha256);

    const Bytes content = certificate_verify_content(
        server_context, transcript_hash(section, {{"client", "ClientHello"},
                                                  {"server", "ServerHello"},
                                                  {"server", "EncryptedExtensions"},
                                                  {"server", "Certificate"}}));
    REQUIRE(verify_signature(cv.scheme, key, view(content), view(cv.signature)));
    check_tampering_fails(cv.scheme, key, content, cv.signature);

    // The client's context string instead of the server's (§4.4.3 keeps them apart).
    check_fails(verify_signature(cv.scheme, key,
                                 view(certificate_verify_content(client_context, Bytes(content.end() - 32, content.end()))),
                                 view(cv.signature)),
                AlertDescription::decrypt_error);
    // The same key also allows rsa_pss_rsae_sha384 and _sha512, but this signature is neither.
    for (auto scheme : {SignatureScheme::rsa_pss_rsae_sha384, SignatureScheme::rsa_pss_rsae_sha512}) {
        CAPTURE(to_string(scheme));
        CHECK(key.supports(scheme));
        check_fails(verify_signature(scheme, key, view(content), view(cv.signature)), AlertDescription::decrypt_error);
    }
    // Schemes for another key type, or that we do not verify at all, are illegal_parameter.
    for (auto scheme : {SignatureScheme::ecdsa_secp256r1_sha256, SignatureScheme::ecdsa_secp384r1_sha384,
                        SignatureScheme::ecdsa_secp521r1_sha512, SignatureScheme::rsa_pkcs1_sha256,
                        SignatureScheme::rsa_pss_pss_sha256, SignatureScheme::ed25519, SignatureScheme::rsa_pkcs1_sha1,
                        static_cast<SignatureScheme>(0xfefe)}) {
        CAPTURE(to_string(scheme));
        CHECK_FALSE(key.supports(scheme));
        check_fails(verify_signature(scheme, key, view(content), view(cv.signature)), AlertDescription::illegal_parameter);
    }
}

TEST_CASE("RFC 8448 §6: both CertificateVerify messages of the client-auth trace verify") {
    const char* section = "client_authentication";
    const Bytes server_certificate_message =
        rfc8448_value(section, "server", "construct a Certificate handshake message", "Certificate");
    const Bytes client_certificate_message =
        rfc8448_value(section, "client", "construct a Certificate handshake message", "Certificate");

    SUBCASE("server: ECDSA P-256 certificate, ecdsa_secp256r1_sha256") {
        const PublicKey key = key_from_certificate(first_certificate(server_certificate_message));
        CHECK(key.supports(SignatureScheme::ecdsa_secp256r1_sha256));
        CHECK_FALSE(key.supports(SignatureScheme::ecdsa_secp384r1_sha384));
        CHECK_FALSE(key.supports(SignatureScheme::rsa_pss_rsae_sha256));
        const auto cv = parse_certificate_verify(
            rfc8448_value(section, "server", "construct a CertificateVerify handshake message", "CertificateVerify"));
        CHECK(cv.scheme == SignatureScheme::ecdsa_secp256r1_sha256);
        const Bytes content = certificate_verify_content(
            server_context, transcript_hash(section, {{"client", "ClientHello"},
                                                      {"server", "ServerHello"},
                                                      {"server", "EncryptedExtensions"},
                                                      {"server", "CertificateRequest"},
                                                      {"server", "Certificate"}}));
        REQUIRE(verify_signature(cv.scheme, key, view(content), view(cv.signature)));
        check_tampering_fails(cv.scheme, key, content, cv.signature);
        // A P-384 scheme (wrong curve and hash) or an RSA scheme for this P-256 key.
        check_fails(verify_signature(SignatureScheme::ecdsa_secp384r1_sha384, key, view(content), view(cv.signature)),
                    AlertDescription::illegal_parameter);
        check_fails(verify_signature(SignatureScheme::rsa_pss_rsae_sha256, key, view(content), view(cv.signature)),
                    AlertDescription::illegal_parameter);
    }
    SUBCASE("client: RSA certificate, rsa_pss_rsae_sha256") {
        const PublicKey key = key_from_certificate(first_certificate(client_certificate_message));
        const auto cv = parse_certificate_verify(
            rfc8448_value(section, "client", "construct a CertificateVerify handshake message", "CertificateVerify"));
        CHECK(cv.scheme == SignatureScheme::rsa_pss_rsae_sha256);
        // The client signs the transcript through its own Certificate (RFC 8446 §4.4.1).
        const Bytes client_transcript_hash = transcript_hash(section, {{"client", "ClientHello"},
                                                                       {"server", "ServerHello"},
                                                                       {"server", "EncryptedExtensions"},
                                                                       {"server", "CertificateRequest"},
                                                                       {"server", "Certificate"},
                                                                       {"server", "CertificateVerify"},
                                                                       {"server", "Finished"},
                                                                       {"client", "Certificate"}});
        const Bytes content = certificate_verify_content(client_context, client_transcript_hash);
        REQUIRE(verify_signature(cv.scheme, key, view(content), view(cv.signature)));
        check_tampering_fails(cv.scheme, key, content, cv.signature);
        check_fails(verify_signature(cv.scheme, key, view(certificate_verify_content(server_context, client_transcript_hash)),
                                     view(cv.signature)),
                    AlertDescription::decrypt_error);
    }
}

namespace {

// RFC 5480 §2: SubjectPublicKeyInfo for id-ecPublicKey with a named curve, up to the BIT STRING
// contents (an uncompressed point).
const char* const spki_prefix_p256 = "3059301306072a8648ce3d020106082a8648ce3d030107034200";
const char* const spki_prefix_p384 = "3076301006072a8648ce3d020106052b81040022036200";

// A DER INTEGER body for an unsigned big-endian value: minimal, with a 0x00 pad if the top bit is set.
Bytes der_integer(const Bytes& value) {
    size_t first = 0;
    while (first + 1 < value.size() && value[first] == 0) ++first;
    Bytes body(value.begin() + static_cast<std::ptrdiff_t>(first), value.end());
    if ((body[0] & 0x80) != 0) body.insert(body.begin(), 0x00);
    return body;
}

// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3), built here from r, s.
Bytes ecdsa_der(const Bytes& r_body, const Bytes& s_body) {
    Bytes out;
    Writer w(out);
    w.u8(0x30);
    w.vec8([&] {
        w.u8(0x02);
        w.vec8(view(r_body));
        w.u8(0x02);
        w.vec8(view(s_body));
    });
    REQUIRE(w.ok());
    return out;
}

std::string pem_public_key(const Bytes& der) {
    std::string b64(sodium_base64_ENCODED_LEN(der.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(b64.data(), b64.size(), der.data(), der.size(), sodium_base64_VARIANT_ORIGINAL);
    b64.resize(b64.find('\0'));
    std::string pem = "-----BEGIN PUBLIC KEY-----\n";
    for (size_t at = 0; at < b64.size(); at += 64) pem += b64.substr(at, 64) + "\n";
    return pem + "-----END PUBLIC KEY-----\n";
}

struct Rfc6979Vector {
    const char* name;
    SignatureScheme scheme;
    const char* spki_prefix;
    const char* public_point;  // 04 || Ux || Uy
    const char* r;
    const char* s;
    const char* order;  // the curve order n, for out-of-range s
};

// RFC 6979 A.2.5 (P-256) and A.2.6 (P-384): the signatures with SHA-256 / SHA-384 of "sample".
const Rfc6979Vector rfc6979_vectors[] = {
    {"RFC 6979 A.2.5 P-256", SignatureScheme::ecdsa_secp256r1_sha256, spki_prefix_p256,
     "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
     "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299",
     "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
     "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
     "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"},
    {"RFC 6979 A.2.6 P-384", SignatureScheme::ecdsa_secp384r1_sha384, spki_prefix_p384,
     "04ec3a4e415b4e19a4568618029f427fa5da9a8bc4ae92e02e06aae5286b300c64def8f0ea9055866064a254515480bc13"
     "8015d9b72d7d57244ea8ef9ac0c621896708a59367f9dfb9f54ca84b3f1c9db1288b231c3ae0d4fe7344fd2533264720",
     "94edbb92a5ecb8aad4736e56c691916b3f88140666ce9fa73d64c4ea95ad133c81a648152e44acf96e36dd1e80fabe46",
     "99ef4aeb15f178cea1fe40db2603138f130e740a19624526203b6351d0a3a94fa329c145786e679e7b82c71a38628ac8",
     "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"},
};

}  // namespace

TEST_CASE("ECDSA P-256 and P-384: RFC 6979 signatures of \"sample\" verify; malformed DER is decrypt_error") {
    REQUIRE(sodium_init() >= 0);
    const Bytes message = to_bytes(view(std::string("sample")));
    for (const auto& v : rfc6979_vectors) {
        CAPTURE(v.name);
        const Bytes spki = concat({view(hex(v.spki_prefix)), view(hex(v.public_point))});
        auto der_key = PublicKey::from_spki(view(spki));
        REQUIRE(der_key);
        auto pem_key = PublicKey::from_spki(view(pem_public_key(spki)));
        REQUIRE(pem_key);
        // DER is one element: bytes after it, or a cut-off one, are not a key.
        CHECK_FALSE(PublicKey::from_spki(view(concat({view(spki), view(Bytes{0x00})}))));
        CHECK_FALSE(PublicKey::from_spki(view(Bytes(spki.begin(), spki.end() - 1))));
        CHECK(der_key->supports(v.scheme));

        const Bytes r = der_integer(hex(v.r));
        const Bytes s = der_integer(hex(v.s));
        const Bytes signature = ecdsa_der(r, s);
        REQUIRE(verify_signature(v.scheme, *der_key, view(message), view(signature)));
        REQUIRE(verify_signature(v.scheme, *pem_key, view(message), view(signature)));
        check_tampering_fails(v.scheme, *der_key, message, signature);

        // r and s swapped.
        check_fails(verify_signature(v.scheme, *der_key, view(message), view(ecdsa_der(s, r))),
                    AlertDescription::decrypt_error);

        // The other curve's scheme, and the RSA schemes, do not fit this key.
        const auto other = v.scheme == SignatureScheme::ecdsa_secp256r1_sha256 ? SignatureScheme::ecdsa_secp384r1_sha384
                                                                                : SignatureScheme::ecdsa_secp256r1_sha256;
        for (auto scheme : {other, SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pss_rsae_sha384,
                            SignatureScheme::ecdsa_secp521r1_sha512, SignatureScheme::ecdsa_sha1}) {
            CAPTURE(to_string(scheme));
            check_fails(verify_signature(scheme, *der_key, view(message), view(signature)),
                        AlertDescription::illegal_parameter);
        }

        // Encodings that are not DER, or values out of range: none may verify (decrypt_error).
        const Bytes zero = {0x00};
        Bytes padded_r = r;
        padded_r.insert(padded_r.begin(), 0x00);  // a superfluous leading zero (non-minimal)
        const Bytes negative_r(r.begin() + 1, r.end());  // r's top bit set without the 0x00 pad
        REQUIRE((negative_r[0] & 0x80) != 0);
        Bytes long_form = signature;  // 0x30 0x81 len: long form where short is required
        long_form.insert(long_form.begin() + 1, 0x81);
        Bytes wrong_tag = signature;
        wrong_tag[0] = 0x31;  // SET instead of SEQUENCE
        const std::vector<Bytes> malformed = {
            ecdsa_der(padded_r, s),
            ecdsa_der(negative_r, s),
            ecdsa_der(zero, s),
            ecdsa_der(r, zero),
            ecdsa_der(r, der_integer(hex(v.order))),  // s = n
            ecdsa_der(r, {}),
            long_form,
            wrong_tag,
            Bytes{0x30, 0x00},
            Bytes(signature.begin(), signature.begin() + 10),
            hex("30"),
            Bytes(signature.size(), 0xff),
        };
        for (size_t i = 0; i < malformed.size(); ++i) {
            CAPTURE(i);
            check_fails(verify_signature(v.scheme, *der_key, view(message), view(malformed[i])),
                        AlertDescription::decrypt_error);
        }
    }
}

namespace {

// RFC 8448 §2's RSA key (the server's, 1024 bits) as an mbedTLS private key, to make PSS
// signatures with chosen salt lengths and MGF1 hashes.
struct RsaSigner {
    mbedtls_rsa_context rsa;
    RsaSigner() {
        mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
        const Bytes n = rfc8448_object_field("server_rsa", "modulus (public)");
        const Bytes e = rfc8448_object_field("server_rsa", "public exponent");
        const Bytes d = rfc8448_object_field("server_rsa", "private exponent");
        const Bytes p = rfc8448_object_field("server_rsa", "prime1");
        const Bytes q = rfc8448_object_field("server_rsa", "prime2");
        REQUIRE(mbedtls_rsa_import_raw(&rsa, n.data(), n.size(), p.data(), p.size(), q.data(), q.size(), d.data(),
                                       d.size(), e.data(), e.size()) == 0);
        REQUIRE(mbedtls_rsa_complete(&rsa) == 0);
    }
    ~RsaSigner() { mbedtls_rsa_free(&rsa); }
    RsaSigner(const RsaSigner&) = delete;
    RsaSigner& operator=(const RsaSigner&) = delete;

    static int random(void*, unsigned char* out, size_t size) {
        randombytes_buf(out, size);
        return 0;
    }

    Bytes sign_pss(HashAlgorithm hash_alg, mbedtls_md_type_t mgf1, int salt_length, const Bytes& message) {
        mbedtls_rsa_set_padding(&rsa, MBEDTLS_RSA_PKCS_V21, mgf1);
        const Bytes digest = hash(hash_alg, view(message));
        const auto md = hash_alg == HashAlgorithm::sha256 ? MBEDTLS_MD_SHA256 : MBEDTLS_MD_SHA384;
        Bytes signature(mbedtls_rsa_get_len(&rsa));
        REQUIRE(mbedtls_rsa_rsassa_pss_sign_ext(&rsa, random, nullptr, md, static_cast<unsigned>(digest.size()),
                                                digest.data(), salt_length, signature.data()) == 0);
        return signature;
    }
};

}  // namespace

TEST_CASE("RSA-PSS: salt length must equal the hash length and MGF1 must use the scheme's hash (RFC 8446 §4.2.3)") {
    REQUIRE(sodium_init() >= 0);
    const PublicKey key = key_from_certificate(first_certificate(
        rfc8448_value("simple_1rtt", "server", "construct a Certificate handshake message", "Certificate")));
    RsaSigner signer;
    const Bytes message = to_bytes(view(std::string("content to be signed")));

    // Controls: the right salt verifies, so the failures below are about the salt alone.
    REQUIRE(verify_signature(SignatureScheme::rsa_pss_rsae_sha256, key, view(message),
                             view(signer.sign_pss(HashAlgorithm::sha256, MBEDTLS_MD_SHA256, 32, message))));
    REQUIRE(verify_signature(SignatureScheme::rsa_pss_rsae_sha384, key, view(message),
                             view(signer.sign_pss(HashAlgorithm::sha384, MBEDTLS_MD_SHA384, 48, message))));

    for (int salt : {0, 20, 31, 33}) {
        CAPTURE(salt);
        check_fails(verify_signature(SignatureScheme::rsa_pss_rsae_sha256, key, view(message),
                                     view(signer.sign_pss(HashAlgorithm::sha256, MBEDTLS_MD_SHA256, salt, message))),
                    AlertDescription::decrypt_error);
    }
    check_fails(verify_signature(SignatureScheme::rsa_pss_rsae_sha384, key, view(message),
                                 view(signer.sign_pss(HashAlgorithm::sha384, MBEDTLS_MD_SHA384, 32, message))),
                AlertDescription::decrypt_error);
    // MGF1 with SHA-384 under a SHA-256 scheme.
    check_fails(verify_signature(SignatureScheme::rsa_pss_rsae_sha256, key, view(message),
                                 view(signer.sign_pss(HashAlgorithm::sha256, MBEDTLS_MD_SHA384, 32, message))),
                AlertDescription::decrypt_error);
    // A SHA-384 signature presented as rsa_pss_rsae_sha256.
    check_fails(verify_signature(SignatureScheme::rsa_pss_rsae_sha256, key, view(message),
                                 view(signer.sign_pss(HashAlgorithm::sha384, MBEDTLS_MD_SHA384, 48, message))),
                AlertDescription::decrypt_error);
}

TEST_CASE("RSA-PSS 2048: Wycheproof rsa_pss_2048_sha256_mgf1_32 cases, including wrong salt lengths") {
    std::ifstream in(test::data_path("crypto_wycheproof_rsa_pss_2048_sha256_mgf1_32.txt"));
    REQUIRE(in);
    std::optional<PublicKey> key;
    int cases = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        std::string id, result, msg, sig;
        fields >> id >> result;
        if (id == "key") {
            auto parsed = PublicKey::from_spki(view(hex(result)));
            REQUIRE(parsed);
            key = std::move(*parsed);
            continue;
        }
        fields >> msg >> sig;
        CAPTURE(id);
        REQUIRE(key);
        REQUIRE((result == "valid" || result == "invalid"));
        const Bytes message = msg == "-" ? Bytes{} : hex(msg);
        const Status status = verify_signature(SignatureScheme::rsa_pss_rsae_sha256, *key, view(message), view(hex(sig)));
        if (result == "valid") {
            CHECK(status);
        } else {
            REQUIRE_FALSE(status);
            CHECK(status.error().description == AlertDescription::decrypt_error);
        }
        ++cases;
    }
    CHECK(cases == 6);
}

TEST_CASE("garbage keys and certificates are errors, not crashes") {
    const Bytes certificate = first_certificate(
        rfc8448_value("simple_1rtt", "server", "construct a Certificate handshake message", "Certificate"));
    REQUIRE(PublicKey::from_certificate(view(certificate)));

    std::vector<Bytes> garbage = {
        {},
        Bytes{0x30},
        Bytes{0x30, 0x00},
        Bytes(100, 0x00),
        Bytes(100, 0xff),
        Bytes(certificate.begin(), certificate.begin() + static_cast<std::ptrdiff_t>(certificate.size() / 2)),
        flip(certificate, 1, 0x7f),  // outer length wrong
        to_bytes(view(std::string("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n"))),
        to_bytes(view(std::string("-----BEGIN"))),
    };
    // Every truncation of the certificate.
    for (size_t n = 1; n < certificate.size(); n += 7) garbage.emplace_back(certificate.begin(), certificate.begin() + static_cast<std::ptrdiff_t>(n));
    for (const auto& bytes : garbage) {
        CAPTURE(to_hex(view(bytes)).substr(0, 40));
        auto from_cert = PublicKey::from_certificate(view(bytes));
        REQUIRE_FALSE(from_cert);
        CHECK(from_cert.error().description == AlertDescription::bad_certificate);
        auto from_spki = PublicKey::from_spki(view(bytes));
        REQUIRE_FALSE(from_spki);
        CHECK(from_spki.error().description == AlertDescription::bad_certificate);
    }
    // A certificate is not a SubjectPublicKeyInfo.
    CHECK_FALSE(PublicKey::from_spki(view(certificate)));
}

TEST_CASE("verifiable_schemes lists exactly what verify_signature accepts") {
    const auto& schemes = verifiable_schemes();
    CHECK(schemes == std::vector<SignatureScheme>{SignatureScheme::ecdsa_secp256r1_sha256,
                                                  SignatureScheme::ecdsa_secp384r1_sha384,
                                                  SignatureScheme::ecdsa_secp521r1_sha512,
                                                  SignatureScheme::rsa_pss_rsae_sha256,
                                                  SignatureScheme::rsa_pss_rsae_sha384,
                                                  SignatureScheme::rsa_pss_rsae_sha512});
    // RSASSA-PKCS1-v1_5 and SHA-1 are for certificates only (RFC 8446 §4.2.3, §4.4.3).
    for (SignatureScheme scheme : schemes) CHECK_FALSE(certificate_only_scheme(scheme));
    for (SignatureScheme scheme : {SignatureScheme::rsa_pkcs1_sha256, SignatureScheme::rsa_pkcs1_sha384,
                                   SignatureScheme::rsa_pkcs1_sha512, SignatureScheme::rsa_pkcs1_sha1,
                                   SignatureScheme::ecdsa_sha1})
        CHECK(certificate_only_scheme(scheme));
}

TEST_CASE("PublicKey moves") {
    const Bytes certificate = first_certificate(
        rfc8448_value("simple_1rtt", "server", "construct a Certificate handshake message", "Certificate"));
    auto key = PublicKey::from_certificate(view(certificate));
    REQUIRE(key);
    PublicKey moved = std::move(*key);
    CHECK(moved.supports(SignatureScheme::rsa_pss_rsae_sha256));
    auto other = PublicKey::from_certificate(view(certificate));
    REQUIRE(other);
    moved = std::move(*other);
    CHECK(moved.supports(SignatureScheme::rsa_pss_rsae_sha384));
}
