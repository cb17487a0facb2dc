"""libcst's parse, a few hundred lines at a time.

``libcst.parse_module`` takes more time per line the longer the text (the generated files of
``benchmarks/README.md``: 102, 156 and 158 ms per 1,000 lines at 1k, 10k and 100k lines), and
parsing the same text in pieces costs less (torch's ``testing``, ``nn``... sources: the kept text
of 21 files in 6.2 s of CPU in pieces against 8.8 s whole).  So the text is cut before
statements (``ast`` says where they start), each piece parsed as a module, and the pieces'
statements joined into one ``Module`` whose code is the text again: the blank lines and comments
at a cut between top-level statements are the next statement's leading lines.

A long function or class is cut too, before a statement of its body that directly follows the
one before it (no line in between to share out).  The piece that starts there is parsed behind
one ``if 1:`` line per enclosing function or class, each at that statement's indentation, so
that its lines keep their indentation and dedent as they do in the file; what each wrapper holds
is appended to the body it stands for.  A 64,000-line function parses in 76 us a line in
pieces of 200 lines, in 168 us a line whole.
"""

from __future__ import annotations

import ast
import io
from dataclasses import dataclass
from typing import Iterator, List, Sequence, Tuple, Union, cast

import libcst as cst

# Lines per piece: on timm's vision_transformer.py (4,922 lines; CPU, best of 3) pieces of 30 to
# 200 lines parse in 0.26-0.27 s, of 300 in 0.28 s, of 1,000 in 0.32 s, the whole text in 0.35 s.
PIECE_LINES = 200
# Statements with one indented block and nothing after it: their bodies can be cut.
_BLOCK_OWNERS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_WRAPPER = "if 1:"


@dataclass(frozen=True)
class _Cut:
    line: int  # 0-based: where a piece starts
    owners: Tuple[ast.stmt, ...] = ()  # the functions and classes it starts inside, outermost first


class _Unjoinable(Exception):
    """The pieces do not fit together as expected: parse the text whole."""


def parse_module(text: str, tree: ast.Module) -> cst.Module:
    """``text`` parsed by libcst; ``tree`` is its ``ast`` (or that of a text with the same
    lines and top-level statements, such as the file ``text`` was narrowed from)."""
    lines = io.StringIO(text, newline="").readlines()  # Python's line ends, as ast counts them
    cuts = _cuts(tree.body, lines)
    if not cuts:
        return cst.parse_module(text)
    ends = [cut.line for cut in cuts[1:]] + [len(lines)]
    try:
        pieces = [cst.parse_module(_wrapper(cut, lines) + "".join(lines[cut.line:end])) for cut, end in zip(cuts, ends)]
    except cst.ParserSyntaxError:
        return cst.parse_module(text)  # the error again, with the text's own line numbers
    if any((piece.default_indent, piece.default_newline) != (pieces[0].default_indent, pieces[0].default_newline)
           for piece in pieces):
        # Blocks indented by a piece's own default carry no indent of their own: pieces that
        # disagree would print differently once joined.
        return cst.parse_module(text)
    try:
        return _joined(list(zip(cuts, pieces)))
    except _Unjoinable:
        return cst.parse_module(text)


def _cuts(statements: Sequence[ast.stmt], lines: Sequence[str]) -> List[_Cut]:
    """Where pieces start: the first at line 0, the others at least PIECE_LINES apart and from
    the end."""
    cuts = [_Cut(0)]
    for cut in _places(statements, (), lines):
        if cut.line - cuts[-1].line >= PIECE_LINES and len(lines) - cut.line >= PIECE_LINES:
            cuts.append(cut)
    return cuts if len(cuts) > 1 else []


