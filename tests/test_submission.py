"""Preparing submissions: folders and zips become safe folders of plain files, or a status;
and what ``grader run`` makes of a good and a bad one (exit status, reports)."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from grader.intake.submission import MAX_TOTAL_BYTES, prepare_submission

TOY = Path(__file__).resolve().parent / "fixtures" / "toy_suite"


def _zip(path: Path, members: dict[str, bytes], *, symlinks: dict[str, str] | None = None,
         raw_names: dict[bytes, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    if raw_names:  # rename members at the byte level (names zipfile would not write)
        data = path.read_bytes()
        for old, new in raw_names.items():
            assert len(old) == len(new)
            data = data.replace(old, new)
        path.write_bytes(data)
    return path


def test_folder_is_copied_and_hashed(tmp_path):
    src = tmp_path / "alice"
    src.mkdir()
    (src / "cosine.py").write_text("x = 1\n")
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "cosine.cpython-311.pyc").write_bytes(b"junk")
    prepared = prepare_submission(src, tmp_path / "out")
    assert prepared.status == "ok" and prepared.files == ["cosine.py"]
    assert len(prepared.hash) == 64


def test_zip_and_folder_of_the_same_files_hash_alike(tmp_path):
    src = tmp_path / "f"
    src.mkdir()
    (src / "a.py").write_text("A\n")
    (src / "b.py").write_text("B\n")
    archive = _zip(tmp_path / "s.zip", {"a.py": b"A\n", "b.py": b"B\n"})
    assert prepare_submission(src, tmp_path / "o1").hash == \
        prepare_submission(archive, tmp_path / "o2").hash


def test_nested_single_folder_is_unwrapped_and_macosx_dropped(tmp_path):
    archive = _zip(tmp_path / "s.zip", {"hw2/inner/cosine.py": b"x = 1\n",
                                        "__MACOSX/hw2/._cosine.py": b"meta",
                                        "hw2/inner/.DS_Store": b"meta"})
    prepared = prepare_submission(archive, tmp_path / "out")
    assert prepared.status == "ok" and prepared.files == ["cosine.py"]
    assert (prepared.path / "cosine.py").read_text() == "x = 1\n"


def test_corrupt_zip_is_invalid(tmp_path):
    bad = tmp_path / "s.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    prepared = prepare_submission(bad, tmp_path / "out")
    assert prepared.status == "invalid zip" and "zip" in prepared.message
    assert prepared.hash  # still identifiable


def test_path_traversal_is_refused(tmp_path):
    archive = _zip(tmp_path / "s.zip", {"ok.py": b"", "xx/../../evil.py": b"pwned"})
    prepared = prepare_submission(archive, tmp_path / "out" / "sub")
    assert prepared.status == "unsafe zip" and ".." in prepared.message
    assert not (tmp_path / "out" / "evil.py").exists() and not (tmp_path / "evil.py").exists()


def test_absolute_path_is_refused(tmp_path):
    archive = _zip(tmp_path / "s.zip", {"ok.py": b"", "XXtmp/evil.py": b"pwned"},
                   raw_names={b"XXtmp/evil.py": b"/tmp/xevil.py"})
    prepared = prepare_submission(archive, tmp_path / "out")
    assert prepared.status == "unsafe zip" and "absolute" in prepared.message


def test_symlink_member_is_refused(tmp_path):
    archive = _zip(tmp_path / "s.zip", {"ok.py": b""},
                   symlinks={"cosine.py": "/work/main/reference/cosine.py"})
    prepared = prepare_submission(archive, tmp_path / "out")
    assert prepared.status == "unsafe zip" and "symbolic link" in prepared.message
    assert not (tmp_path / "out" / "cosine.py").exists()


def test_symlink_in_folder_is_never_followed(tmp_path):
    secret = tmp_path / "reference.py"
    secret.write_text("ANSWERS = 42\n")
    src = tmp_path / "bob"
    src.mkdir()
    (src / "mine.py").write_text("x = 1\n")
    os.symlink(secret, src / "cosine.py")
    prepared = prepare_submission(src, tmp_path / "out")
    assert prepared.files == ["mine.py"] and "cosine.py" in prepared.message
    assert not (prepared.path / "cosine.py").exists()


def test_zip_bomb_is_refused_before_extraction(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("cosine.py", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range((MAX_TOTAL_BYTES >> 20) + 8):
                member.write(block)
    assert archive.stat().st_size < 1 << 20
    prepared = prepare_submission(archive, tmp_path / "out")
    assert prepared.status == "too large"
    assert not any((tmp_path / "out").iterdir())


def test_high_ratio_member_is_refused(tmp_path):
    archive = _zip(tmp_path / "s.zip", {"big.py": b"\0" * (5 << 20)})
    assert prepare_submission(archive, tmp_path / "out").status == "too large"


def test_non_utf8_names_are_handled(tmp_path):
    """A Latin-1 name without the UTF-8 flag (old Windows tools) is kept, readably."""
    archive = _zip(tmp_path / "s.zip", {"cosine.py": b"x = 1\n", "cafX.txt": b"notes"},
                   raw_names={b"cafX.txt": b"caf\xe9.txt"})
    prepared = prepare_submission(archive, tmp_path / "out")
    assert prepared.status == "ok"
    assert "cosine.py" in prepared.files and len(prepared.files) == 2
    assert all(name.isprintable() for name in prepared.files)


def test_utf8_name_without_flag_is_read_as_utf8(tmp_path):
    archive = _zip(tmp_path / "s.zip", {"cosine.py": b"", "XXXXXXXX.md": b"notes"},
                   raw_names={b"XXXXXXXX.md": "r\u00e9sum\u00e9.md".encode()})
    prepared = prepare_submission(archive, tmp_path / "out")
    assert prepared.status == "ok"
    assert "r\u00e9sum\u00e9.md" in prepared.files


def test_empty_folder_and_missing_path(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert prepare_submission(empty, tmp_path / "o1").status == "empty submission"
    assert prepare_submission(tmp_path / "nope", tmp_path / "o2").status == "missing"


def test_invalid_zip_is_reported_and_exits_2(tmp_path):
    from grader.run.runner import grade_submission

    bad = tmp_path / "s.zip"
    bad.write_bytes(b"not a zip at all")
    outcome = grade_submission(bad, tmp_path / "out", suite_root=TOY, seed=1)
    assert outcome.status == "invalid zip" and outcome.exit_status == 2
    assert outcome.score == 0 and outcome.max_score == 0  # the suite did not even run
    assert "not graded" in (tmp_path / "out" / "pytest.log").read_text()
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["score"] == 0 and results["tests"] == []
    assert "not a readable zip file" in results["output"]
    assert outcome.submission.status == "invalid zip"


def test_cli_run_of_the_reference_zip_gives_full_marks_and_exit_0(tmp_path, capsys):
    from grader.cli import main

    archive = tmp_path / "ref.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in (TOY / "reference").glob("*.py"):
            zf.write(path, f"my-homework/{path.name}")
    code = main(["run", str(archive), "--out", str(tmp_path / "out"), "--suite", str(TOY),
                 "--seed", "3"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "status ok, 13 / 13 points" in printed and "sandbox:" in printed
    for name in ("results.json", "junit.xml", "feedback.md", "grade.json"):
        assert (tmp_path / "out" / name).is_file()


def test_the_one_folder_holding_code_is_graded_past_a_readme_beside_it(tmp_path):
    """``README.md`` and a report next to ``hw1/``: the code in hw1/ is the submission, and
    the notes say what was left; a top with code of its own is graded as it is."""
    archive = _zip(tmp_path / "s.zip", {"README.md": b"my work", "report.pdf": b"%PDF",
                                        "hw1/cosine.py": b"x = 1\n", "hw1/data/a.csv": b"1"})
    prepared = prepare_submission(archive, tmp_path / "out")
    assert prepared.status == "ok" and prepared.files == ["cosine.py", "data/a.csv"]
    assert prepared.notes == ["graded the files in hw1/, the one folder holding code; not "
                              "graded: README.md, report.pdf"]
    kept = _zip(tmp_path / "k.zip", {"main.py": b"", "hw1/cosine.py": b"x = 1\n"})
    assert prepare_submission(kept, tmp_path / "out2").files == ["hw1/cosine.py", "main.py"]


def test_a_zip_over_the_size_budget_names_that_limit_only(tmp_path):
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for n in range(4):  # 4 x 15 MiB: each member allowed, together over the budget
            zf.writestr(f"data{n}.py", b"#" * (15 << 20))
    outcome = prepare_submission(archive, tmp_path / "out")
    assert outcome.status == "too large"
    assert outcome.message == f"more than {MAX_TOTAL_BYTES >> 20} MiB of files"


@pytest.mark.parametrize("bad", ["out_is_a_file", "zygote_env_not_a_bool"])
def test_cli_run_bad_input_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, bad):
    """Bad input to ``grader run`` gets one clear line and exit 2, before any grading; a file
    in the way of --out is left as it was."""
    from grader.cli import main

    out = tmp_path / "out"
    if bad == "out_is_a_file":
        out.write_text("my notes\n")
    else:
        monkeypatch.setenv("GRADSPEC_ZYGOTE", "maybe")
    code = main(["run", str(TOY / "reference"), "--out", str(out), "--suite", str(TOY),
                 "--seed", "3"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("grader run: ") and "Traceback" not in "\n".join(err)
    assert ("is a file, not a folder" if bad == "out_is_a_file" else "GRADSPEC_ZYGOTE") in err[-1]
    if bad == "out_is_a_file":
        assert out.read_text() == "my notes\n"
