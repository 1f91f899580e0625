// `tpmtls import`: an existing private key (made outside the TPM, e.g. offline at the factory)
// into the TPM with TPM2_Import (tpm/import.h), out as a TSS2 key file or a persistent handle.
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <iostream>

#include "cli/command.h"
#include "tls13/crypto/hash.h"
#include "tpm/import.h"
#include "tpm/inventory.h"
#include "tpm/key_reference.h"

namespace tpmtls::cli {
namespace {

const CommandSpec spec{
    .name = "import",
    .summary = "import an existing private key (ECC P-256, RSA-2048) into the TPM",
    .synopsis = "tpmtls import --in KEY.pem (--out KEY.tss2 | --persist 0x81xxxxxx) [--parent H] [--force [--replace-foreign]] [--tcti T]",
    .description =
        "Reads an unencrypted private key (PEM or DER: PKCS#8, SEC1, PKCS#1; ECC P-256 or RSA-2048),\n"
        "wraps it in software for the parent's public key (TPM 2.0 duplication blob with an outer\n"
        "wrapper) and imports it with TPM2_Import. The result is a TSS2 PRIVATE KEY file (as\n"
        "tpm2-openssl reads it) or a persistent handle. The public key, so the certificate issued for\n"
        "the original key, stays the same. The input file is only read. The key existed outside the\n"
        "TPM, so copies of it may exist: generate keys on the device (tpmtls keygen) where you can.\n"
        "An occupied --persist handle is replaced only with --force, and only if its object was made\n"
        "by tpmtls (as `tpmtls list` shows it; like `tpmtls evict`); another object, such as an SRK or\n"
        "an EK, needs --replace-foreign as well.\n"
        "Exit codes: 0 ok, 1 input (unreadable, wrong key type, unsupported curve, output exists,\n"
        "handle holds an object tpmtls did not make),\n"
        "2 usage, 4 TPM (unreachable, handle occupied, parent missing, lockout).",
    .options =
        {
            {"in", "FILE", "the private key to import (PEM or DER)"},
            {"out", "FILE", "write a TSS2 key file (mode 0600)"},
            {"persist", "HANDLE", "make the key persistent at HANDLE (0x81000000-0x817fffff)"},
            {"parent", "HANDLE", "parent: 0x40000001 (owner primary, default) or a persistent ECC P-256 storage key"},
            {"force", "", "replace an existing --out file, or a --persist handle holding a key tpmtls made"},
            {"replace-foreign", "", "with --force: replace a --persist handle even if tpmtls did not make its object"},
            {"tcti", "TCTI", "TCTI configuration (default: $TPM2TOOLS_TCTI, $TCTI, then tctildr's search)"},
        },
};

std::optional<uint32_t> parse_handle(const std::string& text, Exit& exit, std::string_view option) {
    std::string_view digits = text;
    if (digits.substr(0, 2) == "0x" || digits.substr(0, 2) == "0X") digits.remove_prefix(2);
    uint32_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
        print_error(spec.name, "--" + std::string(option) + " '" + text + "' is not a hex handle (0x81000001)");
        exit = Exit::usage;
        return std::nullopt;
    }
    return value;
}

Exit tpm_failure(const Alert& alert) {
    print_error(spec.name, alert.reason);
    return Exit::tpm;
}

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    const auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    const auto in = options->value("in");
    const auto out = options->value("out");
    const auto persist_text = options->value("persist");
    if (!in || (out.has_value() == persist_text.has_value())) {
        print_error(spec.name, "needs --in and exactly one of --out or --persist", "see `tpmtls import --help`");
        return Exit::usage;
    }
    const bool force = options->has("force");
    if (options->has("replace-foreign") && !force) {
        print_error(spec.name, "--replace-foreign goes with --force", "see `tpmtls import --help`");
        return Exit::usage;
    }
    uint32_t parent = tpm::owner_hierarchy;
    if (auto text = options->value("parent")) {
        const auto value = parse_handle(*text, exit, "parent");
        if (!value) return exit;
        parent = *value;
    }
    std::optional<uint32_t> persist;
    if (persist_text) {
        persist = parse_handle(*persist_text, exit, "persist");
        if (!persist) return exit;
        if (*persist < tpm::persistent_first || *persist > tpm::persistent_owner_last) {
            print_error(spec.name, "--persist " + *persist_text + " is not an owner persistent handle (0x81000000-0x817fffff)");
            return Exit::usage;
        }
    }
    struct stat st {};
    if (out && !force && ::stat(out->c_str(), &st) == 0) {
        print_error(spec.name, *out + " exists: not replaced", "pass --force to replace it");
        return Exit::failure;
    }

    // Input first: a wrong key type is reported before the TPM is touched.
    auto key = tpm::read_private_key_file(*in);
    if (!key) {
        print_error(spec.name, key.error().reason);
        return Exit::failure;
    }
    tpm::ContextOptions context_options;
    context_options.tcti = options->value("tcti");
    auto context = tpm::TpmContext::open(context_options);
    if (!context) return tpm_failure(context.error());
    if (persist) {
        auto handles = tpm::persistent_handles(**context);
        if (!handles) return tpm_failure(handles.error());
        const bool occupied = std::find(handles->begin(), handles->end(), *persist) != handles->end();
        if (occupied && !force) {
            print_error(spec.name, "persistent handle " + *persist_text + " is occupied",
                        "see `tpmtls list`; pass --force to replace it, or choose another handle");
            return Exit::tpm;
        }
        if (occupied && !options->has("replace-foreign")) {
            auto object = tpm::describe_persistent_object(**context, *persist);
            if (!object) return tpm_failure(object.error());
            if (!object->made_by_tpmtls) {
                print_error(spec.name,
                            "persistent handle " + *persist_text + " holds " + object->type + " (" +
                                object->attribute_names + "), which tpmtls did not make: not replaced",
                            "check it with `tpmtls list`; add --replace-foreign to replace it anyway");
                return Exit::failure;
            }
        }
    }
    auto imported = tpm::import_key(**context, *key, parent);
    if (!imported) return tpm_failure(imported.error());

    std::string where;
    if (out) {
        if (auto saved = save_tss2_key_file(*out, tpm::key_file_for(*imported)); !saved) {
            print_error(spec.name, saved.error().reason);
            return Exit::failure;
        }
        where = *out;
    } else {
        if (auto persisted = tpm::persist_imported_key(*context, *imported, *persist, force); !persisted)
            return tpm_failure(persisted.error());
        where = "handle:" + *persist_text;
    }
    std::cerr << "tpmtls import: warning: this key existed outside the TPM and copies of it may remain; "
                 "prefer on-device generation (tpmtls keygen) where the factory allows it\n";
    std::cout << "imported " << tpm::to_string(key->type()) << " key into the TPM: " << where << "\n"
              << "public key sha256:" << to_hex(view(hash(HashAlgorithm::sha256, view(key->public_key_der())))) << "\n";
    return Exit::ok;
}

const Registrar registrar{{spec.name, spec.summary, run}};

}  // namespace
}  // namespace tpmtls::cli
