// Links tpmtls_core alone (tests/CMakeLists.txt): if the protocol core needed TSS2, sockets or
// another room, this program would not link. It runs one full handshake between two in-memory
// Connections (certificate, CertificateVerify, Finished), then application data both ways.
// The PKI is fixed: a P-256 root and a "localhost" leaf valid until 2125, made with openssl:
//   openssl ecparam -name prime256v1 -genkey -noout -out ca.key
//   openssl req -x509 -new -key ca.key -sha256 -days 36500 -subj "/CN=core-only test root"
//     -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
//   (leaf: SAN DNS:localhost, keyUsage digitalSignature, EKU serverAuth, signed by the root)
#include <cstdio>
#include <memory>
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

constexpr char root_pem[] = R"(-----BEGIN CERTIFICATE-----
MIIBpDCCAUmgAwIBAgIUcZn4qKGnGbclE7w5MnJmDPhtOYcwCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTY29yZS1vbmx5IHRlc3Qgcm9vdDAgFw0yNjEyMDgwMjA2MDha
GA8yMTI2MTExNDAyMDYwOFowHjEcMBoGA1UEAwwTY29yZS1vbmx5IHRlc3Qgcm9v
dDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABL+7G0MaqUyMx4dFfjomlaHEseKg
BNRmdAd8hM7cPfQ5IjlcIY+w0Uza+S7MI8CdfE3fJKK6O+xEEY92pk5P/M2jYzBh
MB0GA1UdDgQWBBSNUVnc3YpXIM2xlCmkZsaoHX5uLTAfBgNVHSMEGDAWgBSNUVnc
3YpXIM2xlCmkZsaoHX5uLTAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIB
BjAKBggqhkjOPQQDAgNJADBGAiEAxiVy8vo9ocIwnWPNLvzmDc8zBo6KH68RJsSU
dUI4FhgCIQCw5N+GcaOMbbl0zTI5KWrlpJjuf8OGqUJVrvfGUcz0gw==
-----END CERTIFICATE-----)";
constexpr char leaf_key_pem[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRhLfImKO/0SmEcsb
ejfDDnWznqXnfXUEUG2jaar4XeKhRANCAAQYVpmcGesNJNFzyorgL91BG5N+ZFM9
v+Ud3pjjZ6DgBKogZGj07xU7WFGLIdWCcjgOyQY1OOrZXwhC4YZAeVN5
-----END PRIVATE KEY-----)";
constexpr char leaf_der_hex[] =
    "308201c230820169a00302010202142a8b9ad835be143625cf4fa4b27e71f46c0070ab300a06082a8648ce3d04030230"
    "1e311c301a06035504030c13636f72652d6f6e6c79207465737420726f6f743020170d3236313230383032303630385a"
    "180f32313235303730323032303630385a30143112301006035504030c096c6f63616c686f73743059301306072a8648"
    "ce3d020106082a8648ce3d030107034200041856999c19eb0d24d173ca8ae02fdd411b937e64533dbfe51dde98e367a0"
    "e004aa206468f4ef153b58518b21d58272380ec9063538ead95f0842e18640795379a3818c30818930140603551d1104"
    "0d300b82096c6f63616c686f7374300c0603551d130101ff04023000300e0603551d0f0101ff04040302078030130603"
    "551d25040c300a06082b06010505070301301d0603551d0e0416041481a1ef5d45d89b48dba46d18ef2ba97bb6290d80"
    "301f0603551d230418301680148d5159dcdd8a5720cdb19429a466c6a81d7e6e2d300a06082a8648ce3d040302034700"
    "304402205668a23219e1ca8003d74dac735a9c95bd4e1a62ba2e03f75108b39847fcfedd0220467676a3ccf62d079a04"
    "64a3d70969af378c5249bfbacfb134708c06ff508bcd";

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

int main() {
    auto anchors = TrustStore::from_pem_or_der(view(std::string_view(root_pem)));
    if (!anchors) return fail("root: " + anchors.error().to_string());
    auto leaf = from_hex(leaf_der_hex);
    if (!leaf) return fail("leaf hex");
    auto signer = SoftwareSigner::from_key(view(std::string_view(leaf_key_pem)));
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
