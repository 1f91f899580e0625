// Test doubles for replaying RFC 8448 traces through our state machines: the RFC's fixed
// randoms and ephemeral keys are injected through Random, and a stand-in Signer takes the place
// of keys the RFC does not publish or that our policy refuses (STYLE.md §16).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/rfc8448.h"
#include "tls13/crypto/random.h"
#include "tls13/signer.h"

namespace tpmtls::test {

// Hands out the given byte strings in order, one per fill(); each must fit the request exactly.
class ScriptedRandom final : public Random {
public:
    explicit ScriptedRandom(std::vector<Bytes> values) : values_(std::move(values)) {}
    void fill(std::span<uint8_t> out) override {
        REQUIRE(next_ < values_.size());
        REQUIRE(values_[next_].size() == out.size());
        std::copy(values_[next_].begin(), values_[next_].end(), out.begin());
        ++next_;
    }
    bool used_up() const { return next_ == values_.size(); }
    size_t fills() const { return next_; }

private:
    std::vector<Bytes> values_;
    size_t next_ = 0;
};

// Hands out `prefix` in order, then answers every further fill with `filler` and counts all
// fills: for steps whose number of draws is the library's business (mbedTLS's blinding draws
// during a P-256 point multiplication, which do not change the result).
class PrefixRandom final : public Random {
public:
    PrefixRandom(std::vector<Bytes> prefix, uint8_t filler) : prefix_(std::move(prefix)), filler_(filler) {}
    void fill(std::span<uint8_t> out) override {
        if (count_ < prefix_.size()) {
            REQUIRE(prefix_[count_].size() == out.size());
            std::copy(prefix_[count_].begin(), prefix_[count_].end(), out.begin());
        } else {
            std::fill(out.begin(), out.end(), filler_);
        }
        ++count_;
    }
    size_t fills() const { return count_; }

private:
    std::vector<Bytes> prefix_;
    uint8_t filler_;
    size_t count_ = 0;
};

// Offers one scheme and "signs" with zeros: RFC 8448's RSA server key is 1024 bits (below
// SoftwareSigner's floor) and PSS is randomised, and the §6 ECDSA key is not published. A
// CertificateVerify made with it is never compared with the trace.
class StandInSigner final : public Signer {
public:
    StandInSigner(SignatureScheme scheme, size_t signature_size) : scheme_(scheme), size_(signature_size) {}
    std::vector<SignatureScheme> schemes() const override { return {scheme_}; }
    Result<Bytes> sign(SignatureScheme, ByteView) override { return Bytes(size_, 0); }
    std::string description() const override { return "RFC 8448 stand-in"; }

private:
    SignatureScheme scheme_;
    size_t size_;
};

// The DER certificate `side` sends in trace `trace_name` ("simple_1rtt": §3's RSA server
// certificate; "client_authentication": §6's ECDSA server and RSA-1024 client certificates).
inline Bytes rfc8448_certificate(const std::string& side, const std::string& trace_name) {
    const Trace& trace = rfc8448(trace_name);
    const Bytes& message = trace.find(side, "construct a Certificate handshake").at("Certificate");
    for (const auto& certificate : rfc8448_certificates()) {
        if (certificate.side != side) continue;
        if (std::search(message.begin(), message.end(), certificate.der.begin(), certificate.der.end()) !=
            message.end())
            return certificate.der;
    }
    FAIL("no ", side, " certificate in trace ", trace_name);
    return {};
}

}  // namespace tpmtls::test
