"""The checker against the case tables: it reports exactly the expected (line, code) pairs.

The labels themselves are checked with real torch by ``test_oracle.py``.
"""

from __future__ import annotations

from typing import Set, Tuple

import pytest
from casefile import Case, load_cases

from flake8_detach.checker import check_source

CASES = load_cases()

# Cases the analysis gets wrong today, each with the reason; strict, so a fix is noticed.
KNOWN_LIMITATIONS = {
    "branch-depends-on-environment-safe-path-taken": "a conversion is reported when the value requires "
    "grad on some path that reaches it (issue 11); at run time the other path is taken",
    "opaque-model-only-switched-to-eval": "an object seen only through .eval() and a call is no proof of a "
    "model (library pipelines are used that way and run without grad): DET103, by design (issue 10)",
    "contiguous-of-parameter-under-no-grad": "whether .contiguous() copies (after .t()) or returns its "
    "receiver is not tracked; both are taken to keep requires_grad, which flags the copy",
    # Heuristics keyed on a name (issue 20), which the analysis is to drop:
    **{name: f"'{method}' is taken to return integers (INTEGER_METHOD) because of its name, "
       "not because torch's API or the method's body says so"
       for name, method in (("helper-converts-model-decode", "decode"), ("helper-converts-model-sample", "sample"),
                            ("helper-converts-model-generate", "generate"),
                            ("helper-converts-model-greedy-decode-scores", "greedy_decode"),
                            ("helper-converts-model-beam-search-scores", "beam_search"),
                            ("helper-converts-model-predict-classes-probabilities", "predict_classes"))},
    "np-float64-of-grad-vector": "numpy.float64 is taken never to convert a tensor (NOT_TENSOR), but it "
    "goes through Tensor.__array__ for a tensor of more than one element",
    "wrapper-of-a-parameter-handed-to-a-function-that-converts-its-field": "an object built from the "
    "caller's parameter is seen with it only by its own methods (the receiver); handed to a function it "
    "gets the general summary, where its fields are unknown (a summary per caller: 9% more analysis time "
    "on transformers' modeling_perceiver.py)",
}


def known_limitation(case: Case) -> object:
    """The case as a pytest parameter, expected to fail if it is a known limitation."""
    reason = KNOWN_LIMITATIONS.get(case.name)
    return pytest.param(case, marks=pytest.mark.xfail(reason=reason, strict=True)) if reason else case


def _show(case: Case, items: Set[Tuple[int, str]]) -> str:
    lines = case.source.splitlines()
    return "\n".join(f"  {code} line {line}: {lines[line - 1].strip()}" for line, code in sorted(items))


@pytest.mark.parametrize("case", [known_limitation(case) for case in CASES], ids=[case.name for case in CASES])
def test_findings_match_expectations(case: Case) -> None:
    found = {(finding.line, finding.code) for finding in check_source(case.source)}
    expected = set(case.expectations)
    missing, unexpected = expected - found, found - expected
    assert not missing and not unexpected, (
        f"{case}\nmissing:\n{_show(case, missing)}\nunexpected:\n{_show(case, unexpected)}"
    )
