#!/usr/bin/env bash
# README command 2: install missing packages, then build and run every test, in three builds
# (CMake presets, each in build/<preset>):
#   release  the whole ctest suite
#   asan     the whole suite again under ASan+UBSan (shared library: the install test then
#            covers the shared package, release the static one)
#   fuzz     every libFuzzer target for TPMTLS_FUZZ_SECONDS (default 20) each (clang)
# scripts/test.sh asan fuzz   runs only those stages. A stage whose tests fail does not stop the
# next; a build that fails stops at once. The output ends with each stage's ctest summary; the
# exit status is non-zero if any stage failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stages=("$@")
[[ ${#stages[@]} -gt 0 ]] || stages=(release asan fuzz)
bash scripts/deps.sh build run test

jobs=${TPMTLS_JOBS:-$(nproc)}
failed=()
summary=()
for preset in "${stages[@]}"; do
    start=$SECONDS
    echo "==== $preset: configure and build"
    # -Werror here (and so in CI), not in users' builds: a clean build has no warnings.
    configure=(--preset "$preset" -DTPMTLS_WERROR=ON)
    if [[ $preset == fuzz && -n ${TPMTLS_FUZZ_SECONDS:-} ]]; then
        configure+=(-DTPMTLS_FUZZ_SECONDS="$TPMTLS_FUZZ_SECONDS")
    fi
    cmake "${configure[@]}"
    cmake --build --preset "$preset" -j "$jobs"
    echo "==== $preset: ctest"
    log=build/$preset/ctest.log
    ctest --preset "$preset" -j "$jobs" --output-log "$log" || failed+=("$preset")
    summary+=("==== $preset ($((SECONDS - start)) s)")
    summary+=("$(sed -n '/tests passed, /,$p' "$log" 2>/dev/null | grep -v '^\[ERROR_MESSAGE\]' || true)")
done

echo
[[ ${#failed[@]} -eq 0 ]] || echo "FAILED stages: ${failed[*]}"
printf '%s\n' "${summary[@]}"
[[ ${#failed[@]} -eq 0 ]]
