#!/usr/bin/env bash
# Installs the Debian 12 packages the named groups need, only those missing.
#   scripts/deps.sh [build] [run] [test]        (no argument: all three)
# As root it runs apt-get itself; otherwise it prints the apt-get install line and fails.
set -euo pipefail

# Compile the library, programs and tests: tpm2-tss (ESAPI, tctildr, mu, rc), libsodium, mbedTLS
# 2.28 (crypto and X.509 only), doctest; CMake + Ninja + pkg-config; g++.
build=(cmake ninja-build pkg-config g++ libtss2-dev libsodium-dev libmbedtls-dev doctest-dev)
# Run the programs against a software TPM.
run=(swtpm swtpm-tools)
# Only the test suite: libFuzzer (Debian's clang and its runtime), the TLS peers we test against,
# TPM tools for cross-checks, tshark to decode TPM command traces.
test=(clang libclang-rt-14-dev openssl gnutls-bin tpm2-tools tpm2-openssl tshark)

groups=("$@")
[[ ${#groups[@]} -gt 0 ]] || groups=(build run test)
wanted=()
for group in "${groups[@]}"; do
    case $group in
        build) wanted+=("${build[@]}") ;;
        run) wanted+=("${run[@]}") ;;
        test) wanted+=("${test[@]}") ;;
        *) echo "deps.sh: unknown group '$group' (build, run, test)" >&2; exit 2 ;;
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
