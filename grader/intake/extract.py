"""Builds an exercise module from a notebook's code cells, without running any of them.

A notebook mixes the definitions an exercise asks for with everything else a student does:
plots, prints, timing cells, magics, shell lines, a 200 000-step training run at the top
level. Only the top-level definitions the exercise's API names are kept, with the imports,
top-level constants and helper definitions they need (found by the names their code uses,
with :mod:`symtable`), and nothing else: no top-level code is ever executed. As in a kernel
where a cell was run again, the last definition of a name wins. Magic and shell lines
(``%matplotlib inline``, ``!nvidia-smi``, ``%load ...``) are blanked where Python refuses
them; a cell that still does not parse defines nothing, and an exercise whose last
definition of a name is in such a cell gets the syntax error instead of a module.

Each :class:`Source` is one cell (of a notebook, or of a kernel's history for ``check()``);
:func:`analyse` reads them once and :func:`build_module` writes the module of one exercise.
"""

from __future__ import annotations

import ast
import builtins
import re
import symtable
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "__spec__",
                                        "__builtins__", "__loader__", "__package__"}
#: Builtins that act on the world (or block on it): a top-level value calling one is not a
#: constant.
_EFFECTS = frozenset({"print", "input", "open", "exec", "eval", "compile", "breakpoint",
                      "exit", "quit", "help", "display", "__import__", "get_ipython"})
#: Cell magics whose body is Python run as it is (the first line is the magic).
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
#: A line IPython would take over: a magic, a shell escape, help (``obj?``), or an
#: assignment from one (``files = !ls``).
_MAGIC_LINE = re.compile(r"^\s*(?:[%!]|\?|[\w.\[\], ]+=\s*[%!])|\?\s*$")
_TEXTUAL_DEF = re.compile(r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)", re.MULTILINE)
_COMPREHENSIONS = frozenset({"listcomp", "setcomp", "dictcomp", "genexpr"})


@dataclass(frozen=True)
class Source:
    """One code cell: its text and how a student finds it (``cell 4``, ``In [12]``)."""

    label: str
    code: str
    count: int | None = None  # the execution count the notebook saved (``In [12]``)


class Kind(StrEnum):
    """What a top-level statement is, for extraction."""

    IMPORT = "import"
    DEFINITION = "definition"  # def, async def, class
    CONSTANT = "constant"  # an assignment whose value runs no code of the notebook
    GUARDED = "guarded"  # an if/try of imports, constants and definitions only
    CODE = "code"  # anything else: never extracted


@dataclass(frozen=True)
class Unit:
    """One top-level statement of a cell."""

    order: int  # position in the whole notebook, top to bottom
    cell: Source
    kind: Kind
    text: str  # its source, as the student wrote it
    binds: frozenset[str]
    deftime: frozenset[str]  # names read when it runs (decorators, bases, defaults, values)
    calltime: frozenset[str]  # names read when a function it defines is called
    why: str = ""  # why a CODE statement is not extracted
    line: int = 1  # the cell's line where it starts (its decorators included)

    @property
    def extracted(self) -> bool:
        return self.kind is not Kind.CODE


@dataclass(frozen=True)
class BrokenCell:
    """A cell that does not parse: it defines nothing (as in a kernel, where it fails)."""

    cell: Source
    message: str
    lineno: int
    offset: int
    line: str
    names: frozenset[str]  # what it textually defines (def/class at its top level)


@dataclass
class Analysis:
    """Every top-level statement of a notebook, and the cells that do not parse."""

    units: list[Unit] = field(default_factory=list)
    broken: list[BrokenCell] = field(default_factory=list)
    future: tuple[str, ...] = ()  # ``from __future__`` features (they apply to later cells)
    star_imports: list[Unit] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # labels of non-Python cells (%%bash)
    positions: dict[str, int] = field(default_factory=dict)  # cell label -> place, from 0

    def definitions(self, names: Iterable[str]) -> set[str]:
        """Which of ``names`` the notebook defines (by a statement that is extracted)."""
        bound = {n for u in self.units if u.extracted for n in u.binds}
        return bound & set(names)


def ran_later(analysis: Analysis, name: str) -> tuple[Unit, Unit] | None:
    """(the definition of ``name`` used, a definition of it above that ran after it), by the
    execution counts the notebook saved; None when none did (or counts are missing)."""
    units = [u for u in analysis.units if name in u.binds and u.kind is Kind.DEFINITION]
    if len(units) < 2 or units[-1].cell.count is None:
        return None
    used = units[-1]
    later = [u for u in units[:-1] if u.cell.count is not None and u.cell.count > used.cell.count
             and u.cell.label != used.cell.label]
    return (used, max(later, key=lambda u: u.cell.count or 0)) if later else None


