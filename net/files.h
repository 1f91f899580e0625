// Reading whole files, for the rooms above the core (STYLE.md §1: tls13/ gets bytes, never paths).
// Also defines the core's path conveniences, TrustStore::from_file and SoftwareSigner::from_file,
// so a program linking tpmtls_core alone cannot read a file through the core.
#pragma once

#include <string>

#include "tls13/bytes.h"
#include "tls13/result.h"

namespace tpmtls::net {

// The file's bytes; a failure says "cannot read <what> <path>: <strerror>".
Result<Bytes> read_file(const std::string& path, std::string_view what);

}  // namespace tpmtls::net
