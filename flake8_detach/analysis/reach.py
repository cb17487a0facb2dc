"""Whether a grad or device fact can reach a conversion at all, decided on the ``ast``.

DET101, DET102 and DET201 report a value only when a fact about it holds on some path: it
requires grad, or it lives on an accelerator.  Such a fact is born only at a *seed*: an
expression the API table says creates it (a module, a parameter, ``requires_grad=True``, a
loaded model), or a name or string that names an accelerator (``"cuda:0"``, ``.cuda()``,
``use_cuda``).  From there it moves only the ways the interpreter lets values move: bindings,
arguments (by position and keyword) and returns, attributes, containers and the receivers a
call changes, the functions and modules a called value may be.  A conversion happens only
where a converter is called (a NumPy or plotting function, a plotting object, ``.numpy()``).

This pass follows those ways in one walk over the file, without order or paths: every
``x.name`` is one attribute whatever ``x`` is (but ``self.name`` of a class that stores it is
what the class stored, and what is written through a variable ``x`` that holds no instance of the
file's classes is seen only as ``x.name``), and every function called ``f`` receives what any
call of an ``f`` passes (unless ``f`` is a parameter: it runs what it holds).  An attribute
reached by a name the text does not show (``getattr(x, name)``, ``vars(x)``) is unknown to the
interpreter, and to this pass.  Only what the table says cuts a fact: ``.detach()``,
``.item()``, ``.cpu()``, a library function that makes a number or an array, a computation
with grad off.  So it over-approximates the interpreter, and "no fact reaches a converter"
proves that the file holds none of those findings; ``tests/test_reach.py`` checks that on every
program the tests know.  The lines of the conversions a fact may reach narrow the relevance
pass, so flake8's default run pays libcst's parse and the interpretation only for them and what
reaches them.
"""

from __future__ import annotations

import ast
import builtins
import collections
import enum
import functools
import itertools
import re
from dataclasses import dataclass
from typing import (AbstractSet, Dict, FrozenSet, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Set,
                    Tuple)

from flake8_detach import torch_api
from flake8_detach.analysis.mentions import (COMPREHENSIONS, FUNCTIONS, constant_flag, dotted, is_place, parameters,
                                             positional_parameters)
from flake8_detach.prefilter import CONVERTING_ROOTS, Fact
from flake8_detach.torch_api import Effect


Symbol = Tuple[str, str]  # (space, name): a scope's variable, ("attr", x), ("ret", f), ("args", f)...
_SEED: Dict[Fact, Symbol] = {fact: ("seed", fact.value) for fact in Fact}
_CONVERTER: Symbol = ("seed", "converter")
# What torch.load() gives: a model only if it is called (the interpreter's loaded model, which
# gives a tensor that requires grad when called as a value).  It travels with the identities.
_LOADED: Symbol = ("seed", "loaded")
_CONVERTING = frozenset({_CONVERTER})
# An ndarray: a tensor met with one in arithmetic, or stored into one, is converted (the
# interpreter's ``Value.array``); it flows as converters do, and through arithmetic.
_ARRAY: Symbol = ("seed", "array")
# A SciPy sparse matrix: its operators convert the tensor on their right (``adjacency @ h``).
_SPARSE: Symbol = ("seed", "sparse")
_NOTHING: FrozenSet[Symbol] = frozenset()
# The shapes of calls the walk makes up: a decorator applied; a callback called with anything.
_HANDED_ONE = ast.Call(func=ast.Name(id="decorator", ctx=ast.Load()), args=[ast.Name(id="function", ctx=ast.Load())],
                       keywords=[])
_CALLED_WITH_EVERYTHING = ast.Call(func=ast.Name(id="callback", ctx=ast.Load()),
                                   args=[ast.Starred(value=ast.Name(id="arguments", ctx=ast.Load()), ctx=ast.Load())],
                                   keywords=[])
# What .grad gives carries what its tensor carries only if some backward() creates a graph.
_GRADIENTS_IF_GRAPH: Symbol = ("gradients", "if a graph is created")
_GRADIENTS: Symbol = ("gradients", "")

# Effects whose result may require grad though no input does.
# (A parameterless module, nn.ReLU(), gives what its input gives: the interpreter's frozen module.)
_GRAD_SEED_EFFECTS = frozenset({
    Effect.SOURCE, Effect.MODULE, Effect.MODULE_USE, Effect.MODULE_STATE,
    Effect.PARAMETERS, Effect.PARAMETER, Effect.NAMED_PARAMETERS, Effect.FORWARD_HOOK,
    Effect.FORWARD_PRE_HOOK, Effect.FROZEN_MODULE, Effect.AUTOGRAD_FUNCTION,
    Effect.OPTIMIZER, Effect.OBJECT,
})
# Of those, the members that seed when read (t.weight); the others only when called (model.eval()).
_GRAD_SEED_ATTRIBUTES = frozenset({Effect.SOURCE, Effect.PARAMETER})
_GRAD_SEED_KEYWORDS = frozenset({torch_api.REQUIRES_GRAD_KEYWORD, torch_api.CREATE_GRAPH_KEYWORD,
                                 torch_api.KEEP_VARS_KEYWORD})
# What a member gives never carries the fact, whatever the receiver (unless the file defines it).
_CUTS: Dict[Fact, FrozenSet[Effect]] = {
    Fact.GRAD: frozenset({Effect.STOP, Effect.INTEGER, Effect.NOT_TENSOR, Effect.NUMBER_LIST, Effect.STATE}),
    Fact.DEVICE: frozenset({Effect.NOT_TENSOR, Effect.NUMBER_LIST}),
}
# Code that reaches names or attributes the text does not show: nothing can be proved.
# (__import__(name) gives a module of another file, as importlib.import_module does: an
# unknown value, for the analysis too; it binds no name of this file.)
_DYNAMIC_BUILTINS = frozenset({"exec", "eval"})
# locals() and globals() read every variable of a scope; what is written into them is not followed
# (the analysis binds no variable through them).
_SCOPE_DICTIONARIES = frozenset({"locals", "globals"})
# vars() is locals(); vars(x), like x.__dict__, getattr(x, name) or setattr(x, name, v) with a
# name the text does not show, reaches attributes the analysis does not follow: an unknown value,
# a write nobody reads.
_VARS = "vars"
_SCOPE_READERS = _SCOPE_DICTIONARIES | {_VARS}
_CONSTRUCTORS = frozenset({"__init__", "__new__", "__post_init__"})  # called by the class's name
_ACCELERATOR_NAME = torch_api.ACCELERATOR_NAME
# What calls a function it is handed: map(f, xs), checkpoint(f, x), register_forward_hook(f)...
_CALLING_BACK = frozenset({Effect.MAP, Effect.FILTER, Effect.PARTIAL, Effect.CALLS_ARGUMENT, Effect.CONVERTS_RESULT,
                           Effect.FORWARD_HOOK,
                           Effect.FORWARD_PRE_HOOK, Effect.GRAD_OFF, Effect.GRAD_ON, Effect.GRAD_SET,
                           Effect.CONTEXT_MANAGER, Effect.AUTOGRAD_FUNCTION})
_CONTAINER_METHODS = (torch_api.RECEIVER_MUTATORS | torch_api.CONTAINER_ELEMENT_METHODS
                      | torch_api.CONTAINER_COPY_METHODS | {torch_api.CONTAINER_ITEMS_METHOD})
_BUILTINS = frozenset(dir(builtins))
# What a library function (or builtin) gives of its arguments' facts, by its effect: nothing for one
# the table does not know (the interpreter's default), nor for what makes a number, an array,
# a new leaf (FACTORY: requires_grad= aside) or a grad-mode switch.
_LIBRARY_CUTS: Dict[Fact, FrozenSet[Optional[Effect]]] = {
    Fact.GRAD: frozenset({None, Effect.NOT_TENSOR, Effect.INTEGER, Effect.STOP, Effect.STATE, Effect.FACTORY,
                          Effect.CONVERTS, Effect.CONVERTS_RESULT, Effect.CONSUMER_FACTORY,
                          Effect.CONSUMER_PAIR_FACTORY, Effect.FOREIGN,
                          Effect.DEVICE, Effect.ACCELERATOR_QUERY, Effect.GRAD_OFF, Effect.GRAD_ON, Effect.GRAD_SET,
                          Effect.RECORD_TYPE}),
    Fact.DEVICE: frozenset({None, Effect.NOT_TENSOR, Effect.CONVERTS, Effect.CONVERTS_RESULT, Effect.CONSUMER_FACTORY,
                            Effect.CONSUMER_PAIR_FACTORY, Effect.FOREIGN, Effect.ACCELERATOR_QUERY, Effect.GRAD_OFF,
                            Effect.GRAD_ON, Effect.GRAD_SET, Effect.RECORD_TYPE, Effect.LOADED}),
}
# With grad off, what computes gives no grad (a view keeps its base's: VIEW is not here).
_COMPUTING = frozenset({Effect.PROPAGATE, Effect.MAX_LIKE, Effect.TUPLE, Effect.OBJECT})
_KEPT_WITH_GRAD_OFF = frozenset({"ret", "call-ret", "seed"})
# What a library function gives holds its arguments themselves (functions, plotting objects
# included): list(callbacks), partial(np.asarray), copy.deepcopy(model).
_HOLDS_ITS_ARGUMENTS = frozenset({Effect.PARTIAL, Effect.MAP, Effect.FILTER, Effect.ELEMENTS, Effect.ELEMENT,
                                  Effect.MAPPING, Effect.DEFAULT_MAPPING,
                                  Effect.ZIP, Effect.ENUMERATE, Effect.RETURNS_ARGUMENT, Effect.COPY,
                                  Effect.HOLDS_ARGUMENTS, Effect.NAMESPACE})


@functools.lru_cache(maxsize=None)
def _cut_members(fact: Fact) -> FrozenSet[str]:
    """Members whose value never carries ``fact``'s fact, by name and in every class's table."""
    cuts = _CUTS[fact]
    names = {name for name in [*torch_api.MEMBERS, *torch_api.derived().members]
             if torch_api.member_effect(name) in cuts}
    for members in torch_api.derived().classes.values():
        names -= {name for name, effect in members.items() if effect not in cuts}
    if fact is Fact.DEVICE:  # not a tensor, but it names where one is: t.to(other.device)
        names.discard(torch_api.DEVICE_ATTRIBUTE)
    return frozenset(names)


class _Value:
    """What an expression may carry: per fact (an attribute named by ``Fact.value``) the
    symbols its facts come from, and the symbols that may make it a converter."""

    __slots__ = ("grad", "device", "converters")

    def __init__(self) -> None:
        self.grad: Set[Symbol] = set()
        self.device: Set[Symbol] = set()
        self.converters: Set[Symbol] = set()

    def facts(self, fact: Fact) -> Set[Symbol]:
        return self.grad if fact is Fact.GRAD else self.device

    def copy(self, converters: bool = True) -> "_Value":
        """A value holding what this one holds (its converters too, unless ``converters`` is False)."""
        value = _Value.__new__(_Value)
        value.grad, value.device = set(self.grad), set(self.device)
        value.converters = set(self.converters) if converters else set()
        return value

    def add(self, other: "_Value", converters: bool = True) -> "_Value":
        self.grad |= other.grad
        self.device |= other.device
        if converters:
            self.converters |= other.converters
        return self

    @staticmethod
    def of(symbol: Symbol) -> "_Value":
        """The value that is ``symbol`` (for each fact and as a converter)."""
        value = _Value.__new__(_Value)
        value.grad, value.device, value.converters = {symbol}, {symbol}, {symbol}
        return value

    def add_symbol(self, symbol: Symbol) -> "_Value":
        self.grad.add(symbol)
        self.device.add(symbol)
        self.converters.add(symbol)
        return self

    def seeded(self, fact: Fact) -> "_Value":
        self.facts(fact).add(_SEED[fact])
        return self

    def cut(self, fact: Fact) -> None:
        if fact is Fact.GRAD:
            self.grad = set()
        else:
            self.device = set()


def _union(values: Iterable[_Value], converters: bool = True) -> _Value:
    total = _Value()
    for value in values:
        total.add(value, converters)
    return total


class _Sink(NamedTuple):
    """A conversion may happen here: a converter called with (or ``.numpy()`` of) these facts.
    (A tuple: a file makes one at every call of a value, tens of thousands in a large one.)"""

    line: int
    converters: AbstractSet[Symbol]
    grad: AbstractSet[Symbol]
    device: AbstractSet[Symbol]
    # .numpy() raises only with grad on: no grad rule reports a conversion with grad off.  The
    # function whose code converts here (its key; "" the module), and whether grad is off there
    # (None: as that function's callers run it, see ``_Flows.run_with_grad_off``).
    walking: str
    grad_off: Optional[bool]
    # An ndarray converts here too (``output - target``, ``preds[a:b] = output``), not only a
    # converter: calling an array is no conversion.
    arrays: bool
    sparse: bool = False  # a sparse matrix's operator converts here, no other converter

    def facts(self, fact: Fact) -> AbstractSet[Symbol]:
        return self.grad if fact is Fact.GRAD else self.device