class ProblemKind(StrEnum):
    SYNTAX_ERROR = "syntax error"
    NOT_EXTRACTED = "defined only in top-level code"
    UNDEFINED = "defined nowhere"


@dataclass(frozen=True)
class Problem:
    """Something a student must fix, in words that name the cell and the name."""

    kind: ProblemKind
    message: str
    fatal: bool  # the module cannot be built (a syntax error in a definition it needs)


@dataclass(frozen=True)
class Module:
    """One exercise's module built from a notebook: its text, the cells it came from."""

    text: str
    cells: tuple[str, ...]  # labels of the cells used, in notebook order
    defined: tuple[str, ...]  # the API names it defines
    problems: tuple[Problem, ...] = ()


def python_code(code: str) -> tuple[str | None, SyntaxError | None]:
    """The cell's code as Python (magic lines blanked), or None for a non-Python cell magic;
    and the syntax error left, if any."""
    lines = code.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(maxsplit=1)
        if not magic or magic[0] not in _PYTHON_CELL_MAGICS:
            return None, None
        lines[first] = ""
    for _ in range(len(lines) + 1):
        text = "\n".join(lines)
        try:
            ast.parse(text)
            return text, None
        except SyntaxError as exc:
            row = (exc.lineno or 0) - 1
            if not 0 <= row < len(lines) or not _MAGIC_LINE.search(lines[row]):
                return text, exc
            indent = lines[row][:len(lines[row]) - len(lines[row].lstrip())]
            lines[row] = f"{indent}pass" if indent else ""
    return "\n".join(lines), None


def analyse(cells: Sequence[Source]) -> Analysis:
    """Read every cell once: its top-level statements, or why it does not parse."""
    out = Analysis()
    future: list[str] = []
    order = 0
    for place, cell in enumerate(cells):
        out.positions[cell.label] = place
        code, error = python_code(cell.code)
        if code is None:
            out.skipped.append(cell.label)
            continue
        if error is not None:
            row = (error.lineno or 1) - 1
            lines = code.split("\n")
            out.broken.append(BrokenCell(cell, error.msg, error.lineno or 0, error.offset or 0,
                                         lines[row] if 0 <= row < len(lines) else "",
                                         frozenset(_TEXTUAL_DEF.findall(code))))
            continue
        tree = ast.parse(code)
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                future += [a.name for a in node.names if a.name not in future]
                continue
            out.units.append(_unit(order, cell, code, node, tuple(future)))
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                out.star_imports.append(out.units[-1])
            order += 1
    out.future = tuple(future)
    return out


def _segment(code: str, node: ast.stmt) -> str:
    """The statement's text (decorators included), as it stands in the cell (ast's column
    offsets count UTF-8 bytes)."""
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    lines = code.split("\n")[start - 1:node.end_lineno]
    if node.end_col_offset is not None and lines:
        lines[-1] = lines[-1].encode()[:node.end_col_offset].decode(errors="replace")
    if node.col_offset and start == node.lineno:
        lines[0] = lines[0].encode()[node.col_offset:].decode(errors="replace")
    return "\n".join(lines)


def _unit(order: int, cell: Source, code: str, node: ast.stmt, future: tuple[str, ...]) -> Unit:
    text = _segment(code, node)
    header = "".join(f"from __future__ import {f}\n" for f in future)
    table = symtable.symtable(header + text, cell.label, "exec")
    binds, deftime, calltime = _names(table)
    kind, why = _kind(node, binds)
    line = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return Unit(order, cell, kind, text, frozenset(binds), frozenset(deftime),
                frozenset(calltime), why, line)


def _names(table: symtable.SymbolTable) -> tuple[set[str], set[str], set[str]]:
    """(names bound at the top level, names read when the statement runs, names read when a
    function it defines runs), from the statement's symbol table."""
    binds = {s.get_name() for s in table.get_symbols()
             if (s.is_assigned() or s.is_imported()) and s.get_name() != "annotations"}
    deftime: set[str] = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    calltime: set[str] = set()

    def visit(child: symtable.SymbolTable, runs_now: bool) -> None:
        now = runs_now and (child.get_type() == "class" or child.get_name() in _COMPREHENSIONS)
        target = deftime if now else calltime
        for sym in child.get_symbols():
            if sym.is_global() and sym.is_referenced():
                target.add(sym.get_name())
            if sym.is_declared_global() and sym.is_assigned():
                binds.add(sym.get_name())
        for grandchild in child.get_children():
            visit(grandchild, now)

    for child in table.get_children():
        visit(child, True)
    return binds, deftime, calltime


