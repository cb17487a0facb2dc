"""The program generator (``tests/generator/``): its parts, and the checker measured with it.

The measurement runs a fixed, derandomized budget: the programs of seeds 0 to 299, labelled
by running them with torch, judged and fixed.  It fails when precision, recall or the share of
fixed programs that work drops below the floor recorded in ``tests/generator/floor.json``
(raise the floor there when the analysis improves).  The long run is in the README
("Testing with generated programs").
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Tuple

import pytest

from flake8_detach import torch_api
from flake8_detach.checker import check_source
from flake8_detach.torch_api import Effect
from generator import driver, scoring, shrinker
from generator.grammar import ALL_CONSTRUCTS, CONSTRUCTS, generate
from generator.labeller import Conversion, Run, execute, same_values
from generator.program import Program

from flake8_detach.findings import Finding, Position
from flake8_detach.frontends.fixer import FixOutcome

FLOOR_FILE = Path(__file__).resolve().parent / "generator" / "floor.json"
FLOOR = json.loads(FLOOR_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def measured() -> driver.Measurement:
    return driver.measure(FLOOR["seed"], FLOOR["programs"])


def _describe(result: driver.Measurement) -> str:
    return driver.format_report(result)


# ---------------------------------------------------------------------------------------------
# The measurement in CI


def test_precision_and_recall_stay_above_the_floor(measured: driver.Measurement) -> None:
    overall = measured.scores.overall
    assert overall.precision is not None and overall.recall is not None
    assert overall.precision >= FLOOR["precision"], _describe(measured)
    assert overall.recall >= FLOOR["recall"], _describe(measured)


def test_fixed_programs_run_and_compute_the_intended_values(measured: driver.Measurement) -> None:
    fixes = measured.scores.fixes
    working = fixes["fixed programs that run and compute the intended values"]
    failing = fixes["fixed programs that fail"]
    assert working + failing >= 50, "too few programs were fixed for the check to mean anything"
    assert working / (working + failing) >= FLOOR["fixes"], _describe(measured)


def test_few_generated_programs_are_discarded(measured: driver.Measurement) -> None:
    assert measured.labelled >= 0.95 * measured.generated, _describe(measured)


def test_the_programs_hold_positives_and_more_negatives(measured: driver.Measurement) -> None:
    """Precision means something only if there are plenty of conversions that never raise."""
    overall = measured.scores.overall
    assert overall.positives >= 100
    assert overall.negatives >= 1.5 * overall.positives


# ---------------------------------------------------------------------------------------------
# Mutation: a construct the checker stops following shows up in the report


def _false_alarms(tally: scoring.Tally) -> int:
    return tally.findings - tally.true_findings


def test_the_driver_reports_detach_when_the_checker_ignores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    before = driver.measure(0, 40, construct="detach", fixes=False)
    monkeypatch.setitem(torch_api.MEMBERS, "detach", Effect.PROPAGATE)  # .detach() as if absent
    after = driver.measure(0, 40, construct="detach", fixes=False)
    false_before = _false_alarms(before.scores.by_construct["detach"])
    false_after = _false_alarms(after.scores.by_construct["detach"])
    assert false_after >= false_before + 10, (false_before, false_after)
    top = driver.groups(after)[0]
    assert (top.kind, top.culprit) == (scoring.FALSE_ALARM, "detach"), driver.format_report(after)


# ---------------------------------------------------------------------------------------------
# The generator


def test_generation_is_reproducible() -> None:
    assert [generate(seed).source for seed in range(20)] == [generate(seed).source for seed in range(20)]


def test_every_construct_is_generated_and_none_is_unknown() -> None:
    seen = set()
    for seed in range(600):
        seen |= generate(seed).constructs
    assert seen - ALL_CONSTRUCTS == set()
    assert ALL_CONSTRUCTS - seen == set()


@pytest.mark.parametrize("construct", sorted(ALL_CONSTRUCTS))
def test_a_program_can_be_steered_to_each_construct(construct: str) -> None:
    assert construct in generate(3, construct).constructs


def test_the_catalogue_lists_each_construct_once() -> None:
    names = [name for names in CONSTRUCTS.values() for name in names]
    assert len(names) == len(set(names))


def test_every_statement_is_one_line_and_programs_compile() -> None:
    for seed in range(100):
        program = generate(seed)
        compile(program.source, "<generated>", "exec")
        assert all("\n" not in line.text for line in program.lines)
        assert len(program.numbers) == len(program.lines)


# ---------------------------------------------------------------------------------------------
# The labeller

HELPER_PROGRAM = textwrap.dedent("""\
    import numpy as np
    import torch


    def to_numpy(t):
        return t.numpy()


    w = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        quiet = to_numpy(w)
    loud = to_numpy(w)
    arrays = [np.asarray(w.detach()), np.asarray(w)]
    """)


def test_the_labeller_records_every_conversion_and_goes_on_past_a_raise() -> None:
    run = execute(HELPER_PROGRAM)
    assert run.error is None
    assert run.positives == {6, 13}
    assert run.converting == {6, 13}
    assert (6, 12) in run.raising and (6, 11) not in run.raising
    assert set(run.values) >= {"w", "quiet", "loud", "arrays"}


def test_the_labeller_discards_a_program_that_fails_otherwise() -> None:
    assert execute("import torch\ntorch.ones(3) @ torch.ones(2)\n").error.startswith("RuntimeError")
    assert execute("undefined_name\n").error == "NameError: name 'undefined_name' is not defined"


def test_a_program_cannot_leave_grad_mode_off() -> None:
    import torch

    execute("import torch\ntorch.set_grad_enabled(False)\n")
    assert torch.is_grad_enabled()


def test_lines_that_ran_are_traced_on_request() -> None:
    run = execute("x = 1\nif x == 2:\n    y = 3\n", trace=True)
    assert run.executed == {1, 2}


def test_values_compare_through_containers_and_objects() -> None:
    first = execute("import torch\nclass A:\n    def __init__(self):\n        self.t = torch.ones(2)\n"
                    "a = A()\nitems = {'k': [torch.zeros(1)]}\n").values
    second = execute("import torch\nclass A:\n    def __init__(self):\n        self.t = torch.ones(2) * 2\n"
                     "a = A()\nitems = {'k': [torch.zeros(1)]}\n").values
    assert same_values(first["items"], second["items"])
    assert not same_values(first["a"], second["a"])


# ---------------------------------------------------------------------------------------------
# Scoring


def _run(*stacks: Tuple[int, ...]) -> Run:
    return Run(conversions=[Conversion(stack, True) for stack in stacks])


def _finding(line: int, named: int = 0) -> scoring.Reported:
    return scoring.Reported("DET101", line, named or None, "", True)


def test_a_finding_counts_for_its_line_or_for_the_conversion_its_helper_reaches() -> None:
    run = _run((7, 20), (9, 5, 30))
    assert scoring.credit(_finding(7), run) == {7}
    assert scoring.credit(_finding(20, named=7), run) == {7}
    assert scoring.credit(_finding(30, named=5), run) == {9}  # a chain: line 5 calls the converter
    assert scoring.credit(_finding(21, named=7), run) == set()  # that call never raised
    assert scoring.credit(_finding(20, named=9), run) == set()


HELPERS = textwrap.dedent("""\
    import numpy as np
    import torch


    def to_numpy(t):
        return t.numpy()


    def as_array(t):
        return np.asarray(t)


    def shifted(t):
        return t - np.ones(3, dtype=np.float32)


    w = torch.ones(3, requires_grad=True)
    to_numpy(w * 2)
    as_array(w * 3)
    shifted(w * 4)
    """)


def test_a_finding_at_a_helper_call_names_the_helpers_conversion_line() -> None:
    """A finding at a call site counts for the conversion inside the helper: its trace ends there."""
    reported = {r.code: (r.line, r.named) for r in map(scoring.Reported.of, check_source(HELPERS))
                if r.code in scoring.DEFINITE}
    assert reported == {"DET101": (18, 6), "DET102": (19, 10), "DET104": (20, 14)}


RAISING = textwrap.dedent("""\
    import numpy as np
    import torch
    w = torch.ones(3, requires_grad=True)
    losses = []
    for step in range(2):
        losses.append((w * step).sum())
    average = np.mean(losses)
    total = sum(losses)
    total.backward()
    """)


@pytest.mark.parametrize("fixed_line, failure", [
    ("average = np.mean([loss.detach() for loss in losses])", None),
    ("average = np.mean([loss.detach() * 2 for loss in losses])", "the fixed program computes other values"),
    ("average = np.mean(losses)  # not fixed at all", "a fixed conversion still raises"),
    ("average = np.mean(losses.detach())", "the fixed program fails: AttributeError"),
])
def test_a_fix_must_remove_the_error_and_keep_the_values(
        monkeypatch: pytest.MonkeyPatch, fixed_line: str, failure: str) -> None:
    program = Program.from_source(RAISING)
    run = execute(program.source)
    (line,) = run.positives
    fixed_text = program.source.replace("average = np.mean(losses)", fixed_line)
    monkeypatch.setattr(scoring, "fix_source", lambda *args: FixOutcome(
        fixed_text, fixed=[Finding("DET102", "", Position(line, 0))]))
    judged = scoring.Judged(program, run, findings=[scoring.Reported("DET102", line, None, "", True)],
                            credited=[frozenset({line})])
    assert scoring.fix_failure(program, run, judged) == (True, failure)


# ---------------------------------------------------------------------------------------------
# Shrinking, with a checker that finds nothing (so that every conversion that raises is a miss)


def test_the_shrinker_keeps_the_mistake_and_drops_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scoring, "check_source", lambda source: [])
    program = next(p for p in (generate(seed) for seed in range(50))
                   if len({line.flow for line in p.lines}) > 2 and execute(p.source).positives)
    judged, _ = scoring.judge(program, fixes=False)
    assert judged is not None
    miss = next(m for m in judged.mistakes if m.kind == scoring.MISS)
    shrunk = shrinker.shrink(program, miss)
    assert len(shrunk.lines) < len(program.lines)
    original = shrinker.target_line(program, miss)
    assert original is not None
    target = next(line for line in shrunk.lines if line.text == original.text)
    assert shrinker.still_makes(miss, shrunk, target)
    # Nothing left can go: deleting any one line loses the mistake or breaks the program.
    for index in range(len(shrunk.lines)):
        if shrunk.lines[index] is not target:
            assert not shrinker.still_makes(miss, shrunk.without([index]), target)


def test_the_driver_prints_a_report_and_shrunk_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert driver.main(["--seed", "7", "--count", "8", "--show-mistakes", "1", "--no-fixes"]) == 0
    output = capsys.readouterr().out
    assert "programs generated" in output and "precision" in output and "recall" in output
    assert "-- grad sources" in output
