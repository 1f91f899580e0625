// The RFC 8448 data file loads and holds the five traces the replay tests use.
#include <doctest/doctest.h>

#include "support/rfc8448.h"

using namespace tpmtls;
using namespace tpmtls::test;

TEST_CASE("RFC 8448 traces load with their sections") {
    const std::map<std::string, int> sections = {{"simple_1rtt", 3}, {"resumed_0rtt", 4},
                                                 {"hello_retry_request", 5}, {"client_authentication", 6},
                                                 {"compatibility_mode", 7}};
    for (const auto& [name, section] : sections) {
        const Trace& t = rfc8448(name);
        CHECK(t.rfc_section == section);
        CHECK(t.steps.size() > 40);
        CHECK(t.find("client", "construct a ClientHello").at("ClientHello").size() > 100);
    }
    CHECK(rfc8448_certificates().size() == 3);
    CHECK(rfc8448_server_rsa_key().at("modulus (public)").size() == 128);
    CHECK_THROWS(rfc8448("simple_1rtt").find("client", "no such step"));
}
