"""Judging the checker on a labelled program: true and false findings, misses, fix failures.

A conversion line is a *positive* when it would raise on some execution (the innermost program
line of a raising ``Tensor.numpy`` call).  A finding of a rule whose findings raise (DET101,
DET102, DET104) counts for the line it is on, when that line is a positive.  A finding at a
helper's call site (its trace ends at the helper's conversion, on line N) also counts for the
positive of every raising conversion whose stack holds the call site and, inside it, line N:
line N itself, or the conversion a chain of helpers reaches from it (``summarize(t)`` calls
``report(t)`` on line N, which converts).  A call site that never leads to a raise (the call under ``no_grad``, the
early return taken) counts for nothing.  A finding that counts for no positive is a false
alarm; a positive no finding counts for is a miss.  Findings on lines that never ran are
neither (whether they would raise is unknown).  DET103 is tallied apart: it claims nothing
about raising.

Every program with such a finding is also fixed with the checker's own fixes (safe
and unsafe, as ``flake8-detach fix --unsafe-fixes`` does) and run again: it must run, a
conversion whose finding was fixed must no longer raise, and the final module-level values
must equal the labelling run's (which converted detached tensors, as the author meant).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

from flake8_detach.checker import UnanalysableSource, check_source
from flake8_detach.findings import Finding
from flake8_detach.frontends.filtering import Selection
from flake8_detach.frontends.fixer import FixRequest, fix_source
from flake8_detach.rules import GRAD_ERROR_CODES
from flake8_detach.settings import Settings

from .labeller import Run, execute, first_difference
from .program import SHARED, Program

DEFINITE = GRAD_ERROR_CODES
UNDECIDED = "DET103"

FALSE_ALARM, MISS, FIX_FAILURE, CRASH = "false alarm", "miss", "fix failure", "checker crash"
NEVER_RAN = "on a line that never ran"


@dataclass(frozen=True)
class Reported:
    """A finding as the scorer sees it."""

    code: str
    line: int
    named: Optional[int]  # the helper's conversion line, where its trace ends
    message: str
    fixable: bool

    @classmethod
    def of(cls, finding: Finding) -> "Reported":
        converted = finding.trace[-1].position.line if finding.trace else finding.line  # the trace ends there
        return cls(finding.code, finding.line, converted if converted != finding.line else None, finding.message,
                   finding.fix is not None)


@dataclass(frozen=True)
class Mistake:
    kind: str  # FALSE_ALARM, MISS, FIX_FAILURE, CRASH
    detail: str  # the code of a false alarm, what went wrong with a fix...
    line: Optional[int]  # the source line it is about (a miss's conversion, a false alarm's finding)
    constructs: FrozenSet[str]  # of the flow that line belongs to (the program's, when no line)

    @property
    def key(self) -> Tuple[str, str]:
        return self.kind, self.detail


@dataclass
class Judged:
    """One labelled program, the checker's findings on it, and the verdict."""

    program: Program
    run: Run
    findings: List[Reported] = field(default_factory=list)
    undecided: List[Reported] = field(default_factory=list)
    credited: List[FrozenSet[int]] = field(default_factory=list)  # per finding: the positives it counts for
    # Findings on lines the run never reached (dead branches, DEBUG = False): whether they would
    # raise is not known, so they count neither way.
    unreached: List[Reported] = field(default_factory=list)
    mistakes: List[Mistake] = field(default_factory=list)
    fixed: Optional[bool] = None  # whether the fixed program works; None: no fix was applied

    @property
    def found(self) -> FrozenSet[int]:
        return frozenset(line for lines in self.credited for line in lines)

    @property
    def missed(self) -> FrozenSet[int]:
        return self.run.positives - self.found


def constructs_of_line(program: Program, number: int) -> FrozenSet[str]:
    """The constructs of the flow a source line belongs to."""
    line = program.line_at(number)
    if line is None or line.flow == SHARED:
        return frozenset()
    return program.flow_tags().get(line.flow, frozenset())


def credit(reported: Reported, run: Run) -> FrozenSet[int]:
    """The positives a finding counts for (see the module docstring)."""
    lines = set()
    if reported.line in run.positives:
        lines.add(reported.line)
    if reported.named is not None:
        lines.update(stack[0] for stack in run.raising if _calls_through(stack, reported.line, reported.named))
    return frozenset(lines)


def _calls_through(stack: Tuple[int, ...], call: int, named: int) -> bool:
    """Whether ``stack`` (innermost first) passes through ``named`` inside a call on ``call``."""
    return call in stack and named in stack[:stack.index(call)]


