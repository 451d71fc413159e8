#!/usr/bin/env bash
# Grade the bundled reference once, at image build (setup.sh calls this): the build fails
# unless it gets full marks, and what does not depend on a submission is built now, not on
# the first student's clock: the suite's test modules, rewritten for pytest's assertions,
# land in the suite's __pycache__ folders.
#   gradescope/warm_up.sh [AUTOGRADER_ROOT]   (default /autograder)
set -euo pipefail
ROOT="${1:-${AUTOGRADER_ROOT:-/autograder}}"
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
cd "$ROOT/source"
if ! "$ROOT/venv/bin/grader" run "$ROOT/source/reference" --suite "$ROOT/source" \
        --out "$out" >"$out/log" 2>&1; then
    cat "$out/log" >&2
    echo "warm-up: the reference does not get full marks on this image" >&2
    exit 1
fi
echo "warm-up: the reference graded at full marks; the suite's bytecode is built"
