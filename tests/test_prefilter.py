"""The text pre-filter may skip a file only when the analysis would find nothing in it.

DET103 is, by definition, only reported in files that use PyTorch: a file that
never mentions it has no undecided tensors, so only DET101/DET102 are compared.
"""

from __future__ import annotations

from typing import List

from hypothesis import given, settings
from hypothesis import strategies as st

from flake8_detach.checker import UnanalysableSource, check_source
from flake8_detach.prefilter import may_have_findings
from flake8_detach.rules import RULES

_PROGRAMS: List[str] = [example for rule in RULES.values() for example in rule.valid + rule.invalid]
_EXTRA_LINES = [
    "import numpy as np",
    "import torch",
    "from torch import nn",
    "import tensorflow as tf",
    "import matplotlib.pyplot as plt",
    "x = model(y)",
    "model.eval()",
    "w = layer.weight",
    "plt.plot(w)",
    "np.asarray(x)",
    "x.numpy()",
    "t.requires_grad_()",
    "for p in net.parameters(): p.numpy()",
]


def _findings(source: str, prefilter: bool) -> List[str]:
    try:
        found = check_source(source, prefilter=prefilter)
        return [f"{f.line}:{f.code}" for f in found if f.code != "DET103"]
    except UnanalysableSource:
        return []


@st.composite
def _mutated_programs(draw: st.DrawFn) -> str:
    """A rule example with lines dropped and others inserted."""
    lines = draw(st.sampled_from(_PROGRAMS)).splitlines()
    kept = [line for line in lines if draw(st.booleans()) or line.startswith((" ", "\t"))]
    for line in draw(st.lists(st.sampled_from(_EXTRA_LINES), max_size=4)):
        kept.insert(draw(st.integers(0, len(kept))), line)
    return "\n".join(kept) + "\n"


@settings(max_examples=300, deadline=None)
@given(_mutated_programs())
def test_prefilter_never_hides_a_finding(source: str) -> None:
    if not may_have_findings(source):
        assert _findings(source, prefilter=False) == []


def test_prefilter_skips_files_without_conversions() -> None:
    assert not may_have_findings("import torch\nx = torch.rand(3, requires_grad=True)\nprint(x)\n")
    assert not may_have_findings("import numpy as np\nprint(np.asarray([1, 2]))\n")
    assert may_have_findings("import torch\nx = torch.rand(3)\nx.numpy()\n")
