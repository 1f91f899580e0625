#include "tls13/key_schedule/key_schedule.h"

#include <array>

#include "tls13/crypto/hkdf.h"

namespace tpmtls {

namespace {

// RFC 8446 §7.1: every HkdfLabel.label starts with this prefix.
constexpr std::string_view label_prefix = "tls13 ";

// "0" in the §7.1 diagram: a string of Hash.length zero bytes.
ByteView zeros(HashAlgorithm alg) {
    static constexpr std::array<uint8_t, Secret::max_size> all_zero{};
    return ByteView(all_zero).first(hash_size(alg));
}

Status check_transcript_hash(HashAlgorithm alg, ByteView transcript_hash) {
    if (transcript_hash.size() != hash_size(alg))
        return fail(AlertDescription::internal_error, "transcript hash of the wrong length for the suite's hash");
    return ok();
}

// Derive-Secret(secret, "derived", ""): the salt for the next HKDF-Extract of the chain (§7.1).
Result<Secret> derived_salt(HashAlgorithm alg, const Secret& secret) {
    return derive_secret(alg, secret, "derived", hash(alg, {}));
}

template <class Out>
Result<Out> derive_typed(HashAlgorithm alg, const Secret& secret, std::string_view label, ByteView transcript_hash) {
    return Out(TRY(derive_secret(alg, secret, label, transcript_hash)));
}

Result<Bytes> exporter(HashAlgorithm alg, const Secret& secret, std::string_view label, ByteView context,
                       size_t length) {
    if (length > 0xffff) return fail(AlertDescription::internal_error, "exporter output longer than 2^16-1 bytes");
    const Secret per_label = TRY(derive_secret(alg, secret, label, hash(alg, {})));
    const Bytes info = TRY(hkdf_label(static_cast<uint16_t>(length), "exporter", hash(alg, context)));
    return hkdf_expand_bytes(alg, per_label.view(), info, length);
}

}  // namespace

Result<Bytes> hkdf_label(uint16_t length, std::string_view label, ByteView context) {
    // opaque label<7..255>: the prefix plus at least one character; opaque context<0..255>.
    if (label.empty() || label_prefix.size() + label.size() > 255 || context.size() > 255)
        return fail(AlertDescription::internal_error, "HKDF label or context out of range");
    Bytes out;
    out.reserve(2 + 1 + label_prefix.size() + label.size() + 1 + context.size());
    Writer w(out);
    w.u16(length);
    w.vec8([&] {
        w.bytes(view(label_prefix));
        w.bytes(view(label));
    });
    w.vec8(context);
    TRY(w.status());
    return out;
}

Result<Secret> hkdf_expand_label(HashAlgorithm alg, const Secret& secret, std::string_view label,
                                 ByteView context, uint16_t length) {
    const Bytes info = TRY(hkdf_label(length, label, context));
    return hkdf_expand(alg, secret.view(), info, length);
}

Result<Secret> derive_secret(HashAlgorithm alg, const Secret& secret, std::string_view label,
                             ByteView transcript_hash) {
    TRY(check_transcript_hash(alg, transcript_hash));
    return hkdf_expand_label(alg, secret, label, transcript_hash, static_cast<uint16_t>(hash_size(alg)));
}

EarlySecret early_secret(HashAlgorithm alg, ByteView psk) {
    return EarlySecret(hkdf_extract(alg, zeros(alg), psk.empty() ? zeros(alg) : psk));
}

Result<HandshakeSecret> handshake_secret(HashAlgorithm alg, const EarlySecret& early, ByteView ecdhe_shared_secret) {
    const Secret salt = TRY(derived_salt(alg, early));
    const ByteView ikm = ecdhe_shared_secret.empty() ? zeros(alg) : ecdhe_shared_secret;
    return HandshakeSecret(hkdf_extract(alg, salt.view(), ikm));
}

Result<MasterSecret> master_secret(HashAlgorithm alg, const HandshakeSecret& handshake) {
    const Secret salt = TRY(derived_salt(alg, handshake));
    return MasterSecret(hkdf_extract(alg, salt.view(), zeros(alg)));
}

Result<BinderKey> binder_key(HashAlgorithm alg, const EarlySecret& early, PskKind kind) {
    const std::string_view label = kind == PskKind::external ? "ext binder" : "res binder";
    return derive_typed<BinderKey>(alg, early, label, hash(alg, {}));
}

Result<TrafficSecret> client_early_traffic_secret(HashAlgorithm alg, const EarlySecret& early,
                                                  ByteView client_hello_hash) {
    return derive_typed<TrafficSecret>(alg, early, "c e traffic", client_hello_hash);
}

Result<EarlyExporterMasterSecret> early_exporter_master_secret(HashAlgorithm alg, const EarlySecret& early,
                                                               ByteView client_hello_hash) {
    return derive_typed<EarlyExporterMasterSecret>(alg, early, "e exp master", client_hello_hash);
}

Result<TrafficSecret> client_handshake_traffic_secret(HashAlgorithm alg, const HandshakeSecret& handshake,
                                                      ByteView hello_hash) {
    return derive_typed<TrafficSecret>(alg, handshake, "c hs traffic", hello_hash);
}

Result<TrafficSecret> server_handshake_traffic_secret(HashAlgorithm alg, const HandshakeSecret& handshake,
                                                      ByteView hello_hash) {
    return derive_typed<TrafficSecret>(alg, handshake, "s hs traffic", hello_hash);
}

Result<TrafficSecret> client_application_traffic_secret(HashAlgorithm alg, const MasterSecret& master,
                                                        ByteView server_finished_hash) {
    return derive_typed<TrafficSecret>(alg, master, "c ap traffic", server_finished_hash);
}

Result<TrafficSecret> server_application_traffic_secret(HashAlgorithm alg, const MasterSecret& master,
                                                        ByteView server_finished_hash) {
    return derive_typed<TrafficSecret>(alg, master, "s ap traffic", server_finished_hash);
}

Result<ExporterMasterSecret> exporter_master_secret(HashAlgorithm alg, const MasterSecret& master,
                                                    ByteView server_finished_hash) {
    return derive_typed<ExporterMasterSecret>(alg, master, "exp master", server_finished_hash);
}

Result<ResumptionMasterSecret> resumption_master_secret(HashAlgorithm alg, const MasterSecret& master,
                                                        ByteView client_finished_hash) {
    return derive_typed<ResumptionMasterSecret>(alg, master, "res master", client_finished_hash);
}

Result<Secret> resumption_psk(HashAlgorithm alg, const ResumptionMasterSecret& resumption_master,
                              ByteView ticket_nonce) {
    return hkdf_expand_label(alg, resumption_master, "resumption", ticket_nonce,
                             static_cast<uint16_t>(hash_size(alg)));
}

Result<TrafficSecret> next_application_traffic_secret(HashAlgorithm alg, const TrafficSecret& current) {
    return TrafficSecret(
        TRY(hkdf_expand_label(alg, current, "traffic upd", {}, static_cast<uint16_t>(hash_size(alg)))));
}

Result<TrafficKeys> traffic_key_and_iv(const CipherSuiteInfo& suite, const TrafficSecret& secret) {
    TrafficKeys keys;
    keys.key = Key(TRY(hkdf_expand_label(suite.hash, secret, "key", {}, static_cast<uint16_t>(suite.key_size))));
    keys.iv = Iv(TRY(hkdf_expand_label(suite.hash, secret, "iv", {}, static_cast<uint16_t>(suite.iv_size))));
    return keys;
}

Result<Secret> finished_key(HashAlgorithm alg, const Secret& base_key) {
    return hkdf_expand_label(alg, base_key, "finished", {}, static_cast<uint16_t>(hash_size(alg)));
}

Result<Secret> finished_verify_data(HashAlgorithm alg, const Secret& base_key, ByteView transcript_hash) {
    TRY(check_transcript_hash(alg, transcript_hash));
    const Secret key = TRY(finished_key(alg, base_key));
    return hmac(alg, key.view(), transcript_hash);
}

Result<Secret> psk_binder(HashAlgorithm alg, const BinderKey& key, ByteView truncated_client_hello_hash) {
    return finished_verify_data(alg, key, truncated_client_hello_hash);
}

Result<Bytes> tls_exporter(HashAlgorithm alg, const ExporterMasterSecret& secret, std::string_view label,
                           ByteView context, size_t length) {
    return exporter(alg, secret, label, context, length);
}

Result<Bytes> tls_early_exporter(HashAlgorithm alg, const EarlyExporterMasterSecret& secret,
                                 std::string_view label, ByteView context, size_t length) {
    return exporter(alg, secret, label, context, length);
}

}  // namespace tpmtls
