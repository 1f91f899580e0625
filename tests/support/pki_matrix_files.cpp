#include "support/pki_matrix_files.h"

#include "support/paths.h"

namespace tpmtls::test::pki_matrix {

namespace {

const std::string policy_oid = "1.3.6.1.4.1.55555.1";

// What the CA that issues the leaves carries for a cell's extensions.
std::string issuing_ca_extras(Extensions extensions) {
    switch (extensions) {
    case Extensions::none: return "";
    case Extensions::name_constraints: return "nameConstraints=critical," + permitted_names + "\n";
    case Extensions::policies: return "certificatePolicies=critical," + policy_oid + "\n";
    }
    return "";
}

// A CA key (made once per name) and how that CA signs.
struct CaKey {
    const char* name;
    OpensslKeyType type;
    OpensslSigning signing;
};

// The tutorial's RSA-4096 root signs PKCS#1 SHA-256; the RSA-2048 one RSA-PSS (salt = digest).
CaKey root_key(Ca ca) {
    switch (ca) {
    case Ca::rsa4096_pkcs1: return {"ca-rsa4096", OpensslKeyType::rsa4096, OpensslSigning::digest("sha256")};
    case Ca::rsa2048_pss: return {"ca-rsa2048", OpensslKeyType::rsa2048, OpensslSigning::pss("sha256")};
    case Ca::p256: return {"ca-p256", OpensslKeyType::p256, OpensslSigning::digest("sha256")};
    case Ca::p384: return {"ca-p384", OpensslKeyType::p384, OpensslSigning::digest("sha384")};
    }
    return {"?", OpensslKeyType::p256, {}};
}

// The intermediate: the root's kind of key and signature (RSA-2048 under either RSA root), or
// P-256 signing ECDSA SHA-256 under an RSA root.
CaKey intermediate_key(Ca ca, Chain chain) {
    const CaKey root = root_key(ca);
    if (chain == Chain::rsa_root_ecdsa_intermediate)
        return {"int-p256", OpensslKeyType::p256, OpensslSigning::digest("sha256")};
    switch (ca) {
    case Ca::rsa4096_pkcs1:
    case Ca::rsa2048_pss: return {"int-rsa2048", OpensslKeyType::rsa2048, root.signing};
    case Ca::p256: return {"int-p256", OpensslKeyType::p256, root.signing};
    case Ca::p384: return {"int-p384", OpensslKeyType::p384, root.signing};
    }
    return root;
}

}  // namespace

const std::string permitted_names =
    "permitted;DNS:localhost,permitted;IP:127.0.0.1/255.255.255.255,permitted;DNS:tpmtls.test";

const char* to_string(Role role) { return role == Role::server ? "server" : "client"; }

std::string ca_extensions(bool intermediate, const std::string& extra) {
    return std::string("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                       "subjectKeyIdentifier=hash\n") +
           (intermediate ? "authorityKeyIdentifier=keyid\n" : "") + extra;
}

std::string leaf_extensions(Role role, const std::string& names, Extensions extensions) {
    std::string e = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                    "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
    e += role == Role::server ? "extendedKeyUsage=serverAuth\n" : "extendedKeyUsage=clientAuth\n";
    e += "subjectAltName=" + names + "\n";
    if (extensions == Extensions::policies) e += "certificatePolicies=critical," + policy_oid + "\n";
    return e;
}

std::string default_names(Role role, const std::string& tag) {
    return role == Role::server ? "DNS:localhost,IP:127.0.0.1" : "DNS:" + tag + ".tpmtls.test";
}

const CellPki& MatrixFiles::pki(Ca ca, Chain chain, Extensions extensions) {
    const std::string name = "pki" + std::to_string(int(ca)) + std::to_string(int(chain)) +
                             std::to_string(int(extensions));
    if (auto found = pkis_.find(name); found != pkis_.end()) return found->second;
    return pkis_.emplace(name, make_pki(name, ca, chain, extensions)).first->second;
}

std::string MatrixFiles::key(const std::string& tag) {
    if (in_tpm(tag)) {
        const std::string path = dir_.file(tag + ".tss2");
        if (tpm_keys_.insert(tag).second) {
            PkiCommands::run({cli_path(), "keygen", "--out", path, "--algorithm", tag == "tpm-rsa2048" ? "rsa" : "ecc",
                             "--tcti", swtpm_.tcti()});
        }
        return path;
    }
    return openssl_.key(tag, tag == "stand-in-rsa2048" ? OpensslKeyType::rsa2048 : OpensslKeyType::p256);
}

std::string MatrixFiles::request(Role role, const std::string& tag) {
    const std::string name = common_name(role, tag);
    if (auto found = requests_.find(name); found != requests_.end()) return found->second;
    std::string path;
    if (in_tpm(tag)) {
        path = dir_.file(name + ".csr");
        PkiCommands::run({cli_path(), "csr", "--key", key(tag), "--subject", "/CN=" + name, "--out", path, "--tcti",
                         swtpm_.tcti()});
    } else {
        path = openssl_.request(name, key(tag), "/CN=" + name);
    }
    return requests_.emplace(name, path).first->second;
}

std::string MatrixFiles::leaf(const CellPki& pki, Role role, const std::string& tag) {
    const std::string name = pki.name + "-" + common_name(role, tag);
    if (auto found = leaves_.find(name); found != leaves_.end()) return found->second;
    const std::string path = openssl_.issue(name, request(role, tag), pki.issuer, pki.issuer_key, pki.leaf_signing,
                                            leaf_extensions(role, default_names(role, tag), pki.extensions));
    return leaves_.emplace(name, path).first->second;
}

TlsEndFiles MatrixFiles::end_files(Role role, const std::string& tag, const std::string& leaf, const std::string& base,
                                   const std::vector<std::string>& rest, const std::string& ca) {
    TlsEndFiles files;
    files.leaf = leaf;
    files.chain = dir_.file(base + ".chain.pem");
    std::vector<std::string> chain = {leaf};
    chain.insert(chain.end(), rest.begin(), rest.end());
    concatenate_files(files.chain, chain);
    if (!rest.empty()) {
        files.rest = dir_.file(base + ".rest.pem");
        concatenate_files(files.rest, rest);
    }
    files.key = key(tag);
    if (in_tpm(tag)) files.tcti = swtpm_.tcti();
    files.ca = ca;
    files.common_name = common_name(role, tag);
    return files;
}

TlsEndFiles MatrixFiles::end(const CellPki& pki, Role role, const std::string& tag, Order order) {
    std::vector<std::string> rest;
    if (order == Order::shuffled) rest.push_back(pki.root);
    if (!pki.intermediate.empty()) rest.push_back(pki.intermediate);
    const std::string base = pki.name + "-" + common_name(role, tag) + (order == Order::shuffled ? "-shuffled" : "");
    return end_files(role, tag, leaf(pki, role, tag), base, rest, pki.root);
}

TlsEndFiles MatrixFiles::issued_end(const std::string& name, Role role, const std::string& tag, const std::string& names,
                                    const Issuer& issuer, const std::string& ca, const std::string& rest) {
    const std::string leaf = openssl_.issue(name, request(role, tag), issuer.cert, issuer.key, issuer.signing,
                                            leaf_extensions(role, names, Extensions::none));
    return end_files(role, tag, leaf, name, rest.empty() ? std::vector<std::string>{} : std::vector<std::string>{rest},
                     ca);
}

CellPki MatrixFiles::make_pki(const std::string& name, Ca ca, Chain chain, Extensions extensions) {
    const CaKey root = root_key(ca);
    CellPki pki;
    pki.name = name;
    pki.extensions = extensions;
    const std::string root_key_file = openssl_.key(root.name, root.type);
    const std::string root_subject = std::string("/CN=matrix root ") + root.name + "/O=tpmtls tests";
    const std::string extras = issuing_ca_extras(extensions);
    if (chain == Chain::root_leaf) {
        pki.root = openssl_.self_signed(name + "-root", root_key_file, root_subject, root.signing,
                                        ca_extensions(false, extras));
        pki.issuer = pki.root;
        pki.issuer_key = root_key_file;
        pki.leaf_signing = root.signing;
        return pki;
    }
    pki.root = openssl_.self_signed(name + "-root", root_key_file, root_subject, root.signing, ca_extensions(false, ""));
    const CaKey intermediate = intermediate_key(ca, chain);
    const std::string intermediate_key_file = openssl_.key(intermediate.name, intermediate.type);
    const std::string csr = openssl_.request(name + "-intermediate", intermediate_key_file,
                                             std::string("/CN=matrix intermediate ") + intermediate.name + "/O=tpmtls tests");
    pki.intermediate = openssl_.issue(name + "-intermediate", csr, pki.root, root_key_file, root.signing,
                                      ca_extensions(true, extras));
    pki.issuer = pki.intermediate;
    pki.issuer_key = intermediate_key_file;
    pki.leaf_signing = intermediate.signing;
    return pki;
}

MatrixFiles& files() {
    static MatrixFiles f;
    return f;
}

}  // namespace tpmtls::test::pki_matrix
