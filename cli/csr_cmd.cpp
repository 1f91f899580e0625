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
#include "tpm/key_file.h"
#include "tpm/key_reference.h"

namespace tpmtls::cli {
namespace {

const CommandSpec spec{
    .name = "csr",
    .summary = "make a certificate signing request signed by a TPM key",
    .synopsis = "tpmtls csr --key FILE|0x81... --subject S [--san DNS:x]... --out csr.pem [--tcti T] "
                "[--auth-file FILE]",
    .description = "Builds a PKCS#10 certification request (RFC 2986) for the TPM key's public key with the given\n"
                   "subject (\"/CN=dev1/O=Acme\" or \"CN=dev1,O=Acme\") and subjectAltNames (DNS:name, IP:address,\n"
                   "URI:uri), and has the TPM sign it (ECDSA P-256 -> ecdsa-with-SHA256; RSA -> RSASSA-PSS).\n"
                   "The key is a TSS2 PRIVATE KEY file (as tpm2-openssl writes) or a persistent handle.",
    .options =
        {
            {"key", "REF", "the TPM key: a TSS2 key file, or a persistent handle 0x81xxxxxx (handle:0x81xxxxxx)"},
            {"subject", "S", "subject name, /CN=dev1/O=Acme or CN=dev1,O=Acme"},
            {"san", "NAME", "a subjectAltName: DNS:host, IP:address or URI:uri (repeatable)", true},
            {"out", "FILE", "where to write the PEM request"},
            {"tcti", "TCTI", "TPM connection, e.g. swtpm:host=127.0.0.1,port=2321 (default: $TPM2TOOLS_TCTI, $TCTI)"},
            {"auth-file", "FILE", "file holding the key's authorization value"},
        },
};

// A --key that is not a readable file: missing (6), with a hint when it looks like a handle.
std::optional<Problem> check_key_file(const tpm::KeyReference& reference) {
    if (reference.kind != tpm::KeyReference::Kind::file) return std::nullopt;
    auto problem = unreadable_file("--key", reference.path);
    if (problem) problem->hint = tpm::handle_spelling_hint(reference.path);
    return problem;
}

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    const auto fail = [](Problem problem) { return report(spec, problem); };
    const auto usage = [&](std::string message) { return fail({Exit::usage, std::move(message), "see `tpmtls csr --help`"}); };
    for (const char* required : {"key", "subject", "out"})
        if (!options->value(required)) return usage(std::string("--") + required + " is required");

    pki::CsrRequest request;
    request.subject = *options->value("subject");
    if (auto subject = pki::normalize_subject(request.subject); !subject) return usage(subject.error().reason);
    for (const auto& text : options->values("san")) {
        auto name = pki::parse_subject_alt_name(text);
        if (!name) return usage(name.error().reason);
        request.subject_alt_names.push_back(*name);
    }
    auto reference = tpm::parse_key_reference(*options->value("key"));
    if (!reference) return usage(reference.error().reason);
    if (auto problem = check_key_file(*reference)) return fail(*problem);
    if (reference->kind == tpm::KeyReference::Kind::file) {
        // Parsed before the TPM is touched: a file that is not a TSS2 key is exit 7, not the TPM's.
        if (auto parsed = load_tss2_key_file(reference->path); !parsed)
            return fail({Exit::key, "--key " + reference->path + " is not a usable TSS2 key file: " + parsed.error().reason, {}});
    }
    Secret auth;  // the key's authorization value, wiped when it goes
    if (auto auth_file = options->value("auth-file")) {
        if (auto problem = unreadable_file("--auth-file", *auth_file)) return fail(*problem);
        auto read = tpm::read_auth_file(*auth_file);
        if (!read) return fail({Exit::failure, read.error().reason, {}});
        auth = std::move(*read);
    }
    tpm::ContextOptions context_options;
    context_options.tcti = options->value("tcti");
    auto signer = tpm::open_tpm_signer(*reference, context_options, auth.view());
    if (!signer) return fail({Exit::tpm, signer.error().reason, {}});
    request.subject_public_key_info = (*signer)->public_key_der();
    auto der = pki::build_certificate_request(request, **signer);
    if (!der)
        return fail({der.error().description == AlertDescription::illegal_parameter ? Exit::usage : Exit::tpm,
                     der.error().reason, {}});
    auto pem = pki::certificate_request_pem(view(*der));
    if (!pem) return fail({Exit::failure, pem.error().reason, {}});
    const std::string out = *options->value("out");
    std::ofstream file(out, std::ios::binary | std::ios::trunc);
    if (!(file << *pem) || !file.flush()) return fail({Exit::failure, "cannot write " + out, {}});
    std::cout << "wrote " << out << " (" << request.subject << ", signed by " << (*signer)->description() << ")\n";
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
