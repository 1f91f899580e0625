// RFC 8448 traces (tests/data/rfc8448.json, layout in /work/shared/vectors/README.md) as
// typed steps: each step has a side ("client"/"server"), the RFC's step label and hex values.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/bytes.h"

namespace tpmtls::test {

struct TraceStep {
    std::string side;
    std::string label;
    std::map<std::string, Bytes> values;

    bool has(const std::string& key) const { return values.count(key) != 0; }
    const Bytes& at(const std::string& key) const;  // throws if missing
};

struct Trace {
    std::string name;  // "simple_1rtt", "resumed_0rtt", "hello_retry_request", ...
    int rfc_section = 0;
    std::vector<TraceStep> steps;

    // The nth step (0-based) of `side` whose label contains `label_part` and that carries
    // values ("(same as …)" steps carry none and are skipped). Throws if there is none.
    const TraceStep& find(std::string_view side, std::string_view label_part, int nth = 0) const;
    // Every step of `side` whose label contains `label_part` and that carries values.
    std::vector<const TraceStep*> find_all(std::string_view side, std::string_view label_part) const;
};

struct TraceCertificate {
    std::string side;
    Bytes der;
};

// The five traces, by name; loaded once.
const Trace& rfc8448(const std::string& name);
const std::vector<std::string>& rfc8448_trace_names();
// §2 server RSA private key fields ("modulus (public)", "private exponent", "prime1", ...).
const std::map<std::string, Bytes>& rfc8448_server_rsa_key();
// DER certificates found in the traces' Certificate messages.
const std::vector<TraceCertificate>& rfc8448_certificates();

}  // namespace tpmtls::test
