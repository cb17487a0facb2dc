"""Derive the checker's PyTorch table by running PyTorch (issue 13).

    python scripts/derive_torch_api.py            # write flake8_detach/torch_api_derived.json
    python scripts/derive_torch_api.py --check    # compare with the committed file, write nothing
    python scripts/derive_torch_api.py --check --stride 12   # the same for a part (the drift test)
    python scripts/derive_torch_api.py --coverage-of OLD_TORCH_API.py   # also measure another table

Every fact is measured on torch itself (CPU), with inputs that require grad:

* OpInfo's ``op_db`` (torch's own operator test database, with sample inputs): the function,
  method and in-place variant of each operator and of its aliases;
* the public callables of ``torch``, ``torch.nn.functional``, ``torch.linalg``, ``torch.fft``,
  ``torch.special``, ``torch.nn.utils`` (and its ``rnn``, ``prune``, ``parametrize``,
  ``parametrizations``), ``torch.func``, ``torch.autograd.functional``, ``torch.utils.checkpoint``,
  ``torch.jit`` and ``torch.nn.init`` that OpInfo does not cover, and the public members of
  ``torch.Tensor``, called with small arguments taken in turn from a pool (a tensor, a model, its
  parameters, a function...); the first call that succeeds decides;
* every ``torch.distributions`` class, built from parameters that require grad (values made by
  ``biject_to`` from each parameter's constraint): each property and method of an instance;
* every ``torch.nn`` module class, built from OpInfo's ``module_db`` constructor inputs or with
  default-like arguments: does it hold parameters, which attributes are parameters, buffers or
  submodules.

What a result says, as an ``Effect`` of ``flake8_detach.torch_api``: a tensor that requires grad
when an input does (``propagate``), and still does under ``no_grad`` (``view``: a view or the
input itself); an integer or bool tensor (``integer``); a float tensor cut from the graph
(``stop``); a new tensor that requires grad only with ``requires_grad=True`` (``factory``); no
tensor (``not-tensor``); a tuple whose members differ (``tuple``, fields listed); a tuple with a
``dim`` and a tensor without (``max-like``); its first argument (``returns-argument``); an object
whose members have their own effects (``object``, members listed); what calling its first
argument with the others gives (``calls-argument``: checkpointing).
Calls that raise, time out or disagree with themselves decide nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import json
import signal
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import torch

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "flake8_detach" / "torch_api_derived.json"

PROPAGATE, VIEW, STOP, INTEGER, NOT_TENSOR = "propagate", "view", "stop", "integer", "not-tensor"
FACTORY, TUPLE, MAX_LIKE, RETURNS_ARGUMENT = "factory", "tuple", "max-like", "returns-argument"
OBJECT, MODULE, PARAMETERLESS_MODULE, SOURCE = "object", "module", "parameterless-module", "source"
CALLS_ARGUMENT = "calls-argument"
# Results that carry no grad, whichever of them a sample gives.
_NO_GRAD = {STOP, INTEGER, NOT_TENSOR}
_MEASURED = {PROPAGATE, VIEW, *_NO_GRAD}

# Public namespaces whose callables are probed, and the Tensor class.
NAMESPACES = (
    "torch", "torch.nn.functional", "torch.linalg", "torch.fft", "torch.special",
    "torch.nn.utils", "torch.nn.utils.rnn", "torch.nn.utils.prune", "torch.nn.utils.parametrize",
    "torch.nn.utils.parametrizations", "torch.func", "torch.autograd", "torch.autograd.functional",
    "torch.utils.checkpoint", "torch.jit", "torch.nn.init", "torch.distributions", "torch.distributions.kl",
)
# Names never called: they change global state, touch files, threads or the process,
# or wait for something.  (Their effects, where they matter, are in the hand-written table.)
UNSAFE_WORDS = (
    "set_", "seed", "save", "load", "compile", "export", "use_", "deterministic", "thread",
    "fork", "wait", "script", "freeze", "enable", "disable", "register", "backward", "grad_enabled",
    "inference_mode", "no_grad", "default", "print", "profil", "debug", "warn", "cuda", "mps",
    "xpu", "library", "sym_", "cond", "while_loop", "pin_memory", "share_memory", "storage",
    "resize", "hook", "retain", "abort", "reset", "manual", "optimize", "flags", "dist", "vitals",
)
# Processor seconds a single probe may take: counted in processor time, not on the clock, so that
# what a probe decides does not depend on how loaded the machine is, and far above what any probe
# takes (1.3 s at most, 2.7 s for one that first imports torch.func's machinery), so that a probe
# stopped halfway, which may leave torch half-changed, stays a runaway one.  A probe that waits
# without computing is stopped by the clock after HANG_LIMIT seconds.
TIME_LIMIT = 10.0
HANG_LIMIT = 60


# --- measuring one result ---------------------------------------------------------------
def _is_integer(tensor: torch.Tensor) -> bool:
    return not (tensor.dtype.is_floating_point or tensor.dtype.is_complex)


def outcome(result: object) -> object:
    """What one result is: an effect code, or for a tuple the (field, code) pairs."""
    if isinstance(result, torch.Tensor):
        if result.requires_grad:
            return PROPAGATE
        return INTEGER if _is_integer(result) else STOP
    if isinstance(result, tuple) and result and all(
            isinstance(item, (torch.Tensor, type(None))) for item in result):
        names = getattr(result, "_fields", None) or getattr(type(result), "__match_args__", None) or [""] * len(result)
        return tuple(zip(names, (outcome(item) if item is not None else NOT_TENSOR for item in result)))
    if isinstance(result, (bool, int, float, complex, str, type(None), torch.Size, torch.dtype,
                           torch.device, torch.layout, torch.memory_format)):
        return NOT_TENSOR
    if isinstance(result, (list, tuple)) and all(isinstance(item, (int, float, bool)) for item in result):
        return NOT_TENSOR
    return None  # another object: nothing decided


def _one_code(found: object) -> object:
    """A tuple whose fields all have one effect has that effect: nonzero(as_tuple=True)."""
    if isinstance(found, tuple):
        codes = {code for _, code in found}
        if len(codes) == 1 and isinstance(next(iter(codes)), str):
            return codes.pop()
    return found


def merge(outcomes: Sequence[object]) -> Optional[object]:
    """One effect for what several samples of the same callable gave."""
    found = [_one_code(item) for item in outcomes if item is not None]
    if not found:
        return None
    special = {item for item in found if isinstance(item, str)} - _MEASURED
    if special == {FACTORY} and len(set(found)) > 1:
        # torch.normal(mean, std) propagates, torch.normal(0, 1, size) is a factory: propagate
        # also honours requires_grad=True
        rest = merge([item for item in found if item != FACTORY])
        return PROPAGATE if rest in (PROPAGATE, VIEW) else FACTORY if rest in _NO_GRAD else None
    if special:  # a module, an object...: only if every sample agrees
        return found[0] if len(set(found)) == 1 else None
    plain = {item for item in found if isinstance(item, str)}
    tuples = {item for item in found if isinstance(item, tuple)}
    if tuples and plain:
        # a (values, indices) pair with some arguments, a tensor without: torch.max
        shapes = {tuple(code for _, code in item) for item in tuples}
        return MAX_LIKE if shapes == {(PROPAGATE, INTEGER)} and plain <= {PROPAGATE} else None
    if tuples:
        if len({len(item) for item in tuples}) != 1:
            return None
        first = next(iter(tuples))
        fields = tuple(
            (first[i][0], merge([item[i][1] for item in tuples])) for i in range(len(first)))
        codes = {code for _, code in fields}
        if None in codes:
            return None
        return codes.pop() if len(codes) == 1 else (TUPLE, fields)
    if plain <= _NO_GRAD:
        return STOP if len(plain) > 1 else plain.pop()
    return PROPAGATE if PROPAGATE in plain else VIEW if plain == {VIEW} else PROPAGATE


class ProbeTimeout(BaseException):
    """A probe ran out of time."""


@contextlib.contextmanager
def time_limit(processor_seconds: float, wall_seconds: int) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise ProbeTimeout  # not an Exception: library code that catches those lets it through

    previous = {number: signal.signal(number, expire) for number in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, processor_seconds)
    signal.alarm(wall_seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.alarm(0)
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def isolated() -> Iterator[None]:
    """A probe starts from a fresh interpreter's state and leaves none behind."""
    grad, dtype = torch.is_grad_enabled(), torch.get_default_dtype()
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.default_generator.manual_seed(0)  # torch.manual_seed also queues seeds for every GPU kind
        try:
            yield
        finally:
            torch.set_grad_enabled(grad)
            torch.set_default_dtype(dtype)


