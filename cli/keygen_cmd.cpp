// `tpmtls keygen`: a signing key made inside the TPM (ECC P-256 or RSA-2048), written as a TSS2
// PRIVATE KEY file (the format tpm2-openssl reads) and/or made persistent at a handle.
#include <mbedtls/pem.h>
#include <sys/stat.h>

#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "tpm/auth_value.h"
#include "tpm/key_file.h"
#include "tpm/key_reference.h"
#include "tpm/keys.h"
#include "tpm/tpm_signer.h"

namespace tpmtls::cli {
namespace {

using namespace tpmtls::tpm;

const CommandSpec spec{
    .name = "keygen",
    .summary = "create a signing key inside the TPM (TSS2 key file or persistent handle)",
    .synopsis = "tpmtls keygen --out FILE.tss2 [--algorithm ecc|rsa] [--persist 0x81...] [--force]\n"
                "                     [--auth-file F | --auth-prompt] [--pubout PUB.pem] [--tcti T]",
    .description =
        "Creates an ECC P-256 (default) or RSA-2048 signing key inside the TPM, under the owner-hierarchy\n"
        "primary tpm2-openssl uses, with sign|fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth\n"
        "(and noDA when the key has no authorization value). The private key never leaves the TPM: the\n"
        "file holds it wrapped by the TPM. --out writes a TSS2 PRIVATE KEY file; --persist makes the\n"
        "key persistent at a handle (an occupied handle is refused unless --force). At least one of\n"
        "the two is needed. The authorization value is read from a file or the terminal, never from\n"
        "the command line.",
    .options = {
        {"out", "FILE", "write the key as a TSS2 PRIVATE KEY file (refuses to overwrite without --force)"},
        {"algorithm", "ecc|rsa", "ecc: ECC P-256 (default); rsa: RSA-2048"},
        {"persist", "HANDLE", "make the key persistent at HANDLE (an owner handle, 0x81000000-0x817FFFFF)"},
        {"force", "", "replace an existing --out file or what is stored at --persist"},
        {"auth-file", "FILE", "the key's authorization value: the first line of FILE"},
        {"auth-prompt", "", "ask for the key's authorization value on the terminal (twice)"},
        {"pubout", "FILE", "also write the public key (SubjectPublicKeyInfo PEM)"},
        {"tcti", "TCTI", "TPM to use (swtpm:host=...,port=..., device:/dev/tpmrm0); default: "
                         "TPM2TOOLS_TCTI, TCTI, then tctildr's search"},
    },
};

Exit tpm_failure(const Alert& error) { return report(spec, {Exit::tpm, error.reason, {}}); }

Exit file_failure(const Alert& error) { return report(spec, {Exit::failure, error.reason, {}}); }

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

Result<std::string> public_key_pem(ByteView spki) {
    std::string out(spki.size() * 2 + 128, '\0');
    size_t length = 0;
    if (mbedtls_pem_write_buffer("-----BEGIN PUBLIC KEY-----\n", "-----END PUBLIC KEY-----\n", spki.data(), spki.size(),
                                 reinterpret_cast<unsigned char*>(out.data()), out.size(), &length) != 0)
        return fail(AlertDescription::internal_error, "PEM encoding of the public key failed");
    out.resize(length - 1);  // length counts the terminating NUL
    return out;
}

Status write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return fail(AlertDescription::internal_error, "cannot write " + path);
    return ok();
}

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    const auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    const auto usage = [&](std::string_view message) {
        return report(spec, {Exit::usage, std::string(message), "see `tpmtls keygen --help`"});
    };
    const std::optional<std::string> out = options->value("out");
    const std::optional<std::string> persist_text = options->value("persist");
    if (!out && !persist_text) return usage("--out FILE or --persist HANDLE is needed");
    const std::string algorithm_name = options->value_or("algorithm", "ecc");
    if (algorithm_name != "ecc" && algorithm_name != "rsa") return usage("--algorithm must be ecc or rsa");
    const KeyAlgorithm algorithm = algorithm_name == "rsa" ? KeyAlgorithm::rsa_2048 : KeyAlgorithm::ecc_p256;
    if (options->has("auth-file") && options->has("auth-prompt"))
        return usage("--auth-file and --auth-prompt exclude each other");
    std::optional<uint32_t> persist;
    if (persist_text) {
        auto handle = parse_persistent_handle(*persist_text, HandleUse::create);
        if (!handle) return usage(handle.error().reason);
        persist = *handle;
    }
    const bool force = options->has("force");
    if (out && file_exists(*out) && !force) {
        return report(spec, {Exit::failure, *out + " exists", "pass --force to overwrite it"});
    }

    Secret auth;
    if (const auto auth_file = options->value("auth-file")) {
        if (auto problem = unreadable_file("--auth-file", *auth_file)) return report(spec, *problem);
        auto value = read_auth_file(*auth_file);
        if (!value) return file_failure(value.error());
        auth = std::move(*value);
    } else if (options->has("auth-prompt")) {
        auto value = prompt_auth("Authorization value for the new key: ", /*confirm=*/true);
        if (!value) return file_failure(value.error());
        auth = std::move(*value);
    }

    ContextOptions context_options;
    context_options.tcti = options->value("tcti");
    auto context = TpmContext::open(context_options);
    if (!context) return tpm_failure(context.error());
    if (persist && !force) {
        // Checked before creating the key: RSA key generation takes seconds on real TPMs.
        auto occupied = persistent_handle_occupied(*context, *persist);
        if (!occupied) return tpm_failure(occupied.error());
        if (*occupied) {
            return report(spec, {Exit::tpm, "persistent handle " + *persist_text + " is occupied",
                                 "pass --force to replace what is stored there, or choose another handle"});
        }
    }
    auto blob = create_signing_key(**context, algorithm, ByteView(auth.view().data(), auth.size()));
    if (!blob) return tpm_failure(blob.error());

    if (out) {
        Tss2KeyFile file;
        file.empty_auth = auth.empty();
        file.empty_auth_false_written = !auth.empty();  // as tpm2-openssl writes it (tpm/key_file.h)
        file.parent = owner_hierarchy;
        file.public_area = blob->public_area;
        file.private_area = blob->private_area;
        if (auto saved = save_tss2_key_file(*out, file); !saved) return file_failure(saved.error());
    }
    if (persist) {
        if (auto made = make_persistent(*context, *blob, *persist, force); !made) return tpm_failure(made.error());
    }
    if (const auto pubout = options->value("pubout")) {
        auto loaded = load_key(*context, *blob);
        if (!loaded) return tpm_failure(loaded.error());
        auto signer = TpmSigner::create(std::move(*loaded));
        if (!signer) return tpm_failure(signer.error());
        auto pem = public_key_pem(view((*signer)->public_key_der()));
        if (!pem) return file_failure(pem.error());
        if (auto written = write_text(*pubout, *pem); !written) return file_failure(written.error());
    }
    std::cout << "created an " << to_string(algorithm) << " signing key"
              << (auth.empty() ? "" : " with an authorization value");
    if (out) std::cout << ", written to " << *out;
    if (persist) std::cout << (out ? " and" : ",") << " persistent at " << *persist_text;
    std::cout << "\n";
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
