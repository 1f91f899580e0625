#!/usr/bin/env bash
# ctest case install_consumer: install the built library into a scratch prefix, then build the
# project in this directory against it twice, with find_package(tpmtls) and with pkg-config,
# run both programs and compare their output with expected.txt.
#
# Usage: check_install.sh BUILD_DIR CONFIG WORK_DIR CXX GENERATOR LIBDIR LIBRARY_TYPE [CXXFLAGS]
#   CXXFLAGS: the flags the library was compiled with that a program linking it must share
#   (the sanitizers).
set -euo pipefail
build=$1 config=$2 work=$3 cxx=$4 generator=$5 libdir=$6 library_type=$7 cxxflags=${8:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prefix=$work/prefix

rm -rf "$work"
cmake --install "$build" --config "$config" --prefix "$prefix"

# Public headers must not pull in dependency headers (they use pimpl).
if grep -rnE '#include <(mbedtls|sodium|tss2)' "$prefix/include/tpmtls"; then
    echo "FAIL: installed headers include dependency headers" >&2
    exit 1
fi

echo "== find_package(tpmtls)"
cmake -S "$here" -B "$work/cmake" -G "$generator" -DCMAKE_BUILD_TYPE="$config" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$cxxflags"
cmake --build "$work/cmake"
"$work/cmake/consumer" | tee "$work/cmake.out"
diff -u "$here/expected.txt" "$work/cmake.out"

echo "== pkg-config tpmtls"
static=()
[[ $library_type == STATIC_LIBRARY ]] && static=(--static)
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
pc_flags=$(pkg-config --cflags --libs "${static[@]}" tpmtls)
echo "pkg-config --cflags --libs ${static[*]} tpmtls: $pc_flags"
# shellcheck disable=SC2086  # both flag strings are lists of words
"$cxx" -std=c++20 -Wall -Wextra -Wpedantic -Werror $cxxflags -o "$work/consumer-pc" "$here/main.cpp" $pc_flags -Wl,-rpath,"$prefix/$libdir"
"$work/consumer-pc" | tee "$work/pkg-config.out"
diff -u "$here/expected.txt" "$work/pkg-config.out"
echo "installed package works with find_package and pkg-config ($library_type)"
