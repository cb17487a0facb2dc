"""The derived PyTorch table: it is what torch says, it is read lazily, the hand table does not repeat it.

The whole derivation (``python scripts/derive_torch_api.py --check``) takes minutes; this test
derives afresh, with the installed torch, every distribution, every nn module class,
and every 12th OpInfo operator, public callable and Tensor member, and requires
each derived entry to be the committed one.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from flake8_detach import torch_api

ROOT = Path(__file__).resolve().parent.parent
STRIDE = 12


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("derive_torch_api", ROOT / "scripts" / "derive_torch_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_table_comes_from_this_torch() -> None:
    assert torch_api.derived().torch_version == torch.__version__


@pytest.mark.skipif(not torch.__version__.startswith("2.13.0"), reason="the table is derived from torch 2.13.0")
def test_a_fresh_derivation_agrees_with_the_committed_table() -> None:
    script = _script()
    fresh = script.serialize(script.derive(stride=STRIDE))
    committed = json.loads(torch_api.DERIVED_FILE.read_text(encoding="utf-8"))
    for namespace, groups in fresh["qualified"].items():
        for code, names in groups.items():
            for name in names.split():
                assert name in committed["qualified"].get(namespace, {}).get(code, "").split(), (
                    f"{namespace}.{name}: derived {code}, not as committed")
    for code, names in fresh["members"].items():
        for name in names.split():
            assert name in committed["members"].get(code, "").split(), f".{name}: derived {code}, not as committed"
    assert all(committed["fields"].get(name) == fields for name, fields in fresh["fields"].items())
    fresh_tables = {name: fresh["class_members"][index] for name, index in fresh["classes"].items()}
    committed_tables = {name: committed["class_members"][index] for name, index in committed["classes"].items()}
    assert fresh_tables == committed_tables
    assert len(fresh["members"]) > 3 and len(fresh_tables) > 100  # the sample is not empty


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
