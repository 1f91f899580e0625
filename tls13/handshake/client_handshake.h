// The client state machine of RFC 8446 Appendix A.1 (make_client_handshake in handshake_io.h):
//
//   START --send ClientHello--> WAIT_SH --HRR: send ClientHello2--> WAIT_SH
//   WAIT_SH --ServerHello: K_recv = handshake, [CCS], K_send = handshake--> WAIT_EE
//   WAIT_EE --EncryptedExtensions--> WAIT_CERT_CR
//   WAIT_EE --EncryptedExtensions, using PSK (the ServerHello accepted our ticket, §4.2.11)--> WAIT_FINISHED
//   WAIT_CERT_CR --CertificateRequest--> WAIT_CERT --Certificate--> WAIT_CV
//   WAIT_CERT_CR --Certificate--> WAIT_CV
//   WAIT_CV --CertificateVerify--> WAIT_FINISHED
//   WAIT_FINISHED --Finished: [Certificate [+ CertificateVerify]], Finished,
//                   K_send = K_recv = application--> CONNECTED
// (Appendix A.1 sets K_send = handshake after the server Finished, for EndOfEarlyData; with no
// early data we set it with K_recv, so our alerts in between are readable by the server.)
//   CONNECTED: NewSessionTicket, KeyUpdate
// Every other message in a state is unexpected_message, decided in one function.
#pragma once

#include <cstdint>

#include "tls13/handshake_io.h"

namespace tpmtls {

enum class ClientState : uint8_t {
    start,
    wait_server_hello,
    wait_encrypted_extensions,
    wait_cert_cr,
    wait_cert,
    wait_certificate_verify,
    wait_finished,
    connected,
    failed,  // a handler failed: the connection sends the alert; nothing more is accepted
};

// Appendix A.1 names: "WAIT_SH", "WAIT_EE", ...
const char* to_string(ClientState state);

}  // namespace tpmtls