class _Graph:
    """Edges from symbols to the symbols they flow into; a fresh node joins many to many."""

    def __init__(self) -> None:
        self.edges: Dict[Symbol, Set[Symbol]] = {}
        self._joins = itertools.count()
        self.new_sources: Optional[Set[Symbol]] = None  # while recording: the sources of edges added

    def flow(self, sources: AbstractSet[Symbol], targets: List[Symbol]) -> None:
        if not sources:
            return
        if self.new_sources is not None:
            self.new_sources.update(sources)
        if len(sources) > 1 and len(targets) > 1:
            join: Symbol = ("join", str(next(self._joins)))
            self.flow(sources, [join])
            sources = {join}
        edges = self.edges
        if len(targets) == 1:  # most bindings have one target
            target = targets[0]
            for source in sources:
                known = edges.get(source)
                if known is None:
                    edges[source] = {target}
                else:
                    known.add(target)
            return
        for source in sources:
            known = edges.get(source)
            if known is None:
                edges[source] = set(targets)
            else:
                known.update(targets)

    def sources_reaching(self, sources: Sequence[Symbol]) -> Dict[Symbol, int]:
        """For each symbol, which of ``sources`` flow into it, as a bit set over their positions
        (one propagation for all of them: an int's ``|`` costs far less than a set's as they grow).
        A symbol waits in the queue once, first in first out, so that it passes on the bits of
        every source that reached it meanwhile at once (depth first, a file's graph of thousands
        of symbols was walked again for each new bit: 15 times more visits)."""
        reaching: Dict[Symbol, int] = {}
        for index, source in enumerate(sources):
            reaching[source] = reaching.get(source, 0) | 1 << index
        self.spread(reaching, reaching)
        return reaching

    def spread(self, reaching: Dict[Symbol, int], starts: Iterable[Symbol]) -> None:
        """Carry the bits of ``reaching`` on from ``starts`` along the edges, in place (bits only
        grow: after new edges, spreading from their sources completes it)."""
        pending = collections.deque(symbol for symbol in starts if reaching.get(symbol))
        waiting = set(pending)
        edges = self.edges
        while pending:
            symbol = pending.popleft()
            waiting.discard(symbol)
            carried = reaching[symbol]
            for target in edges.get(symbol, ()):
                known = reaching.get(target, 0)
                if known | carried != known:
                    reaching[target] = known | carried
                    if target not in waiting:
                        waiting.add(target)
                        pending.append(target)

    def reached_from(self, *starts: Symbol) -> Set[Symbol]:
        seen = set(starts)
        pending = list(starts)
        while pending:
            for target in self.edges.get(pending.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    pending.append(target)
        return seen


class _Versions:
    """A scope's variables at the walk's point: the version each holds.  Changes are logged, so
    that the walk can go back to where a branch started without copying every name."""

    def __init__(self) -> None:
        self.current: Dict[str, Symbol] = {}
        self._log: List[Tuple[str, Optional[Symbol]]] = []  # (name, what it held before)
        self.rebound: Set[str] = set()  # the names its statements bind more than once

    def set(self, name: str, version: Symbol) -> None:
        self._log.append((name, self.current.get(name)))
        self.current[name] = version

    def mark(self) -> int:
        return len(self._log)

    def rewind(self, mark: int) -> Dict[str, Symbol]:
        """Undo the changes made since ``mark``; what the names they changed held before that."""
        changes = self._log[mark:]
        held = {name: self.current[name] for name, _ in changes}
        for name, previous in reversed(changes):
            if previous is None:
                del self.current[name]
            else:
                self.current[name] = previous
        del self._log[mark:]
        return held


_VERSIONED_SCOPES = frozenset({"module", "function"})
# How a call hands its positional arguments (``_Flows.call_shape``, ``bind_parameters``): a plain
# call and a call of a value by any other shape ("#"), through an instance, through a class.
_UNKNOWN_CALL, _THROUGH_INSTANCE, _THROUGH_CLASS = "#", ".", ":"
_PLAIN_CALL = _UNKNOWN_CALL
_ANY_PARAMETER = "*"  # ("writes", key + "*"): what a *args or **kwargs parameter changes, any argument's
_CALL_SHAPES = (_UNKNOWN_CALL, _THROUGH_INSTANCE, _THROUGH_CLASS)
_TRY_STATEMENTS = tuple(getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name))
_INLINE_SCOPES = frozenset({"class", "comprehension"})
_PYTHON_BOOL_COMPARISONS = (ast.Is, ast.IsNot, ast.In, ast.NotIn)


class _Scope:
    """A function, class body, comprehension or the module: the names it binds itself."""

    def __init__(self, kind: str, parent: Optional["_Scope"], bound: Set[str], declared_global: Set[str],
                 imports: Dict[str, str], function: str, number: int, name: str) -> None:
        self.kind = kind
        self.name = name  # a class's name
        self.parent = parent
        self.bound = bound
        self.declared_global = declared_global
        self.imports = imports  # names bound only by imports: the qualified names they import
        self.function = function  # where the enclosing function's returns go (``_Flows.function``)
        self.id = f"{kind}{number}"
        self._symbols: Dict[str, Symbol] = {}
        self._owners: Dict[str, _Scope] = {}
        # A function's or the module's variables, version by version: the symbol each name holds
        # at this point of the walk (``_Flows.read``).  Class bodies and comprehensions keep one.
        self.versions: Optional[_Versions] = _Versions() if kind in _VERSIONED_SCOPES else None
        # A class body or a list, set or dict comprehension runs where it stands; a function, a
        # lambda or a generator expression runs later, when any of a variable's values may be there.
        self.runs_inline = kind in _INLINE_SCOPES

    def owner_of(self, name: str) -> "_Scope":
        """Python's rule: a name belongs to the nearest enclosing scope that binds it, class bodies
        seen only from themselves."""
        owner = self._owners.get(name)
        if owner is None:  # a name is read many times in its scope: resolve it once
            owner = self._owners[name] = self._find_owner(name)
        return owner

    def _find_owner(self, name: str) -> "_Scope":
        scope = self
        if name in self.declared_global:
            return self.module()
        while scope.parent is not None and (name not in scope.bound or (scope is not self and scope.kind == "class")):
            scope = scope.parent
        return scope

    def symbol(self, name: str) -> Symbol:
        known = self._symbols.get(name)
        if known is None:  # a name is read many times in its scope: resolve it once
            known = self._symbols[name] = (self.owner_of(name).id, name)
        return known

    def sees_current_value_of(self, owner: "_Scope") -> bool:
        """Whether code of this scope runs while ``owner``'s code runs (it is ``owner``, or a class
        body or comprehension inside it)."""
        scope: Optional[_Scope] = self
        while scope is not owner:
            if scope is None or not scope.runs_inline:
                return False
            scope = scope.parent
        return True

    def module(self) -> "_Scope":
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def is_builtin(self, name: str) -> bool:
        owner = self.owner_of(name)
        return owner.parent is None and name not in owner.bound

    def imported(self, name: str) -> Optional[str]:
        return self.owner_of(name).imports.get(name)


@dataclass(frozen=True)
class _Signature:
    """A function's parameters, in its scope; a method's first one is its receiver."""

    arguments: ast.arguments
    scope: _Scope
    has_receiver: bool
    key: str  # the function's: its returns
    binds_class: bool = False  # a classmethod: called through its class, the class is its receiver


class _Entry:
    """The meeting point of the calls that may run the same functions (``_Flows.entry``)."""

    def __init__(self, key: str, signatures: List[_Signature]) -> None:
        self.key = key
        self._signatures = signatures
        self._linked: Set[Symbol] = set()

    def link(self, space: str, suffix: str, flows: "_Flows") -> str:
        """The entry's node for an argument (``(space, suffix)``), joined to the functions' own
        parameters the first time a call hands one."""
        if (space, suffix) not in self._linked:
            self._linked.add((space, suffix))
            flows.bind([(space, signature.scope.id + suffix) for signature in self._signatures],
                       _Value.of((space, self.key + suffix)))
            if space == "arg":
                for signature in self._signatures:
                    flows.handed_suffixes.setdefault(signature.scope.id, set()).add(suffix)
        return self.key + suffix


def _writes_of(parameter: Symbol) -> Symbol:
    """What a function changes in its parameter (``holders``), handed to the arguments of its calls."""
    return ("writes-of", ".".join(parameter))


def _bits(number: int) -> Iterator[int]:
    """The positions of the bits set in ``number``."""
    while number:
        lowest = number & -number
        yield lowest.bit_length() - 1
        number ^= lowest


class _Callee(enum.Enum):
    LIBRARY = "library"  # runs nothing of the file: len(x), np.save(f, a), blocks.append(block)
    CALLS_BACK = "calls back"  # runs the function it is handed: map(f, xs), checkpoint(f, x)
    UNKNOWN_METHOD = "unknown method"  # self.head(x)
    ANYTHING = "anything"  # fn(x), model(x): a variable or parameter may hold any callable


class Unprovable(Exception):
    """The file reaches names in ways a walk over its text cannot follow."""


