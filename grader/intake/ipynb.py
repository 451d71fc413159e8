"""Reads a ``.ipynb`` file in bounded memory and hands its cells to nbformat.

A notebook's outputs (plots, printed logs, widget views) can be hundreds of megabytes, and
none of it is code. The file is streamed once: the values of ``outputs`` and ``attachments``
in every cell and the widget state in the notebook's metadata are skipped as they stream by,
never held in memory, and replaced by empty containers; what is left (sources and metadata)
is parsed as JSON, checked to be nbformat v4 (or v3, which nbformat converts) and read by
nbformat; a v4 notebook nbformat refuses (a cell without metadata) is read from its JSON. A
file that cannot be read raises :class:`NotebookError`, whose :class:`NotebookProblem` says
why in a word or two.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

#: The most bytes of a notebook streamed (outputs included) before it is refused.
MAX_FILE_BYTES = 512 << 20
#: The most bytes kept (everything but outputs, attachments and widget state).
MAX_KEPT_BYTES = 16 << 20
_CHUNK = 1 << 20
_MAX_DEPTH = 128

#: Keys of a cell whose values are skipped (and what replaces them).
_CELL_PRUNED = {"outputs": b"[]", "attachments": b"{}"}
#: Keys of the notebook's metadata whose values are skipped.
_METADATA_PRUNED = {"widgets": b"{}"}

_TOKEN = re.compile(rb'\s*(?:("[^"\\]*(?:\\.[^"\\]*)*")|([\[\]{}:,])|([^\s\[\]{}:,"]+))')
_SPACE = re.compile(rb"\s*")
#: Everything up to the next bracket or unfinished string: plain text and whole strings.
_SKIP_RUN = re.compile(rb'(?:[^"\[\]{}]+|"[^"\\]*(?:\\.[^"\\]*)*")*')
_STRING_END = re.compile(rb'[\\"]')


_CUT_SHORT = " (it was cut short: save it from Jupyter again, or upload it again)"


class NotebookProblem(StrEnum):
    """Why a notebook file could not be read."""

    INVALID_JSON = "invalid JSON"
    OLD_FORMAT = "unsupported notebook format"
    TOO_LARGE = "too large"
    NOT_A_NOTEBOOK = "not a notebook"
    NOT_PYTHON = "not a Python notebook"


class NotebookError(Exception):
    """The notebook cannot be read; ``problem`` says why, the message says where."""

    def __init__(self, problem: NotebookProblem, message: str):
        super().__init__(message)
        self.problem = problem
        self.message = message


@dataclass(frozen=True)
class Cell:
    """One cell as a student sees it: ``number`` counts every cell from 1, top to bottom."""

    number: int
    kind: str  # "code", "markdown" or "raw"
    source: str
    execution_count: int | None = None


@dataclass
class _Frame:
    kind: bytes  # b"{" or b"["
    key: str | None = None
    expect_key: bool = False


class _Pruner:
    """One pass over the file: copies every token but the pruned values into ``kept``."""

    def __init__(self, stream: BinaryIO, max_file: int, max_kept: int):
        self.stream, self.max_file, self.max_kept = stream, max_file, max_kept
        self.buf = b""
        self.pos = 0
        self.offset = 0  # file offset of buf[0]
        self.eof = False
        self.read_bytes = 0
        self.kept = bytearray()
        self.stack: list[_Frame] = []
        #: (kept offset, newlines skipped before it): maps a JSON error back to its line
        self.skipped_lines: list[tuple[int, int]] = []
        self.newlines_skipped = 0

    def _fill(self) -> bool:
        """Read the next chunk (dropping what was consumed); False at the end of the file."""
        if self.eof:
            return False
        chunk = self.stream.read(_CHUNK)
        self.read_bytes += len(chunk)
        if self.read_bytes > self.max_file:
            raise NotebookError(NotebookProblem.TOO_LARGE, f"the file is larger than "
                                f"{self.max_file >> 20} MiB")
        self.offset += self.pos
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        if not chunk:
            self.eof = True
        return bool(chunk)

    def _invalid(self, what: str, why: str = "") -> NotebookError:
        return NotebookError(NotebookProblem.INVALID_JSON, f"{what} at byte "
                             f"{self.offset + self.pos}{why}")

    def _keep(self, data: bytes) -> None:
        self.kept += data
        if len(self.kept) > self.max_kept:
            raise NotebookError(NotebookProblem.TOO_LARGE, f"its code and text (outputs left "
                                f"out) are larger than {self.max_kept >> 20} MiB")

    def run(self) -> bytes:
        self._fill()
        if self.buf.startswith(b"\xef\xbb\xbf"):
            self.pos = 3
        while True:
            match = _TOKEN.match(self.buf, self.pos)
            if match is None or (match.end() == len(self.buf) and not self.eof):
                if self._fill():
                    continue
                match = _TOKEN.match(self.buf, self.pos)  # the buffer moved: match it again
                if _SPACE.fullmatch(self.buf, self.pos):
                    break
                if match is None:
                    raise self._invalid("unexpected or unfinished text")
            self.pos = match.end()
            self._keep(match.group(0))
            self._token(match)
            if self.eof and self.pos >= len(self.buf):
                break
        if self.stack:
            raise self._invalid("the file ends inside a JSON value", _CUT_SHORT)
        return bytes(self.kept)

    def _token(self, match: re.Match[bytes]) -> None:
        string, mark = match.group(1), match.group(2)
        frame = self.stack[-1] if self.stack else None
        if mark in (b"{", b"["):
            if len(self.stack) >= _MAX_DEPTH:
                raise self._invalid("values nested too deeply")
            self.stack.append(_Frame(mark, expect_key=mark == b"{"))
        elif mark in (b"}", b"]"):
            if frame is None or frame.kind != (b"{" if mark == b"}" else b"["):
                raise self._invalid(f"unexpected {mark.decode()}")
            self.stack.pop()
        elif mark == b",":
            if frame is not None and frame.kind == b"{":
                frame.expect_key = True
        elif mark == b":":
            if frame is not None and frame.key is not None and self._pruned(frame.key):
                self._prune()
        elif string is not None and frame is not None and frame.expect_key:
            try:
                frame.key = json.loads(string)
            except ValueError:
                raise self._invalid("a malformed key") from None
            frame.expect_key = False

    def _pruned(self, key: str) -> bytes | None:
        """The replacement of the value of ``key`` in the innermost object, if it is pruned."""
        depth = len(self.stack)
        if key in _CELL_PRUNED and depth >= 3 and self.stack[-2].kind == b"[" and \
                self.stack[-3].key == "cells":
            return _CELL_PRUNED[key]
        if key in _METADATA_PRUNED and depth == 2 and self.stack[0].key == "metadata":
            return _METADATA_PRUNED[key]
        return None

    def _prune(self) -> None:
        """Skip the container value that starts here (a scalar is kept as it is)."""
        replacement = self._pruned(self.stack[-1].key or "")
        while True:
            space = _SPACE.match(self.buf, self.pos)
            self.pos = space.end() if space else self.pos
            if self.pos < len(self.buf) or not self._fill():
                break
        if self.pos >= len(self.buf) or self.buf[self.pos:self.pos + 1] not in (b"[", b"{"):
            return
        self._keep(replacement or b"[]")
        self.skipped_lines.append((len(self.kept), self.newlines_skipped))
        start, depth, in_string = self.pos + 1, 1, False
        self.pos = start
        while depth:
            if self.pos >= len(self.buf):
                self.newlines_skipped += self.buf.count(b"\n", start, len(self.buf))
                if not self._fill():
                    raise self._invalid("the file ends inside an output", _CUT_SHORT)
                start = 0
            if in_string:  # a string longer than what is in memory: find its end piece by piece
                end = _STRING_END.search(self.buf, self.pos)
                if end is None:
                    self.pos = len(self.buf)
                elif self.buf[end.start()] == 0x5C:  # a backslash escapes the next byte
                    self.pos = end.start() + 2
                    if self.pos > len(self.buf):  # the escaped byte is in the next chunk
                        self.pos = len(self.buf)
                        self.newlines_skipped += self.buf.count(b"\n", start, self.pos)
                        self._fill()
                        self.pos, start = 1, 0
                else:
                    self.pos, in_string = end.end(), False
                continue
            self.pos = _SKIP_RUN.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos >= len(self.buf):
                continue
            mark = self.buf[self.pos]
            self.pos += 1
            if mark == 0x22:  # a string that goes on past what is in memory
                in_string = True
            elif mark in (0x5B, 0x7B):  # [ {
                depth += 1
            else:  # ] }
                depth -= 1
        self.newlines_skipped += self.buf.count(b"\n", start, self.pos)
        self.skipped_lines.append((len(self.kept), self.newlines_skipped))

    def original_line(self, kept_pos: int, line: int) -> int:
        """The file's line of a JSON error found at ``kept_pos`` (line ``line`` of the kept)."""
        skipped = 0
        for at, lines in self.skipped_lines:
            if at <= kept_pos:
                skipped = lines
        return line + skipped


