"""Running the case programs with real torch, in-process: shared by the label oracle
(``test_oracle.py``) and the fix oracle (``test_fix_oracle.py``).

A *recorded* run replaces ``Tensor.numpy`` (which ``Tensor.__array__`` calls) by a
recorder: each conversion is noted with the case program's frames on the stack,
whether it would have raised the requires-grad error and whether the case's own
code called ``.numpy()`` (explicit) or a library did, through ``__array__``
(implicit); then a detached tensor is converted, so the program runs on as its
author meant it.  The values a recorded run ends with are therefore the values
of the program *as intended*, which is what a fixed program must compute.

A function of the case can be called again with its arguments varied (tensors
detached, or made to require grad; modules' parameters switched): that is how
the oracle tells a conversion that depends on its arguments from one that does
not.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import inspect
import math
import random
import sys
import threading
import traceback
import types
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Dict, Iterator, List, Optional, Set, Tuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.axes  # noqa: E402
import matplotlib.collections  # noqa: E402
import matplotlib.figure  # noqa: E402
import matplotlib.image  # noqa: E402
import matplotlib.lines  # noqa: E402
import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from accelerator import SIMULATION_FILE, is_on_accelerator, names_an_accelerator, simulated_cuda  # noqa: E402
from casefile import Case  # noqa: E402

if TYPE_CHECKING:
    from _typeshed import TraceFunction

GRAD_ERROR = "Can't call numpy() on Tensor that requires grad"
# Code objects of comprehensions and generator expressions: part of the statement that holds them.
_INLINE_CODE = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})


@dataclass(frozen=True)
class Frame:
    """A frame of the case program on the stack at a conversion."""

    code: types.CodeType
    line: int
    arguments: Optional[Dict[str, Any]]  # as the call received them (None: module level, or not traced)
    # the function object that ran, found while it was alive (a lambda handed to sorted() is gone
    # when the run ends, and with it any way to call it again)
    function: Optional[Callable[..., Any]] = None

    @property
    def is_function(self) -> bool:
        return self.code.co_name != "<module>"


@dataclass(frozen=True)
class Conversion:
    """One call of ``Tensor.numpy`` during a run."""

    frames: Tuple[Frame, ...]  # the case program's frames, innermost first, comprehensions left out
    line: int  # the innermost line of the case program (the statement that converts)
    would_raise: bool
    explicit: bool  # the case's own code called .numpy(); otherwise a library did, through __array__
    # the tensor is on an accelerator, simulated or real (and no force=True): a GPU raises the device error
    on_accelerator: bool = False

    @property
    def stack(self) -> Tuple[int, ...]:
        return (self.line,) + tuple(frame.line for frame in self.frames[1:])


@dataclass
class Outcome:
    error: Optional[BaseException] = None
    error_lines: Tuple[int, ...] = ()  # the case program's lines in the error's traceback
    raised_in_case: bool = False  # the error's innermost frame is the case program's
    executed: Set[int] = field(default_factory=set)
    conversions: List[Conversion] = field(default_factory=list)
    values: Dict[str, Any] = field(default_factory=dict)  # snapshots of what the program ends with
    # The program's globals, kept alive: its functions are called again (see call_again).
    namespace: Dict[str, Any] = field(default_factory=dict, repr=False)

    def describe_error(self) -> str:
        if self.error is None:
            return "no exception"
        return "".join(traceback.format_exception(type(self.error), self.error, self.error.__traceback__))


def is_grad_error(error: Optional[BaseException]) -> bool:
    return isinstance(error, RuntimeError) and GRAD_ERROR in str(error)


def filename(case: Case) -> str:
    return f"<case {case.name}>"


def _case_lines_of_traceback(tb: Optional[types.TracebackType], name: str) -> Tuple[Tuple[int, ...], bool]:
    lines: List[int] = []
    last_in_case = False
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SIMULATION_FILE:  # the machine, neither program nor library
            tb = tb.tb_next
            continue
        last_in_case = tb.tb_frame.f_code.co_filename == name
        if last_in_case:
            lines.append(tb.tb_lineno)
        tb = tb.tb_next
    return tuple(lines), last_in_case


class _Recorder:
    """Replaces ``Tensor.numpy`` while active: records each call, never raises the grad error."""

    def __init__(self, name: str, arguments: Dict[types.FrameType, Dict[str, Any]]) -> None:
        self.name = name
        self.arguments = arguments
        self.conversions: List[Conversion] = []
        self._original = torch.Tensor.numpy
        self._functions: Dict[types.CodeType, Optional[Callable[..., Any]]] = {}

    def _function(self, code: types.CodeType) -> Optional[Callable[..., Any]]:
        if code not in self._functions:
            self._functions[code] = function_of(code)
        return self._functions[code]

    def _frames(self, frame: Optional[types.FrameType], would_raise: bool) -> Tuple[int, Tuple[Frame, ...]]:
        """The case's frames; for a conversion that would raise, with the function objects that
        ran (the oracle calls them again; finding them costs a scan of every object)."""
        innermost = 0
        frames: List[Frame] = []
        while frame is not None:
            if frame.f_code.co_filename == self.name:
                innermost = innermost or frame.f_lineno
                if frame.f_code.co_name not in _INLINE_CODE:
                    arguments = self.arguments.get(frame)
                    short_lived = would_raise and arguments is not None and _may_be_gone_after_the_run(frame.f_code)
                    function = self._function(frame.f_code) if short_lived else None
                    frames.append(Frame(frame.f_code, frame.f_lineno, arguments, function))
            frame = frame.f_back
        return innermost, tuple(frames)

    def __enter__(self) -> "_Recorder":
        original, recorder = self._original, self

        def recording_numpy(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            forced = kwargs.get("force", False)
            would_raise = bool(tensor.requires_grad and torch.is_grad_enabled() and not forced)
            on_accelerator = is_on_accelerator(tensor) and not forced
            caller = sys._getframe(1)
            line, frames = recorder._frames(caller, would_raise or on_accelerator)
            recorder.conversions.append(
                Conversion(frames, line, would_raise, caller.f_code.co_filename == recorder.name, on_accelerator))
            host = tensor.detach() if would_raise else tensor
            return original(host.cpu() if on_accelerator else host, *args, **kwargs)

        torch.Tensor.numpy = recording_numpy  # type: ignore[method-assign, assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        torch.Tensor.numpy = self._original  # type: ignore[method-assign]


class _LineTracer:
    """Collects the lines of the case program that run (also in threads it starts), and the
    arguments each of its function calls receives."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.executed: Set[int] = set()
        self.arguments: Dict[types.FrameType, Dict[str, Any]] = {}
        self._previous: Optional["TraceFunction"] = None
        self._previous_in_threads: Optional["TraceFunction"] = None

    def _global(self, frame: types.FrameType, event: str, arg: Any) -> Optional["TraceFunction"]:
        if frame.f_code.co_filename != self.name:
            return None
        if event == "call" and frame not in self.arguments:
            code = frame.f_code
            self.arguments[frame] = {name: frame.f_locals[name] for name in _parameter_names(code)
                                     if name in frame.f_locals}
        self.executed.add(frame.f_lineno)
        return self._local

    def _local(self, frame: types.FrameType, event: str, arg: Any) -> "TraceFunction":
        if event == "line":
            self.executed.add(frame.f_lineno)
        return self._local

    def __enter__(self) -> "_LineTracer":
        self._previous = sys.gettrace()
        if sys.version_info >= (3, 10):
            self._previous_in_threads = threading.gettrace()
        sys.settrace(self._global)
        threading.settrace(self._global)
        return self

    def __exit__(self, *exc: object) -> None:
        threading.settrace(self._previous_in_threads)
        sys.settrace(self._previous)