class _Flows:
    """One walk over a module, building the graphs and the sinks."""

    def __init__(self, kinds: FrozenSet[Fact]) -> None:
        # Only the graphs of the facts asked for are built (DET201's alone where no grad rule runs).
        self.grad = _Graph() if Fact.GRAD in kinds else None
        self.device = _Graph() if Fact.DEVICE in kinds else None
        self.converters = _Graph()
        self.sinks: List[_Sink] = []
        self.defined: Set[str] = set()  # every function or class name the file defines
        # x.name = ..., or name = ... in a class body: x.name(...) may call what the file stored
        # there, whatever a tensor's member of that name does (self.log = lambda v: ...)
        self.members_assigned: FrozenSet[str] = frozenset()
        self.signatures: Dict[str, List["_Signature"]] = {}  # a function's key: its parameters
        self.bound_signatures: Set[str] = set()
        self.without_receiver: List[Tuple["_Signature", str]] = []  # (signature, key) bound without one
        # By function name: the most positional arguments functools.partial binds ahead of what
        # the partial object is called with (partial(logger.log, "act")(h): h is log's second).
        self.partial_positions: Dict[str, int] = {}
        self.escaping: Set[str] = set()  # functions handed on as values (lambdas, callbacks, decorated)
        self.calls_by_computed_name = False
        # Calls of values (fn(x), self.head(x)): what the callee may be, and what it is handed.
        # (the callee's identities, the call's key, its arguments, whether it runs with grad on)
        self.calls_through: List[Tuple[FrozenSet[Symbol], str, List[Symbol], bool]] = []
        # Calls by name: (call, name, argument values, receiver, what each argument is seen through)
        # ..., and how it is called (``_call_shape``)
        self.calls_by_name: List[Tuple[ast.Call, str, List[_Value], _Value, List[List[Symbol]], str]] = []
        self.class_receivers: Dict[Symbol, str] = {}  # the first parameters of classmethods: their class's name
        # super().name(...): the same, and the class scope whose bases' methods it runs
        self.super_calls: List[Tuple[ast.Call, str, List[_Value], _Value, List[List[Symbol]], str]] = []
        # The suffixes of the arguments handed under a key (``pass_arguments``), and the
        # functions with *args or **kwargs bound under one (``rest_arguments``).
        self.handed_suffixes: Dict[str, Set[str]] = {}
        self.rest_parameters: List[Tuple[_Signature, str]] = []
        self.classes_named: Dict[str, List[str]] = {}  # a class's name: its scope ids
        self.class_bases: Dict[str, List[str]] = {}  # a class scope id: the names of its bases
        self.methods_of: Dict[str, Dict[str, List["_Signature"]]] = {}  # a class scope id: its methods
        self.module_classes: Set[str] = set()  # the class scope ids of the file's nn.Module classes
        self.autograd_functions: Set[str] = set()  # ... and of its torch.autograd.Function classes
        # a class scope's id: the parameters of what calling an instance runs (forward, __call__)
        self.called_methods: Dict[str, List["_Signature"]] = {}
        self.stored: Dict[str, Set[str]] = {}  # a class scope's id: the attributes it sets on its instances
        # Attributes: ("attr", x) is what code writes to x of anything but self; ("stored", C.x)
        # what a method of class C writes to self.x.  self.x in a method of C reads ("self-attr",
        # C.x): the stores of C's family of classes in the file, and ("attr", x); any other read
        # of x reads ("any-attr", x): all of them (finish).
        self.self_stores: Dict[str, Set[str]] = {}  # an attribute's name: the classes that store it
        self.any_reads: Set[str] = set()
        self.instance_reads: Set[Tuple[Symbol, str, str]] = set()  # (self's symbol, class scope id, attribute)
        # x.name written through a variable x (not a method's self): ("attr-of", "<x's scope>.x.name"), read
        # by x.name; it is ("attr", name) too only where x may hold an instance or class of the file
        # (``writes_to_instances``).  Its name, and the versions of x written through.
        self.written_through: Dict[Symbol, Tuple[str, Set[Symbol]]] = {}
        self.aliases: Dict[Symbol, Set[Symbol]] = {}  # a name bound to a container reached through others
        self.grads_have_graph = False
        # Where the walk is: in code that runs with grad off, what a computation gives requires
        # no grad (a view and a leaf keep theirs).
        self.grad_off = False
        # Whether code there runs with grad off because something there says so (a with block, a
        # decorator: "set"), or as the callers of its function run it ("inherited", also at module level).
        self.mode_set = False
        self.walking = ""  # the key of the function whose body the walk is in ("": the module's)
        self.switched_by_statement: Set[str] = set()  # ... bodies with a torch.set_grad_enabled(...) statement
        self.modes_of_calls: List[Tuple[str, str, Optional[bool]]] = []  # (called, caller, grad off if set)
        self.properties: Set[str] = set()  # run by reading an attribute: no call shows their grad mode
        self.parameter_of: Dict[Symbol, str] = {}  # a parameter's symbol: its function
        self.instance_of: Dict[Symbol, str] = {}  # self or cls: the class's scope id
        self._scopes = itertools.count()
        # Variables, version by version (``read``): each version of a variable, in the order made
        # (loops and try statements join those made inside them), and the variables that code
        # outside their scope writes or changes (a closure, ``global``, ``globals()``).
        self._versions = itertools.count()
        self.versions_made: List[Tuple[Symbol, Symbol]] = []  # (the variable, a version of it)
        self.written_outside: Set[Symbol] = set()
        self.read_whole: Set[Symbol] = set()  # the variables read as every value they take

    # --- graph edges --------------------------------------------------------------
    def bind(self, targets: List[Symbol], value: _Value) -> None:
        if not targets or not (value.grad or value.device or value.converters):
            return
        if self.grad is not None and value.grad:
            self.grad.flow(value.grad, targets)
        if self.device is not None and value.device:
            self.device.flow(value.device, targets)
        if value.converters:
            self.converters.flow(value.converters, targets)

    def bind_facts(self, source: Symbol, target: Symbol) -> None:
        """An edge for the facts only, not for the identities: ``finish`` adds it once calls of
        values are routed on the converters graph, which it must not change any more."""
        for graph in (self.grad, self.device):
            if graph is not None:
                graph.flow({source}, [target])

    def sink(self, node: ast.AST, converters: AbstractSet[Symbol], converted: _Value, arrays: bool = False,
             sparse: bool = False) -> None:
        """A conversion may happen at ``node``.  The sets are the value's own: nothing changes a
        value once it is converted."""
        self.sinks.append(_Sink(getattr(node, "lineno", 0), converters, converted.grad, converted.device,
                                self.walking, self.mode_here(), arrays, sparse))

    # --- variables, version by version ---------------------------------------------------
    def read(self, scope: _Scope, name: str) -> Symbol:
        """The symbol a read of ``name`` sees.  Where the variable's own code runs, the version
        the last assignment before it made (branches and loops joined): ``output =
        output.detach().numpy()`` leaves no grad in the next read of ``output``.  From a function
        defined inside, which runs later, the variable itself, into which every version flows."""
        owner = scope.owner_of(name)
        versions = owner.versions
        if versions is None or name not in versions.rebound:
            return owner.symbol(name)  # one value
        if owner is not scope and not scope.sees_current_value_of(owner):
            return self.whole(owner, name)
        return versions.current.get(name) or self.whole(owner, name)

    def whole(self, owner: _Scope, name: str) -> Symbol:
        """The variable with every value it takes (its versions flow into it: ``finish``)."""
        variable = owner.symbol(name)
        self.read_whole.add(variable)
        return variable

    def written(self, scope: _Scope, name: str) -> Symbol:
        """The symbol an assignment to ``name`` binds: a new version in the variable's own scope;
        the variable itself, with all its versions, when code elsewhere assigns it."""
        owner = scope.owner_of(name)
        if owner is scope and owner.versions is not None and name in owner.versions.rebound:
            return self.new_version(owner, name)
        return self.changed_outside(owner, name)

    def changed(self, scope: _Scope, name: str) -> Symbol:
        """The symbol a change to the object ``name`` holds binds (``losses.append(loss)``)."""
        owner = scope.owner_of(name)
        if scope.sees_current_value_of(owner):
            return self.read(scope, name)
        return self.changed_outside(owner, name)

    def changed_outside(self, owner: _Scope, name: str) -> Symbol:
        variable = owner.symbol(name)
        if owner.versions is not None and name in owner.versions.rebound:  # every version sees it (finish)
            self.written_outside.add(variable)
        return variable

    def new_version(self, owner: _Scope, name: str) -> Symbol:
        assert owner.versions is not None
        variable = owner.symbol(name)
        version = (owner.id, f"{name}@{next(self._versions)}")
        self.versions_made.append((variable, version))
        owner.versions.set(name, version)
        return version

    def join(self, scope: _Scope, versions: _Versions, ends: List[Dict[str, Symbol]]) -> None:
        """After branches that each started from the walk's point, where ``ends`` are what each
        changed: a variable is the one version they all end with, or a new version fed by each."""
        for name in set().union(*ends):
            before = versions.current.get(name) or self.whole(scope, name)
            held = {end.get(name, before) for end in ends}
            if len(held) == 1:
                versions.set(name, held.pop())
                continue
            merged = self.new_version(scope, name)
            for end in held:
                self.bind([merged], _Value.of(end))

    def loop_heads(self, scope: _Scope, node: ast.AST) -> Dict[str, Symbol]:
        """A version for each variable the statement assigns, which every version it makes will
        flow back into (``close_loop``): what a pass reads may come from the pass before."""
        if scope.versions is None:
            return {}
        heads: Dict[str, Symbol] = {}
        for name in {name for statement in _own_statements([node]) for name in _assigned_by(statement)}:
            if name in scope.versions.rebound and scope.owner_of(name) is scope:
                before = scope.versions.current.get(name) or self.whole(scope, name)
                heads[name] = self.new_version(scope, name)
                self.bind([heads[name]], _Value.of(before))
        return heads

    def close_loop(self, scope: _Scope, heads: Dict[str, Symbol], made_before: int) -> None:
        """Every version made since ``made_before`` of a variable with a head flows into it, and
        the variables are their heads again."""
        for variable, version in self.versions_made[made_before:]:
            head = heads.get(variable[1]) if variable[0] == scope.id else None
            if head is not None and head != version:
                self.bind([head], _Value.of(version))
        if scope.versions is not None:
            for name, head in heads.items():
                scope.versions.set(name, head)

    def scope(self, kind: str, parent: Optional[_Scope], body: List[ast.stmt], parameters: Set[str],
              function: str = "", name: str = "") -> _Scope:
        return _new_scope(kind, parent, body, parameters, function, next(self._scopes), name)

    # --- statements -------------------------------------------------------------------
    def module(self, tree: ast.Module) -> None:
        self.members_assigned = _members_assigned(tree)
        self.block(tree.body, self.scope("module", None, tree.body, set()))

    def block(self, statements: Iterable[ast.AST], scope: _Scope) -> None:
        for statement in statements:
            self.statement(statement, scope)

    def block_in_mode(self, statements: Sequence[ast.AST], scope: _Scope, grad_off: Optional[bool]) -> None:
        """Statements run with grad off (``with torch.no_grad():``, ``@torch.no_grad()``), on
        (``torch.enable_grad()``), or as their function's callers run it (None)."""
        enclosing = self.grad_off, self.mode_set
        if grad_off and any(_sets_grad_mode(statement, scope) for statement in _own_statements(statements)):
            grad_off = False  # torch.set_grad_enabled(True) somewhere in it: grad may be on anywhere there
        self.grad_off, self.mode_set = bool(grad_off), grad_off is not None
        self.block(statements, scope)
        self.grad_off, self.mode_set = enclosing

    def mode_here(self) -> Optional[bool]:
        """Whether code here runs with grad off; None: as its function's callers run it."""
        return self.grad_off if self.mode_set else None

    def statement(self, node: ast.AST, scope: _Scope) -> None:
        if isinstance(node, FUNCTIONS):
            self.function(node, node.name, node.body, scope)
        elif isinstance(node, ast.ClassDef):
            self.class_def(node, scope)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            self.assignment(node, scope)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            iterated = self.value(node.iter, scope)
            heads, made = self.loop_heads(scope, node), len(self.versions_made)
            self.assign_to(node.target, iterated, scope)
            self.block(node.body, scope)
            self.close_loop(scope, heads, made)
            self.block(node.orelse, scope)
        elif isinstance(node, ast.While):
            heads, made = self.loop_heads(scope, node), len(self.versions_made)
            self.value(node.test, scope)
            self.block(node.body, scope)
            self.close_loop(scope, heads, made)
            self.block(node.orelse, scope)
        elif isinstance(node, ast.If):
            self.value(node.test, scope)
            self.branches(scope, [node.body, node.orelse])
        elif isinstance(node, _TRY_STATEMENTS):
            self.try_statement(node, scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                entered = self.value(item.context_expr, scope).add_symbol(("ret", torch_api.ENTER_VALUE))
                if item.optional_vars is not None:
                    self.assign_to(item.optional_vars, entered, scope)
            switched = [_switches_grad(item.context_expr, scope) for item in node.items]
            self.block_in_mode(node.body, scope, self.mode_here() if all(s is None for s in switched)
                               else next(s for s in reversed(switched) if s is not None))
        elif isinstance(node, ast.Return):
            if scope.kind in ("module", "class"):
                raise Unprovable("return outside a function")  # Python refuses it; the interpreter stops there
            if node.value is not None:
                self.bind([("ret", scope.function)], self.value(node.value, scope))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self.imports(node, scope)
        elif _sets_grad_mode(node, scope):  # torch.set_grad_enabled(True) as a statement
            self.switched_by_statement.add(self.walking)
            self.value(node.value, scope)  # type: ignore[attr-defined]
        elif isinstance(node, ast.ExceptHandler):
            if node.type is not None:
                self.value(node.type, scope)
            self.block(node.body, scope)  # the exception's name is bound to nothing the file shows
        elif type(node).__name__ == "Match":
            self.match(node, scope)
        else:  # if, while, try, expressions...: no binding of their own
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.value(child, scope)
                elif isinstance(child, (ast.stmt, ast.ExceptHandler)):
                    self.statement(child, scope)

    def branches(self, scope: _Scope, blocks: List[List[ast.stmt]]) -> None:
        """Blocks of which one runs (an ``if`` and its ``else``), each from the same versions."""
        versions = scope.versions
        if versions is None:
            for block in blocks:
                self.block(block, scope)
            return
        ends = []
        for block in blocks:
            start = versions.mark()
            self.block(block, scope)
            ends.append(versions.rewind(start))
        self.join(scope, versions, ends)

    def try_statement(self, node: ast.AST, scope: _Scope) -> None:
        """The body and its ``else`` in order; a handler, or the ``finally`` block, may start
        after any statement of the body: there every variable the statement assigns may hold
        any of its values (its heads, as a loop's)."""
        assert isinstance(node, _TRY_STATEMENTS)
        versions, made = scope.versions, len(self.versions_made)
        if versions is None:
            self.block([*node.body, *node.orelse, *node.handlers, *node.finalbody], scope)
            return
        start = versions.mark()
        self.block([*node.body, *node.orelse], scope)
        ends = [versions.rewind(start)]
        heads = self.loop_heads(scope, node)
        for handler in node.handlers:
            handled = versions.mark()
            self.statement(handler, scope)
            ends.append({**heads, **versions.rewind(handled)})
        self.close_loop(scope, heads, made)
        if node.finalbody:  # from any point: every variable at its head
            self.block(node.finalbody, scope)
        else:
            versions.rewind(start)
            self.join(scope, versions, ends)

    def function(self, node: ast.AST, key: str, body: List[ast.stmt], scope: _Scope) -> None:
        """A def or a lambda (``key`` names it: its calls and returns)."""
        assert isinstance(node, (*FUNCTIONS, ast.Lambda))
        arguments = node.args
        decorators_applied = [self.value(decorator, scope) for decorator in getattr(node, "decorator_list", ())]
        decorators = _union(decorators_applied)
        names = [parameter.arg for parameter in parameters(arguments)]
        inner = self.scope("function", scope, body, set(names), function=key)
        # Its own returns; those of every function so named meet in ("ret", key), for calls by name.
        inner.function = f"{key}@{inner.id}"
        returned = ("ret", inner.function)
        self.bind([("ret", key)], _Value.of(returned))
        symbols = [inner.symbol(name) for name in names]
        has_receiver = scope.kind == "class" and not _is_static(node) and bool(symbols)
        signature = _Signature(arguments, inner, has_receiver, key, has_receiver and _is_classmethod(node))
        self.bind_parameters(signature, key)
        for name, default in _defaults(arguments):  # norm=nn.LayerNorm seeds norm, not the others
            self.bind([inner.symbol(name)], self.value(default, scope))
        # A parameter the function changes changes its caller's argument (self: see method()).
        self.parameter_of.update((symbol, key) for symbol in symbols[int(has_receiver):])
        self.signatures.setdefault(key, []).append(signature)
        if scope.kind == "class":
            self.methods_of.setdefault(scope.id, {}).setdefault(key, []).append(signature)
        if isinstance(node, ast.Lambda):
            self.escaping.add(key)
        for decorator, applied in zip(getattr(node, "decorator_list", ()), decorators_applied):
            if isinstance(decorator, ast.Name) and decorator.id in torch_api.NOT_ESCAPING_DECORATORS and \
                    scope.is_builtin(decorator.id):
                if decorator.id == "property":
                    self.properties.add(key)
                continue  # @staticmethod: the function stays what it is
            self.escaping.add(key)  # @to_arrays: to_arrays(total)
            self.call_through(applied, _HANDED_ONE, [_Value.of(("fn", key))], _Value())
            if _called_name(decorator):
                decorators.add_symbol(("ret", _called_name(decorator) or ""))
        if isinstance(node, FUNCTIONS):
            self.defined.add(key)
            # The function's value is the function (its identity, for calls of values) and, for
            # its facts, what it returns; what it returns is not what it is when it is called
            # through a value, or every model handed to predict(net, x) would be predict.
            function_value = decorators.add_symbol(("fn", key))
            function_value.grad.add(returned)
            function_value.device.add(returned)
            self.bind([self.written(scope, key)], function_value)
            if scope.kind == "class":  # a property gives what it returns, as a module too
                self.method(node, key, function_value.copy().add_symbol(returned), signature, scope)
        # (@torch.no_grad() on an async def covers only the making of the coroutine, as the interpreter knows)
        switches = [] if isinstance(node, ast.AsyncFunctionDef) else \
            [_switches_grad(decorator, scope) for decorator in getattr(node, "decorator_list", ())]
        # autograd runs a Function's methods without recording; Lightning, a module's validation_step
        run_off = scope.kind == "class" and (scope.id in self.autograd_functions or (
            scope.id in self.module_classes and key in torch_api.GRAD_OFF_HOOKS))
        enclosing, self.walking = self.walking, key
        # a function runs as its decorator says, or as its callers run it
        self.block_in_mode(body, inner, True if any(switches) or run_off else (
            False if any(switch is False for switch in switches) else None))
        self.walking = enclosing

    def method(self, node: ast.AST, key: str, function_value: _Value, signature: "_Signature",
               owner: _Scope) -> None:
        """A property or a bound method handed on is an attribute; what an implicitly called method
        gives is the instance's; ``self`` is the instance."""
        self.bind([("attr", key)], function_value)
        if _called_implicitly(key):  # what it returns, not the function: calling an instance runs __call__
            self.bind([("instance", owner.id)], function_value.copy(converters=False))
        if key in torch_api.MODULE_CALL_METHODS:  # model(x) runs forward(x)
            self.called_methods.setdefault(owner.id, []).append(signature)
        if key in _CONSTRUCTORS:  # Model(x), and a subclass's constructor call
            self.bind_parameters(signature, owner.name)
        if signature.has_receiver:
            receiver = signature.scope.symbol(parameters(signature.arguments)[0].arg)
            if signature.binds_class:
                self.class_receivers[receiver] = owner.name
            self.bind([receiver], _Value.of(("instance", owner.id)))
            self.instance_of[receiver] = owner.id

    def class_def(self, node: ast.ClassDef, scope: _Scope) -> None:
        header = _union(self.value(part, scope) for part in
                        [*node.bases, *(keyword.value for keyword in node.keywords), *node.decorator_list])
        inner = self.scope("class", scope, node.body, set(), function=scope.function, name=node.name)
        self.stored[inner.id] = set(inner.bound)  # class-level names and methods
        self.classes_named.setdefault(node.name, []).append(inner.id)
        self.class_bases[inner.id] = [base.id for base in node.bases if isinstance(base, ast.Name)]
        self.note_class_kind(inner.id, node.bases, scope)
        self.defined.add(node.name)
        for base in node.bases:  # a constructor the class inherits gets its calls
            if isinstance(base, ast.Name):
                self.bind([("args", base.id)], _Value.of(("args", node.name)).add_symbol(
                    ("passed", node.name)))
        self.bind([("instance", inner.id)], header)
        self.bind([self.written(scope, node.name)], _Value.of(("instance", inner.id)))
        self.block(node.body, inner)

    def note_class_kind(self, owner: str, bases: List[ast.expr], scope: _Scope) -> None:
        """Whether the class is an nn.Module, or an autograd Function, as the interpreter decides it:
        by a base the table knows, or a base of the file that is one (every class of that name)."""
        effects = {_effect_of(_qualified(base, scope) or "") for base in bases}
        if Effect.AUTOGRAD_FUNCTION in effects:
            self.autograd_functions.add(owner)
        file_bases = [self.classes_named.get(base.id, []) for base in bases if isinstance(base, ast.Name)]
        if Effect.MODULE in effects or any(named and all(found in self.module_classes for found in named)
                                           for named in file_bases):
            self.module_classes.add(owner)

    def assignment(self, node: ast.AST, scope: _Scope) -> None:
        assert isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
        if node.value is None:
            return
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if isinstance(node, ast.AugAssign):  # output -= target: an operand, as in arithmetic
            value, arrays = self.operand(node.value, scope)
            current = self.value(node.target, scope)
            self.sink(node, arrays, current, arrays=True)
            value.add(current)
        else:
            value = self.value(node.value, scope)
        for target in targets:
            self.assign_to(target, value, scope, node.value)
            if is_place(node.value):
                self.note_aliases(target, node.value, scope)

    def note_aliases(self, target: ast.expr, place: ast.expr, scope: _Scope) -> None:
        """``values = self.curves[key]`` (or ``steps, values = ...``): a change to the object
        ``values`` holds is seen through ``self.curves`` too, as the interpreter follows it."""
        names = [target] if isinstance(target, ast.Name) else \
            [element for element in target.elts if isinstance(element, ast.Name)] \
            if isinstance(target, (ast.Tuple, ast.List)) else []
        through = self.holders(place, scope)
        for name in names:
            self.aliases.setdefault(scope.symbol(name.id), set()).update(through)

    def assign_to(self, target: ast.expr, value: _Value, scope: _Scope, source: Optional[ast.expr] = None) -> None:
        """``source`` is the assigned expression when it is assigned whole to ``target``."""
        if isinstance(target, ast.Name):
            symbols = [self.written(scope, target.id)]
            if scope.kind == "class":  # a class attribute: read as self.name
                symbols.append(("attr", target.id))
            self.bind(symbols, value)
        elif isinstance(target, ast.Attribute):
            owner = self.note_stored(target.value, target.attr, scope)
            if target.attr == torch_api.REQUIRES_GRAD_KEYWORD and (source is None or _is_true(source)):
                # x.requires_grad = True
                value = value.copy().seeded(Fact.GRAD)
            written = self.attribute_written(target.value, target.attr, scope) if owner is None \
                else ("stored", f"{owner}.{target.attr}")
            self.bind([written, *self.holders(target.value, scope)], value)
        elif isinstance(target, ast.Subscript):
            self.value(target.slice, scope)
            container = self.value(target.value, scope)
            if not _scope_dictionary(target.value, scope):  # globals()[name] = t: a dict's item
                # frame["column"] = t; preds[a:b] = t, an array's slice
                self.sink(target, container.converters, value, arrays=_has_slice(target))
            self.bind(self.holders(target.value, scope), value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.assign_to(element, value, scope)
        elif isinstance(target, ast.Starred):
            self.assign_to(target.value, value, scope)

    def note_stored(self, instance: ast.expr, name: str, scope: _Scope) -> Optional[str]:
        """``self.name = ...`` or ``self.register_buffer("name", ...)`` in a method: the class's
        scope id (None: not a store through ``self``)."""
        owner = self.instance_of.get(scope.symbol(instance.id)) if isinstance(instance, ast.Name) else None
        if owner is not None:
            self.stored[owner].add(name)
            self.self_stores.setdefault(name, set()).add(owner)
        return owner

    def through_variable(self, receiver: ast.expr, name: str, scope: _Scope) -> Optional[Symbol]:
        """``x.name`` for a variable ``x`` of the file other than a method's ``self`` (an imported
        module's attributes are anyone's): the interpreter keeps what is written there under that
        dotted name."""
        if not isinstance(receiver, ast.Name) or scope.imported(receiver.id) is not None or \
                scope.symbol(receiver.id) in self.instance_of:
            return None
        return ("attr-of", f"{scope.owner_of(receiver.id).id}.{receiver.id}.{name}")

    def attribute_written(self, receiver: ast.expr, name: str, scope: _Scope) -> Symbol:
        """What a write of ``receiver.name`` binds: the dotted name when written through a
        variable (``writes_to_instances`` decides whether other reads see it), else any read of
        an attribute so named."""
        through = self.through_variable(receiver, name, scope)
        if through is None:
            return ("attr", name)
        assert isinstance(receiver, ast.Name)
        self.written_through.setdefault(through, (name, set()))[1].add(self.read(scope, receiver.id))
        return through

    def holders(self, node: ast.expr, scope: _Scope) -> List[Symbol]:
        """The symbols through which a change to the object ``node`` gives can be seen."""
        if isinstance(node, ast.Name):
            if scope.imported(node.id) is not None:
                return []  # np.f(x) changes no module
            symbol = scope.symbol(node.id)
            written = [_writes_of(symbol)] if symbol in self.parameter_of else []
            return [self.changed(scope, node.id), *written, *self.aliases.get(symbol, ())]
        if isinstance(node, ast.Attribute):
            # the object holding it is not changed, and a read of it gives this
            return [self.attribute_written(node.value, node.attr, scope)]
        if isinstance(node, (ast.Subscript, ast.Starred)):
            return self.holders(node.value, scope)
        if isinstance(node, ast.Call):  # d.setdefault(k, []).append(t); self.buffer().append(t)
            called = _called_name(node.func)
            if _scope_dictionary(node, scope, _SCOPE_READERS):
                # globals()[name] = value, vars(self).update(kwargs): the analysis binds no
                # variable or attribute through a dictionary (neither does Python for locals()).
                return []
            receiver = self.holders(node.func.value, scope) if isinstance(node.func, ast.Attribute) and \
                node.func.attr in torch_api.ELEMENT_HOLDER_METHODS else []
            return [*receiver, *([("changed-result", called)] if called else [])]
        return []

    def imports(self, node: ast.AST, scope: _Scope) -> None:
        assert isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names:
            if alias.name == "*":  # from torch.nn import *: names the table knows, the walk does not see
                root = getattr(node, "module", None) or ""
                if _converting(root) or root in _grad_seed_namespaces() or \
                        _names_accelerator(root):
                    raise Unprovable("a star import")
                continue
            bound = alias.asname or alias.name.split(".", 1)[0]
            qualified = _imported_name(node, alias)
            found = self.qualified(qualified, _Value(), whole=True)
            self.bind([self.written(scope, bound)], found)

    def match(self, node: ast.AST, scope: _Scope) -> None:
        subject = self.value(node.subject, scope)  # type: ignore[attr-defined]
        versions = scope.versions
        ends: List[Dict[str, Symbol]] = [{}]  # no case may match
        for case in node.cases:  # type: ignore[attr-defined]
            start = versions.mark() if versions is not None else 0
            for part in ast.walk(case.pattern):
                if isinstance(part, ast.expr):
                    self.value(part, scope)
            for captured in _captured(case.pattern):
                self.bind([self.written(scope, captured)], subject)
            if case.guard is not None:
                self.value(case.guard, scope)
            self.block(case.body, scope)
            if versions is not None:
                ends.append(versions.rewind(start))
        if versions is not None:
            self.join(scope, versions, ends)

    # --- expressions ---------------------------------------------------------------------
    def value(self, node: ast.expr, scope: _Scope) -> _Value:
        if isinstance(node, ast.Name):
            return self.name(node, scope)
        if isinstance(node, ast.Attribute):
            return self.attribute(node, scope, _qualified(node, scope))[0]
        if isinstance(node, ast.Call):
            return self.call(node, scope)
        if isinstance(node, ast.Constant):  # "cuda:0" names a device; a docstring naming CUDA does not
            found = _Value()
            return found.seeded(Fact.DEVICE) if isinstance(node.value, str) and torch_api.names_accelerator(
                node.value) else found
        if isinstance(node, ast.Lambda):
            key = f"<lambda {next(self._scopes)}>"
            self.function(node, key, [ast.Return(node.body)], scope)
            found = _Value.of(("fn", key))
            found.grad.add(("ret", key))
            found.device.add(("ret", key))
            return found
        if isinstance(node, COMPREHENSIONS):
            return self.comprehension(node, scope)
        if isinstance(node, ast.NamedExpr):
            found = self.value(node.value, scope)
            # a := binds the enclosing function's variable, even from a comprehension: all its versions
            self.bind([self.changed_outside(scope.owner_of(node.target.id), node.target.id)], found)
            return found
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            if node.value is not None:
                self.bind([("ret", scope.function)], self.value(node.value, scope))
            return _Value()  # what a caller sends in: nothing the interpreter follows
        return self.compound(node, scope)

    def compound(self, node: ast.expr, scope: _Scope) -> _Value:
        """Containers, conditionals and awaits may hand on a converter; arithmetic makes a new value;
        a comparison never requires grad, and ``not x`` is a Python bool."""
        if isinstance(node, ast.BinOp):
            return self.arithmetic(node, scope)
        if isinstance(node, ast.Subscript):
            setting = self.group_setting(node, scope)
            if setting is not None:
                return setting
        if isinstance(node, ast.Dict):  # what a dict holds are its values: the interpreter follows no key
            for key in node.keys:
                if key is not None:
                    self.value(key, scope)
            return _union([self.value(value, scope) for value in node.values])
        parts = [self.value(child, scope) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)]
        if isinstance(node, (ast.IfExp, ast.Subscript)):
            parts[0 if isinstance(node, ast.IfExp) else 1].converters = set()  # the test; the index
        keeps_converters = isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Starred, ast.IfExp,
                                             ast.BoolOp, ast.Subscript, ast.Await))
        found = _union(parts, keeps_converters)
        if self.grad_off and isinstance(node, ast.UnaryOp):
            found.cut(Fact.GRAD)  # a new tensor, computed without grad
        if isinstance(node, ast.Compare) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            found.cut(Fact.GRAD)
            if isinstance(node, ast.UnaryOp) or all(isinstance(op, _PYTHON_BOOL_COMPARISONS) for op in node.ops):
                found.cut(Fact.DEVICE)  # not x, x is None, k in t: a Python bool
        return found

    def arithmetic(self, node: ast.BinOp, scope: _Scope) -> _Value:
        """``output - target``: NumPy's, which converts ``output``, when ``target`` is an array.
        What arithmetic gives keeps the operands' converters (an array's is an array)."""
        left = self.value(node.left, scope)
        right, arrays = self.operand(node.right, scope)
        self.sink(node, arrays, left, arrays=True)
        if left.converters:  # adjacency @ h: a sparse matrix's operator converts h
            self.sink(node, left.converters, right, sparse=True)
        found = _union([left, right])
        if self.grad_off:
            found.cut(Fact.GRAD)  # a new tensor, computed without grad
        return found

    def operand(self, node: ast.expr, scope: _Scope) -> Tuple[_Value, AbstractSet[Symbol]]:
        """What the right operand of arithmetic gives, and the symbols that may make it an array:
        an attribute of an array is no array, so ``target.attr`` counts what is stored under
        ``attr``, not what flowed into ``target``."""
        if not isinstance(node, ast.Attribute):
            found = self.value(node, scope)
            return found, found.converters
        found, receiver = self.attribute(node, scope, _qualified(node, scope))
        return found, found.converters - receiver.converters

    def group_setting(self, node: ast.Subscript, scope: _Scope) -> Optional[_Value]:
        """``opt.param_groups[0]["lr"]``: an optimizer's parameter groups hold numbers under every
        key but ``"params"``, so only what the file itself wrote there may carry a fact, not the
        optimizer's parameters (None: another subscript)."""
        key, groups = node.slice, node.value
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value != torch_api.PARAMS_KEY
                and isinstance(groups, ast.Subscript) and isinstance(groups.value, ast.Attribute)
                and groups.value.attr == torch_api.PARAM_GROUPS):
            return None
        self.value(groups.slice, scope)
        found, receiver = self.attribute(groups.value, scope, _qualified(groups.value, scope))
        found.grad -= receiver.grad
        found.device -= receiver.device
        return found

    def name(self, node: ast.Name, scope: _Scope, called: bool = False) -> _Value:
        if (node.id in _DYNAMIC_BUILTINS or (node.id in _SCOPE_READERS and not called)) and \
                scope.is_builtin(node.id):
            raise Unprovable(node.id)
        if not called:
            self.escaping.add(node.id)  # sorted(xs, key=rank), callbacks = [log_mean, log_max]
        found = _Value.of(self.read(scope, node.id))
        if _names_accelerator(node.id):
            found.seeded(Fact.DEVICE)
        return found

    def qualified(self, qualified: str, found: _Value, whole: bool = False) -> _Value:
        """Seeds of an imported name (``whole``: bound by the import itself, as ``torch`` or ``nn``)."""
        if _effect_of(qualified) in _GRAD_SEED_EFFECTS or (
                whole and qualified in _grad_seed_namespaces()):
            found.seeded(Fact.GRAD)  # a namespace handed on whole (torch, nn) may give anything
        if _names_accelerator(qualified):
            found.seeded(Fact.DEVICE)
        if _converting(qualified) or qualified == torch_api.TENSOR_CLASS_PREFIX + torch_api.NUMPY_METHOD:
            found.converters.add(_CONVERTER)  # (torch.Tensor.numpy handed on: map(torch.Tensor.numpy, ts))
        return found

    def attribute(self, node: ast.Attribute, scope: _Scope, qualified: Optional[str],
                  called: bool = False) -> Tuple[_Value, _Value]:
        """What ``node`` gives, and what its receiver gives (``qualified``: what it names, when a
        chain rooted at an import)."""
        if not called:
            self.escaping.add(node.attr)  # register_forward_hook(self.save), fn = self.convert
        if qualified is not None:  # np.asarray, torch.nn.Linear: the table says
            return self.qualified(qualified, _Value()), _Value()
        receiver = self.value(node.value, scope)
        instance = scope.symbol(node.value.id) if isinstance(node.value, ast.Name) else None
        owner = self.instance_of.get(instance) if instance is not None else None
        if instance is None or owner is None:
            found = self.member(node, node.attr, receiver)
            through = self.through_variable(node.value, node.attr, scope)
            if through is not None:  # what the file wrote under that dotted name
                found.add_symbol(through)
        else:
            # self.x is what the classes of its family store in it (the interpreter's instance
            # attribute); only an attribute none stores may be something of the instance's (finish)
            self.instance_reads.add((instance, owner, node.attr))
            found = self.member(node, node.attr, _Value.of(("instance-attr", f"{owner}.{node.attr}")),
                                ("self-attr", f"{owner}.{node.attr}"))
        effect = _member_effect(node.attr)
        if effect in _GRAD_SEED_EFFECTS and (called or effect in _GRAD_SEED_ATTRIBUTES) and \
                node.attr != torch_api.REQUIRES_GRAD_METHOD:  # its flag decides: see result()
            found.seeded(Fact.GRAD)
            if _changeable(node.value):  # model.zero_grad(), model.eval(): the receiver is a module
                self.bind(self.holders(node.value, scope), _Value().seeded(Fact.GRAD))
        if _names_accelerator(node.attr):
            found.seeded(Fact.DEVICE)
        return found, receiver

    def member(self, node: ast.AST, name: str, receiver: _Value, written: Optional[Symbol] = None) -> _Value:
        """``receiver.name``, the facts the table cuts taken out, and what code of the file writes
        there (``written``: by default any write of an attribute of that name)."""
        found = receiver.copy()
        if name == torch_api.NUMPY_METHOD:
            self.sink(node, _CONVERTING, receiver)
            found.converters.add(_ARRAY)  # what calling it gives
        if name not in self.defined:
            for fact in Fact:
                if name in _cut_members(fact):
                    found.cut(fact)
            if torch_api.DEVICE_MOVES.get(name) == torch_api.HOST_DEVICE:
                found.cut(Fact.DEVICE)
        if name == torch_api.GRAD_ATTRIBUTE:
            self.bind([_GRADIENTS_IF_GRAPH], receiver)
            found.add_symbol(_GRADIENTS)
        return found.add_symbol(written or self.any_attribute(name))

    def any_attribute(self, name: str) -> Symbol:
        """What a read of attribute ``name`` of an object nothing is known about may give."""
        self.any_reads.add(name)
        return ("any-attr", name)

    def call(self, node: ast.Call, scope: _Scope) -> _Value:
        func = node.func
        qualified = _qualified(func, scope)  # np.asarray, torch.nn.Linear: the table says what it is
        receiver = _Value()
        if isinstance(func, ast.Attribute):
            callee, receiver = self.attribute(func, scope, qualified, called=True)
        elif isinstance(func, ast.Name):
            callee = self.name(func, scope, called=True)
        else:
            callee = self.value(func, scope)
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        values = [self.value(argument, scope) for argument in arguments]
        passed = _union(values)
        called = _called_name(func)
        kind = _Callee.ANYTHING if called is None else self.callee_kind(node, called, qualified, scope)
        # A converter handed to a library function converts only if the function calls it back
        # (map(np.asarray, ts)); isinstance(x, np.ndarray) converts nothing.  Handed to a
        # function of the file, it converts where that function calls it (its parameter holds
        # it); handed to a callable the analysis does not know, nothing is known to call it.
        handed = passed.converters if kind is _Callee.CALLS_BACK else _NOTHING
        self.sink(node, callee.converters | handed, passed)
        through = self.hand_on(node, called, qualified, kind, callee, values, receiver, scope)
        # Bound in finish, if the file defines something of that name; nn.Module.__init__(self)
        # runs the library's function, never one of the file's.
        if called is not None and qualified is None and not self.calls_a_parameter(func, scope):
            holders = [self.holders(argument, scope) for argument in arguments]
            subclass = _super_caller(func, scope)
            self.modes_of_calls.append((called, self.walking, self.mode_here()))
            if subclass is None:
                self.calls_by_name.append((node, called, values, receiver, holders, self.call_shape(func, scope)))
            else:  # super().__init__(config) runs a base's __init__, not every __init__ of the file
                self.super_calls.append((node, called, values, receiver, holders, subclass))
        if through is not None:  # what the functions it runs return
            callee = callee.copy()
            if self.grad_off:  # model(x) with grad off gives no grad; a class or record stores its arguments
                callee.cut(Fact.GRAD)
            callee.add_symbol(("call-ret", through))
        result = self.result(node, qualified, callee, passed, values, scope)
        self.changes(node, result, scope)
        self.differentiates(node, qualified, scope)
        return result

    def differentiates(self, node: ast.Call, qualified: Optional[str], scope: _Scope) -> None:
        """``loss.backward()``, ``torch.autograd.grad(loss, ...)``: ``loss`` requires grad (they raise
        otherwise), and so does what the interpreter then takes the assignment that bound it to give."""
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == torch_api.DIFFERENTIATING_METHOD:
            differentiated: Optional[ast.expr] = func.value
        elif qualified in torch_api.DIFFERENTIATING_FUNCTIONS and node.args:
            differentiated = node.args[0]
        else:
            return
        if isinstance(differentiated, ast.Name) and scope.imported(differentiated.id) is None:
            self.bind([self.changed(scope, differentiated.id)], _Value().seeded(Fact.GRAD))

    def result(self, node: ast.Call, qualified: Optional[str], callee: _Value, passed: _Value,
               values: List[_Value], scope: _Scope) -> _Value:
        """What a call gives.  Calling a converter gives an array, not a converter, unless the
        table says it gives a plotting object (plt.subplots()); a plotting object's methods give
        plotting objects."""
        builtin = isinstance(node.func, ast.Name) and scope.is_builtin(node.func.id)
        effect = _effect_of(qualified) if qualified is not None else \
            torch_api.BUILTINS.get(node.func.id) if builtin else None  # type: ignore[attr-defined]
        result = callee.copy(converters=qualified is None)
        from_arguments = passed.copy(converters=effect in _HOLDS_ITS_ARGUMENTS)
        if qualified is not None or builtin:  # a library's function gives what the table says
            for fact, cuts in _LIBRARY_CUTS.items():
                if effect in cuts:
                    from_arguments.cut(fact)
        result.add(from_arguments)
        if effect is Effect.LOADED:
            result.converters.add(_LOADED)
        if qualified in torch_api.NUMPY_ARRAY_MAKERS or qualified in torch_api.NUMPY_SIZED_ARRAY_MAKERS:
            result.converters.add(_ARRAY)  # (with a size or not: the walk over-approximates)
        if qualified in torch_api.SPARSE_MATRIX_MAKERS:
            result.converters.add(_SPARSE)
        if effect in (Effect.CONSUMER_FACTORY, Effect.CONSUMER_PAIR_FACTORY, Effect.COLORMAP) or qualified in \
                torch_api.SPARSE_MATRIX_MAKERS or (
                effect is Effect.CONVERTS and (qualified or "").split(".", 1)[0] in torch_api.CONVERT_ONLY_TENSORS):
            result.converters.add(_CONVERTER)  # pandas tables convert what is stored in them
        if qualified in torch_api.NUMPY_OBJECT_HOLDERS and values:  # np.atleast_1d(axes): an array of the axes
            result.converters.update(values[0].converters)
        called = _called_name(node.func)
        if called:
            if not self.calls_a_parameter(node.func, scope):
                result.add_symbol(("ret", called))
            result.add(self.computed_attribute(called, node, passed, scope))
        # Only a literal True asks for grad: a flag the file cannot read is undecided (DET103's).
        asked = {keyword.arg for keyword in node.keywords if _is_true(keyword.value)}
        if not asked.isdisjoint(_GRAD_SEED_KEYWORDS):
            result.seeded(Fact.GRAD)
        if isinstance(node.func, ast.Attribute) and node.func.attr == torch_api.REQUIRES_GRAD_METHOD and (
                _is_true(node.args[0]) if node.args else not node.keywords or bool(asked)):
            result.seeded(Fact.GRAD)  # t.requires_grad_(), t.requires_grad_(True)
        if torch_api.CREATE_GRAPH_KEYWORD in asked and (qualified in torch_api.GRAD_FILLING_FUNCTIONS or isinstance(
                node.func, ast.Attribute) and node.func.attr in torch_api.GRAD_FILLING_METHODS):
            self.grads_have_graph = True  # x.backward(create_graph=True): every .grad has a graph
        prefix = torch_api.TENSOR_CLASS_PREFIX
        if qualified is not None and qualified.startswith(prefix) and node.args:  # torch.Tensor.numpy(t)
            result.add(self.member(node, qualified[len(prefix):], values[0]))
        if _moves_to_host_by_argument(node, scope):
            result.cut(Fact.DEVICE)
        computes = effect in _COMPUTING if qualified is not None or builtin else isinstance(
            node.func, ast.Attribute) and _member_effect(node.func.attr) in _COMPUTING
        if self.grad_off and computes:
            # torch.relu(x), x.topk(1) compute without grad; what a function of the file returns
            # (a stored parameter...) and a new leaf (requires_grad=True) keep theirs
            result.grad = {symbol for symbol in result.grad if symbol[0] in _KEPT_WITH_GRAD_OFF}
        return result

    def calls_a_parameter(self, func: ast.expr, scope: _Scope) -> bool:
        """``fn(x)`` where ``fn`` is a parameter: it runs what the parameter holds (the calls of
        values, ``route_calls_through``), not the functions of the file that are named so."""
        return isinstance(func, ast.Name) and scope.symbol(func.id) in self.parameter_of

    def changes(self, node: ast.Call, result: _Value, scope: _Scope) -> None:
        """What a method call changes in its receiver."""
        func = node.func
        if not isinstance(func, ast.Attribute):
            return
        if func.attr == torch_api.REGISTER_BUFFER_METHOD and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            self.note_stored(func.value, node.args[0].value, scope)
        if (func.attr in torch_api.RECEIVER_MUTATORS or torch_api.is_in_place(func.attr)) and _changeable(func.value):
            # losses.append(loss), t.requires_grad_(), w.add_(u), model.to("cuda")
            self.bind(self.holders(func.value, scope), result)

    def hand_on(self, node: ast.Call, called: Optional[str], qualified: Optional[str], kind: "_Callee",
                callee: _Value, values: List[_Value], receiver: _Value, scope: _Scope) -> Optional[str]:
        """Arguments go to the functions of the called name, and to the functions and modules of
        the file the callee may be or may call back (see ``finish``).  The key of the call of a
        value, when it is one."""
        if called is None:  # fns[i](x), make()(x)
            return self.call_through(callee, node, values, receiver)
        through = None
        targets: List[Symbol] = []
        if kind is _Callee.ANYTHING:  # fn(x), model(x)
            through = self.call_through(callee, node, values, receiver)
        elif kind is _Callee.UNKNOWN_METHOD:  # self.head(x): what was stored as head, not self
            through = self.call_through(_Value.of(self.any_attribute(called)), node, values, receiver)
        elif kind is _Callee.CALLS_BACK:
            callback = _callback_name(node)
            if callback is not None:  # map(to_numpy, outputs), partial(draw, color="red"), checkpoint(self.block, x)
                targets.append(("args", callback))
                if _binds_positions(node, qualified):
                    bound = len(node.args) - 1
                    self.partial_positions[callback] = max(bound, self.partial_positions.get(callback, 0))
            else:  # map(lambda t: ..., xs): whatever the arguments hold may be called with any of them
                self.call_through(_union(values), _CALLED_WITH_EVERYTHING, [_union([*values, receiver])], _Value())
        constructed = self.class_receivers.get(scope.symbol(node.func.id)) if isinstance(node.func, ast.Name) else None
        if constructed is not None:  # cls(...) in a classmethod
            targets.append(("args", constructed))
        if targets:
            self.bind(targets, _union([*values, receiver]))
        return through

    def call_through(self, callee: _Value, node: ast.Call, values: List[_Value], receiver: _Value) -> str:
        """A call of a value: it runs the functions and modules of the file that flow into it
        (``route_calls_through``), each argument to the parameters it may bind."""
        key = f"<call {len(self.calls_through)}>"
        handed = self.pass_arguments(node, key, values, receiver)
        passed = _union([*values, receiver])
        self.bind([("passed", key)], passed)
        self.calls_through.append((frozenset(callee.converters), key, handed, not self.grad_off))
        return key

    def pass_arguments(self, node: ast.Call, called: str, values: List[_Value], receiver: _Value,
                       shape: str = "#") -> List[Symbol]:
        """Each argument to the parameters it may bind: the i-th positional one by its position
        and the call's shape (see ``bind_parameters``); a keyword to its name; a starred one to
        every parameter.  The symbols, as ``(space, suffix)``."""
        starred = False
        handed: List[Symbol] = []
        for index, (argument, value) in enumerate(zip(node.args, values)):
            starred = starred or isinstance(argument, ast.Starred)
            handed.append(("args", "") if starred else ("arg", f"{shape}{index}"))
        handed += [("args", "") if keyword.arg is None else ("arg", f"={keyword.arg}") for keyword in node.keywords]
        for (space, suffix), value in zip([*handed, ("arg", "#-1")], [*values, receiver]):
            self.bind([(space, called + suffix)], value)
        self.handed_suffixes.setdefault(called, set()).update(suffix for space, suffix in handed if space == "arg")
        return [*handed, ("arg", "#-1"), ("passed", "")]

    def bind_parameters(self, signature: "_Signature", key: str) -> None:
        """The parameters of a function called ``key`` (or a constructor of a class called so)
        from the arguments of its calls (see ``pass_arguments``), by the shape of each call.  A
        method's receiver is its instance however it is called; its i-th parameter is the
        (i-1)-th argument of a call through an instance (``self.log(x)``, ``super().log(x)``), the
        i-th of one through its class (``Trainer.log(trainer, x)``; a classmethod's, the
        (i-1)-th), either of a call of another shape (a bound method handed on).  A function
        without a receiver (a static method too) takes the i-th argument, unless it is handed on
        as a value: a decorator's wrapper can become a method (``finish``)."""
        arguments, inner = signature.arguments, signature.scope
        every = _Value.of(("args", key))
        shifted = self.partial_positions.get(signature.key, 0)
        for index, parameter in enumerate(positional_parameters(arguments)):
            if index == 0 and signature.has_receiver:
                continue
            suffixes = [f"={parameter.arg}"]
            if signature.has_receiver:
                through_class = index - 1 if signature.binds_class else index
                suffixes += [f"{shape}{position}" for shape, position in (
                    (_UNKNOWN_CALL, index), (_UNKNOWN_CALL, index - 1), (_THROUGH_INSTANCE, index - 1),
                    (_THROUGH_CLASS, through_class))]
            else:
                suffixes += [f"{shape}{index}" for shape in _CALL_SHAPES]
            # called as a partial object, after the positions the partial bound
            first = index - int(signature.has_receiver)
            suffixes += [f"{_UNKNOWN_CALL}{first - bound}" for bound in range(1, shifted + 1)]
            self.bind_parameter(inner.symbol(parameter.arg), key, suffixes)
        if not signature.has_receiver:
            self.without_receiver.append((signature, key))
        for parameter in arguments.kwonlyargs:
            self.bind_parameter(inner.symbol(parameter.arg), key, [f"={parameter.arg}"])
        for rest in (arguments.vararg, arguments.kwarg):
            if rest is not None:
                symbol = inner.symbol(rest.arg)
                self.bind([symbol], every)
                # what it is handed besides is decided once every call is known (rest_arguments);
                # the functions it may hold, at once: calls of values are routed on them
                self.converters.flow({("passed", key)}, [symbol])
                self.bind([("writes", key + _ANY_PARAMETER)], _Value.of(_writes_of(symbol)))
        if arguments.vararg is not None or arguments.kwarg is not None:
            self.rest_parameters.append((signature, key))

    def bind_parameter(self, parameter: Symbol, key: str, suffixes: List[str]) -> None:
        """A parameter of a function called ``key`` takes the arguments handed under these
        suffixes, and what the function changes in it changes them (``hand_to``); a starred
        argument is handed to every parameter."""
        taken = _Value.of(("args", key))
        for suffix in suffixes:
            taken.add_symbol(("arg", key + suffix))
        self.bind([parameter], taken)
        self.bind([("writes", key + suffix) for suffix in ["", *suffixes]], _Value.of(_writes_of(parameter)))

    def callee_kind(self, node: ast.Call, called: str, qualified: Optional[str], scope: _Scope) -> "_Callee":
        """What the call may run besides the functions of its name: a library's function or method
        runs a function it is handed only if the table says so; a method the table does not
        know may be a module of the file (decided in ``finish``); a variable may hold anything."""
        if any(keyword.arg == torch_api.CALLBACK_KEYWORD for keyword in node.keywords):
            return _Callee.CALLS_BACK  # sorted(xs, key=f)
        if qualified is not None:
            effect = _effect_of(qualified)
        elif isinstance(node.func, ast.Name):
            if scope.owner_of(called).parent is not None or called in self.defined or called not in _BUILTINS:
                return _Callee.ANYTHING  # a variable, a parameter, a function of the file
            effect = torch_api.BUILTINS.get(called)
        else:
            effect = _member_effect(called)
            if effect is None and called not in _CONTAINER_METHODS or called in self.members_assigned:
                return _Callee.UNKNOWN_METHOD  # self.head(x) runs MyHead.forward if self.head = MyHead()
        return _Callee.CALLS_BACK if effect in _CALLING_BACK else _Callee.LIBRARY

    def computed_attribute(self, called: str, node: ast.Call, passed: _Value, scope: _Scope) -> _Value:
        """getattr/setattr with a name the text shows: an attribute read or write; with a computed
        name, an unknown value (called, any method may run).  locals(), globals(), vars(): every
        variable of the scope; vars(x): an unknown value."""
        if _scope_dictionary(node, scope, _SCOPE_READERS):
            if node.args:
                return _Value()
            owner = scope.module() if called == "globals" else scope  # self.__dict__.update(locals())
            found = _Value()
            for variable in owner.bound:
                found.add_symbol(self.whole(owner, variable))
            return found
        if called not in ("getattr", "setattr") or len(node.args) < 2:
            return _Value()
        name = node.args[1]
        known = name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else None
        if called == "setattr":
            if known:
                self.bind([("attr", known)], passed)
            return _Value()
        if known:
            self.escaping.add(known)  # getattr(self, "encode")(x): a call no name shows
            found = _Value.of(self.any_attribute(known))
            through = self.through_variable(node.args[0], known, scope)
            return found if through is None else found.add_symbol(through)
        self.calls_by_computed_name = True
        return _Value()

    def comprehension(self, node: ast.expr, scope: _Scope) -> _Value:
        assert isinstance(node, COMPREHENSIONS)
        targets = {name.id for generator in node.generators for name in ast.walk(generator.target)
                   if isinstance(name, ast.Name)}
        kind = "generator" if isinstance(node, ast.GeneratorExp) else "comprehension"
        inner = self.scope(kind, scope, [], targets, function=scope.function)
        for index, generator in enumerate(node.generators):
            self.assign_to(generator.target, self.value(generator.iter, scope if index == 0 else inner), inner)
            for condition in generator.ifs:
                self.value(condition, inner)
        if isinstance(node, ast.DictComp):
            self.value(node.key, inner)  # what a dict holds are its values (see compound)
            return self.value(node.value, inner)
        return self.value(node.elt, inner)

    # --- after the walk -----------------------------------------------------------------------
    def call_shape(self, func: ast.expr, scope: _Scope) -> str:
        """How a call by name passes its arguments: ``f(x)``; ``self.f(x)`` (through an instance:
        a method's receiver comes first); ``cls.f(x)`` in a classmethod (through a class); for
        ``Name.f(x)``, that name, decided once the file's classes are known; else unknown."""
        if not isinstance(func, ast.Attribute):
            return _PLAIN_CALL
        if isinstance(func.value, ast.Name):
            symbol = scope.symbol(func.value.id)
            if symbol in self.instance_of and symbol not in self.class_receivers:
                return _THROUGH_INSTANCE
            if symbol in self.class_receivers:
                return _THROUGH_CLASS
            return func.value.id
        return _UNKNOWN_CALL

    def pass_to_the_file(self) -> None:
        """The arguments of calls by the name of a function or class of the file go to its
        parameters; what that function changes in them changes the caller's."""
        for node, called, values, receiver, holders, shape in self.calls_by_name:
            if called in self.defined:
                if shape not in _CALL_SHAPES:  # Name.f(...): through a class if the file has one so named
                    shape = _THROUGH_CLASS if shape in self.classes_named else _UNKNOWN_CALL
                self.hand_to(called, node, values, receiver, holders, shape)
        for node, called, values, receiver, holders, subclass in self.super_calls:
            for signature in self.inherited(subclass, called):
                own = signature.scope.id
                if own not in self.bound_signatures:  # its parameters, by its own key, once
                    self.bound_signatures.add(own)
                    self.bind_parameters(signature, own)
                self.hand_to(own, node, values, receiver, holders, _THROUGH_INSTANCE)

    def hand_to(self, key: str, node: ast.Call, values: List[_Value], receiver: _Value,
                holders: List[List[Symbol]], shape: str) -> None:
        """A call's arguments to the parameters bound under ``key``; what the function changes in
        a parameter changes the caller's argument for it (see ``bind_parameters``)."""
        handed = self.pass_arguments(node, key, values, receiver, shape)
        self.bind([("passed", key)], _union([*values, receiver]))
        for (space, suffix), seen_through in zip(handed, holders):
            changed = _Value.of(("writes", key + _ANY_PARAMETER))
            self.bind(seen_through, changed.add_symbol(("writes", key + (suffix if space == "arg" else ""))))

    def inherited(self, subclass: str, name: str) -> List["_Signature"]:
        """The methods called ``name`` that ``super()`` in a method of ``subclass`` may run: in
        each line of its bases of the file, the nearest that defines one (none: a library's)."""
        found: List[_Signature] = []
        pending = self.bases_of(subclass)
        seen: Set[str] = set()
        while pending:
            base = pending.pop()
            if base in seen:
                continue
            seen.add(base)
            own = self.methods_of.get(base, {}).get(name)
            if own:
                found += own
            else:
                pending += self.bases_of(base)
        return found

    def bases_of(self, owner: str) -> List[str]:
        """The scope ids of the classes of the file a class names as its bases."""
        return [base for name in self.class_bases[owner] for base in self.classes_named.get(name, ())]

    def finish(self) -> None:
        """What the walk could only decide once it had seen the whole file: calls by name, calls
        of values, attributes read or written by computed names, gradients with a graph."""
        self.pass_to_the_file()
        for variable, version in self.versions_made:
            if variable in self.written_outside:  # a closure, a global statement may change it
                self.bind([version], _Value.of(variable))
            if variable in self.read_whole:  # a closure, a read before any assignment may see it
                self.bind([variable], _Value.of(version))
        for name in self.defined:  # what a function of the file returns can be changed by its caller
            self.bind([("ret", name)], _Value.of(("changed-result", name)))
        self.attributes_written()
        if self.calls_by_computed_name:  # getattr(self, name)(x): any method may be the one called
            self.escaping.update(self.signatures)
        self.route_calls_through()
        self.loaded_models_called()
        self.methods_made_of_functions()
        self.writes_to_instances()
        self.rest_arguments()
        if self.grads_have_graph:  # backward(create_graph=True): gradients require grad
            self.bind([_GRADIENTS], _Value.of(_GRADIENTS_IF_GRAPH))

    def attributes_written(self) -> None:
        """What each read of an attribute may give (see ``self_stores``)."""
        for through, (name, _) in self.written_through.items():  # the calls of values may see them
            self.converters.flow({through}, [("attr", name)])
        for name in self.any_reads:
            read = _Value.of(("attr", name))
            for owner in self.self_stores.get(name, ()):
                read.add_symbol(("stored", f"{owner}.{name}"))
            self.bind([("any-attr", name)], read)
        families = self.class_families()
        named = {owner: name for name, owners in self.classes_named.items() for owner in owners}
        for (receiver, owner, name) in self.instance_reads:
            family = families[owner]
            read = _Value.of(("attr", name))
            for storing in family & self.self_stores.get(name, set()):
                read.add_symbol(("stored", f"{storing}.{name}"))
            class_level = any(name in self.stored[member] for member in family)
            if class_level:  # a field of a record (@dataclass, NamedTuple): what its generated constructors take
                for member in family:
                    if not _CONSTRUCTORS.intersection(self.methods_of.get(member, ())):
                        read.add_symbol(("passed", named[member]))
            self.bind([("self-attr", f"{owner}.{name}")], read)
            if not class_level:  # self.x no class of it stores
                self.bind([("instance-attr", f"{owner}.{name}")], _Value.of(receiver))

    def writes_to_instances(self) -> None:
        """``x.name = v`` through a variable: the interpreter gives ``v`` to the reads of ``name``
        in the methods of a class of the file when ``x`` holds an instance (or the class) of it;
        otherwise only ``x.name`` sees it (``deform_gpu.weight = w`` is not ``deform_cpu.weight``).
        Whether it may is decided by where the classes' identities flow (the converters graph,
        complete once calls of values are routed: this runs last)."""
        if not self.written_through:
            return
        instances = self.converters.reached_from(*(("instance", owner) for owner in self.class_bases))
        for through, (name, receivers) in self.written_through.items():
            if not instances.isdisjoint(receivers):
                self.bind_facts(through, ("attr", name))

    def rest_arguments(self) -> None:
        """``*args`` takes the positional arguments after the named parameters (one more, for a
        function that may be called as a method), ``**kwargs`` the keywords no parameter is
        named for: their facts, once every call of the function is known."""
        for signature, key in self.rest_parameters:
            arguments = signature.arguments
            positional = positional_parameters(arguments)
            named = {parameter.arg for parameter in [*positional, *arguments.kwonlyargs]}
            for suffix in self.handed_suffixes.get(key, ()):
                if suffix.startswith("="):
                    rest = arguments.kwarg if suffix[1:] not in named else None
                else:
                    rest = arguments.vararg if int(suffix[1:]) >= len(positional) - 1 else None
                if rest is not None:
                    self.bind_facts(("arg", key + suffix), signature.scope.symbol(rest.arg))

    def class_families(self) -> Dict[str, FrozenSet[str]]:
        """Each class of the file: the classes it shares a line of inheritance with, in the file
        (a method of a base reads what a subclass stores in self)."""
        family = {owner: {owner} for owner in self.class_bases}
        for owner in self.class_bases:
            for base in self.bases_of(owner):
                if family[base] is not family[owner]:
                    merged = family[owner] | family[base]
                    for member in merged:
                        family[member] = merged
        return {owner: frozenset(members) for owner, members in family.items()}

    def loaded_models_called(self) -> None:
        """A call, with grad on, of what torch.load() may have given gives a tensor that requires
        grad (``model = torch.load(path)`` then ``model(x)``)."""
        loaded = self.converters.reached_from(_LOADED)
        for callee, key, _, grad_on in self.calls_through:
            if grad_on and not callee.isdisjoint(loaded):
                self.bind([("call-ret", key)], _Value().seeded(Fact.GRAD))

    def methods_made_of_functions(self) -> None:
        """A function handed on as a value may be called as a method (``wrapper(self, x)`` that a
        decorator returns): its i-th parameter also takes the (i-1)-th argument."""
        for signature, key in self.without_receiver:
            if signature.key in self.escaping:
                for index, parameter in enumerate(positional_parameters(signature.arguments)):
                    self.bind_parameter(signature.scope.symbol(parameter.arg), key,
                                        [f"{_UNKNOWN_CALL}{index - 1}", f"{_THROUGH_INSTANCE}{index - 1}"])

    def route_calls_through(self) -> None:
        """Each function of the file handed on as a value, and each class whose instances can be
        called (``forward``, ``__call__``), receives what the calls of the values it flows into
        are handed: ``self.head = Head()`` then ``self.head(x)`` runs ``Head.forward(x)``."""
        callables: Dict[Symbol, List[_Signature]] = {
            ("fn", key): self.signatures[key] for key in self.escaping if key in self.signatures}
        callables.update((("instance", owner), signatures) for owner, signatures in self.called_methods.items())
        if not callables or not self.calls_through:
            return
        identities = list(callables)
        entries: Dict[int, _Entry] = {}  # a set of identities, as bits: where the calls that may run them meet
        routed = [0] * len(self.calls_through)  # what each call was found to run so far
        # A routed call hands a function on to another call's callee (model(x, log_fn=logger.log)
        # runs forward, which calls log_fn): route again until no call may run more, carrying the
        # identities on only from the edges each round added.
        reaching = self.converters.sources_reaching(identities)
        grown = True
        while grown:
            grown = False
            self.converters.new_sources = set()
            for index, (callee, key, handed, _) in enumerate(self.calls_through):
                may_run = routed[index]
                for symbol in callee:
                    may_run |= reaching.get(symbol, 0)
                if may_run == routed[index]:
                    continue
                routed[index], grown = may_run, True
                entry = entries.get(may_run)
                if entry is None:
                    runs = [signature for bit in _bits(may_run) for signature in callables[identities[bit]]]
                    entry = entries[may_run] = self.entry(f"<entry {len(entries)}>", runs)
                for space, suffix in handed:  # the call's arguments to those of the callables
                    self.bind([(space, entry.link(space, suffix, self))], _Value.of((space, key + suffix)))
                self.bind([("call-ret", key)], _Value.of(("call-ret", entry.key)))
            added, self.converters.new_sources = self.converters.new_sources, None
            if grown:
                self.converters.spread(reaching, added)

    def entry(self, key: str, signatures: List["_Signature"]) -> "_Entry":
        """Where the calls that may run the same functions meet: one node per argument between
        them and those functions (calls times functions edges otherwise: a file that calls
        ``getattr(self, name)(x)`` may run any of its hundreds of methods from each such call)."""
        for signature in signatures:
            own = signature.scope.id
            if own not in self.bound_signatures:  # its parameters, by its own key, once
                self.bound_signatures.add(own)
                self.bind_parameters(signature, own)
            # what it returns itself (a module's forward, not every forward of the file)
            self.bind([("call-ret", key)], _Value.of(("ret", signature.scope.function)).add_symbol(
                ("changed-result", signature.key)))
        return _Entry(key, signatures)

    def converts_with_grad_off(self, sink: _Sink, functions_off: FrozenSet[str]) -> bool:
        """Whether the interpreter runs the conversion with grad off (no grad rule reports it);
        ``functions_off``: ``run_with_grad_off()``."""
        if sink.walking in self.switched_by_statement:  # torch.set_grad_enabled(...) as a statement there
            return False
        return sink.walking in functions_off if sink.grad_off is None else sink.grad_off

    def run_with_grad_off(self) -> FrozenSet[str]:
        """The functions of the file that only ever run with grad off, as the interpreter decides
        it: each call of their name runs with grad off, set there or inherited from the caller's
        function; none is handed on as a value (a decorated one is), or run without a call that
        shows it (properties, dunders, forward)."""
        calls: Dict[str, List[Tuple[str, Optional[bool]]]] = {}
        for called, caller, grad_off in self.modes_of_calls:
            calls.setdefault(called, []).append((caller, grad_off))
        off = {key for key in calls if key in self.defined and key not in self.escaping
               and key not in self.properties and not _called_implicitly(key)}
        changed = True
        while changed:
            changed = False
            for key in sorted(off):
                if any(caller in self.switched_by_statement or not (
                        grad_off if grad_off is not None else caller in off) for caller, grad_off in calls[key]):
                    off.discard(key)
                    changed = True
        return frozenset(off)

    def reaching(self, kinds: FrozenSet[Fact]) -> "Reach":
        converters = self.converters.reached_from(_CONVERTER)
        arrays = self.converters.reached_from(_ARRAY)
        sparse = self.converters.reached_from(_SPARSE)
        sinks = [sink for sink in self.sinks if (not sink.sparse and not sink.converters.isdisjoint(converters)) or (
            sink.arrays and not sink.converters.isdisjoint(arrays)) or (
            sink.sparse and not sink.converters.isdisjoint(sparse))]
        reached: Dict[Fact, FrozenSet[int]] = {}
        functions_off = self.run_with_grad_off() if Fact.GRAD in kinds else frozenset()
        for fact in kinds:
            graph = self.grad if fact is Fact.GRAD else self.device
            tainted = graph.reached_from(_SEED[fact]) if graph is not None else set()
            lines = frozenset(sink.line for sink in sinks if not sink.facts(fact).isdisjoint(tainted) and not (
                fact is Fact.GRAD and self.converts_with_grad_off(sink, functions_off)))
            if lines:
                reached[fact] = lines
        return Reach(frozenset(reached), frozenset().union(*reached.values()))