def attempt(call: Callable[[], object]) -> Tuple[bool, object]:
    """(True, result) when ``call`` returns in time, else (False, None)."""
    try:
        with isolated(), time_limit(TIME_LIMIT, HANG_LIMIT):
            return True, call()
    except BaseException as error:  # anything a probe raises only means: not decided by it
        if isinstance(error, KeyboardInterrupt):
            raise
        return False, None


def classify(call: Callable[..., object], view_check: bool = True) -> Tuple[bool, object]:
    """Run ``call`` with grad on.  A tensor that still requires grad under no_grad is a view (or
    the input itself), so is such a member of a tuple (split, chunk); a float tensor without grad
    that has it with ``requires_grad=True`` comes from a factory."""
    ok, result = attempt(call)
    if not ok:
        return False, None
    found = outcome(result)
    if view_check and (found == PROPAGATE or isinstance(found, tuple)):
        with torch.no_grad():
            again_ok, again = attempt(call)
        if again_ok:
            found = _with_views(found, again)
    elif found == STOP:
        again_ok, again = attempt(lambda: call(requires_grad=True))
        if again_ok and isinstance(again, torch.Tensor) and again.requires_grad:
            found = FACTORY
    return True, found


def _with_views(found: object, again: object) -> object:
    """``found`` with VIEW where ``again``, the same call's result under no_grad, still requires grad."""
    if found == PROPAGATE and isinstance(again, torch.Tensor) and again.requires_grad:
        return VIEW
    if isinstance(found, tuple) and isinstance(again, tuple) and len(found) == len(again):
        return tuple((name, VIEW if code == PROPAGATE and isinstance(item, torch.Tensor) and item.requires_grad
                      else code) for (name, code), item in zip(found, again))
    return found


