#!/usr/bin/env bash
# The standard benchmark set (issue 8): every scenario of bench_tls, on a fresh swtpm behind the
# TPM latency proxy, under every latency preset, side by side with OpenSSL + tpm2-openssl.
# Writes the Markdown report (also on stdout), JSON, CSV and the SVG plot to the output directory.
#
#   bench/run.sh [bench_tls options...]
#       COUNT=50 WARMUP=5 BUILD_DIR=build/release OUT_DIR=$BUILD_DIR/bench-results
#   On a machine with a TPM (no swtpm, no proxy, no presets):
#       bench/run.sh --tcti device:/dev/tpmrm0
# Needs the packages of `scripts/deps.sh bench` (tpm2-abrmd, its TCTI, dbus, gnuplot).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build/release}
out=${OUT_DIR:-$build/bench-results}
count=${COUNT:-50}
warmup=${WARMUP:-5}

cmake --build "$build" --target bench_tls tpmtls_cli
mkdir -p "$out"
"$build/bench/bench_tls" --count "$count" --warmup "$warmup" --out-dir "$out" "$@" | tee "$out/bench_tls.md"
echo "bench/run.sh: results in $out" >&2
