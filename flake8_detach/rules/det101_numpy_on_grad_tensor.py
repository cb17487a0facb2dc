"""DET101: ``.numpy()`` on a tensor that requires grad, while grad mode is on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Tuple, cast

from flake8_detach.analysis.sites import ConversionSite, ConversionStyle
from flake8_detach.findings import Finding, Fix
from flake8_detach.rules.base import Rule, RuleDoc
from flake8_detach.rules.common import (
    PROVED_GRAD_CONVERSIONS,
    Report,
    UnsafeReason,
    detach_fix,
    fix,
    force_edits,
    helper_advice,
    helper_fix_description,
    is_definite,
)
from flake8_detach.settings import FixStyle

if TYPE_CHECKING:
    import libcst as cst

RULE = Rule(
    code="DET101",
    name="numpy-on-grad-tensor",
    summary=".numpy() on a tensor that requires grad",
    default_enabled=True,
    raises_grad_error=True,
    triggers=PROVED_GRAD_CONVERSIONS,
    doc=RuleDoc(
        what_it_does=(
            "Finds `.numpy()` calls (also after `.cpu()` or `.to(\"cpu\")`) on a tensor that\n"
            "requires grad, at a place where grad mode is on."
        ),
        why_is_this_bad=(
            "A NumPy array cannot carry autograd's graph, so PyTorch refuses the conversion:\n"
            "`RuntimeError: Can't call numpy() on Tensor that requires grad`. The error comes\n"
            "late, typically in an evaluation or plotting step after hours of training.\n"
            "`model.eval()` does not help: it changes layers such as dropout, not grad mode."
        ),
        example=(
            "model.eval()\n"
            "predictions = model(images).cpu().numpy()"
        ),
        use_instead=(
            "predictions = model(images).detach().cpu().numpy()\n"
            "\n"
            "# or compute without a graph at all:\n"
            "with torch.no_grad():\n"
            "    predictions = model(images).cpu().numpy()"
        ),
        fix_safety=(
            "The fix inserts `.detach()` before the device move and `.numpy()`, so the copy\n"
            "to the CPU is not recorded in the graph. It is safe when the receiver is known\n"
            "to be a torch tensor; it is unsafe when that was inferred from how a name is\n"
            "used (`m.eval()` makes `m` look like a module, and another library's model has\n"
            "no `.detach()`), and when it is not known to be a torch tensor on every pass of\n"
            "a loop (`for model in [ours, nn.Linear(3, 1)]`, where our model's output has a\n"
            "`.numpy()` of its own). When a helper of the file converts its argument\n"
            "(`to_numpy(model.weight)`), the fix detaches the argument; that is unsafe only\n"
            "if the helper also returns something computed from it. When the argument is a\n"
            "model or a list, the fix goes inside the helper, which changes the helper for\n"
            "every caller: unsafe. With `fix-style = \"force\"` the fix writes\n"
            "`.numpy(force=True)` instead, which is always unsafe: torch before 1.13 has no\n"
            "`force` argument, and for a tensor that is not on the CPU or has its conjugate\n"
            "bit set the array is a copy, which no longer shares memory with the tensor."
        ),
    ),
    valid=(
        "import torch\n"
        "x = torch.rand(3, requires_grad=True)\n"
        "x.detach().numpy()\n",
        "import torch\n"
        "x = torch.rand(3, requires_grad=True)\n"
        "with torch.no_grad():\n"
        "    x.numpy()\n",
        "import torch\n"
        "x = torch.rand(3, requires_grad=True)\n"
        "x.argmax().numpy()\n",
    ),
    invalid=(
        "import torch\n"
        "x = torch.rand(3, requires_grad=True)\n"
        "x.numpy()  # expect: DET101\n",
        "import torch\n"
        "net = torch.nn.Linear(3, 1)\n"
        "net.eval()\n"
        "net(torch.rand(2, 3)).cpu().numpy()  # expect: DET101\n",
    ),
)


def applies(site: ConversionSite) -> bool:
    return site.style is ConversionStyle.EXPLICIT and is_definite(site)


def finding(site: ConversionSite, report: Report) -> Finding:
    if site.via is not None:
        message = (
            f"{site.consumer} calls .numpy() on {report.place(site.via.site.anchor)} on its "
            f"argument '{site.via.parameter}', and '{report.snippet(site.converted)}' requires grad"
            f"{report.why(site.value.origin)}; {helper_advice(site, report)}"
        )
        return report.finding(RULE.code, message, site, detach_fix(site, report, helper_fix_description(site)))
    advice, fix = _advice_and_fix(site, report)
    message = f".numpy() on a tensor that requires grad{report.why(site.value.origin)}; use {advice}"
    return report.finding(RULE.code, message, site, fix)


def _advice_and_fix(site: ConversionSite, report: Report) -> Tuple[str, Optional[Fix]]:
    """What the message tells to write, and the fix that writes it (the fix style decides)."""
    call = cast("cst.Call", site.call)  # an explicit conversion is always a call of .numpy()
    if report.settings.fix_style is FixStyle.FORCE and not call.args:
        return ".numpy(force=True)", fix("Use .numpy(force=True)", force_edits(site, report), UnsafeReason.FORCE)
    return ".detach().numpy()", detach_fix(site, report, "Insert .detach()")
