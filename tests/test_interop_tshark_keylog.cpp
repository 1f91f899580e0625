// The key log works with Wireshark (issue 7 point 5, "What must be shown"): a handshake captured
// on loopback with dumpcap (capture filter on the server's port) is decrypted by tshark with our
// key log, and the application data GET_SECRET and the secret are visible; without the key log
// they are not. The client writes its key log through SSLKEYLOGFILE, the server through --keylog,
// and the two logs agree line for line.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "support/cli_programs.h"
#include "support/paths.h"

using namespace tpmtls::test;
using std::chrono::milliseconds;

namespace {

std::set<std::string> lines_of(const std::string& text) {
    std::set<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.insert(line);
    return out;
}

// One UDP datagram to 127.0.0.1:port (nobody listens; it only has to cross `lo`).
void send_probe(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const char byte = 'p';
    (void)::sendto(fd, &byte, 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    ::close(fd);
}

// dumpcap says "Capturing on" before its filter is live. It is live once it has counted a
// packet: send probe datagrams (matched by the capture filter) until it reports "Packets:".
bool wait_until_capturing(PeerProcess& dumpcap, uint16_t probe_port) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < end) {
        send_probe(probe_port);
        if (dumpcap.wait_for_output("Packets: ", milliseconds(200))) return true;
    }
    return false;
}

// The kernel hands captured packets to dumpcap in blocks, so the last ones may still be pending
// when it is stopped. Packets arrive in order: once dumpcap has written packets after an end
// marker was sent (two more "Packets:" reports), everything before the marker is in the file.
bool wait_until_written(PeerProcess& dumpcap, uint16_t marker_port) {
    const size_t from = dumpcap.errors().size();
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < end) {
        send_probe(marker_port);
        dumpcap.pump(milliseconds(200));
        const std::string later = dumpcap.errors().substr(from);
        size_t reports = 0;
        for (size_t at = later.find("Packets: "); at != std::string::npos; at = later.find("Packets: ", at + 1)) ++reports;
        if (reports >= 2) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("tshark decrypts a captured handshake with our key log and shows GET_SECRET") {
    PkiFiles files;
    const std::string server_keys = files.dir.file("server-keys.txt");
    const std::string client_keys = files.dir.file("client-keys.txt");
    const std::string capture = files.dir.file("capture.pcapng");
    ServerProgram server(files, {"--cafile", files.ca, "--keylog", server_keys});

    const uint16_t probe_port = free_loopback_port();
    const uint16_t marker_port = free_loopback_port();
    PeerProcess dumpcap({"dumpcap", "-i", "lo", "-f",
                         "tcp port " + std::to_string(server.port()) + " or udp port " + std::to_string(probe_port) +
                             " or udp port " + std::to_string(marker_port),
                         "-w", capture});
    REQUIRE_MESSAGE(wait_until_capturing(dumpcap, probe_port), dumpcap.transcript());

    std::vector<std::string> argv = {"env", "SSLKEYLOGFILE=" + client_keys};
    const auto client = client_command(files, server.connect_argument(), true);
    argv.insert(argv.end(), client.begin(), client.end());
    const CommandResult run = run_command(argv, milliseconds(20'000));
    INFO(run.transcript);
    REQUIRE(run.exit_status == 0);
    CHECK(run.out == "THIS_IS_THE_SECRET\n");
    // The server logs the connection once it is closed: by then every packet has been sent.
    REQUIRE(server.process().wait_for_output("GET_SECRET -> secret sent", milliseconds(5000)));
    REQUIRE_MESSAGE(wait_until_written(dumpcap, marker_port), dumpcap.transcript());
    REQUIRE(kill(dumpcap.pid(), SIGINT) == 0);  // dumpcap finishes the file on SIGINT
    const auto dumpcap_status = dumpcap.wait(milliseconds(10'000));
    REQUIRE(dumpcap_status);
    CHECK(*dumpcap_status == 0);
    const CommandResult markers = run_command(
        {"tshark", "-r", capture, "-Y", "udp.dstport == " + std::to_string(marker_port)}, milliseconds(60'000));
    REQUIRE_MESSAGE(!markers.out.empty(), "the capture ends before the end marker: " << markers.transcript);

    // Both ends logged the same five NSS lines for the one connection.
    const std::string client_log = read_text_file(client_keys);
    const std::string server_log = read_text_file(server_keys);
    CHECK(lines_of(client_log) == lines_of(server_log));
    CHECK(lines_of(client_log).size() == 5);
    for (const char* label : {"CLIENT_HANDSHAKE_TRAFFIC_SECRET ", "SERVER_HANDSHAKE_TRAFFIC_SECRET ",
                              "CLIENT_TRAFFIC_SECRET_0 ", "SERVER_TRAFFIC_SECRET_0 ", "EXPORTER_SECRET "})
        CHECK(client_log.find(label) != std::string::npos);

    // With the key log, tshark decrypts: the hex dump of the decrypted records shows the request
    // and the answer, and the protected handshake messages are decoded.
    for (const std::string& keys : {client_keys, server_keys}) {
        CAPTURE(keys);
        const CommandResult dump =
            run_command({"tshark", "-r", capture, "-o", "tls.keylog_file:" + keys, "-Y", "tls", "-x"}, milliseconds(60'000));
        INFO(dump.transcript);
        REQUIRE(dump.exit_status == 0);
        CHECK(dump.out.find("GET_SECRET") != std::string::npos);
        CHECK(dump.out.find("THIS_IS_THE_SECR") != std::string::npos);  // 16 bytes per hex-dump line
        const CommandResult details = run_command(
            {"tshark", "-r", capture, "-o", "tls.keylog_file:" + keys, "-Y", "tls", "-V"}, milliseconds(60'000));
        REQUIRE(details.exit_status == 0);
        CHECK(details.out.find("Handshake Type: Certificate Verify (15)") != std::string::npos);
        CHECK(details.out.find("Handshake Type: Finished (20)") != std::string::npos);
    }

    // Without it, nothing of the kind is visible: the decryption above is the key log's doing.
    const CommandResult blind = run_command({"tshark", "-r", capture, "-Y", "tls", "-x", "-V"}, milliseconds(60'000));
    REQUIRE(blind.exit_status == 0);
    CHECK(blind.out.find("Handshake Type: Client Hello (1)") != std::string::npos);
    CHECK(blind.out.find("GET_SECRET") == std::string::npos);
    CHECK(blind.out.find("Handshake Type: Certificate Verify (15)") == std::string::npos);
}