@dataclass(frozen=True)
class Reach:
    """The kinds of fact that may reach a conversion, and the lines where they may (None: anywhere)."""

    kinds: FrozenSet[Fact]
    lines: Optional[FrozenSet[int]]


def facts_reaching_conversions(tree: ast.AST, kinds: FrozenSet[Fact], source: str) -> Reach:
    """Which of ``kinds`` may reach a conversion in ``tree`` (the ``ast`` of ``source``), and on
    which lines (all of them, anywhere, when the walk cannot tell)."""
    if not kinds or not isinstance(tree, ast.Module):
        return Reach(kinds, None)
    if not _may_hold_a_converter(tree, source):
        return Reach(frozenset(), frozenset())
    flows = _Flows(kinds)
    try:
        flows.module(tree)
    except (Unprovable, RecursionError):
        return Reach(kinds, None)
    flows.finish()
    return flows.reaching(kinds)


# ``.numpy`` as an attribute: a dot, then the name, perhaps after blanks, line breaks (in
# brackets) or line continuations.  (One class of characters, no alternatives: the search stays
# linear; alternatives that could each match a comment's text backtracked exponentially over a
# commented-out block of code.  A comment between the dot and the name is not looked for.)
_NUMPY_ATTRIBUTE = re.compile(r"\.[\s\\]*" + torch_api.NUMPY_METHOD + r"\b")