def _parameter_names(code: types.CodeType) -> Tuple[str, ...]:
    count = code.co_argcount + code.co_kwonlyargcount
    count += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    return code.co_varnames[:count]


@contextlib.contextmanager
def fresh_interpreter_state() -> Iterator[None]:
    """A case (or a notebook) is a program of its own: it starts as a fresh interpreter would, whatever an
    earlier test left behind (grad mode, default dtype, seeds), and leaves nothing behind."""
    grad_enabled, default_dtype = torch.is_grad_enabled(), torch.get_default_dtype()
    torch.set_grad_enabled(True)
    torch.set_default_dtype(torch.float32)
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        torch.set_grad_enabled(grad_enabled)
        torch.set_default_dtype(default_dtype)
        plt.close("all")


def _machine(source: str, accelerator: bool) -> ContextManager[None]:
    """Where a program runs: on a machine with a CUDA device (``accelerator``: simulated unless
    this one has one), or on the host; a program that names a device runs with the device
    simulated but NumPy reading its tensors, so that its grad labels can be judged anywhere."""
    if accelerator:
        return contextlib.nullcontext() if torch.cuda.is_available() else simulated_cuda()
    return simulated_cuda(enforced=False) if names_an_accelerator(source) else contextlib.nullcontext()


def run_source(source: str, name: str, *, record: bool, accelerator: bool = False) -> Outcome:
    """Execute ``source`` as ``__main__`` in a fresh namespace and return what happened
    (``accelerator``: see ``_machine``)."""
    code = compile(source, name, "exec")
    namespace: Dict[str, Any] = {"__name__": "__main__"}
    outcome = Outcome()
    tracer = _LineTracer(name)
    recorder = _Recorder(name, tracer.arguments)
    with fresh_interpreter_state(), _machine(source, accelerator):
        try:
            if record:
                with recorder, tracer:
                    exec(code, namespace)
            else:
                exec(code, namespace)
        except Exception as error:  # the outcome is judged by the caller
            outcome.error = error
            outcome.error_lines, outcome.raised_in_case = _case_lines_of_traceback(error.__traceback__, name)
    outcome.executed = tracer.executed
    outcome.conversions = recorder.conversions
    outcome.values = snapshot_namespace(namespace)
    outcome.namespace = namespace
    return outcome


