// What `tpmtls client` and `tpmtls server` share: turning command-line values into TLS
// configuration (trust anchors, our chain and key, groups, suites), the study features (--trace,
// --keylog, SSLKEYLOGFILE) and the failure classification behind the documented exit codes.
// Every failure is one Problem: an exit code and one line for stderr (plus an optional hint).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "tls13/handshake/handshake_config.h"
#include "tls13/trace/trace.h"

namespace tpmtls::cli {

// Reads a whole file named by option `option` (for messages: "--cafile").
std::optional<Bytes> read_file(const std::string& path, std::string_view option, Problem& problem);

// "host:port" or "[v6]:port" (a bare IPv6 address needs brackets). With allow_port_only (for
// listening), "4433" gives an empty host and port 0 is allowed.
bool parse_host_port(const std::string& text, bool allow_port_only, std::string& host, uint16_t& port,
                     Problem& problem);

// --cafile: a PEM bundle (or one DER certificate). Blocks the store skips are warnings on stderr
// ("tpmtls <command>: warning: --cafile F: skipped certificate 2 (...): ..."); no usable one is Exit::key.
std::shared_ptr<const TrustStore> load_trust_store(std::string_view command, const std::string& path,
                                                   Problem& problem);
// --allow-sha1-certificates: also offer rsa_pkcs1_sha1 and ecdsa_sha1 in
// signature_algorithms_cert (RFC 8446 §4.2.3 legacy schemes), so a peer whose only chain is
// SHA-1-signed may send it; the verifier then takes it (ChainPolicy::allow_sha1).
void add_sha1_certificate_schemes(std::vector<SignatureScheme>& schemes);
// PEM CERTIFICATE blocks (leaf first) or one DER certificate.
std::optional<std::vector<Bytes>> load_certificate_chain(const std::string& path, Problem& problem);

struct SignerOptions {
    std::optional<std::string> tcti;       // --tcti
    std::optional<std::string> auth_file;  // --auth-file: the TPM key's authorization value
    // For a TPM key: open the TPM only at the first CertificateVerify (tpm/lazy_tpm_signer.h),
    // so a resumed handshake sends no TPM command. Needs the leaf certificate (DER).
    bool lazy = false;
    Bytes leaf_certificate;
};

// REF: "handle:0x81000001" or a TSS2 PRIVATE KEY file (the TPM, through `tcti`), or a software
// key file (PEM "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", or DER).
std::shared_ptr<Signer> load_signer(const std::string& ref, const SignerOptions& options, Problem& problem);

// "x25519,secp256r1" / "TLS_AES_128_GCM_SHA256,..." by the RFC names.
std::optional<std::vector<NamedGroup>> parse_groups(const std::string& list, Problem& problem);
std::optional<std::vector<CipherSuite>> parse_cipher_suites(const std::string& list, Problem& problem);
std::vector<std::string> split_list(const std::string& list);

// Microseconds on the steady clock, for traces and the log.
uint64_t steady_microseconds();

// What happened during one handshake, for the exit code: did we get as far as sending or
// receiving a handshake message, which alert was sent or received, did the signer fail.
class HandshakeWatch final : public TraceObserver {
public:
    void handshake_message(TraceDirection, ByteView) override { messages_ = true; }
    void alert(TraceDirection d, AlertLevel level, AlertDescription description, std::string_view reason) override;
    bool saw_messages() const { return messages_; }
    const std::optional<std::string>& alert() const { return alert_; }
    void signer_failed(std::string why) { signer_error_ = std::move(why); }
    const std::optional<std::string>& signer_error() const { return signer_error_; }

private:
    bool messages_ = false;
    std::optional<std::string> alert_;  // "unknown_ca (sent by us: ...)"
    std::optional<std::string> signer_error_;
};

// Times each signature for the trace (TPM time) and tells the watch when signing fails.
class WatchedSigner final : public Signer {
public:
    WatchedSigner(std::shared_ptr<Signer> inner, std::shared_ptr<TraceObserver> trace,
                  std::shared_ptr<HandshakeWatch> watch)
        : inner_(std::move(inner)), trace_(std::move(trace)), watch_(std::move(watch)) {}
    std::vector<SignatureScheme> schemes() const override { return inner_->schemes(); }
    Result<Bytes> sign(SignatureScheme scheme, ByteView content) override;
    std::string description() const override { return inner_->description(); }

private:
    std::shared_ptr<Signer> inner_;
    std::shared_ptr<TraceObserver> trace_;
    std::shared_ptr<HandshakeWatch> watch_;
};

// --keylog FILE, else $SSLKEYLOGFILE, else none. The file is opened for appending (0600) and
// each line is written and flushed whole.
std::shared_ptr<TraceObserver> open_keylog(const std::optional<std::string>& option, Problem& problem);

// A TextTrace writing to `out` (stderr for the client, stdout for the server), each line
// prefixed by `prefix` ("[3] " for a server connection).
std::shared_ptr<TraceObserver> make_text_trace(const std::string& role, bool show_secrets, std::FILE* out,
                                               std::string prefix = {});

}  // namespace tpmtls::cli
