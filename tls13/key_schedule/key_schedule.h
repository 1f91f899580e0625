// The TLS 1.3 key schedule as plain functions (RFC 8446 §7.1-§7.5, §4.4.4, §4.2.11.2, §4.6.1),
// each checked against RFC 8448 (STYLE.md §4). The caller supplies transcript hashes (see
// transcript.h) and keeps the secrets it still needs; every secret is a wiped Secret type.
//
// The chain, with the RFC's names:
//   early_secret(psk)            -> binder_key, client_early_traffic_secret, early_exporter_master_secret
//   handshake_secret(early, dhe) -> client/server_handshake_traffic_secret
//   master_secret(handshake)     -> client/server_application_traffic_secret_0, exporter_master_secret,
//                                   resumption_master_secret -> resumption_psk(ticket_nonce)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tls13/bytes.h"
#include "tls13/cipher_suite.h"
#include "tls13/crypto/hash.h"
#include "tls13/result.h"
#include "tls13/secret.h"

namespace tpmtls {

// Distinct types for the secrets of the chain, so one cannot be passed in another's place.
struct EarlySecretTag {};
struct HandshakeSecretTag {};
struct MasterSecretTag {};
struct BinderKeyTag {};
struct ExporterMasterSecretTag {};
struct EarlyExporterMasterSecretTag {};
struct ResumptionMasterSecretTag {};
using EarlySecret = TypedSecret<EarlySecretTag>;
using HandshakeSecret = TypedSecret<HandshakeSecretTag>;
using MasterSecret = TypedSecret<MasterSecretTag>;
using BinderKey = TypedSecret<BinderKeyTag>;
using ExporterMasterSecret = TypedSecret<ExporterMasterSecretTag>;
using EarlyExporterMasterSecret = TypedSecret<EarlyExporterMasterSecretTag>;
using ResumptionMasterSecret = TypedSecret<ResumptionMasterSecretTag>;

// RFC 8446 §7.1: the encoded HkdfLabel { uint16 length; opaque label<7..255> = "tls13 " + label;
// opaque context<0..255>; }. An empty label or an over-long label or context is internal_error.
Result<Bytes> hkdf_label(uint16_t length, std::string_view label, ByteView context);

// RFC 8446 §7.1: HKDF-Expand(secret, HkdfLabel, length). length <= Secret::max_size.
Result<Secret> hkdf_expand_label(HashAlgorithm alg, const Secret& secret, std::string_view label,
                                 ByteView context, uint16_t length);

// RFC 8446 §7.1: Derive-Secret(secret, label, messages), given Transcript-Hash(messages).
Result<Secret> derive_secret(HashAlgorithm alg, const Secret& secret, std::string_view label,
                             ByteView transcript_hash);

// RFC 8446 §7.1: HKDF-Extract(0, PSK). Without a PSK (empty) the IKM is Hash.length zeros.
EarlySecret early_secret(HashAlgorithm alg, ByteView psk);
// HKDF-Extract(Derive-Secret(early, "derived", ""), (EC)DHE). Without (EC)DHE (psk_ke, empty)
// the IKM is Hash.length zeros.
Result<HandshakeSecret> handshake_secret(HashAlgorithm alg, const EarlySecret& early, ByteView ecdhe_shared_secret);
// HKDF-Extract(Derive-Secret(handshake, "derived", ""), 0).
Result<MasterSecret> master_secret(HashAlgorithm alg, const HandshakeSecret& handshake);

// RFC 8446 §7.1: "ext binder" for external PSKs, "res binder" for resumption PSKs; the labels
// keep one kind of PSK from being substituted for the other.
enum class PskKind : uint8_t { external, resumption };
Result<BinderKey> binder_key(HashAlgorithm alg, const EarlySecret& early, PskKind kind);

// RFC 8446 §7.1 traffic secrets. The hash arguments are Transcript-Hash over:
//   client_hello_hash    ClientHello
//   hello_hash           ClientHello...ServerHello
//   server_finished_hash ClientHello...server Finished
//   client_finished_hash ClientHello...client Finished
Result<TrafficSecret> client_early_traffic_secret(HashAlgorithm alg, const EarlySecret& early,
                                                  ByteView client_hello_hash);
Result<EarlyExporterMasterSecret> early_exporter_master_secret(HashAlgorithm alg, const EarlySecret& early,
                                                               ByteView client_hello_hash);
Result<TrafficSecret> client_handshake_traffic_secret(HashAlgorithm alg, const HandshakeSecret& handshake,
                                                      ByteView hello_hash);
Result<TrafficSecret> server_handshake_traffic_secret(HashAlgorithm alg, const HandshakeSecret& handshake,
                                                      ByteView hello_hash);
Result<TrafficSecret> client_application_traffic_secret(HashAlgorithm alg, const MasterSecret& master,
                                                        ByteView server_finished_hash);
Result<TrafficSecret> server_application_traffic_secret(HashAlgorithm alg, const MasterSecret& master,
                                                        ByteView server_finished_hash);
Result<ExporterMasterSecret> exporter_master_secret(HashAlgorithm alg, const MasterSecret& master,
                                                    ByteView server_finished_hash);
Result<ResumptionMasterSecret> resumption_master_secret(HashAlgorithm alg, const MasterSecret& master,
                                                        ByteView client_finished_hash);

// RFC 8446 §4.6.1: the PSK of one NewSessionTicket,
// HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length).
Result<Secret> resumption_psk(HashAlgorithm alg, const ResumptionMasterSecret& resumption_master,
                              ByteView ticket_nonce);

// RFC 8446 §7.2: application_traffic_secret_N+1 for KeyUpdate.
Result<TrafficSecret> next_application_traffic_secret(HashAlgorithm alg, const TrafficSecret& current);

// RFC 8446 §7.3: [sender]_write_key and [sender]_write_iv of one traffic secret.
struct TrafficKeys {
    Key key;
    Iv iv;
};
Result<TrafficKeys> traffic_key_and_iv(const CipherSuiteInfo& suite, const TrafficSecret& secret);

// RFC 8446 §4.4.4: finished_key = HKDF-Expand-Label(base_key, "finished", "", Hash.length), and
// verify_data = HMAC(finished_key, transcript_hash). base_key is a handshake traffic secret (or,
// for post-handshake authentication, an application traffic secret).
Result<Secret> finished_key(HashAlgorithm alg, const Secret& base_key);
Result<Secret> finished_verify_data(HashAlgorithm alg, const Secret& base_key, ByteView transcript_hash);

// RFC 8446 §4.2.11.2: a PskBinderEntry is computed like Finished with binder_key as base key,
// over Transcript-Hash(Truncate(ClientHello)) (preceded, after a HelloRetryRequest, by the
// message_hash and the HelloRetryRequest; see Transcript::hash_with).
Result<Secret> psk_binder(HashAlgorithm alg, const BinderKey& key, ByteView truncated_client_hello_hash);

// RFC 8446 §7.5: TLS-Exporter(label, context_value, length) =
//   HKDF-Expand-Label(Derive-Secret(secret, label, ""), "exporter", Hash(context_value), length).
// No context and an empty context give the same value in TLS 1.3. The early exporter has its own
// function, as §7.5 recommends, so one cannot be used for the other by accident. The output is
// keying material: the caller wipes it when done.
Result<Bytes> tls_exporter(HashAlgorithm alg, const ExporterMasterSecret& secret, std::string_view label,
                           ByteView context, size_t length);
Result<Bytes> tls_early_exporter(HashAlgorithm alg, const EarlyExporterMasterSecret& secret,
                                 std::string_view label, ByteView context, size_t length);

}  // namespace tpmtls
