"""DET201: a tensor that is, or may be, on a GPU converted to NumPy without ``.cpu()``."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Optional, Tuple

from flake8_detach import torch_api
from flake8_detach.analysis.sites import ConversionSite, ConversionStyle, SiteKind
from flake8_detach.analysis.values import Device, Kind
from flake8_detach.findings import Edit, Finding, Fix, TraceStep
from flake8_detach.prefilter import DEVICE_MARKERS, Fact, Triggers
from flake8_detach.rules.base import Rule, RuleDoc
from flake8_detach.rules.common import (
    Report,
    UnsafeReason,
    append_calls,
    detach_each,
    detach_edits,
    fix,
    is_definite,
    unsafe_reason,
)

if TYPE_CHECKING:
    import libcst as cst

RULE = Rule(
    code="DET201",
    name="numpy-on-accelerator-tensor",
    summary="a tensor that is or may be on a GPU converted to NumPy without .cpu()",
    default_enabled=True,
    raises_grad_error=False,
    triggers=Triggers(frozenset({SiteKind.CONVERSION}), DEVICE_MARKERS, flows_from=Fact.DEVICE, whole_words=True),
    doc=RuleDoc(
        what_it_does=(
            "Finds conversions to NumPy (`.numpy()`, and the NumPy, matplotlib, pandas or\n"
            "scikit-learn functions DET102 knows) of a tensor the file puts on an accelerator:\n"
            "made with `device=\"cuda\"`, moved with `.cuda()` or `.to(device)`, computed from\n"
            "such a tensor, or output by a model moved there. A device chosen at run time\n"
            "(`\"cuda\" if torch.cuda.is_available() else \"cpu\"`) is reported too: the code\n"
            "fails on every machine that has a GPU."
        ),
        why_is_this_bad=(
            "NumPy arrays live in host memory, so PyTorch refuses: `TypeError: can't convert\n"
            "cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host\n"
            "memory first.` The code often works where it was written (a laptop without a\n"
            "GPU) and fails on the training machine. When the tensor also requires grad, this\n"
            "error comes first, and the grad error (DET101, DET102) follows once it is fixed."
        ),
        example=(
            "device = torch.device(\"cuda\" if torch.cuda.is_available() else \"cpu\")\n"
            "model = Net().to(device)\n"
            "with torch.no_grad():\n"
            "    predictions = model(images.to(device)).numpy()"
        ),
        use_instead=(
            "with torch.no_grad():\n"
            "    predictions = model(images.to(device)).cpu().numpy()\n"
            "\n"
            "# and where the tensor requires grad as well:\n"
            "predictions = model(images.to(device)).detach().cpu().numpy()"
        ),
        fix_safety=(
            "The fix inserts `.cpu()` before the conversion (`.detach().cpu()` where the tensor\n"
            "also requires grad, so that the copy is not recorded in the graph). It is safe\n"
            "when the converted value is known to be a torch tensor, wherever it lives:\n"
            "`Tensor.cpu()` returns the tensor itself when it is already on the host, so the\n"
            "array shares memory with it exactly as before. Where `.detach()` is inserted too,\n"
            "the fix is as safe as DET101's: unsafe when the tensor was inferred from how a name\n"
            "is used, or is not known to be a torch tensor. For a list of tensors each entry is\n"
            "moved (`[t.cpu() for t in losses]`), which is unsafe: every entry of the list must\n"
            "be a tensor. When a helper of the file converts its argument, the fix moves the\n"
            "argument, which is unsafe if the helper also returns something computed from it."
        ),
    ),
    valid=(
        "import torch\n"
        "x = torch.rand(3, device=\"cuda\")\n"
        "x.cpu().numpy()\n",
        "import torch\n"
        "x = torch.rand(3).cuda()\n"
        "x.numpy(force=True)\n",
        "import torch\n"
        "device = \"cuda\" if torch.cuda.is_available() else \"cpu\"\n"
        "x = torch.rand(3).to(device)\n"
        "x.tolist()\n",
    ),
    invalid=(
        "import torch\n"
        "x = torch.rand(3, device=\"cuda\")\n"
        "x.numpy()  # expect: DET201\n",
        "import numpy as np\n"
        "import torch\n"
        "device = torch.device(\"cuda\" if torch.cuda.is_available() else \"cpu\")\n"
        "losses = [torch.rand(()).to(device) for _ in range(3)]\n"
        "np.mean(losses)  # expect: DET201\n",
    ),
)

# How messages say where the tensor is (one tensor, several), by device.
_IS = {Device.ACCELERATOR: "is on an accelerator", Device.MAYBE: "may be on an accelerator"}
_ARE = {Device.ACCELERATOR: "are on an accelerator", Device.MAYBE: "may be on an accelerator"}
_MOVE = ".cpu()"


def applies(site: ConversionSite) -> bool:
    return site.device in _IS and site.carried.kind in (Kind.TENSOR, Kind.UNKNOWN)


def finding(site: ConversionSite, report: Report) -> Finding:
    converted = report.snippet(site.converted)
    where = _IS[site.device]
    placed = _placed(site, report)
    if site.via is not None:
        message = (f"{site.consumer} converts its argument '{site.via.parameter}' to NumPy on "
                   f"{report.place(site.via.site.anchor)}, and '{converted}' {where}{placed}; "
                   f"pass '{report.followed_by(site.converted, _calls(site))}'")
    elif site.converts_a_list or site.through_container:
        message = (f"{site.consumer} converts '{converted}', whose tensors {_ARE[site.device]}{placed}; "
                   "move them with .cpu()")
    elif site.style is ConversionStyle.EXPLICIT:
        message = f".numpy() on a tensor that {where}{placed}; use {_calls(site)}.numpy()"
    else:
        message = (f"{site.consumer} converts a tensor that {where}{placed}; "
                   f"pass '{report.followed_by(site.converted, _calls(site))}'")
    return replace(report.finding(RULE.code, message, site, _fix(site, report)), trace=_trace(site, report))


def _placed(site: ConversionSite, report: Report) -> str:
    node = site.carried.placed
    if node is None:
        return ""
    return f" ('{_move_text(node, report)}' on {report.place(node)})"


def _move_text(node: "cst.CSTNode", report: Report) -> str:
    """The move as the message shows it: ``x.to(device)``, or ``nn.Sequential(...).to(device)``
    when the moved expression is long (the move is what matters; a shortened snippet cuts it off)."""
    text = report.snippet(node)
    func = getattr(node, "func", None)
    receiver = getattr(func, "value", None)  # a move of something: x.cuda(), model.to(device)
    method = getattr(getattr(func, "attr", None), "value", None)
    if not text.endswith("...") or receiver is None or method not in torch_api.DEVICE_MOVES:
        return text
    code = " ".join(report.module.code_for_node(node).split())
    moved = " ".join(report.module.code_for_node(receiver).split())
    head = moved.split("(", 1)[0] + "(...)" if "(" in moved else "..."
    return head + code[len(moved):]


def _calls(site: ConversionSite) -> str:
    """What the tensor needs before it is converted: ``.cpu()``, after ``.detach()`` where the
    conversion would also raise the grad error."""
    return f".detach(){_MOVE}" if is_definite(site) else _MOVE


def _fix(site: ConversionSite, report: Report) -> Optional[Fix]:
    if site.converts_a_list:
        return fix("Move each entry to the CPU where the list is converted",
                   detach_each(site, report, _calls(site)), UnsafeReason.ENTRIES)
    if site.through_container or site.carried.kind is not Kind.TENSOR:
        return None
    if site.via is not None and site.converted not in site.detach_points:
        return None  # the helper is handed a model or a list: nothing to move at the call
    detaching = is_definite(site)
    edits = _move_edits(site, report, detaching)
    reason = _unsafe_reason(site, detaching)
    return fix("Insert .detach().cpu()" if detaching else "Insert .cpu()", edits, reason)


def _move_edits(site: ConversionSite, report: Report, detaching: bool) -> Tuple[Edit, ...]:
    """``.cpu()`` right before the conversion, and ``.detach()`` before any device move in the
    chain: ``t.detach().cpu().numpy()``, ``t.detach().to(device).cpu().numpy()``."""
    if not detaching:
        return append_calls(site.converted, report, _MOVE)
    if site.detach_points == (site.converted,):
        return append_calls(site.converted, report, f".detach(){_MOVE}")
    return detach_edits(site, report) + append_calls(site.converted, report, _MOVE)


def _unsafe_reason(site: ConversionSite, detaching: bool) -> Optional[UnsafeReason]:
    if detaching:
        return unsafe_reason(site)
    if site.via is not None and site.via.returns_parameter:
        return UnsafeReason.HELPER_RETURNS_ARGUMENT
    return None


def _trace(site: ConversionSite, report: Report) -> Tuple[TraceStep, ...]:
    """Where the tensor was put on the accelerator, and where it is converted."""
    steps = []
    node = site.carried.placed
    if node is not None:
        placed = f"{_IS[site.device]}: '{_move_text(node, report)}'"
        steps.append(TraceStep(report.positions.start(node), placed))
    steps.append(TraceStep(report.positions.start(site.anchor),
                           f"{site.consumer} converts '{report.snippet(site.converted)}'"))
    return tuple(steps)