def run_case(case: Case, *, record: bool, accelerator: bool = False) -> Outcome:
    return run_source(case.source, filename(case), record=record, accelerator=accelerator)


@functools.lru_cache(maxsize=None)
def recorded_run(case: Case) -> Outcome:
    """The recorded run of a case: its conversions, and the values it computes as intended.
    Both oracles need it; it runs once per test session."""
    return run_case(case, record=True)


# ---------------------------------------------------------------------------------------------
# Calling a function of the case again, with its arguments varied


def _may_be_gone_after_the_run(code: types.CodeType) -> bool:
    """A lambda or a function defined inside another (a closure, a key function) may be freed
    before the oracle calls it again; the case's module-level functions and methods stay."""
    qualified = getattr(code, "co_qualname", None)  # Python 3.11+; before, assume it may be gone
    return qualified is None or "<lambda>" in qualified or "<locals>" in qualified


def function_of(code: types.CodeType) -> Optional[Callable[..., Any]]:
    """The function object that runs ``code`` (a def, a lambda, a method, a closure)."""
    # gc.get_referrers does not see frozen objects, and the checker freezes what lives when it
    # first loads libcst (the functions of a case run before, depending on the order of the tests).
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    try:
        functions = [ref for ref in gc.get_referrers(code)
                     if isinstance(ref, types.FunctionType) and ref.__code__ is code]
    finally:
        if frozen:
            gc.freeze()
    return functions[0] if functions else None


def receiver_name(code: types.CodeType, arguments: Dict[str, Any]) -> Optional[str]:
    """The name of the first parameter when the function is a method of its first argument."""
    if not code.co_argcount:
        return None
    name = code.co_varnames[0]
    receiver = arguments.get(name)
    owner = receiver if isinstance(receiver, type) else type(receiver)
    attribute = inspect.getattr_static(owner, code.co_name, None)
    function = getattr(attribute, "__func__", attribute)
    return name if getattr(function, "__code__", None) is code else None


def _varied(value: Any, grad: bool, modules: List[torch.nn.Module]) -> Any:
    if isinstance(value, torch.Tensor):
        if not grad:
            return value.detach()
        # An integer tensor stands for any tensor the function may be given: a float one can require grad.
        differentiable = value.is_floating_point() or value.is_complex()
        return (value.detach().clone() if differentiable else value.detach().float()).requires_grad_(True)
    if isinstance(value, torch.nn.Module):
        modules.append(value)
        return value
    if type(value) in (list, tuple):
        return type(value)(_varied(item, grad, modules) for item in value)
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):  # a namedtuple: its fields by position
        return type(value)(*(_varied(item, grad, modules) for item in value))
    if type(value) is dict:
        return {key: _varied(item, grad, modules) for key, item in value.items()}
    return value


