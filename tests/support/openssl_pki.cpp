#include "support/openssl_pki.h"

#include <doctest/doctest.h>

#include <sys/stat.h>

namespace tpmtls::test {

namespace {

void run_openssl(std::vector<std::string> argv) {
    argv.insert(argv.begin(), "openssl");
    const CommandResult run = run_command(std::move(argv), std::chrono::milliseconds(120'000));
    REQUIRE_MESSAGE(run.exit_status == 0, run.transcript);
}

bool exists(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0;
}

// The PEM openssl wrote, and its DER as openssl converts it.
void read_back(OpensslCertificate& certificate) {
    const std::string der_path = certificate.pem_path + ".der";
    run_openssl({"x509", "-in", certificate.pem_path, "-outform", "DER", "-out", der_path});
    certificate.pem = read_text_file(certificate.pem_path);
    const std::string der = read_text_file(der_path);
    certificate.der.assign(der.begin(), der.end());
}

}  // namespace

OpensslPki::OpensslPki() {
    // Our own minimal config: no distribution defaults (v3_ca sections, policies) slip in.
    config_ = dir_.write("openssl.cnf", "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n");
}

std::string OpensslPki::make_key(const std::string& name, const std::string& kind) {
    const std::string path = dir_.file(name + ".key");
    const size_t colon = kind.find(':');
    const std::string type = kind.substr(0, colon), size = kind.substr(colon + 1);
    if (type == "rsa") {
        run_openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + size, "-out", path});
    } else if (type == "ec") {
        run_openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + size, "-out", path});
    } else if (type == "ed25519") {
        run_openssl({"genpkey", "-algorithm", "ED25519", "-out", path});
    } else if (type == "dsa") {
        const std::string params = dir_.file(name + ".dsaparam");
        run_openssl({"dsaparam", "-out", params, size});
        run_openssl({"gendsa", "-out", path, params});
    } else {
        FAIL("unknown key kind " << kind);
    }
    return path;
}

OpensslCertificate OpensslPki::root(const std::string& name, const std::string& subject, const std::string& key_kind,
                                    const std::string& digest, const std::vector<std::string>& extensions) {
    std::vector<std::string> all = {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign",
                                    "subjectKeyIdentifier=hash"};
    all.insert(all.end(), extensions.begin(), extensions.end());
    return self_signed(name, subject, key_kind, digest, all);
}

OpensslCertificate OpensslPki::self_signed(const std::string& name, const std::string& subject,
                                           const std::string& key_kind, const std::string& digest,
                                           const std::vector<std::string>& extensions) {
    OpensslCertificate out;
    out.name = name;
    out.key_path = make_key(name, key_kind);
    out.pem_path = dir_.file(name + ".pem");
    std::vector<std::string> argv = {"req", "-x509", "-new", "-config", config_, "-key", out.key_path, "-subj", subject,
                                     "-days", "30", "-set_serial", std::to_string(++serial_), "-out", out.pem_path};
    if (!digest.empty()) argv.push_back("-" + digest);  // Ed25519 signs without a separate digest
    for (const std::string& e : extensions) {
        argv.push_back("-addext");
        argv.push_back(e);
    }
    run_openssl(argv);
    read_back(out);
    return out;
}

OpensslCertificate OpensslPki::issue(const std::string& name, const std::string& subject, const std::string& key_kind,
                                     const OpensslCertificate& issuer, const std::string& extfile,
                                     const IssueOptions& options) {
    OpensslCertificate out;
    out.name = name;
    out.key_path = options.key_from.empty() ? make_key(name, key_kind) : dir_.file(options.key_from + ".key");
    REQUIRE(exists(out.key_path));
    out.pem_path = dir_.file(name + ".pem");
    const std::string csr = dir_.file(name + ".csr"), ext = dir_.write(name + ".ext", extfile);
    run_openssl({"req", "-new", "-config", config_, "-key", out.key_path, "-subj", subject, "-out", csr});
    std::vector<std::string> argv = {"x509", "-req", "-in", csr, "-CA", issuer.pem_path, "-CAkey", issuer.key_path,
                                     "-set_serial", std::to_string(++serial_), "-days", "30", "-" + options.digest,
                                     "-extfile", ext, "-out", out.pem_path};
    if (options.pss) {
        for (const char* opt : {"rsa_padding_mode:pss", "rsa_pss_saltlen:digest"}) {
            argv.push_back("-sigopt");
            argv.push_back(opt);
        }
    }
    run_openssl(argv);
    read_back(out);
    return out;
}

std::string OpensslPki::bundle(const std::string& name, const std::vector<const OpensslCertificate*>& certificates) const {
    std::string text;
    for (const OpensslCertificate* c : certificates) text += c->pem;
    return dir_.write(name, text);
}

bool OpensslPki::openssl_verifies(const OpensslCertificate& root, const std::vector<const OpensslCertificate*>& untrusted,
                                  const OpensslCertificate& leaf) const {
    std::vector<std::string> argv = {"openssl", "verify", "-CAfile", root.pem_path};
    if (!untrusted.empty()) {
        argv.push_back("-untrusted");
        argv.push_back(bundle(leaf.name + ".untrusted.pem", untrusted));
    }
    argv.push_back(leaf.pem_path);
    const CommandResult run = run_command(argv, std::chrono::milliseconds(60'000));
    return run.exit_status == 0 && run.out.find(": OK") != std::string::npos;
}

std::string ca_extensions(const std::string& extra) {
    return "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
           "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n" +
           extra;
}

std::string leaf_extensions(const std::string& san, const std::string& extra) {
    std::string out = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                      "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
    if (!san.empty()) out += "subjectAltName=" + san + "\n";
    return out + extra;
}

}  // namespace tpmtls::test
