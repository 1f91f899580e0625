#include "tls13/handshake/client_handshake.h"

#include <algorithm>
#include <optional>

#include "tls13/handshake/client_hello_builder.h"
#include "tls13/handshake/client_psk.h"
#include "tls13/handshake/client_server_hello.h"
#include "tls13/crypto/key_exchange.h"
#include "tls13/extensions/alpn.h"
#include "tls13/extensions/negotiation.h"
#include "tls13/extensions/pre_shared_key.h"
#include "tls13/handshake/handshake_common.h"
#include "tls13/key_schedule/transcript.h"

namespace tpmtls {

const char* to_string(ClientState state) {
    switch (state) {
        case ClientState::start: return "START";
        case ClientState::wait_server_hello: return "WAIT_SH";
        case ClientState::wait_encrypted_extensions: return "WAIT_EE";
        case ClientState::wait_cert_cr: return "WAIT_CERT_CR";
        case ClientState::wait_cert: return "WAIT_CERT";
        case ClientState::wait_certificate_verify: return "WAIT_CV";
        case ClientState::wait_finished: return "WAIT_FINISHED";
        case ClientState::connected: return "CONNECTED";
        case ClientState::failed: return "FAILED";
        default: return "UNKNOWN";
    }
}

namespace {

class ClientHandshake final : public Handshake {
public:
    ClientHandshake(ClientConfig config, HandshakeContext context)
        : config_(std::move(config)), context_(context) {}

    Status start() override;
    Status on_message(const HandshakeMessage& message) override;
    bool connected() const override { return state_ == ClientState::connected; }
    const SessionInfo& session() const override { return session_; }
    Status send_key_update(bool request_peer_update) override;
    Result<Bytes> export_keying_material(std::string_view label, ByteView context, size_t length) const override;
    const char* state_name() const override { return to_string(state_); }

private:
    using Next = Result<ClientState>;

    // The state is assigned here and only here: a handler's next state, or FAILED.
    Status settle(Next next);
    // The one place that decides which message each state accepts (Appendix A.1).
    Next dispatch(const HandshakeMessage& message);

    Next begin();
    Next on_server_hello(const HandshakeMessage& message);
    Next on_hello_retry_request(const ServerHello& retry, ByteView whole);
    Status accept_server_psk(const ServerHello& hello);
    Next on_encrypted_extensions(const EncryptedExtensions& message, ByteView whole);
    Next on_certificate_request(const CertificateRequest& message, ByteView whole);
    Next on_certificate(const Certificate& message, ByteView whole);
    Next on_certificate_verify(const CertificateVerify& message, ByteView whole);
    Next on_finished(const Finished& message, ByteView whole);
    Next on_new_session_ticket(const NewSessionTicket& message);
    Next on_key_update(const KeyUpdate& message);

    Status new_key_share(NamedGroup group);
    Status send_client_hello();
    Status send_message(ByteView whole);
    Status send_compatibility_change_cipher_spec();
    Status send_second_flight();
    Status send_client_certificate();
    void release_handshake_state();
    HashAlgorithm hash() const { return suite_->hash; }

    ClientConfig config_;
    HandshakeContext context_;
    ClientState state_ = ClientState::start;
    SessionInfo session_;

    // What we offered: the parameters of the last ClientHello, the ClientHello itself (to judge
    // the answers against) and the private half of its key share.
    ClientHelloParameters parameters_;
    ClientHello client_hello_;
    std::unique_ptr<KeyExchange> key_exchange_;
    std::optional<CipherSuite> retry_suite_;  // set by a HelloRetryRequest
    std::optional<PskOffer> psk_offer_;       // the ticket offered in the last ClientHello (§4.2.11)
    bool resumed_ = false;                    // the server accepted it: no Certificate/CertificateVerify
    bool change_cipher_spec_sent_ = false;

    std::optional<CipherSuiteInfo> suite_;
    Transcript transcript_;
    HandshakeSecret handshake_secret_;
    TrafficSecret client_handshake_secret_;
    TrafficSecret server_handshake_secret_;

    bool certificate_requested_ = false;
    Bytes certificate_request_context_;
    std::vector<SignatureScheme> requested_schemes_;
    std::optional<VerifiedChain> server_chain_;
    std::optional<VerifiedCertificateVerify> server_signature_;  // proof for WAIT_FINISHED

