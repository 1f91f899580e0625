// Pieces both handshake roles share: CertificateVerify (RFC 8446 §4.4.3), Finished (§4.4.4),
// the Certificate message (§4.4.2) and the post-handshake key state (KeyUpdate §4.6.3,
// exporter §7.5).
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "tls13/handshake_io.h"
#include "tls13/key_schedule/key_schedule.h"
#include "tls13/messages/messages.h"
#include "tls13/x509.h"

namespace tpmtls {

enum class Role : uint8_t { client, server };

// §4.4.3: 64 spaces, the context string of `signer_role`, a zero byte, the transcript hash.
Bytes certificate_verify_content(Role signer_role, ByteView transcript_hash);

// Signs with `signer` and returns the whole CertificateVerify message.
Result<Bytes> build_certificate_verify(Signer& signer, SignatureScheme scheme, Role signer_role,
                                       ByteView transcript_hash);

// Proof that a peer's CertificateVerify checked out (STYLE.md §12): only
// verify_certificate_verify makes one, and the states after WAIT_CV require it.
class VerifiedCertificateVerify {
public:
    SignatureScheme scheme() const { return scheme_; }

private:
    friend Result<VerifiedCertificateVerify> verify_certificate_verify(const VerifiedChain&, const CertificateVerify&,
                                                                       std::span<const SignatureScheme>, Role,
                                                                       ByteView);
    explicit VerifiedCertificateVerify(SignatureScheme scheme) : scheme_(scheme) {}
    SignatureScheme scheme_;
};

// §4.4.3: the scheme must be one we offered (illegal_parameter) and fit the certificate's key;
// the signature must verify (decrypt_error).
Result<VerifiedCertificateVerify> verify_certificate_verify(const VerifiedChain& chain, const CertificateVerify& message,
                                                            std::span<const SignatureScheme> offered, Role signer_role,
                                                            ByteView transcript_hash);

// Study features (tls13/trace/trace.h): report the §7.1 extract steps to the trace.
inline void trace_key_schedule(HandshakeIo& io, const EarlySecret& early, const HandshakeSecret& handshake) {
    io.trace_secret(TraceSecret::early_secret, early);
    io.trace_secret(TraceSecret::handshake_secret, handshake);
}
inline void trace_key_schedule(HandshakeIo& io, const MasterSecret& master, const ExporterMasterSecret& exporter) {
    io.trace_secret(TraceSecret::master_secret, master);
    io.trace_secret(TraceSecret::exporter_master_secret, exporter);
}

// §4.4.4: the whole Finished message for `base_key` (our handshake traffic secret).
Result<Bytes> build_finished(HashAlgorithm alg, const TrafficSecret& base_key, ByteView transcript_hash);
// §4.4.4: compared in constant time; a mismatch is decrypt_error.
Status verify_finished(HashAlgorithm alg, const TrafficSecret& base_key, ByteView transcript_hash,
                       const Finished& message);

// §4.4.2: a Certificate message for our chain (leaf first); an empty chain gives the empty
// Certificate a client sends when it has no certificate (§4.4.2.3).
Result<Bytes> build_certificate(ByteView request_context, const std::vector<Bytes>& chain);

// The DER certificates of a received Certificate message, leaf first.
std::vector<ByteView> certificate_chain_of(const Certificate& message);

// The keys after the handshake: application traffic secrets for both directions, and the
// exporter master secret. Handles KeyUpdate both ways (§4.6.3, §7.2).
class ApplicationKeys {
public:
    ApplicationKeys() = default;
    ApplicationKeys(Role role, CipherSuiteInfo suite, TrafficSecret client_secret, TrafficSecret server_secret,
                    ExporterMasterSecret exporter)
        : role_(role), suite_(suite), client_(std::move(client_secret)), server_(std::move(server_secret)),
          exporter_(std::move(exporter)) {}

    // Installs both directions' keys.
    Status install(HandshakeIo& io) const;
    // Sends KeyUpdate and moves our write keys on.
    Status send_key_update(HandshakeIo& io, bool request_peer_update);
    // A received KeyUpdate: moves the peer's keys on and, if asked, answers with our own
    // KeyUpdate (update_not_requested).
    Status on_key_update(HandshakeIo& io, const KeyUpdate& message);
    Result<Bytes> export_keying_material(std::string_view label, ByteView context, size_t length) const;

private:
    TrafficSecret& own() { return role_ == Role::client ? client_ : server_; }
    TrafficSecret& peer() { return role_ == Role::client ? server_ : client_; }

    Role role_ = Role::client;
    CipherSuiteInfo suite_{};
    TrafficSecret client_;
    TrafficSecret server_;
    ExporterMasterSecret exporter_;
};

}  // namespace tpmtls
