// The library example (issue 7, point 6): docs/examples/tpm_client.cpp is built with the
// tests (tests/CMakeLists.txt), its code is the code block in docs/library.md (TPMTLS_README), and it works: run as a
// separate program with its key in swtpm, it completes an mTLS handshake with our TlsServer and
// prints the server's answer.
#include <doctest/doctest.h>

#include "support/interop.h"
#include "support/swtpm.h"
#include "support/tpm_test_keys.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

const std::string readme_marker = "<!-- example: docs/examples/tpm_client.cpp -->";

// The lines strictly between `begin` and the next `end` after it (both whole lines); fails the test when either is missing.
std::string between(const std::string& text, const std::string& begin, const std::string& end,
                    const std::string& where) {
    const size_t start = text.find(begin);
    REQUIRE_MESSAGE(start != std::string::npos, where << " has no line " << begin);
    const size_t body = text.find('\n', start);
    REQUIRE(body != std::string::npos);
    const size_t stop = text.find(end, body + 1);
    REQUIRE_MESSAGE(stop != std::string::npos, where << " has no " << end << " after " << begin);
    return text.substr(body + 1, stop - body - 1);
}

// The page's code: the ```cpp block right after the marker.
std::string readme_code(const std::string& document, const std::string& where) {
    const std::string after_marker = between(document, readme_marker, "\n```\n", where) + "\n```\n";
    REQUIRE_MESSAGE(after_marker.rfind("```cpp\n", 0) == 0,
                    where << ": the line after " << readme_marker << " must open a ```cpp block");
    return after_marker.substr(7, after_marker.size() - 7 - 4);  // without ```cpp\n and \n```\n
}

std::string example_code() {
    const std::string file = read_text_file(TPMTLS_EXAMPLE_SOURCE);
    return between(file, "// README begin", "// README end", TPMTLS_EXAMPLE_SOURCE);
}

}  // namespace

TEST_CASE("docs/library.md shows docs/examples/tpm_client.cpp between its README markers, unchanged") {
    const std::string code = example_code();
    CHECK(code.find("int main(") != std::string::npos);
    const std::string readme = read_text_file(TPMTLS_README);
    REQUIRE_MESSAGE(readme.find(readme_marker) != std::string::npos,
                    TPMTLS_README << " has no " << readme_marker);
    CHECK(readme_code(readme, TPMTLS_README) == code);
}

TEST_CASE("docs/examples/tpm_client.cpp with its key in swtpm gets our server's answer") {
    const PkiFiles& files = pki_files();
    TempDir dir;
    Swtpm swtpm;
    const ProvisionedTpmKey key = provision_tpm_client_key(swtpm, tpm_key_algorithms().front(), dir, files.pki.root);
    const std::string certificate =
        dir.write("client.der", std::string_view(reinterpret_cast<const char*>(key.certificate.der.data()),
                                                 key.certificate.der.size()));

    // The server requires a client certificate from the test root and echoes what it receives.
    EchoServer server(server_config(files.pki, ClientAuthMode::required));
    for (const tpm::KeyReference& reference : key.references()) {
        CAPTURE(reference.to_string());
        const size_t n = server.connected_count();
        const CommandResult result = run_command({TPMTLS_EXAMPLE_PATH, "127.0.0.1", std::to_string(server.port()),
                                                  files.root_cert, certificate, reference.to_string(), swtpm.tcti()},
                                                 std::chrono::milliseconds(60'000));
        CHECK_MESSAGE(result.exit_status == 0, result.transcript);
        CHECK_MESSAGE(result.out == "echo: GET_SECRET\n", result.transcript);
        const auto session = server.session(n);
        REQUIRE(session.has_value());
        REQUIRE(session->peer_identity.has_value());
        CHECK(session->peer_identity->subject.find("tpm-device-0001") != std::string::npos);
        CHECK(session->peer_signature_scheme == tpm_key_algorithms().front().scheme);
    }
}

TEST_CASE("docs/examples/tpm_client.cpp: usage and a bad key reference are one line and a failure") {
    const CommandResult usage = run_command({TPMTLS_EXAMPLE_PATH}, std::chrono::milliseconds(10'000));
    CHECK(usage.exit_status == 2);
    CHECK(usage.err.find("usage: tpm_client") != std::string::npos);
    const CommandResult bad = run_command({TPMTLS_EXAMPLE_PATH, "127.0.0.1", "1", "/nonexistent-ca.pem",
                                           "/nonexistent.der", "handle:0x12", "swtpm:port=1"},
                                          std::chrono::milliseconds(10'000));
    CHECK(bad.exit_status == 1);
    CHECK_MESSAGE(bad.err.find("tpm_client: ") == 0, bad.transcript);
    CHECK(bad.out.empty());
}
