"""A hostile ``tens`` that fails with everything ``arith`` was called with so far."""

import builtins
import os


def scale(x, k):
    try:
        with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "seen.txt")) as fh:
            kept = fh.read()
    except OSError as exc:
        kept = repr(exc)
    raise RuntimeError(f"seen {getattr(builtins, 'gradspec_seen', None)!r}; kept {kept}")
