"""The run-time oracle: every case's labels are exactly true when the program runs with real torch.

Each case body is executed in-process (see ``case_runner.py``):

1. as written.  A case with a DET101/DET102/DET104 expectation must raise
   ``RuntimeError: Can't call numpy() on Tensor that requires grad`` through
   the expected line, and the traceback tells the code: the innermost frame is
   the case's own code for an explicit ``.numpy()`` (DET101), a library's
   (``Tensor.__array__`` called from NumPy, matplotlib, pandas, scikit-learn)
   for an implicit conversion (DET102).  A case without one must run to completion.
2. recorded: every conversion is noted and none raises.  Each conversion that
   would have raised must be *the labelled one*: its responsible line is the
   DET101/DET102/DET104 line, and its kind (explicit or implicit) is the label's.  The
   responsible line is the innermost line of the case program on the stack, or,
   when the innermost function converts what its caller handed it, the caller's
   line: the oracle calls that function again with the same arguments detached
   and sees the conversion no longer raise (a helper that converts its
   argument is reported where the grad tensor is handed to it).
3. every DET103 line converts a torch tensor in the run, and its outcome
   depends on inputs the file does not fix: the enclosing function, called
   again with its tensor arguments (and modules' parameters) detached, converts
   there without raising, and called with them requiring grad, raises there.  A
   DET103 line at module level must say what it depends on (``MODULE_LEVEL_UNDECIDED``), as must
   one in a function whose outcome an object the file cannot see decides, not the arguments
   (``DECIDED_BY_AN_UNSEEN_OBJECT``).

torch is imported at the top on purpose: without it this module must fail,
not skip (CI installs it).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import pytest
import torch
from case_runner import Conversion, Frame, Outcome, call_again, is_grad_error, recorded_run, run_case

__all__ = ["check_labels_at_run_time", "run_case"]  # the bug-report programs are checked the same way
from casefile import CODES, Case, load_cases

CASES = load_cases()

_LIBRARY_PIPELINE = "a library's pipeline object computes the tensor, out of the file's sight"
_LOADED = "torch.load gives back whatever was saved (a tensor that requires grad stays one), which the file cannot know"
# DET103 lines at module level: no function to call again, so each says what the file leaves open.
MODULE_LEVEL_UNDECIDED = {
    "unknown-imported-function-result": "the tensor comes out of pickle.loads, whose result the file cannot know",
    "pipeline-moved-and-called-is-no-proof": _LIBRARY_PIPELINE,
    "pipeline-switched-to-eval-inside-a-function": _LIBRARY_PIPELINE,
    "pipeline-moved-to-the-device-gives-what-it-gives": _LIBRARY_PIPELINE,
    "torch-load-of-state-dict": _LOADED,
    "torch-load-of-plain-tensor": _LOADED,
}

# DET103 lines in a function whose outcome a library object the file cannot see decides (the
# oracle's stand-in runs without grad whatever the arguments): each says what.
DECIDED_BY_AN_UNSEEN_OBJECT = {
    "pipeline-held-by-an-object-and-called-in-a-loop": _LIBRARY_PIPELINE,
}

# DET103 lines whose outcome also depends on a non-tensor argument: the oracle calls the function
# again with these arguments replaced (the file's own calls all take the safe default).
UNDECIDED_WITH_OTHER_ARGUMENTS: Dict[str, Dict[str, object]] = {
    "default-flag-detaches": {"safe": False},
}

# Cases whose finding is on the line inside a function where the fix goes, although the grad
# comes from what its caller passes: the checker's summary of the function for that argument (an
# instance of a class of the file) is definite, and names the inner line.  The labelled line must
# still be on the stack of every conversion that would raise.
REPORTED_WHERE_THE_FIX_GOES = {
    "model-instance-argument-converted-inside-a-helper-of-a-helper":
        "report() is summarised for the Head instance it is given; summarise(outputs) is where to detach",
}


def _where(case: Case, line: int) -> str:
    return f"body line {line} ({case.file.name}:{case.file_line(line)}): {case.source.splitlines()[line - 1].strip()!r}"


# The codes of conversions the case's own code makes (``.numpy()``); the others' conversions are
# a library's, through ``Tensor.__array__`` (a NumPy function, ``t - array``, ``preds[a:b] = t``).
_EXPLICIT_CODES = ("DET101",)


def _kind(explicit: bool) -> str:
    return "an explicit .numpy()" if explicit else "implicit (through Tensor.__array__)"


def _matches(code: str, explicit: bool) -> bool:
    return (code in _EXPLICIT_CODES) == explicit


def _converts_again_without_raising(conversions: List[Conversion], line: int) -> Tuple[bool, bool]:
    """(whether ``line`` converts in these conversions, whether one there would raise)."""
    there = [conversion for conversion in conversions if conversion.line == line]
    return bool(there), any(conversion.would_raise for conversion in there)


class _Responsibility:
    """Which line of a case is responsible for a conversion that would raise."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self._through_arguments: Dict[Tuple[int, int], bool] = {}

    def line(self, conversion: Conversion) -> int:
        line = conversion.line
        for inner, outer in zip(conversion.frames, conversion.frames[1:]):
            if not inner.is_function or not self._grad_comes_through_arguments(inner, conversion.line):
                return line
            line = outer.line
        return line

    def _grad_comes_through_arguments(self, frame: Frame, line: int) -> bool:
        if not frame.arguments:
            return False  # a function without parameters is handed nothing
        key = (id(frame.arguments), line)
        if key not in self._through_arguments:
            _, raises = _converts_again_without_raising(call_again(self.case, frame, grad=False), line)
            self._through_arguments[key] = not raises
        return self._through_arguments[key]


