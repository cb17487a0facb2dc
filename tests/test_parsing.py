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
    # Cut inside functions and classes: nested, decorated, async, tabs, CRLF, comments at several
    # indentations between statements, a body that ends where the module goes on.
    "nested-bodies": "import torch\nclass A:\n    x = 1\n    @staticmethod\n    def f(t):\n        y = t\n"
                     "        def g():\n            z = 1\n            return z\n        return y\n"
                     "    async def h(self):\n        a = 1\n        # between\n        b = 2\n"
                     "# dedented\n        c = 3\n        return a\n    w = 2\n        # deeper, after\n"
                     "z = A()\n",
    "tabs-in-a-class": "class B:\n\tdef f(self):\n\t\tx = 1\n\t\ty = 2\n\tdef g(self):\n\t\treturn 3\n",
    "crlf-in-a-function": "def f():\r\n    x = 1\r\n    if x:\r\n        y = 2\r\n    z = 3\r\n    return z\r\n",
    "one-line-bodies": "def f(): x = 1; return x\nclass C: pass\ndef g():\n    a = 1; b = 2\n    return a\n",
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


_CUT_INSIDE = [name for name, source in _PROGRAMS.items()
               if any(cut.owners for cut in parsing._places(ast.parse(source).body, (), source.splitlines(True)))]


@pytest.mark.parametrize("name", _CUT_INSIDE)
def test_bodies_cut_inside_are_joined_not_parsed_again(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pieces of a function or class fit together: the text is never parsed whole."""
    source = _PROGRAMS[name]
    whole_parse = cst.parse_module

    def pieces_only(text: str) -> cst.Module:
        assert text != source, "parsed whole"
        return whole_parse(text)

    monkeypatch.setattr(parsing.cst, "parse_module", pieces_only)
    assert parsing.parse_module(source, ast.parse(source)).code == source


def test_functions_and_classes_are_cut_inside() -> None:
    assert {"nested-bodies", "tabs-in-a-class", "crlf-in-a-function"} <= set(_CUT_INSIDE)
    assert len(_CUT_INSIDE) > 50  # case programs and fuzz seeds, not only the ones above
    source = _PROGRAMS["nested-bodies"]
    cuts = parsing._cuts(ast.parse(source).body, source.splitlines(True))
    # Never before a body's first statement, nor where a comment comes between (b = 2, c = 3).
    assert [(cut.line, [getattr(owner, "name") for owner in cut.owners]) for cut in cuts] == [
        (0, []), (1, []), (3, ["A"]), (6, ["A", "f"]), (8, ["A", "f", "g"]), (9, ["A", "f"]),
        (10, ["A"]), (16, ["A", "h"]), (17, ["A"]), (19, []),
    ]


def test_programs_are_cut() -> None:
    source = _PROGRAMS["comments-at-cuts"]
    assert [cut.line for cut in parsing._cuts(ast.parse(source).body, source.splitlines(True))] == [0, 3, 10, 11]


def test_a_syntax_error_names_the_texts_own_line() -> None:
    """A piece libcst refuses is parsed again whole, for an error that points into the text."""
    source = "x = 1\n" * 4 + "y = (1,\n"
    with pytest.raises(cst.ParserSyntaxError) as whole:
        cst.parse_module(source)
    with pytest.raises(cst.ParserSyntaxError) as pieces:
        parsing.parse_module(source, ast.parse("x = 1\n" * 4 + "y = 1\n"))
    assert pieces.value.raw_line == whole.value.raw_line > 1
