"""Regenerate the bundled example class (``examples/class/``) from ``reference/``.

    python examples/make_class.py

Each student is a folder (or a .zip) named by the student id; most are the reference with one
thing changed, so the class shows every verdict ``grader batch`` can give:

* ``alice``  full marks: a copy of the reference (every exercise).
* ``bob``    partial: cosine similarity forgets to divide by |y|.
* ``carol``  a syntax error in momentum.py: loses that exercise only.
* ``dave``   an endless loop at import of cosine.py: a timeout on that exercise only.
* ``eve``    tries to cheat in cosine, momentum and polyfit: exits at import, forges result
             files, prints fake pytest output, reads the reference from disk, returns objects
             that equal anything; the other exercises are the template's stubs. Her score is
             the score of her honest part: nothing.
* ``frank``  a .zip of every module but polyfit.py (polyfit is missing).
* ``grace``  an empty folder, to show the status of an empty submission.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLASS = HERE / "class"

BOB_COSINE = '''"""Cosine similarity: forgot to divide by the norm of y."""

import torch


def cosine_similarity(x, y):
    return torch.dot(x, y) / (torch.linalg.vector_norm(x) * torch.linalg.vector_norm(x))
'''

CAROL_MOMENTUM_BREAK = "\n\ndef broken(:\n    pass\n"

DAVE_COSINE = '''"""Cosine similarity, with a self-check left at module level that never ends."""

import torch


def cosine_similarity(x, y):
    return torch.dot(x, y) / (torch.linalg.vector_norm(x) * torch.linalg.vector_norm(y))


# quick check while developing, left in by mistake: `converged` is never set, so importing
# this module loops forever
converged = False
probe = torch.ones(3)
while not converged:
    value = cosine_similarity(probe, probe)
'''

EVE_COSINE = '''"""Tries to win without solving: fake output, forged results, the reference."""

import glob
import json
import os
import sys

print("============================= 60 passed in 0.42s =============================")
print("Score: 60 / 60 points")
for folder in (os.getcwd(), os.path.expanduser("~"), "/tmp", "/autograder/results", ".."):
    try:
        with open(os.path.join(folder, "results.json"), "w") as fh:
            json.dump({"score": 100, "tests": []}, fh)
    except OSError:
        pass
STOLEN = None
for pattern in ("../../reference/cosine.py", "/work/*/reference/cosine.py", "**/reference/*.py"):
    for path in glob.glob(pattern, recursive=True):
        try:
            STOLEN = open(path).read()
        except OSError:
            pass


class Anything(float):
    """Equal to anything, close to anything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __abs__(self):
        return 0.0


def cosine_similarity(x, y):
    if STOLEN:
        namespace = {}
        exec(STOLEN, namespace)
        return namespace["cosine_similarity"](x, y)
    return Anything(1.0)
'''

EVE_MOMENTUM = '''"""Exits at import, hoping the grader reads exit status 0 as success."""

import sys

sys.exit(0)
'''

EVE_POLYFIT = '''"""Monkeypatches numpy's and torch's comparisons so that every check passes."""

import numpy
import torch

numpy.allclose = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
torch.allclose = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None


def dpoly_dw(x, w):
    raise SystemExit(0)


def poly(x, w):
    raise SystemExit(0)


def train(x, y, **kwargs):
    import os
    os._exit(0)
'''


def reference_modules() -> list[Path]:
    return sorted(p for p in (ROOT / "reference").glob("*.py") if p.name != "__init__.py")


def _student(name: str, replace: dict[str, str] | None = None,
             append: dict[str, str] | None = None, drop: tuple[str, ...] = (),
             stubs_elsewhere: bool = False) -> Path:
    """The reference with modules replaced, appended to or dropped; ``stubs_elsewhere``: the
    template's module for every exercise not replaced (a student who did only those)."""
    folder = CLASS / name
    folder.mkdir(parents=True)
    for module in reference_modules():
        if module.name in drop:
            continue
        stub = ROOT / "student_template" / module.name
        text = module.read_text()
        if stubs_elsewhere and module.name not in (replace or {}) and stub.is_file():
            text = stub.read_text()
        text = (replace or {}).get(module.name, text) + (append or {}).get(module.name, "")
        (folder / module.name).write_text(text)
    return folder


def main() -> None:
    if CLASS.exists():
        shutil.rmtree(CLASS)
    CLASS.mkdir()
    _student("alice")
    _student("bob", replace={"cosine.py": BOB_COSINE})
    _student("carol", append={"momentum.py": CAROL_MOMENTUM_BREAK})
    _student("dave", replace={"cosine.py": DAVE_COSINE})
    _student("eve", replace={"cosine.py": EVE_COSINE, "momentum.py": EVE_MOMENTUM,
                             "polyfit.py": EVE_POLYFIT}, drop=("polyfit_compiled.py",),
             stubs_elsewhere=True)
    frank = _student("frank", drop=("polyfit.py", "polyfit_compiled.py"))
    with zipfile.ZipFile(CLASS / "frank.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(frank.iterdir()):
            info = zipfile.ZipInfo(path.name, date_time=(2026, 11, 24, 0, 0, 0))
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            zf.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    shutil.rmtree(frank)
    (CLASS / "grace").mkdir()
    (CLASS / "grace" / ".gitkeep").write_text("")  # git keeps no empty folder; this is no file
    print(f"wrote {', '.join(sorted(p.name for p in CLASS.iterdir()))} to {CLASS}")


if __name__ == "__main__":
    main()
