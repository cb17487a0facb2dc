"""The run-time oracle for fixes.

Every case program that raises the requires-grad error is fixed with the
checker's own fixes (safe and unsafe) and run with real torch.  The fixed
program must run without the error and end with the same values as the
program its author meant: the original run with every conversion detaching
first (``Tensor.numpy`` and ``Tensor.__array__`` patched to do so).
"""

from __future__ import annotations

import contextlib
import random
from pathlib import Path
from typing import Any, Dict, Iterator, List

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from casefile import Case, load_cases  # noqa: E402
from test_cases import KNOWN_LIMITATIONS  # noqa: E402

from flake8_detach.checker import check_source  # noqa: E402
from flake8_detach.findings import apply_edits  # noqa: E402

DEFINITE = ("DET101", "DET102")
# The checker misses this bug (see tests/test_cases.py), so there is nothing to fix.
FIX_LIMITATIONS = {name: KNOWN_LIMITATIONS[name] for name in ("opaque-model-only-switched-to-eval",)}
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "evaluate.py"


def _raising_cases() -> List[Case]:
    return [case for case in load_cases() if any(code in DEFINITE for _, code in case.expectations)]


@contextlib.contextmanager
def _conversions_detach() -> Iterator[None]:
    """Run code as its author meant it: converting a tensor never sees its graph."""
    numpy, array = torch.Tensor.numpy, torch.Tensor.__array__

    def detached_numpy(self: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        return numpy(self.detach(), *args, **kwargs)

    def detached_array(self: torch.Tensor, dtype: Any = None, copy: Any = None) -> Any:
        return array(self.detach(), dtype)

    torch.Tensor.numpy, torch.Tensor.__array__ = detached_numpy, detached_array  # type: ignore[method-assign]
    try:
        yield
    finally:
        torch.Tensor.numpy, torch.Tensor.__array__ = numpy, array  # type: ignore[method-assign]


def _run(source: str, name: str) -> Dict[str, Any]:
    """Execute a program with fixed seeds; return the values it ends with."""
    grad_enabled = torch.is_grad_enabled()
    torch.set_grad_enabled(True)  # as a fresh interpreter starts, whatever an earlier test left
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    namespace: Dict[str, Any] = {"__name__": "__main__"}
    try:
        exec(compile(source, name, "exec"), namespace)
    finally:
        torch.set_grad_enabled(grad_enabled)
        plt.close("all")
    return {key: _comparable(value) for key, value in namespace.items() if not key.startswith("_")
            and _comparable(value) is not None}


def _comparable(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().numpy().copy()
    if isinstance(value, np.ndarray) and value.dtype.kind == "O":
        return None  # e.g. matplotlib's array of axes: objects, not results
    if isinstance(value, (np.ndarray, np.generic, float, int, bool, str)):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (float, int, np.generic)) for v in value):
        return list(value)
    return None


def _same(first: Dict[str, Any], second: Dict[str, Any]) -> bool:
    if first.keys() != second.keys():
        return False
    return all(_equal(first[key], second[key]) for key in first)


def _equal(first: Any, second: Any) -> bool:
    a, b = np.asarray(first), np.asarray(second)
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc" and b.dtype.kind in "fc"))


def _fixed(source: str) -> str:
    """Apply every DET101/DET102 fix, in rounds, as ``flake8-detach fix --unsafe-fixes`` does."""
    for _ in range(4):
        fixes = [f.fix for f in check_source(source) if f.code in DEFINITE and f.fix is not None]
        if not fixes:
            break
        source = apply_edits(source, [edit for fix in fixes for edit in fix.edits])
    return source


def _expected_to_work(case: Case) -> object:
    if case.name in FIX_LIMITATIONS:
        return pytest.param(case, marks=pytest.mark.xfail(reason=FIX_LIMITATIONS[case.name], strict=True))
    return case


@pytest.mark.parametrize("case", [_expected_to_work(c) for c in _raising_cases()],
                         ids=[case.name for case in _raising_cases()])
def test_fixed_program_runs_and_computes_the_intended_values(case: Case) -> None:
    unfixable = [f for f in check_source(case.source) if f.code in DEFINITE and f.fix is None]
    if unfixable:
        pytest.skip(f"no automatic fix on line {unfixable[0].line}: {unfixable[0].message}")
    fixed = _fixed(case.source)
    assert [f.code for f in check_source(fixed) if f.code in DEFINITE] == []
    assert _fixed(fixed) == fixed, "a second fix must change nothing"
    with _conversions_detach():
        intended = _run(case.source, f"<intended {case.name}>")
    assert _same(_run(fixed, f"<fixed {case.name}>"), intended)


def test_every_explicit_conversion_finding_has_a_fix() -> None:
    missing = [
        (case.name, finding.line)
        for case in _raising_cases()
        for finding in check_source(case.source)
        if finding.code == "DET101" and finding.fix is None
    ]
    assert missing == []


def test_the_readme_example_raises_and_its_fixed_version_runs() -> None:
    source = EXAMPLE.read_text(encoding="utf-8")
    first = min(f.line for f in check_source(source) if f.code in DEFINITE)
    with pytest.raises(RuntimeError, match="requires grad") as raised:
        _run(source, str(EXAMPLE))
    assert raised.traceback[-1].lineno + 1 == first or any(entry.lineno + 1 == first for entry in raised.traceback)
    with _conversions_detach():
        intended = _run(source, str(EXAMPLE))
    assert _same(_run(_fixed(source), str(EXAMPLE)), intended)