    ApplicationKeys application_keys_;
    ResumptionMasterSecret resumption_master_secret_;
};

Status ClientHandshake::settle(Next next) {
    if (!next) {
        state_ = ClientState::failed;
        return std::move(next).error();
    }
    state_ = *next;
    return ok();
}

Status ClientHandshake::start() {
    if (state_ != ClientState::start) return fail(AlertDescription::internal_error, "client handshake started twice");
    return settle(begin());
}

Status ClientHandshake::on_message(const HandshakeMessage& message) { return settle(dispatch(message)); }

ClientHandshake::Next ClientHandshake::dispatch(const HandshakeMessage& message) {
    const HandshakeType type = message.type;
    switch (state_) {
        case ClientState::wait_server_hello:
            if (type == HandshakeType::server_hello) return on_server_hello(message);
            break;
        case ClientState::wait_encrypted_extensions:
            if (type == HandshakeType::encrypted_extensions)
                return on_encrypted_extensions(TRY(decode_encrypted_extensions(message.body)), message.whole);
            break;
        case ClientState::wait_cert_cr:
            if (type == HandshakeType::certificate_request)
                return on_certificate_request(TRY(decode_certificate_request(message.body)), message.whole);
            if (type == HandshakeType::certificate)
                return on_certificate(TRY(decode_certificate(message.body)), message.whole);
            break;
        case ClientState::wait_cert:
            if (type == HandshakeType::certificate)
                return on_certificate(TRY(decode_certificate(message.body)), message.whole);
            break;
        case ClientState::wait_certificate_verify:
            if (type == HandshakeType::certificate_verify)
                return on_certificate_verify(TRY(decode_certificate_verify(message.body)), message.whole);
            break;
        case ClientState::wait_finished:
            if (type == HandshakeType::finished)
                return on_finished(TRY(decode_finished(message.body, hash_size(hash()))), message.whole);
            break;
        case ClientState::connected:
            // §4.6: post-handshake messages. We never offer post_handshake_auth (§4.6.2), so a
            // CertificateRequest here is unexpected_message like any other.
            if (type == HandshakeType::new_session_ticket)
                return on_new_session_ticket(TRY(decode_new_session_ticket(message.body)));
            if (type == HandshakeType::key_update) return on_key_update(TRY(decode_key_update(message.body)));
            break;
        case ClientState::failed:
            return fail(AlertDescription::internal_error, "handshake message after the handshake failed");
        default: break;
    }
    return fail(AlertDescription::unexpected_message, to_string(type) + " in " + state_name());
}

ClientHandshake::Next ClientHandshake::begin() {
    TRY(check_client_config(config_));
    context_.random.fill(parameters_.random);
    // §D.4: in compatibility mode a non-empty legacy_session_id makes middleboxes see a
    // TLS 1.2 session resumption; §4.1.2 asks for 32 random bytes.
    if (config_.compatibility_mode) {
        parameters_.legacy_session_id.resize(32);
        context_.random.fill(parameters_.legacy_session_id);
    }
    // §4.2.8: one share, for our most preferred group; a HelloRetryRequest may ask for another.
    TRY(new_key_share(config_.groups.front()));
    session_.server_name = sni_host_name(config_.server_name);
    psk_offer_ = psk_offer_for(config_, context_.clock.unix_seconds());
    TRY(send_client_hello());
    // §5: from the first ClientHello on, the peer's compatibility change_cipher_spec is dropped.
    context_.io.allow_change_cipher_spec(true);
    return ClientState::wait_server_hello;
}

ClientHandshake::Next ClientHandshake::on_server_hello(const HandshakeMessage& message) {
    // §4.1.3: the version first, on the framing alone (a TLS 1.2 ServerHello is protocol_version).
    TRY(check_server_hello_version(message.body));
    const ServerHello hello = TRY(decode_server_hello(message.body));
    // §4.1.4: "If a client receives a second HelloRetryRequest in the same connection ... it
    // MUST abort the handshake with an unexpected_message alert."
    if (hello.is_hello_retry_request() && retry_suite_)
        return fail(AlertDescription::unexpected_message, "second HelloRetryRequest");
    TRY(check_server_hello_common(hello, client_hello_));
    if (hello.is_hello_retry_request()) return on_hello_retry_request(hello, message.whole);

    // §4.1.4: "clients MUST check that the cipher suite supplied in the ServerHello is the same
    // as that in the HelloRetryRequest and otherwise abort the handshake with an
    // illegal_parameter alert."
    if (retry_suite_ && hello.cipher_suite != *retry_suite_)
        return fail(AlertDescription::illegal_parameter, "ServerHello cipher suite differs from the HelloRetryRequest's");
    suite_ = cipher_suite_info(hello.cipher_suite);
    TRY(accept_server_psk(hello));
    const KeyShareEntry share = TRY(server_key_share(hello, parameters_.key_share.group));
    const Secret shared_secret = TRY(key_exchange_->shared_secret(view(share.key_exchange)));
    key_exchange_.reset();

    TRY(transcript_.set_algorithm(hash()));
    TRY(transcript_.add(message.whole));
    const Bytes hello_hash = TRY(transcript_.hash());
    // §7.1: the early secret is HKDF-Extract(0, PSK), or HKDF-Extract(0, 0) without one.
    const EarlySecret early = early_secret(hash(), resumed_ ? psk_offer_->ticket.psk.view() : ByteView());
    // The ticket's PSK lives on only in the key schedule: wipe both copies now.
    psk_offer_.reset();
    config_.resume.reset();
    handshake_secret_ = TRY(handshake_secret(hash(), early, shared_secret.view()));
    trace_key_schedule(context_.io, early, handshake_secret_);
    client_handshake_secret_ = TRY(client_handshake_traffic_secret(hash(), handshake_secret_, hello_hash));
    server_handshake_secret_ = TRY(server_handshake_traffic_secret(hash(), handshake_secret_, hello_hash));
    // Appendix A.1: K_recv = handshake. The diagram moves K_send only after the server Finished
    // because of EndOfEarlyData; we send no early data, so our next record is the second flight
    // either way, and switching now lets an alert from WAIT_EE..WAIT_FINISHED reach the server
    // under the keys it reads with. The compatibility change_cipher_spec still goes
    // "immediately before [our] encrypted handshake flight" (§D.4), unprotected.
    TRY(context_.io.set_read_secret(*suite_, server_handshake_secret_));
    TRY(send_compatibility_change_cipher_spec());
    TRY(context_.io.set_write_secret(*suite_, client_handshake_secret_));
    session_.suite = hello.cipher_suite;
    session_.group = share.group;
    return ClientState::wait_encrypted_extensions;
}

Status ClientHandshake::accept_server_psk(const ServerHello& hello) {
    auto data = find_extension(hello.extensions, ExtensionType::pre_shared_key);
    if (!data) return ok();  // a full handshake (check_server_hello_common: we offered it, if present)
    const uint16_t selected = TRY(decode_pre_shared_key_server_hello(*data));
    // §4.2.11: "Clients MUST verify that the server's selected_identity is within the range
    // supplied by the client, that the server selected a cipher suite indicating a Hash
    // associated with the PSK ... If these values are not consistent, the client MUST abort
    // the handshake with an illegal_parameter alert."
    if (!psk_offer_ || selected != 0)
        return fail(AlertDescription::illegal_parameter, "server selected a PSK identity we did not offer");
    if (hash() != psk_offer_->hash)
        return fail(AlertDescription::illegal_parameter, "server selected a suite whose hash is not the PSK's");
    resumed_ = true;
    session_.resumed = true;
    // §2.2: the resumed session is authenticated by the PSK; the server identity is the one the
    // full handshake verified.
    session_.peer_identity = psk_offer_->ticket.server_identity;
    return ok();
}

ClientHandshake::Next ClientHandshake::on_hello_retry_request(const ServerHello& retry, ByteView whole) {
    RetryRequest request = TRY(check_hello_retry_request(retry, config_.groups, parameters_.key_share.group));
    retry_suite_ = retry.cipher_suite;
    session_.hello_retry_request = true;
    suite_ = cipher_suite_info(retry.cipher_suite);
    // §4.4.1: ClientHello1 becomes message_hash(Hash(ClientHello1)), then the HRR follows.
    TRY(transcript_.set_algorithm(hash()));
    TRY(transcript_.replace_client_hello_with_message_hash());
    TRY(transcript_.add(whole));
    // §4.1.2: the same ClientHello (random and session id included) with the new share and the
    // cookie.
    if (request.group) TRY(new_key_share(*request.group));
    parameters_.cookie = std::move(request.cookie);
    // §4.1.2: the PSK is offered again with a new age and binder, or removed when it cannot be
    // used with the suite the HelloRetryRequest names.
    if (psk_offer_ && psk_offer_->hash != hash()) psk_offer_.reset();
    // §D.4: the compatibility change_cipher_spec goes right before the second ClientHello.
    TRY(send_compatibility_change_cipher_spec());
    TRY(send_client_hello());
    return ClientState::wait_server_hello;
}

ClientHandshake::Next ClientHandshake::on_encrypted_extensions(const EncryptedExtensions& message, ByteView whole) {
    // §4.2: only answers to what we sent (unsupported_extension otherwise).
    TRY(check_offered(message.extensions, client_hello_.extensions, false));
    if (auto data = find_extension(message.extensions, ExtensionType::application_layer_protocol_negotiation)) {
        const Bytes selected = TRY(decode_alpn_encrypted_extensions(*data));
        const std::string protocol(selected.begin(), selected.end());
        // RFC 7301 §3.1: the server picks one of the client's protocols.
        if (std::find(config_.alpn.begin(), config_.alpn.end(), protocol) == config_.alpn.end())
            return fail(AlertDescription::illegal_parameter, "server selected an ALPN protocol we did not offer");
        session_.alpn = protocol;
    }
    // An empty server_name here (RFC 6066 §3) only acknowledges the name we sent.
    TRY(transcript_.add(whole));
    // Appendix A.1: "Using PSK" goes from WAIT_EE straight to WAIT_FINISHED.
    return resumed_ ? ClientState::wait_finished : ClientState::wait_cert_cr;
}

ClientHandshake::Next ClientHandshake::on_certificate_request(const CertificateRequest& message, ByteView whole) {
    // §4.3.2: the context "SHALL be zero length unless used for the post-handshake
    // authentication exchanges".
    if (!message.certificate_request_context.empty())
        return fail(AlertDescription::illegal_parameter, "CertificateRequest in the handshake has a context");
    auto schemes = find_extension(message.extensions, ExtensionType::signature_algorithms);
    if (!schemes) return fail(AlertDescription::missing_extension, "CertificateRequest without signature_algorithms");
    requested_schemes_ = TRY(decode_signature_algorithms(*schemes));
    certificate_request_context_ = message.certificate_request_context;
    certificate_requested_ = true;
    TRY(transcript_.add(whole));
    return ClientState::wait_cert;
}

ClientHandshake::Next ClientHandshake::on_certificate(const Certificate& message, ByteView whole) {
    // §4.4.2: "in the case of server authentication, this field SHALL be zero length".
    if (!message.certificate_request_context.empty())
        return fail(AlertDescription::illegal_parameter, "server Certificate has a certificate_request_context");
    // §4.4.2.4: "If the server supplies an empty Certificate message, the client MUST abort the
    // handshake with a decode_error alert."
    if (message.certificate_list.empty())
        return fail(AlertDescription::decode_error, "server sent an empty Certificate");
    // §4.4.2: the server's CertificateEntry extensions must answer ClientHello extensions.
    for (const auto& entry : message.certificate_list)
        TRY(check_offered(entry.extensions, client_hello_.extensions, false));
    // Without trust anchors nobody can vouch for the server: refuse rather than accept anything.
    // unknown_ca, as for an empty TrustStore; the cause is our configuration, as the reason says.
    if (!config_.trust_anchors)
        return fail(AlertDescription::unknown_ca, "no trust anchors configured (ClientConfig::trust_anchors)");
    ChainPolicy policy;
    policy.purpose = CertificatePurpose::server_auth;
    policy.expected_name =
        is_ip_literal(config_.server_name) ? config_.server_name : sni_host_name(config_.server_name);
    policy.now_unix_seconds = context_.clock.unix_seconds();
    // §4.2.3: every signature in the path uses a scheme our signature_algorithms_cert offered.
    policy.signature_schemes = config_.certificate_signature_schemes;
    policy.allow_sha1 = config_.allow_sha1_certificates;
    server_chain_.emplace(
        TRY(verify_certificate_chain(*config_.trust_anchors, certificate_chain_of(message), policy)));
    TRY(transcript_.add(whole));
    return ClientState::wait_certificate_verify;
}

ClientHandshake::Next ClientHandshake::on_certificate_verify(const CertificateVerify& message, ByteView whole) {
    // §4.4.3: signed over the transcript through Certificate, with a scheme we offered.
    const Bytes through_certificate = TRY(transcript_.hash());
    server_signature_.emplace(TRY(verify_certificate_verify(*server_chain_, message, config_.signature_schemes,
                                                            Role::server, through_certificate)));
    session_.peer_signature_scheme = server_signature_->scheme();
    session_.peer_identity = server_chain_->identity();
    // The chain's only use was this signature: free its parsed key now, before our own flight.
    server_chain_.reset();
    TRY(transcript_.add(whole));
    return ClientState::wait_finished;
}

ClientHandshake::Next ClientHandshake::on_finished(const Finished& message, ByteView whole) {
    // STYLE.md §12: WAIT_FINISHED is reached only with a verified CertificateVerify, or with the
    // PSK the server proved it knows by accepting (its Finished, checked next, depends on it).
    if (!server_signature_ && !resumed_)
        return fail(AlertDescription::internal_error, "Finished without a verified CertificateVerify");
    // §4.4.4: over the transcript through CertificateVerify; decrypt_error on mismatch.
    const Bytes through_certificate_verify = TRY(transcript_.hash());
    TRY(verify_finished(hash(), server_handshake_secret_, through_certificate_verify, message));
    TRY(transcript_.add(whole));
    // §5: the peer's Finished ends the window for its compatibility change_cipher_spec.
    context_.io.allow_change_cipher_spec(false);

    // §7.1: the application secrets hash the transcript through the server Finished.
    const Bytes server_finished_hash = TRY(transcript_.hash());
    const MasterSecret master = TRY(master_secret(hash(), handshake_secret_));
    TrafficSecret client_application = TRY(client_application_traffic_secret(hash(), master, server_finished_hash));
    TrafficSecret server_application = TRY(server_application_traffic_secret(hash(), master, server_finished_hash));
    ExporterMasterSecret exporter = TRY(exporter_master_secret(hash(), master, server_finished_hash));
    trace_key_schedule(context_.io, master, exporter);

    TRY(send_second_flight());

    // §7.1: the resumption master secret hashes through the client Finished.
    const Bytes client_finished_hash = TRY(transcript_.hash());
    resumption_master_secret_ = TRY(resumption_master_secret(hash(), master, client_finished_hash));
    context_.io.trace_secret(TraceSecret::resumption_master_secret, resumption_master_secret_);
    application_keys_ = ApplicationKeys(Role::client, *suite_, std::move(client_application),
                                        std::move(server_application), std::move(exporter));
    // Appendix A.1: K_send = K_recv = application.
    TRY(application_keys_.install(context_.io));
    handshake_secret_.wipe();
    client_handshake_secret_.wipe();
    server_handshake_secret_.wipe();
    release_handshake_state();
    return ClientState::connected;
}

ClientHandshake::Next ClientHandshake::on_new_session_ticket(const NewSessionTicket& message) {
    // §4.6.1: "A value of zero indicates that the ticket should be discarded immediately."
    if (message.ticket_lifetime == 0 || !config_.on_session_ticket) return ClientState::connected;
    SessionTicket ticket;
    ticket.suite = suite_->suite;
    ticket.ticket = message.ticket;
    ticket.lifetime_seconds = message.ticket_lifetime;
    ticket.age_add = message.ticket_age_add;
    ticket.received_ms = context_.clock.monotonic_ms();
    ticket.received_unix_seconds = context_.clock.unix_seconds();
    if (auto data = find_extension(message.extensions, ExtensionType::early_data))
        ticket.max_early_data = TRY(decode_early_data_new_session_ticket(*data));
    ticket.psk = TRY(resumption_psk(hash(), resumption_master_secret_, view(message.ticket_nonce)));
    ticket.server_name = config_.server_name;
    ticket.alpn = session_.alpn;
    ticket.server_identity = session_.peer_identity;
    config_.on_session_ticket(std::move(ticket));
    return ClientState::connected;
}

ClientHandshake::Next ClientHandshake::on_key_update(const KeyUpdate& message) {
    TRY(application_keys_.on_key_update(context_.io, message));
    return ClientState::connected;
}

Status ClientHandshake::new_key_share(NamedGroup group) {
    key_exchange_ = TRY(generate_key_exchange(group, context_.random));
    parameters_.key_share = KeyShareEntry{group, to_bytes(key_exchange_->public_key())};
    return ok();
}

Status ClientHandshake::send_client_hello() {
    client_hello_ = TRY(build_client_hello(config_, parameters_));
    if (psk_offer_) TRY(add_psk_offer(client_hello_, *psk_offer_, transcript_, context_.clock));
    const Bytes whole = TRY(encode_handshake(client_hello_));
    return send_message(view(whole));
}

Status ClientHandshake::send_message(ByteView whole) {
    TRY(transcript_.add(whole));
    return context_.io.send_handshake(whole);
}

Status ClientHandshake::send_compatibility_change_cipher_spec() {
    if (!config_.compatibility_mode || change_cipher_spec_sent_) return ok();
    change_cipher_spec_sent_ = true;
    return context_.io.send_change_cipher_spec();
}

Status ClientHandshake::send_second_flight() {
    // Under K_send = handshake, set when the ServerHello arrived.
    if (certificate_requested_) TRY(send_client_certificate());
    const Bytes through_last = TRY(transcript_.hash());
    const Bytes finished = TRY(build_finished(hash(), client_handshake_secret_, through_last));
    return send_message(view(finished));
}

Status ClientHandshake::send_client_certificate() {
    // §4.4.2.3: "If the server requests client authentication but no suitable certificate is
    // available, the client MUST send a Certificate message containing no certificates." With
    // no scheme in common the key is not suitable; the server decides whether that is fatal,
    // and the user hears why from us rather than only the server's certificate_required.
    const Credentials& credentials = config_.credentials;
    std::optional<SignatureScheme> scheme;
    if (credentials.present()) {
        scheme = credentials.signer->choose(requested_schemes_);
        if (!scheme && config_.on_warning)
            config_.on_warning("the server asked for client certificate schemes " + to_string(requested_schemes_) +
                               "; our key, " + credentials.signer->description() + ", can make none of them (it makes " +
                               to_string(credentials.signer->schemes()) + "); sending no certificate");
    }
    const std::vector<Bytes> no_chain;
    const Bytes certificate =
        TRY(build_certificate(view(certificate_request_context_), scheme ? credentials.chain : no_chain));
    TRY(send_message(view(certificate)));
    if (!scheme) return ok();
    // §4.4.3: the client signs the transcript through its Certificate.
    const Bytes through_certificate = TRY(transcript_.hash());
    const Bytes verify =
        TRY(build_certificate_verify(*credentials.signer, *scheme, Role::client, through_certificate));
    TRY(send_message(view(verify)));
    session_.own_signature_scheme = scheme;
    return ok();
}

void ClientHandshake::release_handshake_state() {
    // Once connected nothing reads the offer, the transcript or the CertificateRequest again:
    // we never offer post_handshake_auth (§4.6.2), so no later message is hashed or signed. A
    // connection lives far longer than its handshake; keep only what CONNECTED uses.
    client_hello_ = ClientHello();
    parameters_ = ClientHelloParameters();
    transcript_ = Transcript();
    certificate_request_context_ = Bytes();
    requested_schemes_ = std::vector<SignatureScheme>();
}

Status ClientHandshake::send_key_update(bool request_peer_update) {
    if (!connected()) return fail(AlertDescription::internal_error, "KeyUpdate before the handshake finished");
    return application_keys_.send_key_update(context_.io, request_peer_update);
}

Result<Bytes> ClientHandshake::export_keying_material(std::string_view label, ByteView context, size_t length) const {
    if (!connected()) return fail(AlertDescription::internal_error, "exporter used before the handshake finished");
    return application_keys_.export_keying_material(label, context, length);
}

}  // namespace

std::unique_ptr<Handshake> make_client_handshake(ClientConfig config, HandshakeContext context) {
    return std::make_unique<ClientHandshake>(std::move(config), context);
}

}  // namespace tpmtls
