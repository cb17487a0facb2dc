"""Derive the names autograd gives its graph nodes, by running PyTorch (for ``flake8-detach explain``).

    python scripts/derive_autograd_names.py           # write flake8_detach/explain/autograd_names.json
    python scripts/derive_autograd_names.py --check   # compare with the committed file, write nothing
    python scripts/derive_autograd_names.py --check --only operators   # one group (the drift test)

Each entry is ``type(result.grad_fn).__name__`` of a small call on CPU tensors that require grad:
a 3x3 float matrix ``x`` (``x op 2`` before ``x op y``) for indexing, the public ``torch.Tensor``
methods and the ``torch`` and ``torch.nn.functional`` functions (then the inputs of losses, image
layers, normalisations and embeddings: ``_FUNCTION_PATTERNS``), matrices then vectors for Python's
operators; the first argument pattern that gives a tensor with a ``grad_fn`` decides.  ``torch.nn`` module classes are
built with the first constructor arguments that work and called on the first input shape that
gives one (with class indices as a second argument before a second tensor: losses).  The name is
the one for these shapes: ``x @ y`` is ``MmBackward0/DotBackward0`` (matrices/vectors), while
``torch.matmul(x, y)`` keeps the matrices' ``MmBackward0``; ``explain`` shows what autograd records
for a typical call.
Keys: ``operator.<ast operator class>``, ``getitem.<index kind>``, ``torch.Tensor.<member>``,
``<module>.<function>``, ``torch.nn.<Class>``.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import operator
import signal
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional, Sequence, Tuple

import torch

OUTPUT = Path(__file__).resolve().parent.parent / "flake8_detach" / "explain" / "autograd_names.json"
_TIMEOUT_SECONDS = 2

# Python's operators, by the ast class names the explainer meets.
_OPERATORS: Dict[str, Callable[..., Any]] = {
    "Add": operator.add, "Sub": operator.sub, "Mult": operator.mul, "Div": operator.truediv,
    "MatMult": operator.matmul, "Pow": operator.pow, "Mod": operator.mod, "FloorDiv": operator.floordiv,
}
_UNARY: Dict[str, Callable[..., Any]] = {"USub": operator.neg, "UAdd": operator.pos}
_INDEXES: Dict[str, Callable[[torch.Tensor], Any]] = {
    "integer": lambda x: x[0],
    "slice": lambda x: x[1:],
    "tensor": lambda x: x[torch.tensor([0, 2])],
    "tuple": lambda x: x[0, 1:],
}
# What a function is tried with, in turn: matrices first; then the inputs of losses (probabilities
# and a target, class indices), of images' layers (a batch of one 3-channel image, a kernel), of
# normalisations (the normalised shape) and of embeddings (indices, then the table).
_FUNCTION_PATTERNS: Sequence[Tuple[Any, ...]] = (
    ("x",), ("x", 1), ("x", "x"), ("x", 0), ("list",), ("probabilities", "target"), ("x", "classes"),
    ("image", 2), ("image", "kernel"), ("x", (3,)), ("indices", "x"))
_ARGUMENTS: Dict[str, Callable[[], Any]] = {
    "x": lambda: _tensor(3, 3),
    "list": lambda: [_tensor(3, 3), _tensor(3, 3)],
    "probabilities": lambda: torch.rand(3, 3).requires_grad_(),
    "target": lambda: torch.rand(3, 3),
    "classes": lambda: torch.arange(3),
    "image": lambda: _tensor(1, 3, 8, 8),
    "kernel": lambda: _tensor(4, 3, 3, 3),
    "indices": lambda: torch.arange(2),
}
# Containers hold modules; they compute nothing themselves.
# The operands of Python's operators: matrices, then vectors (``@`` records a different node).
_SHAPES: Sequence[Tuple[int, ...]] = ((3, 3), (3,))
_CONTAINERS = {"Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Container"}


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _limited() -> Iterator[None]:
    def stop(signum: int, frame: Any) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(_TIMEOUT_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _tensor(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, requires_grad=True)


def _node_name(result: Any) -> Optional[str]:
    """The grad_fn of the first tensor in ``result``."""
    if isinstance(result, (tuple, list)) and result:
        result = result[0]
    if isinstance(result, torch.Tensor) and result.grad_fn is not None:
        return type(result.grad_fn).__name__
    return None


def _first_success(attempts: Sequence[Callable[[], Any]]) -> Optional[str]:
    for attempt in attempts:
        try:
            with warnings.catch_warnings(), _limited():
                warnings.simplefilter("ignore")
                name = _node_name(attempt())
        except (Exception, _Timeout):  # noqa: BLE001 - a probe that fails decides nothing
            continue
        if name is not None:
            return name
    return None


def _by_shape(attempts: Callable[[Tuple[int, ...]], Sequence[Callable[[], Any]]]) -> Optional[str]:
    """The names for matrices and for vectors, "/"-joined when they differ (``x @ y``)."""
    found = [_first_success(attempts(shape)) for shape in _SHAPES]
    return "/".join(dict.fromkeys(name for name in found if name)) or None


def _operators() -> Dict[str, str]:
    names: Dict[str, str] = {}
    for key, function in _OPERATORS.items():
        found = _by_shape(lambda shape, f=function: [lambda: f(_tensor(*shape), 2),
                                                     lambda: f(_tensor(*shape), _tensor(*shape))])
        if found:
            names[f"operator.{key}"] = found
    for key, function in _UNARY.items():
        found = _first_success([lambda f=function: f(_tensor(3, 3))])
        if found:
            names[f"operator.{key}"] = found
    for key, index in _INDEXES.items():
        found = _first_success([lambda i=index: i(_tensor(3, 3))])
        if found:
            names[f"getitem.{key}"] = found
    return names


def _argument_patterns(function: Callable[..., Any], method: bool) -> Sequence[Callable[[], Any]]:
    if method:
        patterns: Sequence[Tuple[Any, ...]] = ((), (1,), (-1,), ("x",), (0,))
        return [lambda p=p: function(_tensor(3, 3), *[_tensor(3, 3) if a == "x" else a for a in p])
                for p in patterns]
    return [lambda p=p: function(*[_ARGUMENTS[a]() if isinstance(a, str) else a for a in p])
            for p in _FUNCTION_PATTERNS]


def _public_callables(owner: Any, names: Sequence[str]) -> Iterator[Tuple[str, Callable[..., Any]]]:
    for name in sorted(names):
        if name.startswith("_") or name.endswith("_") or not name[:1].islower():
            continue
        member = getattr(owner, name, None)
        if callable(member) and not inspect.isclass(member):
            yield name, member


def _tensor_methods() -> Dict[str, str]:
    names: Dict[str, str] = {}
    for name, _ in _public_callables(torch.Tensor, dir(torch.Tensor)):
        found = _first_success(_argument_patterns(lambda t, *a, n=name: getattr(t, n)(*a), method=True))
        if found:
            names[f"torch.Tensor.{name}"] = found
    for name in ("T", "mT", "H", "mH", "real"):  # properties that make a graph node
        found = _first_success([lambda n=name: getattr(_tensor(3, 3), n)])
        if found:
            names[f"torch.Tensor.{name}"] = found
    return names


def _functions() -> Dict[str, str]:
    """``torch`` functions that are also tensor methods (tensor operations, not settings),
    ``torch.cat``/``stack``-like functions of lists, and every public ``torch.nn.functional`` one."""
    names: Dict[str, str] = {}
    methods = set(dir(torch.Tensor)) | {"cat", "stack", "hstack", "vstack", "concat", "concatenate"}
    sources = (("torch", torch, [n for n in dir(torch) if n in methods]),
               ("torch.nn.functional", torch.nn.functional, dir(torch.nn.functional)))
    for prefix, owner, candidates in sources:
        for name, function in _public_callables(owner, candidates):
            found = _first_success(_argument_patterns(function, method=False))
            if found:
                names[f"{prefix}.{name}"] = found
    return names


def _modules() -> Dict[str, str]:
    names: Dict[str, str] = {}
    constructors: Sequence[Tuple[Any, ...]] = ((), (3,), (3, 3), (3, 3, 1))
    inputs: Sequence[Tuple[int, ...]] = ((2, 3), (2, 3, 5), (2, 3, 5, 5), (2, 3, 5, 5, 5))
    for name in sorted(dir(torch.nn)):
        cls = getattr(torch.nn, name)
        if not (inspect.isclass(cls) and issubclass(cls, torch.nn.Module)) or name in _CONTAINERS:
            continue
        # one input (layers), an input and class indices (classification losses), two inputs
        attempts = [lambda c=c, s=s, second=second: cls(*c)(_tensor(*s), *second())
                    for c in constructors for s in inputs
                    for second in (tuple, lambda s=s: (torch.arange(s[0]),), lambda s=s: (_tensor(*s),))]
        found = _first_success(attempts)
        if found:
            names[f"torch.nn.{name}"] = found
    return names


GROUPS: Dict[str, Callable[[], Dict[str, str]]] = {
    "operators": _operators, "methods": _tensor_methods, "functions": _functions, "modules": _modules,
}


def derive(groups: Sequence[str]) -> Dict[str, str]:
    torch.manual_seed(0)
    names: Dict[str, str] = {}
    for group in groups:
        names.update(GROUPS[group]())
    return dict(sorted(names.items()))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed table, write nothing")
    parser.add_argument("--only", choices=sorted(GROUPS), action="append", help="derive only these groups")
    args = parser.parse_args(argv)
    groups = args.only or list(GROUPS)
    names = derive(groups)
    if not args.check:
        OUTPUT.write_text(json.dumps({"torch_version": torch.__version__, "names": names}, indent=1) + "\n",
                          encoding="utf-8")
        print(f"wrote {len(names)} names to {OUTPUT}")
        return 0
    committed = json.loads(OUTPUT.read_text(encoding="utf-8"))["names"]
    prefixes = {"operators": ("operator.", "getitem."), "methods": ("torch.Tensor.",),
                "functions": ("torch.",), "modules": ("torch.nn.",)}
    wanted = tuple(p for group in groups for p in prefixes[group])
    expected = {key: value for key, value in committed.items() if key.startswith(wanted)
                and (("functions" in groups) or not _is_function_key(key, groups))}
    differences = {key: (expected.get(key), names.get(key)) for key in {*expected, *names}
                   if expected.get(key) != names.get(key)}
    if differences:
        for key, (old, new) in sorted(differences.items()):
            print(f"{key}: committed {old}, derived {new}")
        return 1
    print(f"agrees: {len(names)} names")
    return 0


def _is_function_key(key: str, groups: Sequence[str]) -> bool:
    """``torch.nn.functional.relu`` and ``torch.cat`` belong to the functions group."""
    if key.startswith(("operator.", "getitem.", "torch.Tensor.")):
        return False
    if key.startswith("torch.nn.") and key[len("torch.nn."):][:1].isupper():
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
