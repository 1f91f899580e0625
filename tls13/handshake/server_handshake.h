// The server handshake of RFC 8446 Appendix A.2, I/O-free (STYLE.md §1-§2):
//
//                               START <-----+
//                Recv ClientHello |         | Send HelloRetryRequest
//                                 v         |
//                              RECVD_CH ----+
//                                 | Select parameters
//                                 v
//                              NEGOTIATED
//                                 | Send ServerHello, [CCS], EncryptedExtensions,
//                                 | [CertificateRequest], Certificate, CertificateVerify, Finished
//                                 v
//                           WAIT_FLIGHT2 (no 0-RTT: straight on)
//               No auth           |      Client auth
//                +----------------+-----------------+
//                |                                  v
//                |                              WAIT_CERT
//                |           Recv empty Certificate |  Recv Certificate
//                |             +--------------------+--------+
//                |             |                             v
//                |             |                          WAIT_CV
//                |             |                             | Recv CertificateVerify
//                +-------------+-------------+---------------+
//                                            v
//                                       WAIT_FINISHED
//                                            | Recv Finished
//                                            v
//                                        CONNECTED
//
// RECVD_CH, NEGOTIATED and WAIT_FLIGHT2 are passed through inside one on_message() call.
// With a resumption PSK accepted (§4.2.11) NEGOTIATED sends no CertificateRequest, Certificate
// or CertificateVerify and WAIT_FLIGHT2 goes to WAIT_FINISHED ("No auth"); after the client
// Finished, CONNECTED sends the NewSessionTickets (§4.6.1).
// make_server_handshake (tls13/handshake_io.h) returns one of these.
#pragma once

#include <memory>
#include <optional>

#include "tls13/handshake/handshake_common.h"
#include "tls13/crypto/key_exchange.h"
#include "tls13/handshake/server_negotiation.h"
#include "tls13/handshake/server_psk.h"
#include "tls13/key_schedule/transcript.h"

namespace tpmtls {

class ServerHandshake final : public Handshake {
public:
    enum class State : uint8_t { start, wait_cert, wait_cv, wait_finished, connected, failed };

    ServerHandshake(ServerConfig config, HandshakeContext context);

    Status start() override;
    Status on_message(const HandshakeMessage& message) override;
    bool connected() const override { return state_ == State::connected; }
    const SessionInfo& session() const override { return session_; }
    Status send_key_update(bool request_peer_update) override;
    Result<Bytes> export_keying_material(std::string_view label, ByteView context, size_t length) const override;
    const char* state_name() const override;

    // RFC 8446 §7.1: kept for the resumption issue (NewSessionTicket PSKs); empty until CONNECTED.
    const ResumptionMasterSecret& resumption_master() const { return resumption_master_; }

private:
    using Next = Result<State>;

    // The state is assigned here and only here (STYLE.md §2): a handler's next state, or FAILED.
    Status settle(Next next);
    // The one dispatch: decodes what the current state expects, refuses everything else.
    Next dispatch(const HandshakeMessage& message);
    Next on_client_hello(const ClientHello& hello, ByteView whole);
    Next on_certificate(const Certificate& message, ByteView whole);
    Next on_certificate_verify(const CertificateVerify& message, ByteView whole);
    Next on_finished(const Finished& message, ByteView whole);
    Next on_key_update(const KeyUpdate& message);

    Status send(Result<Bytes> whole_message);  // adds it to the transcript, then sends it
    Status send_change_cipher_spec_once(const ClientHello& hello);
    Status send_hello_retry_request(const ClientHello& hello, const ServerNegotiation& negotiated);
    Status send_server_hello(const ClientHello& hello, const ServerNegotiation& negotiated);
    Status send_server_flight(const ServerNegotiation& negotiated);
    Status send_finished_and_application_keys();
    Status send_session_tickets();  // §4.6.1, after the client Finished
    const CipherSuiteInfo& suite() const { return *suite_; }

    ServerConfig config_;
    HandshakeContext context_;
    State state_ = State::start;
    SessionInfo session_;
    Transcript transcript_;

    // Set by the first ClientHello.
    std::optional<CipherSuiteInfo> suite_;
    Bytes legacy_session_id_;                       // echoed; the second ClientHello keeps it
    std::optional<NamedGroup> hello_retry_group_;  // the group our HelloRetryRequest asked for
    bool change_cipher_spec_sent_ = false;          // §D.4: at most one, after our first message
    // §4.2.11: the ticket whose PSK this handshake uses; absent in a full handshake.
    std::optional<AcceptedPsk> psk_;

    // The handshake secrets, from ServerHello on.
    HandshakeSecret handshake_secret_;
    TrafficSecret client_handshake_secret_;
    TrafficSecret server_handshake_secret_;
    // From our Finished on: the application secrets (§7.1); the client's read key is installed
    // only after its Finished.
    MasterSecret master_secret_;
    TrafficSecret client_application_secret_;
    ApplicationKeys application_keys_;
    ResumptionMasterSecret resumption_master_;

    // Client authentication (§4.3.2, §4.4.2.4).
    Extensions certificate_request_extensions_;  // what our CertificateRequest offered (§4.4.2)
    std::optional<VerifiedChain> client_chain_;  // WAIT_CV: the chain its CertificateVerify must match
    std::optional<VerifiedCertificateVerify> client_certificate_verify_;  // the proof WAIT_FINISHED needs
};

}  // namespace tpmtls
