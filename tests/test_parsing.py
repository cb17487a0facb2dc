"""Parsing in pieces gives the tree a whole-text parse gives, and prints the text again."""

from __future__ import annotations

import ast

import fuzzing
import libcst as cst
import pytest
from casefile import load_cases

from flake8_detach.analysis import parsing
from flake8_detach.analysis.relevance import relevant_source

_PROGRAMS = {
    **{case.name: case.source for case in load_cases()},
    **{f"seed-{name}": source for name, source in fuzzing.seed_programs().items()},
    "comments-at-cuts": "import torch\n# about f\n\n@torch.no_grad()\n# between\ndef f(x):\n    return x\n"
                        "    # indented, after the body\n# dedented\n\nx = 1; y = 2\nclass A:\n    pass\n# end",
    "crlf-and-lone-cr": "import torch\r\nx = 1\r\ny = (2,\r 3)\rz = 3\r\n",
    "only-comments": "# one\n\n# two\n",
    "tabs-then-spaces": "if True:\n\tx = 1\nif True:\n    y = 2\nif True:\n  z = 3\n",
    "form-feed": "x = 1\n\x0c\ndef f():\n    return 2\n",
}


@pytest.fixture(autouse=True)
def one_line_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut before every statement that allows it, so that small programs have many pieces."""
    monkeypatch.setattr(parsing, "PIECE_LINES", 1)


def _same_as_whole(text: str, tree: ast.Module) -> None:
    pieces = parsing.parse_module(text, tree)
    assert pieces.code == text
    assert pieces.deep_equals(cst.parse_module(text))


@pytest.mark.parametrize("source", list(_PROGRAMS.values()), ids=list(_PROGRAMS))
def test_pieces_join_into_the_whole_tree(source: str) -> None:
    tree = ast.parse(source)
    _same_as_whole(source, tree)
    narrowed = relevant_source(source, tree)
    if narrowed is not None:  # the narrowed text is parsed with the file's tree
        _same_as_whole(narrowed, tree)


def test_programs_are_cut() -> None:
    source = _PROGRAMS["comments-at-cuts"]
    assert parsing._cuts(ast.parse(source).body, source.count("\n")) == [3, 10, 11]


def test_a_syntax_error_names_the_texts_own_line() -> None:
    """A piece libcst refuses is parsed again whole, for an error that points into the text."""
    source = "x = 1\n" * 4 + "y = (1,\n"
    with pytest.raises(cst.ParserSyntaxError) as whole:
        cst.parse_module(source)
    with pytest.raises(cst.ParserSyntaxError) as pieces:
        parsing.parse_module(source, ast.parse("x = 1\n" * 4 + "y = 1\n"))
    assert pieces.value.raw_line == whole.value.raw_line > 1
