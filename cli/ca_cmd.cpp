// `tpmtls ca-init` and `tpmtls ca-sign`: the small enrollment CA. ca-init makes a CA key (ECDSA
// P-256 by default, P-384, or RSA as company CAs have) and its self-signed certificate; ca-sign
// checks a request's signature and issues a client (or, for the demo's server, a server)
// certificate from it, signed as the CA key fits; with --new-key it first makes a software P-256
// key and the request for it (the demo server's key).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "pki/ca.h"
#include "pki/csr.h"
#include "pki/key_generation.h"
#include "pki/names.h"
#include "tls13/secret.h"
#include "tls13/crypto/software_signer.h"

namespace tpmtls::cli {
namespace {

const CommandSpec init_spec{
    .name = "ca-init",
    .summary = "create a small CA: an EC or RSA key and a self-signed CA certificate",
    .synopsis = "tpmtls ca-init --out-key ca.key --out-cert ca.pem --subject S [--algorithm ec|rsa]\n"
                "                       [--curve P-256|P-384] [--bits 2048|3072|4096] [--days N] [--force]",
    .description = "Generates a CA key (written mode 0600): ECDSA P-256 by default, P-384 with --curve, or RSA\n"
                   "with --algorithm rsa (4096 bits unless --bits, as `openssl genrsa -out ca.key 4096`), and a\n"
                   "self-signed certificate with basicConstraints CA:TRUE and keyUsage keyCertSign, cRLSign,\n"
                   "signed ecdsa-with-SHA256 (P-256), ecdsa-with-SHA384 (P-384) or sha256WithRSAEncryption\n"
                   "(RSA). Existing files are kept unless --force is given (replacing a CA key orphans every\n"
                   "certificate it issued).",
    .options =
        {
            {"out-key", "FILE", "where to write the CA private key (PEM, mode 0600)"},
            {"out-cert", "FILE", "where to write the CA certificate (PEM)"},
            {"subject", "S", "CA subject, /CN=Acme device CA or CN=Acme device CA,O=Acme"},
            {"algorithm", "ec|rsa", "the CA key: ec (ECDSA, default; ecc is accepted too) or rsa"},
            {"curve", "P-256|P-384", "with ec: the curve (default P-256)"},
            {"bits", "2048|3072|4096", "with rsa: the key size (default 4096)"},
            {"days", "N", "validity in days (default 3650)"},
            {"force", "", "replace existing key and certificate files"},
        },
};

const CommandSpec sign_spec{
    .name = "ca-sign",
    .summary = "issue a certificate from a CSR after checking its signature (or for a new software key)",
    .synopsis = "tpmtls ca-sign --ca-cert ca.pem --ca-key ca.key --out cert.pem [--days N] [--profile client|server]\n"
                "                       [--pss] (--csr csr.pem | --new-key KEY.pem --subject S [--san NAME]... [--force])",
    .description = "Verifies the request's self-signature (a request that does not verify is refused), then\n"
                   "issues a certificate with the request's subject and subjectAltNames, extKeyUsage clientAuth\n"
                   "(profile client, the default) or serverAuth (profile server), keyUsage digitalSignature, a\n"
                   "random 16-byte serial, valid from now for N days (default 365).\n"
                   "The CA may be one ca-init made or one made with openssl (an RSA key from genrsa or genpkey,\n"
                   "a certificate from req -x509). It signs as its key fits: ECDSA P-256 ecdsa-with-SHA256,\n"
                   "P-384 ecdsa-with-SHA384, RSA sha256WithRSAEncryption, or RSASSA-PSS with --pss.\n"
                   "--new-key instead generates a software ECDSA P-256 key, writes it to KEY.pem (mode 0600,\n"
                   "atomically; an existing file is kept unless --force), builds and signs a request for it\n"
                   "with --subject and --san, and issues from that: the demo server's key and certificate\n"
                   "(use --profile server). Device keys belong in the TPM (tpmtls keygen, tpmtls csr).",
    .options =
        {
            {"ca-cert", "FILE", "the CA certificate (PEM)"},
            {"ca-key", "FILE", "the CA private key (PEM or DER; SEC1, PKCS#1 or PKCS#8)"},
            {"csr", "FILE", "the certificate signing request (PEM or DER)"},
            {"new-key", "FILE", "instead of --csr: generate a software P-256 key, written here (PEM, 0600)"},
            {"subject", "S", "with --new-key: the subject, /CN=localhost or CN=localhost,O=Acme"},
            {"san", "NAME", "with --new-key: a subjectAltName DNS:host, IP:address or URI:uri (repeatable)", true},
            {"force", "", "with --new-key: replace an existing key file"},
            {"out", "FILE", "where to write the certificate (PEM)"},
            {"days", "N", "validity in days (default 365)"},
            {"profile", "client|server", "extKeyUsage clientAuth (default) or serverAuth"},
            {"pss", "", "with an RSA CA key: sign RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32)"},
        },
};

bool require(const CommandSpec& spec, const Options& options, std::initializer_list<const char*> names) {
    for (const char* name : names)
        if (!options.value(name)) {
            print_error(spec.name, std::string("--") + name + " is required",
                        "see `tpmtls " + std::string(spec.name) + " --help`");
            return false;
        }
    return true;
}

std::optional<int> parse_days(const CommandSpec& spec, const Options& options, int fallback) {
    const auto text = options.value("days");
    if (!text) return fallback;
    try {
        size_t used = 0;
        const int days = std::stoi(*text, &used);
        if (used == text->size() && days > 0) return days;
    } catch (const std::exception&) {
    }
    print_error(spec.name, "--days wants a positive number of days, not '" + *text + "'");
    return std::nullopt;
}

// A missing or unreadable input is Exit::file (6), as for every command.
std::optional<Bytes> read_file(const CommandSpec& spec, const std::string& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int saved = errno;
        print_error(spec.name, "cannot read " + std::string(what) + " " + path + ": " + std::strerror(saved));
        return std::nullopt;
    }
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes through a temporary file beside `path` (created with `mode`), synced and renamed over
// `path`: readers see the old file or the new one, and a key is never readable by others.
bool write_file_atomically(const std::string& path, std::string_view contents, mode_t mode) {
    std::string temp = path + ".XXXXXX";
    const int fd = ::mkstemp(temp.data());  // mode 0600
    if (fd < 0) return false;
    size_t done = 0;
    while (done < contents.size()) {
        const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
    const bool written = done == contents.size() && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
    ::close(fd);
    if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
        ::unlink(temp.c_str());
        return false;
    }
    return true;
}

// --algorithm, --curve and --bits; each of the last two only with its algorithm.
std::optional<pki::KeySpec> parse_key_spec(const Options& options) {
    const std::string algorithm = options.value_or("algorithm", "ec");
    pki::KeySpec spec;
    std::string error;
    if (algorithm == "rsa") {
        spec.algorithm = pki::KeyAlgorithm::rsa;
        const std::string bits = options.value_or("bits", "4096");
        if (bits == "2048" || bits == "3072" || bits == "4096")
            spec.rsa_bits = static_cast<unsigned>(std::stoul(bits));
        else
            error = "--bits wants 2048, 3072 or 4096, not '" + bits + "'";
        if (options.value("curve")) error = "--curve goes with --algorithm ec";
    } else if (algorithm == "ec" || algorithm == "ecc") {
        const std::string curve = options.value_or("curve", "P-256");
        if (curve == "P-384")
            spec.algorithm = pki::KeyAlgorithm::ecdsa_p384;
        else if (curve != "P-256")
            error = "--curve wants P-256 or P-384, not '" + curve + "'";
        if (options.value("bits")) error = "--bits goes with --algorithm rsa";
    } else {
        error = "--algorithm wants ec or rsa, not '" + algorithm + "'";
    }
    if (error.empty()) return spec;
    print_error(init_spec.name, error, "see `tpmtls ca-init --help`");
    return std::nullopt;
}

Exit run_init(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    auto options = parse_options(init_spec, args, exit);
    if (!options) return exit;
    if (!require(init_spec, *options, {"out-key", "out-cert", "subject"})) return Exit::usage;
    const auto days = parse_days(init_spec, *options, 3650);
    const auto key_spec = parse_key_spec(*options);
    if (!days || !key_spec) return Exit::usage;
    auto ca = pki::create_certificate_authority({*options->value("subject"), *days}, *key_spec, system_clock());
    if (!ca) {
        print_error(init_spec.name, ca.error().reason);
        return ca.error().description == AlertDescription::illegal_parameter ? Exit::usage : Exit::failure;
    }
    const std::string key_path = *options->value("out-key");
    const std::string cert_path = *options->value("out-cert");
    for (const auto& path : {key_path, cert_path}) {
        struct stat info{};
        if (!options->has("force") && ::stat(path.c_str(), &info) == 0) {
            print_error(init_spec.name, path + " exists; not replacing it", "use --force to replace the CA");
            return Exit::failure;
        }
    }
    if (!write_file_atomically(key_path, ca->key_pem, 0600)) {
        return report(init_spec, {Exit::failure, "cannot write " + key_path, {}});
    }
    if (!write_file_atomically(cert_path, ca->certificate_pem, 0644)) {
        return report(init_spec, {Exit::failure, "cannot write " + cert_path, {}});
    }
    std::cout << "wrote " << key_path << " (CA key, 0600) and " << cert_path << " (valid " << *days << " days)\n";
    return Exit::ok;
}

// --new-key: a software P-256 key and a request for it, signed with it (pki/csr.h), so the
// CA's usual checks run on it like on any device's request.
struct NewKeyRequest {
    pki::PrivateKeyPem key;
    Bytes csr_der;
};

Result<NewKeyRequest> make_new_key_request(const pki::CsrRequest& names) {
    NewKeyRequest out;
    out.key = TRY(pki::generate_p256_key());
    const std::unique_ptr<SoftwareSigner> signer = TRY(SoftwareSigner::from_key(view(out.key.text)));
    pki::CsrRequest request = names;
    request.subject_public_key_info = TRY(signer->public_key_der());
    out.csr_der = TRY(pki::build_certificate_request(request, *signer));
    return out;
}

std::optional<NewKeyRequest> new_key_request(const Options& options, Exit& exit) {
    pki::CsrRequest names;
    names.subject = *options.value("subject");
    for (const auto& text : options.values("san")) {
        auto name = pki::parse_subject_alt_name(text);
        if (!name) {
            print_error(sign_spec.name, name.error().reason);
            exit = Exit::usage;
            return std::nullopt;
        }
        names.subject_alt_names.push_back(*name);
    }
    auto made = make_new_key_request(names);
    if (!made) {
        print_error(sign_spec.name, made.error().reason);
        // A subject that cannot be encoded is the user's; anything else is ours.
        exit = made.error().description == AlertDescription::illegal_parameter ? Exit::usage : Exit::failure;
        return std::nullopt;
    }
    return std::move(*made);
}

// Exactly one of --csr and --new-key; --subject, --san and --force only with --new-key.
bool check_request_source(const Options& options) {
    const bool new_key = options.value("new-key").has_value();
    if (new_key == options.value("csr").has_value()) {
        print_error(sign_spec.name, "give exactly one of --csr and --new-key", "see `tpmtls ca-sign --help`");
        return false;
    }
    if (new_key && !options.value("subject")) {
        print_error(sign_spec.name, "--new-key needs --subject", "see `tpmtls ca-sign --help`");
        return false;
    }
    if (!new_key && (options.value("subject") || !options.values("san").empty() || options.has("force"))) {
        print_error(sign_spec.name, "--subject, --san and --force go with --new-key (a CSR carries its own names)");
        return false;
    }
    return true;
}

Exit run_sign(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    auto options = parse_options(sign_spec, args, exit);
    if (!options) return exit;
    if (!require(sign_spec, *options, {"ca-cert", "ca-key", "out"}) || !check_request_source(*options))
        return Exit::usage;
    pki::IssueOptions issue;
    const auto days = parse_days(sign_spec, *options, 365);
    if (!days) return Exit::usage;
    issue.days = *days;
    auto profile = pki::parse_certificate_profile(options->value_or("profile", "client"));
    if (!profile) {
        return report(sign_spec, {Exit::usage, profile.error().reason, {}});
    }
    issue.profile = *profile;
    const auto new_key_path = options->value("new-key");
    if (new_key_path && !options->has("force")) {
        struct stat info {};
        if (::stat(new_key_path->c_str(), &info) == 0) {
            print_error(sign_spec.name, *new_key_path + " exists; not replacing it", "use --force to replace it");
            return Exit::failure;
        }
    }

    const auto ca_cert = read_file(sign_spec, *options->value("ca-cert"), "CA certificate");
    if (!ca_cert) return Exit::file;
    auto ca_key = read_file(sign_spec, *options->value("ca-key"), "CA key");
    if (!ca_key) return Exit::file;
    const auto rsa_padding = options->has("pss") ? pki::RsaPadding::pss : pki::RsaPadding::pkcs1_v15;
    auto ca = pki::CertificateAuthority::load(view(*ca_cert), view(*ca_key), rsa_padding);
    secure_wipe(ca_key->data(), ca_key->size());
    if (!ca) {
        // illegal_parameter: --pss with a CA key that is not RSA.
        const bool usage = ca.error().description == AlertDescription::illegal_parameter;
        print_error(sign_spec.name, (usage ? "--pss: " : "") + ca.error().reason);
        // Otherwise the CA certificate or key does not hold what it should.
        return usage ? Exit::usage : Exit::key;
    }
    std::optional<NewKeyRequest> made;
    std::optional<Bytes> csr;
    if (new_key_path) {
        made = new_key_request(*options, exit);
        if (!made) return exit;
        csr = made->csr_der;
    } else {
        csr = read_file(sign_spec, *options->value("csr"), "CSR");
        if (!csr) return Exit::file;
    }
    auto issued = ca->issue(view(*csr), issue, system_clock());
    if (!issued) {
        const std::string request = new_key_path ? std::string("the new key's request") : *options->value("csr");
        return report(sign_spec, {Exit::failure, request + ": " + issued.error().reason, {}});
    }
    if (made && !write_file_atomically(*new_key_path, made->key.text, 0600)) {
        return report(sign_spec, {Exit::failure, "cannot write " + *new_key_path, {}});
    }
    const std::string out = *options->value("out");
    if (!write_file_atomically(out, issued->pem, 0644)) {
        return report(sign_spec, {Exit::failure, "cannot write " + out, {}});
    }
    if (made) std::cout << "wrote " << *new_key_path << " (software P-256 key, 0600)\n";
    std::cout << "issued " << out << ": " << issued->subject << ", serial " << to_hex(view(issued->serial)) << ", "
              << pki::to_string(issue.profile) << " profile, valid " << issue.days << " days\n";
    return Exit::ok;
}

const Registrar init_registrar{{init_spec.name, init_spec.summary, run_init}};
const Registrar sign_registrar{{sign_spec.name, sign_spec.summary, run_sign}};

}  // namespace
}  // namespace tpmtls::cli
