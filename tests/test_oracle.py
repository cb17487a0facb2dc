"""The run-time oracle: every case's labels are true when the program runs with real torch.

Each case body is executed in-process, twice:

1. as written, with line tracing.  A case with a DET101/DET102 expectation
   must raise ``RuntimeError: Can't call numpy() on Tensor that requires
   grad``, and the expected line must be among the traceback's frames of the
   case program; a case without one must run to completion.
2. with ``Tensor.numpy`` (which ``Tensor.__array__`` calls) replaced by a
   recorder that notes every conversion, the case lines on the stack at that
   moment and whether it would have raised, and then converts a detached
   tensor.  The program must run to completion.  Every conversion that would
   have raised must have the one DET101/DET102 line on its stack (so a case
   has no second, hidden bug after the first raise), and its innermost case
   line must be that line or a DET103 line (a helper's own conversion, the
   DET101/DET102 line then being the call that hands the helper a grad
   tensor).  Every DET103 line must be, at least once, the innermost case
   line of a tensor conversion (so it is a real conversion of a torch tensor,
   not dead code, a call site or another library's ``.numpy()``).

torch is imported at the top on purpose: without it this module must fail,
not skip (CI installs it).
"""

from __future__ import annotations

import random
import sys
import threading
import traceback
import warnings
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set, Tuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from casefile import CODES, Case, load_cases  # noqa: E402

if TYPE_CHECKING:
    from _typeshed import TraceFunction

GRAD_ERROR = "Can't call numpy() on Tensor that requires grad"
CASES = load_cases()


@dataclass(frozen=True)
class Conversion:
    """One call of ``Tensor.numpy`` during a run."""

    stack: Tuple[int, ...]  # the case program's lines on the stack, innermost first
    would_raise: bool


@dataclass
class Outcome:
    error: Optional[BaseException] = None
    error_lines: Tuple[int, ...] = ()  # the case program's lines in the error's traceback
    executed: Set[int] = field(default_factory=set)
    conversions: List[Conversion] = field(default_factory=list)

    def describe_error(self) -> str:
        if self.error is None:
            return "no exception"
        return "".join(traceback.format_exception(type(self.error), self.error, self.error.__traceback__))


def _filename(case: Case) -> str:
    return f"<case {case.name}>"


def _case_lines_of_traceback(tb: Optional[TracebackType], filename: str) -> Tuple[int, ...]:
    lines: List[int] = []
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            lines.append(tb.tb_lineno)
        tb = tb.tb_next
    return tuple(lines)


def _case_lines_of_stack(frame: Optional[FrameType], filename: str) -> Tuple[int, ...]:
    lines: List[int] = []
    while frame is not None:
        if frame.f_code.co_filename == filename:
            lines.append(frame.f_lineno)
        frame = frame.f_back
    return tuple(lines)


class _Recorder:
    """Replaces ``Tensor.numpy`` while active: records each call, never raises the grad error."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.conversions: List[Conversion] = []
        self._original = torch.Tensor.numpy

    def __enter__(self) -> "_Recorder":
        original, filename, conversions = self._original, self.filename, self.conversions

        def recording_numpy(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            would_raise = bool(tensor.requires_grad and torch.is_grad_enabled() and not kwargs.get("force", False))
            conversions.append(Conversion(_case_lines_of_stack(sys._getframe(1), filename), would_raise))
            return original(tensor.detach() if would_raise else tensor, *args, **kwargs)

        torch.Tensor.numpy = recording_numpy  # type: ignore[method-assign, assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        torch.Tensor.numpy = self._original  # type: ignore[method-assign]


class _LineTracer:
    """Collects the lines of the case program that run (also in threads it starts)."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.executed: Set[int] = set()
        self._previous: Optional["TraceFunction"] = None
        self._previous_in_threads: Optional["TraceFunction"] = None

    def _global(self, frame: FrameType, event: str, arg: Any) -> Optional["TraceFunction"]:
        if frame.f_code.co_filename != self.filename:
            return None
        self.executed.add(frame.f_lineno)
        return self._local

    def _local(self, frame: FrameType, event: str, arg: Any) -> "TraceFunction":
        if event == "line":
            self.executed.add(frame.f_lineno)
        return self._local

    def __enter__(self) -> "_LineTracer":
        self._previous = sys.gettrace()
        if sys.version_info >= (3, 10):
            self._previous_in_threads = threading.gettrace()
        sys.settrace(self._global)
        threading.settrace(self._global)
        return self

    def __exit__(self, *exc: object) -> None:
        threading.settrace(self._previous_in_threads)
        sys.settrace(self._previous)


