// RFC 8448 §3 for `tpmtls replay`, compiled into the command (cli/replay_rfc8448.cmake
// generates the table from tests/data/rfc8448.json at configure time): the trace's steps in the
// RFC's order, each with its side, its label and its hex values, and the §2 server RSA key.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/bytes.h"

namespace tpmtls::cli::rfc8448 {

struct Step {
    size_t index = 0;        // position in the trace
    std::string side;        // "client" or "server"
    std::string label;       // the RFC's step label, e.g. derive secret "tls13 c hs traffic"
    std::map<std::string, Bytes> values;  // empty for "(same as ...)" steps
};

// §3 "Simple 1-RTT Handshake", every step.
const std::vector<Step>& section3();

// The first step of `side` whose label contains `label_part` (and carries values, unless
// `with_values` is false), or nullptr.
const Step* find(std::string_view side, std::string_view label_part, size_t nth = 0, bool with_values = true);
// Its value `key`, or nullptr.
const Bytes* value(std::string_view side, std::string_view label_part, std::string_view key, size_t nth = 0);

// §2: the server's RSA key components by the RFC's names ("modulus (public)", "prime1", ...).
const std::map<std::string, Bytes>& server_rsa_key();

}  // namespace tpmtls::cli::rfc8448
