"""The abstract values the analysis computes for expressions.

A value answers the two questions a rule asks about a converted expression:
is it a torch tensor (or something holding tensors), and does it require grad?
``Grad`` is a three-point lattice; joins are "may" joins, so a value that
requires grad on any path requires grad after the join.  A value that depends
on the enclosing function's parameters names them in ``params``, so that a
call site can substitute what its arguments carry (function summaries).
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from typing import (TYPE_CHECKING, AbstractSet, Callable, Dict, FrozenSet, Iterable, Iterator, Mapping, Optional,
                    Sequence, Tuple, Union)

from flake8_detach.analysis.records import replace

if TYPE_CHECKING:  # the rule registry is imported by flake8 on every run: no libcst there
    import libcst as cst


class Grad(enum.IntEnum):
    NO = 0  # known not to require grad
    UNKNOWN = 1  # cannot be decided from this file
    YES = 2  # requires grad on at least one path


class GradMode(enum.Enum):
    ON = "on"
    OFF = "off"
    MAYBE = "maybe"  # torch.set_grad_enabled(flag) with a flag only known at run time


class Device(enum.IntEnum):
    """Where a tensor (or a module's parameters) lives, as far as the file shows.

    Ordered so that a computation is on the highest device among its operands: a sum of a
    host tensor and a GPU tensor is on the GPU (torch allows that only for 0-dim host tensors).
    A join of two paths that disagree is MAYBE, like a "may" join of ``Grad``.
    """

    CPU = 0  # on the host: made there, or moved back with .cpu()
    MAYBE = 1  # on an accelerator on some path, or when the machine has one
    ACCELERATOR = 2  # made on, or moved to, cuda, mps, xpu...


class Kind(enum.Enum):
    TENSOR = "tensor"  # a torch tensor
    MODULE = "module"  # an nn.Module: calling it records a graph
    CONTAINER = "container"  # list, tuple, dict, set, zip...: see ``item``/``fields``
    CONSUMER = "consumer"  # a plotting or table object whose methods convert arrays
    FOREIGN = "foreign"  # another library's tensor or model (TensorFlow, JAX...)
    FUNCTION = "function"  # a function or class defined in this file
    REFERENCE = "reference"  # an imported module or object: see ``qualified_name``
    OTHER = "other"  # known not to be a tensor: numbers, strings, arrays...
    UNKNOWN = "unknown"


class Evidence(enum.IntEnum):
    """How the file shows that a value requires grad; the rules report only proof by default.

    PROVED: the file creates the grad source: ``requires_grad=True``, ``nn.Parameter``, a torch
    layer with parameters, a module class of the file that has parameters, a model factory of a
    known library, and arithmetic or losses on those.
    INFERRED: an object of unknown type that only a parameter-bearing module could be: the file
    calls ``.parameters()``, ``.named_parameters()``, ``.state_dict()``, ``.zero_grad()`` or
    ``.load_state_dict()`` on it, or it comes from ``torch.load`` and is called.  The finding is
    reported, but its fix is unsafe (the object may not be a torch module).
    GUESSED: the object is only moved (``.to(device)``, ``.cuda()``), switched with ``.eval()`` or
    called.  Library pipelines and wrappers are used that way and run without grad, so this is
    at most an undecided site (DET103).
    """

    GUESSED = 0
    INFERRED = 1
    PROVED = 2


@dataclass(frozen=True)
class Condition:
    """The branch on whose outcome it depends whether a value requires grad."""

    test: cst.CSTNode = field(repr=False)  # the test of the ``if`` or conditional expression
    holds: bool  # the value requires grad when the test holds (False: when it fails)


@dataclass(frozen=True)
class GradFlag:
    """A flag known only at run time that grad mode follows (``torch.set_grad_enabled(training)``):
    grad is on where ``test`` has the truth value ``on_when``.  The function that tests it again
    (``if training: loss.backward() else: preds.append(out)``) knows the mode on each path."""

    scope: str  # the function whose body set it (its names mean nothing elsewhere)
    test: str  # the flag's source, spaces normalised
    on_when: bool
    # For a flag ``subject == literal`` (``phase == "train"``): a test of the subject against
    # another literal (``phase == "val"``) tells the flag's outcome too.
    subject: Optional[str] = None
    literal: Optional[str] = None


@dataclass(frozen=True)
class Origin:
    """Where a grad-carrying value comes from: a short description, the node, and how sure we are."""

    description: str
    node: cst.CSTNode = field(repr=False)
    evidence: Evidence = Evidence.PROVED
    condition: Optional[Condition] = None  # it requires grad on one side of this branch only

    @property
    def inferred(self) -> bool:
        """The value's type was deduced from how it is used, not seen being made."""
        return self.evidence is not Evidence.PROVED


class AnyEntry(enum.Enum):
    """Some entry of a dict, by a key not known here (``d["a"]`` on one path, ``d["b"]`` on the
    other): its value, where ``None`` (iterating) gives a dict's keys."""

    ANY = "any entry"


ANY_ENTRY = AnyEntry.ANY
Position = Union[int, str, None, AnyEntry]  # where an element is: a position, a constant key, or any


@dataclass(frozen=True)
class Value:
    kind: Kind
    grad: Grad = Grad.NO
    origin: Optional[Origin] = None
    params: frozenset[str] = frozenset()
    # Read from a parameter through a name no API table knows (``model.class_names[i]``): when
    # the argument is a model, this is whatever the model holds there, not its output.
    read_from_parameter: bool = False
    item: Optional["Value"] = None  # what iterating or indexing a container gives
    fields: Optional[Tuple["Value", ...]] = None  # positions of a fixed tuple
    qualified_name: Optional[str] = None  # REFERENCE: "numpy.asarray"; FUNCTION: its key
    frozen: bool = False  # a MODULE whose parameters do not require grad
    # CONTAINER: the expressions that put grad-carrying tensors into it
    entries: Tuple[cst.BaseExpression, ...] = ()
    unknown_entries: bool = False  # some entered where no expression can be detached
    # An instance of a class of this file: what its constructor stored, by attribute name.
    # (A dict literal with constant keys keeps its entries here too.)
    attributes: Tuple[Tuple[str, "Value"], ...] = ()
    constant: object = None  # a literal's value: True, "train", 3
    sets_grad_mode: Optional[GradMode] = None  # torch.no_grad(), set_grad_enabled(flag)
    # FUNCTION: the other functions it may be (a list of callbacks), and the arguments that
    # ``functools.partial`` bound (positional ones by position, keywords by name).
    alternatives: FrozenSet[str] = frozenset()
    # FUNCTION: a closure's enclosing function's parameters, as the call that made it bound them.
    captured: Tuple[Tuple[str, "Value"], ...] = ()
    # A namedtuple type: calling it builds a tuple whose items have these names.
    record: Optional[Tuple[str, ...]] = None
    bound_arguments: Tuple[Tuple[Optional[str], cst.BaseExpression, "Value"], ...] = ()
    # Where it lives, when the file says (a tensor or module without one is on the host; a
    # device value, "cuda" or torch.device("cuda"), names one), and the node that put it there.
    device: Optional[Device] = None
    placed: Optional[cst.CSTNode] = field(default=None, repr=False)
    # The answer to "is there an accelerator?" (torch.cuda.is_available()): on the path where it
    # is false, no tensor is on one.
    answers_accelerator: bool = False
    # A TENSOR with no dimensions (a loss with its default reduction): indexing it raises
    # IndexError, so ``loss.data[0]`` gives nothing.  A MODULE: what calling it gives has none.
    # An ``array``: one of no dimensions (``loss.detach().numpy()``).
    zero_dim: bool = False
    # An element of a parameter, by the positions or keys taken (None: any element): ``pair[1]``
    # is (1,), ``for t in batch`` (None,), ``outputs[0][1]`` (0, 1), ``kwargs["loss"]``
    # ("loss",).  At a call, that element of what is passed, not the whole tuple or dict.
    parameter_path: Optional[Tuple[Position, ...]] = None
    # A dict whose every entry is known by its constant key: ``attributes`` holds them all (a
    # literal with constant keys, entries stored under constant keys since).
    keyed: bool = False
    # Made where grad mode follows a run-time flag: ``set_grad_enabled(flag)`` sets grad on only
    # where the flag holds, and a tensor computed under it requires grad only where it held.
    grad_flag: Optional[GradFlag] = None
    # OTHER: a NumPy ndarray, not a number or a NumPy scalar (``np.zeros(3)``, ``t.numpy()``): a
    # tensor met with one in arithmetic is converted (torch.Tensor leaves the operation to NumPy).
    # With ``zero_dim``, one of no dimensions, which arithmetic turns into a NumPy scalar.
    array: bool = False

    @property
    def functions(self) -> FrozenSet[str]:
        """FUNCTION: the keys of every function (or class) of the file it may be."""
        own = frozenset({self.qualified_name}) if self.qualified_name else frozenset()
        return own | self.alternatives

    @property
    def is_tensor_like(self) -> bool:
        return self.kind in (Kind.TENSOR, Kind.CONTAINER)


class NoneLiteral:
    """``None`` as a known constant: a ``Value.constant`` of None means "not known"."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "None"


NONE_LITERAL = NoneLiteral()
UNKNOWN = Value(Kind.UNKNOWN, Grad.UNKNOWN)
OTHER = Value(Kind.OTHER)
NDARRAY = Value(Kind.OTHER, array=True)
PLAIN_TENSOR = Value(Kind.TENSOR)
FOREIGN = Value(Kind.FOREIGN)
CONSUMER = Value(Kind.CONSUMER)
# A SciPy sparse matrix: its methods and its operators (``adjacency @ t``, ``w * t``) convert
# the tensors they are given, as a plotting object's methods do.
SPARSE_MATRIX = Value(Kind.CONSUMER, array=True)


def strongest_origin(values: Iterable[Value]) -> Optional[Origin]:
    """The best-proved origin among ``values`` (the first of equals): a sum of a parameter and
    a guessed model's output is proved to require grad by the parameter."""
    best: Optional[Origin] = None
    for value in values:
        best = stronger_origin(best, value.origin)
    return best


def stronger_origin(best: Optional[Origin], other: Optional[Origin]) -> Optional[Origin]:
    """``other`` if it is better proved than ``best``, else ``best`` (the first of equals)."""
    return other if other is not None and (best is None or other.evidence > best.evidence) else best


def requires_grad(origin: Origin, kind: Kind = Kind.TENSOR) -> Value:
    return Value(kind, Grad.YES, origin)


def parameter(name: str) -> Value:
    """A function parameter: unknown here, known at each call site."""
    return Value(Kind.UNKNOWN, Grad.NO, params=frozenset((name,)))


_PLACED_KINDS = frozenset({Kind.TENSOR, Kind.MODULE})


def device_of(value: Value) -> Optional[Device]:
    """Where ``value`` lives: what the file says, the host for a tensor or module it does not
    move; None for values that are neither (numbers, unknowns) and name no device."""
    if value.device is not None:
        return value.device
    return Device.CPU if value.kind in _PLACED_KINDS else None


def placed_on(value: Value, device: Optional[Device], node: Optional[cst.CSTNode]) -> Value:
    """``value`` on ``device``.  A value that depends on the function's parameters keeps "on the
    host" explicitly (``x.cpu()`` in a helper stays on the host whatever the caller passes);
    other values without a device are on the host already."""
    if device is None or device is Device.CPU and value.device is None and not value.params:
        return value
    return replace(value, device=device, placed=node if device is not Device.CPU else None)


def highest_device(values: Iterable[Value]) -> Tuple[Optional[Device], Optional[cst.CSTNode]]:
    """The device of a computation on ``values`` and the node that put it there (the first of equals)."""
    device: Optional[Device] = None
    node: Optional[cst.CSTNode] = None
    for value in values:
        own = device_of(value)
        if own is not None and (device is None or own > device):
            device, node = own, value.placed
    return device, node


def _join_device(a: Value, b: Value) -> Tuple[Optional[Device], Optional[cst.CSTNode]]:
    first, second = device_of(a), device_of(b)
    if first == second:  # the first node of equals, as for origins: joins in any order agree
        return first, a.placed or b.placed
    if first is None:
        return second, b.placed
    if second is None:
        return first, a.placed
    return Device.MAYBE, a.placed or b.placed


_NOT_OPERANDS = frozenset({Kind.FUNCTION, Kind.MODULE, Kind.REFERENCE, Kind.CONSUMER})


# A value that is a tensor on one path and a list or a model on another has no one shape:
# a fix that detaches it would fail on the other path.
_SHAPES = frozenset({Kind.TENSOR, Kind.MODULE, Kind.CONTAINER})
_MODEL_OR_UNKNOWN = frozenset({Kind.MODULE, Kind.UNKNOWN})


def _join_kind(a: Kind, b: Kind) -> Kind:
    return a if a is b else kind_of_any({a, b})


def kind_of_any(kinds: AbstractSet[Kind]) -> Kind:
    """The kind of a value that may be of any of ``kinds`` (not empty).  Joining two at a time
    depends on the order (a list, then a model, then a list again: unknown, then a list), so
    what gathers many writes gathers their kinds and asks this."""
    if len(kinds) == 1:
        return next(iter(kinds))
    if len(kinds & _SHAPES) > 1:
        return Kind.UNKNOWN
    for preferred in (Kind.FOREIGN, Kind.TENSOR, Kind.MODULE, Kind.CONTAINER):
        if preferred in kinds:
            return preferred
    return Kind.UNKNOWN


def origin_of_any(origin: Optional[Origin], kinds: AbstractSet[Kind]) -> Optional[Origin]:
    """The origin of a value of any of ``kinds``: a model on some paths and something unknown
    on others is only guessed to be one (a fix that detaches it would be unsafe)."""
    if origin is not None and not origin.inferred and _MODEL_OR_UNKNOWN <= kinds:
        return replace(origin, evidence=Evidence.INFERRED)
    return origin


def join(a: Value, b: Value) -> Value:
    """The value of a variable that holds ``a`` on one path and ``b`` on another."""
    if a == b:
        return a
    # a callback or None (``fn if log else None``): where it is called, it is the callback
    if a.kind is Kind.FUNCTION and b.constant is NONE_LITERAL:
        return a
    if b.kind is Kind.FUNCTION and a.constant is NONE_LITERAL:
        return b
    grad = max(a.grad, b.grad)
    origin = strongest_origin(v for v in (a, b) if v.grad == grad)
    kind = _join_kind(a.kind, b.kind)
    device, placed = _join_device(a, b)
    origin = origin_of_any(origin, {a.kind, b.kind})
    return Value(
        kind=kind,
        grad=grad,
        origin=origin,
        params=a.params | b.params,
        # getattr(model, "mean", None): still only a read from the parameter
        read_from_parameter=bool(a.params | b.params) and all(v.read_from_parameter for v in (a, b) if v.params),
        item=_join_optional(a.item, b.item),
        fields=_join_fields(a.fields, b.fields),
        qualified_name=a.qualified_name if a.qualified_name == b.qualified_name else None,
        alternatives=_joined_alternatives(a, b),
        record=a.record if a.record == b.record else None,
        captured=_join_captured(a.captured, b.captured),
        bound_arguments=a.bound_arguments if a.bound_arguments == b.bound_arguments else (),
        frozen=a.frozen and b.frozen,
        entries=a.entries + tuple(e for e in b.entries if e not in a.entries),
        unknown_entries=a.unknown_entries or b.unknown_entries,
        attributes=_join_attributes(a, b),
        constant=a.constant if a.constant == b.constant else None,
        sets_grad_mode=a.sets_grad_mode if a.sets_grad_mode == b.sets_grad_mode else None,
        device=device,
        placed=placed,
        answers_accelerator=a.answers_accelerator and b.answers_accelerator,
        # a loss on one path, None on the other (`return None` early): still no dimensions to index
        zero_dim=(a.zero_dim or b.zero_dim) and all(v.zero_dim or v.kind is Kind.OTHER for v in (a, b)),
        parameter_path=_joined_path(a, b),
        keyed=(a.keyed or b.keyed) and (a.keyed or is_empty_container(a)) and (b.keyed or is_empty_container(b)),
        grad_flag=_shared_flag((a, b)),
        array=a.array and b.array,
    )


def _shared_flag(values: Sequence[Value]) -> Optional[GradFlag]:
    """The flag under which every one of ``values`` that may require grad was made, if one."""
    if all(value.grad_flag is None for value in values):
        return None
    flags = {value.grad_flag for value in values if value.grad is not Grad.NO or value.params}
    return flags.pop() if len(flags) == 1 else None


def _joined_path(a: Value, b: Value) -> Optional[Tuple[Position, ...]]:
    """The element of a parameter the join is from: a side that depends on no parameter adds
    none (``torch.cat((buffer, batch["y"]))`` is from ``batch["y"]``, not from all of ``batch``)."""
    if not a.params or not b.params:
        return a.parameter_path if a.params else b.parameter_path
    return _join_parameter_paths(a.parameter_path, b.parameter_path)


def _join_parameter_paths(a: Optional[Tuple[Position, ...]],
                          b: Optional[Tuple[Position, ...]]) -> Optional[Tuple[Position, ...]]:
    """Two elements of a parameter: where they agree, that position; elsewhere any element
    (``pair[0]`` or ``pair[1]`` is some element of ``pair``; ``d["a"]`` or ``d["b"]``, some entry
    of ``d``)."""
    if a == b or a is None or b is None or len(a) != len(b):
        return a if a == b else None
    return tuple(first if first == second else ANY_ENTRY if isinstance(first, str) or isinstance(second, str)
                 else None for first, second in zip(a, b))


def _join_captured(a: Tuple[Tuple[str, Value], ...],
                   b: Tuple[Tuple[str, Value], ...]) -> Tuple[Tuple[str, Value], ...]:
    """Two closures of one factory (``keep("0")``, ``keep("fc")``): each captured variable may
    hold either value."""
    if a == b or [name for name, _ in a] != [name for name, _ in b]:
        return a if a == b else ()
    return tuple((name, join(first, second)) for (name, first), (_, second) in zip(a, b))


def _joined_alternatives(a: Value, b: Value) -> FrozenSet[str]:
    """The other functions the join may be: each side's, and each side's own one where the two
    differ.  (Where both named none, the join kept none of their alternatives: a value stored
    in an attribute lost them at the next join and won them back at the next round, and the
    file was interpreted again until the last round.)"""
    if a.qualified_name == b.qualified_name:
        return a.alternatives | b.alternatives
    return _callable_keys(a) | _callable_keys(b)


def _callable_keys(value: Value) -> FrozenSet[str]:
    """The functions ``value`` may be: the class a module or a distribution names is none of them
    (keeping it made two different layers on two paths a list of callbacks, and summaries multiply)."""
    return value.alternatives if value.kind in (Kind.MODULE, Kind.TENSOR) else value.functions


def join_paths(when_true: Value, when_false: Value, test: cst.CSTNode) -> Value:
    """The value after a branch on ``test``: a may-join, which requires grad if either path's
    value does.  Where one path's tensor requires grad and the other's is detached, the origin
    names the branch, so that a finding can say on which path the conversion raises."""
    joined = join(when_true, when_false)
    if joined.grad is not Grad.YES or joined.origin is None or joined.origin.condition is not None:
        return joined
    sides = {when_true.grad, when_false.grad}
    tensors = when_true.kind is when_false.kind is Kind.TENSOR
    if sides != {Grad.NO, Grad.YES} or not tensors or when_true.params or when_false.params:
        return joined
    condition = Condition(test, holds=when_true.grad is Grad.YES)
    return replace(joined, origin=replace(joined.origin, condition=condition))


def _join_fields(a: Optional[Tuple[Value, ...]], b: Optional[Tuple[Value, ...]]) -> Optional[Tuple[Value, ...]]:
    """Tuples of one length join position by position: ``return x, h`` on two paths."""
    if a == b:
        return a
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(join(first, second) for first, second in zip(a, b))


def _join_attributes(a: Value, b: Value) -> Tuple[Tuple[str, Value], ...]:
    """What both sides hold by name; a dict joined with an empty one (a loop's first pass, a
    branch that stored nothing) holds the other's entries."""
    if a.attributes == b.attributes or is_empty_container(b):
        return a.attributes
    if is_empty_container(a):
        return b.attributes
    first, second = dict(a.attributes), dict(b.attributes)
    return tuple((key, join(value, second[key])) for key, value in first.items() if key in second)


def join_over_time(earlier: Value, later: Value) -> Value:
    """What a place holds that both were written to, one after the other (an attribute filled
    by several methods): a dict known by its keys holds every entry either put there."""
    joined = join(earlier, later)
    if not (has_only_known_entries(earlier) and has_only_known_entries(later)):
        return joined
    entries = dict(earlier.attributes)
    for key, value in later.attributes:
        entries[key] = join(entries[key], value) if key in entries else value
    return replace(joined, attributes=tuple(entries.items()), keyed=True)


def is_empty_container(value: Value) -> bool:
    """A list or dict known to hold nothing (``[]``, ``{}``, ``defaultdict(list)``)."""
    return value.kind is Kind.CONTAINER and value.item is None and not value.attributes and not value.unknown_entries


def _join_optional(a: Optional[Value], b: Optional[Value]) -> Optional[Value]:
    if a is None:
        return b
    if b is None:
        return a
    return join(a, b)


def join_all(values: Iterable[Value], empty: Value = OTHER) -> Value:
    result: Optional[Value] = None
    for value in values:
        result = value if result is None else join(result, value)
    return empty if result is None else result


def grad_of_computation(operands: Iterable[Value], kind: Kind = Kind.TENSOR) -> Value:
    """A tensor computed from ``operands``: requires grad if any operand does."""
    operand_list = list(operands)
    if any(o.kind is Kind.FOREIGN for o in operand_list):
        return FOREIGN
    contents = [innermost(o) for o in operand_list]
    # A module handed to a function is no operand: its parameters are not the result's inputs.
    carried = [c for c in contents if c.kind not in _NOT_OPERANDS]
    grad = max((c.grad for c in carried if c.kind is not Kind.OTHER), default=Grad.NO)
    origin = strongest_origin(c for c in carried if c.grad is Grad.YES)
    params: frozenset[str] = frozenset().union(*(c.params for c in carried))
    result = Value(kind, grad if grad is not Grad.YES or origin else Grad.UNKNOWN, origin, params,
                   # mean.cpu() of a read model.mean: what the caller's object holds, as the read
                   read_from_parameter=bool(params) and all(c.read_from_parameter for c in carried if c.params),
                   grad_flag=_shared_flag(carried))
    # computed from one element of a parameter (-pair[0]): at a call, from that element
    paths = {c.parameter_path for c in carried if c.params}
    if len(paths) == 1:
        result = replace(result, parameter_path=paths.pop())
    return placed_on(result, *highest_device(c for c in carried if c.kind is not Kind.OTHER))


def made_under(value: Value, flag: GradFlag) -> Value:
    """``value``, what may require grad in it (what it holds too) made where grad mode follows ``flag``."""
    if value.grad is Grad.NO and not mentions_parameters(value):
        return value
    return replace(
        value,
        grad_flag=flag if value.grad is not Grad.NO or value.params else value.grad_flag,
        item=None if value.item is None else made_under(value.item, flag),
        fields=None if value.fields is None else tuple(made_under(held, flag) for held in value.fields),
    )


def flag_failed(value: Value, flag: GradFlag) -> Value:
    """``value`` on a path where ``flag`` does not hold: what was made under it needs no grad."""
    item = None if value.item is None else flag_failed(value.item, flag)
    fields = None if value.fields is None else tuple(flag_failed(held, flag) for held in value.fields)
    if item is not value.item or fields != value.fields:
        value = replace(value, item=item, fields=fields)
    if value.grad_flag != flag:
        return value
    return replace(value, grad=Grad.NO, origin=None, params=frozenset(), read_from_parameter=False, grad_flag=None)


def without_grad(value: Value, kind: Kind = Kind.TENSOR) -> Value:
    """``value`` cut from the graph (``.detach()``, ``argmax``): a tensor on the same device."""
    if value.kind is Kind.FOREIGN:
        return FOREIGN
    inner = innermost(value)
    return placed_on(Value(kind, zero_dim=inner.zero_dim and kind is Kind.TENSOR), *highest_device([inner]))


def element(value: Value, position: Position = None) -> Value:
    """What ``value[position]`` (a constant position or key) or ``for x in value`` (None) gives:
    iterating a dict known by its keys gives one of its keys."""
    if value.kind is Kind.CONTAINER and position is ANY_ENTRY:
        return value.item or UNKNOWN
    if value.kind is Kind.CONTAINER and value.keyed and position is None:
        return join_all(keys_of(value))
    if value.kind is Kind.CONTAINER and value.keyed and isinstance(position, int):
        position = str(position)  # results[64]: entries are named by their keys' text
    if value.kind is Kind.CONTAINER:
        if isinstance(position, str):
            entry = dict(value.attributes).get(position)
            if entry is None and has_only_known_entries(value):
                return Value(Kind.CONTAINER)  # a key nothing was stored under: a defaultdict's new entry
            return entry or value.item or UNKNOWN
        return _field_at(value, position) or value.item or UNKNOWN
    if value.kind is Kind.TENSOR:  # a view
        return value
    if value.kind is Kind.MODULE:
        return part_of(value, position)
    if value.kind in (Kind.FOREIGN, Kind.CONSUMER, Kind.OTHER):
        return replace(value, array=False) if value.array else value  # a row, or a NumPy scalar
    if _is_parameter_itself(value):
        return replace(value, parameter_path=(value.parameter_path or ()) + (position,))
    if value.kind is Kind.UNKNOWN and value.item is not None:
        return value.item  # an object of the file whose __iter__ yields these
    return replace(value, kind=Kind.UNKNOWN) if value.params else UNKNOWN


def is_known_entry(value: Value) -> bool:
    """An entry a loop can run a pass for: a constant (``"train"``), a function or class (``for
    cls in [Small, Big]``, ``torch.tanh``), an object or a layer of a known class, or a pair whose
    first item is a constant (a dict's ``(key, value)``, enumerate's ``(index, element)``)."""
    if value.constant is not None:
        return True
    if value.kind in (Kind.FUNCTION, Kind.REFERENCE) and value.qualified_name is not None and not value.alternatives:
        return True
    if value.kind in (Kind.UNKNOWN, Kind.MODULE) and value.qualified_name is not None:
        # an object of a class of the file (``for callback in [history, stopper]``), a layer of a
        # known class (``for m in model.modules()``: isinstance(m, Gate) picks the passes)
        return True
    return value.fields is not None and len(value.fields) == 2 and value.fields[0].constant is not None


def constant_pairs(pairs: Iterable[Tuple[object, Value]]) -> Tuple[Value, ...]:
    """``(constant, value)`` tuples, one per entry: what a loop over a dict's ``.items()`` or over
    ``enumerate()`` binds at each of its passes."""
    return tuple(container_of(pair, pair) for pair in ((Value(Kind.OTHER, constant=first), second)
                                                       for first, second in pairs))


def known_elements(value: Value) -> Tuple[Value, ...]:
    """What iterating ``value`` gives, one by one, where that is known: a tuple's or literal
    list's items, a dict's keys (known by its keys), a model's parts (frozen with it); none otherwise."""
    if value.kind is Kind.MODULE and value.fields:
        return tuple(part_of(value, position) for position in range(len(value.fields)))
    return value.fields or keys_of(value)


def part_of(module: Value, position: Position = None) -> Value:
    """A submodule of ``module`` (``for layer in model``, ``model[0]``): one of the parts it was
    made of when they are known (nn.ModuleList([Block(), Block()])), else taken for the module.
    A frozen module's parts are frozen (``model.requires_grad_(False)`` froze them)."""
    part = _field_at(module, position) or module.item
    if part is None or part.kind is not Kind.MODULE:
        return module
    return frozen(part) if module.frozen else part


def frozen(module: Value) -> Value:
    """``module`` with its parameters frozen (``requires_grad_(False)``); its parts, which
    ``part_of`` gives, with it."""
    return replace(module, frozen=True, grad=Grad.NO)


def unfrozen(module: Value, origin: Origin) -> Value:
    """A frozen ``module`` made to train again (``requires_grad_(True)``)."""
    return replace(module, frozen=False, grad=Grad.YES, origin=origin)


def _field_at(value: Value, position: Position) -> Optional[Value]:
    """``value[position]`` for a constant position among its known fields (a tuple's, the parts
    given to nn.Sequential); None where the position is not one of them."""
    if isinstance(position, int) and value.fields and -len(value.fields) <= position < len(value.fields):
        return value.fields[position]
    return None


def keys_of(mapping: Value) -> Tuple[Value, ...]:
    """The keys of a dict known by its keys, as constants (``for name in metrics``); none for
    anything else."""
    if not has_only_known_entries(mapping):
        return ()
    return tuple(Value(Kind.OTHER, constant=key) for key, _ in mapping.attributes)


def has_only_known_entries(mapping: Value) -> bool:
    """A dict whose every entry is known by its constant key: what it holds is what they hold."""
    return mapping.kind is Kind.CONTAINER and mapping.keyed and not mapping.unknown_entries


def record_of(names: Sequence[str], items: Sequence[Value], named: Mapping[str, Value]) -> Value:
    """A namedtuple: items by position (``result[0]``, unpacking) and by name (``result.loss``)."""
    by_name = dict(zip(names, items))
    by_name.update((name, value) for name, value in named.items() if name in names)
    ordered = tuple(by_name.get(name, OTHER) for name in names)
    return Value(Kind.CONTAINER, item=join_all(ordered) if ordered else None, fields=ordered,
                 attributes=tuple(by_name.items()))


def container_of(items: Iterable[Value], fields: Optional[Tuple[Value, ...]] = None,
                 entries: Tuple[cst.BaseExpression, ...] = ()) -> Value:
    item_list = list(items)
    return Value(Kind.CONTAINER, item=_elements_joined(item_list) if item_list else None, fields=fields,
                 entries=entries)


def _elements_joined(items: Sequence[Value]) -> Value:
    """What iterating a container of ``items`` gives, nested: beside a container among them, the
    parameters and tensors that are elements themselves (``(weights, (rows, cols))``: ``weights``
    or the pair's items, not the pair's alone)."""
    joined = join_all(items)
    leaves = [v for v in items if v.kind in (Kind.TENSOR, Kind.UNKNOWN) and (v.params or v.grad is not Grad.NO)
              and v.item is None and v.fields is None and not v.attributes]
    if joined.kind is not Kind.CONTAINER or not leaves:
        return joined
    inner = join_all(leaves)
    return replace(joined, item=inner if joined.item is None else join(joined.item, inner))


def entries_of(pairs: Iterable[Tuple[cst.BaseExpression, Value]]) -> Tuple[cst.BaseExpression, ...]:
    """The expressions among ``pairs`` that put a grad-carrying tensor into a container."""
    return tuple(expr for expr, value in pairs if value.kind is Kind.TENSOR and value.grad is Grad.YES)


def innermost(value: Value) -> Value:
    """What a (nested) container holds; the value itself for anything else."""
    while value.kind is Kind.CONTAINER and value.item is not None:
        value = value.item
    return value


def substitute(value: Value, arguments: Mapping[str, Value]) -> Value:
    """Replace a summary's parameter dependencies by what the call site passes.

    A value computed from a container parameter may be one of its elements, so
    an argument counts with what it holds (``[w * i for ...]`` requires grad).
    """
    if not value.params:
        return _parts_substituted(value, arguments)
    if _is_parameter_itself(value):
        # the parameter itself: what was passed (module, list or tensor), where the function put it
        passed = _element_along(arguments.get(next(iter(value.params)), UNKNOWN), value.parameter_path)
        return placed_on(passed, value.device, value.placed)
    # computed from an element of a parameter (``torch.cat((buffer, batch["y"]))``): from that
    # element of what is passed, not from all it holds
    bound = [innermost(_element_along(arguments.get(name, UNKNOWN), value.parameter_path))
             for name in sorted(value.params)]
    if value.read_from_parameter:
        bound = [UNKNOWN if argument.kind is Kind.MODULE else argument for argument in bound]
    # passed on from the caller's own parameters as they are: still a read from those
    still_read = value.read_from_parameter and all(is_read_of_a_parameter(argument) for argument in bound)
    # (what it holds too: ``data if isinstance(data, list) else [data]`` holds the parameter)
    own = _parts_substituted(replace(value, params=frozenset(), read_from_parameter=still_read,
                                     parameter_path=None), arguments)
    carried = [own] + bound
    grad = max(v.grad for v in carried)
    # (without grad, its own: what a called parameter gave stays an output, not the argument itself)
    origin = strongest_origin(v for v in carried if v.grad is Grad.YES) or own.origin
    kind = value.kind
    if kind is Kind.UNKNOWN and grad is Grad.YES:
        kind = Kind.TENSOR
    params: frozenset[str] = frozenset().union(*(v.params for v in bound))
    # where the function put it (``x.cpu()``), or else where what the caller passed is
    device, placed = (own.device, own.placed) if own.device is not None else highest_device(bound)
    if device is Device.CPU and own.device is None:
        device, placed = None, None
    # computed from elements of the caller's parameter (fn(*args): model is args[0], x args[1]):
    # at the caller's call, from those elements, not from the whole of what it passes
    paths = [argument.parameter_path for argument in bound if argument.params]
    path = functools.reduce(_join_parameter_paths, paths) if paths and None not in paths else None
    return replace(own, kind=kind, grad=grad, origin=origin, params=params, device=device, placed=placed,
                   parameter_path=path)


def _element_along(value: Value, path: Optional[Tuple[Position, ...]]) -> Value:
    """What ``value`` holds at ``path`` (``pair[1]["loss"]``: (1, "loss")); all of it for None."""
    for position in path or ():
        value = element(value, position)
    return value


def _parts_substituted(value: Value, arguments: Mapping[str, Value]) -> Value:
    """A container or record built from parameters (``[t.mean() for t in tensors]``,
    ``Out(x, y)``), what it holds substituted."""
    if value.item is None and value.fields is None and not value.attributes or not mentions_parameters(value):
        return value
    return replace(
        value,
        item=None if value.item is None else substitute(value.item, arguments),
        fields=None if value.fields is None else tuple(substitute(f, arguments) for f in value.fields),
        attributes=tuple((name, substitute(held, arguments)) for name, held in value.attributes),
    )


def is_read_of_a_parameter(value: Value) -> bool:
    return value.read_from_parameter or _is_parameter_itself(value)  # (or an element of it: f(*args))


def _is_parameter_itself(value: Value) -> bool:
    """A parameter, or one of its elements, as it came in (wherever the function moved it)."""
    if len(value.params) != 1 or value.kind is not Kind.UNKNOWN or value.grad is not Grad.NO:
        return False
    as_passed = replace(value, device=None, placed=None, parameter_path=None)
    return as_passed == parameter(next(iter(value.params)))


def without_parameters(value: Value) -> Optional[Value]:
    """``value`` less what depends on the enclosing function's parameters (None: all of it)."""
    if value.params:
        return None
    if not mentions_parameters(value):
        return value
    known = tuple((name, held) for name, held in value.attributes if not mentions_parameters(held))
    item = None if value.item is None else without_parameters(value.item)
    return replace(value, item=item, fields=None, attributes=known)


def as_every_call_leaves(value: Value) -> Optional[Value]:
    """``value`` less what depends on the enclosing function's parameters, but for what requires
    grad whatever they hold (``model(batch) - batch``): what any call leaves (None: nothing)."""
    if value.params:
        return replace(value, params=frozenset(), read_from_parameter=False, parameter_path=None) \
            if value.grad is Grad.YES else None
    if not mentions_parameters(value):
        return value
    known = tuple((name, kept) for name, held in value.attributes if (kept := as_every_call_leaves(held)) is not None)
    item = None if value.item is None else as_every_call_leaves(value.item)
    return replace(value, item=item, fields=None, attributes=known)


def with_innermost(value: Value, change: Callable[[Value], Value]) -> Value:
    """``value`` with what it holds (``innermost``) changed; ``value`` itself when nothing changes."""
    if value.kind is Kind.CONTAINER and value.item is not None:
        item = with_innermost(value.item, change)
        return value if item is value.item else replace(value, item=item)
    return change(value)


def without_grad_facts(value: Value) -> Value:
    """``value`` (what a container holds, for a container) known not to require grad, its other
    facts (kind, device) kept."""
    return with_innermost(value, lambda held: replace(held, grad=Grad.NO, origin=None, params=frozenset(),
                                                      read_from_parameter=False))


def depends_on(value: Value, name: str) -> bool:
    """Whether any part of ``value`` depends on the enclosing function's parameter ``name``:
    ``return t.numpy(), t`` returns ``t`` (a tuple's item joins its fields)."""
    return any(name in part.params for part in _parts(value))


# A caller's parameter, as a callee handed the caller's object sees it (a method of an object
# built from the caller's parameter): renamed so that it never mixes with the callee's own
# parameters of the same name; at the call it is the caller's parameter again.
_CALLERS = "^"


def as_callers(value: Value) -> Value:
    """``value`` with each parameter it depends on renamed as the caller's."""
    if not mentions_parameters(value):
        return value
    return replace(
        value,
        params=frozenset(_CALLERS + name for name in value.params),
        item=None if value.item is None else as_callers(value.item),
        fields=None if value.fields is None else tuple(as_callers(held) for held in value.fields),
        attributes=tuple((name, as_callers(held)) for name, held in value.attributes),
    )


def callers_parameter(name: str) -> Optional[str]:
    """The caller's name of a parameter renamed by ``as_callers`` (None: the callee's own)."""
    return name[len(_CALLERS):] if name.startswith(_CALLERS) else None


def back_to_caller(values: Iterable[Value]) -> Dict[str, Value]:
    """For ``substitute`` at the call: each caller's parameter that ``values`` mention, by the
    name the callee knew it under."""
    return {_CALLERS + name: parameter(name) for value in values for part in _parts(value) for name in part.params}


def mentions_parameters(value: Value) -> bool:
    """Whether any part of ``value`` depends on the enclosing function's parameters."""
    return any(part.params for part in _parts(value))


def _parts(value: Value) -> Iterator[Value]:
    """``value``, what it holds and its attributes, nested."""
    yield value
    if value.item is not None:
        yield from _parts(value.item)
    for _, held in value.attributes:
        yield from _parts(held)
