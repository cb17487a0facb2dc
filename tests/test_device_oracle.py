"""The device oracle: DET201 labels are exactly true on a machine with a CUDA device.

Every case that names a device runs on such a machine (``accelerator.py`` simulates one where
there is none; on a machine with a GPU the real one is used):

1. as written: a case with a DET201 line must fail with the device error (``TypeError: can't
   convert cuda:0 device type tensor to numpy``) through one of its DET201 lines; a case without
   one must not fail with it.
2. recorded: every conversion is noted and none raises.  The lines responsible for the
   conversions of accelerator tensors are exactly the DET201 lines: the innermost line of the case,
   or the caller's line when the innermost function was handed the accelerator tensor as an
   argument (a helper that converts its argument is reported where the tensor is handed to it).

The cases of ``bug_reports/cuda/`` (rebuilt from public bug reports of the device error) run
the same way; their raising line carries ``# raises on CUDA`` and DET201 must find it.

torch is imported at the top on purpose: without it this module must fail, not skip.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Set

import pytest
import torch
from accelerator import DEVICE_ERROR, is_on_accelerator, tensors_in
from case_runner import Conversion, Outcome, difference, filename, receiver_name, run_case, run_source
from casefile import Case, load_cases, parse_case_file

from flake8_detach.checker import check_source
from flake8_detach.findings import Applicability
from flake8_detach.frontends.filtering import Selection
from flake8_detach.frontends.fixer import FixRequest, fix_source
from flake8_detach.prefilter import DEVICE_MARKERS
from flake8_detach.settings import Settings

DEVICE_CODE = "DET201"
CASES = [case for case in load_cases() if any(marker in case.source for marker in DEVICE_MARKERS)]
CUDA_REPORTS = [case for file in sorted((Path(__file__).parent / "bug_reports" / "cuda").glob("*.py"))
                for case in parse_case_file(file)]
CUDA_MARK = "# raises on CUDA"


def _device_lines(case: Case) -> Set[int]:
    return {line for line, code in case.expectations if code == DEVICE_CODE}


def _is_device_error(outcome: Outcome) -> bool:
    return isinstance(outcome.error, TypeError) and "device type tensor to numpy" in str(outcome.error)


def _holds_an_accelerator_tensor(value: object) -> bool:
    return any(is_on_accelerator(tensor) for tensor in tensors_in(value))


def responsible_line(conversion: Conversion) -> int:
    """The innermost line of the case, or its caller's while the function that converts was handed
    the accelerator tensor (a method's own receiver is not handed: its state is the method's)."""
    line = conversion.line
    for inner, outer in zip(conversion.frames, conversion.frames[1:]):
        arguments = inner.arguments or {}
        receiver = receiver_name(inner.code, arguments)
        if not inner.is_function or not any(_holds_an_accelerator_tensor(value) for name, value in arguments.items()
                                            if name != receiver):
            return line
        line = outer.line
    return line


def _check_plain_run(case: Case, expected: Set[int]) -> None:
    plain = run_case(case, record=False, accelerator=True)
    if not expected:
        assert not _is_device_error(plain), f"{case}: no DET201 line, but the program failed:\n{plain.describe_error()}"
        return
    assert _is_device_error(plain), f"{case}: DET201 expected on {sorted(expected)}, but: {plain.describe_error()}"
    assert str(plain.error) == DEVICE_ERROR
    assert expected & set(plain.error_lines), (
        f"{case}: the device error came through body lines {plain.error_lines}, none of them DET201 "
        f"{sorted(expected)}:\n{plain.describe_error()}")


def _accelerator_conversions(case: Case) -> List[Conversion]:
    recorded = run_case(case, record=True, accelerator=True)
    assert recorded.error is None, f"{case}: with conversions moved to the host, the program must run:\n" \
                                   f"{recorded.describe_error()}"
    return [conversion for conversion in recorded.conversions if conversion.on_accelerator]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_device_labels_are_true_on_an_accelerator(case: Case) -> None:
    expected = _device_lines(case)
    _check_plain_run(case, expected)
    responsible = _responsible_lines(case)
    assert responsible == expected, (
        f"{case}: conversions of accelerator tensors are due to body lines {sorted(responsible)}, "
        f"the DET201 labels are {sorted(expected)}")


@pytest.mark.parametrize("case", CUDA_REPORTS, ids=[case.name for case in CUDA_REPORTS])
def test_bug_reports_of_the_device_error_raise_where_marked_and_have_no_false_alarm(case: Case) -> None:
    marked = next(number for number, text in enumerate(case.source.splitlines(), 1) if CUDA_MARK in text)
    plain = run_case(case, record=False, accelerator=True)
    assert _is_device_error(plain) and marked in plain.error_lines, plain.describe_error()
    found = {finding.line for finding in check_source(case.source) if finding.code == DEVICE_CODE}
    responsible = _responsible_lines(case)
    assert found <= responsible, f"{case}: DET201 on {sorted(found)}, the conversions are due to {sorted(responsible)}"


# Reports whose conversion the analysis does not follow yet (recall, not a label): an element of a
# NumPy array assigned a tensor (``g_loss[i] = loss.data``), and a tensor whose device comes from a
# method's argument through an integer operation (``self.fc(x).argmax(1)`` with ``x`` moved by the caller).
CUDA_RECALL_FLOOR = 8


def test_bug_reports_of_the_device_error_are_found() -> None:
    found = [case.name for case in CUDA_REPORTS
             if {f.line for f in check_source(case.source) if f.code == DEVICE_CODE} == _responsible_lines(case)]
    assert len(found) >= CUDA_RECALL_FLOOR, f"{len(found)} of {len(CUDA_REPORTS)} found: {found}"


def _responsible_lines(case: Case) -> Set[int]:
    return {responsible_line(conversion) for conversion in _accelerator_conversions(case)}


FOUND = [case for case in CASES if _device_lines(case)]
EVERY_RULE = Selection(select=("DET",))


@pytest.mark.parametrize("case", FOUND, ids=[case.name for case in FOUND])
def test_every_fix_together_removes_the_device_error(case: Case) -> None:
    assert all(f.fix is not None for f in check_source(case.source) if f.code == DEVICE_CODE), case
    every_fix = FixRequest(Settings(), EVERY_RULE, unsafe=True)
    fixed = fix_source(case.source, every_fix)
    assert fixed.error is None and not [f for f in fixed.remaining if f.code == DEVICE_CODE], fixed.text
    assert fix_source(fixed.text, every_fix).text == fixed.text, "a second fix must change nothing"
    after = run_source(fixed.text, f"<fixed {case.name}>", record=True, accelerator=True)
    assert after.error is None, f"{case}: the fixed program fails:\n{after.describe_error()}\n{fixed.text}"
    still = [c.stack for c in after.conversions if c.on_accelerator or c.would_raise]
    assert not still, f"{case}: conversions that still raise on a GPU: {still}\n{fixed.text}"


@pytest.mark.parametrize("case", FOUND, ids=[case.name for case in FOUND])
def test_safe_device_fixes_change_no_value(case: Case) -> None:
    """A safe fix computes what the program meant: the values of the run whose conversions were
    moved to the host by the recorder."""
    findings = check_source(case.source)
    safe = [f for f in findings if f.code == DEVICE_CODE and f.fix and f.fix.applicability is Applicability.SAFE]
    if not safe:
        return
    fixed = fix_source(case.source, FixRequest(Settings(), Selection(select=(DEVICE_CODE,))))
    intended = run_case(case, record=True, accelerator=True)
    after = run_source(fixed.text, filename(case), record=True, accelerator=True)
    assert after.error is None, after.describe_error()
    changed = difference(intended.values, after.values)
    assert changed is None, f"{case}: a safe fix changed what the program computes: {changed}\n{fixed.text}"


def test_the_simulated_error_is_the_one_a_gpu_gives() -> None:
    """The text ``../shared/TORCH_FACTS.md`` records from a GPU; the ``meta`` device fails the same check."""
    facts = " ".join((Path(__file__).resolve().parents[2] / "shared" / "TORCH_FACTS.md").read_text().split())
    assert f"`TypeError: {DEVICE_ERROR}`" in facts
    with pytest.raises(TypeError, match=re.escape(DEVICE_ERROR.replace("cuda:0", "meta"))):
        torch.zeros(2, device="meta", requires_grad=True).numpy()  # noqa: DET101 (the device check comes first)


def test_device_cases_cover_both_outcomes() -> None:
    assert sum(bool(_device_lines(case)) for case in CASES) >= 15
    assert sum(not _device_lines(case) for case in CASES) >= 10


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("case", [case for case in CASES if case.file.name == "devices.py"],
                         ids=lambda case: case.name)
def test_device_labels_on_a_real_gpu(case: Case) -> None:
    """On a machine with a GPU, ``run_case(accelerator=True)`` uses it: the same checks, no simulation."""
    test_device_labels_are_true_on_an_accelerator(case)


def test_the_gpu_example_raises_where_det201_says() -> None:
    """``examples/gpu.py`` (the README's example of the rule): each DET201 line converts a tensor
    that is on the GPU when the machine has one, and no other line does."""
    example = Path(__file__).resolve().parent.parent / "examples" / "gpu.py"
    source = example.read_text(encoding="utf-8")
    recorded = run_source(source, str(example), record=True, accelerator=True)
    assert recorded.error is None, recorded.describe_error()
    raising = {responsible_line(conversion) for conversion in recorded.conversions if conversion.on_accelerator}
    found = {finding.line for finding in check_source(source) if finding.code == DEVICE_CODE}
    assert found == raising and len(found) == 2, (found, raising)
