#!/usr/bin/env bash
# Runs the PKI matrix (tests/test_interop_pki_matrix.cpp) and writes the table of its cells and
# results into README.md between <!-- pki-matrix:begin --> and <!-- pki-matrix:end -->.
#   scripts/pki_matrix_table.sh [BUILD_DIR]   (default build/release; build the test first)
# Without this script the test compares README.md's table with its own run and fails when they
# differ, so the README cannot drift. Exits with the test's status (non-zero if a cell failed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
binary=$build/tests/test_interop_pki_matrix
if [ ! -x "$binary" ]; then
    echo "pki_matrix_table.sh: no $binary; build it first:" >&2
    echo "  cmake --build --preset release --target tpmtls_cli test_interop_pki_matrix" >&2
    exit 1
fi
table=$(mktemp)
readme=$(mktemp)
trap 'rm -f "$table" "$readme"' EXIT
status=0
TPMTLS_PKI_MATRIX_TABLE=$table "$binary" --test-case='PKI matrix:*' || status=$?
if [ ! -s "$table" ]; then
    echo "pki_matrix_table.sh: the test wrote no table" >&2
    exit 1
fi
grep -q '^<!-- pki-matrix:begin -->$' "$root/README.md" && grep -q '^<!-- pki-matrix:end -->$' "$root/README.md" || {
    echo "pki_matrix_table.sh: README.md has no pki-matrix markers" >&2
    exit 1
}
awk -v table="$table" '
    $0 == "<!-- pki-matrix:begin -->" { print; while ((getline line < table) > 0) print line; skipping = 1; next }
    $0 == "<!-- pki-matrix:end -->" { skipping = 0 }
    !skipping { print }
' "$root/README.md" > "$readme"
cat "$readme" > "$root/README.md"
echo "README.md: PKI matrix table updated"
exit "$status"
