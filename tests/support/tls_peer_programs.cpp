#include "support/tls_peer_programs.h"

#include <doctest/doctest.h>

#include <vector>

namespace tpmtls::test {

namespace {

// The tutorial's server: SSLContext(PROTOCOL_TLS_SERVER), load_cert_chain, load_verify_locations,
// CERT_REQUIRED. One connection: prints the client's CN, reads one message, answers, closes.
const char* const python_server = R"(import socket, ssl, sys

cert, key, ca, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED

def common_name(cert):
    return ", ".join(v for rdn in cert["subject"] for (k, v) in rdn if k == "commonName")

with socket.create_server(("127.0.0.1", port)) as listener:
    print("listening", flush=True)
    conn, _ = listener.accept()
    with ctx.wrap_socket(conn, server_side=True) as tls:
        print("python server: %s, client CN=%s" % (tls.version(), common_name(tls.getpeercert())), flush=True)
        print("python server received: %r" % tls.recv(4096), flush=True)
        tls.sendall(b"hello from the python server\n")
        tls.unwrap()
print("python server done", flush=True)
)";

// The tutorial's client: create_default_context(cafile=ca), load_cert_chain. Sends one request
// and prints everything until the server closes.
const char* const python_client = R"(import socket, ssl, sys

cert, key, ca, port, request = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)

def common_name(cert):
    return ", ".join(v for rdn in cert["subject"] for (k, v) in rdn if k == "commonName")

with socket.create_connection(("127.0.0.1", port)) as sock:
    with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
        print("python client: %s, server CN=%s" % (tls.version(), common_name(tls.getpeercert())), flush=True)
        tls.sendall(request.encode())
        answer = b""
        while True:
            data = tls.recv(4096)
            if not data:
                break
            answer += data
        print("python client received: %r" % answer, flush=True)
)";

const std::string python = "/usr/bin/python3";  // Debian's, with ssl (not a pyenv one first on PATH)

const TempDir& python_scripts() {
    static const TempDir dir;
    static const bool written = (dir.write("server.py", python_server), dir.write("client.py", python_client), true);
    (void)written;
    return dir;
}

const std::string gnutls_tls13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

// The chain exactly as the file has it, and the CA for verifying only: with -CAfile (or the
// default store) OpenSSL would also build its own chain from that store and send the root.
void add_openssl_files(std::vector<std::string>& argv, const TlsEndFiles& end) {
    argv.insert(argv.end(), {"-verifyCAfile", end.ca, "-no-CAfile", "-no-CApath", "-no-CAstore"});
    if (!end.rest.empty()) argv.insert(argv.end(), {"-cert_chain", end.rest});
}

}  // namespace

const char* to_string(TlsPeerProgram program) {
    switch (program) {
    case TlsPeerProgram::openssl: return "openssl";
    case TlsPeerProgram::gnutls: return "gnutls";
    case TlsPeerProgram::python: return "python ssl";
    }
    return "?";
}

ServerPeer::ServerPeer(TlsPeerProgram program, const TlsEndFiles& server, uint16_t port, std::vector<std::string> extra)
    : program_(program) {
    const std::string port_text = std::to_string(port);
    std::vector<std::string> argv;
    std::string ready;
    switch (program) {
    case TlsPeerProgram::openssl:
        // -www: answers a GET with a status page (showing the client certificate) and closes with
        // close_notify; -naccept 1: then exits.
        argv = {"stdbuf", "-oL", "openssl", "s_server", "-tls1_3", "-accept", "127.0.0.1:" + port_text, "-cert",
                server.leaf, "-key", server.key, "-Verify", "5", "-verify_return_error", "-www", "-naccept", "1"};
        add_openssl_files(argv, server);
        ready = "ACCEPT";
        request_ = "GET / HTTP/1.0\r\n\r\n";
        reply_ = "HTTP/1.0 200 ok";
        break;
    case TlsPeerProgram::gnutls:
        // No --echo: its HTTP mode answers a GET with a page and closes, as an HTTP/1.0 server does.
        argv = {"stdbuf", "-oL", "gnutls-serv", "--port", port_text, "--x509certfile", server.chain,
                "--x509keyfile", server.key, "--x509cafile", server.ca, "--require-client-cert",
                "--verify-client-cert", "--priority", gnutls_tls13};
        ready = "IPv4 0.0.0.0 port " + port_text + "...done";
        request_ = "GET / HTTP/1.0\r\n\r\n";
        reply_ = "This is <a href=\"http://www.gnu.org/software/gnutls\">GnuTLS</a>";
        break;
    case TlsPeerProgram::python:
        argv = {python, python_scripts().file("server.py"), server.chain, server.key, server.ca, port_text};
        ready = "listening";
        request_ = "GET_SECRET\n";
        reply_ = "hello from the python server";
        break;
    }
    if (program != TlsPeerProgram::python) argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<PeerProcess>(std::move(argv));
    ready_ = process_->wait_for_output(ready, peer_step_timeout);
}

