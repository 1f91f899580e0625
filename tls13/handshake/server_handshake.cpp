#include "tls13/handshake/server_handshake.h"

#include <algorithm>
#include <array>

#include "tls13/extensions/alpn.h"
#include "tls13/extensions/negotiation.h"
#include "tls13/extensions/pre_shared_key.h"
#include "tls13/extensions/server_name.h"

namespace tpmtls {

std::unique_ptr<Handshake> make_server_handshake(ServerConfig config, HandshakeContext context) {
    return std::make_unique<ServerHandshake>(std::move(config), context);
}

ServerHandshake::ServerHandshake(ServerConfig config, HandshakeContext context)
    : config_(std::move(config)), context_(context) {}

const char* ServerHandshake::state_name() const {
    switch (state_) {
        case State::start: return "START";
        case State::wait_cert: return "WAIT_CERT";
        case State::wait_cv: return "WAIT_CV";
        case State::wait_finished: return "WAIT_FINISHED";
        case State::connected: return "CONNECTED";
        case State::failed: return "FAILED";
        default: return "UNKNOWN";
    }
}

// Appendix A.2: the server speaks second; it waits for a ClientHello.
Status ServerHandshake::start() { return ok(); }

Status ServerHandshake::on_message(const HandshakeMessage& message) { return settle(dispatch(message)); }

Status ServerHandshake::settle(Next next) {
    if (!next) {
        // The connection sends the alert and stops; nothing more is accepted here either.
        state_ = State::failed;
        return std::move(next).error();
    }
    state_ = *next;
    return ok();
}

ServerHandshake::Next ServerHandshake::dispatch(const HandshakeMessage& message) {
    switch (state_) {
        case State::start:
            if (message.type == HandshakeType::client_hello)
                return on_client_hello(TRY(decode_client_hello(message.body)), message.whole);
            break;
        case State::wait_cert:
            if (message.type == HandshakeType::certificate)
                return on_certificate(TRY(decode_certificate(message.body)), message.whole);
            break;
        case State::wait_cv:
            if (message.type == HandshakeType::certificate_verify)
                return on_certificate_verify(TRY(decode_certificate_verify(message.body)), message.whole);
            break;
        case State::wait_finished:
            if (message.type == HandshakeType::finished)
                return on_finished(TRY(decode_finished(message.body, hash_size(suite().hash))), message.whole);
            break;
        case State::connected:
            // §4.6: the only post-handshake message a client sends us is KeyUpdate (we never
            // offer post_handshake_auth; NewSessionTicket only goes the other way).
            if (message.type == HandshakeType::key_update) return on_key_update(TRY(decode_key_update(message.body)));
            break;
        default:
            break;
    }
    // RFC 8446 §6.2 / Appendix A: anything the current state does not expect.
    return fail(AlertDescription::unexpected_message, to_string(message.type) + " in " + state_name());
}

Status ServerHandshake::send(Result<Bytes> whole_message) {
    const Bytes message = TRY(std::move(whole_message));
    TRY(transcript_.add(view(message)));
    return context_.io.send_handshake(view(message));
}

// RFC 8446 §D.4: in compatibility mode (the client sent a legacy_session_id) the server sends
// one dummy change_cipher_spec right after its first handshake message, ServerHello or
// HelloRetryRequest.
Status ServerHandshake::send_change_cipher_spec_once(const ClientHello& hello) {
    if (hello.legacy_session_id.empty() || change_cipher_spec_sent_) return ok();
    change_cipher_spec_sent_ = true;
    return context_.io.send_change_cipher_spec();
}

ServerHandshake::Next ServerHandshake::on_client_hello(const ClientHello& hello, ByteView whole) {
    if (config_.client_auth != ClientAuthMode::off && config_.client_trust_anchors == nullptr)
        return fail(AlertDescription::internal_error, "client authentication configured without trust anchors");
    // §4.3.2: a CertificateRequest carries a non-empty signature_algorithms, and we send
    // signature_algorithms_cert too; refused before anything is sent rather than midway.
    if (config_.client_auth != ClientAuthMode::off &&
        (config_.signature_schemes.empty() || config_.certificate_signature_schemes.empty()))
        return fail(AlertDescription::internal_error, "client authentication configured without signature schemes");
    const bool second_hello = hello_retry_group_.has_value();
    ServerNegotiation negotiated = TRY(negotiate_client_hello(config_, hello, hello_retry_group_));
    if (second_hello) {
        // §4.1.2: the second ClientHello is the first with only key_share (and a few others)
        // changed; §4.1.4: the ServerHello keeps the HelloRetryRequest's suite.
        if (negotiated.suite.suite != suite().suite)
            return fail(AlertDescription::illegal_parameter, "second ClientHello changed the cipher suite choice");
        if (hello.legacy_session_id != legacy_session_id_)
            return fail(AlertDescription::illegal_parameter, "second ClientHello changed legacy_session_id");
    } else {
        suite_ = negotiated.suite;
        legacy_session_id_ = hello.legacy_session_id;
        TRY(transcript_.set_algorithm(suite().hash));
        // §5: from the first ClientHello on, a peer's compatibility-mode CCS is dropped.
        context_.io.allow_change_cipher_spec(true);
    }
    // RECVD_CH: a resumption PSK is judged on the ClientHello that gets our ServerHello (after a
    // HelloRetryRequest, the second one, whose binder covers the first exchange too, §4.2.11.2).
    // Its binder is checked against the transcript before this ClientHello.
    if (negotiated.client_share)
        psk_ = TRY(accept_resumption_psk(config_, hello, whole, transcript_, suite(), negotiated.server_name,
                                         context_.clock.unix_seconds()));
    TRY(transcript_.add(whole));
    // RECVD_CH: no share for the group we want means asking for it (once; the second
    // ClientHello must carry it, negotiate_client_hello checks).
    if (!negotiated.client_share) {
        TRY(send_hello_retry_request(hello, negotiated));
        return State::start;
    }
    // NEGOTIATED -> WAIT_FLIGHT2 -> (no 0-RTT) WAIT_CERT or WAIT_FINISHED
    TRY(send_server_hello(hello, negotiated));
    TRY(send_server_flight(negotiated));
    if (psk_ || config_.client_auth == ClientAuthMode::off) return State::wait_finished;
    return State::wait_cert;
}

// RFC 8446 §4.1.4: the HelloRetryRequest names the suite and the group we want.
Status ServerHandshake::send_hello_retry_request(const ClientHello& hello, const ServerNegotiation& negotiated) {
    ServerHello retry;
    retry.random = hello_retry_request_random;
    retry.legacy_session_id_echo = hello.legacy_session_id;
    retry.cipher_suite = suite().suite;
    retry.extensions.push_back(TRY(encode_supported_versions_server_hello(tls13_version)));
    retry.extensions.push_back(TRY(encode_key_share_hello_retry_request(negotiated.group)));
    // §4.4.1: ClientHello1 becomes message_hash(Hash(ClientHello1)) before the HRR is added.
    TRY(transcript_.replace_client_hello_with_message_hash());
    TRY(send(encode_handshake(retry)));
    TRY(send_change_cipher_spec_once(hello));
    hello_retry_group_ = negotiated.group;
    session_.hello_retry_request = true;
    return ok();
}

// RFC 8446 §4.1.3, then the handshake keys of §7.1.
Status ServerHandshake::send_server_hello(const ClientHello& hello, const ServerNegotiation& negotiated) {
    const HashAlgorithm alg = suite().hash;
    // §4.2.9: psk_ke resumes without (EC)DHE; every other handshake has a key share.
    const bool with_dhe = !psk_ || psk_->mode == PskKeyExchangeMode::psk_dhe_ke;
    std::unique_ptr<KeyExchange> key_exchange;
    Secret shared;
    if (with_dhe) {
        key_exchange = TRY(generate_key_exchange(negotiated.group, context_.random));
        // §4.2.8: the client's share is checked here (illegal_parameter), before we send anything.
        shared = TRY(key_exchange->shared_secret(view(negotiated.client_share->key_exchange)));
    }

    ServerHello reply;
    context_.random.fill(reply.random);
    reply.legacy_session_id_echo = hello.legacy_session_id;
    reply.cipher_suite = suite().suite;
    // The order of RFC 8448 §4: pre_shared_key, key_share, supported_versions.
    if (psk_) reply.extensions.push_back(TRY(encode_pre_shared_key_server_hello(psk_->selected_identity)));
    if (with_dhe) {
        const KeyShareEntry server_share{negotiated.group, to_bytes(key_exchange->public_key())};
        reply.extensions.push_back(TRY(encode_key_share_server_hello(server_share)));
    }
    reply.extensions.push_back(TRY(encode_supported_versions_server_hello(tls13_version)));
    TRY(send(encode_handshake(reply)));
    TRY(send_change_cipher_spec_once(hello));

    // §7.1: Early Secret = HKDF-Extract(0, PSK), with PSK = 0 in a full handshake.
    const EarlySecret early = early_secret(alg, psk_ ? psk_->ticket.resumption_psk.view() : ByteView());
    handshake_secret_ = TRY(handshake_secret(alg, early, shared.view()));
    trace_key_schedule(context_.io, early, handshake_secret_);
    const Bytes hello_hash = TRY(transcript_.hash());
    client_handshake_secret_ = TRY(client_handshake_traffic_secret(alg, handshake_secret_, view(hello_hash)));
    server_handshake_secret_ = TRY(server_handshake_traffic_secret(alg, handshake_secret_, view(hello_hash)));
    TRY(context_.io.set_write_secret(suite(), server_handshake_secret_));
    TRY(context_.io.set_read_secret(suite(), client_handshake_secret_));

    session_.suite = suite().suite;
    session_.group = negotiated.group;
    session_.server_name = negotiated.server_name.value_or("");
    session_.alpn = negotiated.alpn ? std::string(negotiated.alpn->begin(), negotiated.alpn->end()) : "";
    if (psk_) {
        // §2.2: the PSK stands for the full handshake's authentication, client identity included.
        session_.resumed = true;
        session_.peer_identity = psk_->ticket.client_identity;
    } else {
        session_.own_signature_scheme = negotiated.signature_scheme;
    }
    return ok();
}

// EncryptedExtensions, [CertificateRequest], Certificate, CertificateVerify, Finished
// (§4.3-§4.4), then our application write key (§7.1: "server_application_traffic_secret_0"
// over ClientHello...server Finished).
Status ServerHandshake::send_server_flight(const ServerNegotiation& negotiated) {
    EncryptedExtensions encrypted;
    // RFC 6066 §3: a server that used the name answers with an empty server_name.
    if (negotiated.server_name) encrypted.extensions.push_back(encode_server_name_encrypted_extensions());
    if (negotiated.alpn) encrypted.extensions.push_back(TRY(encode_alpn_encrypted_extensions(view(*negotiated.alpn))));
    TRY(send(encode_handshake(encrypted)));

    if (psk_) return send_finished_and_application_keys();
    if (config_.client_auth != ClientAuthMode::off) {
        // §4.3.2: an empty context during the handshake; the schemes we verify in the
        // CertificateVerify, and (§4.2.3) those the client's chain may be signed with.
        CertificateRequest request;
        request.extensions.push_back(TRY(encode_signature_algorithms(config_.signature_schemes)));
        request.extensions.push_back(TRY(encode_signature_algorithms_cert(config_.certificate_signature_schemes)));
        certificate_request_extensions_ = request.extensions;
        TRY(send(encode_handshake(request)));
    }

    TRY(send(build_certificate(ByteView(), config_.credentials.chain)));
    const Bytes certificate_hash = TRY(transcript_.hash());
    TRY(send(build_certificate_verify(*config_.credentials.signer, negotiated.signature_scheme, Role::server,
                                      view(certificate_hash))));
    return send_finished_and_application_keys();
}

// Finished (§4.4.4), then our application write key (§7.1).
Status ServerHandshake::send_finished_and_application_keys() {
    const HashAlgorithm alg = suite().hash;
    const Bytes through_last = TRY(transcript_.hash());
    TRY(send(build_finished(alg, server_handshake_secret_, view(through_last))));

    master_secret_ = TRY(master_secret(alg, handshake_secret_));
    handshake_secret_.wipe();
    const Bytes server_finished_hash = TRY(transcript_.hash());
    client_application_secret_ =
        TRY(client_application_traffic_secret(alg, master_secret_, view(server_finished_hash)));
    TrafficSecret server_application =
        TRY(server_application_traffic_secret(alg, master_secret_, view(server_finished_hash)));
    ExporterMasterSecret exporter = TRY(exporter_master_secret(alg, master_secret_, view(server_finished_hash)));
    trace_key_schedule(context_.io, master_secret_, exporter);
    // §4.4.4 / Appendix A.2: we may send application data now; we read the client's handshake
    // keys until its Finished.
    TRY(context_.io.set_write_secret(suite(), server_application));
    application_keys_ = ApplicationKeys(Role::server, suite(), client_application_secret_.clone(),
                                        std::move(server_application), std::move(exporter));
    server_handshake_secret_.wipe();
    return ok();
}

// WAIT_CERT (§4.4.2, §4.4.2.4): the client's answer to our CertificateRequest.
ServerHandshake::Next ServerHandshake::on_certificate(const Certificate& message, ByteView whole) {
    // §4.4.2: the context echoes the CertificateRequest's, which was empty.
    if (!message.certificate_request_context.empty())
        return fail(AlertDescription::illegal_parameter, "client Certificate has a non-empty request context");
    // §4.4.2: the client's entry extensions "MUST correspond to extensions in the
    // CertificateRequest message from the server".
    for (const auto& entry : message.certificate_list)
        TRY(check_offered(entry.extensions, certificate_request_extensions_, false));
    TRY(transcript_.add(whole));
    if (message.certificate_list.empty()) {
        // §4.4.2.4: "If the client does not send any certificates ... the server MAY at its
        // discretion either continue the handshake without client authentication, or abort the
        // handshake with a certificate_required alert."
        if (config_.client_auth == ClientAuthMode::required)
            return fail(AlertDescription::certificate_required, "client sent no certificate");
        return State::wait_finished;  // and no CertificateVerify is expected
    }
    ChainPolicy policy;
    policy.purpose = CertificatePurpose::client_auth;
    policy.now_unix_seconds = context_.clock.unix_seconds();
    // §4.2.3: every signature in the path uses a scheme our signature_algorithms_cert offered.
    policy.signature_schemes = config_.certificate_signature_schemes;
    policy.allow_sha1 = config_.allow_sha1_certificates;
    client_chain_ = TRY(verify_certificate_chain(*config_.client_trust_anchors, certificate_chain_of(message), policy));
    return State::wait_cv;
}

// WAIT_CV (§4.4.3): signed over the transcript through the client's Certificate.
ServerHandshake::Next ServerHandshake::on_certificate_verify(const CertificateVerify& message, ByteView whole) {
    const Bytes certificate_hash = TRY(transcript_.hash());
    client_certificate_verify_ = TRY(verify_certificate_verify(*client_chain_, message, config_.signature_schemes,
                                                               Role::client, view(certificate_hash)));
    TRY(transcript_.add(whole));
    return State::wait_finished;
}

// WAIT_FINISHED (§4.4.4): then the client's application keys and the resumption secret.
ServerHandshake::Next ServerHandshake::on_finished(const Finished& message, ByteView whole) {
    const HashAlgorithm alg = suite().hash;
    // STYLE.md §12: a certificate we accepted must have been proven by its CertificateVerify.
    if (client_chain_ && !client_certificate_verify_)
        return fail(AlertDescription::internal_error, "client certificate without a verified CertificateVerify");
    const Bytes before_finished = TRY(transcript_.hash());
    TRY(verify_finished(alg, client_handshake_secret_, view(before_finished), message));
    TRY(transcript_.add(whole));
    TRY(context_.io.set_read_secret(suite(), client_application_secret_));
    const Bytes client_finished_hash = TRY(transcript_.hash());
    resumption_master_ = TRY(tpmtls::resumption_master_secret(alg, master_secret_, view(client_finished_hash)));
    context_.io.trace_secret(TraceSecret::resumption_master_secret, resumption_master_);
    // §5: the compatibility CCS window closes with the peer's Finished.
    context_.io.allow_change_cipher_spec(false);

    if (client_chain_) {
        session_.peer_identity = client_chain_->identity();
        session_.peer_signature_scheme = client_certificate_verify_->scheme();
    }
    client_handshake_secret_.wipe();
    client_application_secret_.wipe();
    master_secret_.wipe();
    TRY(send_session_tickets());
    psk_.reset();
    return State::connected;
}

// RFC 8446 §4.6.1: `tickets` NewSessionTickets, each with its own nonce and PSK
// HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length), sealed
// into the ticket with what a resumption must restore (client identity included).
Status ServerHandshake::send_session_tickets() {
    if (!config_.ticket_keys || config_.tickets == 0) return ok();
    const uint32_t lifetime = std::min(config_.ticket_lifetime_seconds, max_ticket_lifetime_seconds);
    // Two-byte nonces: at most 65536 distinct tickets per connection.
    const unsigned count = std::min(config_.tickets, 0x10000u);
    for (unsigned i = 0; i < count; ++i) {
        NewSessionTicket message;
        message.ticket_lifetime = lifetime;
        std::array<uint8_t, 4> age_add{};
        context_.random.fill(age_add);
        message.ticket_age_add = static_cast<uint32_t>(age_add[0]) << 24 | static_cast<uint32_t>(age_add[1]) << 16 |
                                 static_cast<uint32_t>(age_add[2]) << 8 | age_add[3];
        // Unique within this connection, which is all §4.6.1 asks.
        message.ticket_nonce = {static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
        TicketContents contents;
        contents.suite = suite().suite;
        contents.resumption_psk = TRY(resumption_psk(suite().hash, resumption_master_, view(message.ticket_nonce)));
        contents.created_unix_seconds = context_.clock.unix_seconds();
        contents.age_add = message.ticket_age_add;
        contents.lifetime_seconds = lifetime;
        contents.alpn = session_.alpn;
        contents.server_name = session_.server_name;
        contents.client_identity = session_.peer_identity;
        message.ticket = TRY(config_.ticket_keys->seal(contents, context_.random));
        // Post-handshake: not part of the transcript (§4.4.1), under the application keys.
        const Bytes whole = TRY(encode_handshake(message));
        TRY(context_.io.send_handshake(view(whole)));
    }
    return ok();
}

// CONNECTED (§4.6.3).
ServerHandshake::Next ServerHandshake::on_key_update(const KeyUpdate& message) {
    TRY(application_keys_.on_key_update(context_.io, message));
    return State::connected;
}

Status ServerHandshake::send_key_update(bool request_peer_update) {
    if (state_ != State::connected)
        return fail(AlertDescription::internal_error, std::string("KeyUpdate in ") + state_name());
    return application_keys_.send_key_update(context_.io, request_peer_update);
}

Result<Bytes> ServerHandshake::export_keying_material(std::string_view label, ByteView context, size_t length) const {
    if (state_ != State::connected)
        return fail(AlertDescription::internal_error, std::string("exporter in ") + state_name());
    return application_keys_.export_keying_material(label, context, length);
}

}  // namespace tpmtls
