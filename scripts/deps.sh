#!/usr/bin/env bash
# Installs the Debian 12 packages the named groups need, only those missing.
#   scripts/deps.sh [build] [run] [test] [bench]  (no argument: all four)
# As root it runs apt-get itself; otherwise it prints the apt-get install line and fails.
set -euo pipefail

# Compile the library, programs and tests: tpm2-tss (ESAPI, tctildr, mu, rc), libsodium, mbedTLS
# 2.28 (crypto and X.509 only), doctest; CMake + Ninja + pkg-config; g++.
build=(cmake ninja-build pkg-config g++ libtss2-dev libsodium-dev libmbedtls-dev doctest-dev)
# Run the programs against a software TPM. The demo loads the swtpm and pcap TCTIs (its clients
# run under pcap:swtpm:... so their TPM commands can be checked from outside).
run=(swtpm swtpm-tools libtss2-tcti-swtpm0 libtss2-tcti-pcap0)
# Only the test suite: libFuzzer (Debian's clang and its runtime), the TLS peers we test against,
# TPM tools for cross-checks, tshark to decode TPM command traces.
test=(clang libclang-rt-14-dev openssl gnutls-bin tpm2-tools tpm2-openssl tshark)
# The benchmark (bench/run.sh, and test_bench_quick, which runs it): the side-by-side with
# OpenSSL + tpm2-openssl needs tpm2-abrmd in front of swtpm (the provider runs out of swtpm's 3
# object slots without a resource manager), on a private D-Bus (dbus-daemon), reached through the
# tabrmd TCTI (libtss2-tcti-tabrmd0); gnuplot draws the handshake-time plot.
bench=(tpm2-abrmd libtss2-tcti-tabrmd0 dbus gnuplot-nox)

groups=("$@")
[[ ${#groups[@]} -gt 0 ]] || groups=(build run test bench)
wanted=()
for group in "${groups[@]}"; do
    case $group in
        build) wanted+=("${build[@]}") ;;
        run) wanted+=("${run[@]}") ;;
        test) wanted+=("${test[@]}") ;;
        bench) wanted+=("${bench[@]}") ;;
        *) echo "deps.sh: unknown group '$group' (build, run, test, bench)" >&2; exit 2 ;;
    esac
done

if ! command -v dpkg-query >/dev/null; then
    echo "deps.sh: not a Debian system; make sure these (Debian names) are installed: ${wanted[*]}" >&2
    exit 0
fi

missing=()
for package in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

install=(apt-get install -y --no-install-recommends "${missing[@]}")
if [[ $(id -u) -ne 0 ]]; then
    echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
    echo "Install them as root, then run this again:" >&2
    echo "  ${install[*]}" >&2
    exit 1
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark would otherwise ask whether non-root users may capture packets.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q
"${install[@]}"
