"""The editor's helpers (frontends/editor.py), without a language server."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flake8_detach.checker import check_source
from flake8_detach.findings import Finding, Position, apply_edits
from flake8_detach.frontends.editor import noqa_edit, replacement, rule_url
from flake8_detach.frontends.ruledocs import readme_anchor
from flake8_detach.frontends.filtering import Noqa
from flake8_detach.frontends.sources import skipped_under, split_lines
from flake8_detach.rules import RULES
from tests.frontend_support import DET101, DET102, ROOT


def test_findings_span_the_flagged_expression() -> None:
    (numpy,) = check_source(DET101)
    assert (numpy.position, numpy.end) == (Position(3, 2), Position(3, 7))  # "numpy"
    (asarray,) = check_source(DET102)
    assert (asarray.position, asarray.end) == (Position(4, 4), Position(4, 14))  # "np.asarray"


def test_a_byte_order_mark_shifts_the_end_too() -> None:
    one_line = "import torch; x = torch.rand(3, requires_grad=True); x.numpy()\n"
    (plain,) = check_source(one_line)
    (marked,) = check_source("\ufeff" + one_line)
    assert plain.end is not None and marked.end == Position(1, plain.end.column + 1)
    assert marked.position == Position(1, plain.position.column + 1)


def silenced(text: str, line: int) -> Optional[str]:
    """``text`` after the "add noqa" edit for a DET101 finding on ``line``, checked to silence it and to parse."""
    finding = Finding("DET101", "m", Position(line, 0))
    edit = noqa_edit(split_lines(text), Noqa(text), finding)
    if edit is None:
        return None
    result = apply_edits(text, [edit])
    assert Noqa(result).suppresses(finding)
    ast.parse(result)
    return result


@pytest.mark.parametrize(("text", "line", "expected"), [
    ("x.numpy()\n", 1, "x.numpy()  # noqa: DET101\n"),
    ("x.numpy()   \r\n", 1, "x.numpy()  # noqa: DET101\r\n"),  # trailing blanks go, the line ending stays
    ("x.numpy()", 1, "x.numpy()  # noqa: DET101"),
    ("x.numpy()  # why\n", 1, "x.numpy()  # why  # noqa: DET101\n"),
    ("x.numpy()  # noqa:E501\n", 1, "x.numpy()  # noqa:E501, DET101\n"),
    ("x.numpy()  # NOQA: E501,W291 trailing words\n", 1, "x.numpy()  # NOQA: E501,W291, DET101 trailing words\n"),
    # The comment goes where flake8 reads it: after the string that continues the line, and after
    # the backslash continuation, never inside the string or after the backslash.
    ('f(x.numpy(), """a\nb""")\n', 1, 'f(x.numpy(), """a\nb""")  # noqa: DET101\n'),
    ("y = x.numpy() + \\\n    1\n", 1, "y = x.numpy() + \\\n    1  # noqa: DET101\n"),
    ("f(\n    x.numpy(),\n)\n", 2, "f(\n    x.numpy(),  # noqa: DET101\n)\n"),
])
def test_noqa_edit(text: str, line: int, expected: str) -> None:
    assert silenced(text, line) == expected


def test_a_bare_noqa_needs_nothing() -> None:
    assert silenced("x.numpy()  # noqa\n", 1) is None


LINE = st.text(alphabet="ab \t", max_size=4).flatmap(
    lambda body: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda end: body + end))


@given(st.lists(LINE, max_size=6), st.lists(LINE, max_size=6), st.text(alphabet="ab", max_size=3))
def test_replacement_turns_one_text_into_the_other(before: List[str], after: List[str], last: str) -> None:
    old, new = "".join(before) + last, "".join(after)
    if old != new:
        assert apply_edits(old, [replacement(old, new)]) == new


def test_replacement_spans_only_the_changed_lines() -> None:
    edit = replacement("a\nb\nc\n", "a\nB\nc\n")
    assert (edit.start, edit.end, edit.content) == (Position(2, 0), Position(3, 0), "B\n")


@pytest.mark.parametrize(("relative", "patterns", "skipped"), [
    ("src/train.py", (), False),
    ("build/train.py", (), True),  # a default exclude, as when the folder is searched
    ("src/generated/model.py", ("generated",), True),
    ("src/model_pb2.py", ("*_pb2.py",), True),
    ("src/train.py", ("{top}/src",), True),
    ("../elsewhere/build/train.py", (), False),  # outside: judged as a named file
])
def test_skipped_under(tmp_path: Path, relative: str, patterns: tuple, skipped: bool) -> None:
    top = tmp_path / "top"
    resolved = tuple(pattern.format(top=top) for pattern in patterns)
    assert skipped_under(str(top), str(top / relative), resolved) is skipped


def test_rule_links_are_readme_anchors() -> None:
    headings = (ROOT / "README.md").read_text().splitlines()
    for rule in RULES.values():
        assert f"### {rule.code} ({rule.name})" in headings
    assert readme_anchor(RULES["DET101"]) == "det101-numpy-on-grad-tensor"
    assert rule_url("DET102", "https://example.org/flake8-detach/") == \
        "https://example.org/flake8-detach#det102-implicit-conversion-of-grad-tensor"
    assert rule_url("DET102", None) is None and rule_url("E501", "https://example.org") is None


def test_lint_tells_the_checker_which_rules_the_file_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As ``check`` does: the walk over the ``ast`` clears more files when DET103 is not shown,
    and a per-file ignore hides rules for that file only."""
    import flake8_detach.checker
    from flake8_detach.frontends.codes import DEFAULT_OFF
    from flake8_detach.frontends.editor import lint, load_config

    (tmp_path / "setup.cfg").write_text("[flake8]\nper-file-ignores =\n    legacy/*.py: DET101\n", encoding="utf-8")
    asked: List[object] = []
    original = flake8_detach.checker.check_source
    monkeypatch.setattr(flake8_detach.checker, "check_source",
                        lambda source, settings, **kwargs: asked.append(settings.rules) or original(
                            source, settings, **kwargs))
    config = load_config(tmp_path)
    assert [finding.code for finding in lint(DET101, config, str(tmp_path / "model.py")).findings] == ["DET101"]
    assert lint(DET101, config, str(tmp_path / "legacy" / "model.py")).findings == []
    default = frozenset(RULES) - frozenset(DEFAULT_OFF)
    assert asked == [default, default - {"DET101"}]
