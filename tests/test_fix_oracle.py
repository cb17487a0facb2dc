"""The run-time oracle for fixes: what ``flake8-detach fix`` writes is run with real torch.

* Safe fixes change nothing but the error.  Every case with a finding is fixed with
  the safe fixes only (every rule selected, DET103 too) and run recorded, like the
  original (see ``case_runner.py``: a conversion that would still raise converts a
  detached tensor, so that a bug left for an unsafe fix does not stop the run).  The
  fixed program must end with the same values, deeply (containers, objects, modules;
  tensors with their dtype, requires_grad and gradient), as the program its author
  meant: the original's recorded run, shared with ``test_oracle.py``.
* Every fix together (``--unsafe-fixes``) removes the error: the fixed program runs
  as it is, with nothing left to report and nothing left for a second round.
* A finding that raises (DET101/DET102) without a fix is a failure unless the case
  is in ``NO_FIX``, whose reasons are phrases of the rule's "Fix safety" docs.
* Every unsafe fix says why it is unsafe, in the words of its rule's docs, and each
  reason really changes a program of the case tables (``fix_safety.py`` holds one
  demonstration each), so that calling that kind of fix safe fails the first test.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import pytest
import torch
from case_runner import Outcome, difference, is_grad_error, recorded_run, run_source
from casefile import DEFINITE, Case, load_cases
from test_cases import KNOWN_LIMITATIONS

from flake8_detach.checker import check_source
from flake8_detach.findings import Applicability, Finding, Position, apply_edits
from flake8_detach.frontends.filtering import Selection
from flake8_detach.frontends.fixer import FixOutcome, FixRequest, choose, fix_source
from flake8_detach.rules import RULES
from flake8_detach.rules.common import UnsafeReason
from flake8_detach.settings import FixStyle, Settings

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "evaluate.py"
EVERY_RULE = Selection(select=("DET",))
SAFE = FixRequest(Settings(), EVERY_RULE)
ALL = FixRequest(Settings(), EVERY_RULE, unsafe=True)

# Findings that raise and have no fix, each with the phrase of its rule's "Fix safety" docs
# that says why.
NO_FIX: Dict[str, str] = {
    name: "the value is in the function's return statements"
    for name in ("scipy-minimize-converts-what-the-objective-returns",
                 "method-minimises-a-closure-returning-loss-and-gradient",
                 "ode-right-hand-side-computed-by-a-network",
                 "a-flat-objective-object-handed-to-scipy-returns-its-loss-tensor")
}
NO_FIX["in-place-arithmetic-with-an-array"] = "An in-place operation (out -= target) has no expression to detach"
# Findings without a fix where a fix is possible: the analysis does not keep the expressions
# that put the tensors into the container (the fix would detach them there).  Strict.
MISSING_FIXES: Dict[str, str] = {
    "generator-yielding-predictions-after-eval": "the tensors enter the list in a generator the helper runs",
    "two-functions-decorated-by-one-wrapper-each-run-their-own": "the output is computed from two elements of "
    "the wrapper's *args (the model and the batch): it is known to require grad, not to be a tensor",
    **{name: "a matplotlib artist holds its coordinates: the expressions that gave them are not kept "
       "(a fix would detach them where the artist is made)"
       for name in ("rectangle-of-a-predicted-box-added-to-the-axes", "circle-of-a-model-output-added-in-one-line")},
    "a-dict-of-parameters-unpacked-into-a-helper-that-saves-its-keywords": "the tensors reach the helper's "
    "**kwargs from a dict unpacked at the call: the comprehension that made the dict is not kept",
}
CASES = load_cases()
# Cases whose bug the checker misses (tests/test_cases.py): nothing is fixed, so nothing can be run.
UNFOUND = {case.name for case in CASES if case.name in KNOWN_LIMITATIONS
           and not set(case.definite) <= {(f.line, f.code) for f in check_source(case.source)}}


# Nothing the checker computes is cached across tests: mutmut runs, for each mutant, only the
# tests that executed the mutated code in its first pass, and a cached result hides a test from it.
def _findings(case: Case) -> Tuple[Finding, ...]:
    return tuple(check_source(case.source))


def _fixed(case: Case, request: FixRequest) -> FixOutcome:
    outcome = fix_source(case.source, request)
    assert outcome.error is None, f"{case}: {outcome.error}"
    return outcome


def _run_fixed(case: Case, fixed: FixOutcome, *, record: bool) -> Outcome:
    return run_source(fixed.text, f"<fixed {case.name}>", record=record)


def _reason(finding: Finding) -> Optional[str]:
    """The reason an unsafe fix gives in its description: ``Insert .detach() (unsafe: why)``."""
    assert finding.fix is not None
    match = re.search(r"\(unsafe: (?P<why>[^)]*)\)$", finding.fix.description)
    return match.group("why") if match else None


def _in_words(text: str) -> str:
    return " ".join(text.replace("`", "").split())


def _params(cases: List[Case], limitations: Dict[str, str]) -> List[object]:
    return [pytest.param(case, id=case.name, marks=[pytest.mark.xfail(reason=limitations[case.name], strict=True)]
                         if case.name in limitations else []) for case in cases]


FOUND = [case for case in CASES if case.expectations and case.name not in UNFOUND]
RAISING = [case for case in FOUND if case.definite]


@pytest.mark.parametrize("case", _params(FOUND, {}))
def test_safe_fixes_change_no_value(case: Case) -> None:
    fixed = _fixed(case, SAFE)
    if fixed.text == case.source:
        assert not [f for f in _findings(case) if f.fix and f.fix.applicability is Applicability.SAFE]
        return  # nothing safe to apply: the program is the original
    intended, after = recorded_run(case), _run_fixed(case, fixed, record=True)
    assert after.error is None, f"{case}: the safely fixed program fails:\n{after.describe_error()}"
    changed = difference(intended.values, after.values)
    assert changed is None, f"{case}: a safe fix changed what the program computes: {changed}\n{fixed.text}"


@pytest.mark.parametrize("case", _params(RAISING, MISSING_FIXES))
def test_every_fix_together_removes_the_error(case: Case) -> None:
    unfixable = [f for f in _findings(case) if f.code in DEFINITE and f.fix is None]
    if case.name in NO_FIX:
        assert unfixable, f"{case}: listed in NO_FIX, but every finding has a fix"
        return
    assert not unfixable, f"{case}: no fix for line {unfixable[0].line}: {unfixable[0].message}"
    fixed = _fixed(case, ALL)
    assert [f.code for f in fixed.remaining if f.code in DEFINITE] == [], fixed.text
    assert fix_source(fixed.text, ALL).text == fixed.text, "a second fix must change nothing"
    after = _run_fixed(case, fixed, record=False)
    assert not is_grad_error(after.error), f"{case}: the fixed program still raises:\n{after.describe_error()}"
    # An unsafe fix may break a program (fix_safety.py shows how); a safe one never does.
    unsafe = [f for f in fixed.fixed if f.fix and f.fix.applicability is Applicability.UNSAFE]
    assert after.error is None or unsafe, f"{case}: the fixed program fails:\n{after.describe_error()}\n{fixed.text}"


def test_findings_without_a_fix_are_the_listed_ones_for_documented_reasons() -> None:
    unfixable = sorted({case.name for case in RAISING for f in _findings(case) if f.code in DEFINITE and f.fix is None})
    assert unfixable == sorted([*NO_FIX, *MISSING_FIXES])
    for name, reason in NO_FIX.items():
        codes = {f.code for f in _findings(next(case for case in CASES if case.name == name)) if f.fix is None}
        for code in codes:
            assert _in_words(reason) in _in_words(RULES[code].doc.fix_safety), (name, code)


def _unsafe_findings() -> List[Tuple[Case, Finding]]:
    return [(case, finding) for case in FOUND for finding in _findings(case)
            if finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE]


def test_every_unsafe_fix_says_why_in_the_words_of_its_rule() -> None:
    known = {reason.value for reason in UnsafeReason}
    for case, finding in _unsafe_findings():
        why = _reason(finding)
        assert why in known, f"{case} line {finding.line}: unsafe fix without a reason: {finding.fix}"
        assert _in_words(why) in _in_words(RULES[finding.code].doc.fix_safety), (
            f"{case}: {finding.code}'s 'Fix safety' docs do not give the reason {why!r}"
        )


def _calling_it_safe(case: Case, reason: str) -> str:
    """The case fixed as ``fix`` would fix it if the unsafe fixes given ``reason`` were safe."""
    promoted = [replace(f, fix=replace(f.fix, applicability=Applicability.SAFE))
                if f.fix is not None and _reason(f) == reason else f for f in _findings(case)]
    _, edits = choose(promoted, unsafe=False)
    return apply_edits(case.source, edits)


def test_unsafe_fixes_really_change_behaviour_for_each_reason() -> None:
    """Each reason (but force=True's, below) shows in a case of the tables whose program
    changes when the fixes given that reason are applied as if safe: it fails, or it computes
    something else than its author meant."""
    shown: Set[str] = set()
    for case, finding in _unsafe_findings():
        reason = _reason(finding)
        if reason is None or reason in shown:
            continue
        after = run_source(_calling_it_safe(case, reason), f"<{reason} {case.name}>", record=True)
        if after.error is not None or difference(recorded_run(case).values, after.values):
            shown.add(reason)
    assert shown == {reason.value for reason in UnsafeReason
                     if reason not in (UnsafeReason.FORCE, UnsafeReason.NO_GRAPH)}


def test_detaching_before_numpy_arithmetic_stops_a_loss_from_training() -> None:
    """DET104's fix is unsafe: the oracle's recorded run detaches at the conversion too, so no
    case of the tables can show it; a training step whose loss NumPy computed can."""
    source = (
        "import numpy as np\nimport torch\n"
        "model = torch.nn.Linear(4, 1)\n"
        "labels = np.random.rand(8, 1).astype(np.float32)\n"
        "loss = ((model(torch.rand(8, 4)) - labels) ** 2).mean()\n"
        "loss.backward()\n"
    )
    [finding] = check_source(source)
    assert finding.code == "DET104" and _reason(finding) == UnsafeReason.NO_GRAPH.value
    fixed = fix_source(source, ALL)
    assert "model(torch.rand(8, 4)).detach() - labels" in fixed.text
    after = run_source(fixed.text, "<DET104 fixed>", record=False)
    assert after.error is not None and "does not require grad" in str(after.error)


_DEVICE_MOVE = re.compile(r"\.\s*(cpu|cuda|to)\s*\(")
_AFTER_DEVICE_MOVE = re.compile(r"\.\s*(cpu|cuda|to)\s*\([^()]*\)\s*$")


def _offset(source: str, position: Position) -> int:
    lines = source.splitlines(keepends=True)
    return sum(len(line) for line in lines[:position.line - 1]) + position.column


def test_detach_goes_before_every_device_move() -> None:
    """``t.cpu().numpy()`` is fixed as ``t.detach().cpu().numpy()``: the copy is then not recorded
    in the graph (the values are the same either way, so no run can tell)."""
    moves = 0
    for case in FOUND:
        for finding in _findings(case):
            if finding.code != "DET101" or finding.fix is None or finding.fix.applicability is not Applicability.SAFE:
                continue
            numpy = _offset(case.source, finding.position)
            line_start = _offset(case.source, Position(finding.line, 0))
            for edit in finding.fix.edits:
                inserted = _offset(case.source, edit.start)
                if inserted > numpy:
                    continue  # a helper's argument, after the helper's name
                assert not _AFTER_DEVICE_MOVE.search(case.source[line_start:inserted]), (
                    f"{case} line {finding.line}: {edit.content!r} inserted after a device move: "
                    f"{case.source[line_start:inserted]!r}"
                )
                moves += bool(_DEVICE_MOVE.search(case.source[inserted:numpy]))
    assert moves >= 5, f"only {moves} fixes of chains with a device move: the check tests little"


def test_force_style_fix_is_unsafe_and_says_why() -> None:
    source = "import torch\nx = torch.rand(3, requires_grad=True)\nx.numpy()\n"
    [finding] = check_source(source, Settings(fix_style=FixStyle.FORCE))
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert _reason(finding) == UnsafeReason.FORCE.value


def test_force_copies_only_what_the_detach_fix_cannot_convert() -> None:
    """Why force=True has no demonstration here: on the CPU it shares memory exactly as
    ``.detach().numpy()`` does; it copies a tensor with its conjugate bit set (which
    ``.detach().numpy()`` refuses) or one on another device (where ``.numpy()`` fails anyway)."""
    w = torch.rand(3, requires_grad=True)
    forced, detached = w.numpy(force=True), w.detach().numpy()
    assert forced.ctypes.data == detached.ctypes.data
    z = torch.randn(3, dtype=torch.complex64, requires_grad=True).conj()
    with pytest.raises(RuntimeError, match="conjugate bit"):
        z.detach().numpy()
    assert z.numpy(force=True).ctypes.data != z.detach().resolve_conj().numpy().ctypes.data


def test_the_readme_example_raises_and_its_fixed_version_runs() -> None:
    source = EXAMPLE.read_text(encoding="utf-8")
    first = min(f.line for f in check_source(source) if f.code in DEFINITE)
    original = run_source(source, str(EXAMPLE), record=False)
    assert "requires grad" in str(original.error) and first in original.error_lines, original.describe_error()
    intended = run_source(source, str(EXAMPLE), record=True)
    safely = run_source(fix_source(source, SAFE).text, str(EXAMPLE), record=True)
    assert difference(intended.values, safely.values) is None
    assert run_source(fix_source(source, ALL).text, str(EXAMPLE), record=False).error is None
