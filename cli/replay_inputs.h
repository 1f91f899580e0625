// The fixed inputs `tpmtls replay` gives our client and server (RFC 8448 §3, STYLE.md §16):
// a Random that hands out the RFC's randoms and ephemeral private keys in the order the
// handshake asks for them, and the RFC §2 server key as a Signer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tls13/crypto/random.h"
#include "tls13/signer.h"

namespace tpmtls::cli {

// Hands out `script` in order, one value per fill(), each of exactly the requested size. Any
// other request (a different size, or more draws than scripted) is answered by the system RNG
// and recorded: the replay reports it, so an input that did not come from the RFC is never
// passed off as the RFC's.
class ScriptedRandom final : public Random {
public:
    struct Entry {
        std::string name;  // "ClientHello.random", for the report
        Bytes value;
    };
    explicit ScriptedRandom(std::vector<Entry> script) : script_(std::move(script)) {}
    void fill(std::span<uint8_t> out) override;

    size_t used() const { return next_; }
    bool used_up() const { return next_ == script_.size(); }
    const std::vector<Entry>& script() const { return script_; }
    // Draws not taken from the script: "32 bytes (system RNG)", in order.
    const std::vector<std::string>& unscripted() const { return unscripted_; }

private:
    std::vector<Entry> script_;
    size_t next_ = 0;
    std::vector<std::string> unscripted_;
};

// RSASSA-PSS (rsa_pss_rsae_sha256, salt = hash length, RFC 8446 §4.2.3) with the RFC 8448 §2
// server key (1024 bits). SoftwareSigner refuses RSA below 2048 bits, as a server key should;
// this signer exists only so the replay's server can use the key behind the RFC's certificate.
// Its salt comes from the system RNG (RFC 8017 §9.1), so the signature differs on every run.
class Rfc8448ServerSigner final : public Signer {
public:
    ~Rfc8448ServerSigner() override;
    static Result<std::unique_ptr<Rfc8448ServerSigner>> create();
    std::vector<SignatureScheme> schemes() const override { return {SignatureScheme::rsa_pss_rsae_sha256}; }
    Result<Bytes> sign(SignatureScheme scheme, ByteView content) override;
    std::string description() const override { return "RFC 8448 §2 server RSA-1024 key (replay only)"; }

    struct Impl;

private:
    explicit Rfc8448ServerSigner(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tpmtls::cli
