#include "tls13/handshake/client_server_hello.h"

#include <algorithm>
#include <array>

#include "tls13/cipher_suite.h"
#include "tls13/extensions/negotiation.h"

namespace tpmtls {

namespace {

constexpr std::array<uint8_t, 7> downgrade_prefix = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44};  // "DOWNGRD"

}  // namespace

bool has_downgrade_sentinel(const HelloRandom& random) {
    const auto tail = std::span<const uint8_t>(random).last(8);
    return std::equal(downgrade_prefix.begin(), downgrade_prefix.end(), tail.begin()) &&
           (tail[7] == 0x00 || tail[7] == 0x01);
}

Status check_server_hello_version(ByteView body) {
    // The ServerHello layout shared by every TLS version (RFC 5246 §7.4.1.3, RFC 8446 §4.1.3);
    // the extension block is optional before TLS 1.3.
    Reader r(body);
    const uint16_t legacy_version = TRY(r.u16());
    const HelloRandom random = TRY(read_random(r));
    TRY(r.vec8(0, 32));
    TRY(r.u16());
    TRY(r.u8());
    std::optional<uint16_t> selected;
    if (!r.empty()) {
        const Extensions extensions = TRY(read_extensions(r, 0, 0xffff));
        if (auto data = find_extension(extensions, ExtensionType::supported_versions))
            selected = TRY(decode_supported_versions_server_hello(*data));
    }
    const bool retry = random == hello_retry_request_random;
    // §4.1.3: "TLS 1.3 clients receiving a ServerHello indicating TLS 1.2 or below MUST check
    // that the last 8 bytes are not equal to either of these values ... If a match is found, the
    // client MUST abort the handshake with an illegal_parameter alert." A TLS 1.3 server never
    // writes them either, so we refuse them whatever the version says.
    if (!retry && has_downgrade_sentinel(random))
        return fail(AlertDescription::illegal_parameter, "ServerHello.random carries the downgrade sentinel");
    if (!selected) {
        // §4.1.3, §4.2.1: without supported_versions the server negotiated legacy_version.
        return fail(AlertDescription::protocol_version,
                    "server negotiated legacy version " + to_hex(std::array<uint8_t, 2>{
                        static_cast<uint8_t>(legacy_version >> 8), static_cast<uint8_t>(legacy_version)}) +
                        "; only TLS 1.3 is supported");
    }
    // §4.2.1: "If the supported_versions extension in the ServerHello contains a version not
    // offered by the client or contains a version prior to TLS 1.3, the client MUST abort the
    // handshake with an illegal_parameter alert."
    if (*selected != tls13_version)
        return fail(AlertDescription::illegal_parameter, "supported_versions selects a version we did not offer");
    return ok();
}

Status check_server_hello_common(const ServerHello& hello, const ClientHello& offered) {
    const std::string what = hello.is_hello_retry_request() ? "HelloRetryRequest" : "ServerHello";
    // §4.1.3: "A client which receives a legacy_session_id_echo field that does not match what
    // it sent in the ClientHello MUST abort the handshake with an illegal_parameter alert."
    if (hello.legacy_session_id_echo != offered.legacy_session_id)
        return fail(AlertDescription::illegal_parameter, what + " legacy_session_id_echo is not our session id");
    // §4.1.3: "A client which receives a cipher suite that was not offered MUST abort the
    // handshake with an illegal_parameter alert."
    const auto& suites = offered.cipher_suites;
    if (std::find(suites.begin(), suites.end(), hello.cipher_suite) == suites.end() ||
        !cipher_suite_info(hello.cipher_suite))
        return fail(AlertDescription::illegal_parameter, what + " selects " + to_string(hello.cipher_suite) +
                                                             ", which was not offered");
    // §4.1.4: a HelloRetryRequest may carry a cookie the client did not send.
    TRY(check_offered(hello.extensions, offered.extensions, hello.is_hello_retry_request()));
    return ok();
}

Result<RetryRequest> check_hello_retry_request(const ServerHello& retry, std::span<const NamedGroup> our_groups,
                                               NamedGroup sent_share_group) {
    RetryRequest request;
    if (auto data = find_extension(retry.extensions, ExtensionType::key_share)) {
        const NamedGroup group = TRY(decode_key_share_hello_retry_request(*data));
        // §4.2.8: "Upon receipt of this extension in a HelloRetryRequest, the client MUST verify
        // that (1) the selected_group field corresponds to a group which was provided in the
        // supported_groups extension in the original ClientHello and (2) the selected_group
        // field does not correspond to a group which was provided in the key_share extension in
        // the original ClientHello. If either of these checks fails, then the client MUST abort
        // the handshake with an illegal_parameter alert."
        if (std::find(our_groups.begin(), our_groups.end(), group) == our_groups.end())
            return fail(AlertDescription::illegal_parameter,
                        "HelloRetryRequest asks for " + to_string(group) + ", which we do not support");
        if (group == sent_share_group)
            return fail(AlertDescription::illegal_parameter,
                        "HelloRetryRequest asks for " + to_string(group) + ", for which we already sent a share");
        request.group = group;
    }
    if (auto data = find_extension(retry.extensions, ExtensionType::cookie)) request.cookie = TRY(decode_cookie(*data));
    // §4.1.4: "Clients MUST abort the handshake with an illegal_parameter alert if the
    // HelloRetryRequest would not result in any change in the ClientHello."
    if (!request.group && !request.cookie)
        return fail(AlertDescription::illegal_parameter, "HelloRetryRequest would not change the ClientHello");
    return request;
}

Result<KeyShareEntry> server_key_share(const ServerHello& hello, NamedGroup sent_share_group) {
    auto data = find_extension(hello.extensions, ExtensionType::key_share);
    if (!data) return fail(AlertDescription::missing_extension, "ServerHello has no key_share and we offered no PSK");
    KeyShareEntry share = TRY(decode_key_share_server_hello(*data));
    // §4.2.8: the server's share "MUST be in the same group as one of the client's shares".
    if (share.group != sent_share_group)
        return fail(AlertDescription::illegal_parameter,
                    "ServerHello key_share is for " + to_string(share.group) + ", for which we sent no share");
    return share;
}

}  // namespace tpmtls
