"""How findings are shown: text, JSON, GitHub annotations, a GitLab code-quality report, SARIF 2.1.0.

Each format is a function from the sorted findings to text, registered in
``FORMATTERS``; what a finding says about its place (path, cell, line, column,
end) is read in one place per format.  Columns are 1-based everywhere in the
output, as flake8 shows them.  A notebook's findings are placed in its cells:
``path:cell 5:3:14: ...``, a ``cell`` beside the rows in JSON (ruff's way); the
formats that point into the file itself (GitHub, GitLab, SARIF) give the line of
the notebook's file that holds the code and name the cell in the message.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Protocol, Sequence, Tuple

from flake8_detach import REPOSITORY_URL, __version__
from flake8_detach.findings import Applicability, Edit, Finding, Fix, Position, TraceStep
from flake8_detach.frontends.fixer import is_applicable
from flake8_detach.frontends.ruledocs import render_rule, rule_url
from flake8_detach.rules import RULES
from flake8_detach.rules.base import Rule

TOOL = "flake8-detach"
JSON_SCHEMA_VERSION = 2  # 1 was a bare list of findings
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


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

    def file_line(self, position: Position) -> int:
        """The line of the file itself (a notebook's JSON) that holds the position."""
        return position.line if self.cells is None else self.cells.file_line(position.line)

    def cell_prefix(self, position: Position) -> str:
        """``cell 5:3:14: `` for a notebook's position (for formats that can only name the file's line)."""
        cell, row = self.place(position)
        return "" if cell is None else f"cell {cell}:{row}:{position.column + 1}: "

    def sort_key(self) -> Tuple[str, int, int, str, str]:
        finding = self.finding
        return self.display, finding.line, finding.column, finding.code, finding.message

    @property
    def rule(self) -> Rule:
        return RULES[self.finding.code]

    @property
    def certain(self) -> bool:
        """Findings of the default rules raise at run time; the others may."""
        return self.rule.default_enabled


def ordered(items: Sequence[Reported]) -> List[Reported]:
    return sorted(items, key=Reported.sort_key)


# --- text ---------------------------------------------------------------------------------------


def where(item: Reported, position: Position) -> str:
    """``path:line:column`` of a position (``path:cell N:line:column`` in a notebook)."""
    cell, row = item.place(position)
    inside = "" if cell is None else f"cell {cell}:"
    return f"{item.display}:{inside}{row}:{position.column + 1}"


def text_line(item: Reported, unsafe: bool) -> str:
    marker = " [*]" if is_applicable(item.finding.fix, unsafe) else ""
    return f"{where(item, item.finding.position)}: {item.finding.code}{marker} {item.finding.message}"


def fixed_line(item: Reported) -> str:
    description = item.finding.fix.description if item.finding.fix else "fixed"
    return f"{where(item, item.finding.position)}: {item.finding.code} fixed: {description}"


def fix_line(item: Reported) -> Optional[str]:
    """What ``--show-fixes`` says of a finding's fix, or None when it has none."""
    fix = item.finding.fix
    if fix is None:
        return None
    return f"{where(item, item.finding.position)}: {item.finding.code} fix ({fix.applicability.value}): " \
           f"{fix.description}"


def _text(items: Sequence[Reported], unsafe: bool) -> str:
    return "".join(f"{text_line(item, unsafe)}\n" for item in items)


# --- GitHub workflow commands -------------------------------------------------------------------


def _escape(text: str, is_property: bool) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if is_property else text


def github_line(item: Reported) -> str:
    """A workflow command; a notebook's annotation goes on the line of its file that holds the
    code, without a column (the file's columns are not the code's), and its text names the cell."""
    finding, end = item.finding, item.finding.end_position
    properties = {"title": f"{TOOL} ({finding.code})", "file": item.display,
                  "line": str(item.file_line(finding.position))}
    if item.cells is None:
        properties.update(col=str(finding.column + 1), endLine=str(end.line), endColumn=str(end.column + 1))
    rendered = ",".join(f"{key}={_escape(value, True)}" for key, value in properties.items())
    level = "error" if item.certain else "warning"
    text = f"{item.cell_prefix(finding.position)}{finding.code} {finding.message}"
    return f"::{level} {rendered}::{_escape(text, False)}"


def _github(items: Sequence[Reported], unsafe: bool) -> str:
    return "".join(f"{github_line(item)}\n" for item in items)


# --- JSON ---------------------------------------------------------------------------------------


def _location(item: Reported, position: Position) -> Dict[str, int]:
    return {"row": item.place(position)[1], "column": position.column + 1}


def located(item: Reported, position: Position) -> Dict[str, Any]:
    """A position as JSON shows it: the cell (or null) and the location in it."""
    return {"cell": item.place(position)[0], "location": _location(item, position)}


def _edit(item: Reported, edit: Edit) -> Dict[str, Any]:
    return {"content": edit.content, "cell": item.place(edit.start)[0],
            "location": _location(item, edit.start), "end_location": _location(item, edit.end)}


def _json_fix(item: Reported, fix: Optional[Fix]) -> Optional[Dict[str, Any]]:
    if fix is None:
        return None
    return {"message": fix.description, "applicability": fix.applicability.value,
            "edits": [_edit(item, edit) for edit in fix.edits]}


def json_record(item: Reported) -> Dict[str, Any]:
    finding = item.finding
    cell, row = item.place(finding.position)
    return {
        "filename": item.display,
        "cell": cell,
        "code": finding.code,
        "name": item.rule.name,
        "url": rule_url(item.rule),
        "message": finding.message,
        "location": _location(item, finding.position),
        "end_location": _location(item, finding.end_position),
        "noqa_row": row,
        "fix": _json_fix(item, finding.fix),
        "trace": [{**located(item, step.position), "message": step.message} for step in finding.trace],
    }


def _json(items: Sequence[Reported], unsafe: bool) -> str:
    document = {"schema_version": JSON_SCHEMA_VERSION, "tool": {"name": TOOL, "version": __version__},
                "findings": [json_record(item) for item in items]}
    return json.dumps(document, indent=2) + "\n"


# --- GitLab code quality ------------------------------------------------------------------------


def _fingerprints(items: Sequence[Reported]) -> List[str]:
    """Stable across runs and line moves: path, code and the provenance's words (the message
    names line numbers), numbered when they repeat."""
    seen: Counter[Tuple[str, str, str]] = Counter()
    prints = []
    for item in items:
        words = " / ".join(step.message for step in item.finding.trace) or item.finding.message
        key = (item.display, item.finding.code, words)
        prints.append(hashlib.sha256(f"{key}#{seen[key]}".encode()).hexdigest())
        seen[key] += 1
    return prints


def _gitlab_positions(item: Reported) -> Dict[str, Dict[str, int]]:
    start, end = item.finding.position, item.finding.end_position
    if item.cells is not None:  # the notebook file's line; its columns are not the code's
        return {"begin": {"line": item.file_line(start)}, "end": {"line": item.file_line(start)}}
    return {"begin": {"line": start.line, "column": start.column + 1},
            "end": {"line": end.line, "column": end.column + 1}}


def _gitlab(items: Sequence[Reported], unsafe: bool) -> str:
    records = [
        {
            "description": f"{item.cell_prefix(item.finding.position)}{item.finding.code} {item.finding.message}",
            "check_name": item.finding.code,
            "fingerprint": fingerprint,
            "severity": "critical" if item.certain else "minor",
            "location": {"path": item.display, "positions": _gitlab_positions(item)},
        }
        for item, fingerprint in zip(items, _fingerprints(items))
    ]
    return json.dumps(records, indent=2) + "\n"


# --- SARIF 2.1.0 --------------------------------------------------------------------------------


def _uri(display: str) -> str:
    """Relative paths stay relative (GitHub resolves them from the repository's top)."""
    if os.path.isabs(display):
        return "file://" + display.replace(os.sep, "/")
    return display.replace(os.sep, "/")


def _region(start: Position, end: Position) -> Dict[str, int]:
    return {"startLine": start.line, "startColumn": start.column + 1,
            "endLine": end.line, "endColumn": end.column + 1}


def _physical(item: Reported, start: Position, end: Position) -> Dict[str, Any]:
    region = _region(start, end) if item.cells is None else {"startLine": item.file_line(start)}
    return {"physicalLocation": {"artifactLocation": {"uri": _uri(item.display)}, "region": region}}


def _sarif_rule(rule: Rule) -> Dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.doc.what_it_does.split())},
        "help": {"text": " ".join(rule.doc.why_is_this_bad.split()), "markdown": render_rule(rule)},
        "helpUri": rule_url(rule),
        "defaultConfiguration": {"enabled": rule.default_enabled,
                                 "level": "error" if rule.default_enabled else "warning"},
    }