def _kind(node: ast.stmt, binds: set[str]) -> tuple[Kind, str]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        return Kind.IMPORT, ""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return Kind.DEFINITION, ""
    if isinstance(node, ast.Assign | ast.AnnAssign) and _simple_targets(node):
        value = node.value
        if value is None:
            return Kind.CODE, "an annotation without a value"
        if _constant(value):
            return Kind.CONSTANT, ""
        return Kind.CODE, "its value calls code"
    if isinstance(node, ast.If | ast.Try) and _guarded(node):
        return Kind.GUARDED, ""
    what = {ast.For: "a loop", ast.While: "a loop", ast.With: "a with block",
            ast.Expr: "an expression", ast.AugAssign: "an update of a value"}
    return Kind.CODE, what.get(type(node), "top-level code")


def _simple_targets(node: ast.Assign | ast.AnnAssign) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]

    def simple(t: ast.expr) -> bool:
        if isinstance(t, ast.Name):
            return True
        return isinstance(t, ast.Tuple | ast.List) and all(simple(e) for e in t.elts)

    return all(simple(t) for t in targets)


def _constant(value: ast.expr) -> bool:
    """True when evaluating ``value`` calls nothing that acts on the world: no builtin with
    effects; calls of library code (``torch.device(...)``) are fine, and names defined by the
    notebook are checked by :func:`build_module` (a value that calls one is top-level code)."""
    for sub in ast.walk(value):
        if isinstance(sub, ast.Await | ast.Yield | ast.YieldFrom | ast.NamedExpr):
            return False
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and \
                sub.func.id in _EFFECTS:
            return False
    return True


def _guarded(node: ast.stmt) -> bool:
    """An ``if``/``try`` at the top level holding only imports, constants, definitions and
    ``pass`` (``try: import x / except ImportError: x = None``)."""
    tests = [node.test] if isinstance(node, ast.If) else []
    bodies: list[list[ast.stmt]] = []
    if isinstance(node, ast.If):
        bodies += [node.body, node.orelse]
    elif isinstance(node, ast.Try):
        bodies += [node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)]
    if not all(_constant(t) for t in tests):
        return False
    for body in bodies:
        for stmt in body:
            if isinstance(stmt, ast.Pass | ast.Import | ast.ImportFrom | ast.FunctionDef |
                          ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and _simple_targets(stmt) and \
                    stmt.value is not None and _constant(stmt.value):
                continue
            if isinstance(stmt, ast.If | ast.Try) and _guarded(stmt):
                continue
            return False
    return True


class _Calls(ast.NodeVisitor):
    """Names a statement calls when it runs; function and lambda bodies do not run then."""

    def __init__(self) -> None:
        self.called: set[str] = set()

    def visit_Call(self, node: ast.Call) -> None:
        root = node.func
        while isinstance(root, ast.Attribute | ast.Subscript | ast.Call):
            root = root.func if isinstance(root, ast.Call) else root.value
        if isinstance(root, ast.Name):
            self.called.add(root.id)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return None

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases]:
            self.visit(expr)


def _calls(unit: Unit) -> set[str]:
    """Names the statement calls when it runs (``train`` in ``result = train(x, y)``)."""
    visitor = _Calls()
    visitor.visit(ast.parse(unit.text))
    return visitor.called


