"""Turns a submission (a folder, a .zip or a notebook) into a safe folder of plain files,
with a status.

Nothing in a submission is trusted: a zip member may try to escape the target folder
(absolute paths, ``..``), be a symbolic link, or be a zip bomb; a folder may hold links to
files the student should not get. Only regular files are ever copied or extracted, within
size limits. Notebooks have a budget of their own (their outputs can be large, and are never
read: :mod:`grader.intake.ipynb`). The content hash covers the sorted relative paths and
their bytes, so a zip and the folder it holds hash alike. Given the suite's exercise API,
the exercise modules are then built from the submission's notebooks
(:mod:`grader.intake.notebook`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.intake.api import ExerciseApi
from grader.intake.ipynb import MAX_FILE_BYTES as MAX_NOTEBOOK_BYTES
from grader.intake.notebook import SUFFIX as NOTEBOOK_SUFFIX
from grader.intake.notebook import build_exercise_modules
from grader.outcome import SubmissionStatus as Status

MAX_TOTAL_BYTES = 50 << 20
MAX_FILE_BYTES = 20 << 20
MAX_FILES = 2000
MAX_RATIO = 200  # uncompressed / compressed, for members of more than a megabyte
IGNORED_NAMES = {"__MACOSX", "__pycache__", ".git", ".DS_Store", ".ipynb_checkpoints"}
IGNORED_SUFFIXES = (".pyc", ".pyo")


class SubmissionError(Exception):
    """The submission cannot be graded; ``status`` says why in a word or two."""

    def __init__(self, status: Status, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class PreparedSubmission:
    """A submission made safe: ``path`` holds its files (when ``status == "ok"``)."""

    source: Path
    path: Path
    status: Status = Status.OK
    message: str = ""
    hash: str = ""
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # which source each exercise came from


def _notebook(name: str) -> bool:
    return name.lower().endswith(NOTEBOOK_SUFFIX)


class _Budget:
    """Bytes and files copied so far; notebooks count against a budget of their own."""

    def __init__(self, max_bytes: int = MAX_TOTAL_BYTES, max_files: int = MAX_FILES):
        self.max_bytes, self.max_files = max_bytes, max_files
        self.total = self.notebooks = self.files = 0

    def add(self, name: str, size: int) -> None:
        self.files += 1
        if _notebook(name):
            self.notebooks += size
            if self.notebooks > MAX_NOTEBOOK_BYTES:
                raise SubmissionError(Status.TOO_LARGE, f"notebooks of more than "
                                      f"{MAX_NOTEBOOK_BYTES >> 20} MiB")
        else:
            self.total += size
        if self.total > self.max_bytes:
            raise SubmissionError(Status.TOO_LARGE, f"more than {self.max_bytes >> 20} MiB "
                                  "of files")
        if self.files > self.max_files:
            raise SubmissionError(Status.TOO_LARGE, f"more than {self.max_files} files")


def _ignored(parts: tuple[str, ...]) -> bool:
    return any(p in IGNORED_NAMES or p.startswith("._") for p in parts) or (
        bool(parts) and parts[-1].endswith(IGNORED_SUFFIXES))


def copy_tree_safely(src: Path, dst: Path, *, max_bytes: int = MAX_TOTAL_BYTES,
                     max_files: int = MAX_FILES) -> list[str]:
    """Copy the regular files and folders of ``src`` into ``dst``; links are never followed.

    Returns the relative paths of what was left out (links, devices, pipes).
    """
    skipped: list[str] = []
    budget = _Budget(max_bytes, max_files)
    dst.mkdir(parents=True, exist_ok=True)
    for root, dirs, names in os.walk(src, followlinks=False):
        rel_root = Path(root).relative_to(src)
        keep = []
        for d in sorted(dirs):
            if _ignored((*rel_root.parts, d)):
                continue
            if os.path.islink(os.path.join(root, d)):
                skipped.append(str(rel_root / d))
                continue
            keep.append(d)
            (dst / rel_root / d).mkdir(exist_ok=True)
        dirs[:] = keep
        for name in sorted(names):
            rel = rel_root / name
            if _ignored(rel.parts):
                continue
            st = os.lstat(os.path.join(root, name))
            if not stat.S_ISREG(st.st_mode):
                skipped.append(str(rel))
                continue
            budget.add(name, st.st_size)
            shutil.copyfile(os.path.join(root, name), dst / rel, follow_symlinks=False)
    return skipped


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name, reading UTF-8 names that lack the UTF-8 flag (macOS, 7-Zip)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or (path.parts and ":" in path.parts[0]):
        raise SubmissionError(Status.UNSAFE_ZIP, f"member {name!r} has an absolute path")
    if ".." in path.parts:
        raise SubmissionError(Status.UNSAFE_ZIP, f"member {name!r} points outside the folder (..)")
    if any(ord(c) < 32 for c in name):
        raise SubmissionError(Status.INVALID_ZIP, f"member {name!r} has control characters")
    return path


def extract_zip_safely(archive: Path, dst: Path) -> None:
    """Extract regular files only, refusing escapes, links and bombs before writing anything."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SubmissionError(Status.INVALID_ZIP, f"not a readable zip file: {exc}") from None
    with zf:
        plan: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        budget = _Budget(max_files=1 << 62)  # the number of files is checked below
        for info in zf.infolist():
            name = _member_name(info)
            rel = _safe_relative(name)
            if not rel.parts or _ignored(rel.parts):
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise SubmissionError(Status.UNSAFE_ZIP, f"member {name!r} is a symbolic link")
            if info.is_dir():
                continue
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                raise SubmissionError(Status.UNSAFE_ZIP, f"member {name!r} is not a regular file")
            budget.add(rel.name, info.file_size)
            if info.file_size > MAX_FILE_BYTES and not _notebook(rel.name):
                raise SubmissionError(Status.TOO_LARGE, f"member {name!r} is larger than "
                                      f"{MAX_FILE_BYTES >> 20} MiB once extracted")
            if info.file_size > 1 << 20 and not _notebook(rel.name) and \
                    info.file_size > MAX_RATIO * max(1, info.compress_size):
                raise SubmissionError(Status.TOO_LARGE, f"member {name!r} compresses more than "
                                      f"{MAX_RATIO}:1 (a zip bomb?)")
            plan.append((info, rel))
        if len(plan) > MAX_FILES:
            raise SubmissionError(Status.TOO_LARGE, f"more than {MAX_FILES} files")
        dst.mkdir(parents=True, exist_ok=True)
        for info, rel in plan:
            target = dst.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(1 << 16):
                        written += len(chunk)
                        if written > info.file_size:  # a header that lies about the size
                            raise SubmissionError(Status.TOO_LARGE, f"member {rel} is larger than "
                                                  "its header says")
                        out.write(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError,
                    NotImplementedError, RuntimeError) as exc:
                raise SubmissionError(Status.INVALID_ZIP, f"cannot extract {rel}: {exc}") from None