def read_cells(path: Path, *, max_file: int = MAX_FILE_BYTES,
               max_kept: int = MAX_KEPT_BYTES) -> list[Cell]:
    """The cells of the notebook at ``path``, read with bounded memory (outputs skipped)."""
    with open(path, "rb") as stream:
        _refuse_other_encodings(stream.read(4))
        stream.seek(0)
        pruner = _Pruner(stream, max_file, max_kept)
        kept = pruner.run()
    if not kept.strip():
        raise NotebookError(NotebookProblem.INVALID_JSON, "the file is empty")
    try:
        text = kept.decode("utf-8")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise NotebookError(NotebookProblem.INVALID_JSON, f"not UTF-8 text ({exc.reason} at "
                            f"byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        if not text[:exc.pos].strip():
            raise NotebookError(NotebookProblem.INVALID_JSON, "not JSON at all (a notebook's "
                                f"file starts with '{{'; this one with {text.lstrip()[:20]!r}):"
                                " save it from Jupyter (File > Save) or download it "
                                "again") from None
        line = pruner.original_line(exc.pos, exc.lineno)
        raise NotebookError(NotebookProblem.INVALID_JSON, f"{exc.msg} at line {line}") from None
    return _cells(data, text)


#: Byte-order marks of the encodings a Windows editor may save a notebook in.
_OTHER_ENCODINGS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                    (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def _refuse_other_encodings(head: bytes) -> None:
    for mark, encoding in _OTHER_ENCODINGS:
        if head.startswith(mark):
            raise NotebookError(NotebookProblem.INVALID_JSON, f"not UTF-8 text: it was saved "
                                f"as {encoding} (by a text editor?); open it in Jupyter and "
                                "save it again, or save it as UTF-8")


def _version(data: dict) -> str:
    """The notebook's format version as a student can check it (``4.5``)."""
    version, minor = data.get("nbformat"), data.get("nbformat_minor")
    return f"{version}.{minor}" if isinstance(minor, int) else str(version)


def _language(metadata: object) -> str | None:
    """The kernel's language as the notebook's metadata names it (None: not said)."""
    if not isinstance(metadata, dict):
        return None
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        value = metadata.get(key)
        if isinstance(value, dict) and isinstance(value.get(field), str) and value[field]:
            return value[field]
    return None


def _refuse_other_languages(metadata: object) -> None:
    """A notebook whose kernel runs another language (R, Julia...) is refused saying so,
    rather than graded as Python cell by cell; a notebook that names no language is read."""
    language = _language(metadata)
    if language is not None and not language.lower().startswith(("python", "ipython")):
        raise NotebookError(NotebookProblem.NOT_PYTHON, f"its kernel runs {language}, not "
                            "Python (metadata.language_info); write the exercises in a "
                            "Python 3 notebook (Kernel > Change kernel > Python 3)")


def _cells(data: object, text: str) -> list[Cell]:
    if not isinstance(data, dict) or not ("cells" in data or "worksheets" in data):
        raise NotebookError(NotebookProblem.NOT_A_NOTEBOOK, "JSON without the cells of a "
                            "notebook")
    version = data.get("nbformat")
    if "worksheets" in data and version is None:
        version = 3
    if isinstance(version, int) and version < 3:
        raise NotebookError(NotebookProblem.OLD_FORMAT, f"nbformat v{version} (saved by "
                            "IPython 1 or older); open and save it in Jupyter, which converts "
                            "it to v4")
    if version is None:
        raise NotebookError(NotebookProblem.NOT_A_NOTEBOOK, "it has cells but no \"nbformat\" "
                            "version (written by hand or by another tool?); open it in Jupyter "
                            "and save it again")
    if not isinstance(version, int) or isinstance(version, bool):
        raise NotebookError(NotebookProblem.NOT_A_NOTEBOOK, f"its \"nbformat\" version is "
                            f"{json.dumps(version)}, not a number (written by hand or by another "
                            "tool?); open it in Jupyter and save it again")
    if version not in (3, 4):  # nbformat converts a v3 notebook (IPython 2) to v4
        raise NotebookError(NotebookProblem.OLD_FORMAT, f"nbformat v{_version(data)}: gradspec "
                            "reads v4 notebooks")
    _refuse_other_languages(data.get("metadata"))
    import nbformat  # here, not at the top: a plain pytest run never pays for it

    errors: dict[str, object] = {}
    try:
        with warnings.catch_warnings():  # a missing or repeated cell id is not the student's
            warnings.simplefilter("ignore")
            raw_cells = nbformat.reads(text, as_version=4,
                                       capture_validation_error=errors).get("cells", [])
    except Exception as exc:  # nbformat refused it (a cell without "metadata", say): only
        raw_cells = data.get("cells")  # each cell's type and source are needed
        if version != 4 or not isinstance(raw_cells, list):
            raise NotebookError(NotebookProblem.NOT_A_NOTEBOOK, str(exc)[:300]) from None
    cells = []
    for number, cell in enumerate(raw_cells, start=1):
        if not isinstance(cell, dict):
            raise NotebookError(NotebookProblem.NOT_A_NOTEBOOK, f"cell {number} is not an "
                                "object")
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(s) for s in source)
        elif source is None:
            source = ""
        count = cell.get("execution_count")
        cells.append(Cell(number, str(cell.get("cell_type", "")), str(source),
                          count if isinstance(count, int) else None))
    return cells