class _Resolver:
    """Picks, for each name a definition needs, the statement that defines it."""

    def __init__(self, analysis: Analysis):
        self.analysis = analysis
        self.bindings: dict[str, list[Unit]] = {}
        for unit in analysis.units:
            for name in unit.binds:
                self.bindings.setdefault(name, []).append(unit)
        self.code_defined = {n for u in analysis.units if u.kind is Kind.DEFINITION
                             for n in u.binds}
        self.poisoned: dict[str, BrokenCell] = {}
        for broken in analysis.broken:
            for name in broken.names:
                self.poisoned[name] = broken  # the last broken cell defining it
        self._why_not: dict[int, str] = {}

    def why_not(self, unit: Unit) -> str:
        """Why the statement is not extracted ("" when it is): top-level code, or a value
        that calls a function of the notebook or uses a name set by top-level code."""
        if not unit.extracted:
            return unit.why
        if unit.kind not in (Kind.CONSTANT, Kind.GUARDED):
            return ""
        if unit.order not in self._why_not:
            self._why_not[unit.order] = "..."  # a cycle of constants is not extracted
            self._why_not[unit.order] = self._value_problem(unit)
        return self._why_not[unit.order]

    def _value_problem(self, unit: Unit) -> str:
        called = sorted((_calls(unit) & self.code_defined) - unit.binds)
        if called:
            return f"its value calls {called[0]}, a function of the notebook"
        for dep in sorted(unit.deftime - unit.binds):
            if dep in self.bindings and self.pick(dep) is None:
                return f"its value uses {dep}, which only top-level code sets"
        return ""

    def pick(self, name: str, before: Unit | None = None) -> Unit | None:
        """The last extracted statement defining ``name`` (before ``before``, if any)."""
        candidates = [u for u in self.bindings.get(name, []) if not self.why_not(u)]
        if before is not None:
            earlier = [u for u in candidates if u.order < before.order]
            candidates = earlier or candidates
        return candidates[-1] if candidates else None


def build_module(analysis: Analysis, names: Iterable[str], title: str) -> Module:
    """The module holding the notebook's last definitions of ``names`` (the exercise's API)
    and everything they need; ``title`` names the notebook in the module's header."""
    resolver = _Resolver(analysis)
    position = analysis.positions
    selected: dict[int, Unit] = {}
    problems: list[Problem] = []
    defined = []
    queue: list[tuple[str, Unit | None, bool]] = [(n, None, False) for n in sorted(set(names))]
    seen: set[tuple[str, int | None, bool]] = set()
    kernel_names: set[str] = set()
    while queue:
        name, user, deftime = queue.pop(0)
        key = (name, user.order if user else None, deftime)
        if key in seen:
            continue
        seen.add(key)
        self_reference = user is not None and deftime and name in user.binds
        unit = resolver.pick(name, before=user if self_reference else None)
        broken = resolver.poisoned.get(name)
        if broken is not None and (unit is None or
                                   position[broken.cell.label] > position[unit.cell.label]):
            problems.append(_syntax_problem(broken, name, user))
            continue
        if unit is None:
            if user is not None and name in resolver.bindings:
                problems.append(_not_extracted(name, user, resolver))
            elif user is not None and name in KERNEL_BUILTINS:
                kernel_names.add(name)
            elif user is not None and name not in _BUILTINS:
                for star in analysis.star_imports:
                    selected.setdefault(star.order, star)
                if not analysis.star_imports:
                    problems.append(Problem(
                        ProblemKind.UNDEFINED, f"{_who(user)} uses {name}, which no cell "
                        "defines or imports (a %run line, or a cell since deleted, is not "
                        "run when grading)", fatal=False))
            continue
        if user is None:
            defined.append(name)
        if unit.order in selected:
            continue
        selected[unit.order] = unit
        for dep in sorted(unit.deftime):
            queue.append((dep, unit, True))
        for dep in sorted(unit.calltime - unit.binds):
            queue.append((dep, unit, False))
    fatal = [p for p in problems if p.fatal]
    units = _ordered(list(selected.values()))
    labels = tuple(sorted({u.cell.label for u in units}, key=lambda lb: position[lb]))
    if fatal:
        return Module(_failing_module(title, fatal), labels, tuple(defined), tuple(problems))
    return Module(_module_text(title, analysis.future, units, kernel_names), labels,
                  tuple(sorted(defined)),
                  tuple(_unique(problems)))


def _unique(problems: list[Problem]) -> list[Problem]:
    return list({p.message: p for p in problems}.values())


def _syntax_problem(broken: BrokenCell, name: str, user: Unit | None) -> Problem:
    needed = f", which {_who(user)} needs" if user else ""
    return Problem(ProblemKind.SYNTAX_ERROR,
                   f"{broken.cell.label} (the last definition of {name}{needed}) has a syntax "
                   f"error at line {broken.lineno}: {broken.message}: {broken.line.strip()}",
                   fatal=True)


def _who(unit: Unit) -> str:
    names = sorted(unit.binds)
    return f"{', '.join(names)} ({unit.cell.label})" if names else unit.cell.label


