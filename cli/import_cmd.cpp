// `tpmtls import`: an existing private key (made outside the TPM, e.g. offline at the factory)
// into the TPM with TPM2_Import (tpm/import.h), out as a TSS2 key file or a persistent handle.
#include <sys/stat.h>

#include <algorithm>
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
        "an EK, needs --replace-foreign as well.",
    .options =
        {
            {"in", "FILE", "the private key to import (PEM or DER)"},
            {"out", "FILE", "write a TSS2 key file (mode 0600)"},
            {"persist", "HANDLE", "make the key persistent at HANDLE (an owner handle, 0x81000000-0x817FFFFF)"},
            {"parent", "HANDLE", "parent: 0x40000001 (owner primary, default) or a persistent ECC P-256 storage key"},
            {"force", "", "replace an existing --out file, or a --persist handle holding a key tpmtls made"},
            {"replace-foreign", "", "with --force: replace a --persist handle even if tpmtls did not make its object"},
            {"tcti", "TCTI", "TCTI configuration (default: $TPM2TOOLS_TCTI, $TCTI, then tctildr's search)"},
        },
};

Exit fail(Problem problem) { return report(spec, problem); }

Exit tpm_failure(const Alert& alert) { return fail({Exit::tpm, alert.reason, {}}); }

Exit run(std::span<const std::string> args) {
    Exit exit = Exit::ok;
    const auto options = parse_options(spec, args, exit);
    if (!options) return exit;
    const auto in = options->value("in");
    const auto out = options->value("out");
    const auto persist_text = options->value("persist");
    if (!in || (out.has_value() == persist_text.has_value()))
        return fail({Exit::usage, "needs --in and exactly one of --out or --persist", "see `tpmtls import --help`"});
    const bool force = options->has("force");
    if (options->has("replace-foreign") && !force)
        return fail({Exit::usage, "--replace-foreign goes with --force", "see `tpmtls import --help`"});
    uint32_t parent = tpm::owner_hierarchy;
    if (auto text = options->value("parent")) {
        const auto value = tpm::parse_tpm_handle(*text);
        if (!value) return fail({Exit::usage, "--parent: " + value.error().reason, "see `tpmtls import --help`"});
        parent = *value;
    }
    std::optional<uint32_t> persist;
    if (persist_text) {
        const auto value = tpm::parse_persistent_handle(*persist_text, tpm::HandleUse::create);
        if (!value) return fail({Exit::usage, "--persist: " + value.error().reason, "see `tpmtls import --help`"});
        persist = *value;
    }
    struct stat st {};
    if (out && !force && ::stat(out->c_str(), &st) == 0)
        return fail({Exit::failure, *out + " exists: not replaced", "pass --force to replace it"});

    // Input first: a wrong key type is reported before the TPM is touched.
    if (auto problem = unreadable_file("--in", *in)) return fail(*problem);
    auto key = tpm::read_private_key_file(*in);
    if (!key) return fail({Exit::key, key.error().reason, {}});
    tpm::ContextOptions context_options;
    context_options.tcti = options->value("tcti");
    auto context = tpm::TpmContext::open(context_options);
    if (!context) return tpm_failure(context.error());
    if (persist) {
        auto handles = tpm::persistent_handles(**context);
        if (!handles) return tpm_failure(handles.error());
        const bool occupied = std::find(handles->begin(), handles->end(), *persist) != handles->end();
        if (occupied && !force) {
            return fail({Exit::tpm, "persistent handle " + *persist_text + " is occupied",
                         "see `tpmtls list`; pass --force to replace it, or choose another handle"});
        }
        if (occupied && !options->has("replace-foreign")) {
            auto object = tpm::describe_persistent_object(**context, *persist);
            if (!object) return tpm_failure(object.error());
            if (!object->made_by_tpmtls) {
                return fail({Exit::failure,
                             "persistent handle " + *persist_text + " holds " + object->type + " (" +
                                 object->attribute_names + "), which tpmtls did not make: not replaced",
                             "check it with `tpmtls list`; add --replace-foreign to replace it anyway"});
            }
        }
    }
    auto imported = tpm::import_key(**context, *key, parent);
    if (!imported) return tpm_failure(imported.error());

    std::string where;
    if (out) {
        if (auto saved = save_tss2_key_file(*out, tpm::key_file_for(*imported)); !saved)
            return fail({Exit::failure, saved.error().reason, {}});
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