# --- the table being built -------------------------------------------------------------
@dataclass
class Table:
    qualified: Dict[str, List[object]] = field(default_factory=dict)  # name -> sample outcomes
    members: Dict[str, List[object]] = field(default_factory=dict)
    classes: Dict[str, Dict[str, str]] = field(default_factory=dict)  # class -> member -> effect
    opinfo_functions: Set[str] = field(default_factory=set)  # what OpInfo covers
    opinfo_members: Set[str] = field(default_factory=set)
    opinfo_operators: Dict[str, Tuple[List[str], List[str]]] = field(default_factory=dict)
    # (the result was a tuple, a dim was given) for each sample: max-like needs them to agree
    tuple_when_dim: Dict[str, Set[Tuple[bool, bool]]] = field(default_factory=dict)

    def add(self, kind: str, name: str, found: object) -> None:
        getattr(self, kind).setdefault(name, []).append(found)

    def decided(self, kind: str) -> Dict[str, object]:
        merged = {name: merge(found) for name, found in getattr(self, kind).items()}
        for name, effect in merged.items():
            if effect == MAX_LIKE and not self.tuple_when_dim.get(name, set()) <= {(True, True), (False, False)}:
                merged[name] = None  # torch.unique: a tuple for return_inverse, not for a dim
        return {name: effect for name, effect in sorted(merged.items()) if effect is not None}


# --- OpInfo ------------------------------------------------------------------------------
def public_path(name: str) -> Optional[str]:
    """``torch.nn.functional.relu`` for OpInfo's ``nn.functional.relu``, if torch has it publicly."""
    if name.startswith("torch.") or "._" in name:
        return None
    target: object = torch
    for part in name.split("."):
        target = getattr(target, part, None)
        if target is None:
            return None
    return f"torch.{name}" if callable(target) else None


def _sample_dtype(op: Any) -> Optional[torch.dtype]:
    """A floating dtype, which can require grad; else an integer or bool one (one_hot, bitwise_and)."""
    supported = op.supported_dtypes("cpu")
    for dtype in (torch.float32, torch.float64, torch.complex64, torch.int64, torch.bool):
        if dtype in supported:
            return dtype
    return None


def _samples(op: Any, dtype: torch.dtype, limit: int) -> List[Any]:
    grad = dtype.is_floating_point or dtype.is_complex  # integer samples cannot require grad
    # sample_inputs_func, not sample_inputs: the samples without the wrapper that looks for the
    # calling unittest test on the stack for each operator (half the time of a derivation)
    ok, samples = attempt(lambda: list(op.sample_inputs_func(op, "cpu", dtype, grad))[:limit])
    return list(samples) if ok else []


def _floating(tensor: torch.Tensor) -> bool:
    return tensor.dtype.is_floating_point or tensor.dtype.is_complex


def _with_grad(value: object) -> object:
    """A floating tensor made to require grad (not a leaf: in-place operators accept it)."""
    if not (isinstance(value, torch.Tensor) and _floating(value)):
        return value
    with torch.enable_grad():
        return value.detach().requires_grad_() * 1


def _run_sample(variant: Callable[..., object], sample: Any, in_place: bool) -> Tuple[bool, object]:
    """One call of an OpInfo variant.  The samples of operators without autograd support require
    no grad (uniform_, histc...): their floating tensors are made to, else their results would
    measure nothing; a float result that no input with grad reached decides nothing either."""
    # factory samples ask for requires_grad themselves: classify asks again
    keywords = {name: value for name, value in sample.kwargs.items() if name != "requires_grad"}
    arguments = [sample.input, *sample.args]
    tensors = [value for value in arguments if isinstance(value, torch.Tensor)]
    if not any(tensor.requires_grad for tensor in tensors):
        arguments = [_with_grad(value) for value in arguments]
    grad_given = any(isinstance(value, torch.Tensor) and value.requires_grad for value in arguments)

    def call(**extra: object) -> object:
        first = arguments[0]
        if in_place and isinstance(first, torch.Tensor):
            with torch.enable_grad():
                first = first.clone()  # an in-place op on a leaf that requires grad raises
        return variant(first, *arguments[1:], **keywords, **extra)

    # an in-place variant returns its input, written: what counts is the grad it brings in
    ok, found = classify(call, view_check=not in_place)
    return (False, None) if found == STOP and not grad_given else (ok, found)


def _dim_given(sample: Any) -> bool:
    return "dim" in sample.kwargs or any(type(argument) is int for argument in sample.args)


# (table, name, callable, in place): ("members", "add_", Tensor.add_, True)
Variant = Tuple[str, str, Callable[..., object], bool]


def _variants(op: Any) -> List[Variant]:
    """The public function, method and in-place method of an OpInfo entry and of its aliases."""
    variants: List[Variant] = []
    for alias in (op, *op.aliases):
        path = public_path(alias.name)
        if path is not None:
            variants.append(("qualified", path, alias.op, False))
        elif hasattr(torch.Tensor, alias.name) and alias is op:
            variants.append(("members", alias.name, op.op, False))  # a method-only op
        for method, in_place in ((alias.method_variant, False), (alias.inplace_variant, True)):
            name = getattr(method, "__name__", "")
            if method is not None and hasattr(torch.Tensor, name):
                variants.append(("members", name, method, in_place))
    return variants


def _groups(variants_of: Sequence[Sequence[Variant]]) -> List[int]:
    """For each entry, the first entry it shares a name with, through any chain of shared names
    (max.binary and max.reduction_with_dim are both torch.max): a name's effect is merged from
    all the entries that have it."""
    parent = list(range(len(variants_of)))

    def root(index: int) -> int:
        while parent[index] != index:
            index = parent[index]
        return index

    owner: Dict[Tuple[str, str], int] = {}
    for index, variants in enumerate(variants_of):
        for kind, name, _, _ in variants:
            first, second = root(index), root(owner.setdefault((kind, name), index))
            parent[max(first, second)] = min(first, second)
    return [root(index) for index in range(len(variants_of))]


