#!/usr/bin/env bash
# README command 1: install missing packages, build (Release, build/release), run the main job.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh build run
cmake --preset release
cmake --build --preset release -j "${TPMTLS_JOBS:-$(nproc)}"

cat <<'MSG'

tpmtls: the demo is not there yet.
Built so far (build/release): the foundation of the library. The client and server programs and
the demo they run come with a later issue; scripts/test.sh tests what exists.
MSG
