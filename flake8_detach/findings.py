"""What the checker reports: findings, and the text edits that fix them.

Front ends (flake8 plugin, command line) consume only these types, so they
never depend on libcst or on how the analysis works.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple


# How a message names a line of the analysed text, given that line and the finding's own line:
# "line 3" for a file; a notebook's front end names the cell ("line 2 of cell 3").
LineNamer = Callable[[int, int], str]


def numbered_line(line: int, finding_line: int) -> str:
    return f"line {line}"


class Applicability(enum.Enum):
    """How much a fix can be trusted (ruff's vocabulary)."""

    SAFE = "safe"  # removes the error and changes nothing else
    UNSAFE = "unsafe"  # removes the error but may change behaviour or was inferred
    DISPLAY_ONLY = "display-only"  # a suggestion; never applied


@dataclass(frozen=True, order=True)
class Position:
    """A place in the source: 1-based line, 0-based column in characters."""

    line: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between ``start`` and ``end`` with ``content``."""

    start: Position
    end: Position
    content: str


@dataclass(frozen=True)
class Fix:
    description: str
    edits: Tuple[Edit, ...]
    applicability: Applicability


@dataclass(frozen=True)
class TraceStep:
    """One place on the way from where a value gets its grad to where it is converted."""

    position: Position
    message: str


@dataclass(frozen=True)
class Finding:
    """``position`` to ``end`` is the reported code; ``trace`` the provenance, source first."""

    code: str
    message: str
    position: Position
    fix: Optional[Fix] = None
    # Where the flagged expression ends (editors underline position..end); None when unknown.
    end: Optional[Position] = None
    trace: Tuple[TraceStep, ...] = ()  # provenance: where the value gets its grad, ..., the conversion

    @property
    def end_position(self) -> Position:
        return self.position if self.end is None else self.end

    @property
    def line(self) -> int:
        return self.position.line

    @property
    def column(self) -> int:
        return self.position.column


_LINE_END = re.compile(r"\r\n|\r|\n")


def _offsets_of_lines(source: str) -> Sequence[int]:
    """Character offset at which each line starts (index 0 is line 1).

    Only the newlines Python's tokenizer knows end a line; ``str.splitlines``
    would also split at form feeds and other separators.
    """
    return [0] + [match.end() for match in _LINE_END.finditer(source)]


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    """Return ``source`` with ``edits`` applied; overlapping edits are skipped."""
    starts = _offsets_of_lines(source)

    def offset(position: Position) -> int:
        return starts[position.line - 1] + position.column

    result = source
    last_start = len(source) + 1
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        begin, end = offset(edit.start), offset(edit.end)
        if end > last_start:
            continue
        result = result[:begin] + edit.content + result[end:]
        last_start = begin
    return result