def derive_opinfo(table: Table, limit: int = 6, stride: int = 1) -> None:
    """Up to ``limit`` samples of each OpInfo entry; with ``stride`` > 1, of every stride-th group
    of entries that share a name only (the names of all are still known as OpInfo's)."""
    from torch.testing._internal.common_methods_invocations import op_db

    ops: List[Tuple[Any, torch.dtype, List[Variant]]] = []
    for op in op_db:
        dtype, variants = _sample_dtype(op), _variants(op)
        if dtype is not None and variants:
            ops.append((op, dtype, variants))
    groups = _groups([variants for _, _, variants in ops])
    sampled = set(sorted(set(groups))[::stride])
    for (op, dtype, variants), group in zip(ops, groups):
        table.opinfo_operators[op.name] = (
            [name for kind, name, _, _ in variants if kind == "qualified"],
            [name for kind, name, _, _ in variants if kind == "members"])
        for kind, name, _, _ in variants:
            (table.opinfo_functions if kind == "qualified" else table.opinfo_members).add(name)
        for sample in _samples(op, dtype, limit) if group in sampled else ():
            for kind, name, variant, in_place in variants:
                ok, found = _run_sample(variant, sample, in_place)
                if ok:
                    table.add(kind, name, found)
                    table.tuple_when_dim.setdefault(name, set()).add((isinstance(found, tuple), _dim_given(sample)))


# --- probing other callables ------------------------------------------------------------
# A pool of probe arguments: each is made afresh for every call, and only if the call uses it.
Pool = Sequence[Callable[[], object]]


def _grad_tensor() -> torch.Tensor:
    """A tensor that requires grad, not a leaf: in-place functions accept it."""
    return torch.rand(3, 3, requires_grad=True) * 1 + 0.5


def _trained_model() -> torch.nn.Module:
    model = torch.nn.Linear(3, 3)
    for parameter in model.parameters():
        parameter.grad = torch.ones_like(parameter)  # as after backward(), for the clip functions
    return model


def _packed_sequence() -> object:
    return torch.nn.utils.rnn.pack_padded_sequence(
        torch.rand(2, 3, 1, requires_grad=True), torch.tensor([3, 2]), batch_first=True)


# Arguments for tensor operations, tried in turn: a tensor, a dimension, a scalar, a shape.
TENSOR_POOL: Pool = (_grad_tensor, lambda: 1, lambda: 0.5, lambda: (2,))
# Arguments for the utilities (nn.utils, func, checkpoint...): also a model, its parameters,
# functions, a packed sequence, lengths, a parameter name, a distribution (pruning and
# parametrizations change the model they get: each call has its own).
UTILITY_POOL: Pool = (
    *TENSOR_POOL[:3],
    _trained_model,
    lambda: list(_trained_model().parameters()),
    lambda: lambda t: t * 2,
    lambda: lambda t: (t * 2).sum(),
    lambda: "weight",
    _packed_sequence,
    lambda: torch.tensor([3, 2, 1]),
    lambda: [torch.rand(2, requires_grad=True), torch.rand(1, requires_grad=True)],
    lambda: dict(_trained_model().named_parameters()),
    lambda: _distribution_candidates()[0],  # a Normal
)


def _arguments(pool: Pool, indices: Sequence[int]) -> List[object]:
    """Fresh arguments for one call; an index given twice is the same object twice."""
    made: Dict[int, object] = {}
    for index in indices:
        if index not in made:
            made[index] = pool[index]()
    return [made[index] for index in indices]


TENSOR_NAMESPACES = ("torch", "torch.nn.functional", "torch.linalg", "torch.fft", "torch.special")


