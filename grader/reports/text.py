"""Text from a run made safe for a report: student output can never become markup."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
_BACKTICKS = re.compile(r"`+")


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
