#!/usr/bin/env bash
# Mutation check (issue 15 point 6): does each test named in tests/mutations.tsv fail when the
# product code it guards is broken? For each mutation line:
#   1. the exact "find" text must occur exactly once in the file, else ERROR (does not apply);
#   2. it is replaced, and only that line's test target is built (the library comes with it);
#      a build failure is ERROR (does not build), never "caught";
#   3. the test runs (ctest -R '^T$', or the doctest binary with --test-case=FILTER) with a timeout;
#      red (or timed out) -> "caught", green -> "SURVIVED";
#   4. the file is restored (also on Ctrl-C / kill, by a trap) and `git diff` must show it clean.
# Before the mutations, every (test, filter) named in the list runs once unmutated: a test that
# is already red would make every mutation look caught, so its mutations are ERROR (baseline red).
# Exit status: 0 if every mutation was caught, 1 otherwise, 2 on bad usage or a dirty tree.
#
# Not run in CI: it rebuilds and runs 15 test programs 28 times. On 2 cores with ccache warm a
# full run takes 1 to 4 minutes (the total time is printed at the end); --only N runs the Nth
# mutation (1-based, counting mutation lines only) in seconds. See also tests/README.md.
#
# Usage: scripts/mutation_check.sh [--list FILE] [--only N] [--build-dir DIR] [--timeout SECONDS]
#   Configure first: cmake --preset release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
#
# Skips: no test may pass by skipping silently. A test that needs a tool (openssl, gnutls-serv,
# tshark, swtpm, python3, ...) fails when it is missing (REQUIRE naming the tool); the tools come
# from scripts/deps.sh. A program with nothing to test in its configuration prints
# "SKIPPED: <reason>" and exits 77 (ctest SKIP_RETURN_CODE: Skipped, not Passed); here a
# skipped baseline is not "ok", so a green test really ran its checks.
set -u -o pipefail

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel) || exit 2
list="$repo/tests/mutations.tsv"
build="$repo/build/release"
only=""
test_timeout=600
while [ $# -gt 0 ]; do
    case "$1" in
        --list) list=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --build-dir) build=$2; shift 2 ;;
        --timeout) test_timeout=$2; shift 2 ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) echo "mutation_check: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -f "$list" ] || { echo "mutation_check: no list $list" >&2; exit 2; }
[ -f "$build/build.ninja" ] || [ -f "$build/Makefile" ] ||
    { echo "mutation_check: $build is not configured (cmake --preset release)" >&2; exit 2; }
cd "$repo" || exit 2

