#include "tls_bench/environment.h"

#include <tss2/tss2_tpm2_types.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "tls13/crypto/software_signer.h"
#include "tls13/x509.h"
#include "tpm/context.h"
#include "tpm/key_file.h"
#include "tpm/tcti_meter.h"
#include "tpm/tpm_signer.h"

namespace tpmtls::bench {

void die(const std::string& message) {
    std::fprintf(stderr, "\nbench_tls: %s\n", message.c_str());
    std::exit(1);
}

void Progress::begin(const std::string& what, int total) {
    what_ = what;
    total_ = total;
    tty_ = ::isatty(2) != 0;
    if (!tty_) std::fprintf(stderr, "bench_tls: %s (%d)\n", what.c_str(), total);
    step(0);
}

void Progress::step(int done) {
    if (!tty_) return;
    std::fprintf(stderr, "\r\033[Kbench_tls: %s %d/%d", what_.c_str(), done, total_);
}

void Progress::end() {
    if (tty_) std::fprintf(stderr, "\r\033[K");
}

namespace {

template <class T>
T must(Result<T> r, const std::string& what) {
    if (!r) die(what + ": " + r.error().to_string());
    return std::move(r).value();
}

std::string write_file(const test::TempDir& dir, const std::string& name, ByteView bytes) {
    return dir.write(name, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

std::map<std::string, uint64_t> command_names(const ProxyCounts& counts) {
    // Commands our library never sends, which TpmStats does not name: OpenSSL's tpm2 provider
    // hashes on the TPM and verifies with loaded external keys (TPM 2.0 Part 2 §6.5.2).
    static const std::map<uint32_t, std::string> more = {
        {TPM2_CC_SequenceComplete, "TPM2_CC_SequenceComplete"}, {TPM2_CC_SequenceUpdate, "TPM2_CC_SequenceUpdate"},
        {TPM2_CC_HashSequenceStart, "TPM2_CC_HashSequenceStart"}, {TPM2_CC_LoadExternal, "TPM2_CC_LoadExternal"},
        {TPM2_CC_ECC_Parameters, "TPM2_CC_ECC_Parameters"}, {TPM2_CC_TestParms, "TPM2_CC_TestParms"}};
    std::map<std::string, uint64_t> out;
    for (const auto& [code, n] : counts.by_command) {
        if (n == 0) continue;
        const auto it = more.find(code);
        out[it != more.end() ? it->second : tpm::TpmStats::command_name(code)] = n;
    }
    return out;
}

BenchEnvironment::BenchEnvironment(const BenchOptions& o) : options(o), pki(test::make_test_pki()) {
    if (o.tcti) {
        tcti = *o.tcti;
        report.tpm = "the TCTI given: " + tcti + " (no latency proxy, no presets)";
        report.base_preset = "tcti";
        preset = "tcti";
    } else {
        // The fixture picks its ports in the ephemeral range, where a busy machine's TIME_WAIT
        // sockets can leave no free pair for a while: try again rather than give up at once.
        for (int attempt = 0; attempt < 10 && !swtpm; ++attempt) {
            try {
                swtpm = std::make_unique<test::Swtpm>();
            } catch (...) {  // doctest's REQUIRE failure, from the fixture
                std::this_thread::sleep_for(std::chrono::milliseconds(500));
            }
        }
        if (!swtpm) die("swtpm did not start (no free port pair?)");
        proxy = must(TpmLatencyProxy::start(swtpm->port()), "starting the TPM latency proxy");
        tcti = proxy->tcti();
        report.tpm = "swtpm (fresh state) behind bench_tls's TPM proxy at " + tcti;
    }
    own_tcti = tcti;
    if (o.pcap_file) {
        ::setenv("TCTI_PCAP_FILE", o.pcap_file->c_str(), 1);
        own_tcti = "pcap:" + tcti;
    }

    root_pem = dir.write("root.pem", pki.root.pem);
    root_der = write_file(dir, "root.der", view(pki.root.der));
    software_cert_pem = dir.write("client_software.pem", pki.client.pem);
    software_cert_der = write_file(dir, "client_software.der", view(pki.client.der));
    software_key_pem = dir.write("client_software.key", pki.client.key.private_pem);

    // The TPM client key: ECC P-256 under the owner primary, as a TSS2 key file that our client
    // and tpm2-openssl both load.
    const ProxyCounts before = counts();
    {
        tpm::ContextOptions context_options;
        context_options.tcti = own_tcti;
        auto context = must(tpm::TpmContext::open(context_options), "opening the TPM at " + own_tcti);
        tpm_key = must(tpm::create_p256_signing_key(*context), "creating the client key in the TPM");
        auto key = must(tpm::load_key(context, tpm_key), "loading the client key");
        auto signer = must(tpm::TpmSigner::create(std::move(key)), "reading the client key");
        test::CertificateSpec spec;
        spec.subject = "CN=tpm-bench-client, O=tpmtls bench";
        spec.server_auth = false;
        const Bytes spki = signer->public_key_der();
        const test::IssuedCertificate certificate = test::issue_certificate_for_public_key(spec, view(spki), pki.root);
        tpm_cert_pem = dir.write("client_tpm.pem", certificate.pem);
        tpm_cert_der = write_file(dir, "client_tpm.der", view(certificate.der));
        Tss2KeyFile file;
        file.empty_auth = true;
        file.parent = tpm::owner_hierarchy;
        file.public_area = tpm_key.public_area;
        file.private_area = tpm_key.private_area;
        tpm_key_file = dir.file("client.tss2");
        auto saved = save_tss2_key_file(tpm_key_file, file);
        if (!saved) die("writing the TSS2 key file: " + saved.error().to_string());
    }  // the TPM connection closes here: swtpm serves one connection at a time
    const ProxyCounts used = counts() - before;
    in_process_counts = used;
}

BenchEnvironment::~BenchEnvironment() = default;

void BenchEnvironment::set_preset(const std::string& name) {
    const LatencyPreset* p = find_latency_preset(name);
    if (p == nullptr) die("unknown latency preset " + name);
    preset = options.tcti ? "tcti" : name;  // a TPM given with --tcti runs as it is
    if (proxy) proxy->set_preset(*p);
}

ServerConfig BenchEnvironment::server_config(ClientAuthMode auth) const {
    ServerConfig config;
    auto signer = must(SoftwareSigner::from_key(view(pki.server.key.private_pem)), "server key");
    config.credentials.chain = {pki.server.der};
    config.credentials.signer = std::move(signer);
    config.client_auth = auth;
    if (auth != ClientAuthMode::off)
        config.client_trust_anchors =
            std::make_shared<const TrustStore>(must(TrustStore::from_pem_or_der(view(pki.root.der)), "trust store"));
    return config;
}

ClientConfig BenchEnvironment::client_config(const std::shared_ptr<Signer>& signer, bool tpm_certificate) const {
    ClientConfig config;
    config.server_name = "localhost";
    config.trust_anchors =
        std::make_shared<const TrustStore>(must(TrustStore::from_pem_or_der(view(pki.root.der)), "trust store"));
    if (signer) {
        const std::string& path = tpm_certificate ? tpm_cert_der : software_cert_der;
        std::ifstream f(path, std::ios::binary);
        Bytes der((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        config.credentials.chain = {std::move(der)};
        config.credentials.signer = signer;
    }
    return config;
}

void finish_process_result(ScenarioResult& result, const BenchEnvironment& env, const ProxyCounts& used,
                           std::vector<int64_t> wall, int64_t cpu, bool tpm_key) {
    result.count = env.options.count;
    result.wall = summarize(std::move(wall));
    result.client_cpu_ns = cpu / env.options.count;
    if (env.has_proxy() && tpm_key) {
        result.tpm_commands = used.commands;
        result.tpm_signs = used.count(tpm_cc_sign);
        result.tpm_by_command = command_names(used);
        result.tpm_wait_ns = used.wait.count();
    }
}

}  // namespace tpmtls::bench
