"""Text from a run made safe for a report: student output can never become markup."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
_BACKTICKS = re.compile(r"`+")
#: What drives a terminal or reorders text: C0 and C1 controls but newline and tab, DEL, and
#: the bidirectional embeddings, overrides and isolates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character shown as its escape (``\\x1b``): student output
    in a message can neither drive the terminal that prints it nor hide text from a reader."""
    return _CONTROLS.sub(_escape, str(text))


def md_escape(text: str) -> str:
    """``text`` as literal Markdown: no links, emphasis, tables or raw HTML from student output."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[:limit - 3] + "..."


def fence(text: str) -> str:
    """A Markdown code block holding ``text`` verbatim, whatever backticks it contains."""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"
