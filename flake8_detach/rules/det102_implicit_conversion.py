"""DET102: a NumPy, plotting or table function converts a tensor that requires grad."""

from __future__ import annotations

from flake8_detach.analysis.sites import ConversionSite, ConversionStyle
from flake8_detach.analysis.values import Kind
from flake8_detach.findings import Finding
from flake8_detach.rules.base import Rule, RuleDoc
from flake8_detach.rules.common import (
    PROVED_GRAD_CONVERSIONS,
    Report,
    UnsafeReason,
    detach_each,
    detach_fix,
    fix,
    helper_advice,
    helper_fix_description,
    is_definite,
)

RULE = Rule(
    code="DET102",
    name="implicit-conversion-of-grad-tensor",
    summary="NumPy, matplotlib, pandas or scikit-learn converts a tensor that requires grad",
    default_enabled=True,
    raises_grad_error=True,
    triggers=PROVED_GRAD_CONVERSIONS,
    doc=RuleDoc(
        what_it_does=(
            "Finds tensors that require grad handed to code that turns them into NumPy arrays:\n"
            "`np.array`, `np.asarray`, `np.float32(...)` and the other NumPy functions,\n"
            "matplotlib's plotting functions and axes methods, pandas `DataFrame`/`Series`,\n"
            "scikit-learn metrics; also lists, tuples and dicts holding such tensors\n"
            "(`losses.append(loss)` and later `np.mean(losses)`)."
        ),
        why_is_this_bad=(
            "These functions call `Tensor.__array__`, which calls `.numpy()`, which raises\n"
            "`RuntimeError: Can't call numpy() on Tensor that requires grad` while grad mode\n"
            "is on. A list of losses kept without `.item()` also keeps every step's graph\n"
            "alive, which costs memory long before the conversion fails."
        ),
        example=(
            "losses = []\n"
            "for x, y in loader:\n"
            "    loss = criterion(model(x), y)\n"
            "    losses.append(loss)\n"
            "print(np.mean(losses))"
        ),
        use_instead=(
            "losses = []\n"
            "for x, y in loader:\n"
            "    loss = criterion(model(x), y)\n"
            "    losses.append(loss.item())\n"
            "print(np.mean(losses))"
        ),
        fix_safety=(
            "When the tensor is passed directly (`np.asarray(t)`), the fix passes\n"
            "`t.detach()`; it is safe when `t` is known to be a torch tensor, and unsafe when\n"
            "that was inferred from how a name is used (`m.eval()`), or when `t` is not known\n"
            "to be a torch tensor on every pass (a loop over a dict whose entries are a loss\n"
            "and a float). A list is converted as\n"
            "`[t.detach() for t in losses]`: the list itself keeps its graph, so code that sums\n"
            "it into a loss and calls `.backward()` still trains; the fix is unsafe because\n"
            "every entry of the list must be a tensor. For a dict, the fix detaches each tensor\n"
            "where it enters it (`history[\"loss\"] = loss.detach()`) and is unsafe: other users\n"
            "of the container may want the graph. `losses.append(loss.item())` is the idiom for\n"
            "scalar losses (it also frees each step's graph), but it turns the elements into\n"
            "floats, which is a decision for the author. Where the tensors enter a dict at\n"
            "places the analysis cannot see, the message names the value to detach and no fix\n"
            "is offered; so it is where a library converts what a function of the file returns\n"
            "(`scipy.optimize.minimize(loss_fn, x0)`): the value is in the function's return\n"
            "statements. When a helper of the file\n"
            "converts its argument, the fix detaches the argument, which is unsafe if the\n"
            "helper also returns something computed from it; when the argument is a model or\n"
            "a list, the fix goes inside the helper, which changes the helper for every\n"
            "caller: unsafe."
        ),
    ),
    valid=(
        "import numpy as np\n"
        "import torch\n"
        "x = torch.rand(3, requires_grad=True)\n"
        "np.asarray(x.detach())\n",
        "import numpy as np\n"
        "import torch\n"
        "x = torch.rand(3, requires_grad=True)\n"
        "losses = [(x * 2).sum().item() for _ in range(3)]\n"
        "np.mean(losses)\n",
    ),
    invalid=(
        "import numpy as np\n"
        "import torch\n"
        "x = torch.rand(3, requires_grad=True)\n"
        "np.asarray(x * 2)  # expect: DET102\n",
        "import numpy as np\n"
        "import torch\n"
        "x = torch.rand(3, requires_grad=True)\n"
        "losses = []\n"
        "for _ in range(3):\n"
        "    losses.append((x * 2).sum())\n"
        "np.mean(losses)  # expect: DET102\n",
    ),
)


def applies(site: ConversionSite) -> bool:
    return site.style is ConversionStyle.IMPLICIT and is_definite(site)


def finding(site: ConversionSite, report: Report) -> Finding:
    converted = report.snippet(site.converted)
    why = report.why(site.origin)
    if site.of_result:  # scipy.optimize.minimize(loss_fn, x0) converts what loss_fn returns
        message = (
            f"{site.consumer} converts what '{converted}' returns, a tensor that requires grad{why}; "
            f"return a number or an array from it (.item(), .detach().numpy())"
        )
        return report.finding(RULE.code, message, site, None)
    if site.via is not None:
        message = (
            f"{site.consumer} converts its argument '{site.via.parameter}' to NumPy on "
            f"{report.place(site.via.site.anchor)}, and '{converted}' requires grad{why}; "
            f"{helper_advice(site, report)}"
        )
    elif site.converts_a_list and site.via is None:
        message = (
            f"{site.consumer} converts '{converted}', which holds tensors that require grad"
            f"{why}; convert '[t.detach() for t in {converted}]', or store .item() values in it"
        )
        return report.finding(RULE.code, message, site, fix("Detach each entry where the list is converted",
                                                            detach_each(site, report), UnsafeReason.ENTRIES))
    elif site.value.kind is Kind.CONTAINER:
        message = (
            f"{site.consumer} converts '{converted}', which holds tensors that require grad"
            f"{why}; store .item() or .detach() values in it"
        )
    else:
        message = (
            f"{site.consumer} converts a tensor that requires grad{why}; "
            f"pass '{report.detached(site.converted)}'"
        )
    description = "Detach the tensors where they enter the container" if site.through_container \
        else helper_fix_description(site) if site.via is not None else "Detach the argument"
    if site.converts_a_list:  # a list handed to a helper that converts it as it is
        return report.finding(RULE.code, message, site, fix("Detach each entry where the list is passed",
                                                            detach_each(site, report), UnsafeReason.ENTRIES))
    return report.finding(RULE.code, message, site, detach_fix(site, report, description))
