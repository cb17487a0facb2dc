"""What each kind of finding says, and what its fix is called and does: one program per shape of
message (the case tables check where findings are; these check what they say)."""

from __future__ import annotations

from typing import Optional

import pytest

from flake8_detach.checker import check_source
from flake8_detach.findings import apply_edits
from flake8_detach.settings import FixStyle, Settings

GRAD = "import torch\nx = torch.rand(3, requires_grad=True)\n"
CREATED = "(created with requires_grad=True 'torch.rand(3, requires_grad=True)' on line 2)"
CREATED_3 = CREATED.replace("line 2", "line 3")
TO_NUMPY = "import torch\n\n\ndef to_numpy(t):\n    return t.numpy()\n\n\nw = torch.rand(3, requires_grad=True)\n"
NOT_KNOWN = " (unsafe: not known to be a torch tensor)"
DEVICE = "import torch\ndevice = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
GPU = GRAD + DEVICE.split("\n", 1)[1]

# (program, line, code, message, fix description, the line once fixed)
SHAPES = [
    pytest.param(GRAD + "y = x.cpu().numpy()\n", 3, "DET101",
                 f".numpy() on a tensor that requires grad {CREATED}; use .detach().numpy()",
                 "Insert .detach()", "y = x.detach().cpu().numpy()", id="DET101"),
    pytest.param("import torch\nweights = torch.nn.Parameter(torch.randn(16, 16) * 0.01 + torch.zeros(16, 16))\n"
                 "y = (weights * 2 + weights).numpy()\n", 3, "DET101",
                 ".numpy() on a tensor that requires grad (parameter 'torch.nn.Parameter(torch.randn(16, 16...' "
                 "on line 2); use .detach().numpy()", "Insert .detach()",
                 "y = (weights * 2 + weights).detach().numpy()", id="DET101-long-origin-shortened"),
    pytest.param(TO_NUMPY + "value = to_numpy(w * 2)\n", 9, "DET101",
                 "to_numpy() calls .numpy() on line 5 on its argument 't', and 'w * 2' requires grad "
                 f"{CREATED.replace('line 2', 'line 8')}; pass '(w * 2).detach()'",
                 "Detach the argument", "value = to_numpy((w * 2).detach())", id="DET101-helper-argument"),
    pytest.param(TO_NUMPY + "value = to_numpy(w * 2)\n", 5, "DET103",
                 ".numpy() on 't', which may require grad (this file cannot tell); use .detach().numpy() to make "
                 "the conversion safe", "Insert .detach()" + NOT_KNOWN, "    return t.detach().numpy()",
                 id="DET103-explicit"),
    pytest.param("import torch\nimport torch.nn as nn\n\n\ndef evaluate(model, x):\n    return model(x).numpy()\n\n\n"
                 "net = nn.Linear(3, 2)\nscores = evaluate(net, torch.randn(4, 3))\n", 10, "DET101",
                 "evaluate() calls .numpy() on line 6 on its argument 'model', and 'net' requires grad (module "
                 "'nn.Linear(3, 2)' on line 9); detach in evaluate() on line 6",
                 "Detach inside the helper (unsafe: changes the helper for every caller)",
                 "scores = evaluate(net, torch.randn(4, 3))", id="DET101-helper-given-a-model"),
    pytest.param("import numpy as np\n" + GRAD + "a = np.asarray(x * 2)\n", 4, "DET102",
                 f"np.asarray() converts a tensor that requires grad {CREATED_3}; pass '(x * 2).detach()'",
                 "Detach the argument", "a = np.asarray((x * 2).detach())", id="DET102-parenthesized"),
    pytest.param("import numpy as np\n" + GRAD + "losses = []\nfor step in range(2):\n"
                 "    losses.append((x * step).sum())\nprint(np.mean(losses))\n", 7, "DET102",
                 f"np.mean() converts 'losses', which holds tensors that require grad {CREATED_3}; convert "
                 "'[t.detach() for t in losses]', or store .item() values in it",
                 "Detach each entry where the list is converted (unsafe: every entry of the list must be a tensor)",
                 "print(np.mean([t.detach() for t in losses]))", id="DET102-container"),
    pytest.param("import pandas as pd\n" + GRAD + "table = pd.DataFrame({\"curve\": x * 2})\n", 4, "DET102",
                 f"pd.DataFrame() converts '{{\"curve\": x * 2}}', which holds tensors that require grad {CREATED_3}; "
                 "store .item() or .detach() values in it",
                 "Detach the tensors where they enter the container (unsafe: other users of the container may want "
                 "the graph)", "table = pd.DataFrame({\"curve\": (x * 2).detach()})", id="DET102-dict"),
    pytest.param("import matplotlib.pyplot as plt\nimport torch\n\n\ndef plot_curve(values):\n"
                 "    plt.plot(values)\n\n\nw = torch.rand(3, requires_grad=True)\nplot_curve(w * 2)\n", 10, "DET102",
                 "plot_curve() converts its argument 'values' to NumPy on line 6, and 'w * 2' requires grad "
                 f"{CREATED.replace('line 2', 'line 9')}; pass '(w * 2).detach()'",
                 "Detach the argument", "plot_curve((w * 2).detach())", id="DET102-helper"),
    pytest.param("import numpy as np\nimport torch\n\n\ndef show(t):\n    return np.asarray(torch.sigmoid(t))\n", 6,
                 "DET103", "np.asarray() converts the tensor 'torch.sigmoid(t)', which may require grad (this file "
                 "cannot tell); pass it through .detach()", "Insert .detach()" + NOT_KNOWN,
                 "    return np.asarray(torch.sigmoid(t).detach())", id="DET103-implicit"),
    pytest.param("import torch\ny = torch.zeros(3, device='cuda')\nz = y.numpy()\n", 3, "DET201",
                 ".numpy() on a tensor that is on an accelerator ('torch.zeros(3, device='cuda')' on line 2); "
                 "use .cpu().numpy()", "Insert .cpu()", "z = y.cpu().numpy()", id="DET201"),
    pytest.param(GPU + "y = x.to(device)\nz = y.numpy()\n", 5, "DET201",
                 ".numpy() on a tensor that may be on an accelerator ('x.to(device)' on line 4); use "
                 ".detach().cpu().numpy()", "Insert .detach().cpu()", "z = y.detach().cpu().numpy()",
                 id="DET201-with-grad"),
    pytest.param(GPU + "y = (x * 2).to(device).numpy()\n", 4, "DET201",
                 ".numpy() on a tensor that may be on an accelerator ('(x * 2).to(device)' on line 4); use "
                 ".detach().cpu().numpy()", "Insert .detach().cpu()", "y = (x * 2).detach().to(device).cpu().numpy()",
                 id="DET201-detach-before-the-move"),
    pytest.param(GPU + "import numpy as np\nnet = torch.nn.Sequential(torch.nn.Linear(3, 4)).to(device)\n"
                 "with torch.no_grad():\n    np.asarray(net(x.to(device)) * 2)\n", 7, "DET201",
                 "np.asarray() converts a tensor that may be on an accelerator "
                 "('torch.nn.Sequential(...).to(device)' on line 5); pass '(net(x.to(device)) * 2).cpu()'",
                 "Insert .cpu()", "    np.asarray((net(x.to(device)) * 2).cpu())", id="DET201-implicit-long-move"),
    pytest.param(GPU + "import numpy as np\nlosses = [x.sum().detach().to(device) for _ in range(2)]\n"
                 "np.mean(losses)\n", 6, "DET201",
                 "np.mean() converts 'losses', whose tensors may be on an accelerator ('x.sum().detach().to(device)' "
                 "on line 5); move them with .cpu()",
                 "Move each entry to the CPU where the list is converted (unsafe: every entry of the list must be "
                 "a tensor)", "np.mean([t.cpu() for t in losses])", id="DET201-list"),
    pytest.param(DEVICE + "\n\ndef to_numpy(t):\n    return t.numpy(), t\n\n\nx = torch.rand(3).to(device)\n"
                 "values = to_numpy(x)\n", 10, "DET201",
                 "to_numpy() converts its argument 't' to NumPy on line 6, and 'x' may be on an accelerator "
                 "('torch.rand(3).to(device)' on line 9); pass 'x.cpu()'",
                 "Insert .cpu() (unsafe: the helper also returns something computed from it)",
                 "values = to_numpy(x.cpu())", id="DET201-helper-returns-its-argument"),
    pytest.param(DEVICE + "net = torch.load('model.pt')\nnet.zero_grad()\nnet.to(device)\nout = net(torch.rand(3))\n"
                 "y = out.numpy()\n", 7, "DET201",
                 ".numpy() on a tensor that may be on an accelerator ('net.to(device)' on line 5); use "
                 ".detach().cpu().numpy()", "Insert .detach().cpu() (unsafe: inferred from how a name is used)",
                 "y = out.detach().cpu().numpy()", id="DET201-inferred-model"),
]