#: Suffixes of the files a grade reads: a folder holding one of them is the submission.
CODE_SUFFIXES = (".py", NOTEBOOK_SUFFIX)


def unwrap_single_folder(path: Path) -> Path:
    """``sub.zip`` often holds one folder holding the files: descend into it, and past a
    top that holds only that folder and files no grade reads (``README.md``, a report)."""
    while True:
        entries = [p for p in path.iterdir() if not _ignored((p.name,))]
        folders = [p for p in entries if p.is_dir() and not p.is_symlink()]
        if len(folders) != 1 or any(p.name.lower().endswith(CODE_SUFFIXES) for p in entries):
            return path
        path = folders[0]


def _above(top: Path, inner: Path) -> list[Path]:
    """The files between ``top`` and the folder ``inner`` below it (what unwrapping left)."""
    out = []
    while inner != top:
        out += [p for p in inner.parent.iterdir() if p != inner and not _ignored((p.name,))]
        inner = inner.parent
    return out


def tree_files(folder: Path) -> list[tuple[str, Path]]:
    """(relative POSIX path, path) of every regular file and link under ``folder``, in a
    stable order; links are listed, never followed."""
    entries = []
    for path in folder.rglob("*"):
        if path.is_symlink() or path.is_file():
            entries.append((path.relative_to(folder).as_posix(), path))
    return sorted(entries, key=lambda e: os.fsencode(e[0]))


def content_hash(entries: Iterable[tuple[str, Path]], extra: str = "") -> str:
    """SHA-256 of what was submitted: each entry's name and bytes (a link by its target),
    then ``extra``. The one content hash of gradspec: of a prepared folder (so a .zip and the
    folder it holds hash alike), of a class's raw entries when a batch looks for changes."""
    digest = hashlib.sha256()
    for name, path in entries:
        encoded = name.encode("utf-8", errors="surrogateescape")
        if path.is_symlink():
            digest.update(b"L" + encoded + b"\0" + os.fsencode(os.readlink(path)) + b"\0")
            continue
        digest.update(b"F" + encoded + b"\0" + str(path.stat().st_size).encode() + b"\0")
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    if extra:
        digest.update(b"S" + extra.encode("utf-8", "replace"))
    return digest.hexdigest()


def prepare_submission(source: Path, dest: Path | None = None,
                       api: ExerciseApi | None = None) -> PreparedSubmission:
    """Copy or extract ``source`` into ``dest`` (a new temp folder by default) and check it;
    given the suite's ``api``, build the exercise modules its notebooks provide."""
    source = Path(source)
    dest = Path(dest) if dest is not None else Path(tempfile.mkdtemp(prefix="gradspec-sub-"))
    out = PreparedSubmission(source=source, path=dest)
    notes = []
    try:
        if source.is_symlink():
            raise SubmissionError(Status.UNSAFE, f"{source.name} is a symbolic link")
        if source.is_dir():
            skipped = copy_tree_safely(source, dest)
            if skipped:
                notes.append("left out (links or special files): " + ", ".join(skipped[:10]))
        elif source.is_file() and _notebook(source.name):
            _Budget().add(source.name, source.stat().st_size)
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest / source.name)
        elif source.is_file():
            extract_zip_safely(source, dest)
        else:
            raise SubmissionError(Status.MISSING, f"{source} does not exist")
        out.path = unwrap_single_folder(dest)
        left = sorted(p.name for p in _above(dest, out.path))
        if left:
            out.notes.append(f"graded the files in {out.path.relative_to(dest).as_posix()}/, "
                         f"the one folder holding code; not graded: {', '.join(left[:10])}")
        entries = tree_files(out.path)
        out.hash, out.files = content_hash(entries), [name for name, _ in entries]
        if not out.files:
            raise SubmissionError(Status.EMPTY, "the submission holds no files")
        if api is not None:
            intake = build_exercise_modules(out.path, api)
            out.notes += intake.notes
            if not intake.status.gradable:
                raise SubmissionError(intake.status, intake.message)
    except SubmissionError as exc:
        out.status, out.message = exc.status, exc.message
        if source.is_file() and not source.is_symlink():
            out.hash = content_hash([(source.name, source)])
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True, exist_ok=True)
        out.path = dest
        return out
    out.message = "; ".join(notes)
    return out
