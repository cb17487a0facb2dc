"""A generated program: statements as lines, each knowing which flow and constructs it belongs to.

Every statement the generator writes is one physical line, so a line is the unit that the
labeller (which line converted a tensor), the scorer (which construct a finding belongs to)
and the shrinker (which statement to delete) all share.  Blank lines are added when the
program is rendered and are never part of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

INDENT = "    "
SHARED = -1  # the flow number of imports and of the context every flow may use


@dataclass(frozen=True)
class Line:
    text: str  # the statement, without indentation
    depth: int  # indentation level
    tags: FrozenSet[str] = frozenset()  # the constructs this statement embodies
    flow: int = SHARED

    def rendered(self) -> str:
        return INDENT * self.depth + self.text


@dataclass(frozen=True)
class Program:
    seed: int
    lines: Tuple[Line, ...]
    # Rendered once: the source text and, for each line, its 1-based number in it.
    source: str = field(init=False, compare=False)
    numbers: Tuple[int, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        source, numbers = _render(self.lines)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "numbers", numbers)

    def index_of(self, number: int) -> Optional[int]:
        """The line at source line ``number`` (None for a blank line)."""
        return _index_by_number(self.numbers).get(number)

    def line_at(self, number: int) -> Optional[Line]:
        index = self.index_of(number)
        return None if index is None else self.lines[index]

    def flow_tags(self) -> Dict[int, FrozenSet[str]]:
        """The constructs of each flow: the union of its lines' tags."""
        tags: Dict[int, FrozenSet[str]] = {}
        for line in self.lines:
            tags[line.flow] = tags.get(line.flow, frozenset()) | line.tags
        return tags

    @property
    def constructs(self) -> FrozenSet[str]:
        return frozenset(tag for line in self.lines for tag in line.tags)

    @classmethod
    def from_source(cls, source: str, seed: int = 0) -> "Program":
        """A program written by hand (four-space indentation, one statement per line, no tags)."""
        lines = [Line(text.strip(), (len(text) - len(text.lstrip())) // len(INDENT)) for text in source.splitlines()
                 if text.strip()]
        return cls(seed, tuple(lines))

    def without(self, indices: Iterable[int]) -> "Program":
        dropped = set(indices)
        return Program(self.seed, tuple(line for i, line in enumerate(self.lines) if i not in dropped))

    def replaced(self, lines: Iterable[Line]) -> "Program":
        return Program(self.seed, tuple(lines))


_INDEX_CACHE: Dict[Tuple[int, ...], Dict[int, int]] = {}


def _index_by_number(numbers: Tuple[int, ...]) -> Dict[int, int]:
    found = _INDEX_CACHE.get(numbers)
    if found is None:
        if len(_INDEX_CACHE) > 256:
            _INDEX_CACHE.clear()
        found = _INDEX_CACHE[numbers] = {number: index for index, number in enumerate(numbers)}
    return found


def _is_import(line: Line) -> bool:
    return line.text.startswith(("import ", "from "))


def _opens_definition(line: Line) -> bool:
    return line.text.startswith(("def ", "class ", "@"))


def _blank_before(previous: Optional[Line], line: Line, after_definition: bool) -> int:
    """PEP 8's spacing: two blank lines around top-level definitions, one between methods and
    after the imports."""
    if previous is None or previous.text.startswith("@"):
        return 0
    if line.depth > 0:
        return 1 if line.text.startswith("def ") and previous.depth >= line.depth else 0
    if _is_import(previous) and not _is_import(line):
        return 2 if _opens_definition(line) else 1
    if _opens_definition(line) or after_definition:
        return 2
    return 0


def _render(lines: Tuple[Line, ...]) -> Tuple[str, Tuple[int, ...]]:
    text: List[str] = []
    numbers: List[int] = []
    previous: Optional[Line] = None
    in_definition = False  # the last top-level statement opened a function or class
    for line in lines:
        after_definition = in_definition and line.depth == 0 and previous is not None and previous.depth > 0
        text.extend([""] * _blank_before(previous, line, after_definition))
        text.append(line.rendered())
        numbers.append(len(text))
        if line.depth == 0:
            in_definition = _opens_definition(line)
        previous = line
    return "\n".join(text) + "\n", tuple(numbers)
