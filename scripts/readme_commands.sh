#!/usr/bin/env bash
# Prints the command reference of docs/commands.md: every `tpmtls` subcommand's --help, verbatim, in order.
#   scripts/readme_commands.sh [path/to/tpmtls]   (default build/release/tpmtls)
# docs/commands.md holds this output between <!-- commands: begin --> and <!-- commands: end -->;
# tests/test_readme_commands.cpp checks that every block there is what the built command says.
set -euo pipefail
tpmtls=${1:-build/release/tpmtls}
"$tpmtls" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' | while read -r command; do
    printf '### tpmtls %s\n\n```text\n' "$command"
    "$tpmtls" "$command" --help
    printf '```\n\n'
done
