#include "tls_bench/bench_server.h"

#include <mutex>

namespace tpmtls::bench {

Result<std::unique_ptr<BenchServer>> BenchServer::start(ServerConfig config, Reply reply) {
    auto bench = std::make_unique<BenchServer>();
    BenchServer* self = bench.get();
    ServerHandlers handlers;
    handlers.on_connected = [self, reply](ConnectionView& connection, const SessionInfo& session) {
        ++self->handshakes_;
        if (session.resumed) ++self->resumed_;
        if (session.peer_identity) ++self->authenticated_;
        if (reply == Reply::close_at_once) connection.close();
    };
    handlers.on_data = [](ConnectionView& connection, ByteView) {
        (void)connection.send(view(std::string_view("ok\n")));
        connection.close();
    };
    handlers.on_closed = [self](uint64_t, const std::optional<Alert>& error) {
        if (!error) return;
        ++self->failures_;
        std::lock_guard lock(self->mutex_);
        self->last_failure_ = error->to_string();
    };
    ServerOptions options;
    options.max_connections = 4096;
    options.backlog = 1024;
    bench->server_ = TRY(TlsServer::listen(std::move(config), options, std::move(handlers)));
    bench->thread_ = std::thread([self] { (void)self->server_->run(); });
    return bench;
}

BenchServer::~BenchServer() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
}

std::string BenchServer::last_failure() const {
    std::lock_guard lock(mutex_);
    return last_failure_;
}

}  // namespace tpmtls::bench
