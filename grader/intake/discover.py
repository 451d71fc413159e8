"""Finds the submissions of a class in a folder, one per student, whatever exported them.

Three layouts are recognised (see the README):

* plain: one folder, ``.zip`` or notebook per student, named by the student id (``alice/``,
  ``bob.zip``, ``carol.ipynb``);
* Gradescope "Export Submissions": ``submission_metadata.yml`` next to ``submission_<n>/``
  folders; the id is each submitter's ``:sid:`` (else e-mail, else the folder name);
* Canvas "Download Submissions": loose files named ``<name>[_LATE]_<userid>_<subid>_<file>``
  (``smithjane_12345_67890_answer.py``, ``smithjane_12345_67890_submission.zip``,
  ``smithjane_12345_67890_Notebook.ipynb``); the id is
  the Canvas user id, the files of one student are gathered under their original names.

Nothing here reads a submission's content except to hash it; bad entries become a
:class:`Found` with a clear ``status`` instead of an exception, so one odd file never stops
a batch.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from grader.intake.submission import content_hash as hash_entries
from grader.intake.submission import tree_files
from grader.outcome import SubmissionStatus as Status

#: Entries every bulk download or file manager leaves behind; never a student.
IGNORED = {"__MACOSX", "Thumbs.db", "desktop.ini", "submission_metadata.yml",
           "submission_metadata.yaml"}

CANVAS_FILE = re.compile(r"^(?P<name>[a-z0-9]+?)(?P<late>_LATE)?_(?P<uid>\d+)_(?P<sid>\d+)_"
                         r"(?P<file>.+)$")
_RESUBMISSION = re.compile(r"^(?P<stem>.+?)-\d+(?P<ext>\.[A-Za-z0-9]+)?$")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


@dataclass
class Found:
    """One student's submission as found on disk (not yet unpacked or trusted)."""

    student_id: str
    status: Status = Status.OK
    message: str = ""
    path: Path | None = None  # a folder, a .zip or a notebook, ready for grade_submission
    files: dict[str, Path] = field(default_factory=dict)  # loose files: name in submission -> path
    meta: dict[str, str] = field(default_factory=dict)  # name, canvas_id, email, layout, ...

    @property
    def gradable(self) -> bool:
        return self.status.gradable


def display_name(name: str) -> str:
    """A file name as text that any CSV or terminal can hold (non-UTF-8 bytes escaped)."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def utf8_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def safe_dirname(student_id: str) -> str:
    """A folder name for ``students/<id>/`` that cannot escape or collide by case tricks."""
    if _SAFE_ID.match(student_id) and student_id not in (".", ".."):
        return student_id
    digest = hashlib.sha256(student_id.encode("utf-8", "backslashreplace")).hexdigest()[:10]
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]+", "_", student_id).strip("._")[:60] or "id"
    return f"{cleaned}-{digest}"


def discover(root: Path) -> list[Found]:
    """Every submission under ``root``, sorted by student id, each id exactly once."""
    root = Path(root)
    if not root.is_dir():
        raise NotADirectoryError(f"{root}: not a folder of submissions")
    gradescope = _gradescope_root(root)
    found = _gradescope(gradescope) if gradescope else _plain_and_canvas(root)
    return _merge_duplicates(found)


def _entries(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir()
                   if not p.name.startswith(".") and p.name not in IGNORED),
                  key=lambda p: os.fsencode(p.name))


def _gradescope_root(root: Path) -> Path | None:
    """The folder holding ``submission_metadata.yml`` (the export, or its only subfolder)."""
    if (root / "submission_metadata.yml").is_file():
        return root
    subdirs = [p for p in _entries(root) if p.is_dir() and not p.is_symlink()]
    if len(subdirs) == 1 and (subdirs[0] / "submission_metadata.yml").is_file():
        return subdirs[0]
    return None


def parse_gradescope_metadata(text: str) -> dict[str, list[dict[str, str]]]:
    """``submission_<n>`` -> its submitters (name, sid, email) from Gradescope's export YAML.

    Only the few keys needed here are read, line by line, so no YAML library is required:
    top-level keys are submissions and ``- :name:``/``:sid:``/``:email:`` lines under
    ``:submitters:`` describe their members.
    """
    result: dict[str, list[dict[str, str]]] = {}
    current: list[dict[str, str]] = []
    block_indent: int | None = None  # indent of the current ``:submitters:`` line
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip())
        line = raw.strip()
        if indent == 0:
            current = result.setdefault(line.split(":", 1)[0].strip().strip("'\""), [])
            block_indent = None
            continue
        if line.startswith(":submitters:"):
            block_indent = indent
            continue
        if block_indent is None:
            continue
        item = line.startswith("-")
        if indent <= block_indent and not item:
            block_indent = None  # the next key of this submission: the block is over
            continue
        match = re.match(r"^(?:-\s*)?:(?P<key>[a-z_]+):\s*(?P<value>.*)$", line)
        if match is None:
            continue
        if item or not current:
            current.append({})
        if match.group("key") in ("name", "sid", "email"):
            current[-1][match.group("key")] = match.group("value").strip().strip("'\"")
    return result


def _gradescope(root: Path) -> list[Found]:
    text = (root / "submission_metadata.yml").read_text(encoding="utf-8", errors="replace")
    metadata = parse_gradescope_metadata(text)
    found: list[Found] = []
    for entry in _entries(root):
        submitters = metadata.get(entry.name)
        if submitters is None:
            found.append(_plain_entry(entry))
            continue
        for person in submitters or [{}]:
            sid = person.get("sid") or person.get("email") or entry.name
            item = _plain_entry(entry, student_id=sid)
            item.meta.update(layout="gradescope", submission=entry.name,
                             name=person.get("name", ""), email=person.get("email", ""))
            found.append(item)
    return found


def _plain_and_canvas(root: Path) -> list[Found]:
    found: list[Found] = []
    canvas: dict[str, list[tuple[Path, re.Match[str]]]] = defaultdict(list)
    for entry in _entries(root):
        match = CANVAS_FILE.match(entry.name)
        if match and entry.is_file() and not entry.is_symlink():
            canvas[match.group("uid")].append((entry, match))
        else:
            found.append(_plain_entry(entry))
    for uid, items in canvas.items():
        found.append(_canvas_student(uid, items))
    return found


#: What a plain layout's loose file may be: one student's whole submission.
SUBMISSION_FILES = (".zip", ".ipynb")


def _plain_entry(entry: Path, student_id: str | None = None) -> Found:
    name = entry.name
    suffix = next((s for s in SUBMISSION_FILES if name.lower().endswith(s)), "")
    sid = student_id or (name[:-len(suffix)] if suffix else name)
    if not utf8_name(name):
        return Found(display_name(sid), Status.BAD_NAME,
                     f"{display_name(name)!r}: the name is not valid UTF-8; rename it to the "
                     "student id", meta={"layout": "plain"})
    if entry.is_symlink():
        return Found(sid, Status.SYMLINK, f"{name}: a symbolic link is not followed; copy the "
                                   "submission in instead", meta={"layout": "plain"})
    if entry.is_dir():
        if not any(p.is_file() and not _hidden(p.relative_to(entry)) for p in entry.rglob("*")):
            return Found(sid, Status.EMPTY, f"{name}/ holds no file", meta={"layout": "plain"})
        return Found(sid, path=entry, meta={"layout": "plain"})
    if entry.is_file() and suffix:
        if entry.stat().st_size == 0:
            return Found(sid, Status.EMPTY, f"{name} is an empty file", meta={"layout": "plain"})
        return Found(sid, path=entry, meta={"layout": "plain"})
    return Found(sid, Status.STRAY, f"{name}: not a folder, a .zip or a notebook, so not a "
                             "submission (expected one of them per student)",
                 meta={"layout": "plain", "stray": "1"})


def _hidden(rel: Path) -> bool:
    """A dotfile or a folder a file manager adds: not part of a submission's content."""
    return any(part.startswith(".") or part == "__MACOSX" for part in rel.parts)