def _sarif_fix(display: str, fix: Fix) -> Dict[str, Any]:
    replacements = [{"deletedRegion": _region(edit.start, edit.end), "insertedContent": {"text": edit.content}}
                    for edit in fix.edits]
    return {"description": {"text": f"{fix.description} ({fix.applicability.value})"},
            "artifactChanges": [{"artifactLocation": {"uri": _uri(display)}, "replacements": replacements}]}


def _thread_location(item: Reported, step: TraceStep) -> Dict[str, Any]:
    location = _physical(item, step.position, step.position)
    location["message"] = {"text": f"{item.cell_prefix(step.position)}{step.message}"}
    return {"location": location}


def _sarif_result(item: Reported, rule_index: int) -> Dict[str, Any]:
    finding = item.finding
    result: Dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": "error" if item.certain else "warning",
        "message": {"text": f"{item.cell_prefix(finding.position)}{finding.message}"},
        "locations": [_physical(item, finding.position, finding.end_position)],
    }
    # A notebook's edits are in its code, not in the file's JSON text: no SARIF fix for them.
    fixable = finding.fix is not None and finding.fix.applicability is not Applicability.DISPLAY_ONLY
    if fixable and item.cells is None:
        assert finding.fix is not None
        result["fixes"] = [_sarif_fix(item.display, finding.fix)]
    if finding.trace:
        locations = [_thread_location(item, step) for step in finding.trace]
        result["codeFlows"] = [{"threadFlows": [{"locations": locations}]}]
    return result