bool ServerPeer::verified_client(const std::string& common_name) {
    switch (program_) {
    case TlsPeerProgram::openssl:
        // Its verify callback on stderr; -verify_return_error: nothing unverified gets further.
        return process_->wait_for_output("depth=0 CN = " + common_name + "\nverify return:1", peer_step_timeout);
    case TlsPeerProgram::gnutls:
        return process_->wait_for_output("- Status: The certificate is trusted.", peer_step_timeout) &&
               process_->wait_for_output("Subject: CN=" + common_name + "\n", peer_step_timeout);
    case TlsPeerProgram::python:
        return process_->wait_for_output("client CN=" + common_name + "\n", peer_step_timeout);
    }
    return false;
}

ClientPeer::ClientPeer(TlsPeerProgram program, const TlsEndFiles& client, uint16_t port, const std::string& request)
    : program_(program) {
    const std::string port_text = std::to_string(port);
    std::vector<std::string> argv;
    switch (program) {
    case TlsPeerProgram::openssl:
        // -ign_eof: read on after stdin ends, until the server closes.
        argv = {"stdbuf", "-oL", "openssl", "s_client", "-tls1_3", "-connect", "127.0.0.1:" + port_text,
                "-servername", "localhost", "-verify_hostname", "localhost", "-cert", client.leaf, "-key",
                client.key, "-verify_return_error", "-ign_eof"};
        add_openssl_files(argv, client);
        break;
    case TlsPeerProgram::gnutls:
        argv = {"stdbuf", "-oL", "gnutls-cli", "--x509cafile", client.ca, "--x509certfile", client.chain,
                "--x509keyfile", client.key, "--verify-hostname", "localhost", "--priority", gnutls_tls13,
                "--port", port_text, "127.0.0.1"};
        break;
    case TlsPeerProgram::python:
        argv = {python, python_scripts().file("client.py"), client.chain, client.key, client.ca, port_text,
                request};
        break;
    }
    process_ = std::make_unique<PeerProcess>(std::move(argv));
    if (program != TlsPeerProgram::python) process_->write_stdin(request);
    // gnutls-cli ends the connection when its stdin ends: it is closed once the answer is in.
    if (program == TlsPeerProgram::openssl) process_->close_stdin();
}

bool ClientPeer::finish(const std::string& answer) {
    const bool answered = process_->wait_for_output(answer, peer_step_timeout);
    process_->close_stdin();
    const auto status = process_->wait(peer_step_timeout);
    return answered && status == 0;
}

bool ClientPeer::verified_server(const std::string& common_name) const {
    const std::string& out = process_->output();
    switch (program_) {
    case TlsPeerProgram::openssl:
        return out.find("Verify return code: 0 (ok)") != std::string::npos &&
               out.find("subject=CN = " + common_name + "\n") != std::string::npos;
    case TlsPeerProgram::gnutls:
        return out.find("- Status: The certificate is trusted.") != std::string::npos &&
               out.find("subject `CN=" + common_name + "'") != std::string::npos;
    case TlsPeerProgram::python: return out.find("server CN=" + common_name + "\n") != std::string::npos;
    }
    return false;
}

}  // namespace tpmtls::test
