// Wire enumerations with the RFC's names (STYLE.md §9). Each is open to unknown values: a
// switch on one always has a default.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tpmtls {

// RFC 8446 §5.1
enum class ContentType : uint8_t {
    invalid = 0,
    change_cipher_spec = 20,
    alert = 21,
    handshake = 22,
    application_data = 23,
};

// RFC 8446 §4
enum class HandshakeType : uint8_t {
    client_hello = 1,
    server_hello = 2,
    new_session_ticket = 4,
    end_of_early_data = 5,
    encrypted_extensions = 8,
    certificate = 11,
    certificate_request = 13,
    certificate_verify = 15,
    finished = 20,
    key_update = 24,
    message_hash = 254,
};

// RFC 8446 §4.2, plus server_name (RFC 6066) and ALPN (RFC 7301).
enum class ExtensionType : uint16_t {
    server_name = 0,
    max_fragment_length = 1,
    status_request = 5,
    supported_groups = 10,
    signature_algorithms = 13,
    use_srtp = 14,
    heartbeat = 15,
    application_layer_protocol_negotiation = 16,
    signed_certificate_timestamp = 18,
    client_certificate_type = 19,
    server_certificate_type = 20,
    padding = 21,
    pre_shared_key = 41,
    early_data = 42,
    supported_versions = 43,
    cookie = 44,
    psk_key_exchange_modes = 45,
    certificate_authorities = 47,
    oid_filters = 48,
    post_handshake_auth = 49,
    signature_algorithms_cert = 50,
    key_share = 51,
};

// RFC 8446 §B.4
enum class CipherSuite : uint16_t {
    TLS_AES_128_GCM_SHA256 = 0x1301,
    TLS_AES_256_GCM_SHA384 = 0x1302,
    TLS_CHACHA20_POLY1305_SHA256 = 0x1303,
    TLS_AES_128_CCM_SHA256 = 0x1304,
    TLS_AES_128_CCM_8_SHA256 = 0x1305,
};

// RFC 8446 §4.2.7
enum class NamedGroup : uint16_t {
    secp256r1 = 0x0017,
    secp384r1 = 0x0018,
    secp521r1 = 0x0019,
    x25519 = 0x001d,
    x448 = 0x001e,
    ffdhe2048 = 0x0100,
};

// RFC 8446 §4.2.3
enum class SignatureScheme : uint16_t {
    rsa_pkcs1_sha256 = 0x0401,
    rsa_pkcs1_sha384 = 0x0501,
    rsa_pkcs1_sha512 = 0x0601,
    ecdsa_secp256r1_sha256 = 0x0403,
    ecdsa_secp384r1_sha384 = 0x0503,
    ecdsa_secp521r1_sha512 = 0x0603,
    rsa_pss_rsae_sha256 = 0x0804,
    rsa_pss_rsae_sha384 = 0x0805,
    rsa_pss_rsae_sha512 = 0x0806,
    ed25519 = 0x0807,
    ed448 = 0x0808,
    rsa_pss_pss_sha256 = 0x0809,
    rsa_pss_pss_sha384 = 0x080a,
    rsa_pss_pss_sha512 = 0x080b,
    rsa_pkcs1_sha1 = 0x0201,
    ecdsa_sha1 = 0x0203,
};

// RFC 8446 §4.2.9
enum class PskKeyExchangeMode : uint8_t { psk_ke = 0, psk_dhe_ke = 1 };

// RFC 8446 §4.6.3
enum class KeyUpdateRequest : uint8_t { update_not_requested = 0, update_requested = 1 };

// RFC 8446 §4.2.1, §D.2
inline constexpr uint16_t tls13_version = 0x0304;
inline constexpr uint16_t tls12_version = 0x0303;  // legacy_version / record version
inline constexpr uint16_t tls10_version = 0x0301;  // permitted in an initial ClientHello record

// Names for traces and errors ("TLS_AES_128_GCM_SHA256", "x25519", "client_hello"); an unknown
// value prints as its hex code.
std::string to_string(ContentType v);
std::string to_string(HandshakeType v);
std::string to_string(ExtensionType v);
std::string to_string(CipherSuite v);
std::string to_string(NamedGroup v);
std::string to_string(SignatureScheme v);
// "rsa_pss_rsae_sha256, rsa_pss_rsae_sha384"; "none" for an empty list.
std::string to_string(std::span<const SignatureScheme> schemes);

}  // namespace tpmtls
