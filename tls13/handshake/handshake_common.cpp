#include "tls13/handshake/handshake_common.h"

#include <algorithm>

namespace tpmtls {

Bytes certificate_verify_content(Role signer_role, ByteView transcript_hash) {
    static constexpr std::string_view server_context = "TLS 1.3, server CertificateVerify";
    static constexpr std::string_view client_context = "TLS 1.3, client CertificateVerify";
    const std::string_view context = signer_role == Role::server ? server_context : client_context;
    // Reserved first: growing a 64-byte vector by insert() makes GCC 12 warn -Warray-bounds
    // inside libstdc++'s memmove (a false positive).
    Bytes content;
    content.reserve(64 + context.size() + 1 + transcript_hash.size());
    content.assign(64, 0x20);
    content.insert(content.end(), context.begin(), context.end());
    content.push_back(0);
    content.insert(content.end(), transcript_hash.begin(), transcript_hash.end());
    return content;
}

Result<Bytes> build_certificate_verify(Signer& signer, SignatureScheme scheme, Role signer_role,
                                       ByteView transcript_hash) {
    const Bytes content = certificate_verify_content(signer_role, transcript_hash);
    auto signature = signer.sign(scheme, view(content));
    if (!signature)
        return fail(AlertDescription::internal_error,
                    "signing CertificateVerify with " + signer.description() + ": " + signature.error().reason);
    return encode_handshake(CertificateVerify{scheme, std::move(signature).value()});
}

Result<VerifiedCertificateVerify> verify_certificate_verify(const VerifiedChain& chain, const CertificateVerify& message,
                                                            std::span<const SignatureScheme> offered, Role signer_role,
                                                            ByteView transcript_hash) {
    // §4.4.3: "RSA signatures MUST use an RSASSA-PSS algorithm"; §4.2.3: RSASSA-PKCS1-v1_5 and
    // SHA-1 only ever sign certificates. Refused even if a configuration offered them.
    if (certificate_only_scheme(message.algorithm))
        return fail(AlertDescription::illegal_parameter,
                    "CertificateVerify uses " + to_string(message.algorithm) +
                        ": RSASSA-PKCS1-v1_5 and SHA-1 are not allowed in CertificateVerify (RFC 8446 §4.4.3)");
    if (std::find(offered.begin(), offered.end(), message.algorithm) == offered.end())
        return fail(AlertDescription::illegal_parameter,
                    "CertificateVerify uses " + to_string(message.algorithm) + ", which was not offered");
    if (!chain.leaf_key().supports(message.algorithm))
        return fail(AlertDescription::illegal_parameter,
                    "CertificateVerify scheme " + to_string(message.algorithm) + " does not fit the certificate key");
    const Bytes content = certificate_verify_content(signer_role, transcript_hash);
    auto verified = verify_signature(message.algorithm, chain.leaf_key(), view(content), view(message.signature));
    if (!verified)
        return fail(AlertDescription::decrypt_error, "CertificateVerify signature does not verify");
    return VerifiedCertificateVerify(message.algorithm);
}

Result<Bytes> build_finished(HashAlgorithm alg, const TrafficSecret& base_key, ByteView transcript_hash) {
    Secret verify_data = TRY(finished_verify_data(alg, base_key, transcript_hash));
    return encode_handshake(Finished{to_bytes(verify_data.view())});
}

Status verify_finished(HashAlgorithm alg, const TrafficSecret& base_key, ByteView transcript_hash,
                       const Finished& message) {
    Secret expected = TRY(finished_verify_data(alg, base_key, transcript_hash));
    if (!constant_time_equal(expected.view(), view(message.verify_data)))
        return fail(AlertDescription::decrypt_error, "Finished verify_data does not match");
    return ok();
}

Result<Bytes> build_certificate(ByteView request_context, const std::vector<Bytes>& chain) {
    Certificate message;
    message.certificate_request_context = to_bytes(request_context);
    for (const Bytes& der : chain) message.certificate_list.push_back(CertificateEntry{der, {}});
    return encode_handshake(message);
}

std::vector<ByteView> certificate_chain_of(const Certificate& message) {
    std::vector<ByteView> chain;
    chain.reserve(message.certificate_list.size());
    for (const auto& entry : message.certificate_list) chain.push_back(view(entry.cert_data));
    return chain;
}

Status ApplicationKeys::install(HandshakeIo& io) const {
    const TrafficSecret& own_secret = role_ == Role::client ? client_ : server_;
    const TrafficSecret& peer_secret = role_ == Role::client ? server_ : client_;
    TRY(io.set_write_secret(suite_, own_secret));
    TRY(io.set_read_secret(suite_, peer_secret));
    return ok();
}

Status ApplicationKeys::send_key_update(HandshakeIo& io, bool request_peer_update) {
    const Bytes message = TRY(encode_handshake(KeyUpdate{request_peer_update ? KeyUpdateRequest::update_requested
                                                                             : KeyUpdateRequest::update_not_requested}));
    // §4.6.3: the KeyUpdate goes under the old keys; everything after it under the new ones.
    TRY(io.send_handshake(view(message)));
    own() = TRY(next_application_traffic_secret(suite_.hash, own()));
    TRY(io.set_write_secret(suite_, own()));
    return ok();
}

Status ApplicationKeys::on_key_update(HandshakeIo& io, const KeyUpdate& message) {
    peer() = TRY(next_application_traffic_secret(suite_.hash, peer()));
    TRY(io.set_read_secret(suite_, peer()));
    if (message.request_update == KeyUpdateRequest::update_requested) TRY(send_key_update(io, false));
    return ok();
}

Result<Bytes> ApplicationKeys::export_keying_material(std::string_view label, ByteView context, size_t length) const {
    if (exporter_.empty()) return fail(AlertDescription::internal_error, "exporter used before the handshake finished");
    return tls_exporter(suite_.hash, exporter_, label, context, length);
}

}  // namespace tpmtls
