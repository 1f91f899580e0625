#include "tls13/types.h"

#include <cstdio>

namespace tpmtls {

namespace {
std::string hex_code(unsigned v, int width) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*x", width, v);
    return buf;
}
}  // namespace

std::string to_string(ContentType v) {
    switch (v) {
        case ContentType::invalid: return "invalid";
        case ContentType::change_cipher_spec: return "change_cipher_spec";
        case ContentType::alert: return "alert";
        case ContentType::handshake: return "handshake";
        case ContentType::application_data: return "application_data";
        default: return hex_code(static_cast<unsigned>(v), 2);
    }
}

std::string to_string(HandshakeType v) {
    switch (v) {
        case HandshakeType::client_hello: return "client_hello";
        case HandshakeType::server_hello: return "server_hello";
        case HandshakeType::new_session_ticket: return "new_session_ticket";
        case HandshakeType::end_of_early_data: return "end_of_early_data";
        case HandshakeType::encrypted_extensions: return "encrypted_extensions";
        case HandshakeType::certificate: return "certificate";
        case HandshakeType::certificate_request: return "certificate_request";
        case HandshakeType::certificate_verify: return "certificate_verify";
        case HandshakeType::finished: return "finished";
        case HandshakeType::key_update: return "key_update";
        case HandshakeType::message_hash: return "message_hash";
        default: return hex_code(static_cast<unsigned>(v), 2);
    }
}

std::string to_string(ExtensionType v) {
    switch (v) {
        case ExtensionType::server_name: return "server_name";
        case ExtensionType::max_fragment_length: return "max_fragment_length";
        case ExtensionType::status_request: return "status_request";
        case ExtensionType::supported_groups: return "supported_groups";
        case ExtensionType::signature_algorithms: return "signature_algorithms";
        case ExtensionType::use_srtp: return "use_srtp";
        case ExtensionType::heartbeat: return "heartbeat";
        case ExtensionType::application_layer_protocol_negotiation: return "application_layer_protocol_negotiation";
        case ExtensionType::signed_certificate_timestamp: return "signed_certificate_timestamp";
        case ExtensionType::client_certificate_type: return "client_certificate_type";
        case ExtensionType::server_certificate_type: return "server_certificate_type";
        case ExtensionType::padding: return "padding";
        case ExtensionType::pre_shared_key: return "pre_shared_key";
        case ExtensionType::early_data: return "early_data";
        case ExtensionType::supported_versions: return "supported_versions";
        case ExtensionType::cookie: return "cookie";
        case ExtensionType::psk_key_exchange_modes: return "psk_key_exchange_modes";
        case ExtensionType::certificate_authorities: return "certificate_authorities";
        case ExtensionType::oid_filters: return "oid_filters";
        case ExtensionType::post_handshake_auth: return "post_handshake_auth";
        case ExtensionType::signature_algorithms_cert: return "signature_algorithms_cert";
        case ExtensionType::key_share: return "key_share";
        default: return hex_code(static_cast<unsigned>(v), 4);
    }
}

std::string to_string(CipherSuite v) {
    switch (v) {
        case CipherSuite::TLS_AES_128_GCM_SHA256: return "TLS_AES_128_GCM_SHA256";
        case CipherSuite::TLS_AES_256_GCM_SHA384: return "TLS_AES_256_GCM_SHA384";
        case CipherSuite::TLS_CHACHA20_POLY1305_SHA256: return "TLS_CHACHA20_POLY1305_SHA256";
        case CipherSuite::TLS_AES_128_CCM_SHA256: return "TLS_AES_128_CCM_SHA256";
        case CipherSuite::TLS_AES_128_CCM_8_SHA256: return "TLS_AES_128_CCM_8_SHA256";
        default: return hex_code(static_cast<unsigned>(v), 4);
    }
}

std::string to_string(NamedGroup v) {
    switch (v) {
        case NamedGroup::secp256r1: return "secp256r1";
        case NamedGroup::secp384r1: return "secp384r1";
        case NamedGroup::secp521r1: return "secp521r1";
        case NamedGroup::x25519: return "x25519";
        case NamedGroup::x448: return "x448";
        case NamedGroup::ffdhe2048: return "ffdhe2048";
        default: return hex_code(static_cast<unsigned>(v), 4);
    }
}

std::string to_string(SignatureScheme v) {
    switch (v) {
        case SignatureScheme::rsa_pkcs1_sha256: return "rsa_pkcs1_sha256";
        case SignatureScheme::rsa_pkcs1_sha384: return "rsa_pkcs1_sha384";
        case SignatureScheme::rsa_pkcs1_sha512: return "rsa_pkcs1_sha512";
        case SignatureScheme::ecdsa_secp256r1_sha256: return "ecdsa_secp256r1_sha256";
        case SignatureScheme::ecdsa_secp384r1_sha384: return "ecdsa_secp384r1_sha384";
        case SignatureScheme::ecdsa_secp521r1_sha512: return "ecdsa_secp521r1_sha512";
        case SignatureScheme::rsa_pss_rsae_sha256: return "rsa_pss_rsae_sha256";
        case SignatureScheme::rsa_pss_rsae_sha384: return "rsa_pss_rsae_sha384";
        case SignatureScheme::rsa_pss_rsae_sha512: return "rsa_pss_rsae_sha512";
        case SignatureScheme::ed25519: return "ed25519";
        case SignatureScheme::ed448: return "ed448";
        case SignatureScheme::rsa_pss_pss_sha256: return "rsa_pss_pss_sha256";
        case SignatureScheme::rsa_pss_pss_sha384: return "rsa_pss_pss_sha384";
        case SignatureScheme::rsa_pss_pss_sha512: return "rsa_pss_pss_sha512";
        case SignatureScheme::rsa_pkcs1_sha1: return "rsa_pkcs1_sha1";
        case SignatureScheme::ecdsa_sha1: return "ecdsa_sha1";
        default: return hex_code(static_cast<unsigned>(v), 4);
    }
}

std::string to_string(std::span<const SignatureScheme> schemes) {
    std::string text;
    for (SignatureScheme scheme : schemes) text += (text.empty() ? "" : ", ") + to_string(scheme);
    return text.empty() ? "none" : text;
}

}  // namespace tpmtls
