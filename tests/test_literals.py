"""The analysis reads string and integer literals without compiling them; it must read them right."""

from __future__ import annotations

import ast

import libcst as cst
from hypothesis import given, settings
from hypothesis import strategies as st

from flake8_detach.analysis.syntax import integer_value, string_value

_QUOTES = ["'", '"', "'''", '"""']


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12), st.sampled_from(_QUOTES),
       st.sampled_from(["", "r", "b", "u", "R"]))
def test_string_literals_read_as_python_reads_them(text: str, quote: str, prefix: str) -> None:
    literal = prefix + quote + text + quote
    try:
        expected = ast.literal_eval(literal)
        node = cst.parse_expression(literal)
    except Exception:  # noqa: BLE001 - not a valid literal (quote inside, newline in a short string...)
        return
    if isinstance(node, cst.SimpleString):
        assert string_value(node) == expected


def test_integer_literals() -> None:
    for literal, value in [("0", 0), ("42", 42), ("0x1F", 31), ("1_000", 1000), ("0o7", 7)]:
        node = cst.parse_expression(literal)
        assert isinstance(node, cst.Integer)
        assert integer_value(node) == value
