"""The bounded notebook reader: outputs skipped while streaming, bad files named clearly."""

from __future__ import annotations

import base64
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grader.intake import ipynb
from grader.intake.ipynb import NotebookError, NotebookProblem, read_cells


def _notebook(outputs_text: str = "", image: bytes = b"") -> nbformat.NotebookNode:
    outputs = []
    if outputs_text:
        outputs.append(new_output("stream", name="stdout", text=outputs_text))
    if image:
        outputs.append(new_output("display_data",
                                  data={"image/png": base64.b64encode(image).decode()}))
    nb = new_notebook(cells=[
        new_markdown_cell("# Title with \"quotes\", [brackets] and {braces}"),
        new_code_cell('import torch\ns = "a \\" quote, a ] bracket, a } brace"', outputs=outputs),
        new_code_cell("def f(x):\n    return x  # é, μ, 中文", outputs=outputs),
    ])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {
        "m1": {"model_name": "IntSliderModel", "state": {"value": 3}}}}}
    return nb


def _write(nb: nbformat.NotebookNode, path: Path, indent: int | None = 1) -> Path:
    path.write_text(json.dumps(nb, indent=indent, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
@pytest.mark.parametrize("indent", [None, 1])
def test_cells_are_read_whatever_the_chunk_boundaries(tmp_path, monkeypatch, chunk, indent):
    """Escapes, strings and brackets split across reads: the same cells as nbformat's."""
    monkeypatch.setattr(ipynb, "_CHUNK", chunk)
    text = "\n".join(f'line {i} \\ with "quotes" and [{i}]' for i in range(30))
    nb = _notebook(outputs_text=text, image=random.Random(1).randbytes(300))
    path = _write(nb, tmp_path / "nb.ipynb", indent)
    expected = [(c.cell_type, c.source) for c in nbformat.read(str(path), 4).cells]
    assert [(c.kind, c.source) for c in read_cells(path)] == expected
    assert [c.number for c in read_cells(path)] == [1, 2, 3]


def test_outputs_and_widget_state_are_dropped(tmp_path, monkeypatch):
    kept: list[bytes] = []
    real_run = ipynb._Pruner.run
    monkeypatch.setattr(ipynb._Pruner, "run", lambda self: kept.append(real_run(self)) or
                        kept[-1])
    read_cells(_write(_notebook(outputs_text="SECRET-OUTPUT"), tmp_path / "nb.ipynb"))
    data = json.loads(kept[0])
    assert all(c.get("outputs", []) == [] for c in data["cells"])
    assert data["metadata"]["widgets"] == {}
    assert b"SECRET-OUTPUT" not in kept[0] and b"IntSliderModel" not in kept[0]


def test_a_100_mb_notebook_is_read_without_loading_its_outputs(tmp_path):
    """100 MB of outputs (a plot, a long log): the cells come back, and the reading process
    never holds the file (its peak memory stays far below the file's size)."""
    nb = _notebook()
    nb.cells[1].outputs = [new_output("display_data", data={
        "image/png": base64.b64encode(os.urandom(36 << 20)).decode()})]
    nb.cells[2].outputs = [new_output("stream", name="stdout",
                                      text=[f"step {i} loss 0.{i:08d}\n"
                                            for i in range(1_800_000)])]
    path = tmp_path / "big.ipynb"
    nbformat.write(nb, str(path))
    del nb
    assert path.stat().st_size > 100e6
    script = ("import json, resource, sys\nfrom grader.intake.ipynb import read_cells\n"
              "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "cells = read_cells(sys.argv[1])\n"
              "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "print(json.dumps([[c.source for c in cells], base, peak]))")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    sources, base_kib, peak_kib = json.loads(done.stdout)
    assert sources[1].startswith("import torch") and sources[2].startswith("def f(x)")
    assert (peak_kib - base_kib) * 1024 < 30e6, (base_kib, peak_kib)


@pytest.mark.parametrize("text, problem, words", [
    ('{"cells": [{"cell_type": "code", "source": "x"}\n,\n]}', NotebookProblem.INVALID_JSON,
     "line 3"),
    ('{"cells": [', NotebookProblem.INVALID_JSON, "ends inside a JSON value at byte 11 (it was "
     "cut short"),
    ("", NotebookProblem.INVALID_JSON, "empty"),
    ("not json at all", NotebookProblem.INVALID_JSON, "not JSON at all (a notebook's file "
     "starts with '{'; this one with 'not json at all')"),
    ('\n  {"cells": [] oops}', NotebookProblem.INVALID_JSON, "line 2"),
    ('{"worksheets": [{"cells": []}], "nbformat": 2}', NotebookProblem.OLD_FORMAT, "v2"),
    ('{"cells": [], "metadata": {}}', NotebookProblem.NOT_A_NOTEBOOK, "no \"nbformat\""),
    ('{"cells": [], "nbformat": "4", "metadata": {}}', NotebookProblem.NOT_A_NOTEBOOK,
     'is "4", not a number'),
    ('{"cells": [], "nbformat": 5, "nbformat_minor": 0, "metadata": {}}',
     NotebookProblem.OLD_FORMAT, "v5.0"),
    ('[1, 2, 3]', NotebookProblem.NOT_A_NOTEBOOK, "cells"),
    ('{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {"language_info": '
     '{"name": "R"}, "kernelspec": {"language": "R", "name": "ir"}}}',
     NotebookProblem.NOT_PYTHON, "its kernel runs R, not Python"),
    ('{"cells": [], "nbformat": 4, "nbformat_minor": 2, "metadata": {"kernelspec": '
     '{"language": "julia", "name": "julia-1.9"}}}', NotebookProblem.NOT_PYTHON, "julia"),
    ("[" * 500 + "]" * 500, NotebookProblem.INVALID_JSON, "nested"),
])
def test_bad_files_are_refused_with_their_problem(tmp_path, text, problem, words):
    path = tmp_path / "bad.ipynb"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NotebookError) as caught:
        read_cells(path)
    assert caught.value.problem is problem
    assert words in caught.value.message


@pytest.mark.parametrize("metadata", [
    {}, {"language_info": {"name": "python", "version": "3.11.7"}},
    {"kernelspec": {"language": "python", "name": "python3"}},
    {"language_info": {"name": "ipython"}}, {"language_info": {"name": ""}},
    {"language_info": "python"},
])
def test_a_python_notebook_or_one_naming_no_language_is_read(tmp_path, metadata):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "x = 1",
                                           "metadata": {}, "outputs": [],
                                           "execution_count": None}],
                                "metadata": metadata, "nbformat": 4, "nbformat_minor": 4}))
    assert [c.source for c in read_cells(path)] == ["x = 1"]


