// A client and a server Connection joined by an in-memory pipe: whatever one side outputs is
// fed to the other until both are quiet. For whole-handshake tests without sockets.
#pragma once

#include <memory>

#include "support/test_pki.h"
#include "tls13/connection.h"

namespace tpmtls::test {

struct ConnectionPair {
    std::unique_ptr<Connection> client;
    std::unique_ptr<Connection> server;

    // Moves bytes both ways until neither side has output (bounded). Returns false if either
    // side failed.
    bool pump();
    // start() on the client, then pump().
    bool handshake();
};

ConnectionPair make_pair(ClientConfig client, ServerConfig server, Random& random = system_random(),
                         const Clock& clock = system_clock());

// Client and server configurations over a test PKI: the server presents pki.server for
// "localhost"; the client trusts pki.root. client_auth decides whether the server asks.
ClientConfig client_config_for(const TestPki& pki, bool with_certificate);
ServerConfig server_config_for(const TestPki& pki, ClientAuthMode client_auth);

}  // namespace tpmtls::test
