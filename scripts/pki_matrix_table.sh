#!/usr/bin/env bash
# Runs the PKI matrix (tests/test_interop_pki_matrix.cpp) and writes the table of its cells and
# results into docs/interop.md between <!-- pki-matrix:begin --> and <!-- pki-matrix:end -->.
#   scripts/pki_matrix_table.sh [BUILD_DIR]   (default build/release; build the test first)
# Without this script the test compares docs/interop.md's table with its own run and fails when
# they differ, so the page cannot drift. Exits with the test's status (non-zero if a cell failed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
page=$root/docs/interop.md
build=${1:-$root/build/release}
binary=$build/tests/test_interop_pki_matrix
if [ ! -x "$binary" ]; then
    echo "pki_matrix_table.sh: no $binary; build it first:" >&2
    echo "  cmake --build --preset release --target tpmtls_cli test_interop_pki_matrix" >&2
    exit 1
fi
table=$(mktemp)
updated=$(mktemp)
trap 'rm -f "$table" "$updated"' EXIT
status=0
TPMTLS_PKI_MATRIX_TABLE=$table "$binary" --test-case='PKI matrix:*' || status=$?
if [ ! -s "$table" ]; then
    echo "pki_matrix_table.sh: the test wrote no table" >&2
    exit 1
fi
grep -q '^<!-- pki-matrix:begin -->$' "$page" && grep -q '^<!-- pki-matrix:end -->$' "$page" || {
    echo "pki_matrix_table.sh: docs/interop.md has no pki-matrix markers" >&2
    exit 1
}
awk -v table="$table" '
    $0 == "<!-- pki-matrix:begin -->" { print; while ((getline line < table) > 0) print line; skipping = 1; next }
    $0 == "<!-- pki-matrix:end -->" { skipping = 0 }
    !skipping { print }
' "$page" > "$updated"
cat "$updated" > "$page"
echo "docs/interop.md: PKI matrix table updated"
exit "$status"