def test_a_json_error_after_skipped_outputs_names_the_files_line(tmp_path):
    nb = _notebook(outputs_text="\n".join(f"line {i}" for i in range(50)))
    text = json.dumps(nb, indent=1).split("\n")
    broken = len(text) - 3  # near the end, after every output
    text[broken] = text[broken] + " oops"
    path = tmp_path / "nb.ipynb"
    path.write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(NotebookError) as caught:
        read_cells(path)
    assert f"line {broken + 1}" in caught.value.message


def test_the_file_size_limit_stops_the_stream(tmp_path):
    path = _write(_notebook(outputs_text="x" * 5000), tmp_path / "nb.ipynb")
    with pytest.raises(NotebookError) as caught:
        read_cells(path, max_file=1000)
    assert caught.value.problem is NotebookProblem.TOO_LARGE
    with pytest.raises(NotebookError) as caught:
        read_cells(path, max_kept=100)
    assert caught.value.problem is NotebookProblem.TOO_LARGE


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_notebook_saved_as_utf16_is_refused_saying_so(tmp_path, encoding):
    """A Windows editor's "Unicode" is UTF-16 with a byte-order mark: say that, not where
    the JSON looks broken."""
    path = tmp_path / "nb.ipynb"
    path.write_bytes(json.dumps(_notebook()).encode(encoding))
    with pytest.raises(NotebookError) as caught:
        read_cells(path)
    assert caught.value.problem is NotebookProblem.INVALID_JSON
    assert f"saved as {encoding.upper()}" in caught.value.message


def test_a_v3_notebook_is_converted_by_nbformat(tmp_path):
    """IPython 2's notebooks (worksheets, ``input``, ``prompt_number``, heading cells)."""
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""}, "worksheets": [{
        "metadata": {}, "cells": [
            {"cell_type": "heading", "level": 1, "metadata": {}, "source": "Homework"},
            {"cell_type": "code", "language": "python", "metadata": {}, "prompt_number": 7,
             "input": "def f(x):\n    return x",
             "outputs": [{"output_type": "pyout", "prompt_number": 7, "metadata": {},
                          "text": ["SECRET-OUTPUT"]}]}]}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3), encoding="utf-8")
    cells = read_cells(path)
    assert [(c.kind, c.source) for c in cells] == [("markdown", "# Homework"),
                                                   ("code", "def f(x):\n    return x")]
    assert cells[1].execution_count == 7


def test_cells_nbformat_refuses_are_read_from_the_json(tmp_path, recwarn):
    """A tool that writes cells without ``metadata`` or ``source``, or with repeated ids:
    each cell's type and source are all grading needs, and nbformat's warnings stay quiet."""
    doc = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "source": None, "outputs": []},
        {"cell_type": "code", "id": "a", "source": ["def f(x):\n", "    return x"]}]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert [(c.kind, c.source) for c in read_cells(path)] == [("code", ""),
                                                              ("code", "def f(x):\n    return x")]
    doc["cells"][0]["metadata"] = doc["cells"][1]["metadata"] = {}
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert [c.source for c in read_cells(path)] == ["", "def f(x):\n    return x"]
    assert not [w for w in recwarn if "nbformat" in str(w.filename)]
