"""Scopes: what each name holds at a point of a function, and what functions and classes exist.

Environments map a name, or a dotted path such as ``self.model``, to a value.
Branches fork the environment and join it afterwards (pyflakes keeps one
scope per function; we keep one per path and merge at the join points).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from flake8_detach.analysis.sites import ConversionSite, GradMode, HelperConversion
from flake8_detach.analysis.state import Heap, Write
from flake8_detach.analysis.syntax import dotted_name
from flake8_detach.analysis.records import replace
from flake8_detach.analysis.values import (Grad, GradFlag, Kind, Position, Value, as_every_call_leaves, innermost,
                                           is_known_entry, join, join_over_time, join_paths, known_elements,
                                           with_innermost)


# A fork copies an environment's own bindings up to this many (or the square root of its layer's):
# beyond, they become a layer of its own.  (Most functions bind fewer: their environments fork
# as plain copies, and reading one costs one look-up.)
LAYER_AFTER = 64
_NO_BINDINGS: Mapping[str, Value] = {}


class _Fork:
    """A point where paths split: every environment forked here held the same bindings.

    ``changed`` names what changed from ``parent`` to here, so that two environments can find
    the fork they share and what each changed since, without comparing every binding."""

    __slots__ = ("parent", "changed", "depth", "root")

    def __init__(self, parent: Optional["_Fork"], changed: Iterable[str]) -> None:
        self.parent = parent
        self.changed = tuple(changed)
        self.depth: int = 0 if parent is None else parent.depth + 1
        self.root: _Fork = self if parent is None else parent.root


class Env:
    """What each name, or dotted path such as ``self.model``, holds at a point of a path.

    A branch forks the environment; the join where paths meet looks only at the names either
    path changed since their fork, so a long function's joins cost what its branches change,
    not the size of its scope.  A fork copies only what changed since the environment's last
    *layer*: the bindings, flat and shared by every environment forked from it, which none
    changes (a fork copied every binding: a function of 10,000 names paid 10,000 at each
    ``if`` and loop, and 100,000 lines of it cost 1.5 times more per line than 1,000).
    """

    __slots__ = ("_own", "_layer", "fork", "changed")

    def __init__(self, bindings: Optional[Mapping[str, Value]] = None, fork: Optional[_Fork] = None) -> None:
        # What this environment bound (None: deleted) since it forked from ``_layer``.
        self._own: Dict[str, Optional[Value]] = dict(bindings or {})
        self._layer: Mapping[str, Value] = _NO_BINDINGS
        self.fork = _Fork(None, ()) if fork is None else fork
        self.changed: Dict[str, None] = {}  # names changed since ``fork``, in order

    def get(self, name: str, default: Optional[Value] = None) -> Optional[Value]:
        value = self._own.get(name)
        if value is not None:
            return value
        if name in self._own:  # deleted on this path
            return default
        return self._layer.get(name, default)

    def __getitem__(self, name: str) -> Value:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: str) -> bool:
        own = self._own
        return own.get(name) is not None or name not in own and name in self._layer

    def __setitem__(self, name: str, value: Value) -> None:
        self._own[name] = value
        self.changed[name] = None

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self.pop(name)

    def pop(self, name: str, default: Optional[Value] = None) -> Optional[Value]:
        value = self.get(name)
        if name in self._layer:
            self._own[name] = None
        else:
            self._own.pop(name, None)
        self.changed[name] = None
        return default if value is None else value

    def update(self, bindings: Iterable[Tuple[str, Value]]) -> None:
        for name, value in bindings:
            self[name] = value

    def keys(self) -> Iterator[str]:
        own = self._own
        for name in self._layer:
            if name not in own:
                yield name
        for name, value in own.items():
            if value is not None:
                yield name

    __iter__ = keys

    def items(self) -> Iterator[Tuple[str, Value]]:
        for name in self.keys():
            yield name, self[name]

    def branch(self) -> "Env":
        """A copy for a path that may change its bindings apart from this one's."""
        if self.changed:  # this environment moved on since its fork: fork again from here
            self.fork, self.changed = _Fork(self.fork, self.changed), {}
        if len(self._own) > max(LAYER_AFTER, math.isqrt(len(self._layer))):
            self._flatten()
        copy = Env(fork=self.fork)
        copy._own, copy._layer = dict(self._own), self._layer
        return copy

    def _flatten(self) -> None:
        """A layer of its own for this environment: its bindings, flat.  The copy costs every
        binding, once per square root of them changed: a fork costs at most that root."""
        layer = dict(self._layer)
        for name, value in self._own.items():
            if value is None:
                layer.pop(name, None)
            else:
                layer[name] = value
        self._layer, self._own = layer, {}

    def absorb(self, other: "Env", test: Optional[cst.CSTNode] = None) -> "Env":
        """Become the join of this path and ``other``'s; names bound on only one path keep that
        path's value (a may-analysis).  ``test``: the two are the sides of a branch on it (see
        ``join_paths``)."""
        shared = _shared_fork(self.fork, other.fork)
        if shared is None:  # no fork in common: every name may differ
            names: Iterable[str] = list(other)
        else:
            changed = self._changed_since(shared)
            changed.update(other._changed_since(shared))
            self.fork, self.changed = shared, changed
            names = [name for name in changed if name in other]
        for name in names:
            current, value = self.get(name), other[name]
            if current is None or current is value:
                self[name] = value
            else:
                self[name] = join(current, value) if test is None else join_paths(current, value, test)
        return self

    def _changed_since(self, fork: _Fork) -> Dict[str, None]:
        """The names this environment changed since ``fork``, one of its forks' ancestors."""
        changed = dict(self.changed)
        step = self.fork
        while step is not fork:
            changed.update(dict.fromkeys(step.changed))
            step = _parent(step)
        return changed


