#include "cli/replay_rfc8448.h"

#include <cstdlib>
#include <iostream>

namespace tpmtls::cli::rfc8448 {
namespace {

struct StepValue {
    size_t step;
    const char* side;
    const char* label;
    const char* key;  // "" for a step without values
    const char* hex;
};
struct KeyComponent {
    const char* name;
    const char* hex;
};

#include "rfc8448_section3.inc"

// The table is generated from a verified file; a bad hex digit there is a build defect.
Bytes decode(const char* hex) {
    auto bytes = from_hex(hex);
    if (!bytes) {
        std::cerr << "tpmtls replay: corrupt RFC 8448 table (rfc8448_section3.inc)\n";
        std::abort();
    }
    return std::move(bytes).value();
}

}  // namespace

const std::vector<Step>& section3() {
    static const std::vector<Step> steps = [] {
        std::vector<Step> out;
        for (const StepValue& v : section3_values) {
            if (out.empty() || out.back().index != v.step)
                out.push_back(Step{v.step, v.side, v.label, {}});
            if (*v.key != '\0') out.back().values.emplace(v.key, decode(v.hex));
        }
        return out;
    }();
    return steps;
}

const Step* find(std::string_view side, std::string_view label_part, size_t nth, bool with_values) {
    for (const Step& step : section3()) {
        if (step.side != side || step.label.find(label_part) == std::string::npos) continue;
        if (with_values && step.values.empty()) continue;
        if (nth-- == 0) return &step;
    }
    return nullptr;
}

const Bytes* value(std::string_view side, std::string_view label_part, std::string_view key, size_t nth) {
    const Step* step = find(side, label_part, nth);
    if (step == nullptr) return nullptr;
    auto it = step->values.find(std::string(key));
    return it == step->values.end() ? nullptr : &it->second;
}

const std::map<std::string, Bytes>& server_rsa_key() {
    static const std::map<std::string, Bytes> key = [] {
        std::map<std::string, Bytes> out;
        for (const KeyComponent& c : server_rsa_key_components) out.emplace(c.name, decode(c.hex));
        return out;
    }();
    return key;
}

}  // namespace tpmtls::cli::rfc8448