def _check_plain_run(case: Case, plain: Outcome) -> None:
    definite = case.definite
    if not definite:
        assert plain.error is None, f"{case}: a program without a raising label must run:\n{plain.describe_error()}"
        return
    line, code = definite[0]
    assert is_grad_error(plain.error), (
        f"{case}: {code} expected on {_where(case, line)}, but the program gave: {plain.describe_error()}"
    )
    assert line in plain.error_lines, (
        f"{case}: the grad error was raised through body lines {plain.error_lines}, not through "
        f"the expected {_where(case, line)}:\n{plain.describe_error()}"
    )
    assert _matches(code, plain.raised_in_case), (
        f"{case}: {code} expected on {_where(case, line)}, but the traceback shows "
        f"{'.numpy() called by the case itself' if plain.raised_in_case else 'a library converting'}:"
        f"\n{plain.describe_error()}"
    )


def _check_raising_conversions(case: Case, recorded: Outcome, exact: bool) -> None:
    raising = [conversion for conversion in recorded.conversions if conversion.would_raise]
    if not case.definite:
        assert not raising, f"{case}: a conversion would raise (and something caught it): {raising[0].stack}"
        return
    line, code = case.definite[0]
    responsibility = _Responsibility(case)
    exact = exact and case.name not in REPORTED_WHERE_THE_FIX_GOES
    for conversion in raising:
        if not exact:
            assert line in conversion.stack, (
                f"{case}: a conversion that would raise does not go through {_where(case, line)}: {conversion.stack}"
            )
            continue
        responsible = responsibility.line(conversion)
        assert responsible == line, (
            f"{case}: a conversion that would raise (stack of body lines, innermost first: {conversion.stack}) "
            f"is due to {_where(case, responsible)}, not to the labelled {_where(case, line)}"
        )
        assert _matches(code, conversion.explicit), (
            f"{case}: the conversion due to {_where(case, line)} is {_kind(conversion.explicit)}, not {code}"
        )


def _function_frame_converting(recorded: Outcome, line: int) -> Optional[Frame]:
    for conversion in recorded.conversions:
        if conversion.line == line and conversion.frames and conversion.frames[0].is_function:
            return conversion.frames[0]
    return None


