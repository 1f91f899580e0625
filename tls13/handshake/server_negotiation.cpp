#include "tls13/handshake/server_negotiation.h"

#include <algorithm>
#include <span>
#include <vector>

#include "tls13/crypto/key_exchange.h"
#include "tls13/extensions/alpn.h"
#include "tls13/extensions/negotiation.h"
#include "tls13/extensions/server_name.h"

namespace tpmtls {

namespace {

template <class T>
bool contains(std::span<const T> list, T value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

Result<ByteView> required_extension(const ClientHello& hello, ExtensionType type) {
    auto data = find_extension(hello.extensions, type);
    // RFC 8446 §9.2: a ClientHello without a PSK must carry signature_algorithms,
    // supported_groups and key_share; "Servers receiving a ClientHello which does not conform
    // to these requirements MUST abort the handshake with a missing_extension alert."
    if (!data) return fail(AlertDescription::missing_extension, "ClientHello has no " + to_string(type));
    return *data;
}

// RFC 8446 §4.2.1: only supported_versions decides; a TLS 1.2-only client gets protocol_version.
Status check_version(const ClientHello& hello) {
    auto data = find_extension(hello.extensions, ExtensionType::supported_versions);
    if (!data) return fail(AlertDescription::protocol_version, "ClientHello offers no TLS 1.3 (no supported_versions)");
    const std::vector<uint16_t> versions = TRY(decode_supported_versions_client_hello(*data));
    if (!contains<uint16_t>(versions, tls13_version))
        return fail(AlertDescription::protocol_version, "supported_versions does not offer TLS 1.3");
    // §4.1.2: legacy_version is 0x0303 for TLS 1.3. A lower value says the client's TLS 1.2
    // stack would not even speak TLS 1.2 (§D.5: SSL 3.0 and below are not negotiable).
    if (hello.legacy_version < tls12_version)
        return fail(AlertDescription::protocol_version, "ClientHello legacy_version below TLS 1.2");
    return ok();
}

// §4.1.1: the first of the preferred list's suites that the other side also lists.
Result<CipherSuiteInfo> choose_suite(const ServerConfig& config, const ClientHello& hello) {
    const std::span<const CipherSuite> ours(config.cipher_suites);
    const std::span<const CipherSuite> theirs(hello.cipher_suites);
    const auto preferred = config.prefer_server_order ? ours : theirs;
    const auto other = config.prefer_server_order ? theirs : ours;
    for (CipherSuite suite : preferred) {
        if (!contains(other, suite)) continue;
        if (auto info = cipher_suite_info(suite)) return *info;
    }
    return fail(AlertDescription::handshake_failure, "no cipher suite in common");
}

// §4.4.3, §4.2.3: our key must be able to sign with a scheme the client listed.
Result<SignatureScheme> choose_signature_scheme(const ServerConfig& config, const ClientHello& hello) {
    if (!config.credentials.present())
        return fail(AlertDescription::internal_error, "server has no certificate and signer configured");
    const ByteView data = TRY(required_extension(hello, ExtensionType::signature_algorithms));
    const auto offered = TRY(decode_signature_algorithms(data));
    auto scheme = config.credentials.signer->choose(offered);
    if (!scheme) return fail(AlertDescription::handshake_failure, "no signature scheme in common with our key");
    return *scheme;
}

// §4.2.7, §4.2.8: the group of the key exchange, with the client's share for it if it sent one.
Status choose_group(const ServerConfig& config, const ClientHello& hello, std::optional<NamedGroup> retry_group,
                    ServerNegotiation& out) {
    const ByteView groups_data = TRY(required_extension(hello, ExtensionType::supported_groups));
    const ByteView shares_data = TRY(required_extension(hello, ExtensionType::key_share));
    const auto groups = TRY(decode_supported_groups(groups_data));
    const auto shares = TRY(decode_key_share_client_hello(shares_data));
    // §4.2.8: "Each KeyShareEntry value MUST correspond to a group offered in the
    // supported_groups extension"; servers MAY abort with illegal_parameter.
    for (const auto& share : shares)
        if (!contains<NamedGroup>(groups, share.group))
            return fail(AlertDescription::illegal_parameter,
                        "key share for " + to_string(share.group) + ", which supported_groups does not list");
    if (retry_group) {
        // §4.1.2: after a HelloRetryRequest the client "MUST replace [key_share] with a list
        // containing a single KeyShareEntry from the indicated group"; §4.2.8 illegal_parameter.
        if (shares.size() != 1 || shares.front().group != *retry_group)
            return fail(AlertDescription::illegal_parameter,
                        "second ClientHello must carry exactly one key share, for " + to_string(*retry_group));
        out.group = *retry_group;
        out.client_share = shares.front();
        return ok();
    }
    // §4.2.8: a share the client already sent saves a round trip, so the first of our groups
    // that has one wins (as OpenSSL chooses); only with none do we ask, by HelloRetryRequest,
    // for the first of ours that supported_groups lists.
    std::optional<NamedGroup> retry_for;
    for (NamedGroup group : config.groups) {
        if (!key_exchange_supported(group) || !contains<NamedGroup>(groups, group)) continue;
        if (const KeyShareEntry* share = find_key_share(shares, group)) {
            out.group = group;
            out.client_share = *share;
            return ok();
        }
        if (!retry_for) retry_for = group;
    }
    if (!retry_for) return fail(AlertDescription::handshake_failure, "no key exchange group in common");
    out.group = *retry_for;
    return ok();
}

// RFC 7301 §3.2: the first of our protocols the client offered; if it offered some and none
// fits, "the server SHALL respond with a fatal no_application_protocol alert".
Status choose_alpn(const ServerConfig& config, const ClientHello& hello, ServerNegotiation& out) {
    auto data = find_extension(hello.extensions, ExtensionType::application_layer_protocol_negotiation);
    if (!data || config.alpn.empty()) return ok();
    const std::vector<Bytes> offered = TRY(decode_alpn_client_hello(*data));
    for (const std::string& ours : config.alpn) {
        const Bytes name = to_bytes(view(ours));
        if (contains<Bytes>(offered, name)) {
            out.alpn = name;
            return ok();
        }
    }
    return fail(AlertDescription::no_application_protocol, "none of our ALPN protocols was offered");
}

Status read_server_name(const ClientHello& hello, ServerNegotiation& out) {
    auto data = find_extension(hello.extensions, ExtensionType::server_name);
    if (!data) return ok();
    const auto names = TRY(decode_server_name_client_hello(*data));
    out.server_name = find_host_name(names);
    return ok();
}

}  // namespace

Result<ServerNegotiation> negotiate_client_hello(const ServerConfig& config, const ClientHello& hello,
                                                 std::optional<NamedGroup> retry_group) {
    ServerNegotiation out;
    TRY(check_version(hello));
    out.suite = TRY(choose_suite(config, hello));
    // §9.2 presence first, so a ClientHello missing several extensions gets missing_extension.
    for (ExtensionType type :
         {ExtensionType::signature_algorithms, ExtensionType::supported_groups, ExtensionType::key_share})
        TRY(required_extension(hello, type));
    // §4.2.9, §9.2: "If containing a pre_shared_key extension, it MUST also contain a
    // psk_key_exchange_modes extension" - checked although PSKs are not accepted yet (a full
    // handshake answers them; the resumption issue adds tickets).
    if (has_extension(hello.extensions, ExtensionType::pre_shared_key))
        TRY(required_extension(hello, ExtensionType::psk_key_exchange_modes));
    out.signature_scheme = TRY(choose_signature_scheme(config, hello));
    TRY(choose_group(config, hello, retry_group, out));
    TRY(read_server_name(hello, out));
    TRY(choose_alpn(config, hello, out));
    return out;
}

}  // namespace tpmtls