def _shared_fork(first: _Fork, second: _Fork) -> Optional[_Fork]:
    """The latest fork both descend from, if any."""
    if first.root is not second.root:
        return None
    while first.depth > second.depth:
        first = _parent(first)
    while second.depth > first.depth:
        second = _parent(second)
    while first is not second:
        first, second = _parent(first), _parent(second)
    return first


def _parent(fork: _Fork) -> _Fork:
    assert fork.parent is not None, "a fork deeper than another of its tree has a parent"
    return fork.parent


def join_all_envs(envs: Sequence[Env]) -> Env:
    """The environment where paths ending in each of ``envs`` meet (``envs`` not empty); the
    first becomes it."""
    joined = envs[0]
    for env in envs[1:]:
        joined.absorb(env)
    return joined


def root_of(key: str) -> str:
    return key.split(".", 1)[0].split("[", 1)[0]


@dataclass
class ClassInfo:
    key: str
    node: cst.ClassDef
    is_module: bool
    heap: Heap = field(repr=False)
    bases: Tuple["ClassInfo", ...] = ()  # the file's classes it derives from, in order
    is_autograd_function: bool = False
    is_record: bool = False  # a NamedTuple class: its instances are tuples with names
    fields: Tuple[str, ...] = ()  # annotated class attributes: dataclass / NamedTuple fields
    methods: Dict[str, "FunctionInfo"] = field(default_factory=dict)
    # Methods replaced by what a decorator of the file returned (a wrapper that calls them).
    wrapped: Dict[str, Value] = field(default_factory=dict)
    initialised: bool = False

    def set_attribute(self, name: str, value: Value) -> None:
        """What an instance may hold in ``name`` (all instances, from any method).  A method's
        parameters mean nothing elsewhere: its calls replay what it stores from them (what
        requires grad whatever they hold is kept: a call from a function whose own parameters it
        was computed from, ``callback.on_step(logs)`` in ``Loop.run(batch)``, is replayed nowhere)."""
        known = as_every_call_leaves(value)
        if known is not None:  # the bases' methods read it from self too
            for info in self.lineage():
                self.heap.store_attribute(info.key, name, known)

    def attribute(self, name: str) -> Optional[Value]:
        for info in self.lineage():
            value = info.heap.attribute(info.key, name)
            if value is not None:
                return value
        return None

    def method(self, name: str) -> Optional["FunctionInfo"]:
        return next((info.methods[name] for info in self.lineage() if name in info.methods), None)

    def wrapper(self, name: str) -> Optional[Value]:
        return next((info.wrapped[name] for info in self.lineage() if name in info.wrapped), None)

    def lineage(self) -> Iterator["ClassInfo"]:
        """The class, then its bases of this file, depth first (Python's order for simple trees)."""
        yield self
        for base in self.bases:
            yield from base.lineage()


