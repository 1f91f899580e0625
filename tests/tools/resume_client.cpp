// A client process for the zero-TPM resumption test (tests/test_tpm_resume_zero.cpp): what an
// embedded device does at each start. It opens its ticket store, connects with its client key in
// the TPM behind a LazySigner (the TPM is opened only if a CertificateVerify is needed), sends one
// line, reads the echo and the server's tickets, and prints one line of facts:
//   resumed=0|1 offered=0|1 tickets=N tpm_opened=0|1 factory_calls=N
// Usage: resume_client HOST PORT CA_PEM CLIENT_CERT_DER KEY_REFERENCE TCTI STORE_PATH
// Exit 0 on success, 1 with the error on stderr otherwise.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "client/ticket_store.h"
#include "client/tls_client.h"
#include "tpm/lazy_tpm_signer.h"

using namespace tpmtls;

namespace {

int failed(const std::string& what) {
    std::fprintf(stderr, "resume_client: %s\n", what.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 8)
        return failed("usage: resume_client HOST PORT CA_PEM CLIENT_CERT_DER KEY_REFERENCE TCTI STORE_PATH");
    const std::string host = argv[1];
    const auto port = static_cast<uint16_t>(std::stoul(argv[2]));
    std::ifstream cert_file(argv[4], std::ios::binary);
    const Bytes certificate{std::istreambuf_iterator<char>(cert_file), {}};
    if (certificate.empty()) return failed(std::string("cannot read ") + argv[4]);

    auto anchors = TrustStore::from_file(argv[3]);
    if (!anchors) return failed(anchors.error().to_string());
    auto key = tpm::parse_key_reference(argv[5]);
    if (!key) return failed(key.error().to_string());
    tpm::ContextOptions tpm_options;
    tpm_options.tcti = argv[6];
    auto signer = tpm::make_lazy_tpm_signer(*key, tpm_options, {}, view(certificate));
    if (!signer) return failed(signer.error().to_string());

    TicketStoreOptions store_options;
    store_options.path = argv[7];
    store_options.on_warning = [](const std::string& w) { std::fprintf(stderr, "warning: %s\n", w.c_str()); };

    ClientConfig config;
    config.server_name = "localhost";
    config.trust_anchors = std::make_shared<const TrustStore>(std::move(anchors).value());
    config.credentials = Credentials{{certificate}, *signer};
    ConnectOptions options;
    options.tickets = TicketStore::open(store_options);

    auto client = TlsClient::connect(host, port, std::move(config), options);
    if (!client) return failed(client.error().to_string());
    const std::string line = "hello from a device";
    if (auto sent = (*client)->send(view(line)); !sent) return failed(sent.error().to_string());
    std::string echoed;
    while (echoed.find(line) == std::string::npos) {
        auto data = (*client)->receive();
        if (!data) return failed(data.error().to_string());
        if (data->empty()) return failed("the server closed before echoing");
        echoed.append(data->begin(), data->end());
    }
    auto ticket = (*client)->wait_for_ticket(std::chrono::milliseconds(5000));
    if (!ticket) return failed(ticket.error().to_string());
    std::printf("resumed=%d offered=%d tickets=%zu tpm_opened=%d factory_calls=%zu\n",
                (*client)->session().resumed ? 1 : 0, (*client)->resumption_offered() ? 1 : 0,
                (*client)->tickets_received(), (*signer)->opened() ? 1 : 0, (*signer)->factory_calls());
    if (auto closed = (*client)->close(); !closed) return failed(closed.error().to_string());
    return 0;
}
