// Real TLS 1.3 peers driven with certificate files, for tests that bring their own PKI: openssl
// s_server / s_client, gnutls-serv / gnutls-cli, and a Python `ssl` server and client written the
// way the device tutorial writes them (/usr/bin/python3, Debian's, with its ssl module). Every
// peer does mutual TLS: it sends its chain, requires the other side's certificate, verifies it
// against its CA file, and exchanges one message each way.
//
// Servers: the client sends request(), the server answers with reply() (only once the request
// arrived) and closes, and its output shows the client's verified certificate. Clients: they send the request they are given and print the
// answer and the server's verified certificate.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/peer_process.h"

namespace tpmtls::test {

// One end's files.
struct TlsEndFiles {
    std::string leaf;   // the leaf certificate alone
    std::string chain;  // what this end sends: the leaf first, then the rest in the file's order
    std::string rest;   // the chain without the leaf (openssl's -cert_chain); "" when nothing follows
    std::string key;    // PEM private key (for `tpmtls`: also a TSS2 key file)
    std::string tcti;   // with a TPM key (only `tpmtls` takes one): the TPM
    std::string ca;     // the CA certificate the other end's chain must lead to
    std::string common_name;  // the leaf's CN, to look for in the other end's output
};

enum class TlsPeerProgram { openssl, gnutls, python };
const char* to_string(TlsPeerProgram program);

inline constexpr std::chrono::milliseconds peer_step_timeout{15'000};

class ServerPeer {
public:
    // Starts the server on 127.0.0.1:port and waits until it listens. Check ready(). `extra`
    // goes at the end of the openssl or gnutls command line (e.g. -cipher DEFAULT@SECLEVEL=0).
    ServerPeer(TlsPeerProgram program, const TlsEndFiles& server, uint16_t port, std::vector<std::string> extra = {});
    bool ready() const { return ready_; }
    PeerProcess& process() { return *process_; }
    // What a client sends (one message) and what it must then receive from the server.
    const std::string& request() const { return request_; }
    const std::string& reply() const { return reply_; }
    // The server's output says it verified a client certificate with this CN.
    bool verified_client(const std::string& common_name);

private:
    TlsPeerProgram program_;
    std::unique_ptr<PeerProcess> process_;
    bool ready_ = false;
    std::string request_, reply_;
};

class ClientPeer {
public:
    // Connects to 127.0.0.1:port checking the server's name "localhost", sends `request`.
    ClientPeer(TlsPeerProgram program, const TlsEndFiles& client, uint16_t port, const std::string& request);
    PeerProcess& process() { return *process_; }
    // Waits until `answer` arrived and the client exited; true if both happened and it exited 0.
    bool finish(const std::string& answer);
    // The client's output says it verified a server certificate with this CN.
    bool verified_server(const std::string& common_name) const;

private:
    TlsPeerProgram program_;
    std::unique_ptr<PeerProcess> process_;
};

}  // namespace tpmtls::test