def _may_hold_a_converter(tree: ast.Module, source: str) -> bool:
    """Whether a converter can be born in the file: only a name imported from a converting
    library (``qualified``) or a ``.numpy`` member (``member``) is one, so a file that imports
    none and reads no ``.numpy`` converts nothing.  Its text passed the pre-filter by naming
    NumPy in a docstring or a comment (transformers: 44 of the 402 files that pass it), and this
    look at its import statements spares the walk over the whole file."""
    if _NUMPY_ATTRIBUTE.search(source):
        return True
    return any(isinstance(node, (ast.Import, ast.ImportFrom)) and any(
        _converting(_imported_name(node, alias)) for alias in node.names) for node in _every_statement(tree.body))


def _has_slice(target: ast.Subscript) -> bool:
    """``preds[a:b]``, ``grid[i, :]``: a store there copies into an array (by an index, a number)."""
    index = target.slice
    return any(isinstance(part, ast.Slice) for part in (index.elts if isinstance(index, ast.Tuple) else [index]))


def _converting(qualified: str) -> bool:
    """Whether an imported name is under a library that converts (numpy, matplotlib...): a converter."""
    return qualified.split(".", 1)[0] in CONVERTING_ROOTS


# --- helpers ------------------------------------------------------------------------------
# The table's look-ups walk namespaces; a file asks the same few names again and again.
_effect_of = functools.lru_cache(maxsize=4096)(torch_api.effect_of_qualified_name)
_member_effect = functools.lru_cache(maxsize=4096)(torch_api.member_effect)


