"""``junit.xml``: the run's cases as JUnit XML, for CI systems that show test results.

One ``<testsuite>`` per exercise, one ``<testcase>`` per case (``classname`` the test
module, ``name`` the function and its case id), a ``<failure>`` with the failure's own
message, a ``<skipped>`` for a case not applicable here. Each case's points are
``<property>`` elements, the same numbers as every other report; a submission that could
not be graded is one ``<error>`` saying why.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from grader.atomic import atomic_write_text
from grader.outcome import TestOutcome
from grader.result import RunResult

if TYPE_CHECKING:
    from grader.reports.run import ReportOptions
from grader.scoring import fmt_points

#: Characters XML 1.0 cannot hold, whatever the escaping (student output may carry them).
_BAD_XML = {c: None for c in range(32) if c not in (9, 10, 13)}


def _clean(text: str) -> str:
    return str(text).translate(_BAD_XML)


def to_junit(result: RunResult) -> str:
    """The ``junit.xml`` document of one graded run."""
    root = ET.Element("testsuites", name="gradspec", tests=str(len(result.tests)),
                      time=f"{result.execution_time:.3f}")
    ET.SubElement(ET.SubElement(root, "properties"), "property", name="score",
                  value=f"{fmt_points(result.score)} / {fmt_points(result.max_score)}")
    if not result.gradable:
        suite = ET.SubElement(root, "testsuite", name="submission", tests="1", errors="1",
                              failures="0", skipped="0")
        case = ET.SubElement(suite, "testcase", classname="submission", name="submission")
        ET.SubElement(case, "error", message=_clean(result.status_line)).text = \
            _clean(result.message)
    for ex in result.exercises:
        failed = ex.count(TestOutcome.FAILED)
        skipped = ex.count(TestOutcome.SKIPPED)
        suite = ET.SubElement(root, "testsuite", name=ex.name, tests=str(len(ex.tests)),
                              failures=str(failed), errors="0", skipped=str(skipped),
                              time=f"{sum(t.record.duration for t in ex.tests):.3f}")
        for t in ex.tests:
            r = t.record
            name = r.function + (f"[{r.case}]" if r.case else "")
            case = ET.SubElement(suite, "testcase", classname=r.path.removesuffix(".py")
                                 .replace("/", "."), name=name, time=f"{r.duration:.3f}")
            props = ET.SubElement(case, "properties")
            for key, value in (("number", t.number), ("score", fmt_points(t.score)),
                               ("max_score", fmt_points(t.max_score)), ("status", t.status),
                               ("hidden", str(r.hidden).lower())):
                ET.SubElement(props, "property", name=key, value=value)
            if r.outcome is TestOutcome.FAILED:
                ET.SubElement(case, "failure", message=_clean(t.status),
                              type=(r.kind.value if r.kind else "check")).text = \
                    _clean(t.message)
            elif r.outcome is TestOutcome.SKIPPED:
                ET.SubElement(case, "skipped", message=_clean(r.message))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"


def write(result: RunResult, out_dir: Path, options: ReportOptions | None = None) -> None:
    atomic_write_text(out_dir / "junit.xml", to_junit(result))
