"""The text pre-filter may skip a file only when the analysis would find nothing in it.

DET103 is, by definition, only reported in files that use PyTorch: a file that
never mentions it has no undecided tensors, so only DET101/DET102 are compared.
"""

from __future__ import annotations

from typing import List, Set

from hypothesis import given, settings
from hypothesis import strategies as st

from flake8_detach.checker import UnanalysableSource, check_source
from flake8_detach.prefilter import may_have_findings
from flake8_detach.rules import RULES
from flake8_detach.settings import Settings

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
    "x = x.cuda()",
    'device = "cuda" if torch.cuda.is_available() else "cpu"',
    "y = y.to(device)",
]


def _findings(source: str, prefilter: bool) -> List[str]:
    try:
        found = check_source(source, prefilter=prefilter)
        return [f"{f.line}:{f.code}" for f in found if f.code != "DET103"]
    except UnanalysableSource:
        return []


def _codes_found_without_the_prefilter(source: str) -> Set[str]:
    try:
        return {f.code for f in check_source(source, prefilter=False)} - {"DET103"}
    except UnanalysableSource:
        return set()


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


@settings(max_examples=300, deadline=None)
@given(_mutated_programs())
def test_each_rules_triggers_never_hide_one_of_its_findings(source: str) -> None:
    silent = {code for code, rule in RULES.items() if not rule.triggers.may_fire(source)}
    assert not silent & _codes_found_without_the_prefilter(source)


def test_a_rule_reports_only_where_its_own_triggers_fire() -> None:
    """A file with a device and a conversion but nothing that may require grad: analysed for
    DET201, and no grad rule reports there (a parameter converted inside a loop, as timm's
    onnx_validate.py does, was DET103 only because DET201's markers let the file in)."""
    source = ("from timm.data import create_loader\n"
              "def main(loader, session, device):\n"
              "    for batch, target in loader:\n"
              "        session.run(batch.to(device))\n"
              "        print(target.numpy())\n")
    everything = Settings(rules=frozenset(RULES))
    assert [f.code for f in check_source(source, everything, prefilter=False)] == ["DET103"]
    assert check_source(source, everything) == []


def test_prefilter_skips_files_without_conversions() -> None:
    assert not may_have_findings("import torch\nx = torch.rand(3, requires_grad=True)\nprint(x)\n")
    assert not may_have_findings("import numpy as np\nprint(np.asarray([1, 2]))\n")
    assert may_have_findings("import torch\nx = torch.rand(3)\nx.numpy()\n")