@functools.lru_cache(maxsize=None)
def _grad_seed_namespaces() -> FrozenSet[str]:
    """The packages and modules under which the table has a name that seeds grad (torch, torch.nn)."""
    seeding = [name for table in (torch_api.QUALIFIED, torch_api.derived().qualified, torch_api.NAMESPACE_DEFAULTS)
               for name, effect in table.items() if effect in _GRAD_SEED_EFFECTS]
    return frozenset(".".join(parts[:end]) for parts in (name.split(".") for name in seeding)
                     for end in range(1, len(parts) + 1))


@functools.lru_cache(maxsize=4096)  # names and attributes repeat: ask once each
def _names_accelerator(text: str) -> bool:
    return _ACCELERATOR_NAME.search(text) is not None


def _called_implicitly(key: str) -> bool:
    """Dunders and ``forward`` run without being called by name."""
    return key.startswith("__") or key in torch_api.MODULE_CALL_METHODS


def _qualified(func: ast.expr, scope: _Scope) -> Optional[str]:
    """``np.linalg.norm`` as ``numpy.linalg.norm``: what a chain rooted at an import names."""
    root = func
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name):
        return None
    imported = scope.imported(root.id)
    if imported is None:  # most chains: self.x, model.fc (their dotted name would be made for nothing)
        return None
    return imported + (dotted(func) or "")[len(root.id):]


