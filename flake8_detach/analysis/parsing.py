"""libcst's parse, a few hundred lines at a time.

``libcst.parse_module`` takes more time per line the longer the text (the generated files of
``benchmarks/README.md``: 102, 156 and 158 ms per 1,000 lines at 1k, 10k and 100k lines), and
parsing the same text in pieces costs less (torch's ``testing``, ``nn``... sources: the kept text
of 21 files in 6.2 s of CPU in pieces against 8.8 s whole).  So the text is cut between
top-level statements (``ast`` says where they start), each piece parsed as a module, and
the pieces' statements joined into one ``Module`` whose code is the text again: the blank
lines and comments at a cut are the next statement's leading lines.
"""

from __future__ import annotations

import ast
import io
from typing import List, Sequence, Union

import libcst as cst

# Lines per piece: on timm's vision_transformer.py (4,922 lines; CPU, best of 3) pieces of 30 to
# 200 lines parse in 0.26-0.27 s, of 300 in 0.28 s, of 1,000 in 0.32 s, the whole text in 0.35 s.
PIECE_LINES = 200


def parse_module(text: str, tree: ast.Module) -> cst.Module:
    """``text`` parsed by libcst; ``tree`` is its ``ast`` (or that of a text with the same
    lines and top-level statements, such as the file ``text`` was narrowed from)."""
    lines = io.StringIO(text, newline="").readlines()  # Python's line ends, as ast counts them
    cuts = _cuts(tree.body, len(lines))
    if not cuts:
        return cst.parse_module(text)
    bounds = [0, *cuts, len(lines)]
    try:
        pieces = [cst.parse_module("".join(lines[start:end])) for start, end in zip(bounds, bounds[1:])]
    except cst.ParserSyntaxError:
        return cst.parse_module(text)  # the error again, with the text's own line numbers
    if any((piece.default_indent, piece.default_newline) != (pieces[0].default_indent, pieces[0].default_newline)
           for piece in pieces):
        # Blocks indented by a piece's own default carry no indent of their own: pieces that
        # disagree would print differently once joined.
        return cst.parse_module(text)
    return _joined(pieces)


def _cuts(statements: Sequence[ast.stmt], line_count: int) -> List[int]:
    """0-based lines where a piece may start: the first line of a top-level statement that
    shares no line with the statement before it, at least PIECE_LINES after the last cut."""
    cuts: List[int] = []
    previous_end = 0
    last = 0
    for statement in statements:
        first = min([statement.lineno, *(node.lineno for node in getattr(statement, "decorator_list", ()))]) - 1
        if first >= previous_end and first - last >= PIECE_LINES and line_count - first >= PIECE_LINES:
            cuts.append(first)
            last = first
        previous_end = statement.end_lineno or statement.lineno
    return cuts


def _joined(pieces: Sequence[cst.Module]) -> cst.Module:
    body: List[Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]] = []
    between: List[cst.EmptyLine] = []  # lines after the last statement, before the next one
    for index, piece in enumerate(pieces):
        if index:
            between += piece.header
        statements = list(piece.body)
        if statements and between:
            opening = statements[0]
            statements[0] = opening.with_changes(leading_lines=[*between, *opening.leading_lines])
            between = []
        body += statements
        between += piece.footer
    first, last = pieces[0], pieces[-1]
    return cst.Module(
        body=body, header=first.header, footer=between, encoding=first.encoding,
        default_indent=first.default_indent, default_newline=first.default_newline,
        has_trailing_newline=last.has_trailing_newline,
    )
