#!/usr/bin/env bash
# README command 1: installs what is missing, builds `tpmtls` (Release, build/release), then runs
# the whole device story on a software TPM and prints what happened:
#   swtpm on free loopback ports (temporary state directory)
#   a CA, a server certificate, a client key generated inside the TPM, a CSR signed by the TPM,
#   the client certificate issued from it
#   the server, one client process doing a full mutual-TLS handshake that fetches the secret
#   (one TPM2_Sign), and a second client process that resumes from its ticket store (no TPM)
# Everything it started is stopped by PID on exit; the files go too unless --keep DIR.
#
#   scripts/demo.sh [--keep DIR] [--no-build]
# TPMTLS=path/to/tpmtls runs that binary instead of building one (the ctest case does this).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

keep=""
build=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --keep) keep=${2:?--keep needs a directory}; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "demo.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

if [[ -z ${TPMTLS:-} ]]; then
    bash scripts/deps.sh build run
    if [[ $build -eq 1 ]]; then
        cmake --preset release >/dev/null
        cmake --build --preset release --target tpmtls_cli -j "${TPMTLS_JOBS:-$(nproc)}"
    fi
    TPMTLS=$PWD/build/release/tpmtls
fi
exec bash scripts/demo_run.sh "$TPMTLS" "$keep"