def _moves_to_host_by_argument(node: ast.Call, scope: _Scope) -> bool:
    """``t.to("cpu")``, ``t.to(device="cpu:0")``, ``t.to(torch.device("cpu"))``: a move the
    interpreter places on the host, whatever the tensor was on."""
    if not (isinstance(node.func, ast.Attribute) and node.func.attr == torch_api.MOVE_METHOD):
        return False
    given = [*node.args[:1], *(keyword.value for keyword in node.keywords if keyword.arg == torch_api.DEVICE_KEYWORD)]
    return any(_names_host(argument, scope) for argument in given)


def _names_host(node: ast.expr, scope: _Scope) -> bool:
    """A string that names the host (``"cpu"``), or a ``torch.device`` made of one."""
    if isinstance(node, ast.Call) and node.args and _effect_of(_qualified(node.func, scope) or "") is Effect.DEVICE:
        node = node.args[0]
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and \
        torch_api.names_accelerator(node.value) is False


def _scope_dictionary(node: ast.expr, scope: _Scope, readers: FrozenSet[str] = _SCOPE_DICTIONARIES) -> bool:
    """``globals()``, ``locals()`` (or ``vars()``, among ``readers``): the builtin, called."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in readers and \
        scope.is_builtin(node.func.id)


def _called_name(func: ast.expr) -> Optional[str]:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _switches_grad(expression: ast.expr, scope: _Scope) -> Optional[bool]:
    """True for what turns grad off (torch.no_grad(), inference_mode(), set_grad_enabled(False)),
    False for what turns it on (or may: set_grad_enabled(flag)); None for anything else."""
    switch = expression.func if isinstance(expression, ast.Call) else expression
    effect = _effect_of(_qualified(switch, scope) or "")
    if effect is Effect.GRAD_OFF:  # inference_mode(False) switches nothing off; inference_mode(flag) may not
        given = isinstance(expression, ast.Call) and bool(expression.args or expression.keywords)
        return not given or constant_flag(expression) is True
    if effect is Effect.GRAD_SET:
        return constant_flag(expression) is False
    return False if effect is Effect.GRAD_ON else None


def _sets_grad_mode(statement: ast.AST, scope: _Scope) -> bool:
    """``torch.set_grad_enabled(flag)`` as a statement: grad mode is what it says from there on."""
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) and \
        _effect_of(_qualified(statement.value.func, scope) or "") is Effect.GRAD_SET


def _binds_positions(node: ast.Call, qualified: Optional[str]) -> bool:
    """``functools.partial(fn, a, ...)``: later calls' positional arguments come after ``a``."""
    return qualified is not None and _effect_of(qualified) is Effect.PARTIAL and len(node.args) > 1


