"""Source positions of a few chosen nodes, computed in one code-generation pass.

libcst's PositionProvider records a range for every node of the module, which
costs about twice the parse.  Findings are rare, so we generate code only
when there is something to report, stop after the last node asked for, and
note only where those nodes start and end, as indexes into the list of
generated tokens; lines and columns are counted afterwards, once, over the
joined text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Dict, Iterable, List, Optional, Set, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

from flake8_detach.findings import Position

_NEWLINE = re.compile(r"\r\n?|\n")

_Span = Tuple[int, int]  # token indexes: where a node starts and where it ends


class _AllFound(Exception):
    """Stops code generation once every wanted node has its range."""


class _NotWanted:
    """The context of a node whose position nobody asked for: records nothing."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NOT_WANTED = _NotWanted()


@dataclass
class _RecordingState(CodegenState):
    wanted: Set[int] = field(default_factory=set)
    spans: Dict[int, _Span] = field(default_factory=dict)  # syntactic: without parentheses
    outer_spans: Dict[int, _Span] = field(default_factory=dict)  # with them
    _starts: Dict[int, int] = field(default_factory=dict)

    def before_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted:
            self._starts[key] = len(self.tokens)

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted:
            outer = (self._starts[key], len(self.tokens))
            self.outer_spans[key] = outer
            self.spans.setdefault(key, outer)
            if len(self.outer_spans) == len(self.wanted):
                raise _AllFound

    def pop_trailing_newline(self) -> None:
        """Keep the module's last newline: the token indexes count it."""

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> "_SyntacticRecorder | _NotWanted":
        return _SyntacticRecorder(self, node) if id(node) in self.wanted else _NOT_WANTED


class _SyntacticRecorder:
    """Records a node's range without the parentheses and whitespace it owns."""

    def __init__(self, state: _RecordingState, node: cst.CSTNode) -> None:
        self.state, self.node = state, node

    def __enter__(self) -> None:
        self.start = len(self.state.tokens)

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.state.spans[id(self.node)] = (self.start, len(self.state.tokens))


class _Lines:
    """Turns an index into the generated tokens into a line and a column."""

    def __init__(self, tokens: List[str]) -> None:
        self._offsets = [0, *accumulate(map(len, tokens))]
        self._line_starts = [match.end() for match in _NEWLINE.finditer("".join(tokens))]

    def position(self, index: int) -> Position:
        offset = self._offsets[index]
        line = bisect_right(self._line_starts, offset)
        return Position(line + 1, offset - (self._line_starts[line - 1] if line else 0))


class Positions:
    """Start and end of each wanted node (syntactic: without surrounding parentheses)."""

    def __init__(self, module: cst.Module, nodes: Iterable[cst.CSTNode]) -> None:
        self._nodes = {id(node): node for node in nodes}  # keeps the ids alive
        state = _RecordingState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            wanted=set(self._nodes),
        )
        try:
            module._codegen(state)
        except _AllFound:
            pass
        lines = _Lines(state.tokens)
        self._ranges = {key: _positions(lines, span) for key, span in state.spans.items()}
        self._outer_ranges = {key: _positions(lines, span) for key, span in state.outer_spans.items()}

    def start(self, node: cst.CSTNode) -> Position:
        return self._ranges[id(node)][0]

    def end(self, node: cst.CSTNode) -> Position:
        return self._ranges[id(node)][1]

    def outer_end(self, node: cst.CSTNode) -> Position:
        """The end including the node's own closing parentheses."""
        return self._outer_ranges[id(node)][1]


def _positions(lines: _Lines, span: _Span) -> Tuple[Position, Position]:
    return lines.position(span[0]), lines.position(span[1])
