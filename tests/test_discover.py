"""Finding a class's submissions: the three layouts, and every kind of bad entry."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from grader.intake import discover as d
from grader.outcome import SubmissionStatus as Status


def _zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def _by_id(found: list[d.Found]) -> dict[str, d.Found]:
    ids = [f.student_id for f in found]
    assert ids == sorted(ids) and len(ids) == len(set(ids)), "each id once, sorted"
    return {f.student_id: f for f in found}


def test_plain_layout_and_bad_entries(tmp_path: Path) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "mod.py").write_text("x = 1\n")
    _zip(tmp_path / "bob.zip", {"mod.py": "x = 2\n"})
    (tmp_path / "carol").mkdir()  # empty folder
    (tmp_path / "dave").mkdir()
    (tmp_path / "dave" / "mod.py").write_text("x = 3\n")
    _zip(tmp_path / "dave.zip", {"mod.py": "x = 4\n"})  # duplicate id
    (tmp_path / "notes.txt").write_text("not a submission")  # stray file
    (tmp_path / "erin").symlink_to(tmp_path / "alice")  # symlink
    (tmp_path / "empty.zip").write_bytes(b"")
    (tmp_path / ".DS_Store").write_bytes(b"\0")  # ignored
    (tmp_path / "__MACOSX").mkdir()  # ignored
    os.mkdir(os.path.join(os.fsencode(tmp_path), b"caf\xe9"))  # not UTF-8
    (Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"caf\xe9"))) / "m.py").write_text("")

    found = _by_id(d.discover(tmp_path))

    assert set(found) == {"alice", "bob", "carol", "dave", "notes.txt", "erin", "empty",
                          "caf\\xe9"}
    assert found["alice"].gradable and found["alice"].path == tmp_path / "alice"
    assert found["bob"].gradable and found["bob"].path == tmp_path / "bob.zip"
    assert found["carol"].status == Status.EMPTY
    assert found["empty"].status == Status.EMPTY
    assert found["dave"].status == Status.DUPLICATE
    assert "dave/" in found["dave"].message and "dave.zip" in found["dave"].message
    assert found["notes.txt"].status == Status.STRAY and found["notes.txt"].meta["stray"]
    assert found["erin"].status == Status.SYMLINK
    assert found["caf\\xe9"].status == Status.BAD_NAME
    for item in found.values():
        item.student_id.encode("utf-8")  # every id can go into a CSV


def test_canvas_layout_gathers_each_students_files(tmp_path: Path) -> None:
    (tmp_path / "smithjane_12345_67890_cosine.py").write_text("a = 1\n")
    (tmp_path / "smithjane_12345_67890_momentum-1.py").write_text("b = 1\n")
    _zip(tmp_path / "doejohn_LATE_555_777_submission.zip", {"cosine.py": "c = 1\n"})

    found = _by_id(d.discover(tmp_path))

    assert set(found) == {"12345", "555"}
    jane = found["12345"]
    assert jane.gradable and jane.path is None
    assert sorted(jane.files) == ["cosine.py", "momentum.py"]
    assert jane.meta["canvas_id"] == "12345" and jane.meta["name"] == "smithjane"
    john = found["555"]
    assert john.path == tmp_path / "doejohn_LATE_555_777_submission.zip"
    assert john.meta["late"] == "1"


GRADESCOPE_YML = """\
submission_101:
  :submitters:
  - :name: Solo Student
    :sid: '100'
    :email: solo@example.edu
  :created_at: 2026-11-20 10:00:00.000000000 -08:00
  :score: 3.0
  :results:
    :tests:
    - :name: not a submitter
submission_102:
  :submitters:
  - :name: Pair One
    :sid: '200'
    :email: one@example.edu
  - :name: Pair Two
    :email: two@example.edu
"""


def test_gradescope_layout_reads_submitters(tmp_path: Path) -> None:
    export = tmp_path / "assignment_1_export"
    export.mkdir()
    (export / "submission_metadata.yml").write_text(GRADESCOPE_YML)
    for sub in ("submission_101", "submission_102"):
        (export / sub).mkdir()
        (export / sub / "mod.py").write_text(f"# {sub}\n")

    meta = d.parse_gradescope_metadata(GRADESCOPE_YML)
    assert meta["submission_101"] == [{"name": "Solo Student", "sid": "100",
                                       "email": "solo@example.edu"}]
    assert len(meta["submission_102"]) == 2

    found = _by_id(d.discover(tmp_path))  # the export's only subfolder is found too
    assert set(found) == {"100", "200", "two@example.edu"}
    assert found["200"].path == found["two@example.edu"].path == export / "submission_102"
    assert found["100"].meta["layout"] == "gradescope"


def test_content_hash_follows_content_not_links(tmp_path: Path) -> None:
    sub = tmp_path / "s"
    sub.mkdir()
    (sub / "m.py").write_text("x = 1\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("one")
    (sub / "link").symlink_to(secret)
    item = d.Found("s", path=sub)
    first = d.content_hash(item)
    secret.write_text("two")  # the link's target changed, the submission did not
    assert d.content_hash(item) == first
    (sub / "m.py").write_text("x = 2\n")
    assert d.content_hash(item) != first


@pytest.mark.parametrize("student_id", ["..", ".", "a/b", "x" * 300, "", "<b>"])
def test_safe_dirname_never_escapes(student_id: str) -> None:
    name = d.safe_dirname(student_id)
    assert "/" not in name and name not in ("", ".", "..") and len(name) < 90
    assert not name.startswith(".")


def test_original_name_undoes_canvas_resubmission_numbers() -> None:
    assert d.original_name("cosine-1.py") == "cosine.py"
    assert d.original_name("cosine.py") == "cosine.py"
    assert d.original_name("README-12") == "README"
