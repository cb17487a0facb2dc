"""What the command line analyses in a file, and how fixed code goes back into the file.

A Python file is its own code.  A notebook's code is its code cells joined
(``notebooks.py``): findings are placed in cells, and fixed code goes back into
the cells' sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from flake8_detach.findings import Finding, numbered_line
from flake8_detach.frontends.notebooks import is_notebook, read_notebook
from flake8_detach.frontends.output import Reported
from flake8_detach.frontends.sources import unified_diff


class Document(Protocol):
    @property
    def code(self) -> str:
        """The Python text to analyse and fix."""

    @property
    def notes(self) -> Sequence[str]:
        """What the user should know about what was not analysed."""

    def name_line(self, line: int, finding_line: int) -> str:
        """How messages name a line of ``code``."""

    def reported(self, display: str, finding: Finding) -> Reported: ...

    def rebuild(self, code: str) -> str:
        """The file's text with ``code``, a fixed ``self.code``, in it."""

    def diff(self, display: str, code: str) -> str:
        """What fixing ``self.code`` into ``code`` changes, as a unified diff."""


@dataclass(frozen=True)
class Script:
    """A Python file (or standard input)."""

    code: str
    notes: Sequence[str] = ()

    def name_line(self, line: int, finding_line: int) -> str:
        return numbered_line(line, finding_line)

    def reported(self, display: str, finding: Finding) -> Reported:
        return Reported(display, finding)

    def rebuild(self, code: str) -> str:
        return code

    def diff(self, display: str, code: str) -> str:
        return unified_diff(display, self.code, code)


def open_document(display: str, text: str) -> Document:
    """The document in ``text``, a notebook when ``display`` ends with .ipynb (raises NotebookError)."""
    return read_notebook(text) if is_notebook(display) else Script(text)
