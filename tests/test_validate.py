"""``grader validate`` on a small suite of its own: the verdicts must follow the rules, and a
wrong corpus (a surviving mutant, a CATCHES typo, a wrong alternative) must make it fail."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest
from minisuite import build_suite
from minisuite import mutant as mutant_source

from grader import validate
from grader.result import build


@pytest.fixture(scope="module")
def good_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_suite(tmp_path_factory.mktemp("good"))


@pytest.fixture(scope="module")
def bad_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_suite(tmp_path_factory.mktemp("bad"), good_corpus=False)


def by_id(verdicts: list[validate.Verdict]) -> dict[str, validate.Verdict]:
    return {v.job.id: v for v in verdicts}


def test_plan_finds_the_corpus_by_folder(bad_suite: Path) -> None:
    ids = [job.id for job in validate.plan(bad_suite)]
    assert ids == ["reference", "template", "mutant-adder-ignores_b", "mutant-adder-survivor",
                   "mutant-adder-typo", "mutant-adder-wrong_test", "alternative-adder-off",
                   "alternative-adder-via_sum"]
    assert validate.exercise_test_paths(bad_suite, "adder") == [
        bad_suite / "spec_tests/hidden/test_adder.py", bad_suite / "spec_tests/test_adder.py"]
    assert validate.read_catches(bad_suite / "tests/mutants/adder/ignores_b") == [
        "test_add", "test_add_random"]


def test_run_suite_returns_the_plugins_records(good_suite: Path) -> None:
    run = validate.run_suite(good_suite / "reference", good_suite)
    outcomes = {t.record.nodeid.split("::")[-1]: t.outcome for t in run.tests}
    assert outcomes == {"test_add[small]": "passed", "test_add[zeros]": "passed",
                        "test_add[negative]": "passed", "test_add_zero[cpu]": "passed",
                        "test_add_zero[cuda]": "skipped", "test_add_random": "passed"}
    assert sum(t.score for t in run.tests) == pytest.approx(6.0)
    hidden = [t for t in run.tests if t.record.hidden]
    assert [t.record.nodeid.split("::")[-1] for t in hidden] == ["test_add_random"]


def test_sound_suite_validates(good_suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    verdicts = by_id(validate.validate(good_suite, jobs=2))
    assert all(v.ok for v in verdicts.values()), {k: v.detail for k, v in verdicts.items()}
    assert verdicts["reference"].earned == pytest.approx(6.0)
    assert verdicts["template"].earned == 0.0 and verdicts["template"].possible > 0
    mutant = verdicts["mutant-adder-ignores_b"]
    assert 0 < mutant.earned < mutant.possible  # (0, 0) and a + 0 still pass

    args = argparse.Namespace(suite=good_suite, jobs=2, seed=None, full=False)
    assert validate.main(args) == 0
    out = capsys.readouterr().out
    assert "mutant-adder-ignores_b" in out and "4 of 4 as required" in out


def test_wrong_corpus_fails_with_reasons(bad_suite: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    verdicts = by_id(validate.validate(bad_suite, jobs=2))
    assert verdicts["reference"].ok and verdicts["template"].ok
    assert verdicts["mutant-adder-ignores_b"].ok
    assert verdicts["alternative-adder-via_sum"].ok
    assert not verdicts["mutant-adder-survivor"].ok
    assert "survived" in verdicts["mutant-adder-survivor"].detail
    assert not verdicts["mutant-adder-typo"].ok
    assert "'test_addd', which is not a test" in verdicts["mutant-adder-typo"].detail
    assert not verdicts["mutant-adder-wrong_test"].ok
    # only the CATCHES tests run for a mutant, so one that passes them also earned every point
    assert verdicts["mutant-adder-wrong_test"].detail == \
        "survived: it earned every point; test_add_zero did not catch it (no case failed)"
    assert not verdicts["alternative-adder-off"].ok
    assert "failed" in verdicts["alternative-adder-off"].detail

    assert validate.main(argparse.Namespace(suite=bad_suite, jobs=2, seed=None, full=False)) == 1
    assert "4 not" in capsys.readouterr().out


def test_a_mutant_must_score_zero_where_catches_says_so(good_suite: Path,
                                                        tmp_path: Path) -> None:
    mutant = tmp_path / "ignores_b"
    mutant.mkdir()
    (mutant / "adder.py").write_text(mutant_source("drops b", "return a"))
    (mutant / "CATCHES").write_text("# drops b\ntest_add = 0\ntest_add_random\n")
    assert validate.read_catch_lines(mutant) == [validate.Catch("test_add", every_case=True),
                                                 validate.Catch("test_add_random")]
    verdict = validate.run_job(validate.Job("mutant", mutant, "adder", "ignores_b"), good_suite)
    # with b dropped, add(0, 0) still passes: 1 of test_add's 3 points
    assert not verdict.ok
    assert verdict.detail == ("test_add = 0 in CATCHES, but it earned 1 (1 of 3 cases "
                              "passed)")
    (mutant / "CATCHES").write_text("test_add_random = 0\n")
    assert validate.run_job(validate.Job("mutant", mutant, "adder", "ignores_b"),
                            good_suite).ok


def test_reference_with_a_non_device_skip_is_refused(good_suite: Path) -> None:
    run = validate.run_suite(good_suite / "reference", good_suite)
    records = [replace(t.record, message="TODO write this test")
               if t.outcome == "skipped" else t.record for t in run.tests]
    verdict = validate.check_full_marks(validate.Job("reference", good_suite), build(records))
    assert not verdict.ok and "other than an absent device" in verdict.detail


def test_template_earning_a_point_is_refused(good_suite: Path) -> None:
    run = validate.run_suite(good_suite / "reference", good_suite)
    verdict = validate.check_template(validate.Job("template", good_suite), run)
    assert not verdict.ok and "passed with stubs" in verdict.detail


def test_suite_that_cannot_collect_is_an_error(good_suite: Path, tmp_path: Path) -> None:
    broken = build_suite(tmp_path / "broken")
    (broken / "spec_tests/test_adder.py").write_text("import no_such_module_here\n")
    with pytest.raises(validate.SuiteError, match="no_such_module_here"):
        validate.run_suite(broken / "reference", broken)
    verdict = validate.run_job(validate.Job("reference", broken / "reference"), broken)
    assert not verdict.ok and "pytest exited with" in verdict.detail


def test_empty_suite_is_refused(tmp_path: Path) -> None:
    (tmp_path / "spec_tests").mkdir()
    assert validate.main(argparse.Namespace(suite=tmp_path, jobs=1, seed=None, full=False)) == 2