_PROPERTY_DECORATORS = frozenset({"property", "cached_property"})


@dataclass
class CallRecord:
    """A call of a function of this file, and the grad mode it runs in."""

    caller: Optional["FunctionInfo"]  # None: the module body
    mode: GradMode
    inherits_mode: bool  # the caller's own mode applies at the call


@dataclass
class FunctionInfo:
    key: str
    node: Union[cst.FunctionDef, cst.Lambda]  # `to_numpy = lambda t: t.numpy()` is a function too
    name: str
    defining_frame: "Frame"
    owner: Optional[ClassInfo]
    decorator_mode: Optional[GradMode]
    positional: Tuple[str, ...]
    defaults: Dict[str, Tuple["cst.BaseExpression", Value]]  # the default's expression and value
    calls: List[CallRecord] = field(default_factory=list)
    escapes: bool = False  # referenced other than by a call: callers unknown
    is_context_manager: bool = False  # decorated with contextlib.contextmanager
    decorated_by: Tuple[Value, ...] = ()  # decorators defined in the file, outermost first

    owned: Optional[FrozenSet[str]] = field(default=None, repr=False)

    @property
    def is_classmethod(self) -> bool:
        return self.owner is not None and "classmethod" in self.decorator_names

    @property
    def is_staticmethod(self) -> bool:
        return self.owner is not None and "staticmethod" in self.decorator_names

    @property
    def receiver(self) -> Optional[str]:
        """A method's parameter for its instance (``self``); None for functions, static and
        class methods."""
        if self.owner is None or not self.positional or self.is_staticmethod or self.is_classmethod:
            return None
        return self.positional[0]

    @property
    def is_property(self) -> bool:
        """Read as an attribute: ``@property``, ``@cached_property``."""
        return self.owner is not None and not self.decorator_names.isdisjoint(_PROPERTY_DECORATORS)

    @property
    def decorator_names(self) -> FrozenSet[str]:
        decorators = getattr(self.node, "decorators", ())
        return frozenset(d.decorator.value for d in decorators if isinstance(d.decorator, cst.Name))

    @property
    def parameters(self) -> FrozenSet[str]:
        params = self.node.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        stars = [star for star in (params.star_arg, params.star_kwarg) if isinstance(star, cst.Param)]
        return frozenset(param.name.value for param in every + stars)

    def owns(self, name: str) -> bool:
        """Whether ``name`` is local to the function (a parameter or a name its body binds)."""
        if self.owned is None:
            self.owned = local_names(self.node)
        return name in self.owned


@dataclass
class Result:
    """What analysing one function body in one grad mode found."""

    returns: Value
    sites: List[ConversionSite]
    helpers: List[HelperConversion]
    writes: List[Write] = field(default_factory=list)  # to state the function does not own
    # A @contextmanager generator: the grad mode it holds at its yield, if it switches one.
    yield_mode: Optional[GradMode] = None
    # The parameters it calls as modules, in the mode of each call: the hooks the caller's model
    # carries run at the call of this function (``run(model, x)`` after a hook was registered).
    module_calls: FrozenSet[Tuple[str, GradMode]] = frozenset()