def _callback_name(node: ast.Call) -> Optional[str]:
    """The function of the file a library call that calls back is handed, when it is named
    (``key=f``, or the first argument); None when it is not (a lambda, a call)."""
    keys = [keyword.value for keyword in node.keywords if keyword.arg == torch_api.CALLBACK_KEYWORD]
    handed = keys[0] if keys else node.args[0] if node.args else None
    return _called_name(handed) if isinstance(handed, (ast.Name, ast.Attribute)) else None


def _super_caller(func: ast.expr, scope: _Scope) -> Optional[str]:
    """For ``super().name`` in a method, the scope id of the method's class."""
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name) and func.value.func.id == "super"):
        return None
    owner = scope.parent
    if scope.kind != "function" or owner is None or owner.kind != "class" or not scope.is_builtin("super"):
        return None
    return owner.id


def _changeable(receiver: ast.expr) -> bool:
    """Whether the interpreter follows a change to ``receiver``: a name or a chain of attributes
    of one (``self.history``), an item (``history[phase]``), ``history.setdefault(k, [])``;
    not what a call gives (``make(x).mH.requires_grad_()``)."""
    if isinstance(receiver, ast.Attribute):
        return dotted(receiver) is not None
    if isinstance(receiver, ast.Call):
        return isinstance(receiver.func, ast.Attribute) and receiver.func.attr in torch_api.ELEMENT_HOLDER_METHODS
    return isinstance(receiver, (ast.Name, ast.Subscript))


def _is_true(node: Optional[ast.expr]) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _is_static(node: ast.AST) -> bool:
    return _decorated_by(node, "staticmethod")


def _is_classmethod(node: ast.AST) -> bool:
    return _decorated_by(node, "classmethod")


def _decorated_by(node: ast.AST, builtin: str) -> bool:
    return any(isinstance(decorator, ast.Name) and decorator.id == builtin
               for decorator in getattr(node, "decorator_list", ()))


def _defaults(arguments: ast.arguments) -> Iterator[Tuple[str, ast.expr]]:
    """(parameter, default): the positional defaults belong to the last positional parameters."""
    positional = positional_parameters(arguments)
    for parameter, default in zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults):
        yield parameter.arg, default
    for parameter, keyword_default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        if keyword_default is not None:
            yield parameter.arg, keyword_default


def _new_scope(kind: str, parent: Optional[_Scope], body: List[ast.stmt], parameters: Set[str], function: str,
               number: int, name: str) -> _Scope:
    """Python's rule: a name bound anywhere in a scope's own statements is the scope's.  A ``:=``
    is left out: its reads and writes then agree on an enclosing scope's name, which merges two
    variables (less precise) and never splits one."""
    bound = set(parameters)
    declared_global: Set[str] = set()
    declared_nonlocal: Set[str] = set()
    imports: Dict[str, str] = {}
    bound_otherwise = set(parameters)
    rebound: Set[str] = set()  # names two statements bind (a parameter: its call)
    for node in _own_statements(body):
        if isinstance(node, ast.Global):
            declared_global.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            declared_nonlocal.update(node.names)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                imported = alias.asname or alias.name.split(".", 1)[0]
                if imported in bound:
                    rebound.add(imported)
                bound.add(imported)
                imports[imported] = _imported_name(node, alias)
        else:
            names = set(_bound_by(node))
            rebound |= bound & names
            bound |= names
            bound_otherwise |= names
    bound -= declared_global | declared_nonlocal
    for shadowed in bound_otherwise & set(imports):  # rebound: not only what it imports
        del imports[shadowed]
    if parent is None:
        declared_global = set()
    scope = _Scope(kind, parent, bound, declared_global, imports, function or (parent.function if parent else ""),
                   number, name)
    if scope.versions is not None:  # a name bound once has one value: versions would tell nothing
        scope.versions.rebound = rebound & bound
        if not scope.versions.rebound:
            scope.versions = None
    return scope


def _imported_name(node: ast.AST, alias: ast.alias) -> str:
    if isinstance(node, ast.Import):
        return alias.name if alias.asname else alias.name.split(".", 1)[0]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        return ""  # a relative import: the file's own package, which the table does not know
    return f"{node.module}.{alias.name}" if node.module else alias.name


def _bound_by(node: ast.AST) -> Iterator[str]:
    """The names a statement (or an except clause, or a match case) binds in its scope."""
    if isinstance(node, (*FUNCTIONS, ast.ClassDef)):
        yield node.name
    elif isinstance(node, ast.ExceptHandler) and node.name:
        yield node.name
    elif type(node).__name__ == "match_case":
        yield from _captured(node.pattern)  # type: ignore[attr-defined]
    for target in _targets(node):
        yield from _target_names(target)


def _targets(node: ast.AST) -> List[ast.expr]:
    """What a statement assigns (or deletes)."""
    if isinstance(node, (ast.Assign, ast.Delete)):
        return node.targets
    if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
        return [node.target]
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in node.items if item.optional_vars is not None]
    return []


def _members_assigned(tree: ast.Module) -> FrozenSet[str]:
    """The attribute names the file assigns (``x.name = ...``), and the names class bodies bind
    other than by ``def`` (``name = staticmethod(f)``)."""
    members: Set[str] = set()
    for statement in _every_statement(tree.body):
        if isinstance(statement, ast.ClassDef):
            members.update(name for own in statement.body if not isinstance(own, FUNCTIONS) for name in _bound_by(own))
        pending = list(_targets(statement))  # (a copy: the list may be the statement's own)
        while pending:
            target = pending.pop()
            if isinstance(target, ast.Attribute):
                members.add(target.attr)
            elif isinstance(target, (ast.Tuple, ast.List)):
                pending.extend(target.elts)
            elif isinstance(target, ast.Starred):
                pending.append(target.value)
    return frozenset(members)


def _assigned_by(node: ast.AST) -> Iterator[str]:
    """The names a statement binds, imports included."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            yield alias.asname or alias.name.split(".", 1)[0]
    else:
        yield from _bound_by(node)


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _captured(pattern: ast.AST) -> Iterator[str]:
    """The names a match pattern captures (``case Point(x=a, y=b)``, ``case [*rest]``)."""
    for node in ast.walk(pattern):
        captured = getattr(node, "rest" if type(node).__name__ == "MatchMapping" else "name", None)
        if type(node).__name__ in ("MatchAs", "MatchStar", "MatchMapping") and isinstance(captured, str):
            yield captured


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _every_statement(body: Sequence[ast.AST]) -> Iterator[ast.AST]:
    """Every statement of the file, those of the functions and classes in it included."""
    return _statements(body, nested_scopes=True)


def _own_statements(body: Sequence[ast.AST]) -> Iterator[ast.AST]:
    """A scope's statements, those of its blocks included, not those of the scopes nested in it."""
    return _statements(body, nested_scopes=False)


def _statements(body: Sequence[ast.AST], nested_scopes: bool) -> Iterator[ast.AST]:
    pending: List[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        yield node
        if nested_scopes or not isinstance(node, (*FUNCTIONS, ast.ClassDef)):
            for block in _BLOCKS:
                pending.extend(getattr(node, block, ()))
