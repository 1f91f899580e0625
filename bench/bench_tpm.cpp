// Usage: build/release/bench/bench_tpm [--tcti CONF] [--signs N] [--loads N] [--handle 0x81xxxxxx]
//
// What the TPM costs us, on the TCTI given (default: a fresh swtpm started like the tests' fixture,
// on free loopback ports with a temporary state directory):
//   - TPM2_Sign latency: TpmSigner::sign() of a CertificateVerify-sized content, N times (the
//     software SHA-256 and DER encoding around it are included; they are microseconds);
//   - the key-load cost a process pays once at start, for a TSS2 key file and for a persistent
//     handle, each phase timed M times (a new TPM context each time, as a new process would):
//       open     TctiLdr + Esys_Initialize + one GetRandom (TpmContext::open's reachability check)
//       load     file: CreatePrimary (owner primary, tpm2-openssl's ECC template) + Load + FlushContext
//                handle: ReadPublic (ESAPI makes an ESYS_TR for the persistent handle)
//       public   ReadPublic (TpmSigner::create: schemes and SPKI)
//   - each TPM command's own latency (request sent to response read), from the timestamps of a
//     tpm2-tss pcap TCTI capture of the same process starts and signatures, decoded by tshark:
//     this splits CreatePrimary from Load. Left out, with a note, when tshark is missing.
// The key is made for the run (ECC P-256 under the owner primary, written to a temporary TSS2 file
// and made persistent at --handle, default 0x81000F01, evicted at the end). An occupied handle is
// never overwritten: the bench stops and asks for another one. Prints Markdown tables. Not a
// test: it never judges.
#define DOCTEST_CONFIG_IMPLEMENT  // the test fixtures (Swtpm) report failures through doctest
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/peer_process.h"
#include "support/swtpm.h"
#include "support/tpm_pcap.h"
#include "tpm/context.h"
#include "tpm/key_file.h"
#include "tpm/key_reference.h"
#include "tpm/keys.h"
#include "tpm/tpm_signer.h"

using namespace tpmtls;
using namespace tpmtls::tpm;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::optional<std::string> tcti;
    int signs = 200;
    int loads = 20;
    uint32_t handle = 0x81000F01;
};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "bench_tpm: %s\n", message.c_str());
    std::exit(1);
}

template <class T>
T must(Result<T> r, std::string_view what) {
    if (!r) die(std::string(what) + ": " + r.error().to_string());
    return std::move(r).value();
}
void must(const Status& s, std::string_view what) {
    if (!s) die(std::string(what) + ": " + s.error().to_string());
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die("missing value after " + std::string(arg));
            return argv[++i];
        };
        if (arg == "--tcti") o.tcti = value();
        else if (arg == "--signs") o.signs = std::max(1, std::atoi(value().c_str()));
        else if (arg == "--loads") o.loads = std::max(1, std::atoi(value().c_str()));
        else if (arg == "--handle") o.handle = static_cast<uint32_t>(std::strtoul(value().c_str(), nullptr, 16));
        else die("usage: bench_tpm [--tcti CONF] [--signs N] [--loads N] [--handle 0x81xxxxxx]");
    }
    if ((o.handle >> 24) != 0x81) die("--handle must be a persistent handle 0x81xxxxxx");
    return o;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Summary {
    double median, p95, min, max;
};
Summary summarize(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5))]; };
    return {at(0.5), at(0.95), v.front(), v.back()};
}
void print_row(const std::string& what, size_t n, const Summary& s) {
    std::printf("| %-56s | %4zu | %8.3f | %8.3f | %8.3f | %8.3f |\n", what.c_str(), n, s.median, s.p95, s.min, s.max);
}
void print_header(const char* title) {
    std::printf("\n%s\n\n| %-56s | %4s | %8s | %8s | %8s | %8s |\n|%s|%s|%s|%s|%s|%s|\n", title, "what (ms)", "n",
                "median", "p95", "min", "max", std::string(58, '-').c_str(), "-----:", "--------:", "--------:",
                "--------:", "--------:");
}

template <class F>
auto timed(std::vector<double>& samples, F&& f) {
    const auto start = Clock::now();
    auto result = f();
    samples.push_back(ms(Clock::now() - start));
    return result;
}

// One process start, phase by phase: open the context, load the key, read its public area.
void measure_loads(const KeyReference& key, const KeyBlob& blob, const ContextOptions& options, int loads) {
    std::vector<double> open, load, read_public, total;
    for (int i = 0; i < loads; ++i) {
        const auto start = Clock::now();
        auto context = must(timed(open, [&] { return TpmContext::open(options); }), "open the TPM");
        TpmKey loaded = must(timed(load, [&] {
                                 return key.kind == KeyReference::Kind::handle ? load_persistent(context, key.handle)
                                                                               : load_key(context, blob);
                             }),
                             "load the key");
        auto signer = must(timed(read_public, [&] { return TpmSigner::create(std::move(loaded)); }), "read the public area");
        total.push_back(ms(Clock::now() - start));
    }
    const bool file = key.kind == KeyReference::Kind::file;
    const std::string name = file ? "key file" : "handle";
    print_row(name + ": open (TctiLdr + Esys_Initialize + GetRandom)", open.size(), summarize(open));
    print_row(name + (file ? ": CreatePrimary + Load + FlushContext" : ": ReadPublic (ESYS_TR for the handle)"), load.size(),
              summarize(load));
    print_row(name + ": ReadPublic (schemes, SPKI)", read_public.size(), summarize(read_public));
    print_row(name + ": total to a ready signer", total.size(), summarize(total));
    // The same through the one call programs use.
    std::vector<double> one_call;
    for (int i = 0; i < loads; ++i) (void)must(timed(one_call, [&] { return open_tpm_signer(key, options); }), "open_tpm_signer");
    print_row(name + ": open_tpm_signer() in one call", one_call.size(), summarize(one_call));
}

