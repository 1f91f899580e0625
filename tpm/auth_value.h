// A TPM key's authorization value, as the user supplies it: the first line of a file, or typed
// at a prompt on the terminal with echo off. Never from the command line itself (argv is visible
// to every user through /proc). Held in a Secret, wiped when it goes.
#pragma once

#include <string>
#include <string_view>

#include "tls13/result.h"
#include "tls13/secret.h"

namespace tpmtls::tpm {

// The first line of `path` without its line ending ("\n" or "\r\n"). An empty first line or a
// value longer than max_auth_size (32) bytes is an error naming the file.
Result<Secret> read_auth_file(const std::string& path);

// Asks on /dev/tty with echo off ("Enter the key's authorization value: "). With `confirm`, asks
// twice and fails if the answers differ (for a new key). No terminal: an error suggesting
// --auth-file.
Result<Secret> prompt_auth(std::string_view prompt, bool confirm = false);

}  // namespace tpmtls::tpm
