// `tpmtls ca-init` and `tpmtls ca-sign`: the small enrollment CA. ca-init makes a P-256 CA key
// and its self-signed certificate; ca-sign checks a request's signature and issues a client
// (or, for the demo's server, a server) certificate from it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>

#include "client/cli/command.h"
#include "tls13/pki/ca.h"
#include "tls13/secret.h"

namespace tpmtls::cli {
namespace {

const CommandSpec init_spec{
    .name = "ca-init",
    .summary = "create a small CA: a P-256 key and a self-signed CA certificate",
    .synopsis = "tpmtls ca-init --out-key ca.key --out-cert ca.pem --subject S [--days N] [--force]",
    .description = "Generates an ECDSA P-256 CA key (written mode 0600) and a self-signed certificate with\n"
                   "basicConstraints CA:TRUE and keyUsage keyCertSign, cRLSign. Existing files are kept unless\n"
                   "--force is given (replacing a CA key orphans every certificate it issued).",
    .options =
        {
            {"out-key", "FILE", "where to write the CA private key (PEM, mode 0600)"},
            {"out-cert", "FILE", "where to write the CA certificate (PEM)"},
            {"subject", "S", "CA subject, /CN=Acme device CA or CN=Acme device CA,O=Acme"},
            {"days", "N", "validity in days (default 3650)"},
            {"force", "", "replace existing key and certificate files"},
        },
};

const CommandSpec sign_spec{
    .name = "ca-sign",
    .summary = "issue a certificate from a CSR after checking its signature",
    .synopsis = "tpmtls ca-sign --ca-cert ca.pem --ca-key ca.key --csr csr.pem --out cert.pem [--days N] "
                "[--profile client|server]",
    .description = "Verifies the request's self-signature (a request that does not verify is refused), then\n"
                   "issues a certificate with the request's subject and subjectAltNames, extKeyUsage clientAuth\n"
                   "(profile client, the default) or serverAuth (profile server), keyUsage digitalSignature, a\n"
                   "random 16-byte serial, valid from now for N days (default 365).",
    .options =
        {
            {"ca-cert", "FILE", "the CA certificate (PEM)"},
            {"ca-key", "FILE", "the CA private key (PEM)"},
            {"csr", "FILE", "the certificate signing request (PEM or DER)"},
            {"out", "FILE", "where to write the certificate (PEM)"},
            {"days", "N", "validity in days (default 365)"},
            {"profile", "client|server", "extKeyUsage clientAuth (default) or serverAuth"},
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

std::optional<Bytes> read_file(const CommandSpec& spec, const std::string& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        print_error(spec.name, "cannot read " + std::string(what) + " " + path);
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

Exit run_init(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    auto options = parse_options(init_spec, args, exit);
    if (!options) return exit;
    if (!require(init_spec, *options, {"out-key", "out-cert", "subject"})) return Exit::usage;
    const auto days = parse_days(init_spec, *options, 3650);
    if (!days) return Exit::usage;
    auto ca = pki::create_certificate_authority({*options->value("subject"), *days}, system_clock());
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
        print_error(init_spec.name, "cannot write " + key_path);
        return Exit::failure;
    }
    if (!write_file_atomically(cert_path, ca->certificate_pem, 0644)) {
        print_error(init_spec.name, "cannot write " + cert_path);
        return Exit::failure;
    }
    std::cout << "wrote " << key_path << " (CA key, 0600) and " << cert_path << " (valid " << *days << " days)\n";
    return Exit::ok;
}

Exit run_sign(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    auto options = parse_options(sign_spec, args, exit);
    if (!options) return exit;
    if (!require(sign_spec, *options, {"ca-cert", "ca-key", "csr", "out"})) return Exit::usage;
    pki::IssueOptions issue;
    const auto days = parse_days(sign_spec, *options, 365);
    if (!days) return Exit::usage;
    issue.days = *days;
    auto profile = pki::parse_certificate_profile(options->value_or("profile", "client"));
    if (!profile) {
        print_error(sign_spec.name, profile.error().reason);
        return Exit::usage;
    }
    issue.profile = *profile;

    const auto ca_cert = read_file(sign_spec, *options->value("ca-cert"), "CA certificate");
    auto ca_key = read_file(sign_spec, *options->value("ca-key"), "CA key");
    const auto csr = read_file(sign_spec, *options->value("csr"), "CSR");
    if (!ca_cert || !ca_key || !csr) {
        if (ca_key) secure_wipe(ca_key->data(), ca_key->size());
        return Exit::failure;
    }
    auto ca = pki::CertificateAuthority::load(view(*ca_cert), view(*ca_key));
    secure_wipe(ca_key->data(), ca_key->size());
    if (!ca) {
        print_error(sign_spec.name, ca.error().reason);
        return Exit::failure;
    }
    auto issued = ca->issue(view(*csr), issue, system_clock());
    if (!issued) {
        print_error(sign_spec.name, *options->value("csr") + ": " + issued.error().reason);
        return Exit::failure;
    }
    const std::string out = *options->value("out");
    if (!write_file_atomically(out, issued->pem, 0644)) {
        print_error(sign_spec.name, "cannot write " + out);
        return Exit::failure;
    }
    std::cout << "issued " << out << ": " << issued->subject << ", serial " << to_hex(view(issued->serial)) << ", "
              << pki::to_string(issue.profile) << " profile, valid " << issue.days << " days\n";
    return Exit::ok;
}

const Registrar init_registrar{{init_spec.name, init_spec.summary, run_init}};
const Registrar sign_registrar{{sign_spec.name, sign_spec.summary, run_sign}};

}  // namespace
}  // namespace tpmtls::cli
