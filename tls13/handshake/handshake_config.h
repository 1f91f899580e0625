// What the application configures for a handshake, and what it learns from one.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/bytes.h"
#include "tls13/cipher_suite.h"
#include "tls13/clock.h"
#include "tls13/crypto/verify.h"
#include "tls13/secret.h"
#include "tls13/signer.h"
#include "tls13/trace/trace.h"
#include "tls13/types.h"
#include "tls13/x509.h"

namespace tpmtls {

enum class ClientAuthMode : uint8_t { off, optional, required };

// Our certificate chain (leaf first, DER) and the key behind the leaf.
struct Credentials {
    std::vector<Bytes> chain;
    std::shared_ptr<Signer> signer;
    bool present() const { return !chain.empty() && signer != nullptr; }
};

class TicketKeys;         // tls13/tickets/ticket_keys.h
class TicketReplayCache;  // tls13/tickets/ticket_replay_cache.h

// RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)";
// clients MUST NOT cache a ticket longer either.
inline constexpr uint32_t max_ticket_lifetime_seconds = 604800;

// A NewSessionTicket as the client keeps it (RFC 8446 §4.6.1), with what a later ClientHello
// needs to offer it as a resumption PSK (§4.2.11) and what the resumed session reports.
// Copying clones the PSK (an intended second live copy, e.g. ClientConfig::resume).
struct SessionTicket {
    CipherSuite suite{};  // the suite of the connection that got it: its hash binds the PSK
    Bytes ticket;         // the PskIdentity.identity to send
    uint32_t lifetime_seconds = 0;
    uint32_t age_add = 0;
    uint64_t received_ms = 0;           // Clock::monotonic_ms() when it arrived (this process)
    int64_t received_unix_seconds = 0;  // Clock::unix_seconds() when it arrived (survives restarts)
    uint32_t max_early_data = 0;
    Secret psk;                 // resumption PSK for this ticket (wiped with the ticket)
    std::string server_name;
    std::string alpn;
    // The server's identity verified in the full handshake that issued the ticket: a resumed
    // session has no Certificate, so SessionInfo::peer_identity is restored from here.
    std::optional<PeerIdentity> server_identity;

    SessionTicket() = default;
    SessionTicket(const SessionTicket& other);
    SessionTicket& operator=(const SessionTicket& other);
    SessionTicket(SessionTicket&&) noexcept = default;
    SessionTicket& operator=(SessionTicket&&) noexcept = default;
    ~SessionTicket() = default;

    // Ticket age in milliseconds now (§4.2.11: "the time since the client learned about the
    // server configuration"): the monotonic clock's when it agrees with the wall clock's
    // (within 2 s: same boot), else the wall clock's (whole seconds), so a ticket restored from a
    // store after a reboot still ages correctly.
    uint64_t age_ms(const Clock& clock) const;
    // §4.6.1: past its lifetime (or the 7-day cap), or from the future (a clock gone backwards).
    bool expired(int64_t now_unix_seconds) const;
};

struct ClientConfig {
    std::vector<CipherSuite> cipher_suites = default_cipher_suites();
    // Groups we support, most preferred first. The first ClientHello carries one key share, for
    // groups[0]; a HelloRetryRequest may ask for any other one listed (RFC 8446 §4.1.4).
    std::vector<NamedGroup> groups = {NamedGroup::x25519, NamedGroup::secp256r1};
    // signature_algorithms: the schemes we accept in the server's CertificateVerify.
    std::vector<SignatureScheme> signature_schemes = verifiable_schemes();
    // signature_algorithms_cert (RFC 8446 §4.2.3): the schemes we accept for signatures in the
    // server's certificate chain; the chain verifier holds every signature in the path to them.
    std::vector<SignatureScheme> certificate_signature_schemes = tpmtls::certificate_signature_schemes();
    bool allow_sha1_certificates = false;  // ChainPolicy::allow_sha1
    // server_name sent in SNI (unless it is an IP literal) and checked against the certificate.
    std::string server_name;
    std::vector<std::string> alpn;
    std::shared_ptr<const TrustStore> trust_anchors;
    Credentials credentials;  // for client authentication, if the server asks
    // Things the handshake goes on despite, in one line for the user: a CertificateRequest whose
    // signature_algorithms our key can make none of, answered with no certificate (§4.4.2.3).
    std::function<void(std::string_view)> on_warning;
    bool compatibility_mode = true;  // RFC 8446 §D.4: legacy_session_id and change_cipher_spec
    std::function<void(SessionTicket)> on_session_ticket;
    // A ticket to resume with (RFC 8446 §2.2, §4.2.11): offered as the only PSK, psk_dhe_ke,
    // when it has not expired and its suite's hash matches a suite we offer. Whether the server
    // accepted it shows in SessionInfo::resumed.
    std::optional<SessionTicket> resume;
    // Study features (tls13/trace/trace.h): sees messages, key-schedule steps, records and alerts.
    std::shared_ptr<TraceObserver> trace;
};

struct ServerConfig {
    // Our preference order; with prefer_server_order the first of ours the client offers wins.
    std::vector<CipherSuite> cipher_suites = default_cipher_suites();
    std::vector<NamedGroup> groups = {NamedGroup::x25519, NamedGroup::secp256r1};
    bool prefer_server_order = true;
    std::vector<SignatureScheme> signature_schemes = verifiable_schemes();  // for client CertificateVerify
    // CertificateRequest's signature_algorithms_cert: what the client's chain may be signed with.
    std::vector<SignatureScheme> certificate_signature_schemes = tpmtls::certificate_signature_schemes();
    bool allow_sha1_certificates = false;  // ChainPolicy::allow_sha1
    Credentials credentials;
    ClientAuthMode client_auth = ClientAuthMode::off;
    std::shared_ptr<const TrustStore> client_trust_anchors;
    std::vector<std::string> alpn;  // empty: ALPN not negotiated

    // Session tickets (RFC 8446 §4.6.1) and resumption (§4.2.11). Null: no tickets are sent
    // and offered PSKs are ignored (a full handshake).
    std::shared_ptr<TicketKeys> ticket_keys;
    unsigned tickets = 2;                       // NewSessionTickets after the client Finished
    uint32_t ticket_lifetime_seconds = 7200;    // capped at max_ticket_lifetime_seconds
    uint32_t ticket_age_tolerance_ms = 10'000;  // §4.2.11: window for the obfuscated age
    // §4.2.9 psk_ke (no (EC)DHE, so no forward secrecy) only when allowed.
    bool allow_psk_ke = false;
    // Non-null: each ticket is accepted once (§8 anti-replay); shared by the connections of one
    // server.
    std::shared_ptr<TicketReplayCache> single_use_tickets;
    // Study features (tls13/trace/trace.h). TlsServer sets one per connection (ServerOptions::trace_for).
    std::shared_ptr<TraceObserver> trace;
};

// The outcome of a handshake, for the application and for traces.
struct SessionInfo {
    CipherSuite suite{};
    NamedGroup group{};
    bool hello_retry_request = false;
    bool resumed = false;
    std::string server_name;   // SNI the client sent / the server received
    std::string alpn;          // negotiated protocol, empty if none
    std::optional<SignatureScheme> peer_signature_scheme;
    std::optional<SignatureScheme> own_signature_scheme;
    std::optional<PeerIdentity> peer_identity;  // verified peer certificate, if any
};

}  // namespace tpmtls
