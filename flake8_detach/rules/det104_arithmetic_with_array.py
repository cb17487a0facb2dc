"""DET104: arithmetic between a tensor that requires grad and a NumPy array."""

from __future__ import annotations

from typing import Optional

from flake8_detach.analysis.sites import ConversionSite, ConversionStyle
from flake8_detach.findings import Finding, Fix
from flake8_detach.rules.base import Rule, RuleDoc
from flake8_detach.rules.common import (
    PROVED_GRAD_CONVERSIONS,
    Report,
    UnsafeReason,
    detach_edits,
    fix,
    helper_advice,
    helper_fix_description,
    is_definite,
)

RULE = Rule(
    code="DET104",
    name="arithmetic-of-grad-tensor-with-array",
    summary="arithmetic between a tensor that requires grad and a NumPy array",
    default_enabled=True,
    raises_grad_error=True,
    triggers=PROVED_GRAD_CONVERSIONS,
    doc=RuleDoc(
        what_it_does=(
            "Finds arithmetic (`+`, `-`, `*`, `/`, `@`, `**`..., also `+=`) whose left operand\n"
            "is a tensor that requires grad and whose right operand is a NumPy array\n"
            "(`np.array(...)`, `np.zeros(...)`, `t.numpy()` and arithmetic on those)."
        ),
        why_is_this_bad=(
            "`torch.Tensor` leaves an operation with an ndarray to NumPy, which converts the\n"
            "tensor with `.numpy()`: `RuntimeError: Can't call numpy() on Tensor that\n"
            "requires grad`. Under `torch.no_grad()` it runs, and gives a tensor without a\n"
            "graph. A NumPy scalar (`np.float64`, `arr.mean()`) is not an array: with one,\n"
            "the result is a tensor that keeps its graph."
        ),
        example=(
            "target = np.array(labels, dtype=np.float32)\n"
            "loss = ((model(x) - target) ** 2).mean()"
        ),
        use_instead=(
            "target = torch.as_tensor(np.array(labels, dtype=np.float32))\n"
            "loss = ((model(x) - target) ** 2).mean()"
        ),
        fix_safety=(
            "What NumPy computes carries no graph in any case: the fix detaches the tensor\n"
            "(`model(x).detach() - target`), which gives what the operation would have given had\n"
            "the conversion not raised, a tensor that does not require grad. The fix is unsafe:\n"
            "what is computed from the result has no graph, so a loss computed so no longer\n"
            "trains (its `.backward()` raises instead). Where a gradient should flow through the\n"
            "result, make the array a tensor instead (`torch.as_tensor(target)`, on the tensor's\n"
            "device): a change the fix does not make. An in-place operation (`out -= target`) has\n"
            "no expression to detach: no fix is offered there."
        ),
    ),
    valid=(
        "import numpy as np\n"
        "import torch\n"
        "x = torch.rand(3, requires_grad=True)\n"
        "x - torch.as_tensor(np.zeros(3))\n",
        "import numpy as np\n"
        "import torch\n"
        "x = torch.rand(3, requires_grad=True)\n"
        "x * np.zeros(3).mean()\n",
    ),
    invalid=(
        "import numpy as np\n"
        "import torch\n"
        "x = torch.rand(3, requires_grad=True)\n"
        "x - np.zeros(3)  # expect: DET104\n",
        "import numpy as np\n"
        "import torch\n"
        "x = torch.rand(3, requires_grad=True)\n"
        "x * 2 / np.full(3, 2.0)  # expect: DET104\n",
    ),
)


def applies(site: ConversionSite) -> bool:
    return site.style is ConversionStyle.MIXED and is_definite(site)


def finding(site: ConversionSite, report: Report) -> Finding:
    converted = report.snippet(site.converted)
    why = report.why(site.origin)
    if site.via is not None:
        helper = site.via.site
        message = (
            f"{site.consumer} computes '{report.snippet(helper.call)}' on {report.place(helper.anchor)} "
            f"with the NumPy array '{report.snippet(helper.anchor)}', which converts its argument "
            f"'{site.via.parameter}', and '{converted}' requires grad{why}; {helper_advice(site, report)}, "
            f"or make the array a tensor if a gradient should flow"
        )
        return report.finding(RULE.code, message, site, _detach(site, report, helper_fix_description(site)))
    array = report.snippet(site.anchor)
    # (an in-place operation's target cannot be detached where it stands)
    detach = f"use '{report.detached(site.converted)}'" if site.detach_points else f"detach '{converted}' first"
    message = (
        f"'{report.snippet(site.call)}' hands '{converted}', a tensor that requires grad{why}, to NumPy, "
        f"which converts it (the NumPy array '{array}'); {detach}, or torch.as_tensor({array}) if a "
        f"gradient should flow"
    )
    return report.finding(RULE.code, message, site, _detach(site, report, "Detach the tensor"))


def _detach(site: ConversionSite, report: Report, description: str) -> Optional[Fix]:
    """Always unsafe: the result no longer requires grad, which NumPy's result never did, but
    a loss computed from it was meant to train."""
    edits = detach_edits(site, report)
    return fix(description, edits, UnsafeReason.NO_GRAPH) if edits else None
