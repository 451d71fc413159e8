"""``grader export-student``: the starter repo holds no reference, no hidden test, and works."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from grader.export import export_student, leaks, template_modules

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "starter"
    export_student(out, ROOT)
    return out


def _secret_contents() -> dict[bytes, Path]:
    secret = {}
    for folder in (ROOT / "reference", ROOT / "spec_tests" / "hidden", ROOT / "tests" / "mutants"):
        for path in folder.rglob("*.py") if folder.is_dir() else ():
            if path.read_bytes().strip():
                secret[path.read_bytes().strip()] = path
    return secret


def test_export_holds_no_reference_and_no_hidden_test(exported: Path) -> None:
    secret = _secret_contents()
    assert any("reference" in str(p) for p in secret.values()), "the check needs the reference"
    for path in exported.rglob("*"):
        rel = path.relative_to(exported)
        assert rel.parts[0] != "reference", rel
        assert "hidden" not in rel.parts and "mutants" not in rel.parts, rel
        if path.is_file():
            data = path.read_bytes()
            assert data.strip() not in secret, f"{rel} is a copy of {secret.get(data.strip())}"
            if path.suffix == ".py":
                text = data.decode()
                assert not re.search(r"^\s*(from|import)\s+reference\b", text, re.M), rel


def test_export_layout_and_settings(exported: Path) -> None:
    for module in template_modules(ROOT):
        assert (exported / module.name).read_bytes() == module.read_bytes()
    for name in ("conftest.py", "tox.ini", "constraints.txt", "README.md", "pyproject.toml",
                 "spec_tests/probes", "grader/plugin.py"):
        assert (exported / name).exists(), name
    public = sorted(p.name for p in (ROOT / "spec_tests").glob("test_*.py"))
    assert sorted(p.name for p in (exported / "spec_tests").glob("test_*.py")) == public
    ini = tomllib.loads((exported / "pyproject.toml").read_text())["tool"]["pytest"]
    assert ini["ini_options"]["gradspec_impl"] == "."
    readme = (exported / "README.md").read_text()
    assert "pip install -c constraints.txt -e ." in readme and "\n    pytest\n" in readme


def test_leak_check_catches_a_planted_reference(exported: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(exported, copy)
    assert leaks(copy, ROOT) == []
    reference = next(p for p in (ROOT / "reference").glob("*.py") if p.stat().st_size > 100)
    (copy / "spare.py").write_bytes(reference.read_bytes())
    (copy / "sneaky.py").write_text("from reference import cosine\n")
    problems = leaks(copy, ROOT)
    assert any("spare.py" in p for p in problems) and any("sneaky.py" in p for p in problems)


@pytest.mark.timeout(900)  # the whole public suite in one process: a guard against a hang
def test_exported_repo_runs_pytest_and_scores_zero(exported: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GRADSPEC_", "PYTEST_", "COV_"))}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
                          cwd=exported, env=env, capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert "gradspec score" in out, out[-3000:] + done.stderr[-2000:]
    score = re.search(r"^Score: (\S+) / (\S+) public points", out, re.M)
    assert score is not None, out[-2000:]
    assert float(score.group(1)) == 0 and float(score.group(2)) > 0
    assert "implementation under test = ." in out


def test_export_onto_a_file_is_refused_in_one_line(tmp_path: Path, capsys) -> None:
    from grader.cli import main

    target = tmp_path / "repo"
    target.write_text("mine\n")
    assert main(["export-student", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"grader export-student: OUT {target} is a file, not a folder"]
    assert target.read_text() == "mine\n"


def test_export_into_a_read_only_folder_is_refused_in_one_line(tmp_path: Path, capsys) -> None:
    from grader.cli import main

    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o555)
    if os.access(locked, os.W_OK):  # root writes anywhere
        pytest.skip("this user can write into a read-only folder")
    assert main(["export-student", str(locked / "repo")]) == 2
    assert "cannot write there" in capsys.readouterr().err
