"""The case-file loader reads the format exactly and fails loudly on anything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from casefile import CaseFormatError, load_cases, parse_case_file

GOOD = """\
# A description of the file.

# case: first-case
import torch

x = torch.rand(3, requires_grad=True)
x.numpy()  # expect: DET101

# case: second-case
text = "# expect: DET102 inside a string is not an expectation"
def f(t):
    return t.numpy()  # expect: DET103
"""


def _write(tmp_path: Path, text: str, name: str = "cases.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bodies_lines_and_expectations(tmp_path: Path) -> None:
    first, second = parse_case_file(_write(tmp_path, GOOD))
    assert first.name == "first-case" and first.header_line == 3
    assert first.source.startswith("import torch\n") and first.source.endswith("# expect: DET101\n")
    assert first.expectations == ((4, "DET101"),)
    assert first.definite == ((4, "DET101"),) and first.file_line(4) == 7
    assert second.expectations == ((3, "DET103"),)
    assert second.definite == () and second.undecided_lines == (3,)


def test_a_line_may_expect_several_codes(tmp_path: Path) -> None:
    (case,) = parse_case_file(_write(tmp_path, "# case: a\nx = 1  # expect: DET102,  DET103\n"))
    assert case.expectations == ((1, "DET102"), (1, "DET103"))


@pytest.mark.parametrize(
    "text, message",
    [
        ("# case: Bad_Name\nx = 1\n", "malformed case header"),
        ("#case: missing-space\nx = 1\n", "malformed case header"),
        ("x = 1\n# case: late\nx = 2\n", "code before the first"),
        ("# case: empty\n\n# case: other\nx = 1\n", "empty body"),
        ("# case: a\nx = 1  # expect DET101\n", "malformed expectation"),
        ("# case: a\nx = 1  # expect: DET999\n", "unknown code"),
        ("# case: a\nx = 1  # expect: det101\n", "malformed expectation"),
        ("# case: a\n# expect: DET101\nx = 1\n", "must end a line of code"),
        ("# case: a\nx = 1  # expect: DET101 # expect: DET102\n", "malformed expectation"),
        ("# case: a\nx = 1  # expect: DET101 DET102\n", "malformed expectation"),
        ("# case: a\nx = 1  # expect: DET101, DET101\n", "DET101 twice on a line"),
        ("# case: a\nx = 1  # expect: DET101, DET999\n", "unknown code DET999"),
        ("# case: a\nx = (\n", "does not tokenize"),
        ("# just a comment\n", "no cases"),
    ],
)
def test_malformed_files_fail_loudly(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CaseFormatError, match=message):
        parse_case_file(_write(tmp_path, text))


def test_duplicate_names_across_files_fail(tmp_path: Path) -> None:
    _write(tmp_path, "# case: same\nx = 1\n", "a.py")
    _write(tmp_path, "# case: same\nx = 2\n", "b.py")
    with pytest.raises(CaseFormatError, match="duplicate case name 'same'"):
        load_cases(tmp_path)


def test_empty_directory_fails(tmp_path: Path) -> None:
    with pytest.raises(CaseFormatError, match="no case files"):
        load_cases(tmp_path)


def test_the_shipped_tables_load() -> None:
    cases = load_cases()
    assert len({case.name for case in cases}) == len(cases)