@dataclass
class Context:
    """Collects the findings of one function body (or the module body)."""

    function: Optional[FunctionInfo]
    sites: Dict[SiteKey, ConversionSite] = field(default_factory=dict)
    returns: List[Value] = field(default_factory=list)
    writes: Dict[Tuple[str, str, bool, Optional[str]], Write] = field(default_factory=dict)
    # A generator's yields, and the grad modes at the yields that ran under another mode
    # than the function's own (``with torch.no_grad(): yield``).
    yields: List[Value] = field(default_factory=list)
    yield_modes: List[GradMode] = field(default_factory=list)
    # The places the body assigned that outlive the call (``self.mean = ...``): what they hold
    # counts where control leaves the body or runs more of the file's code, not at each
    # assignment (``self.mean = mean`` then ``self.mean = self.mean.detach()``: detached); with
    # the value last handed on.
    assigned: Dict[str, Optional[Value]] = field(default_factory=dict)
    # The run-time flags grad mode followed somewhere in the body (``set_grad_enabled(training)``):
    # a test of one of them tells the mode on each of its paths (``narrowing``).
    grad_flags: Set[GradFlag] = field(default_factory=set)
    module_calls: Set[Tuple[str, GradMode]] = field(default_factory=set)  # see ``Result``

    def write(self, write: Write) -> None:
        """Keep the joined value per place written (a loop body runs twice; a dict's entries
        written one by one are all kept)."""
        key = (write.root, write.path, write.adds, write.key)
        known = self.writes.get(key)
        self.writes[key] = write if known is None else replace(write, value=join_over_time(known.value, write.value))

    def record(self, site: ConversionSite) -> None:
        # A loop body is interpreted twice; the later pass has seen more paths.  A call may hand
        # one argument to several conversions of the helper: each is a site of its own.  Where
        # the helper reaches one conversion by several routes (it calls itself on the items of
        # a dict or a list), the most direct one names it; of equals, one that raises (the route
        # that takes the argument's entry that requires grad), else the first.
        key = site_key(site)
        known = self.sites.get(key)
        if known is None or _first_helper_step(known) is _first_helper_step(site) or \
                (len(site.helper_chain()), _site_rank(known)) < (len(known.helper_chain()), _site_rank(site)):
            self.sites[key] = site


def _first_helper_step(site: ConversionSite) -> Optional[cst.CSTNode]:
    return site.via.site.anchor if site.via is not None else None


# What ``from pylab import *`` binds in the module's environment: the namespace of the names the
# file does not bind itself (no identifier can be this key).
STAR_IMPORT_KEY = "*"

# A loop or comprehension over at most this many known entries runs once per entry:
# for phase in ["train", "val"], for key, value in metrics.items(), [cls() for cls in classes].
MAX_UNROLLED = 8


def entries_run_one_by_one(iterable: Value) -> Tuple[Value, ...]:
    """The entries a loop or comprehension over ``iterable`` runs a pass for, one each (constants,
    the file's classes or functions, a dict's keys or items, up to MAX_UNROLLED); none where it
    runs as a loop over any element."""
    known = known_elements(iterable)
    return known if 0 < len(known) <= MAX_UNROLLED and all(is_known_entry(entry) for entry in known) else ()


def keep_raising_sites(seen: Dict[SiteKey, ConversionSite], sites: Mapping[SiteKey, ConversionSite]) -> None:
    """After one pass per entry: each conversion keeps the pass where it raises, with what
    every pass converted there (a fix must suit each entry: a tensor in one, a float in
    another has none that is safe)."""
    for key, site in sites.items():
        earlier = seen.get(key)
        if earlier is None or earlier is site:
            seen[key] = site
        else:
            kept = max(site, earlier, key=_site_rank)
            joined = join(earlier.value, site.value)
            if innermost(earlier.value).kind is not innermost(site.value).kind:
                joined = with_innermost(joined, lambda held: replace(held, kind=Kind.UNKNOWN))
            seen[key] = replace(kept, value=joined)


def _site_rank(site: ConversionSite) -> Tuple[bool, Grad, bool]:
    """Which of two passes' sites to keep: one that raises, else the one with more grad."""
    mode_on = site.grad_mode is not GradMode.OFF
    return mode_on and site.grad is Grad.YES, site.grad, mode_on


