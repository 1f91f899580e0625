#include "support/rfc8448.h"

#include <stdexcept>

#include "support/json.h"
#include "support/paths.h"

namespace tpmtls::test {

namespace {

Bytes hex(const std::string& s) {
    auto b = from_hex(s);
    if (!b) throw std::runtime_error("bad hex in rfc8448.json");
    return std::move(b).value();
}

struct Data {
    std::map<std::string, Trace> traces;
    std::map<std::string, Bytes> server_rsa;
    std::vector<TraceCertificate> certificates;
};

const Data& data() {
    static const Data d = [] {
        Data out;
        const Json root = load_json_file(data_path("rfc8448.json"));
        for (const auto& name : rfc8448_trace_names()) {
            const Json& section = root[name];
            Trace t;
            t.name = name;
            t.rfc_section = static_cast<int>(section["rfc_section"].integer());
            for (const Json& step : section["steps"].array()) {
                TraceStep s;
                for (const auto& [key, value] : step.object()) {
                    if (key == "side") s.side = value.string();
                    else if (key == "step") s.label = value.string();
                    else s.values.emplace(key, hex(value.string()));
                }
                t.steps.push_back(std::move(s));
            }
            out.traces.emplace(name, std::move(t));
        }
        for (const auto& [key, value] : root["private_keys"]["server_rsa"].object())
            out.server_rsa.emplace(key, hex(value.string()));
        for (const Json& cert : root["certificates"].array())
            out.certificates.push_back(TraceCertificate{cert["side"].string(), hex(cert["der"].string())});
        return out;
    }();
    return d;
}

}  // namespace

const Bytes& TraceStep::at(const std::string& key) const {
    auto it = values.find(key);
    if (it == values.end()) throw std::runtime_error("RFC 8448 step '" + label + "' has no value '" + key + "'");
    return it->second;
}

std::vector<const TraceStep*> Trace::find_all(std::string_view side, std::string_view label_part) const {
    std::vector<const TraceStep*> out;
    for (const auto& s : steps)
        if (s.side == side && !s.values.empty() && s.label.find(label_part) != std::string::npos)
            out.push_back(&s);
    return out;
}

const TraceStep& Trace::find(std::string_view side, std::string_view label_part, int nth) const {
    auto all = find_all(side, label_part);
    if (nth < 0 || static_cast<size_t>(nth) >= all.size())
        throw std::runtime_error("RFC 8448 " + name + ": no " + std::string(side) + " step '" +
                                 std::string(label_part) + "' #" + std::to_string(nth));
    return *all[static_cast<size_t>(nth)];
}

const Trace& rfc8448(const std::string& name) {
    auto it = data().traces.find(name);
    if (it == data().traces.end()) throw std::runtime_error("no RFC 8448 trace " + name);
    return it->second;
}

const std::vector<std::string>& rfc8448_trace_names() {
    static const std::vector<std::string> names = {"simple_1rtt", "resumed_0rtt", "hello_retry_request",
                                                   "client_authentication", "compatibility_mode"};
    return names;
}

const std::map<std::string, Bytes>& rfc8448_server_rsa_key() { return data().server_rsa; }

const std::vector<TraceCertificate>& rfc8448_certificates() { return data().certificates; }

}  // namespace tpmtls::test
