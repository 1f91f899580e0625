#include "tls13/handshake/client_psk.h"

#include <algorithm>

#include "tls13/extensions/pre_shared_key.h"
#include "tls13/key_schedule/key_schedule.h"

namespace tpmtls {

std::optional<PskOffer> psk_offer_for(const ClientConfig& config, int64_t now_unix_seconds) {
    if (!config.resume) return std::nullopt;
    const SessionTicket& ticket = *config.resume;
    if (ticket.ticket.empty() || ticket.psk.empty() || ticket.expired(now_unix_seconds)) return std::nullopt;
    // §4.6.1: "Clients ... SHOULD only resume if the SNI value matches the one used in the
    // original session."
    if (!ticket.server_name.empty() && ticket.server_name != config.server_name) return std::nullopt;
    const auto info = cipher_suite_info(ticket.suite);
    if (!info) return std::nullopt;
    const bool compatible = std::any_of(config.cipher_suites.begin(), config.cipher_suites.end(), [&](CipherSuite s) {
        const auto offered = cipher_suite_info(s);
        return offered && offered->hash == info->hash;
    });
    if (!compatible) return std::nullopt;
    return PskOffer{ticket, info->hash};
}

uint32_t obfuscated_ticket_age(const SessionTicket& ticket, const Clock& clock) {
    // Modular addition on purpose (§4.2.11.1 "modulo 2^32").
    return static_cast<uint32_t>(ticket.age_ms(clock) + ticket.age_add);
}

Result<Secret> resumption_binder(HashAlgorithm alg, ByteView psk, ByteView whole_client_hello,
                                 const Transcript& earlier) {
    const ByteView truncated = TRY(client_hello_binders_prefix(whole_client_hello));
    Bytes truncated_hash;
    if (earlier.algorithm()) {
        if (*earlier.algorithm() != alg)
            return fail(AlertDescription::internal_error, "PSK hash differs from the transcript's");
        truncated_hash = TRY(earlier.hash_with(truncated));
    } else {
        truncated_hash = hash(alg, truncated);
    }
    const EarlySecret early = early_secret(alg, psk);
    const BinderKey key = TRY(binder_key(alg, early, PskKind::resumption));
    return psk_binder(alg, key, truncated_hash);
}

Status add_psk_offer(ClientHello& hello, const PskOffer& offer, const Transcript& earlier, const Clock& clock) {
    OfferedPsks offered;
    offered.identities.push_back(PskIdentity{offer.ticket.ticket, obfuscated_ticket_age(offer.ticket, clock)});
    offered.binders.push_back(Bytes(hash_size(offer.hash), 0));  // placeholder of the final length
    hello.extensions.push_back(TRY(encode_pre_shared_key_client_hello(offered)));
    const Bytes whole = TRY(encode_handshake(hello));
    const Secret binder = TRY(resumption_binder(offer.hash, offer.ticket.psk.view(), view(whole), earlier));
    return set_psk_binders(hello, {to_bytes(binder.view())});
}

}  // namespace tpmtls
