"""The node autograd records for an operation, from the table ``scripts/derive_autograd_names.py``
derives by running PyTorch (``autograd_names.json``).

The name is the one torch gives for a typical call (matrices; ``x @ y`` names the matrices' and the
vectors' nodes); an operation that records nothing (``.cpu()`` on a CPU tensor returns the tensor
itself) has no entry.
"""

from __future__ import annotations

import ast
import functools
import json
from pathlib import Path
from typing import Dict, Optional

from flake8_detach.explain.calls import Calls
from flake8_detach.analysis.mentions import dotted

_TABLE = Path(__file__).resolve().parent / "autograd_names.json"
_TENSOR_MEMBER = "torch.Tensor."
_MAX_DEPTH = 4  # a model's forward returning another model's output, and so on


@functools.lru_cache(maxsize=1)
def names() -> Dict[str, str]:
    with _TABLE.open(encoding="utf-8") as table:
        loaded: Dict[str, str] = json.load(table)["names"]
    return loaded


def _index_kind(index: ast.expr) -> str:
    if isinstance(index, ast.Slice):
        return "slice"
    if isinstance(index, ast.Tuple):
        return "tuple"
    if isinstance(index, (ast.Constant, ast.UnaryOp, ast.Name)):
        return "integer"
    return "tensor"


class AutogradNames:
    """Names for the operations of one file: library calls by qualified name, tensor methods
    by name, the file's model classes by what their ``forward`` returns."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.index = calls.index

    def of(self, node: ast.AST, depth: int = 0) -> Optional[str]:
        table = names()
        if isinstance(node, ast.BinOp):
            return table.get(f"operator.{type(node.op).__name__}")
        if isinstance(node, ast.UnaryOp):
            return table.get(f"operator.{type(node.op).__name__}")
        if isinstance(node, ast.Subscript):
            return table.get(f"getitem.{_index_kind(node.slice)}")
        if isinstance(node, ast.Attribute):
            return table.get(f"{_TENSOR_MEMBER}{node.attr}") if self.index.qualified_name(node) is None else None
        if isinstance(node, ast.Call) and depth <= _MAX_DEPTH:
            return self._call(node, depth)
        return None

    def _call(self, call: ast.Call, depth: int) -> Optional[str]:
        table = names()
        qualified = self.index.qualified_name(call.func)
        if qualified is not None:
            return table.get(qualified)
        found = self._returned(call, depth) or self._layer(call.func)
        if found is not None:
            return found
        if isinstance(call.func, ast.Attribute):
            return table.get(f"{_TENSOR_MEMBER}{call.func.attr}")
        return None

    def _returned(self, call: ast.Call, depth: int) -> Optional[str]:
        """A call of the file's own function or model: the node of what it returns last."""
        for callee in self.calls.callees(call):
            returned = self.calls.returns(callee.function)
            if returned:
                return self.of(returned[-1], depth + 1)
        return None

    def _layer(self, func: ast.expr) -> Optional[str]:
        """``self.fc(x)`` or ``model(x)`` where the name holds a torch layer: ``nn.Linear(...)``."""
        if dotted(func) is None:
            return None
        for binding in self.calls.value_bindings(func):
            value = binding.value
            if isinstance(value, ast.Call):
                qualified = self.index.qualified_name(value.func)
                if qualified is not None and qualified in names():
                    return names()[qualified]
        return None
