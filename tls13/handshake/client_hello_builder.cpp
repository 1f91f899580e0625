#include "tls13/handshake/client_hello_builder.h"

#include <arpa/inet.h>

#include <array>

#include "tls13/crypto/key_exchange.h"
#include "tls13/extensions/alpn.h"
#include "tls13/extensions/negotiation.h"
#include "tls13/extensions/server_name.h"

namespace tpmtls {

Status check_client_config(const ClientConfig& config) {
    if (config.cipher_suites.empty()) return fail(AlertDescription::internal_error, "no cipher suites configured");
    for (CipherSuite suite : config.cipher_suites)
        if (!cipher_suite_info(suite))
            return fail(AlertDescription::internal_error, "configured cipher suite " + to_string(suite) + " is not implemented");
    if (config.groups.empty()) return fail(AlertDescription::internal_error, "no groups configured");
    for (NamedGroup group : config.groups)
        if (!key_exchange_supported(group))
            return fail(AlertDescription::internal_error, "configured group " + to_string(group) + " is not implemented");
    // RFC 8446 §4.4.2.4 and RFC 6125: the server is authenticated for a name. Without one any
    // certificate from a trusted CA would do, so we refuse to start rather than fail open.
    if (config.server_name.empty())
        return fail(AlertDescription::internal_error, "no server_name configured to authenticate the server against");
    if (config.signature_schemes.empty())
        return fail(AlertDescription::internal_error, "no signature schemes configured");
    if (config.certificate_signature_schemes.empty())
        return fail(AlertDescription::internal_error, "no certificate signature schemes configured");
    for (const std::string& protocol : config.alpn)
        if (protocol.empty() || protocol.size() > 0xff)
            return fail(AlertDescription::internal_error, "ALPN protocol names must be 1..255 bytes (RFC 7301 §3.1)");
    return ok();
}

bool is_ip_literal(std::string_view name) {
    std::string text(name);
    if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    std::array<uint8_t, 16> address{};
    return inet_pton(AF_INET, text.c_str(), address.data()) == 1 ||
           inet_pton(AF_INET6, text.c_str(), address.data()) == 1;
}

std::string sni_host_name(std::string_view server_name) {
    if (server_name.empty() || is_ip_literal(server_name)) return {};
    if (server_name.back() == '.') server_name.remove_suffix(1);
    return std::string(server_name);
}

Result<ClientHello> build_client_hello(const ClientConfig& config, const ClientHelloParameters& parameters) {
    ClientHello hello;
    hello.random = parameters.random;
    hello.legacy_session_id = parameters.legacy_session_id;
    hello.cipher_suites = config.cipher_suites;
    Extensions& ext = hello.extensions;

    if (const std::string host = sni_host_name(config.server_name); !host.empty())
        ext.push_back(TRY(encode_server_name_client_hello(host)));
    // §4.2.1: TLS 1.3 is the only version we offer.
    const std::array<uint16_t, 1> versions = {tls13_version};
    ext.push_back(TRY(encode_supported_versions_client_hello(versions)));
    ext.push_back(TRY(encode_supported_groups(config.groups)));
    // §4.2.3: what we accept in CertificateVerify, and what the server's chain may be signed
    // with (rsa_pkcs1_* included: "for signatures in certificates").
    ext.push_back(TRY(encode_signature_algorithms(config.signature_schemes)));
    ext.push_back(TRY(encode_signature_algorithms_cert(config.certificate_signature_schemes)));
    ext.push_back(TRY(encode_key_share_client_hello(std::span<const KeyShareEntry>(&parameters.key_share, 1))));
    if (!config.alpn.empty()) {
        std::vector<Bytes> protocols;
        for (const std::string& protocol : config.alpn) protocols.push_back(to_bytes(view(protocol)));
        ext.push_back(TRY(encode_alpn_client_hello(protocols)));
    }
    // §4.2.9: only psk_dhe_ke, should a later ClientHello offer a resumption PSK.
    const std::array<PskKeyExchangeMode, 1> modes = {PskKeyExchangeMode::psk_dhe_ke};
    ext.push_back(TRY(encode_psk_key_exchange_modes(modes)));
    if (parameters.cookie) ext.push_back(TRY(encode_cookie(view(*parameters.cookie))));
    return hello;
}

}  // namespace tpmtls