def _check_undecided(case: Case, recorded: Outcome) -> None:
    innermost = {conversion.line for conversion in recorded.conversions}
    for line in case.undecided_lines:
        assert line in innermost, (
            f"{case}: DET103 expected on a line that never itself converts a torch tensor: {_where(case, line)}"
        )
        frame = _function_frame_converting(recorded, line)
        if frame is None:
            assert case.name in MODULE_LEVEL_UNDECIDED, (
                f"{case}: DET103 at module level on {_where(case, line)}: nothing there depends on "
                "an argument; if the file leaves something else open, say what in MODULE_LEVEL_UNDECIDED"
            )
            continue
        if case.name in DECIDED_BY_AN_UNSEEN_OBJECT:
            continue
        others = UNDECIDED_WITH_OTHER_ARGUMENTS.get(case.name, {})
        converts, raises = _converts_again_without_raising(call_again(case, frame, grad=False, others=others), line)
        assert converts and not raises, (
            f"{case}: DET103 on {_where(case, line)}, but called again with its arguments detached, "
            f"{frame.code.co_name}() {'still raises there' if raises else 'does not convert there'}: "
            "the outcome does not depend on the arguments"
        )
        _, raises = _converts_again_without_raising(call_again(case, frame, grad=True, others=others), line)
        assert raises, (
            f"{case}: DET103 on {_where(case, line)}, but called again with arguments that require grad, "
            f"{frame.code.co_name}() does not raise there: the conversion is decided by the file"
        )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_labels_are_true_at_run_time(case: Case) -> None:
    check_labels_at_run_time(case, exact=True)


def check_labels_at_run_time(case: Case, exact: bool = False) -> None:
    """Run ``case`` with torch (as the module docstring says) and assert its labels hold.

    ``exact``: each conversion that would raise is due to the labelled line itself, and DET103 is
    checked by calling the function again.  Without it (the bug-report programs, labelled before
    the exact oracle, by their own convention for models handed to functions) the labelled line
    need only be on the stack of each such conversion."""
    assert len(case.definite) <= 1, f"{case}: at most one raising label per case, found {case.definite}"
    _check_plain_run(case, run_case(case, record=False))
    recorded = recorded_run(case)
    assert recorded.error is None, (
        f"{case}: with conversions detached, the program must run to completion:\n{recorded.describe_error()}"
    )
    for line, code in case.expectations:
        assert line in recorded.executed, f"{case}: {code} expected on a line that never runs: {_where(case, line)}"
    _check_raising_conversions(case, recorded, exact)
    if exact:
        _check_undecided(case, recorded)
    else:
        innermost = {conversion.line for conversion in recorded.conversions}
        assert set(case.undecided_lines) <= innermost, f"{case}: a DET103 line never itself converts a tensor"


def test_module_level_undecided_cases_exist_and_are_module_level() -> None:
    by_name = {case.name: case for case in CASES}
    for names, at_module_level in ((MODULE_LEVEL_UNDECIDED, True), (DECIDED_BY_AN_UNSEEN_OBJECT, False)):
        for name in names:
            case = by_name[name]
            recorded = recorded_run(case)
            assert case.undecided_lines, name
            assert all((_function_frame_converting(recorded, line) is None) is at_module_level
                       for line in case.undecided_lines), name


def test_grad_mode_is_restored_after_a_case_switches_it_off() -> None:
    """Cases switch grad mode off at module level; running them must not leak that."""
    switching = [case for case in CASES if "\ntorch.set_grad_enabled(False)\n" in case.source]
    assert switching
    for case in switching:
        for record in (False, True):
            run_case(case, record=record)
            assert torch.is_grad_enabled(), case


def test_a_case_runs_with_grad_on_even_if_an_earlier_test_left_it_off() -> None:
    raising = next(case for case in CASES if case.definite)
    with torch.no_grad():
        outcome = run_case(raising, record=False)
        assert not torch.is_grad_enabled()
    assert is_grad_error(outcome.error), outcome.describe_error()


def test_case_table_size_and_coverage() -> None:
    assert len(CASES) >= 200, len(CASES)
    codes = {code for case in CASES for _, code in case.expectations}
    assert codes == set(CODES), codes
    files = {case.file.name for case in CASES}
    assert len(files) >= 10, files


def test_every_file_has_valid_and_invalid_cases() -> None:
    """Near-miss pairs live together: each file has programs that raise and programs that run."""
    for name in sorted({case.file.name for case in CASES}):
        cases = [case for case in CASES if case.file.name == name]
        assert any(case.definite for case in cases), name
        assert any(not case.expectations for case in cases), name


def test_oracle_allowances_name_cases_of_the_tables() -> None:
    names = {case.name for case in CASES}
    assert set(UNDECIDED_WITH_OTHER_ARGUMENTS) | set(REPORTED_WHERE_THE_FIX_GOES) <= names