@contextlib.contextmanager
def _parameters_switched(modules: List[torch.nn.Module], grad: bool) -> Iterator[None]:
    saved = [(parameter, parameter.requires_grad) for module in modules for parameter in module.parameters()]
    try:
        for parameter, _ in saved:
            if parameter.is_floating_point() or parameter.is_complex():
                parameter.requires_grad_(grad)
        yield
    finally:
        for parameter, flag in saved:
            parameter.requires_grad_(flag)


def call_again(case: Case, frame: Frame, *, grad: bool, others: Optional[Dict[str, Any]] = None) -> List[Conversion]:
    """Call the function of ``frame`` again with the arguments it received, every tensor in
    them (not the method's own receiver) detached, or requiring grad, and the arguments named in
    ``others`` replaced; return its conversions."""
    assert frame.arguments is not None
    function = frame.function or function_of(frame.code)
    assert function is not None, f"{case}: no function object for {frame.code.co_name}"
    receiver = receiver_name(frame.code, frame.arguments)
    modules: List[torch.nn.Module] = []
    arguments = {name: value if name == receiver else _varied(value, grad, modules)
                 for name, value in frame.arguments.items()}
    arguments.update(others or {})
    positional, keywords = _call_arguments(frame.code, arguments)
    recorder = _Recorder(filename(case), {})
    with fresh_interpreter_state(), _machine(case.source, False), _parameters_switched(modules, grad), recorder:
        result = function(*positional, **keywords)
        if inspect.iscoroutine(result):  # an async function's body runs when the coroutine does
            asyncio.run(result)
    return recorder.conversions


def _call_arguments(code: types.CodeType, arguments: Dict[str, Any]) -> Tuple[List[Any], Dict[str, Any]]:
    names = _parameter_names(code)
    positional = [arguments[name] for name in names[:code.co_argcount]]
    rest = names[code.co_argcount:]
    keywords = {name: arguments[name] for name in rest[:code.co_kwonlyargcount]}
    rest = rest[code.co_kwonlyargcount:]
    if code.co_flags & inspect.CO_VARARGS:
        positional.extend(arguments[rest[0]])
        rest = rest[1:]
    if code.co_flags & inspect.CO_VARKEYWORDS:
        keywords.update(arguments[rest[0]])
    return positional, keywords


# ---------------------------------------------------------------------------------------------
# What a program ends with, deeply: snapshots that compare with a tolerance for floats


_MAX_DEPTH = 12
_RTOL, _ATOL = 1e-5, 1e-7


@dataclass(frozen=True)
class Leaf:
    """A number or array: compared with a tolerance when it holds floats."""

    kind: str  # "tensor", "ndarray", "number"
    dtype: str
    data: Any

    def same_as(self, other: "Leaf") -> bool:
        if (self.kind, self.dtype) != (other.kind, other.dtype):
            return False
        a, b = np.asarray(self.data), np.asarray(other.data)
        if a.shape != b.shape:
            return False
        if a.dtype.kind in "fc" and b.dtype.kind in "fc":
            return bool(np.allclose(a, b, rtol=_RTOL, atol=_ATOL, equal_nan=True))
        return bool(np.array_equal(a, b))


def snapshot_namespace(namespace: Dict[str, Any]) -> Dict[str, Any]:
    """Every value a program computed at module level (names it defined with ``def``/``class``
    or imported are not computed values)."""
    with torch.no_grad():  # plots may hold tensors that require grad: reading them converts
        return {name: snapshot(value) for name, value in namespace.items()
                if not name.startswith("__") and not _is_definition(value)}


def _is_definition(value: Any) -> bool:
    return isinstance(value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type))


def snapshot(value: Any, depth: int = 0, active: Optional[Set[int]] = None) -> Any:
    """A plain, comparable picture of ``value``: tensors with dtype, shape, requires_grad and
    their gradient; containers element by element; objects by their attributes."""
    active = set() if active is None else active
    if depth > _MAX_DEPTH:
        return ("too deep", type(value).__name__)
    if id(value) in active:
        return ("cycle", type(value).__name__)
    active.add(id(value))
    try:
        return _snapshot(value, depth + 1, active)
    except Exception as error:  # an object that cannot be read is compared by how it fails
        return ("unreadable", type(value).__qualname__, type(error).__name__)
    finally:
        active.discard(id(value))


