#include "support/connection_pair.h"

#include <stdexcept>

#include "tls13/crypto/software_signer.h"

namespace tpmtls::test {

bool ConnectionPair::pump() {
    for (int round = 0; round < 64; ++round) {
        if (!client->has_output() && !server->has_output()) break;
        const Bytes to_server = client->take_output();
        if (!to_server.empty()) (void)server->receive(view(to_server));
        const Bytes to_client = server->take_output();
        if (!to_client.empty()) (void)client->receive(view(to_client));
    }
    return client->state() != Connection::State::failed && server->state() != Connection::State::failed;
}

bool ConnectionPair::handshake() {
    if (!client->start()) return false;
    return pump();
}

ConnectionPair make_pair(ClientConfig client, ServerConfig server, Random& random, const Clock& clock) {
    ConnectionPair pair;
    pair.client = Connection::client(std::move(client), random, clock);
    pair.server = Connection::server(std::move(server), random, clock);
    return pair;
}

namespace {
std::shared_ptr<Signer> signer_for(const IssuedCertificate& cert) {
    auto signer = SoftwareSigner::from_key(view(cert.key.private_pem));
    if (!signer) throw std::runtime_error(signer.error().to_string());
    return std::shared_ptr<Signer>(std::move(signer).value());
}

std::shared_ptr<const TrustStore> trust(const IssuedCertificate& root) {
    auto store = TrustStore::from_pem_or_der(view(root.pem));
    if (!store) throw std::runtime_error(store.error().to_string());
    return std::make_shared<const TrustStore>(std::move(store).value());
}
}  // namespace

ClientConfig client_config_for(const TestPki& pki, bool with_certificate) {
    ClientConfig config;
    config.server_name = "localhost";
    config.trust_anchors = trust(pki.root);
    if (with_certificate) config.credentials = Credentials{{pki.client.der}, signer_for(pki.client)};
    return config;
}

ServerConfig server_config_for(const TestPki& pki, ClientAuthMode client_auth) {
    ServerConfig config;
    config.credentials = Credentials{{pki.server.der}, signer_for(pki.server)};
    config.client_auth = client_auth;
    if (client_auth != ClientAuthMode::off) config.client_trust_anchors = trust(pki.root);
    return config;
}

}  // namespace tpmtls::test