// The same process starts and a signature each, through the pcap TCTI: each command's latency.
void measure_commands(const std::vector<KeyReference>& keys, const ContextOptions& options, int loads,
                      const test::TempDir& dir) {
    if (test::find_program("tshark").empty()) {
        std::printf("\n(per-command latencies left out: tshark is not installed)\n");
        return;
    }
    const std::string pcap_file = dir.file("bench.pcap");
    ::setenv("TCTI_PCAP_FILE", pcap_file.c_str(), 1);
    ContextOptions traced = options;
    traced.tcti = "pcap:" + *options.tcti;
    const Bytes content(130, 0x20);
    for (const KeyReference& key : keys) {
        for (int i = 0; i < loads; ++i) {
            auto signer = must(open_tpm_signer(key, traced), "open_tpm_signer through the pcap TCTI");
            (void)must(signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content)), "sign");
        }
    }
    std::vector<std::string> order;
    std::map<std::string, std::vector<double>> latencies;
    for (const test::TpmRoundTrip& trip : test::tpm_round_trips_in_capture(pcap_file)) {
        if (latencies.find(trip.command.name) == latencies.end()) order.push_back(trip.command.name);
        latencies[trip.command.name].push_back(static_cast<double>(trip.latency_us()) / 1000.0);
    }
    print_header("## Each TPM command (request sent to response read, pcap TCTI timestamps)");
    for (const std::string& name : order) print_row(name, latencies[name].size(), summarize(latencies[name]));
}

}  // namespace

int main(int argc, char** argv) {
    doctest::Context doctest_context;
    doctest_context.setAsDefaultForAssertsOutOfTestCases();
    doctest_context.setAssertHandler([](const doctest::AssertData& a) {
        die(std::string("fixture failed: ") + a.m_expr + " " + std::string(a.m_decomp.c_str()) + " " +
            std::string(a.m_exception.c_str()));
    });
    const Options o = parse(argc, argv);
    ::setenv("TSS2_LOG", "all+NONE", 0);  // our errors say what failed; a TSS2_LOG the user set wins

    std::unique_ptr<test::Swtpm> swtpm;
    ContextOptions options;
    if (o.tcti) {
        options.tcti = *o.tcti;
    } else {
        swtpm = std::make_unique<test::Swtpm>();
        options.tcti = swtpm->tcti();
    }
    std::printf("# TPM costs on TCTI %s\n", options.tcti->c_str());

    // The key for the run: created once, as a TSS2 key file and at a persistent handle.
    test::TempDir dir;
    KeyBlob blob;
    {
        auto context = must(TpmContext::open(options), "open the TPM");
        if (load_persistent(context, o.handle)) die("handle " + KeyReference{KeyReference::Kind::handle, {}, o.handle}.to_string() +
                                                    " is occupied; pass --handle with a free one");
        blob = must(create_p256_signing_key(*context), "create the key");
        must(make_persistent(context, blob, o.handle, false), "make the key persistent");
    }
    KeyReference file_ref;
    file_ref.path = dir.file("bench.tss2");
    must(save_tss2_key_file(file_ref.path, Tss2KeyFile{true, owner_hierarchy, blob.public_area, blob.private_area}),
         "write the key file");
    const KeyReference handle_ref{KeyReference::Kind::handle, {}, o.handle};

    // TPM2_Sign latency, on a key loaded once (as in a long-running client).
    {
        auto signer = must(open_tpm_signer(handle_ref, options), "open the signer");
        const Bytes content(130, 0x20);  // 64 spaces, the context string, a separator, a SHA-256 transcript hash
        std::vector<double> sign;
        for (int i = 0; i < o.signs; ++i) (void)must(timed(sign, [&] { return signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content)); }), "sign");
        print_header("## TPM2_Sign (ECDSA P-256, one command per full handshake)");
        print_row("TpmSigner::sign (SHA-256 in software + TPM2_Sign)", sign.size(), summarize(sign));
    }

    print_header("## Key load at process start (once per process)");
    measure_loads(file_ref, blob, options, o.loads);
    measure_loads(handle_ref, blob, options, o.loads);
    measure_commands({file_ref, handle_ref}, options, o.loads, dir);

    {
        auto context = must(TpmContext::open(options), "open the TPM");
        must(evict_persistent(context, o.handle), "evict the bench key");
    }
    return 0;
}