# Where, what, which conversion of a helper, and which element of a parameter it converts.
SiteKey = Tuple[int, int, int, Optional[Tuple[Position, ...]]]


def site_key(site: ConversionSite) -> SiteKey:
    """What makes a conversion site one: where, what, and which conversion of a helper it
    reaches (through a helper's own calls, a recursive one included, it is still that one); in
    a function, which element of a parameter reaches it (``data["points"]`` at one of the
    helper's calls, any entry of ``data`` at another: the caller's argument decides which raises)."""
    reached = site.helper_chain()[-1]
    return (id(site.anchor), id(site.converted), id(reached.anchor) if reached is not site else 0,
            site.carried.parameter_path if site.carried.params else None)


@dataclass
class Frame:
    env: Env
    context: Context
    outer: Optional["Frame"]
    mode: GradMode
    inherits_mode: bool
    owner: Optional[ClassInfo] = None  # the class whose method this frame runs
    self_name: Optional[str] = None
    # for p in model.parameters(): p -> "model", to notice frozen models
    parameter_loops: Dict[str, str] = field(default_factory=dict)
    loop_depth: int = 0
    # The compound keys ever set, by root name ("x" -> {"x.attr", "x['k']"}): a key's stale
    # compounds are found without scanning the environment.  Shared by branches, only grows.
    compound_keys: Dict[str, Set[str]] = field(default_factory=dict)
    global_names: Set[str] = field(default_factory=set)  # `global x` in this function
    nonlocal_names: Set[str] = field(default_factory=set)  # `nonlocal x`: the enclosing function's
    grad_switched_off: bool = False  # a module-level torch.set_grad_enabled(False) ran
    # No statement after this point runs on this path (return, raise, break, continue).
    terminated: bool = False
    # The environments at each ``break``/``continue`` of the innermost loop's current pass:
    # they reach the loop's head and its exit although the rest of the body is skipped.
    jumps: Optional[List[Env]] = None
    # Grad modes to restore at ``cm.__exit__()`` after a manual ``cm.__enter__()``.
    entered: List[GradMode] = field(default_factory=list)
    # What the mode follows where it is MAYBE because of a run-time flag.
    grad_flag: Optional[GradFlag] = None
    # The flags (``use_cuda``, ``self.gpu_mode``) this path tested true, in this function.
    holding: Tuple[str, ...] = ()
    # Names bound to a container reached through another place (``values = self.curves[key]``):
    # the place, and what the name held then (rebound since, the name no longer is that container).
    aliases: Dict[str, Tuple[cst.BaseExpression, Value]] = field(default_factory=dict)
    # The expression each name was last assigned from on the path walked (a loop target, an
    # augmented assignment: none), which tells one assignment of a name from another.
    sources: Dict[str, cst.BaseExpression] = field(default_factory=dict)

    def set(self, key: str, value: Value) -> None:
        root = root_of(key)
        if root in self.global_names and self.outer is not None:
            self.module_frame().set(key, join(self.module_frame().lookup(key) or value, value))
            return
        self.env[key] = value
        if root != key:
            self.compound_keys.setdefault(root, set()).add(key)

    def module_frame(self) -> "Frame":
        frame = self
        while frame.outer is not None:
            frame = frame.outer
        return frame

    def rebind(self, key: str, value: Value) -> None:
        """Assign ``key``: what was known about ``key.attr`` or ``key['k']`` goes stale."""
        prefixes = (key + ".", key + "[")
        stale = [known for known in self.compound_keys.get(root_of(key), ()) if known.startswith(prefixes)]
        for known in stale:
            self.env.pop(known, None)
        self.set(key, value)

    def lookup(self, name: str) -> Optional[Value]:
        frame: Optional[Frame] = self
        while frame is not None:
            value = frame.env.get(name)
            if value is not None:
                return value
            frame = frame.outer
        return None

    def binding_frame(self, name: str) -> Optional["Frame"]:
        """The innermost frame, this one or an enclosing one, that binds ``name``."""
        frame: Optional[Frame] = self
        while frame is not None:
            if name in frame.env:
                return frame
            frame = frame.outer
        return None

    def branch(self) -> "Frame":
        """A copy whose bindings can diverge (the context is shared)."""
        copy = Frame(**{**self.__dict__})
        copy.env = self.env.branch()
        copy.parameter_loops = dict(self.parameter_loops)
        copy.global_names = set(self.global_names)
        copy.entered = list(self.entered)
        return copy