def _not_extracted(name: str, user: Unit, resolver: _Resolver) -> Problem:
    where = resolver.bindings[name][-1]
    return Problem(ProblemKind.NOT_EXTRACTED,
                   f"{_who(user)} uses {name}, which is defined only by top-level code that "
                   f"is not run when grading ({where.cell.label}: {resolver.why_not(where)}); "
                   f"define {name} at the top level as an import, a constant or a function",
                   fatal=False)


def _ordered(units: list[Unit]) -> list[Unit]:
    """Notebook order, except that what a statement reads when it runs comes before it (a
    base class defined in a later cell, as when cells were run out of order)."""
    by_name: dict[str, Unit] = {}
    for unit in sorted(units, key=lambda u: u.order):
        for name in unit.binds:
            by_name[name] = unit
    done: list[Unit] = []
    placed: set[int] = set()
    visiting: set[int] = set()

    def place(unit: Unit) -> None:
        if unit.order in placed or unit.order in visiting:
            return
        visiting.add(unit.order)
        for dep in sorted(unit.deftime):
            target = by_name.get(dep)
            if target is not None and target.order != unit.order and dep not in unit.binds:
                place(target)
        visiting.discard(unit.order)
        placed.add(unit.order)
        done.append(unit)

    for unit in sorted(units, key=lambda u: u.order):
        place(unit)
    return done


#: The first words of every module built here (how a traceback's line is traced to a cell).
BUILT_HEADER = "# Built by gradspec from "
#: The line above each statement of a built module: where it starts in its cell.
_MARKER = re.compile(r"^# (.+), line (\d+)$")


#: Names a kernel provides without an import, as a plain module gets them (a ``display(x)``
#: left in a function prints ``x``, as it does in a terminal's IPython).
KERNEL_BUILTINS = {"display": "def display(*objs, **kwargs):\n    for obj in objs:\n"
                              "        print(repr(obj))"}


def _module_text(title: str, future: Sequence[str], units: Sequence[Unit],
                 kernel_names: Iterable[str] = ()) -> str:
    lines = [f"{BUILT_HEADER}{title}: the definitions the exercise needs, the",
             "# imports and constants they use; nothing else of the notebook runs.", ""]
    lines += [f"from __future__ import {f}" for f in future]
    for name in sorted(kernel_names):
        lines += ["", f"# {name}(), which a kernel provides", KERNEL_BUILTINS[name]]
    for unit in units:
        text = _as_main(unit.text) if unit.kind is Kind.GUARDED else unit.text
        lines += ["", f"# {unit.cell.label}, line {unit.line}", text]
    return "\n".join(lines) + "\n"


def _as_main(text: str) -> str:
    """A guarded statement whose ``if`` tests ``__name__`` with the value it has in a kernel,
    ``"__main__"`` (the built module is imported under its own name): definitions under
    ``if __name__ == "__main__":`` exist in the kernel, so they do in the module."""
    tests = [n.test for n in ast.walk(ast.parse(text)) if isinstance(n, ast.If)]
    names = sorted(((n.lineno, n.col_offset, n.end_col_offset) for test in tests
                    for n in ast.walk(test) if isinstance(n, ast.Name) and n.id == "__name__"),
                   reverse=True)
    lines = text.split("\n")
    for row, start, end in names:
        raw = lines[row - 1].encode()
        lines[row - 1] = (raw[:start] + b'"__main__"' + raw[end or start:]).decode()
    return "\n".join(lines)


def built_title(module_text: str) -> str | None:
    """The notebook a module built here was built from; None for a module this did not build."""
    if not module_text.startswith(BUILT_HEADER):
        return None
    return module_text.split("\n", 1)[0][len(BUILT_HEADER):].rsplit(": the definitions", 1)[0]


def cell_line(module_text: str, lineno: int) -> tuple[str, str, int] | None:
    """Where line ``lineno`` of a module built here stands in the notebook: (the notebook,
    the cell's label, the cell's line); None for a module this did not build."""
    title = built_title(module_text)
    if title is None:
        return None
    lines = module_text.split("\n")
    for row in range(min(lineno, len(lines)) - 2, 0, -1):
        marker = _MARKER.match(lines[row])
        if marker:
            return title, marker.group(1), int(marker.group(2)) + lineno - row - 2
    return None


def _failing_module(title: str, problems: Sequence[Problem]) -> str:
    message = "; ".join(p.message for p in problems)
    return (f"# Built by gradspec from {title}: it cannot be graded as it is.\n"
            f"raise SyntaxError({f'{title}: {message}'!r})\n")