def _arity(target: Callable[..., object]) -> Sequence[int]:
    """How many positional arguments to try: the required ones, else one to three."""
    try:
        parameters = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return (1, 2, 0)
    required = [p for p in parameters if p.default is p.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    # torch.jit.trace(func, example_inputs=None) needs its optional second argument
    return (len(required), len(required) + 1) if not varargs else (len(required) + 1, len(required))


def _combinations(count: int, size: int) -> Iterator[Tuple[int, ...]]:
    if count == 0:
        yield ()
        return
    for first in range(size):
        for rest in _combinations(count - 1, size):
            yield (first, *rest)


def probe_callable(target: Callable[..., object], pool: Pool = TENSOR_POOL,
                   added: Optional[Dict[str, str]] = None) -> Optional[object]:
    """The first combination of pool arguments that works decides (most calls fail at once).
    A call that returns the module it was given notes in ``added`` the attributes it gave it."""
    added = {} if added is None else added
    for count in _arity(target):
        if count > 3:
            continue
        for indices in _combinations(count, len(pool)):
            arguments = _arguments(pool, indices)
            before = _module_members(arguments)
            keywords = _explicit_keywords(target)
            ok, result = attempt(lambda: target(*arguments, **keywords))
            if not ok:
                continue
            if arguments and result is arguments[0] and isinstance(result, torch.nn.Module):
                added.update(_new_members(arguments[0], before))
                return RETURNS_ARGUMENT
            return _probed(target, pool, indices, result, keywords)
    return None


def _calls_its_argument(target: Callable[..., object], pool: Pool, indices: Tuple[int, ...],
                        keywords: Dict[str, object]) -> bool:
    """``checkpoint(f, x)`` gives what ``f(x)`` gives."""
    arguments = _arguments(pool, indices)
    if not (arguments and callable(arguments[0])):
        return False
    function: Callable[..., object] = arguments[0]  # type: ignore[assignment]
    ok, direct = attempt(lambda: function(*arguments[1:]))
    again_ok, result = attempt(lambda: target(*arguments, **keywords))
    return ok and again_ok and isinstance(direct, torch.Tensor) and isinstance(result, torch.Tensor) and (
        direct.shape == result.shape and bool(torch.equal(direct.detach(), result.detach())))


# Keywords that torch wants passed explicitly (it raises without them), with a value.
EXPLICIT_KEYWORDS = {"use_reentrant": False}


def _explicit_keywords(target: Callable[..., object]) -> Dict[str, object]:
    try:
        accepted = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return {}
    return {name: value for name, value in EXPLICIT_KEYWORDS.items() if name in accepted}


def _probed(target: Callable[..., object], pool: Pool, indices: Tuple[int, ...],
            result: object, keywords: Dict[str, object]) -> object:
    if isinstance(result, torch.nn.Module):
        return MODULE if any(p.requires_grad for p in result.parameters()) else PARAMETERLESS_MODULE
    if isinstance(result, torch.Tensor) and _calls_its_argument(target, pool, indices, keywords):
        return CALLS_ARGUMENT

    def call(**extra: object) -> object:
        with torch.enable_grad():  # the arguments require grad, also when the call runs under no_grad
            arguments = _arguments(pool, indices)
        return target(*arguments, **keywords, **extra)

    # The pool's tensors are made afresh for each call, with their version counters at 0: one
    # that moved was written in place (copy_, uniform_), and what counts for it is the grad its
    # arguments bring in, not that it is its receiver.
    written = isinstance(result, torch.Tensor) and result._version > 0
    return classify(call, view_check=not written)[1]


def _module_members(arguments: List[object]) -> Optional[Set[str]]:
    first = arguments[0] if arguments else None
    if not isinstance(first, torch.nn.Module):
        return None
    return set(dict(first.named_parameters(recurse=False))) | set(dict(first.named_buffers(recurse=False))) | set(
        dict(first.named_children()))


def _new_members(module: object, before: Optional[Set[str]]) -> Dict[str, str]:
    """Attributes a call adds to the module it is given (pruning: weight_orig, weight_mask)."""
    if not isinstance(module, torch.nn.Module) or before is None:
        return {}
    return {name: effect for name, effect in _module_table(module).items() if name not in before}


def _is_unsafe(name: str) -> bool:
    return name.startswith("_") or any(word in name.lower() for word in UNSAFE_WORDS)


def public_callables(namespace: str) -> Iterator[Tuple[str, Callable[..., object]]]:
    module = importlib.import_module(namespace)
    names = getattr(module, "__all__", None) or dir(module)
    for name in sorted(set(names)):
        target = getattr(module, name, None)
        if target is None or inspect.isclass(target) or inspect.ismodule(target) or not callable(target):
            continue
        if not (getattr(target, "__module__", None) or "torch").startswith("torch"):
            continue  # abc.abstractmethod seen through torch.nn.utils.prune
        yield f"{namespace}.{name}", target


def derive_callables(table: Table, namespaces: Sequence[str] = NAMESPACES, stride: int = 1,
                     also: Collection[str] = ()) -> None:
    """The public callables OpInfo does not cover: every ``stride``-th of each namespace, and those
    named in ``also``."""
    for namespace in namespaces:
        for index, (path, target) in enumerate(public_callables(namespace)):
            if index % stride and path not in also:
                continue
            if path in table.opinfo_functions or _is_unsafe(path.rsplit(".", 1)[1]):
                continue
            added: Dict[str, str] = {}
            found = probe_callable(target, TENSOR_POOL if namespace in TENSOR_NAMESPACES else UTILITY_POOL, added)
            if found is not None:
                table.add("qualified", path, found)
            for name, effect in added.items():
                table.add("members", name, effect)


def derive_tensor_members(table: Table, stride: int = 1) -> None:
    """Tensor methods and properties OpInfo does not cover: probed on a tensor that requires grad."""
    for name in sorted(dir(torch.Tensor))[::stride]:
        if name in table.opinfo_members or _is_unsafe(name) or name == "numpy":
            continue
        attribute = getattr(torch.Tensor, name)
        if not callable(attribute):  # a property: T, real, shape, grad, data...
            ok, found = classify(lambda: getattr(_bound("__mul__")(1), name))
            if ok and found is not None and attempt(lambda: getattr(torch.rand(1), name))[1] is not None:
                # .grad is None here: that decides nothing
                table.add("members", name, found)
            continue
        found = probe_callable(_bound(name))
        if found is not None:
            table.add("members", name, found)


def _bound(name: str) -> Callable[..., object]:
    """``x.name(*args)`` on a fresh tensor that requires grad (not a leaf: in-place ops work)."""

    def call(*arguments: object, **keywords: object) -> object:
        with torch.enable_grad():
            receiver = torch.rand(3, 3, requires_grad=True) * 1 + 0.5
        return getattr(receiver, name)(*arguments, **keywords)

    try:
        signature = inspect.signature(getattr(torch.Tensor, name))
        call.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=list(signature.parameters.values())[1:])
    except (TypeError, ValueError):
        pass
    return call


# --- distributions -----------------------------------------------------------------------
def _parameter_values(constraint: object) -> List[object]:
    """Values for a distribution parameter: from its constraint, then generic candidates."""
    from torch.distributions import biject_to, constraints

    values: List[object] = []
    for shape in ((3,), (3, 3)):
        unconstrained = torch.randn(shape, requires_grad=True)
        ok, value = attempt(lambda: biject_to(constraint)(unconstrained))  # type: ignore[arg-type]
        if ok and isinstance(value, torch.Tensor):
            values.append(value)
    if isinstance(constraint, (constraints.integer_interval, constraints._IntegerGreaterThan)) or \
            getattr(constraint, "is_discrete", False):
        values.insert(0, 3)
    small = torch.full((3,), 0.3, requires_grad=True)
    values += [small * 1, small * 1 + 1, 3, torch.eye(3, requires_grad=True) * 1]
    return values


