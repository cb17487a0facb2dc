"""Applying fixes: check, apply what does not collide, check again, until nothing changes."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from flake8_detach.findings import Applicability, Edit, Finding, Fix, LineNamer, apply_edits, numbered_line
from flake8_detach.frontends.common import analyse
from flake8_detach.frontends.filtering import Noqa, Selection, visible
from flake8_detach.settings import Settings

# Each round fixes every finding whose edits do not collide; a collision waits
# for the next round, when positions are fresh.  Real files need one or two.
MAX_ROUNDS = 4


def is_applicable(fix: Optional[Fix], unsafe: bool) -> bool:
    """Whether ``fix`` is applied: safe ones always, unsafe ones on request, suggestions never."""
    if fix is None:
        return False
    return fix.applicability is Applicability.SAFE or (unsafe and fix.applicability is Applicability.UNSAFE)


@dataclass(frozen=True)
class FixRequest:
    settings: Settings
    selection: Selection
    unsafe: bool = False
    disable_noqa: bool = False


@dataclass
class FixOutcome:
    """The fixed text, what was fixed (positions in the text of its round), what remains, and
    what the original text had (what remains if the fixed text cannot be written).

    With ``error`` set, ``text`` is the original and must not be written.
    """

    text: str
    fixed: List[Finding] = field(default_factory=list)
    remaining: List[Finding] = field(default_factory=list)
    error: Optional[str] = None
    found: List[Finding] = field(default_factory=list)


def _collide(first: Edit, second: Edit) -> bool:
    if first == second:
        return False  # two findings that share a fix (one container, two conversions)
    if first.start == second.start:
        return True  # the order of two insertions at one place is undefined
    return first.start < second.end and second.start < first.end


def choose(findings: Sequence[Finding], unsafe: bool) -> Tuple[List[Finding], List[Edit]]:
    """The findings fixed in this round and their edits, none colliding with another."""
    chosen: List[Finding] = []
    edits: List[Edit] = []
    for finding in findings:
        fix = finding.fix
        if fix is None or not is_applicable(fix, unsafe):
            continue
        if any(_collide(new, old) for new in fix.edits for old in edits):
            continue
        chosen.append(finding)
        edits.extend(edit for edit in fix.edits if edit not in edits)
    return chosen, edits


def _parse_error(text: str) -> Optional[str]:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError) as error:  # ValueError: null bytes
        return f"{type(error).__name__}: {error}"
    return None


def fix_source(source: str, request: FixRequest, display_name: str = "<source>",
               name_line: LineNamer = numbered_line) -> FixOutcome:
    """Apply the requested fixes to ``source`` until none is left (at most ``MAX_ROUNDS`` rounds)."""
    text = source
    fixed: List[Finding] = []
    remaining: List[Finding] = []
    found: List[Finding] = []
    for round_number in range(MAX_ROUNDS + 1):
        analysis = analyse(text, request.settings, display_name, name_line=name_line)
        if analysis.error is not None:
            return FixOutcome(source, error=_why_not(analysis.error, first=round_number == 0), found=found)
        remaining = visible(analysis.findings, request.selection, Noqa(text), request.disable_noqa)
        found = found or remaining
        chosen, edits = choose(remaining, request.unsafe)
        if not chosen or round_number == MAX_ROUNDS:
            break
        fixed.extend(chosen)
        text = apply_edits(text, edits)
    return _checked(source, FixOutcome(text, fixed, remaining, found=found))


def _why_not(error: str, first: bool) -> str:
    if first:
        return f"cannot fix: {error}"
    return f"the fixed code could not be analysed ({error}); not changed, please report it"


def _checked(source: str, outcome: FixOutcome) -> FixOutcome:
    """Never hand back a fix of code that did not parse, nor a fix that does not parse."""
    if outcome.text == source:
        return outcome
    before = _parse_error(source)
    if before is not None:
        return FixOutcome(source, error=f"not fixing a file that does not parse ({before})", found=outcome.found)
    after = _parse_error(outcome.text)
    if after is not None:
        return FixOutcome(source, error=f"the fixes would not parse ({after}); not changed, please report it",
                          found=outcome.found)
    return outcome
