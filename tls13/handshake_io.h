// The boundary between a handshake state machine and its connection (STYLE.md §1, §5): the state
// machine decides what to send and when keys change; the connection owns the record layer and
// the single place that sends a fatal alert.
#pragma once

#include <memory>
#include <string_view>

#include "tls13/bytes.h"
#include "tls13/cipher_suite.h"
#include "tls13/clock.h"
#include "tls13/crypto/random.h"
#include "tls13/handshake/handshake_config.h"
#include "tls13/messages/handshake.h"
#include "tls13/secret.h"
#include "tls13/trace/trace.h"

namespace tpmtls {

class HandshakeIo {
public:
    virtual ~HandshakeIo() = default;
    // One whole handshake message, in the current write epoch.
    virtual Status send_handshake(ByteView whole_message) = 0;
    // The compatibility-mode change_cipher_spec record (RFC 8446 §D.4), always unprotected.
    virtual Status send_change_cipher_spec() = 0;
    // Key changes (RFC 8446 §7.3). A read-key change with handshake bytes still buffered from
    // the old epoch is unexpected_message (§5.1); the connection checks that.
    virtual Status set_write_secret(const CipherSuiteInfo& suite, const TrafficSecret& secret) = 0;
    virtual Status set_read_secret(const CipherSuiteInfo& suite, const TrafficSecret& secret) = 0;
    // The §5 window in which an unprotected change_cipher_spec is dropped.
    virtual void allow_change_cipher_spec(bool allowed) = 0;
    // A key-schedule secret other than the traffic secrets installed above (early, handshake,
    // master, exporter, resumption), for the trace and key log (tls13/trace/trace.h); no-op by default.
    virtual void trace_secret(TraceSecret /*which*/, const Secret& /*value*/) {}
};

// What both state machines get from their connection.
struct HandshakeContext {
    HandshakeIo& io;
    Random& random;
    const Clock& clock;
};

// A handshake state machine (RFC 8446 Appendix A): messages in, actions through HandshakeIo.
// After the handshake it also handles post-handshake messages (NewSessionTicket, KeyUpdate).
class Handshake {
public:
    virtual ~Handshake() = default;
    // Client: sends the ClientHello. Server: nothing.
    virtual Status start() = 0;
    // One whole handshake message from the peer. A message the current state does not expect
    // is unexpected_message (decided in one place per role).
    virtual Status on_message(const HandshakeMessage& message) = 0;
    virtual bool connected() const = 0;
    virtual const SessionInfo& session() const = 0;
    // Sends a KeyUpdate and switches our write keys (RFC 8446 §4.6.3); only once connected.
    virtual Status send_key_update(bool request_peer_update) = 0;
    // The TLS exporter of RFC 8446 §7.5, once connected.
    virtual Result<Bytes> export_keying_material(std::string_view label, ByteView context, size_t length) const = 0;
    // A short name of the current state ("WAIT_EE"), for errors and traces.
    virtual const char* state_name() const = 0;
};

// The two state machines (tls13/handshake/client_handshake.cpp, tls13/handshake/server_handshake.cpp).
std::unique_ptr<Handshake> make_client_handshake(ClientConfig config, HandshakeContext context);
std::unique_ptr<Handshake> make_server_handshake(ServerConfig config, HandshakeContext context);

}  // namespace tpmtls
