// Links tpmtls_core alone (tests/CMakeLists.txt): if the protocol core needed TSS2, sockets or
// another room, this program would not link. It runs one full handshake between two in-memory
// Connections (certificate, CertificateVerify, Finished), then application data both ways.
// The PKI is made fresh by tests/core_only/make_pki.sh (a ctest fixture) and named on the command
// line: ROOT.pem LEAF.der LEAF.key. This program may read files; the core it links may not.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tls13/clock.h"
#include "tls13/connection.h"
#include "tls13/crypto/random.h"
#include "tls13/crypto/software_signer.h"
#include "tls13/handshake/handshake_config.h"
#include "tls13/x509.h"

namespace {

using namespace tpmtls;

// The whole file, or nothing if it cannot be read.
std::optional<Bytes> read_file(const char* path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int fail(const std::string& what) {
    std::fprintf(stderr, "core_only: %s\n", what.c_str());
    return 1;
}

// Moves bytes between the two ends until neither has anything to say.
void pump(Connection& client, Connection& server) {
    for (int round = 0; round < 64 && (client.has_output() || server.has_output()); ++round) {
        const Bytes to_server = client.take_output();
        if (!to_server.empty()) (void)server.receive(view(to_server));
        const Bytes to_client = server.take_output();
        if (!to_client.empty()) (void)client.receive(view(to_client));
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) return fail("usage: tpmtls_core_only ROOT.pem LEAF.der LEAF.key (tests/core_only/make_pki.sh)");
    const auto root_pem = read_file(argv[1]);
    auto leaf = read_file(argv[2]);
    const auto leaf_key = read_file(argv[3]);
    if (!root_pem || !leaf || !leaf_key) return fail("cannot read the PKI files (run tests/core_only/make_pki.sh)");
    auto anchors = TrustStore::from_pem_or_der(view(*root_pem));
    if (!anchors) return fail("root: " + anchors.error().to_string());
    auto signer = SoftwareSigner::from_key(view(*leaf_key));
    if (!signer) return fail("key: " + signer.error().to_string());

    ClientConfig client_config;
    client_config.server_name = "localhost";
    client_config.trust_anchors = std::make_shared<const TrustStore>(std::move(anchors).value());
    ServerConfig server_config;
    server_config.credentials = Credentials{{std::move(leaf).value()}, std::shared_ptr<Signer>(std::move(signer).value())};

    auto client = Connection::client(std::move(client_config), system_random(), system_clock());
    auto server = Connection::server(std::move(server_config), system_random(), system_clock());
    if (!client->start()) return fail("start: " + client->error()->to_string());
    pump(*client, *server);
    for (const auto* end : {client.get(), server.get()})
        if (!end->is_connected())
            return fail(std::string(end == client.get() ? "client" : "server") + " not connected: " +
                        (end->error() ? end->error()->to_string() : end->handshake_state()));

    const std::string ping = "ping", pong = "pong";
    if (!client->send(view(ping))) return fail("send ping");
    pump(*client, *server);
    if (server->take_application_data() != Bytes(ping.begin(), ping.end())) return fail("server did not get ping");
    if (!server->send(view(pong))) return fail("send pong");
    pump(*client, *server);
    if (client->take_application_data() != Bytes(pong.begin(), pong.end())) return fail("client did not get pong");
    std::printf("core_only: handshake and application data over tpmtls_core alone\n");
    return 0;
}
