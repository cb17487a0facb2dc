"""What an editor needs beyond the command line, free of any editor protocol.

The language server (``frontends/lsp.py``) turns these into LSP messages; keeping
them here lets them be tested without a server, and keeps pygls out of them.
Everything an editor shows is what ``flake8-detach check`` and ``fix`` would
report and write for the same text and configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import List, Optional, Tuple

from flake8_detach.findings import Edit, Finding, LineNamer, Position, numbered_line
from flake8_detach.frontends.common import analyse
from flake8_detach.frontends.config import Configuration, load_configuration
from flake8_detach.frontends.filtering import NOQA_INLINE, Noqa, visible
from flake8_detach.frontends.fixer import FixRequest, fix_source, is_applicable
from flake8_detach.frontends.ruledocs import readme_anchor
from flake8_detach.frontends.sources import skipped_under, split_lines
from flake8_detach.rules import RULES

DISTRIBUTION = "flake8-detach"


@dataclass(frozen=True)
class EditorConfig:
    configuration: Configuration = field(default_factory=Configuration)
    folder: Optional[Path] = None  # the folder of the configuration file that applies last

    @property
    def exclude(self) -> Tuple[str, ...]:
        return self.configuration.exclude


def load_config(start: Path) -> EditorConfig:
    """What ``flake8-detach check`` run in ``start`` uses (flake8's file, ``[tool.flake8-detach]``).

    Raises ``UsageError`` for a bad configuration, as the command line does.
    """
    configuration = load_configuration(start)
    folder = configuration.files[-1].parent if configuration.files else None
    return EditorConfig(configuration, folder)


def is_excluded(config: EditorConfig, top: Path, path: Path) -> bool:
    """Whether ``flake8-detach check`` of the folder ``top`` would skip the file."""
    return skipped_under(str(top), str(path), config.exclude)


@dataclass(frozen=True)
class Linted:
    """The findings ``check`` reports for a text, or why it could not be analysed."""

    findings: List[Finding]
    error: Optional[str] = None


def lint(text: str, config: EditorConfig, display_name: str, name_line: LineNamer = numbered_line,
         trace: bool = False) -> Linted:
    """``trace``: each finding carries the whole chain from grad source to conversion (as
    ``explain`` shows it), at about 30% more time than the short trace."""
    configuration = config.configuration
    selection = configuration.selection_for(display_name)
    analysis = analyse(text, configuration.settings_showing(selection), display_name, name_line=name_line,
                       trace=trace)
    if analysis.error is not None:
        return Linted([], analysis.error)
    return Linted(visible(analysis.findings, selection, Noqa(text)))


def has_safe_fix(findings: List[Finding]) -> bool:
    return any(is_applicable(finding.fix, unsafe=False) for finding in findings)


def fix_all(text: str, config: EditorConfig, display_name: str) -> Optional[str]:
    """What ``flake8-detach fix`` writes for ``text`` (safe fixes only); None when it changes nothing."""
    configuration = config.configuration
    request = FixRequest(configuration.settings, configuration.selection_for(display_name))
    outcome = fix_source(text, request, display_name)
    return None if outcome.error is not None or outcome.text == text else outcome.text


def replacement(before: str, after: str) -> Edit:
    """One edit that turns ``before`` into ``after``, spanning only the lines that differ
    (a whole-text replacement would move the editor's cursor and folds)."""
    old, new = split_lines(before), split_lines(after)
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return Edit(Position(head + 1, 0), _line_start_or_end(old, len(old) - tail), "".join(new[head:len(new) - tail]))


def _line_start_or_end(lines: List[str], index: int) -> Position:
    """The start of line ``index + 1``, or the end of the text when there is no such line."""
    if index < len(lines) or not lines or lines[-1].endswith(("\n", "\r")):
        return Position(index + 1, 0)
    return Position(len(lines), len(lines[-1]))


def noqa_edit(lines: List[str], noqa: Noqa, finding: Finding) -> Optional[Edit]:
    """The edit that adds ``# noqa: CODE`` where flake8 reads it for ``finding``, or adds the
    code to a ``# noqa: ...`` already there; None where a bare ``# noqa`` already silences it.
    ``lines`` are the text's (``split_lines``), ``noqa`` its comments."""
    number = noqa.comment_line(finding.line)
    if not 0 < number <= len(lines):
        return None
    body = lines[number - 1].rstrip("\r\n")
    match = NOQA_INLINE.search(body)
    if match is None:
        code_end = len(body.rstrip())
        return Edit(Position(number, code_end), Position(number, len(body)), f"  # noqa: {finding.code}")
    codes = match.group("codes")
    if codes is None:
        return None
    after_codes = Position(number, match.start("codes") + len(codes.rstrip()))
    return Edit(after_codes, after_codes, f", {finding.code}")


def documentation_base() -> Optional[str]:
    """The project's home page from the installed package's metadata, where it declares one."""
    try:
        urls = metadata.metadata(DISTRIBUTION).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    labelled = dict((label.strip().lower(), url.strip()) for label, _, url in (entry.partition(",") for entry in urls))
    return next((labelled[label] for label in ("documentation", "homepage", "repository") if label in labelled), None)


def rule_url(code: str, base: Optional[str]) -> Optional[str]:
    """The link to the rule's page in the README, when the project's address is known."""
    rule = RULES.get(code)
    if base is None or rule is None:
        return None
    return f"{base.rstrip('/')}#{readme_anchor(rule)}"