def _distribution_candidates() -> List[object]:
    from torch.distributions import Categorical, ExpTransform, Normal

    loc = torch.zeros(3, requires_grad=True)
    return [Normal(loc * 1, loc.exp()), Categorical(logits=loc * 1), [ExpTransform()], 1]


def build_distribution(cls: type) -> Optional[object]:
    """An instance from parameters that require grad, trying each alternative (probs or logits)."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return None
    constraints_of = cls.arg_constraints if isinstance(cls.arg_constraints, dict) else {}
    parameters = [p for p in signature.parameters.values() if p.name != "validate_args"
                  and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    # every parameter that has a constraint gets a tensor that requires grad (StudentT's loc
    # defaults to 0.0); of those that default to None (probs or logits), one at a time
    required = [p.name for p in parameters if p.default is p.empty or (
        p.default is not None and p.name in constraints_of)]
    optional = [p.name for p in parameters if p.default is None and p.name in constraints_of]
    for chosen in ([*required], *([*required, name] for name in optional)):
        choices = [(_parameter_values(constraints_of[name]) if name in constraints_of else [])
                   + _distribution_candidates() for name in chosen]
        for indices in _combinations(len(chosen), max(len(c) for c in choices) if choices else 0):
            if any(i >= len(c) for i, c in zip(indices, choices)):
                continue
            keywords = {name: c[i] for name, c, i in zip(chosen, choices, indices)}
            ok, instance = attempt(lambda: cls(**keywords, validate_args=True))
            if ok:
                return instance
    return None


def _member_outcome(instance: object, name: str) -> object:
    member = getattr(type(instance), name, None)
    if isinstance(member, property) or not callable(member):
        ok, found = classify(lambda: getattr(instance, name), view_check=False)
        return found if ok else None
    ok, value = attempt(instance.sample)  # type: ignore[attr-defined]
    if not ok:
        return None
    # a count before the sample: sample_n(value) with a sample of 0 gives an empty tensor, which
    # decides nothing, so the outcome would depend on the value drawn
    for arguments in ((), (2,), (value,), ((2,),)):
        ok, found = classify(lambda: getattr(instance, name)(*arguments), view_check=False)
        if ok:
            return found
    return None


def derive_distributions(table: Table) -> None:
    import torch.distributions as distributions

    for class_name in sorted(dir(distributions)):
        cls = getattr(distributions, class_name)
        if not (inspect.isclass(cls) and issubclass(cls, distributions.Distribution)):
            continue
        # the parameters are drawn from the global generator: seeded here, so that what ran
        # before (a part of OpInfo, or all of it) does not decide which values each class gets
        torch.default_generator.manual_seed(0)
        instance = build_distribution(cls)
        if instance is None:
            continue
        members: Dict[str, str] = {}
        for name in sorted(dir(cls)):
            if _is_unsafe(name) or name in ("arg_constraints", "support"):
                continue
            found = merge([_member_outcome(instance, name)])
            if isinstance(found, str):
                members[name] = found
        for path in {f"torch.distributions.{class_name}", f"{cls.__module__}.{class_name}"}:
            table.add("qualified", path, OBJECT)
            table.classes[path] = members


# --- nn modules --------------------------------------------------------------------------
def _module_table(module: torch.nn.Module) -> Dict[str, str]:
    members = {name: NOT_TENSOR for name, integral in _attributes(module).items() if integral}  # kernel_size...
    members.update({name: STOP for name, _ in module.named_buffers(recurse=False)})
    members.update({name: SOURCE for name, p in module.named_parameters(recurse=False) if p.requires_grad})
    members.update({name: MODULE for name, _ in module.named_children()})
    return {name: effect for name, effect in members.items() if not name.startswith("_")}


def _attributes(module: torch.nn.Module) -> Dict[str, bool]:
    """The module's public attributes, and whether each holds configuration (its shape and
    switches: numbers but floats, names, flags, None, or tuples of those; never a tensor)."""
    def integral(value: object) -> bool:
        return value is None or isinstance(value, (bool, int, str)) or (
            isinstance(value, tuple) and all(integral(item) for item in value))
    return {name: integral(value) for name, value in vars(module).items() if not name.startswith("_")}


def _configuration_names(instances: Dict[str, List[torch.nn.Module]]) -> Set[str]:
    """Names that hold configuration in every instance of every module class that has them (at
    least two classes, so that what one class alone names is no rule), never a parameter, buffer
    or submodule, and no member of Tensor: ``m.kernel_size`` is no tensor even where the class
    of ``m`` is unknown (``def init_weights(m):``)."""
    integral: Dict[str, Set[bool]] = {}
    classes: Dict[str, Set[str]] = {}
    for class_name, built in instances.items():
        for instance in built:
            members = _module_table(instance)  # nn.Linear's bias is a parameter, nn.LSTM's a flag
            others = [name for name, holds_configuration in _attributes(instance).items() if not holds_configuration]
            for name, configuration in [*((name, effect == NOT_TENSOR) for name, effect in members.items()),
                                        *((name, False) for name in others)]:
                integral.setdefault(name, set()).add(configuration)
                classes.setdefault(name, set()).add(class_name)
    return {name for name, found in integral.items()
            if found == {True} and len(classes[name]) >= 2 and not hasattr(torch.Tensor, name)}


def _module_instances(cls: type, from_db: Dict[type, Any]) -> List[torch.nn.Module]:
    instances: List[torch.nn.Module] = []
    info = from_db.get(cls)
    if info is not None:
        ok, inputs = attempt(lambda: info.module_inputs_func(
            info, device="cpu", dtype=torch.float32, requires_grad=True, training=True))
        for item in (inputs if ok else []):
            built_ok, built = attempt(lambda: cls(*item.constructor_input.args, **item.constructor_input.kwargs))
            if built_ok:
                instances.append(built)
    if not instances:
        for arguments in ((), (3,), (3, 3), (3, 3, 3), (1, (3, 1))):  # (1, (3, 1)): a dim and a shape
            ok, built = attempt(lambda: cls(*arguments))
            if ok:
                instances.append(built)
                break
    return instances


def _holds_given_modules(cls: type) -> bool:
    """Sequential, ModuleList, ModuleDict...: their parameters are those of what they are given.
    (Any module keeps a module it is handed, ``ReLU(inplace=linear)`` too: the first parameter
    must also be declared to take modules.)"""
    try:
        first = next(iter(inspect.signature(cls).parameters.values()), None)
    except (TypeError, ValueError):
        return False
    if first is None or not (first.kind is first.VAR_POSITIONAL or any(
            word in str(first.annotation) for word in ("Module", "Iterable", "Mapping", "Any"))):
        return False
    for shape in (lambda m: (m,), lambda m: ([m],), lambda m: ({"a": m},)):
        given = torch.nn.Linear(2, 2)
        ok, built = attempt(lambda: cls(*shape(given)))
        if ok and isinstance(built, torch.nn.Module) and any(p is given.weight for p in built.parameters()):
            return True
    return False


def derive_modules(table: Table) -> None:
    from torch.testing._internal.common_modules import module_db

    from_db = {info.module_cls: info for info in module_db}
    built: Dict[str, List[torch.nn.Module]] = {}
    for class_name in sorted(dir(torch.nn)):
        cls = getattr(torch.nn, class_name)
        if not (inspect.isclass(cls) and issubclass(cls, torch.nn.Module)) or class_name.startswith("_"):
            continue
        instances = built[class_name] = _module_instances(cls, from_db)
        if not instances:
            continue
        members: Dict[str, str] = {}
        for instance in instances:  # bias_k: None in one instance, a parameter in another
            members.update({name: effect for name, effect in _module_table(instance).items()
                            if effect != NOT_TENSOR or name not in members})
        has_parameters = any(p.requires_grad for m in instances for p in m.parameters())
        if has_parameters:
            effect = MODULE
        elif _holds_given_modules(cls):
            continue  # decided by its contents: the namespace default (a module) stays
        else:
            effect = PARAMETERLESS_MODULE
        table.add("qualified", f"torch.nn.{class_name}", effect)
        if members:
            table.classes[f"torch.nn.{class_name}"] = members
    for name in sorted(_configuration_names(built)):
        table.add("members", name, NOT_TENSOR)


# --- the whole table ----------------------------------------------------------------------
def derive(stride: int = 1, also: Collection[str] = ()) -> Table:
    """The table; with ``stride`` > 1 part of it: every stride-th group of OpInfo entries, public
    callable and Tensor member, and the callables named in ``also`` (distributions and module
    classes are always derived whole)."""
    torch.set_num_threads(1)
    table = Table()
    derive_opinfo(table, stride=stride)
    derive_callables(table, stride=stride, also=also)
    derive_tensor_members(table, stride=stride)
    derive_distributions(table)
    derive_modules(table)
    return table


def _encode(effect: object) -> Tuple[str, Optional[str]]:
    """The effect code, and for a tuple its fields: ``"values:propagate indices:integer"``."""
    if isinstance(effect, tuple) and effect[0] == TUPLE:
        return TUPLE, " ".join(f"{name}:{code}" for name, code in effect[1])
    assert isinstance(effect, str), effect
    return effect, None


def _by_effect(entries: Dict[str, object]) -> Dict[str, str]:
    grouped: Dict[str, List[str]] = {}
    for name, effect in sorted(entries.items()):
        grouped.setdefault(str(effect), []).append(name)
    return {effect: " ".join(names) for effect, names in sorted(grouped.items())}


def serialize(table: Table) -> Dict[str, object]:
    """The data file: names grouped by effect, qualified names by namespace."""
    qualified: Dict[str, Dict[str, List[str]]] = {}
    fields: Dict[str, str] = {}
    for name, effect in table.decided("qualified").items():
        code, extra = _encode(effect)
        namespace, short = name.rsplit(".", 1)
        qualified.setdefault(namespace, {}).setdefault(code, []).append(short)
        if extra is not None:
            fields[name] = extra
    members: Dict[str, object] = {}
    for name, effect in table.decided("members").items():
        code, extra = _encode(effect)
        members[name] = code
        if extra is not None:
            fields[name] = extra
    tables: List[Dict[str, str]] = []
    classes: Dict[str, int] = {}
    for name, entries in sorted(table.classes.items()):
        grouped = _by_effect(entries)
        if grouped not in tables:
            tables.append(grouped)
        classes[name] = tables.index(grouped)
    return {
        "torch_version": torch.__version__,
        "qualified": {ns: {code: " ".join(names) for code, names in sorted(groups.items())}
                      for ns, groups in sorted(qualified.items())},
        "members": _by_effect(members),
        "fields": dict(sorted(fields.items())),
        "classes": dict(sorted(classes.items())),
        "class_members": tables,
    }


def dump(data: Dict[str, object]) -> str:
    return json.dumps(data, indent=0, sort_keys=False) + "\n"


# --- coverage ------------------------------------------------------------------------------
def coverage(table: Table, decides_function: Callable[[str], bool],
             decides_member: Callable[[str], bool]) -> Dict[str, Tuple[int, int]]:
    """(decided, total) for OpInfo operators, public torch.* functions and Tensor members."""
    operators = table.opinfo_operators.values()
    decided_ops = sum(1 for functions, members in operators
                      if all(decides_function(f) for f in functions) and all(decides_member(m) for m in members))
    functions = [path for path, _ in public_callables("torch") if not path.rsplit(".", 1)[1].startswith("_")]
    members = [name for name in dir(torch.Tensor) if not name.startswith("_")]
    return {
        "OpInfo operators": (decided_ops, len(operators)),
        "public torch.* functions": (sum(map(decides_function, functions)), len(functions)),
        "Tensor methods and properties": (sum(map(decides_member, members)), len(members)),
    }


def table_deciders(module: Any) -> Tuple[Callable[[str], bool], Callable[[str], bool]]:
    """What a torch_api module decides by an exact entry (a namespace default decides nothing)."""
    def function(name: str) -> bool:
        return name in module.QUALIFIED or name in getattr(module, "PARAMETERLESS_MODULES", ()) or (
            hasattr(module, "derived_effect") and module.derived_effect(name) is not None)

    def member(name: str) -> bool:
        return name in module.MEMBERS or (
            hasattr(module, "derived_member_effect") and module.derived_member_effect(name) is not None)

    return function, member


def print_coverage(title: str, figures: Dict[str, Tuple[int, int]]) -> None:
    print(title)
    for what, (decided, total) in figures.items():
        print(f"  {what}: {decided}/{total} ({100 * decided / total:.0f}%)")


def _load_module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- checking the committed file -------------------------------------------------------------
def entries(data: Dict[str, Any]) -> Dict[str, str]:
    """Every decided name of a data file with its effect: ``torch.where: propagate``, ``.sort: tuple``."""
    found = {f"{namespace}.{name}": code for namespace, groups in data["qualified"].items()
             for code, names in groups.items() for name in names.split()}
    found.update({f".{name}": code for code, names in data["members"].items() for name in names.split()})
    return found


def class_tables(data: Dict[str, Any]) -> Dict[str, Dict[str, str]]:
    return {name: data["class_members"][index] for name, index in data["classes"].items()}


def utilities(data: Dict[str, Any]) -> Set[str]:
    """The decided callables of the probed namespaces outside the tensor operations (nn.utils,
    func, autograd, checkpoint, jit, init, distributions): the families a partial check derives whole."""
    return {name for name in entries(data)
            if name.rsplit(".", 1)[0] in NAMESPACES and name.rsplit(".", 1)[0] not in TENSOR_NAMESPACES}


def disagreements(fresh: Dict[str, Any], committed: Dict[str, Any], required: Collection[str]) -> List[str]:
    """Where a fresh derivation (of the whole table or of a part) differs from the committed file;
    ``required`` are the committed names it must decide again."""
    derived, expected = entries(fresh), entries(committed)
    found = [f"{name}: derived {code}, committed {expected.get(name)}"
             for name, code in sorted(derived.items()) if expected.get(name) != code]
    found += [f"{name}: committed {expected[name]}, no longer derived" for name in sorted(set(required) - set(derived))]
    found += [f"{name} fields: derived {fields}, committed {committed['fields'].get(name)}"
              for name, fields in sorted(fresh["fields"].items()) if committed["fields"].get(name) != fields]
    tables, committed_tables = class_tables(fresh), class_tables(committed)
    found += [f"{name} members differ" for name in sorted(set(tables) | set(committed_tables))
              if tables.get(name) != committed_tables.get(name)]
    return found


def check(stride: int) -> int:
    """Compare a fresh derivation with the committed file: the whole, or with ``stride`` > 1 every
    stride-th part of the tensor operations, the utilities' committed entries, every
    distribution and nn class."""
    committed = json.loads(OUTPUT.read_text(encoding="utf-8"))
    required = set(entries(committed)) if stride == 1 else utilities(committed)
    fresh = serialize(derive(stride, also=required))
    problems = disagreements(fresh, committed, required)
    print("\n".join(problems) if problems else
          f"agrees: {len(entries(fresh))} entries, {len(class_tables(fresh))} class tables (torch {torch.__version__})")
    return 1 if problems else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file; write nothing")
    parser.add_argument("--stride", type=int, default=1,
                        help="with --check: derive every STRIDE-th part of the tensor operations only")
    parser.add_argument("--coverage-of", type=Path, action="append", default=[],
                        help="also print the coverage of this torch_api.py (e.g. an older one)")
    options = parser.parse_args(argv)
    if options.check:
        return check(options.stride)
    table = derive()
    text = dump(serialize(table))
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text)} bytes, torch {torch.__version__})")
    sys.path.insert(0, str(ROOT))
    import flake8_detach.torch_api as current

    for index, path in enumerate(options.coverage_of):
        print_coverage(f"coverage of {path}:", coverage(table, *table_deciders(_load_module(path, f"old{index}"))))
    print_coverage("coverage of flake8_detach/torch_api.py with the derived table:",
                   coverage(table, *table_deciders(current)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
