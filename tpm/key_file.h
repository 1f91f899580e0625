// TSS2 PRIVATE KEY files: the PEM/DER container tpm2-openssl and tpm2-tss-engine use for a TPM key
// that is loaded under a parent (draft-bottomley-tpm2-keys, "ASN.1 Specification for TPM 2.0 Key
// Files"). The file holds no secret in the clear: the private part is wrapped by the parent, so
// only the TPM that created it can load it. Still, the helpers write it 0600 like any key file.
#pragma once

#include <cstdint>
#include <string>

#include "tls13/bytes.h"
#include "tls13/result.h"

namespace tpmtls {

// draft-bottomley-tpm2-keys §3.1 TPMKey, type id-loadablekey (2.23.133.10.1.3).
struct Tss2KeyFile {
    bool empty_auth = false;  // emptyAuth [0]: the key has no authorization value
    uint32_t parent = 0;      // parent handle: 0x40000001 (owner hierarchy) or 0x81xxxxxx
    Bytes public_area;        // TPM2B_PUBLIC as marshalled, 2-byte size prefix included
    Bytes private_area;       // TPM2B_PRIVATE as marshalled, 2-byte size prefix included
    // emptyAuth FALSE is written out rather than left absent. tpm2-openssl writes it so for keys
    // with an authorization value, and its 1.1.1 reads an absent emptyAuth as TRUE (it then never
    // asks for the value and the TPM answers TPM_RC_AUTH_FAIL). Parsing sets it when the file has
    // emptyAuth FALSE, so such files are re-encoded byte for byte.
    bool empty_auth_false_written = false;

    bool operator==(const Tss2KeyFile&) const = default;
};

// Accepts PEM ("-----BEGIN TSS2 PRIVATE KEY-----") or bare DER. Optional tagged fields newer
// writers add (policy, secret, authPolicy, description, rsaParent) are read past and dropped.
// Every error is decode_error with a reason ("not a TSS2 PRIVATE KEY", "unsupported key type
// OID ...", "corrupt TSS2 key file: ...").
Result<Tss2KeyFile> parse_tss2_key_file(ByteView pem_or_der);

// DER encoding, as tpm2-openssl writes it: emptyAuth only when true, and TRUE as 0x01.
Result<Bytes> encode_tss2_key_file_der(const Tss2KeyFile& key);
// PEM text with label TSS2 PRIVATE KEY, 64-column base64 lines.
Result<std::string> write_tss2_key_file(const Tss2KeyFile& key);

// Reads and parses a file (internal_error if it cannot be read).
Result<Tss2KeyFile> load_tss2_key_file(const std::string& path);
// Writes the PEM to a temporary file beside `path` with mode 0600, syncs it and renames it over
// `path`, so a reader sees the old file or the new one, never half of one.
Status save_tss2_key_file(const std::string& path, const Tss2KeyFile& key);

}  // namespace tpmtls
