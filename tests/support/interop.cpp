#include "support/interop.h"

#include <doctest/doctest.h>

#include "tls13/crypto/software_signer.h"
#include "tls13/x509.h"

namespace tpmtls::test {

namespace {

std::unique_ptr<PkiFiles> make_pki_files() {
    auto files = std::make_unique<PkiFiles>();
    files->pki = make_test_pki();
    files->root_cert = files->dir.write("root.pem", files->pki.root.pem);
    files->server_cert = files->dir.write("server.pem", files->pki.server.pem);
    files->server_key = files->dir.write("server.key", files->pki.server.key.private_pem);
    files->client_cert = files->dir.write("client.pem", files->pki.client.pem);
    files->client_key = files->dir.write("client.key", files->pki.client.key.private_pem);
    return files;
}

std::shared_ptr<const TrustStore> trust(const IssuedCertificate& root) {
    auto store = TrustStore::from_pem_or_der(view(root.pem));
    REQUIRE_MESSAGE(store, (store ? "" : store.error().to_string()));
    return std::make_shared<const TrustStore>(std::move(store).value());
}

Credentials credentials(const IssuedCertificate& leaf) {
    auto signer = SoftwareSigner::from_key(view(leaf.key.private_pem));
    REQUIRE_MESSAGE(signer, (signer ? "" : signer.error().to_string()));
    return Credentials{{leaf.der}, std::shared_ptr<Signer>(std::move(signer).value())};
}

}  // namespace

const PkiFiles& pki_files() {
    static const std::unique_ptr<PkiFiles> files = make_pki_files();
    return *files;
}

ClientConfig client_config(const TestPki& pki, bool with_client_certificate) {
    ClientConfig config;
    config.trust_anchors = trust(pki.root);
    if (with_client_certificate) config.credentials = credentials(pki.client);
    return config;
}

ServerConfig server_config(const TestPki& pki, ClientAuthMode client_auth) {
    ServerConfig config;
    config.credentials = credentials(pki.server);
    config.client_auth = client_auth;
    if (client_auth != ClientAuthMode::off) config.client_trust_anchors = trust(pki.root);
    return config;
}

ClientTimeouts test_timeouts() {
    ClientTimeouts t;
    t.connect = t.handshake = t.read = t.write = step_timeout;
    return t;
}

std::unique_ptr<TlsClient> connect_client(const std::string& host, uint16_t port, ClientConfig config,
                                          PeerProcess* peer) {
    auto client = TlsClient::connect(host, port, std::move(config), test_timeouts());
    if (!client && peer != nullptr) peer->pump(std::chrono::milliseconds(200));  // its side of the story
    REQUIRE_MESSAGE(client, (client ? "" : client.error().to_string())
                                << (peer != nullptr ? std::string("\n").append(peer->transcript()) : std::string()));  // GCC bug 105329
    return std::move(client).value();
}

std::string receive_until(TlsClient& client, std::string_view text) {
    std::string received;
    while (received.find(text) == std::string::npos) {
        auto data = client.receive();
        if (!data) {
            MESSAGE("receive: " << data.error().to_string());
            break;
        }
        if (data->empty()) break;  // close_notify
        received.append(data->begin(), data->end());
    }
    return received;
}

EchoServer::EchoServer(ServerConfig config, ServerOptions options) {
    ServerHandlers handlers;
    handlers.on_connected = [this](ConnectionView&, const SessionInfo& session) {
        const std::lock_guard lock(mutex_);
        sessions_.push_back(session);
        changed_.notify_all();
    };
    handlers.on_data = [](ConnectionView& connection, ByteView data) {
        std::string answer = "echo: ";
        answer.append(data.begin(), data.end());
        (void)connection.send(view(answer));
    };
    handlers.on_closed = [this](uint64_t, const std::optional<Alert>& error) {
        const std::lock_guard lock(mutex_);
        closed_.push_back(error);
        changed_.notify_all();
    };
    auto server = TlsServer::listen(std::move(config), std::move(options), std::move(handlers));
    REQUIRE_MESSAGE(server, (server ? "" : server.error().to_string()));
    server_ = std::move(server).value();
    thread_ = std::thread([this] { run_result_ = server_->run(); });
}

EchoServer::~EchoServer() {
    server_->stop();
    thread_.join();
}

std::optional<SessionInfo> EchoServer::session(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return sessions_.size() > n; })) return std::nullopt;
    return sessions_[n];
}

std::optional<std::optional<Alert>> EchoServer::closed(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return closed_.size() > n; })) return std::nullopt;
    return closed_[n];
}

size_t EchoServer::connected_count() {
    const std::lock_guard lock(mutex_);
    return sessions_.size();
}

}  // namespace tpmtls::test
