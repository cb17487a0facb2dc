"""How findings are shown: text (``path:line:col: CODE [*] message``), JSON and GitHub annotations.

Columns are 1-based everywhere in the output, as flake8 shows them.  A
notebook's findings are placed in its cells: ``path:cell 5:3:14: ...``, and a
``cell`` beside the rows in JSON (ruff's way).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Protocol, Sequence, Tuple

from flake8_detach.findings import Edit, Finding, Position
from flake8_detach.frontends.fixer import is_applicable

FORMATS = ("text", "json", "github")
TOOL = "flake8-detach"


class CellMap(Protocol):
    """Where the lines of a notebook's analysed code are (see notebooks.py)."""

    def locate(self, line: int) -> Tuple[int, int]:
        """(cell number, line in the cell)."""

    def file_line(self, line: int) -> int:
        """The line of the notebook's file that holds it."""


@dataclass(frozen=True)
class Reported:
    """A finding in a named source; ``cells`` places a notebook's lines in its cells.

    The cells follow each other in the analysed code, so sorting by its line
    sorts by cell and line in the cell.
    """

    display: str
    finding: Finding
    cells: Optional[CellMap] = None

    def place(self, position: Position) -> Tuple[Optional[int], int]:
        """(cell or None, row) of a position of the analysed code."""
        if self.cells is None:
            return None, position.line
        return self.cells.locate(position.line)

    def sort_key(self) -> Tuple[str, int, int, str, str]:
        finding = self.finding
        return self.display, finding.line, finding.column, finding.code, finding.message


def ordered(items: Sequence[Reported]) -> List[Reported]:
    return sorted(items, key=Reported.sort_key)


def _where(item: Reported) -> str:
    cell, row = item.place(item.finding.position)
    inside = "" if cell is None else f"cell {cell}:"
    return f"{item.display}:{inside}{row}:{item.finding.column + 1}"


def text_line(item: Reported, unsafe: bool) -> str:
    marker = " [*]" if is_applicable(item.finding.fix, unsafe) else ""
    return f"{_where(item)}: {item.finding.code}{marker} {item.finding.message}"


def fixed_line(item: Reported) -> str:
    description = item.finding.fix.description if item.finding.fix else "fixed"
    return f"{_where(item)}: {item.finding.code} fixed: {description}"


def _escape(text: str, is_property: bool) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if is_property else text


def github_line(item: Reported) -> str:
    """A workflow command; a notebook's annotation goes on the line of its file that holds the
    code, without a column (the file's columns are not the code's), and its text names the cell."""
    finding = item.finding
    properties = {"title": f"{TOOL} ({finding.code})", "file": item.display}
    cell, row = item.place(finding.position)
    if item.cells is None:
        properties.update(line=str(finding.line), col=str(finding.column + 1))
        text = f"{finding.code} {finding.message}"
    else:
        properties.update(line=str(item.cells.file_line(finding.line)))
        text = f"cell {cell}:{row}:{finding.column + 1}: {finding.code} {finding.message}"
    rendered = ",".join(f"{key}={_escape(value, True)}" for key, value in properties.items())
    return f"::error {rendered}::{_escape(text, False)}"


def _location(item: Reported, position: Position) -> Dict[str, int]:
    return {"row": item.place(position)[1], "column": position.column + 1}


def _edit(item: Reported, edit: Edit) -> Dict[str, Any]:
    return {"content": edit.content, "cell": item.place(edit.start)[0],
            "location": _location(item, edit.start), "end_location": _location(item, edit.end)}


def json_record(item: Reported) -> Dict[str, Any]:
    finding, fix = item.finding, item.finding.fix
    cell, row = item.place(finding.position)
    return {
        "filename": item.display,
        "cell": cell,
        "code": finding.code,
        "message": finding.message,
        "location": _location(item, finding.position),
        "noqa_row": row,
        "fix": None if fix is None else {
            "message": fix.description,
            "applicability": fix.applicability.value,
            "edits": [_edit(item, edit) for edit in fix.edits],
        },
    }


def render(items: Sequence[Reported], output_format: str, unsafe: bool) -> str:
    """The findings in ``output_format``, sorted; text and github end with a newline when not empty."""
    items = ordered(items)
    if output_format == "json":
        return json.dumps([json_record(item) for item in items], indent=2) + "\n"
    line = github_line if output_format == "github" else (lambda item: text_line(item, unsafe))
    return "".join(f"{line(item)}\n" for item in items)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _only_unsafe(item: Reported) -> bool:
    return is_applicable(item.finding.fix, True) and not is_applicable(item.finding.fix, False)


def check_summary(items: Sequence[Reported], files: int, failed: int, unsafe: bool) -> str:
    fixable = sum(is_applicable(item.finding.fix, unsafe) for item in items)
    hidden = 0 if unsafe else sum(_only_unsafe(item) for item in items)
    parts = [f"Found {_plural(len(items), 'finding')} in {_plural(files, 'file')}" if items
             else f"No findings in {_plural(files, 'file')}"]
    if fixable:
        parts.append(f"[*] {fixable} fixable with `{TOOL} fix`")
    if hidden:
        parts.append(f"{hidden} more with `{TOOL} fix --unsafe-fixes`")
    if failed:
        parts.append(f"{_plural(failed, 'file')} could not be checked")
    return "; ".join(parts) + "."


def fix_summary(fixed: int, files: int, remaining: Sequence[Reported], failed: int, diff: bool, unsafe: bool) -> str:
    verb, remain = ("Would fix", "would remain") if diff else ("Fixed", "remaining")
    parts = [f"{verb} {_plural(fixed, 'finding')} in {_plural(files, 'file')}" if fixed else "Nothing to fix"]
    parts.append(f"{len(remaining)} {remain}")
    hidden = 0 if unsafe else sum(_only_unsafe(item) for item in remaining)
    if hidden:
        parts.append(f"{hidden} fixable with `--unsafe-fixes`")
    if failed:
        parts.append(f"{_plural(failed, 'file')} could not be fixed")
    return "; ".join(parts) + "."
