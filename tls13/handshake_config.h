// What the application configures for a handshake, and what it learns from one.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tls13/bytes.h"
#include "tls13/cipher_suite.h"
#include "tls13/crypto/verify.h"
#include "tls13/signer.h"
#include "tls13/trace.h"
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

// A NewSessionTicket as the client keeps it (RFC 8446 §4.6.1): the resumption issue stores these.
struct SessionTicket {
    CipherSuite suite{};
    Bytes ticket;
    uint32_t lifetime_seconds = 0;
    uint32_t age_add = 0;
    uint64_t received_ms = 0;   // Clock::monotonic_ms() when it arrived
    uint32_t max_early_data = 0;
    Secret psk;                 // resumption PSK for this ticket (wiped with the ticket)
    std::string server_name;
    std::string alpn;
};

struct ClientConfig {
    std::vector<CipherSuite> cipher_suites = default_cipher_suites();
    // Groups we support, most preferred first. The first ClientHello carries one key share, for
    // groups[0]; a HelloRetryRequest may ask for any other one listed (RFC 8446 §4.1.4).
    std::vector<NamedGroup> groups = {NamedGroup::x25519, NamedGroup::secp256r1};
    // signature_algorithms we accept from the server (and offer for signature_algorithms_cert).
    std::vector<SignatureScheme> signature_schemes = verifiable_schemes();
    // server_name sent in SNI (unless it is an IP literal) and checked against the certificate.
    std::string server_name;
    std::vector<std::string> alpn;
    std::shared_ptr<const TrustStore> trust_anchors;
    Credentials credentials;  // for client authentication, if the server asks
    bool compatibility_mode = true;  // RFC 8446 §D.4: legacy_session_id and change_cipher_spec
    std::function<void(SessionTicket)> on_session_ticket;
    // Study features (tls13/trace.h): sees messages, key-schedule steps, records and alerts.
    std::shared_ptr<TraceObserver> trace;
};

struct ServerConfig {
    // Our preference order; with prefer_server_order the first of ours the client offers wins.
    std::vector<CipherSuite> cipher_suites = default_cipher_suites();
    std::vector<NamedGroup> groups = {NamedGroup::x25519, NamedGroup::secp256r1};
    bool prefer_server_order = true;
    std::vector<SignatureScheme> signature_schemes = verifiable_schemes();  // for client CertificateVerify
    Credentials credentials;
    ClientAuthMode client_auth = ClientAuthMode::off;
    std::shared_ptr<const TrustStore> client_trust_anchors;
    std::vector<std::string> alpn;  // empty: ALPN not negotiated
    // Study features (tls13/trace.h). TlsServer sets one per connection (ServerOptions::trace_for).
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