def _snapshot(value: Any, depth: int, active: Set[int]) -> Any:
    def inner(item: Any) -> Any:
        return snapshot(item, depth, active)

    if value is None or isinstance(value, (bool, str, bytes)):
        return value
    if isinstance(value, (int, float, complex)):
        return Leaf("number", type(value).__name__, value)
    if isinstance(value, torch.Tensor):
        dense = value.to_dense() if value.is_sparse else value
        data = dense.detach().cpu().resolve_conj().resolve_neg().numpy().copy()
        grad = inner(value.grad) if value.is_leaf and value.grad is not None else None
        return (type(value).__name__, value.requires_grad, grad, Leaf("tensor", str(value.dtype), data))
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O":
            return ("object array", value.shape, [inner(item) for item in value.ravel()])
        return Leaf("ndarray", str(value.dtype), value.copy())
    if isinstance(value, np.generic):
        return Leaf("ndarray", str(value.dtype), np.asarray(value))
    if isinstance(value, (list, tuple)) or type(value).__name__ == "deque":
        return (type(value).__name__, [inner(item) for item in value])
    if isinstance(value, (set, frozenset)):
        return (type(value).__name__, sorted((repr(inner(item)) for item in value)))
    if isinstance(value, dict):
        return (type(value).__name__, [(inner(key), inner(item)) for key, item in value.items()])
    if isinstance(value, torch.nn.Module):
        return ("module", type(value).__name__, value.training, inner(dict(value.named_parameters())),
                inner(dict(value.named_buffers())), inner(_public_attributes(value)))
    if isinstance(value, torch.optim.Optimizer):
        return ("optimizer", type(value).__name__, inner(value.state_dict()))
    return _library_snapshot(value, inner)


def _public_attributes(value: Any) -> Dict[str, Any]:
    return {name: item for name, item in vars(value).items()
            if not name.startswith("_") and not _is_definition(item)}


def _library_snapshot(value: Any, inner: Callable[[Any], Any]) -> Any:
    """Tables, plots and the case's own objects by what they hold; other objects by type."""
    module = type(value).__module__ or ""
    if module.startswith("pandas"):
        to_dict = getattr(value, "to_dict", None)
        return (type(value).__name__, inner(to_dict() if to_dict else repr(value)))
    if module.startswith("matplotlib"):
        return (type(value).__name__, inner(_plotted(value)))
    if module == "__main__" and hasattr(value, "__dict__"):
        return ("object", type(value).__name__, inner(_public_attributes(value)))
    return ("object", type(value).__qualname__)


def _plotted(artist: Any) -> Any:
    """What a figure, axes or plotted artist shows (its data), not its rendering state."""
    if isinstance(artist, matplotlib.figure.FigureBase):
        return list(artist.axes)
    if isinstance(artist, matplotlib.axes.Axes):
        return [list(artist.lines), list(artist.collections), list(artist.images), list(artist.patches)]
    if isinstance(artist, matplotlib.lines.Line2D):
        return artist.get_xydata()
    if isinstance(artist, matplotlib.collections.Collection):
        return [artist.get_offsets(), artist.get_array()]
    if isinstance(artist, matplotlib.image.AxesImage):
        return artist.get_array()
    if isinstance(artist, matplotlib.patches.Rectangle):
        return artist.get_bbox().bounds
    return None


def difference(first: Any, second: Any, path: str = "") -> Optional[str]:
    """Where two snapshots differ (a readable path and both sides), or None."""
    if isinstance(first, Leaf) and isinstance(second, Leaf):
        return None if first.same_as(second) else f"{path}: {first} != {second}"
    if isinstance(first, dict) and isinstance(second, dict):
        if first.keys() != second.keys():
            return f"{path}: names {sorted(first.keys() ^ second.keys())} on one side only"
        for key in first:
            found = difference(first[key], second[key], f"{path}.{key}" if path else str(key))
            if found:
                return found
        return None
    if isinstance(first, (list, tuple)) and isinstance(second, (list, tuple)):
        if type(first) is not type(second) or len(first) != len(second):
            return f"{path}: {_short(first)} != {_short(second)}"
        for index, (a, b) in enumerate(zip(first, second)):
            found = difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(first, float) and isinstance(second, float):
        return None if math.isclose(first, second, rel_tol=_RTOL, abs_tol=_ATOL) else f"{path}: {first} != {second}"
    return None if first == second else f"{path}: {_short(first)} != {_short(second)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:297] + "..."