def _places(statements: Sequence[ast.stmt], owners: Tuple[ast.stmt, ...], lines: Sequence[str]) -> Iterator[_Cut]:
    """Every place a piece may start, in the text's order: a top-level statement that shares no
    line with the one before it; in a function's or class's body, a statement after another that
    ends on the line before."""
    previous_end = 0
    for index, statement in enumerate(statements):
        first = min([statement.lineno, *(node.lineno for node in getattr(statement, "decorator_list", ()))]) - 1
        if (first >= previous_end) if not owners else (index and first == previous_end):
            yield _Cut(first, owners)
        previous_end = statement.end_lineno or statement.lineno
        if isinstance(statement, _BLOCK_OWNERS) and lines[statement.lineno - 1].strip():  # not blanked out
            yield from _places(statement.body, (*owners, statement), lines)


def _wrapper(cut: _Cut, lines: Sequence[str]) -> str:
    """One ``if 1:`` line for each function or class the piece starts inside, at its indentation."""
    opening = lines[cut.line]
    newline = opening[len(opening.rstrip("\r\n")):]
    wrapper = ""
    for owner in cut.owners:
        header = lines[owner.lineno - 1]
        wrapper += header[:len(header) - len(header.lstrip())] + _WRAPPER + newline
    return wrapper


_Statement = cst.BaseStatement


class _Open:
    """A function or class whose body continues in later pieces: its statements so far."""

    def __init__(self, node: Union[cst.FunctionDef, cst.ClassDef], block: cst.IndentedBlock) -> None:
        self.node = node
        self.body: List[Union[_Statement, _Open]] = list(block.body)
        self.footer = block.footer

    def closed(self) -> Union[cst.FunctionDef, cst.ClassDef]:
        block = cst.ensure_type(self.node.body, cst.IndentedBlock)
        return self.node.with_changes(body=block.with_changes(body=_closed(self.body), footer=self.footer))


def _closed(items: Sequence[Union[_Statement, _Open]]) -> List[_Statement]:
    return [item.closed() if isinstance(item, _Open) else item for item in items]


def _joined(pieces: Sequence[Tuple[_Cut, cst.Module]]) -> cst.Module:
    body: List[Union[_Statement, _Open]] = []
    between: List[cst.EmptyLine] = []  # lines after the last statement, before the next one
    for index, (cut, piece) in enumerate(pieces):
        statements = list(piece.body)
        if cut.owners:  # the wrappers first: no line before them, none left over at the cut
            if between or piece.header or not statements:
                raise _Unjoinable
            _continue(body, cut.owners, statements.pop(0))
        elif index:
            between += piece.header
        if statements and between:
            opening = statements[0]
            statements[0] = opening.with_changes(leading_lines=[*between, *opening.leading_lines])
            between = []
        body += statements
        between += piece.footer
    first, last = pieces[0][1], pieces[-1][1]
    # A module's statements are the same two kinds of statement (its annotation names them).
    statements = cast(List[Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]], _closed(body))
    return cst.Module(
        body=statements, header=first.header, footer=between, encoding=first.encoding,
        default_indent=first.default_indent, default_newline=first.default_newline,
        has_trailing_newline=last.has_trailing_newline,
    )


def _continue(items: List[Union[_Statement, _Open]], owners: Sequence[ast.stmt], wrapper: _Statement) -> None:
    """Append what ``wrapper`` holds to the body of ``owners[0]``, the last of ``items`` (and
    so on inwards for the next owners)."""
    opened = _opened(items, owners[0])
    if not (isinstance(wrapper, cst.If) and wrapper.orelse is None and not wrapper.leading_lines
            and isinstance(wrapper.body, cst.IndentedBlock)):
        raise _Unjoinable
    inner = list(wrapper.body.body)
    if len(owners) > 1:
        if not inner:
            raise _Unjoinable
        _continue(opened.body, owners[1:], inner.pop(0))
    opened.body += inner
    opened.footer = wrapper.body.footer


def _opened(items: List[Union[_Statement, _Open]], owner: ast.stmt) -> _Open:
    """The last of ``items``, which is ``owner``, opened for more statements."""
    last = items[-1] if items else None
    if isinstance(last, _Open):
        return last
    if not (isinstance(last, (cst.FunctionDef, cst.ClassDef)) and isinstance(last.body, cst.IndentedBlock)
            and last.name.value == getattr(owner, "name", None)):
        raise _Unjoinable
    items[-1] = opened = _Open(last, last.body)
    return opened
