// `tpmtls csr`: a PKCS#10 request signed by a key that stays in the TPM (RFC 2986), for the CA
// to turn into the device's client certificate. One TPM2_Sign; nothing secret leaves the TPM.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/command.h"
#include "pki/csr.h"
#include "tls13/secret.h"
#include "tpm/auth_value.h"
#include "tpm/key_reference.h"

namespace tpmtls::cli {
namespace {

const CommandSpec spec{
    .name = "csr",
    .summary = "make a certificate signing request signed by a TPM key",
    .synopsis = "tpmtls csr --key FILE|handle:0x81... --subject S [--san DNS:x]... --out csr.pem [--tcti T] "
                "[--auth-file FILE]",
    .description = "Builds a PKCS#10 certification request (RFC 2986) for the TPM key's public key with the given\n"
                   "subject (\"/CN=dev1/O=Acme\" or \"CN=dev1,O=Acme\") and subjectAltNames (DNS:name, IP:address,\n"
                   "URI:uri), and has the TPM sign it (ECDSA P-256 -> ecdsa-with-SHA256; RSA -> RSASSA-PSS).\n"
                   "The key is a TSS2 PRIVATE KEY file (as tpm2-openssl writes) or a persistent handle.",
    .options =
        {
            {"key", "REF", "the TPM key: a TSS2 key file or handle:0x81xxxxxx"},
            {"subject", "S", "subject name, /CN=dev1/O=Acme or CN=dev1,O=Acme"},
            {"san", "NAME", "a subjectAltName: DNS:host, IP:address or URI:uri (repeatable)", true},
            {"out", "FILE", "where to write the PEM request"},
            {"tcti", "TCTI", "TPM connection, e.g. swtpm:host=127.0.0.1,port=2321 (default: $TPM2TOOLS_TCTI, $TCTI)"},
            {"auth-file", "FILE", "file holding the key's authorization value"},
        },
};

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    for (const char* required : {"key", "subject", "out"})
        if (!options->value(required)) {
            print_error(spec.name, std::string("--") + required + " is required", "see `tpmtls csr --help`");
            return Exit::usage;
        }

    pki::CsrRequest request;
    request.subject = *options->value("subject");
    if (auto subject = pki::normalize_subject(request.subject); !subject) {
        print_error(spec.name, subject.error().reason);
        return Exit::usage;
    }
    for (const auto& text : options->values("san")) {
        auto name = pki::parse_subject_alt_name(text);
        if (!name) {
            print_error(spec.name, name.error().reason);
            return Exit::usage;
        }
        request.subject_alt_names.push_back(*name);
    }
    auto reference = tpm::parse_key_reference(*options->value("key"));
    if (!reference) {
        print_error(spec.name, reference.error().reason);
        return Exit::usage;
    }
    if (std::string contents; reference->kind == tpm::KeyReference::Kind::file && !read_file(reference->path, contents)) {
        print_error(spec.name, "cannot read key file " + reference->path);
        return Exit::failure;
    }
    Secret auth;  // the key's authorization value, wiped when it goes
    if (auto auth_file = options->value("auth-file")) {
        auto read = tpm::read_auth_file(*auth_file);
        if (!read) {
            print_error(spec.name, read.error().reason);
            return Exit::failure;
        }
        auth = std::move(*read);
    }
    tpm::ContextOptions context_options;
    context_options.tcti = options->value("tcti");
    auto signer = tpm::open_tpm_signer(*reference, context_options, auth.view());
    if (!signer) {
        print_error(spec.name, signer.error().reason);
        return Exit::tpm;
    }
    request.subject_public_key_info = (*signer)->public_key_der();
    auto der = pki::build_certificate_request(request, **signer);
    if (!der) {
        print_error(spec.name, der.error().reason);
        return der.error().description == AlertDescription::illegal_parameter ? Exit::usage : Exit::tpm;
    }
    auto pem = pki::certificate_request_pem(view(*der));
    if (!pem) {
        print_error(spec.name, pem.error().reason);
        return Exit::failure;
    }
    const std::string out = *options->value("out");
    std::ofstream file(out, std::ios::binary | std::ios::trunc);
    if (!(file << *pem) || !file.flush()) {
        print_error(spec.name, "cannot write " + out);
        return Exit::failure;
    }
    std::cout << "wrote " << out << " (" << request.subject << ", signed by " << (*signer)->description() << ")\n";
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
