"""The derived PyTorch table: it is what torch says, it is read lazily, the hand table does not repeat it.

The whole derivation (``python scripts/derive_torch_api.py --check``) takes minutes.  The drift
test derives a part afresh with the installed torch and requires it to be as committed: every
committed entry of the utilities (nn.utils, func, autograd, checkpoint, jit, init,
distributions), every distribution and nn module class, and every 12th group of OpInfo entries,
tensor function (torch, nn.functional, linalg, fft, special) and Tensor member.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from flake8_detach import torch_api
from flake8_detach.analysis.values import Kind, Value, join

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "derive_torch_api.py"
STRIDE = 12


def test_committed_table_comes_from_this_torch() -> None:
    assert torch_api.derived().torch_version == torch.__version__


@pytest.mark.skipif(not torch.__version__.startswith("2.13.0"), reason="the table is derived from torch 2.13.0")
def test_a_fresh_derivation_agrees_with_the_committed_table() -> None:
    # In a process of its own: the probes call hundreds of torch functions, and OpInfo walks the
    # caller's stack for every operator (slow under pytest's deep one).
    run = subprocess.run([sys.executable, str(SCRIPT), "--check", "--stride", str(STRIDE)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    agreed = re.search(r"agrees: (\d+) entries, (\d+) class tables", run.stdout)
    assert agreed is not None, run.stdout
    assert int(agreed[1]) > 300 and int(agreed[2]) > 100, run.stdout  # the part is not thin


def test_hand_entries_do_not_repeat_the_derived_table() -> None:
    """An exact hand entry either says what torch cannot tell or overrides a probe, never both the same."""
    table = torch_api.derived()
    same_functions = [name for name, effect in torch_api.QUALIFIED.items() if table.qualified.get(name) is effect]
    same_members = [name for name, effect in torch_api.MEMBERS.items() if table.members.get(name) is effect]
    assert not same_functions and not same_members, (same_functions, same_members)


def test_importing_the_plugin_reads_no_derived_data() -> None:
    code = ("import sys, flake8_detach.frontends.flake8_plugin, flake8_detach.checker as c; "
            "import flake8_detach.torch_api as t; "
            "assert t.derived.cache_info().currsize == 0; assert 'libcst' not in sys.modules; "
            "list(c.check_source('import torch\\nx = torch.rand(3, requires_grad=True)\\nx.numpy()\\n')); "
            "assert t.derived.cache_info().currsize == 1")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_layers_of_two_classes_on_two_paths_are_no_callbacks() -> None:
    """A module value names its derived class (for its members); a join of two forgets it and
    does not turn the class names into functions the file may call."""
    linear, relu = (Value(Kind.MODULE, qualified_name=f"torch.nn.{name}") for name in ("Linear", "ReLU"))
    joined = join(linear, relu)
    assert joined.kind is Kind.MODULE and joined.qualified_name is None and not joined.functions


@pytest.mark.filterwarnings("ignore:__array_wrap__ must accept context:DeprecationWarning")  # numpy 2 on torch
@pytest.mark.parametrize("name", sorted(torch_api.NUMPY_DISPATCHES))
def test_numpy_functions_that_dispatch_hand_a_tensor_to_its_own_member(name: str) -> None:
    """``np.squeeze(t)`` is ``t.squeeze()`` (no conversion, so no error for a tensor that requires
    grad), while the same function converts a list of such tensors; a NumPy function outside the
    table converts the tensor itself (``np.transpose``), which is why the table is short."""
    import numpy as np

    function = getattr(np, name.split(".", 1)[1])
    extra = (0, 1) if name == "numpy.swapaxes" else ()
    tensor = torch.rand(2, 3, requires_grad=True)
    result = function(tensor, *extra)
    member = getattr(tensor, torch_api.NUMPY_DISPATCHES[name])
    expected = member(*extra) if callable(member) else member
    assert type(result) is type(expected)
    with pytest.raises(RuntimeError, match="requires grad"):
        function([tensor, tensor], *extra)
    with pytest.raises(RuntimeError, match="requires grad"):
        np.transpose(tensor)  # noqa: DET102 (it converts: that is the point)


def test_numpy_reductions_by_method_are_the_ones_numpy_has() -> None:
    """The NumPy functions that hand a tensor to its own method with NumPy's keywords, which torch
    refuses (a TypeError, requiring grad or not), derived from NumPy's fromnumeric module: those
    that take an ndarray but fail so on a tensor.  Each converts a list of tensors."""
    import numpy as np

    try:
        from numpy._core import fromnumeric
    except ImportError:  # NumPy 1
        from numpy.core import fromnumeric  # type: ignore[no-redef]
    tensor = torch.rand(2, 3, requires_grad=True)
    failing = set()
    for name in fromnumeric.__all__:
        function = getattr(np, name, None)
        try:
            function(tensor.detach().numpy())
        except Exception:  # needs more arguments, or is no function of one array
            continue
        try:
            function(tensor)
        except TypeError:
            failing.add(f"numpy.{name}")
        except Exception:  # noqa: S112 (others convert: the requires-grad error)
            continue
    assert torch_api.NUMPY_REDUCTIONS_BY_METHOD == failing
    for name in failing:
        with pytest.raises(RuntimeError, match="requires grad"):
            getattr(np, name.split(".", 1)[1])([tensor.sum(), tensor.mean()])


def test_losses_that_reduce_by_default_are_the_ones_torch_has() -> None:
    """The classes under torch.nn.modules.loss._Loss and the torch.nn.functional functions that
    take ``reduction``; each gives a 0-dim tensor by default."""
    import inspect

    import torch.nn.functional as F
    from torch.nn.modules.loss import _Loss

    classes = {f"torch.nn.{name}" for name, value in vars(torch.nn).items()
               if inspect.isclass(value) and issubclass(value, _Loss) and not name.startswith("_")}
    functions = {f"torch.nn.functional.{name}" for name, value in vars(F).items()
                 if inspect.isfunction(value) and not name.startswith("_")
                 and torch_api.REDUCTION_KEYWORD in inspect.signature(value).parameters}
    assert torch_api.REDUCED_BY_DEFAULT == classes | functions
    loss = torch.nn.MSELoss()(torch.rand(3), torch.rand(3))
    assert loss.dim() == 0 and torch.nn.functional.l1_loss(torch.rand(3), torch.rand(3)).dim() == 0
    with pytest.raises(IndexError):
        loss[0]
