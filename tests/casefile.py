"""The case tables in ``tests/cases/*.py``: loading, and the format they follow.

A case file holds many cases.  Each starts with a header line
``# case: <kebab-name>`` and runs until the next header; the lines after the
header (the *body*) are a complete, standalone program.  Line numbers are
counted within the body: the first line after the header is line 1.

Expectations are comments at the end of a body line, a code or several, each once::

    arr = out.numpy()  # expect: DET101
    arr = out_on_gpu.numpy()  # expect: DET101, DET201

Lines before the first header may only be blank or comments (a file's
description).  Anything else that does not follow the format (a malformed
header, a duplicate name, an unknown code, a code twice on one line, a comment
that mentions ``expect`` without the exact form) raises ``CaseFormatError``.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from flake8_detach.rules import GRAD_ERROR_CODES, RULES

CASES_DIR = Path(__file__).resolve().parent / "cases"

CODES = tuple(RULES)
# The codes whose lines raise at run time; DET103 marks a line that cannot be decided.
DEFINITE = GRAD_ERROR_CODES

_HEADER = re.compile(r"^# case: (?P<name>[a-z0-9]+(?:-[a-z0-9]+)*)$")
_HEADER_LIKE = re.compile(r"^#\s*case\b")
_EXPECT = re.compile(r"^#\s*expect:\s*(?P<codes>DET\d{3}(?:,\s*DET\d{3})*)\s*$")
_EXPECT_LIKE = re.compile(r"\bexpect\b", re.IGNORECASE)


class CaseFormatError(ValueError):
    """A case file does not follow the format."""


@dataclass(frozen=True)
class Case:
    name: str
    file: Path
    header_line: int  # line of the ``# case:`` header in ``file`` (1-based)
    source: str  # the body: a standalone program
    expectations: Tuple[Tuple[int, str], ...]  # (body line, code), sorted

    @property
    def definite(self) -> Tuple[Tuple[int, str], ...]:
        """The expectations that claim the program raises (DET101/DET102/DET104)."""
        return tuple(item for item in self.expectations if item[1] in DEFINITE)

    @property
    def undecided_lines(self) -> Tuple[int, ...]:
        return tuple(line for line, code in self.expectations if code == "DET103")

    def file_line(self, body_line: int) -> int:
        """Where a body line sits in the case file, for messages."""
        return self.header_line + body_line

    def __str__(self) -> str:
        return f"{self.file.name}:{self.header_line} {self.name}"


def _expectations(body: str, file: Path, header_line: int) -> Tuple[Tuple[int, str], ...]:
    """Parse the ``# expect:`` comments of a body, with the tokenizer (never inside strings)."""
    found: Dict[Tuple[int, str], None] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(body).readline))
    except (tokenize.TokenError, SyntaxError) as error:
        raise CaseFormatError(f"{file}:{header_line}: case body does not tokenize: {error}") from None
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        line = token.start[0]
        where = f"{file}:{header_line + line}"
        match = _EXPECT.match(token.string)
        if match is None:
            if _EXPECT_LIKE.search(token.string):
                raise CaseFormatError(f"{where}: malformed expectation comment {token.string!r}")
            continue
        if not token.line[: token.start[1]].strip():
            raise CaseFormatError(f"{where}: an expectation must end a line of code")
        if any(existing == line for existing, _ in found):
            raise CaseFormatError(f"{where}: more than one expectation comment on a line")
        for code in re.split(r",\s*", match.group("codes")):
            if code not in CODES:
                raise CaseFormatError(f"{where}: unknown code {code}")
            if (line, code) in found:
                raise CaseFormatError(f"{where}: {code} twice on a line")
            found[(line, code)] = None
    return tuple(sorted(found))


def parse_case_file(file: Path) -> List[Case]:
    """The cases of one file, in order."""
    lines = file.read_text(encoding="utf-8").splitlines()
    cases: List[Case] = []
    name: Optional[str] = None
    header_line = 0
    body: List[str] = []

    def finish() -> None:
        if name is None:
            return
        while body and not body[-1].strip():
            body.pop()
        if not any(line.strip() for line in body):
            raise CaseFormatError(f"{file}:{header_line}: case {name!r} has an empty body")
        source = "\n".join(body) + "\n"
        cases.append(Case(name, file, header_line, source, _expectations(source, file, header_line)))

    for number, line in enumerate(lines, start=1):
        if _HEADER_LIKE.match(line):
            match = _HEADER.match(line)
            if match is None:
                raise CaseFormatError(f"{file}:{number}: malformed case header {line!r}")
            finish()
            name, header_line, body = match.group("name"), number, []
        elif name is None:
            if line.strip() and not line.lstrip().startswith("#"):
                raise CaseFormatError(f"{file}:{number}: code before the first '# case:' header")
        else:
            body.append(line)
    finish()
    if not cases:
        raise CaseFormatError(f"{file}: no cases")
    return cases


def load_cases(directory: Path = CASES_DIR) -> List[Case]:
    """Every case of every ``*.py`` file in ``directory``, files in name order."""
    files = sorted(directory.glob("*.py"))
    if not files:
        raise CaseFormatError(f"{directory}: no case files")
    cases: List[Case] = []
    seen: Dict[str, Case] = {}
    for file in files:
        for case in parse_case_file(file):
            previous = seen.get(case.name)
            if previous is not None:
                raise CaseFormatError(f"duplicate case name {case.name!r}: {previous} and {case}")
            seen[case.name] = case
            cases.append(case)
    return cases
