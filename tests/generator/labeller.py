"""Labelling a program by running it with torch, as ``tests/test_oracle.py`` labels the cases.

The program runs in this process, as ``__main__`` in a fresh namespace, with ``Tensor.numpy``
(which ``Tensor.__array__`` calls, so NumPy, matplotlib, pandas and scikit-learn go through it
too) replaced by a recorder: each call notes the program's lines on the stack and whether it
would have raised (the tensor requires grad and grad mode is on), then converts a detached
tensor, so the run goes on past a conversion that would raise and every conversion of every
execution is seen.  The run is therefore also the run "as its author meant it" (conversions
detaching first) that a fixed program must match; its final module-level values are kept for
that comparison.  A program that fails for any other reason is discarded, with the reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import random
import re
import signal
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas  # noqa: E402,F401 - imported once here, not inside the first program's time limit
import sklearn.metrics  # noqa: E402,F401
import torch  # noqa: E402
import torch.utils.data  # noqa: E402,F401

TIMEOUT_SECONDS = 10.0  # a safety net: generated programs take tens of milliseconds
_DIGITS = re.compile(r"\d+")
# What the generated programs use that torch and the others import lazily, the first time: run
# once before any program, so that no program's time limit interrupts an import halfway (which
# leaves a partly initialised module behind for every later program).
_WARM_UP = """
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import accuracy_score, mean_absolute_error, mean_squared_error, r2_score, roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 3))
for optimizer in (torch.optim.SGD(model.parameters(), lr=0.1), torch.optim.Adam(model.parameters(), lr=1e-3)):
    optimizer.zero_grad()
    F.cross_entropy(model(torch.randn(4, 3)), torch.tensor([0, 1, 2, 0])).backward()
    optimizer.step()
for xb, yb in DataLoader(TensorDataset(torch.randn(4, 3), torch.randn(4, 3)), batch_size=2):
    pass
torch.distributions.Normal(torch.zeros(3), 1.0).rsample()
torch.distributions.Categorical(logits=torch.zeros(4, 3)).sample()
nn.GRU(3, 3, batch_first=True)(torch.randn(1, 4, 3))
nn.Embedding(10, 3)(torch.tensor([1, 2]))
with torch.inference_mode():
    model(torch.randn(4, 3))
fig, ax = plt.subplots()
ax.plot(np.zeros(3))
plt.hist(np.zeros(4))
plt.imshow(np.zeros((4, 3)))
plt.scatter([0], [1])
plt.bar(range(2), [1, 2])
pd.DataFrame(np.zeros((4, 3)))
pd.Series(np.zeros(3))
accuracy_score([0, 1], [0, 1])
roc_auc_score([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8])
for metric in (mean_squared_error, mean_absolute_error, r2_score):
    metric(np.zeros(3), np.ones(3))
