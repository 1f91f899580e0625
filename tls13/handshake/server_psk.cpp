#include "tls13/handshake/server_psk.h"

#include <algorithm>

#include "tls13/handshake/client_psk.h"
#include "tls13/extensions/negotiation.h"
#include "tls13/extensions/pre_shared_key.h"
#include "tls13/tickets/ticket_replay_cache.h"

namespace tpmtls {

namespace {

// §4.2.9: "Servers MUST NOT select a key exchange mode that is not listed by the client";
// psk_dhe_ke is preferred (forward secrecy), psk_ke only when configured.
std::optional<PskKeyExchangeMode> choose_mode(const ServerConfig& config, const ClientHello& hello) {
    auto data = find_extension(hello.extensions, ExtensionType::psk_key_exchange_modes);
    if (!data) return std::nullopt;
    auto modes = decode_psk_key_exchange_modes(*data);
    if (!modes) return std::nullopt;
    const auto listed = [&](PskKeyExchangeMode m) {
        return std::find(modes->begin(), modes->end(), m) != modes->end();
    };
    if (listed(PskKeyExchangeMode::psk_dhe_ke)) return PskKeyExchangeMode::psk_dhe_ke;
    if (config.allow_psk_ke && listed(PskKeyExchangeMode::psk_ke)) return PskKeyExchangeMode::psk_ke;
    return std::nullopt;
}

int64_t expiry_of(const TicketContents& ticket) {
    return ticket.created_unix_seconds + std::min(ticket.lifetime_seconds, max_ticket_lifetime_seconds);
}

// §4.2.11, §8.3: the client's view of the ticket age must agree with ours, within the window.
// Our clock has second resolution, so one more second of slack.
bool acceptable(const ServerConfig& config, const TicketContents& ticket, uint32_t obfuscated_age,
                const CipherSuiteInfo& suite, const std::optional<std::string>& server_name, int64_t now) {
    const auto ticket_suite = cipher_suite_info(ticket.suite);
    if (!ticket_suite || ticket_suite->hash != suite.hash) return false;
    if (now < ticket.created_unix_seconds || now >= expiry_of(ticket)) return false;
    if (ticket.server_name != server_name.value_or("")) return false;
    const int64_t client_age_ms = static_cast<uint32_t>(obfuscated_age - ticket.age_add);
    const int64_t real_age_ms = (now - ticket.created_unix_seconds) * 1000;
    const int64_t slack_ms = static_cast<int64_t>(config.ticket_age_tolerance_ms) + 1000;
    return client_age_ms >= real_age_ms - slack_ms && client_age_ms <= real_age_ms + slack_ms;
}

}  // namespace

Result<std::optional<AcceptedPsk>> accept_resumption_psk(const ServerConfig& config, const ClientHello& hello,
                                                         ByteView whole_client_hello, const Transcript& earlier,
                                                         const CipherSuiteInfo& suite,
                                                         const std::optional<std::string>& server_name,
                                                         int64_t now_unix_seconds) {
    if (!config.ticket_keys) return std::optional<AcceptedPsk>();
    auto data = find_extension(hello.extensions, ExtensionType::pre_shared_key);
    if (!data) return std::optional<AcceptedPsk>();
    const OfferedPsks offered = TRY(decode_pre_shared_key_client_hello(*data));
    const auto mode = choose_mode(config, hello);
    if (!mode) return std::optional<AcceptedPsk>();

    for (size_t i = 0; i < offered.identities.size(); ++i) {
        const PskIdentity& identity = offered.identities[i];
        std::optional<TicketContents> ticket = config.ticket_keys->open(view(identity.identity));
        if (!ticket ||
            !acceptable(config, *ticket, identity.obfuscated_ticket_age, suite, server_name, now_unix_seconds))
            continue;
        // §4.2.11: "Prior to accepting PSK key establishment, the server MUST validate the
        // corresponding binder value ... If this value is not present or does not validate,
        // the server MUST abort the handshake."
        const Secret expected =
            TRY(resumption_binder(suite.hash, ticket->resumption_psk.view(), whole_client_hello, earlier));
        if (!constant_time_equal(expected.view(), view(offered.binders[i])))
            return fail(AlertDescription::decrypt_error, "PSK binder does not verify");
        if (config.single_use_tickets &&
            !config.single_use_tickets->first_use(view(identity.identity), expiry_of(*ticket), now_unix_seconds))
            return std::optional<AcceptedPsk>();  // replayed: a full handshake instead
        AcceptedPsk accepted;
        accepted.selected_identity = static_cast<uint16_t>(i);
        accepted.mode = *mode;
        accepted.ticket = std::move(*ticket);
        return std::optional<AcceptedPsk>(std::move(accepted));
    }
    return std::optional<AcceptedPsk>();
}

}  // namespace tpmtls
