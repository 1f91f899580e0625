// PKIs made the way people make them: with `openssl` commands (genrsa / genpkey, req -x509 -new,
// req -new, x509 -req with an extension file), in a test's TempDir. Each key is made once per
// name (RSA-4096 key generation takes seconds), certificates as often as asked. Every command
// is bounded by a timeout; a failing one fails the test with its transcript.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "support/peer_process.h"

namespace tpmtls::test {

enum class OpensslKeyType { rsa2048, rsa4096, p256, p384 };

// How an issuer signs: digest and padding options for `openssl req -x509` / `openssl x509 -req`.
struct OpensslSigning {
    std::vector<std::string> options;  // {"-sha256"}, {"-sha384"}, PSS: {"-sha256", "-sigopt", ...}
    static OpensslSigning digest(const std::string& name) { return {{"-" + name}}; }
    // RSASSA-PSS with salt length = digest length, as TLS 1.3's rsa_pss_rsae_* need.
    static OpensslSigning pss(const std::string& name) {
        return {{"-" + name, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"}};
    }
};

class PkiCommands {
public:
    explicit PkiCommands(const TempDir& dir) : dir_(dir) {}

    // The PEM private key file `name`.key, made on first use: `openssl genrsa` for RSA (as the
    // tutorials write it), `openssl genpkey -algorithm EC` for the curves.
    const std::string& key(const std::string& name, OpensslKeyType type);
    // `openssl req -new -key KEY -subj SUBJECT` into `name`.csr.
    std::string request(const std::string& name, const std::string& key, const std::string& subject);
    // `openssl req -x509 -new -key KEY <signing> -days 3650 -subj SUBJECT` with `extensions`
    // (openssl.cnf lines, e.g. "basicConstraints=critical,CA:TRUE") into `name`.pem.
    std::string self_signed(const std::string& name, const std::string& key, const std::string& subject,
                            const OpensslSigning& signing, const std::string& extensions);
    // `openssl x509 -req -in CSR -CA ISSUER -CAkey ISSUER_KEY <signing> -days 30` with `extensions`
    // into `name`.pem.
    std::string issue(const std::string& name, const std::string& csr, const std::string& issuer,
                      const std::string& issuer_key, const OpensslSigning& signing, const std::string& extensions);

    // Runs argv (bounded), failing the test with its transcript unless it exits 0.
    static CommandResult run(std::vector<std::string> argv);

private:
    std::string extension_file(const std::string& name, const std::string& extensions) const;

    const TempDir& dir_;
    std::map<std::string, std::string> keys_;
    unsigned serial_ = 0;
};

// Writes the concatenation of the PEM files `parts` to `path` (a certificate chain, a CA bundle).
void concatenate_files(const std::string& path, const std::vector<std::string>& parts);

}  // namespace tpmtls::test