"""
_warmed_up = False


class ProgramTimeout(Exception):
    """The program ran longer than ``TIMEOUT_SECONDS``."""


@dataclass(frozen=True)
class Conversion:
    """One call of ``Tensor.numpy`` during a run."""

    stack: Tuple[int, ...]  # the program's lines on the stack, innermost first
    would_raise: bool


@dataclass
class Run:
    """What one execution of a program did."""

    error: Optional[str] = None  # why it failed ("NameError: name 'x' is not defined"), None if it ran
    conversions: List[Conversion] = field(default_factory=list)
    values: Dict[str, Any] = field(default_factory=dict)  # final module-level values, comparable
    executed: Optional[FrozenSet[int]] = None  # the program's lines that ran, when traced
    seconds: float = 0.0

    @property
    def raising(self) -> FrozenSet[Tuple[int, ...]]:
        """The stacks of the conversions that would have raised."""
        return frozenset(c.stack for c in self.conversions if c.would_raise and c.stack)

    @property
    def positives(self) -> FrozenSet[int]:
        """Lines that would raise: the innermost program line of a raising conversion."""
        return frozenset(stack[0] for stack in self.raising)

    @property
    def converting(self) -> FrozenSet[int]:
        """Lines that convert a tensor at least once, raising or not."""
        return frozenset(c.stack[0] for c in self.conversions if c.stack)


def _program_lines(frame: FrameType, filename: str) -> Tuple[int, ...]:
    return tuple(line for frame, line in traceback.walk_stack(frame) if frame.f_code.co_filename == filename)


@contextlib.contextmanager
def _recording(filename: str, conversions: List[Conversion]) -> Iterator[None]:
    original = torch.Tensor.numpy

    def recording_numpy(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        would_raise = bool(tensor.requires_grad and torch.is_grad_enabled() and not kwargs.get("force", False))
        conversions.append(Conversion(_program_lines(sys._getframe(1), filename), would_raise))
        return original(tensor.detach() if would_raise else tensor, *args, **kwargs)

    torch.Tensor.numpy = recording_numpy  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        torch.Tensor.numpy = original  # type: ignore[method-assign]


@contextlib.contextmanager
def _tracing_lines(filename: str, executed: Set[int]) -> Iterator[None]:
    """Collect the program's lines that run; other code (libraries) is not traced line by line."""

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            executed.add(frame.f_lineno)
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == filename else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        yield
    finally:
        sys.settrace(previous)


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt a program that runs too long (only possible in the main thread)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Optional[FrameType]) -> None:
        raise ProgramTimeout(f"ran longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _fresh_interpreter_state() -> Iterator[None]:
    """Start as a fresh interpreter would (grad on, default dtype, seeds, argv); restore after."""
    grad_enabled, default_dtype, argv = torch.is_grad_enabled(), torch.get_default_dtype(), sys.argv
    torch.set_grad_enabled(True)
    torch.set_default_dtype(torch.float32)
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    sys.argv = ["program.py"]
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        torch.set_grad_enabled(grad_enabled)
        torch.set_default_dtype(default_dtype)
        sys.argv = argv
        plt.close("all")


def reason(error: BaseException) -> str:
    """A discard reason that groups alike failures: the type and the message's first line, numbers out."""
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {_DIGITS.sub('N', first_line)[:90]}"


def warm_up() -> None:
    """Import and initialise what programs use (once per process; it takes seconds)."""
    global _warmed_up
    if not _warmed_up:
        _warmed_up = True
        failure = execute(_WARM_UP, "<warm-up>", timeout=0).error
        assert failure is None, failure


def execute(source: str, filename: str = "<generated>", timeout: float = TIMEOUT_SECONDS, *,
            trace: bool = False) -> Run:
    """Run ``source`` with conversions recorded; its final values are kept for comparisons.

    ``timeout`` 0 means no time limit.  ``trace`` also records which lines ran (it halves
    the speed, so it is asked for only when needed)."""
    warm_up()
    run = Run()
    namespace: Dict[str, Any] = {"__name__": "__main__"}
    executed: Set[int] = set()
    started = time.perf_counter()
    try:
        code = compile(source, filename, "exec")
        with _fresh_interpreter_state(), _recording(filename, run.conversions), _time_limit(timeout), \
                (_tracing_lines(filename, executed) if trace else contextlib.nullcontext()):
            exec(code, namespace)
    except Exception as error:  # noqa: BLE001 - every failure is a reason to discard the program
        run.error = reason(error)
    run.seconds = time.perf_counter() - started
    run.executed = frozenset(executed) if trace else None
    if run.error is None:
        run.values = {name: comparable(value) for name, value in namespace.items()
                      if not name.startswith("__") and comparable(value) is not None}
    namespace.clear()
    return run


# ---------------------------------------------------------------------------------------------
# Final values, made comparable


_MAX_DEPTH = 4


def comparable(value: Any, depth: int = 0) -> Any:
    """``value`` as plain data (tensors and arrays as NumPy arrays, containers and the
    attributes of the program's own objects followed), or None for what is no result
    (functions, classes, modules, figures)."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().copy()
    if isinstance(value, torch.nn.Module):
        return comparable(dict(value.state_dict()), depth + 1)
    if isinstance(value, np.ndarray):
        return None if value.dtype.kind == "O" else value.copy()
    if isinstance(value, (bool, int, float, complex, str, bytes, np.generic)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [comparable(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(key): comparable(item, depth + 1) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return comparable(vars(value), depth + 1)
    if type(value).__module__ == "__main__" and hasattr(value, "__dict__") and not isinstance(value, type):
        return {"__class__": type(value).__name__, **comparable(vars(value), depth + 1)}
    if hasattr(value, "to_numpy") and type(value).__module__.startswith("pandas"):
        array = value.to_numpy()
        return None if array.dtype.kind == "O" else array
    return None


def same_values(first: Any, second: Any) -> bool:
    """Whether two ``comparable`` results are equal (NaN equal to NaN)."""
    if isinstance(first, dict) and isinstance(second, dict):
        return first.keys() == second.keys() and all(same_values(first[k], second[k]) for k in first)
    if isinstance(first, list) and isinstance(second, list):
        return len(first) == len(second) and all(same_values(a, b) for a, b in zip(first, second))
    if isinstance(first, (dict, list)) or isinstance(second, (dict, list)):
        return False
    a, b = np.asarray(first), np.asarray(second)
    if a.dtype.kind == "O" or b.dtype.kind == "O":
        return bool(first == second)
    nan_equal = a.dtype.kind in "fc" and b.dtype.kind in "fc"
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=nan_equal))


def first_difference(first: Dict[str, Any], second: Dict[str, Any]) -> Optional[str]:
    """The first module-level name whose value differs, or None."""
    for name in sorted(set(first) | set(second)):
        if name not in first or name not in second or not same_values(first[name], second[name]):
            return name
    return None