def run_case(case: Case, *, record: bool) -> Outcome:
    """Execute the case body as ``__main__`` in a fresh namespace; restore global state after."""
    filename = _filename(case)
    code = compile(case.source, filename, "exec")
    namespace: Dict[str, Any] = {"__name__": "__main__"}
    outcome = Outcome()
    # A case is a program of its own: it starts as a fresh interpreter would, whatever
    # an earlier test left behind (grad mode, default dtype), and leaves nothing behind.
    grad_enabled, default_dtype = torch.is_grad_enabled(), torch.get_default_dtype()
    torch.set_grad_enabled(True)
    torch.set_default_dtype(torch.float32)
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    recorder = _Recorder(filename)
    tracer = _LineTracer(filename)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if record:
                with recorder, tracer:
                    exec(code, namespace)
            else:
                exec(code, namespace)
    except Exception as error:  # the outcome is judged by the caller
        outcome.error = error
        outcome.error_lines = _case_lines_of_traceback(error.__traceback__, filename)
    finally:
        torch.set_grad_enabled(grad_enabled)
        torch.set_default_dtype(default_dtype)
        plt.close("all")
    outcome.executed = tracer.executed
    outcome.conversions = recorder.conversions
    return outcome


def _is_grad_error(error: Optional[BaseException]) -> bool:
    return isinstance(error, RuntimeError) and GRAD_ERROR in str(error)


def _where(case: Case, line: int) -> str:
    return f"body line {line} ({case.file.name}:{case.file_line(line)}): {case.source.splitlines()[line - 1].strip()!r}"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_labels_are_true_at_run_time(case: Case) -> None:
    check_labels_at_run_time(case)


def check_labels_at_run_time(case: Case) -> None:
    """Run ``case`` with torch (twice, as the module docstring says) and assert its labels hold."""
    definite = case.definite
    assert len(definite) <= 1, f"{case}: at most one DET101/DET102 expectation per case, found {definite}"

    plain = run_case(case, record=False)
    if definite:
        line, code = definite[0]
        assert _is_grad_error(plain.error), (
            f"{case}: {code} expected on {_where(case, line)}, but the program gave: {plain.describe_error()}"
        )
        assert line in plain.error_lines, (
            f"{case}: the grad error was raised through body lines {plain.error_lines}, not through "
            f"the expected {_where(case, line)}:\n{plain.describe_error()}"
        )
    else:
        assert plain.error is None, f"{case}: a program without DET101/DET102 must run:\n{plain.describe_error()}"

    recorded = run_case(case, record=True)
    assert recorded.error is None, (
        f"{case}: with conversions detached, the program must run to completion:\n{recorded.describe_error()}"
    )
    raising = [conversion.stack for conversion in recorded.conversions if conversion.would_raise]
    undecided = set(case.undecided_lines)
    if definite:
        line = definite[0][0]
        # Each conversion that would raise goes through the expected line: it happens right
        # there or inside a helper called from it (whose own line may be labelled DET103:
        # the rules report a helper's implicit conversion of a parameter only at its callers).
        strays = [stack for stack in raising if line not in stack]
        assert not strays, (
            f"{case}: conversions that would raise elsewhere than at {_where(case, line)} or inside a "
            f"helper it calls (stacks of body lines, innermost first): {strays}"
        )
    else:
        assert not raising, f"{case}: a conversion would raise (and something caught it): {raising}"
    innermost = {conversion.stack[0] for conversion in recorded.conversions if conversion.stack}
    for line, code in case.expectations:
        assert line in recorded.executed, f"{case}: {code} expected on a line that never runs: {_where(case, line)}"
    for line in undecided:
        assert line in innermost, (
            f"{case}: DET103 expected on a line that never itself converts a torch tensor: {_where(case, line)}"
        )


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
    assert _is_grad_error(outcome.error), outcome.describe_error()


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
