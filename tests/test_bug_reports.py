"""Programs rebuilt from public bug reports (``tests/bug_reports/``): true labels, and recall.

Each case is a small program rebuilt from a public report of "Can't call numpy() on Tensor
that requires grad" (its address is the case's first comment).  The labels follow the case
tables' format and conventions and are checked with real torch exactly as theirs are
(``test_oracle.check_labels_at_run_time``).

The checker is measured on the programs, not fitted to them: a program that raises is caught
when the checker reports its DET101/DET102 label (same line, same code), and at least the
floor recorded in ``bug_reports/recall_floor.json`` must be caught.  A DET101/DET102 finding
elsewhere is a false alarm unless its line is on the stack of a conversion that raises (the
same bug, reported at another frame).  The programs hitting the CUDA sibling error live in
``bug_reports/cuda/`` and are not run (they need a device).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Set, Tuple

import pytest
from casefile import DEFINITE, Case, load_cases, parse_case_file
from test_oracle import check_labels_at_run_time, run_case

from flake8_detach.checker import check_source

BUG_REPORTS = Path(__file__).resolve().parent / "bug_reports"
CASES = load_cases(BUG_REPORTS)
RAISING = [case for case in CASES if case.definite]
FLOOR = json.loads((BUG_REPORTS / "recall_floor.json").read_text(encoding="utf-8"))["min_caught"]
SOURCE = re.compile(r"^# https://github\.com/[\w.-]+/[\w.-]+/(issues|pull)/\d+")
CUDA_MARK = "# raises on CUDA"


def _definite_findings(case: Case) -> Set[Tuple[int, str]]:
    return {(finding.line, finding.code) for finding in check_source(case.source) if finding.code in DEFINITE}


@lru_cache(maxsize=None)
def _raising_stack_lines(case: Case) -> FrozenSet[int]:
    """The program's lines on the stack of a conversion that would raise, in a run with torch."""
    outcome = run_case(case, record=True)
    return frozenset(line for conversion in outcome.conversions if conversion.would_raise for line in conversion.stack)


def _show(case: Case, items: Set[Tuple[int, str]]) -> str:
    lines = case.source.splitlines()
    return ", ".join(f"{code} line {line} {lines[line - 1].strip()!r}" for line, code in sorted(items))


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_labels_are_true_at_run_time(case: Case) -> None:
    check_labels_at_run_time(case)


def test_every_program_names_its_report() -> None:
    unsourced = [str(case) for case in CASES if not SOURCE.match(case.source.splitlines()[0])]
    assert not unsourced, f"the first line of a case must be its report's address: {unsourced}"


def test_recall_floor() -> None:
    missed: List[str] = []
    for case in RAISING:
        if not set(case.definite) <= _definite_findings(case):
            missed.append(f"  {case}: {_show(case, set(case.definite))}")
    caught = len(RAISING) - len(missed)
    print(f"\nbug reports caught: {caught} of {len(RAISING)} (floor {FLOOR}); missed:\n" + "\n".join(missed))
    assert caught >= FLOOR, f"caught {caught} of {len(RAISING)}, below the floor {FLOOR}; missed:\n" + "\n".join(missed)


def test_no_false_alarm() -> None:
    alarms: Dict[str, str] = {}
    for case in CASES:
        extra = _definite_findings(case) - set(case.definite)
        extra = {(line, code) for line, code in extra if line not in _raising_stack_lines(case)}
        if extra:
            alarms[str(case)] = _show(case, extra)
    assert not alarms, "\n".join(f"{name}: {shown}" for name, shown in alarms.items())


def test_cuda_programs_are_kept_in_the_case_format() -> None:
    """Not run (no device), but each parses, compiles, names its report and marks one raising line."""
    cases = [case for file in sorted((BUG_REPORTS / "cuda").glob("*.py")) for case in parse_case_file(file)]
    assert cases
    for case in cases:
        compile(case.source, str(case), "exec")
        assert SOURCE.match(case.source.splitlines()[0]), case
        assert case.source.count(CUDA_MARK) == 1, case
        assert not case.expectations, case
