"""DET103: a conversion whose tensor may require grad, which this file cannot decide."""

from __future__ import annotations

from flake8_detach.analysis.sites import ConversionSite, ConversionStyle
from flake8_detach.analysis.values import Kind
from flake8_detach.findings import Finding
from flake8_detach.rules.base import Rule, RuleDoc
from flake8_detach.rules.common import GRAD_CONVERSIONS, Report, detach_fix, is_undecided

RULE = Rule(
    code="DET103",
    name="undecided-conversion",
    summary="conversion of a tensor whose grad status is unknown here (off by default)",
    default_enabled=False,
    raises_grad_error=False,
    triggers=GRAD_CONVERSIONS,
    doc=RuleDoc(
        what_it_does=(
            "In files that use PyTorch, finds `.numpy()` calls, and NumPy/plotting/table\n"
            "conversions of values known to be torch tensors, where the file does not tell\n"
            "whether the tensor requires grad: a function parameter, the result of a function\n"
            "imported from elsewhere, an element of a batch. Off by default; enable it with\n"
            "`--extend-select DET103`."
        ),
        why_is_this_bad=(
            "Whether the conversion raises depends on the caller. Helpers such as\n"
            "`to_numpy(t)`, metrics and plotting utilities are where most reported crashes\n"
            "happen: they work in tests with plain tensors, then receive a model output.\n"
            "Teams that want every conversion to state its intent enable this rule."
        ),
        example=(
            "def to_numpy(t):\n"
            "    return t.cpu().numpy()"
        ),
        use_instead=(
            "def to_numpy(t):\n"
            "    return t.detach().cpu().numpy()"
        ),
        fix_safety=(
            "The fix inserts `.detach()`, which never changes the values but is unsafe: the\n"
            "receiver is not known to be a torch tensor, and another library's object\n"
            "(a TensorFlow tensor also has `.numpy()`) has no `.detach()`. Where the receiver\n"
            "is the output of an object taken for a model because it is moved or called like\n"
            "one, that was inferred from how a name is used, and a library's pipeline may\n"
            "return something else."
        ),
    ),
    valid=(
        "import torch\n"
        "def to_numpy(t):\n"
        "    return t.detach().cpu().numpy()\n",
    ),
    invalid=(
        "import torch\n"
        "def to_numpy(t):\n"
        "    return t.cpu().numpy()  # expect: DET103\n",
        "import numpy as np\n"
        "import torch\n"
        "def mean_of(batch):\n"
        "    return np.asarray(torch.sigmoid(batch[\"logits\"]))  # expect: DET103\n",
    ),
)


def applies(site: ConversionSite) -> bool:
    if site.via is not None or not is_undecided(site):
        return False
    if site.style is ConversionStyle.EXPLICIT:
        return site.carried.kind is not Kind.FOREIGN
    return site.converted_is_tensor


def finding(site: ConversionSite, report: Report) -> Finding:
    if site.style is ConversionStyle.EXPLICIT:
        message = (
            f".numpy() on '{report.snippet(site.converted)}', which may require grad (this file "
            "cannot tell); use .detach().numpy() to make the conversion safe"
        )
    else:
        message = (
            f"{site.consumer} converts the tensor '{report.snippet(site.converted)}', which may "
            "require grad (this file cannot tell); pass it through .detach()"
        )
    return report.finding(RULE.code, message, site, detach_fix(site, report, "Insert .detach()"))