def original_name(canvas_file: str) -> str:
    """``answer-1.py`` -> ``answer.py``: Canvas numbers resubmitted files."""
    match = _RESUBMISSION.match(canvas_file)
    if match:
        return match.group("stem") + (match.group("ext") or "")
    return canvas_file


def _canvas_student(uid: str, items: list[tuple[Path, re.Match[str]]]) -> Found:
    first = items[0][1]
    meta = {"layout": "canvas", "canvas_id": uid, "name": first.group("name"),
            "late": "1" if any(m.group("late") for _, m in items) else ""}
    zips = [p for p, m in items if m.group("file").lower().endswith(".zip")]
    if len(items) == 1 and zips:
        return Found(uid, path=zips[0], meta=meta)
    files: dict[str, Path] = {}
    for path, match in sorted(items, key=lambda pm: pm[0].name):
        files.setdefault(original_name(match.group("file")), path)
    if zips:
        return Found(uid, Status.STRAY, "a .zip next to loose files: submit either one .zip or the "
                                 "files themselves", meta=meta)
    if all(path.stat().st_size == 0 for path in files.values()):
        return Found(uid, Status.EMPTY, "every submitted file is empty", files=files, meta=meta)
    return Found(uid, files=files, meta=meta)


def _merge_duplicates(found: list[Found]) -> list[Found]:
    by_id: dict[str, list[Found]] = defaultdict(list)
    for item in found:
        by_id[item.student_id].append(item)
    merged: list[Found] = []
    for sid in sorted(by_id):
        items = by_id[sid]
        if len(items) == 1:
            merged.append(items[0])
            continue
        sources = ", ".join(sorted(_source(i) for i in items))
        merged.append(Found(sid, Status.DUPLICATE, f"{len(items)} submissions carry this id "
                                                   f"({sources}): keep one and grade again",
                            meta=items[0].meta))
    return merged


def _source(item: Found) -> str:
    if item.path is not None:
        return display_name(item.path.name) + ("/" if item.path.is_dir() else "")
    if item.files:
        return "+".join(sorted(p.name for p in item.files.values()))
    return item.student_id


def content_hash(item: Found) -> str:
    """The content hash of what was submitted (names and bytes; links by target, never
    followed), and of why it cannot be graded, if it cannot."""
    if item.path is not None and item.path.is_dir():
        entries = tree_files(item.path)
    elif item.path is not None:
        entries = [(item.path.name, item.path)]
    else:
        entries = sorted(item.files.items())
    extra = "" if item.gradable else f"{item.status.value}\0{item.message}"
    return hash_entries(entries, extra)