@pytest.mark.parametrize("source, line, code, message, description, fixed_line", SHAPES)
def test_message_and_fix(source: str, line: int, code: str, message: str, description: Optional[str],
                         fixed_line: str) -> None:
    [finding] = [f for f in check_source(source) if (f.line, f.code) == (line, code)]
    assert finding.message == message
    assert finding.fix is not None and finding.fix.description == description
    assert apply_edits(source, finding.fix.edits).splitlines()[line - 1] == fixed_line


def test_a_device_finding_traces_the_move_and_the_conversion() -> None:
    source = DEVICE + "x = torch.rand(3).to(device)\ny = (x * 2).numpy()\n"
    [finding] = [f for f in check_source(source) if f.code == "DET201"]
    assert [(step.position.line, step.message) for step in finding.trace] == [
        (3, "may be on an accelerator: 'torch.rand(3).to(device)'"), (4, ".numpy() converts '(x * 2)'")]


def test_a_helper_handed_a_model_on_the_device_gets_no_fix_at_the_call() -> None:
    """The argument is a module: nothing to move where it is passed (the helper converts its output)."""
    source = (DEVICE + "\n\ndef show(model, batch):\n    return model(batch).numpy()\n\n\n"
              "show(torch.nn.Linear(3, 2).to(device), torch.rand(1, 3).to(device))\n")
    found = sorted(check_source(source), key=lambda f: (f.code, f.message))
    at_call = [(f.code, f.message.split(" on line")[0], f.fix and f.fix.description) for f in found if f.line == 9]
    assert at_call == [
        # the grad rule names only the argument that requires grad (the batch does not)
        ("DET101", "show() calls .numpy()", "Detach inside the helper (unsafe: changes the helper for every caller)"),
        ("DET201", "show() converts its argument 'batch' to NumPy", "Insert .cpu()"),
        ("DET201", "show() converts its argument 'model' to NumPy", None),
    ]


def test_force_style() -> None:
    source = GRAD + "y = x.cpu().numpy()\n"
    [finding] = check_source(source, Settings(fix_style=FixStyle.FORCE))
    assert finding.fix is not None
    assert finding.fix.description == "Use .numpy(force=True) (unsafe: no longer shares memory with the tensor)"
    assert apply_edits(source, finding.fix.edits).splitlines()[2] == "y = x.cpu().numpy(force=True)"
