// What every scenario shares: the options, a test PKI with its files for OpenSSL, a client key
// made in the TPM for this run (a TSS2 key file, so OpenSSL's tpm2 provider loads the very same
// key), the TPM (a fresh swtpm behind the latency proxy, or the --tcti given), and the report.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/peer_process.h"
#include "support/swtpm.h"
#include "support/test_pki.h"
#include "tls13/handshake/handshake_config.h"
#include "tls_bench/report.h"
#include "tls_bench/tpm_latency_proxy.h"
#include "tpm/keys.h"

namespace tpmtls::bench {

struct BenchOptions {
    int count = 200;
    int warmup = 10;
    std::optional<std::string> tcti;  // a real TPM: no swtpm, no proxy, no presets
    std::vector<std::string> presets;
    std::set<std::string> scenarios;  // empty: all
    std::string out_dir = ".";
    std::optional<std::string> pcap_file;  // our process's TPM traffic through tpm2-tss's pcap TCTI
    double throughput_seconds = 3.0;
    std::string cli_path;  // the `tpmtls` command for the cli_* scenarios (default: beside bench/)
    std::string command_line;

    bool wants(const std::string& group) const { return scenarios.empty() || scenarios.count(group) > 0; }
};

[[noreturn]] void die(const std::string& message);

// A progress line on stderr (redrawn in place on a terminal, one line per scenario otherwise).
class Progress {
public:
    void begin(const std::string& what, int total);
    void step(int done);
    void end();

private:
    std::string what_;
    int total_ = 0;
    bool tty_ = false;
};

class BenchEnvironment {
public:
    explicit BenchEnvironment(const BenchOptions& options);
    ~BenchEnvironment();
    BenchEnvironment(const BenchEnvironment&) = delete;
    BenchEnvironment& operator=(const BenchEnvironment&) = delete;

    const BenchOptions& options;
    Report report;
    Progress progress;

    test::TestPki pki;
    test::TempDir dir;
    std::string root_pem, root_der;
    std::string tpm_cert_pem, tpm_cert_der, tpm_key_file;  // the TPM client key and its certificate
    std::string software_cert_pem, software_cert_der, software_key_pem;
    tpm::KeyBlob tpm_key;

    std::unique_ptr<test::Swtpm> swtpm;
    std::unique_ptr<TpmLatencyProxy> proxy;
    std::string tcti;      // the TPM for child processes and OpenSSL (the proxy, or --tcti)
    std::string own_tcti;  // the TPM for this process (tcti, behind pcap: with --pcap)
    // Commands through the proxy while this process itself used the TPM (key loads, in-process
    // scenarios): what a pcap capture of this process must show.
    ProxyCounts in_process_counts;

    bool has_proxy() const { return proxy != nullptr; }
    ProxyCounts counts() const { return proxy ? proxy->counts() : ProxyCounts{}; }
    std::string preset = "swtpm";
    void set_preset(const std::string& name);

    ServerConfig server_config(ClientAuthMode auth) const;
    // A client over the test PKI; `signer` null: no client certificate.
    ClientConfig client_config(const std::shared_ptr<Signer>& signer, bool tpm_certificate) const;
};

// "TPM2_CC_Sign" -> n, from a proxy count.
std::map<std::string, uint64_t> command_names(const ProxyCounts& counts);

// A new-process scenario's result from its wall times, summed client CPU and what the proxy
// counted while it ran (TPM figures only for a TPM key behind the proxy).
void finish_process_result(ScenarioResult& result, const BenchEnvironment& env, const ProxyCounts& used,
                           std::vector<int64_t> wall, int64_t cpu, bool tpm_key);

}  // namespace tpmtls::bench
