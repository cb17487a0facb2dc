"""Source positions of a few chosen nodes, computed in one code-generation pass.

libcst's PositionProvider records a range for every node of the module, which
costs about twice the parse.  Findings are rare, so we generate code only
when there is something to report, and record only the nodes asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

from flake8_detach.findings import Position

_NEWLINE = re.compile(r"\r\n?|\n")


class _AllFound(Exception):
    """Stops code generation once every wanted node has its range."""


@dataclass
class _RecordingState(CodegenState):
    wanted: Set[int] = field(default_factory=set)
    ranges: Dict[int, Tuple[Position, Position]] = field(default_factory=dict)
    outer_ranges: Dict[int, Tuple[Position, Position]] = field(default_factory=dict)
    line: int = 1
    column: int = 0
    _starts: List[Position] = field(default_factory=list)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self._advance(value)

    def _advance(self, value: str) -> None:
        segments = _NEWLINE.split(value)
        if len(segments) == 1:
            self.column += len(value)
        else:
            self.line += len(segments) - 1
            self.column = len(segments[-1])

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append(Position(self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        key = id(node)
        if key in self.wanted:
            outer = (start, Position(self.line, self.column))
            self.outer_ranges[key] = outer
            self.ranges.setdefault(key, outer)
            if len(self.outer_ranges) == len(self.wanted):
                raise _AllFound

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> "_SyntacticRecorder":
        return _SyntacticRecorder(self, node)


class _SyntacticRecorder:
    """Records a node's range without the parentheses and whitespace it owns."""

    def __init__(self, state: _RecordingState, node: cst.CSTNode) -> None:
        self.state, self.node = state, node

    def __enter__(self) -> None:
        self.start = Position(self.state.line, self.state.column)

    def __exit__(self, *exc: object) -> None:
        key = id(self.node)
        if key in self.state.wanted and exc[0] is None:
            self.state.ranges[key] = (self.start, Position(self.state.line, self.state.column))


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
        self._ranges = state.ranges
        self._outer_ranges = state.outer_ranges

    def start(self, node: cst.CSTNode) -> Position:
        return self._ranges[id(node)][0]

    def end(self, node: cst.CSTNode) -> Position:
        return self._ranges[id(node)][1]

    def outer_end(self, node: cst.CSTNode) -> Position:
        """The end including the node's own closing parentheses."""
        return self._outer_ranges[id(node)][1]
