// Certificate chain validation over libmbedx509 (RFC 8446 §4.4.2.4, RFC 5280, RFC 6125):
// chain building to a configured trust anchor, validity dates judged by the injected clock,
// key usage digitalSignature, EKU serverAuth / clientAuth, and the expected host name or IP
// address against the leaf's subjectAltName. Failures carry the RFC 8446 §6.2 alert.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tls13/bytes.h"
#include "tls13/crypto/verify.h"
#include "tls13/types.h"

namespace tpmtls {

enum class CertificatePurpose : uint8_t { server_auth, client_auth };

// What the application learns about a verified peer.
struct PeerIdentity {
    std::string subject;                    // RFC 4514-ish, as mbedTLS prints it: "CN=dev1, O=Acme"
    std::vector<std::string> dns_names;     // subjectAltName dNSName entries
    std::vector<std::string> ip_addresses;  // subjectAltName iPAddress entries, text form
    Bytes sha256_fingerprint;               // SHA-256 of the leaf certificate's DER
};

class TrustStore {
public:
    TrustStore();
    ~TrustStore();
    TrustStore(TrustStore&&) noexcept;
    TrustStore& operator=(TrustStore&&) noexcept;

    // One or more PEM "CERTIFICATE" blocks, or a single DER certificate.
    static Result<TrustStore> from_pem_or_der(ByteView data);
    // Reads the file, then from_pem_or_der. Defined in net/files.cpp (tpmtls_net): the core reads
    // no files, and a program built on tpmtls_core alone passes bytes instead.
    static Result<TrustStore> from_file(const std::string& path);
    // Each block on its own: one that is unusable as a trust anchor (does not parse; a DSA or
    // Ed25519 key; a CA with an RSA key below 2048 bits; a curve other than P-256/384/521) is
    // skipped and recorded, the rest
    // load. Only when this call adds nothing is it an error, whose reason lists the skipped blocks.
    Status add(ByteView pem_or_der);
    size_t size() const;
    // "certificate 3 (CN=Old root): DSA key, not supported", one per skipped block, numbered
    // across all add() calls.
    const std::vector<std::string>& skipped() const;

    struct Impl;
    Impl& impl() const { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

struct ChainPolicy {
    // Positional like the aggregate it was (purpose, name, clock first), without
    // -Wmissing-field-initializers at the many call sites that give only those three.
    ChainPolicy() = default;
    ChainPolicy(CertificatePurpose purpose_, std::string expected_name_, int64_t now_unix_seconds_,
                std::vector<SignatureScheme> signature_schemes_ = {}, bool allow_sha1_ = false,
                unsigned max_path_length_ = 10)
        : purpose(purpose_), expected_name(std::move(expected_name_)), now_unix_seconds(now_unix_seconds_),
          signature_schemes(std::move(signature_schemes_)), allow_sha1(allow_sha1_),
          max_path_length(max_path_length_) {}

    CertificatePurpose purpose = CertificatePurpose::server_auth;
    // A DNS name or an IP literal the leaf must be issued for; empty skips the name check
    // (client certificates are identified, not named).
    std::string expected_name;
    int64_t now_unix_seconds = 0;
    // RFC 8446 §4.2.3 / §4.4.2.4: every signature in the path (each certificate's signature
    // by its issuer; not the trust anchor's self-signature) must use a scheme we offered in
    // signature_algorithms_cert. Empty: certificate_signature_schemes().
    std::vector<SignatureScheme> signature_schemes;
    // SHA-1 certificate signatures (rsa_pkcs1_sha1, ecdsa_sha1) are refused with
    // bad_certificate unless this is set (the programs' --allow-sha1-certificates).
    bool allow_sha1 = false;
    // Longest path from the leaf to a trust anchor, in certificates (leaf and anchor counted);
    // longer paths, and loops, are refused with bad_certificate without unbounded work.
    unsigned max_path_length = 10;
};

// The outcome of a successful validation. Only verify_certificate_chain makes one, so code that
// holds a VerifiedChain knows the key in it was vouched for (STYLE.md §12).
class VerifiedChain {
public:
    const PublicKey& leaf_key() const { return leaf_key_; }
    const PeerIdentity& identity() const { return identity_; }

private:
    friend Result<VerifiedChain> verify_certificate_chain(const TrustStore&, const std::vector<ByteView>&,
                                                          const ChainPolicy&);
    VerifiedChain(PublicKey key, PeerIdentity identity) : leaf_key_(std::move(key)), identity_(std::move(identity)) {}
    PublicKey leaf_key_;
    PeerIdentity identity_;
};

// `chain` is leaf first, as the Certificate message carries it (§4.4.2: later certificates
// are intermediates in any order; a trust anchor may be included or left out).
Result<VerifiedChain> verify_certificate_chain(const TrustStore& anchors, const std::vector<ByteView>& chain,
                                               const ChainPolicy& policy);

// Name matching of RFC 6125 §6.4: case-insensitive, a wildcard only as the whole left-most
// label and matching exactly one label; never for IP literals.
bool dns_name_matches(std::string_view pattern, std::string_view host);

// The identity fields of a single certificate, without validating it (for logs and tests).
Result<PeerIdentity> describe_certificate(ByteView der);

}  // namespace tpmtls