def _sarif(items: Sequence[Reported], unsafe: bool) -> str:
    codes = list(RULES)
    run = {
        "tool": {"driver": {"name": TOOL, "version": __version__, "informationUri": REPOSITORY_URL,
                            "rules": [_sarif_rule(rule) for rule in RULES.values()]}},
        "columnKind": "unicodeCodePoints",
        "results": [_sarif_result(item, codes.index(item.finding.code)) for item in items],
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


Formatter = Callable[[Sequence[Reported], bool], str]
FORMATTERS: Dict[str, Formatter] = {
    "text": _text,
    "json": _json,
    "github": _github,
    "gitlab": _gitlab,
    "sarif": _sarif,
}
FORMATS = tuple(FORMATTERS)
# Formats whose whole output is one document: the summary goes to standard error.
DOCUMENT_FORMATS = frozenset({"json", "gitlab", "sarif"})


def shows_trace(output_format: str) -> bool:
    """The formats that show each finding's whole chain (``check_source(trace=True)``)."""
    return output_format in DOCUMENT_FORMATS


def render(items: Sequence[Reported], output_format: str, unsafe: bool) -> str:
    """The findings in ``output_format``, sorted; line formats end with a newline when not empty."""
    return FORMATTERS[output_format](ordered(items), unsafe)


# --- statistics and summaries -------------------------------------------------------------------


def statistics(items: Sequence[Reported], output_format: str, unsafe: bool) -> str:
    """Findings counted by code, most frequent first (ruff's ``--statistics``)."""
    counts = Counter(item.finding.code for item in items)
    fixable = Counter(item.finding.code for item in items if is_applicable(item.finding.fix, unsafe))
    rows = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    if output_format in DOCUMENT_FORMATS:
        table = [{"code": code, "name": RULES[code].name, "count": count, "fixable": fixable[code]}
                 for code, count in rows]
        return json.dumps(table, indent=2) + "\n"
    width = max((len(str(count)) for count in counts.values()), default=1)
    return "".join(f"{count:>{width}}\t{code}\t{'[*] ' if fixable[code] else '    '}{RULES[code].name}\n"
                   for code, count in rows)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _only_unsafe(item: Reported) -> bool:
    return is_applicable(item.finding.fix, True) and not is_applicable(item.finding.fix, False)


def check_summary(items: Sequence[Reported], checked: int, failed: int, unsafe: bool) -> str:
    """``checked``: files analysed; ``failed``: files that could not be (they count in no other figure)."""
    parts = []
    if checked or not failed:
        parts.append(f"Found {_plural(len(items), 'finding')} in {_plural(checked, 'file')}" if items
                     else f"No findings in {_plural(checked, 'file')}")
    fixable = sum(is_applicable(item.finding.fix, unsafe) for item in items)
    hidden = 0 if unsafe else sum(_only_unsafe(item) for item in items)
    if fixable:
        parts.append(f"[*] {fixable} fixable with `{TOOL} check --fix`")
    if hidden:
        parts.append(f"{hidden} more with `{TOOL} check --fix --unsafe-fixes`")
    if failed:
        parts.append(f"{_plural(failed, 'file')} could not be checked")
    return "; ".join(parts) + "."


def fix_summary(fixed: int, files: int, remaining: Optional[Sequence[Reported]], failed: int, diff: bool,
                unsafe: bool) -> str:
    """``remaining`` includes the findings of files whose fixes could not be written; None: not told."""
    verb, remain = ("Would fix", "would remain") if diff else ("Fixed", "remaining")
    if fixed:
        parts = [f"{verb} {_plural(fixed, 'finding')} in {_plural(files, 'file')}"]
    else:
        parts = ["No fix written" if failed else "Nothing to fix"]
    if remaining is not None:
        parts.append(f"{len(remaining)} {remain}")
    hidden = 0 if unsafe or remaining is None else sum(_only_unsafe(item) for item in remaining)
    if hidden:
        parts.append(f"{hidden} fixable with `--unsafe-fixes`")
    if failed:
        parts.append(f"{_plural(failed, 'file')} could not be fixed")
    return "; ".join(parts) + "."
