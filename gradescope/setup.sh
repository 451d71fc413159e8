#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs gradspec (the grader and the spec suite's dependencies) into /autograder/venv.
set -euo pipefail

SRC=/autograder/source
[ -f "$SRC/pyproject.toml" ] || SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV=/autograder/venv

# gradspec needs Python 3.11 or newer; older base images get it from the distribution.
PY=""
for candidate in python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1; then PY="$candidate"; break; fi
done
if [ -z "$PY" ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3.11 python3.11-venv
    PY=python3.11
fi
"$PY" -m venv --clear "$VENV" || {
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PY}-venv"
    "$PY" -m venv --clear "$VENV"
}

"$VENV/bin/pip" install --quiet --upgrade pip
# The CPU build of torch (Gradescope has no GPU); the pins keep the image small and reproducible.
"$VENV/bin/pip" install --quiet --index-url https://download.pytorch.org/whl/cpu \
    -c "$SRC/constraints.txt" torch
"$VENV/bin/pip" install --quiet -c "$SRC/constraints.txt" "$SRC"
"$VENV/bin/grader" --help >/dev/null  # fail the build now, not on the first submission
bash "$SRC/gradescope/warm_up.sh" "$(dirname "$SRC")"
echo "gradspec installed in $VENV"
