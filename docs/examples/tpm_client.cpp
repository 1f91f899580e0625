// The library example of docs/library.md (issue 7, point 6): a TLS 1.3 client whose key never
// leaves the TPM. Built with the tests and run against our server with its key in swtpm
// (tests/test_readme_example.cpp); the lines between the README markers are docs/library.md's code.
//
//   tpm_client HOST PORT CA_PEM CERT_DER KEY TCTI
//     KEY   a TSS2 PRIVATE KEY file or handle:0x81000001
//     TCTI  e.g. swtpm:host=127.0.0.1,port=2321 or device:/dev/tpmrm0
// README begin
#include <fstream>
#include <iostream>
#include <iterator>

#include "client/tls_client.h"
#include "tpm/key_reference.h"
#include "tls13/x509.h"

using namespace tpmtls;

int fail(const Alert& error) {
    std::cerr << "tpm_client: " << error.to_string() << "\n";
    return 1;
}

int main(int argc, char** argv) {
    if (argc != 7) {
        std::cerr << "usage: tpm_client HOST PORT CA_PEM CERT_DER KEY TCTI\n";
        return 2;
    }
    auto key = tpm::parse_key_reference(argv[5]);  // "handle:0x81000001" or a TSS2 key file
    if (!key) return fail(key.error());
    auto signer = tpm::open_tpm_signer(*key, tpm::ContextOptions{.tcti = argv[6]});
    if (!signer) return fail(signer.error());
    auto anchors = TrustStore::from_file(argv[3]);
    if (!anchors) return fail(anchors.error());
    std::ifstream cert_file(argv[4], std::ios::binary);
    Bytes certificate(std::istreambuf_iterator<char>(cert_file), {});

    ClientConfig config;
    config.trust_anchors = std::make_shared<const TrustStore>(std::move(*anchors));
    config.credentials = Credentials{{certificate}, *signer};  // CertificateVerify: TPM2_Sign
    auto client = TlsClient::connect(argv[1], static_cast<uint16_t>(std::stoi(argv[2])), std::move(config));
    if (!client) return fail(client.error());

    if (auto sent = (*client)->send(view("GET_SECRET")); !sent) return fail(sent.error());
    auto answer = (*client)->receive();
    if (!answer) return fail(answer.error());
    std::cout << std::string(answer->begin(), answer->end()) << "\n";
    if (auto closed = (*client)->close(); !closed) return fail(closed.error());
    return 0;
}
// README end