def judge(program: Program, *, fixes: bool = True) -> Tuple[Optional[Judged], Optional[str]]:
    """The verdict on ``program``, or why it was discarded (it does not run)."""
    run = execute(program.source, f"<generated {program.seed}>")
    if run.error is not None:
        return None, run.error
    judged = Judged(program, run)
    try:
        findings = check_source(program.source)
    except UnanalysableSource as error:
        judged.mistakes.append(Mistake(CRASH, f"unanalysable: {error}", None, program.constructs))
        return judged, None
    except Exception as error:  # noqa: BLE001 - a crash of the checker is a mistake to report
        judged.mistakes.append(Mistake(CRASH, type(error).__name__, None, program.constructs))
        return judged, None
    reported_findings = [Reported.of(finding) for finding in findings]
    executed = _executed_if_needed(program, run, reported_findings)
    for reported in reported_findings:
        if executed is not None and reported.line not in executed:
            if reported.code in DEFINITE:
                judged.unreached.append(reported)
        elif reported.code in DEFINITE:
            judged.findings.append(reported)
            judged.credited.append(credit(reported, run))
        elif reported.code == UNDECIDED:
            judged.undecided.append(reported)
    for reported, lines in zip(judged.findings, judged.credited):
        if not lines:
            constructs = constructs_of_line(program, reported.line)
            if reported.named is not None:
                constructs |= constructs_of_line(program, reported.named)
            judged.mistakes.append(Mistake(FALSE_ALARM, reported.code, reported.line, constructs))
    for line in sorted(judged.missed):
        judged.mistakes.append(Mistake(MISS, _conversion_kind(program, line), line,
                                       constructs_of_line(program, line)))
    if fixes and judged.findings:
        changed, failure = fix_failure(program, run, judged)
        judged.fixed = (failure is None) if changed else None
        if failure is not None:
            judged.mistakes.append(Mistake(FIX_FAILURE, failure, None, program.constructs))
    return judged, None


def _executed_if_needed(program: Program, run: Run, findings: List[Reported]) -> Optional[FrozenSet[int]]:
    """The lines that ran, traced in a second run only if a finding is on a line that
    converted nothing (the only ones that may not have run)."""
    if all(reported.line in run.converting for reported in findings):
        return None
    traced = execute(program.source, f"<generated {program.seed}>", trace=True)
    return traced.executed if traced.error is None else None


def _conversion_kind(program: Program, number: int) -> str:
    """How a missed line converts: explicitly (DET101's business) or through a library (DET102's)."""
    line = program.line_at(number)
    return "DET101" if line is not None and ".numpy(" in line.text else "DET102"


def fix_failure(program: Program, run: Run, judged: Judged) -> Tuple[bool, Optional[str]]:
    """Whether the checker's fixes changed the program, and what goes wrong once they are applied."""
    outcome = fix_source(program.source, FixRequest(Settings(), Selection(), unsafe=True), "<generated>")
    if outcome.error is not None:
        return False, f"the fixer refused: {outcome.error.split(':')[0]}"
    fixed_lines = {finding.line for finding in outcome.fixed}
    if not fixed_lines:
        return False, None  # no finding had a fix
    fixed_run = execute(outcome.text, f"<fixed {program.seed}>")
    if fixed_run.error is not None:
        return True, f"the fixed program fails: {fixed_run.error.split(':')[0]}"
    # Fixes insert text within lines, so line numbers are those of the original.
    intended = {line for reported, lines in zip(judged.findings, judged.credited) if reported.line in fixed_lines
                for line in lines}
    if intended & fixed_run.positives:
        return True, "a fixed conversion still raises"
    if first_difference(run.values, fixed_run.values) is not None:
        return True, "the fixed program computes other values"
    return True, None


# ---------------------------------------------------------------------------------------------
# Tallies


@dataclass
class Tally:
    programs: int = 0
    positives: int = 0
    found: int = 0
    negatives: int = 0  # conversion lines that never raise
    findings: int = 0
    true_findings: int = 0

    @property
    def precision(self) -> Optional[float]:
        return self.true_findings / self.findings if self.findings else None

    @property
    def recall(self) -> Optional[float]:
        return self.found / self.positives if self.positives else None


@dataclass
class Scores:
    overall: Tally = field(default_factory=Tally)
    by_construct: Dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    undecided: Dict[str, int] = field(default_factory=lambda: defaultdict(int))
    fixes: Dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, judged: Judged) -> None:
        program, run = judged.program, judged.run
        tallies = [self.overall]

        def count(constructs: Iterable[str], attribute: str) -> None:
            for tally in [self.overall] + [self.by_construct[name] for name in sorted(constructs)]:
                setattr(tally, attribute, getattr(tally, attribute) + 1)

        for tally in tallies + [self.by_construct[name] for name in program.constructs]:
            tally.programs += 1
        found = judged.found
        for line in run.positives:
            count(constructs_of_line(program, line), "positives")
            if line in found:
                count(constructs_of_line(program, line), "found")
        for line in run.converting - run.positives:
            count(constructs_of_line(program, line), "negatives")
        for reported, lines in zip(judged.findings, judged.credited):
            constructs = constructs_of_line(program, reported.line)
            if reported.named is not None:
                constructs |= constructs_of_line(program, reported.named)
            count(constructs, "findings")
            if lines:
                count(constructs, "true_findings")
        for reported in judged.undecided:
            where = ("a line that raises" if reported.line in run.positives
                     else "a line that converts without raising" if reported.line in run.converting
                     else "a line that converts no tensor itself")
            self.undecided[where] += 1
        if judged.unreached:
            self.undecided["/".join(DEFINITE) + " " + NEVER_RAN] += len(judged.unreached)
        if judged.fixed is not None:
            self.fixes["fixed programs that run and compute the intended values" if judged.fixed
                       else "fixed programs that fail"] += 1
        unfixable = sum(1 for reported in judged.findings if not reported.fixable)
        if unfixable:
            self.fixes["findings without a fix"] += unfixable