def target_names(target: cst.BaseExpression) -> Set[str]:
    """The names an assignment target binds (``name, (a, *rest)``)."""
    names: Set[str] = set()
    _bind_target(target, names)
    return names


def _bind_target(target: cst.BaseExpression, names: Set[str]) -> None:
    if isinstance(target, cst.Name):
        names.add(target.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _bind_target(element.value, names)
    elif isinstance(target, cst.StarredElement):
        _bind_target(target.value, names)


def _small_statement_names(statement: cst.BaseSmallStatement, names: Set[str], declared: Set[str]) -> None:
    if isinstance(statement, cst.Assign):
        for target in statement.targets:
            _bind_target(target.target, names)
    elif isinstance(statement, (cst.AnnAssign, cst.AugAssign)):
        _bind_target(statement.target, names)
    elif isinstance(statement, (cst.Import, cst.ImportFrom)) and not isinstance(statement.names, cst.ImportStar):
        for alias in statement.names:
            bound = alias.asname.name if alias.asname is not None else alias.name
            names.add((dotted_name(bound) or "").split(".", 1)[0])
    elif isinstance(statement, (cst.Global, cst.Nonlocal)):
        declared.update(item.name.value for item in statement.names)


def _statement_names(statements: Sequence[cst.CSTNode], names: Set[str], declared: Set[str]) -> None:
    """Walk statements only (binding is a statement's business, bar the rare walrus), and not
    into nested functions and classes, which have scopes of their own."""
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                _small_statement_names(small, names, declared)
        elif isinstance(statement, cst.BaseSmallStatement):  # a one-line body: `if c: x = 1`
            _small_statement_names(statement, names, declared)
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            names.add(statement.name.value)
        elif isinstance(statement, cst.BaseCompoundStatement):
            if isinstance(statement, cst.For):
                _bind_target(statement.target, names)
            elif isinstance(statement, cst.With):
                for item in statement.items:
                    if item.asname is not None:
                        _bind_target(item.asname.name, names)
            elif isinstance(statement, (cst.Try, cst.TryStar)):
                for handler in statement.handlers:
                    if handler.name is not None:
                        _bind_target(handler.name.name, names)
                    _statement_names(handler.body.body, names, declared)
                for extra in (statement.orelse, statement.finalbody):
                    if extra is not None:
                        _statement_names(extra.body.body, names, declared)
            _statement_names(_suites(statement), names, declared)


def _suites(statement: cst.BaseCompoundStatement) -> List[cst.CSTNode]:
    """The statements of a compound statement's body and else branches (and match cases)."""
    if isinstance(statement, cst.Match):
        return [inner for case in statement.cases for inner in case.body.body]
    body = list(statement.body.body)
    orelse = getattr(statement, "orelse", None)
    while orelse is not None:  # if / elif / else, for-else, while-else
        body += list(orelse.body.body)
        orelse = getattr(orelse, "orelse", None) if isinstance(orelse, cst.If) else None
    return body


def local_names(node: Union[cst.FunctionDef, cst.Lambda]) -> FrozenSet[str]:
    """What a function owns: its parameters and the names its body binds, less ``global``s."""
    names: Set[str] = set()
    declared: Set[str] = set()
    if isinstance(node, cst.FunctionDef):
        _statement_names(node.body.body, names, declared)
    params = node.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    stars = [star for star in (params.star_arg, params.star_kwarg) if isinstance(star, cst.Param)]
    names.update(param.name.value for param in every + stars)
    return frozenset(names - declared)
