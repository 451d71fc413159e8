#!/usr/bin/env bash
# Build the autograder zip to upload to Gradescope: the repository's files (tracked and
# untracked, minus what .gitignore ignores) with setup.sh and run_autograder at the root.
#   gradescope/build_zip.sh [OUT.zip] [SEED]
# SEED (optional) is written to grading_seed inside the zip: the hidden tests' inputs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="$(realpath -m "${1:-autograder.zip}")"
rm -f "$OUT"
git ls-files -co --exclude-standard | grep -v -e '^examples/' -e "^$(basename "$OUT")\$" \
    | zip -q "$OUT" -@
zip -q -j "$OUT" gradescope/setup.sh gradescope/run_autograder
if [ -n "${2:-}" ]; then
    tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
    printf '%s\n' "$2" > "$tmp/grading_seed"
    zip -q -j "$OUT" "$tmp/grading_seed"
fi
echo "wrote $OUT"
