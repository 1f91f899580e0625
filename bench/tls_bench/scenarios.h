// The benchmark's scenarios. Each appends ScenarioResults to env.report; none judges (targets.cpp
// compares them afterwards). TPM scenarios run under the latency preset set on env.
#pragma once

#include "tls_bench/environment.h"

namespace tpmtls::bench {

// In memory, no sockets, software keys: per suite × group, with and without client auth;
// handshakes per second and the client connection's peak heap (heap_counter.h).
void run_memory_scenarios(BenchEnvironment& env);

// Key load at process start (open the TPM, load the key file, read its public area) and one
// TPM2_Sign, each repeated; medians into report.key_load_ns.
void run_key_load(BenchEnvironment& env);

// Our TlsClient in this process against our TlsServer on loopback: full mTLS with the TPM key
// (loaded once), resumed with it; with `software_too` also full mTLS with a software key and
// server-only authentication.
void run_in_process_scenarios(BenchEnvironment& env, bool software_too);

// A new client process per handshake (bench_tls child-client: our library, as `tpmtls client`
// would use it): full mTLS with the TPM key (loaded by each process), resumed from a ticket store
// file; with `software_too` also a software key and the process floor.
void run_process_scenarios(BenchEnvironment& env, bool software_too);

// openssl s_client with tpm2-openssl (through tpm2-abrmd on a private D-Bus, in front of the same
// proxy and swtpm), a new process per handshake against the same server: full and resumed; with
// `software_too` also a software key and `openssl version` as the process floor.
void run_openssl_scenarios(BenchEnvironment& env, bool software_too);

// Server full handshakes per second: one TlsServer per core on loopback, 2 client threads per
// core, for options.throughput_seconds; server-only and mTLS with software client keys.
void run_server_throughput(BenchEnvironment& env);

// The `tpmtls` command (--cli, else build/<preset>/tpmtls) if it has a `client` subcommand; empty
// otherwise.
std::string tpmtls_client_command(const BenchEnvironment& env);

// The child-client process (argv after "child-client"). Returns the exit status.
int child_client_main(int argc, char** argv);

// The targets, judged from the report's numbers, with where the time goes.
void evaluate_targets(Report& report);

}  // namespace tpmtls::bench
