// The PKIs of tests/test_interop_pki_matrix.cpp, made with `openssl` commands (support/
// openssl_pki.h) in one TempDir per test program: a root, and an intermediate if the chain has
// one, per (CA, chain, extensions); leaves issued on demand and reused; the TPM keys made with
// `tpmtls keygen` in one shared swtpm, their CSRs signed by the TPM (`tpmtls csr`). A key is named
// by a tag: "tpm-p256", "tpm-rsa2048" (in the TPM), "peer", "soft-p256", "stand-in-p256" (software
// P-256), "stand-in-rsa2048" (software RSA-2048). A leaf for role R and tag T has CN=R-T.
#pragma once

#include <map>
#include <set>
#include <string>

#include "support/pki_commands.h"
#include "support/swtpm.h"
#include "support/tls_peer_programs.h"

namespace tpmtls::test::pki_matrix {

enum class Ca { rsa4096_pkcs1, rsa2048_pss, p256, p384 };
enum class Chain { root_leaf, intermediate, rsa_root_ecdsa_intermediate };
enum class Extensions { none, name_constraints, policies };
enum class Order { issuing, shuffled };
enum class Role { server, client };
const char* to_string(Role role);

// Every name a leaf of the matrix carries: servers localhost and 127.0.0.1, clients *.tpmtls.test.
extern const std::string permitted_names;
// openssl.cnf lines for a CA certificate, with `extra` lines (nameConstraints=..., ...).
std::string ca_extensions(bool intermediate, const std::string& extra);
// For a leaf: EKU for its role, subjectAltName `names`, certificatePolicies with `policies`.
std::string leaf_extensions(Role role, const std::string& names, Extensions extensions);
// Servers: DNS:localhost,IP:127.0.0.1. Clients: a SAN of their own, DNS:<tag>.tpmtls.test, so that
// name constraints apply to them by their SAN, not their CN.
std::string default_names(Role role, const std::string& tag);

// A root (and intermediate) for one (CA, chain, extensions). The CA that issues the leaves
// carries the extensions (critical nameConstraints or certificatePolicies); with policies the
// leaves carry the critical certificatePolicies too.
struct CellPki {
    std::string name;
    std::string root;
    std::string intermediate;  // "" without one
    std::string issuer, issuer_key;
    OpensslSigning leaf_signing;
    Extensions extensions = Extensions::none;
};

struct Issuer {
    std::string cert, key;
    OpensslSigning signing;
};

class MatrixFiles {
public:
    MatrixFiles() : openssl_(dir_) {}
    PkiCommands& openssl() { return openssl_; }
    const TempDir& dir() const { return dir_; }

    const CellPki& pki(Ca ca, Chain chain, Extensions extensions);
    // The key file behind a tag (made on first use).
    std::string key(const std::string& tag);
    static bool in_tpm(const std::string& tag) { return tag.rfind("tpm-", 0) == 0; }
    static std::string common_name(Role role, const std::string& tag) { return std::string(to_string(role)) + "-" + tag; }
    // The CSR for role-tag, made once.
    std::string request(Role role, const std::string& tag);

    // One end of a cell: its leaf under `pki`, sent with (issuing order) the intermediate, or
    // (shuffled) the root and then the intermediate; its key; the root to verify the other end.
    TlsEndFiles end(const CellPki& pki, Role role, const std::string& tag, Order order);
    // An end with a leaf of its own (file `name`): subjectAltName `names`, issued by `issuer`,
    // sent followed by `rest` ("" or a chain file), verifying the other end against `ca`.
    TlsEndFiles issued_end(const std::string& name, Role role, const std::string& tag, const std::string& names,
                           const Issuer& issuer, const std::string& ca, const std::string& rest = "");

private:
    std::string leaf(const CellPki& pki, Role role, const std::string& tag);
    CellPki make_pki(const std::string& name, Ca ca, Chain chain, Extensions extensions);
    TlsEndFiles end_files(Role role, const std::string& tag, const std::string& leaf, const std::string& base,
                          const std::vector<std::string>& rest, const std::string& ca);

    TempDir dir_;
    PkiCommands openssl_;
    Swtpm swtpm_;
    std::map<std::string, CellPki> pkis_;
    std::map<std::string, std::string> requests_, leaves_;
    std::set<std::string> tpm_keys_;
};

// One per test program.
MatrixFiles& files();

}  // namespace tpmtls::test::pki_matrix