log_dir=$(mktemp -d "${TMPDIR:-/tmp}/mutation_check.XXXXXX")
backup=""      # the file under mutation and its pristine copy, restored by the trap
backup_copy=""
restore() {
    if [ -n "$backup" ]; then
        cp "$backup_copy" "$backup"  # a new mtime, so the next build recompiles it
        backup=""
    fi
}
# Builds and tests run in the background and are waited for: `wait` returns at once when a
# trapped signal arrives (a foreground child would delay the trap until it ended), and timeout(1)
# puts its child in a process group of its own, so the trap stops it explicitly.
exec 3>&2
child=""
run_child() {
    "$@" &
    child=$!
    wait "$child"
    local rc=$?
    child=""
    return "$rc"
}
interrupted() {
    [ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null
    restore
    echo "mutation_check: interrupted, file restored" >&3  # fd 3: the terminal, not a test log
    exit 130
}
trap interrupted INT TERM HUP
trap 'restore' EXIT

# Read the list: skip comments and blank lines; five TAB-separated fields.
files=(); tests=(); finds=(); repls=(); descs=()
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue ;; esac
    IFS=$'\t' read -r f t a b d <<<"$line"
    if [ -z "${d:-}" ]; then echo "mutation_check: malformed line (need 5 TAB-separated fields): $line" >&2; exit 2; fi
    files+=("$f"); tests+=("$t"); finds+=("$a"); repls+=("$b"); descs+=("$d")
done <"$list"
count=${#files[@]}
if [ -n "$only" ] && { [ "$only" -lt 1 ] || [ "$only" -gt "$count" ]; }; then
    echo "mutation_check: --only $only: the list has $count mutations" >&2; exit 2
fi
selected=()
for ((i = 0; i < count; i++)); do
    if [ -z "$only" ] || [ "$only" -eq $((i + 1)) ]; then selected+=("$i"); fi
done

# Run test spec "T" or "T:FILTER"; returns the test's status (124 on timeout, 126 when it was
# skipped or matched no test case, 125 when there is no binary).
run_test() {
    local spec=$1 out=$2 target=${1%%:*} filter=""
    [ "$spec" != "$target" ] && filter=${spec#*:}
    if [ -n "$filter" ]; then
        local binary
        binary=$(find "$build" -type f -name "$target" -perm -u+x | head -n 1)
        [ -n "$binary" ] || { echo "no binary $target under $build" >"$out"; return 125; }
        run_child timeout "$test_timeout" env -C "$(dirname "$binary")" "$binary" "--test-case=$filter" >"$out" 2>&1
        local rc=$?
        [ "$rc" -eq 77 ] && return 126  # skipped: proves nothing either way
        # A filter that matches no test case is green in doctest: insist that one ran.
        grep -q "test cases: *[1-9][0-9]* |" "$out" || return 126
        return "$rc"
    else
        run_child timeout "$test_timeout" ctest --test-dir "$build" -R "^${target}\$" --output-on-failure \
            --timeout "$test_timeout" >"$out" 2>&1 || return $?
        # ctest is green also when it matched no test: insist that it ran one.
        grep -q "(Skipped)" "$out" && return 126
        grep -q "100% tests passed, 0 tests failed out of 1" "$out" || return 1
    fi
}

build_target() {
    run_child cmake --build "$build" -j2 --target "$1" >"$2" 2>&1
}

start=$(date +%s)
# Baseline: every (test, filter) unmutated, green.
declare -A baseline
baselines=0
for i in "${selected[@]}"; do
    spec=${tests[$i]}
    [ -n "${baseline[$spec]+x}" ] && continue
    target=${spec%%:*}
    if ! build_target "$target" "$log_dir/baseline-build.log"; then
        baseline[$spec]="does not build unmutated (see $log_dir/baseline-build.log)"
    else
        baselines=$((baselines + 1))
        baseline_log="$log_dir/baseline-$baselines-$target.log"
        run_test "$spec" "$baseline_log"
        rc=$?
        if [ "$rc" -eq 126 ]; then
            baseline[$spec]="skipped or no test case matched unmutated (see $baseline_log)"
        elif [ "$rc" -ne 0 ]; then
            baseline[$spec]="red unmutated (see $baseline_log)"
        else
            baseline[$spec]=ok
        fi
    fi
done

caught=0; survived=0; errors=0
for i in "${selected[@]}"; do
    n=$((i + 1)); f=${files[$i]}; spec=${tests[$i]}; target=${spec%%:*}
    label=$(printf '%2d %-24s %-32s' "$n" "$f" "$spec")
    result=""
    if [ "${baseline[$spec]}" != ok ]; then
        result="ERROR (baseline: ${baseline[$spec]})"
    elif [ ! -f "$f" ]; then
        result="ERROR (does not apply: no file $f)"
    elif ! git diff --quiet -- "$f"; then
        result="ERROR (does not apply: $f has uncommitted changes)"
    else
        occurrences=$(FIND="${finds[$i]}" python3 -c 'import os,sys; print(open(sys.argv[1]).read().count(os.environ["FIND"]))' "$f")
        if [ "$occurrences" != 1 ]; then
            result="ERROR (does not apply: the text occurs $occurrences times in $f)"
        else
            backup_copy="$log_dir/pristine"
            cp -p "$f" "$backup_copy"
            backup=$f
            FIND="${finds[$i]}" REPL="${repls[$i]}" python3 -c '
import os, sys
p = sys.argv[1]; s = open(p).read()
open(p, "w").write(s.replace(os.environ["FIND"], os.environ["REPL"], 1))' "$f"
            t0=$(date +%s)
            if ! build_target "$target" "$log_dir/build-$n.log"; then
                result="ERROR (does not build; see $log_dir/build-$n.log)"
            else
                run_test "$spec" "$log_dir/test-$n.log"
                rc=$?
                if [ "$rc" -eq 0 ]; then result="SURVIVED"
                elif [ "$rc" -eq 124 ]; then result="caught (timed out)"
                elif [ "$rc" -eq 125 ]; then result="ERROR (no test binary)"
                elif [ "$rc" -eq 126 ]; then result="ERROR (the test was skipped or matched no test case)"
                else result="caught"; fi
                result="$result [$(($(date +%s) - t0))s]"
            fi
            restore
            if ! git diff --quiet -- "$f"; then
                echo "mutation_check: $f is not clean after restoring; stopping" >&2
                exit 2
            fi
        fi
    fi
    case "$result" in
        caught*) caught=$((caught + 1)) ;;
        SURVIVED*) survived=$((survived + 1)) ;;
        *) errors=$((errors + 1)) ;;
    esac
    echo "$label $result  -- ${descs[$i]}"
done

elapsed=$(($(date +%s) - start))
echo "total: ${#selected[@]} mutations, $caught caught, $survived survived, $errors errors;" \
     "time $((elapsed / 60))m$((elapsed % 60))s; logs in $log_dir"
[ "$survived" -eq 0 ] && [ "$errors" -eq 0 ]
