"""Scopes: what each name holds at a point of a function, and what functions and classes exist.

Environments map a name, or a dotted path such as ``self.model``, to a value.
Branches copy the environment and join it afterwards (pyflakes keeps one
scope per function; we keep one per path and merge at the join points).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from flake8_detach.analysis.sites import ConversionSite, GradMode, HelperConversion
from flake8_detach.analysis.values import UNKNOWN, Value, join, join_paths

Env = Dict[str, Value]


def join_envs(first: Env, second: Env, test: Optional[cst.CSTNode] = None) -> Env:
    """Names bound on only one path keep that path's value (a may-analysis).

    ``test``: the two environments are the two sides of a branch on it (see ``join_paths``).
    """
    joined = dict(first)
    for name, value in second.items():
        current = joined.get(name)
        if current is None or current is value:
            joined[name] = value
        else:
            joined[name] = join(current, value) if test is None else join_paths(current, value, test)
    return joined


def join_all_envs(envs: Sequence[Env]) -> Env:
    """The environment where paths ending in each of ``envs`` meet (``envs`` not empty)."""
    joined = envs[0]
    for env in envs[1:]:
        joined = join_envs(joined, env)
    return joined


def _root(key: str) -> str:
    return key.split(".", 1)[0].split("[", 1)[0]


@dataclass
class ClassInfo:
    key: str
    node: cst.ClassDef
    is_module: bool
    is_autograd_function: bool = False
    attributes: Dict[str, Value] = field(default_factory=dict)
    # What __init__ stores, in terms of its parameters; a call substitutes its arguments.
    constructor_attributes: Dict[str, Value] = field(default_factory=dict)
    fields: Tuple[str, ...] = ()  # annotated class attributes: dataclass / NamedTuple fields
    methods: Dict[str, "FunctionInfo"] = field(default_factory=dict)
    initialised: bool = False

    def set_attribute(self, name: str, value: Value) -> None:
        # Parameters of the method that set it mean nothing elsewhere.
        if value.params:
            value = UNKNOWN
        current = self.attributes.get(name)
        self.attributes[name] = value if current is None else join(current, value)


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



@dataclass
class Result:
    """What analysing one function body in one grad mode found."""

    returns: Value
    sites: List[ConversionSite]
    helpers: List[HelperConversion]


@dataclass
class Context:
    """Collects the findings of one function body (or the module body)."""

    function: Optional[FunctionInfo]
    sites: Dict[Tuple[int, int], ConversionSite] = field(default_factory=dict)
    returns: List[Value] = field(default_factory=list)

    def record(self, site: ConversionSite) -> None:
        # A loop body is interpreted twice; the later pass has seen more paths.
        self.sites[id(site.anchor), id(site.converted)] = site


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
    # Names with compound keys ("x" for "x.attr", "x['k']"); shared by branches, only grows.
    dotted_roots: Set[str] = field(default_factory=set)
    global_names: Set[str] = field(default_factory=set)  # `global x` in this function
    grad_switched_off: bool = False  # a module-level torch.set_grad_enabled(False) ran
    # No statement after this point runs on this path (return, raise, break, continue).
    terminated: bool = False
    # The environments at each ``break``/``continue`` of the innermost loop's current pass:
    # they reach the loop's head and its exit although the rest of the body is skipped.
    jumps: Optional[List[Env]] = None

    def set(self, key: str, value: Value) -> None:
        root = _root(key)
        if root in self.global_names and self.outer is not None:
            self._module_frame().set(key, join(self._module_frame().lookup(key) or value, value))
            return
        self.env[key] = value
        if root != key:
            self.dotted_roots.add(root)

    def _module_frame(self) -> "Frame":
        frame = self
        while frame.outer is not None:
            frame = frame.outer
        return frame

    def rebind(self, key: str, value: Value) -> None:
        """Assign ``key``: what was known about ``key.attr`` or ``key['k']`` goes stale."""
        if _root(key) in self.dotted_roots:
            stale = [known for known in self.env if known.startswith((key + ".", key + "["))]
            for known in stale:
                del self.env[known]
        self.set(key, value)

    def lookup(self, name: str) -> Optional[Value]:
        frame: Optional[Frame] = self
        while frame is not None:
            value = frame.env.get(name)
            if value is not None:
                return value
            frame = frame.outer
        return None

    def branch(self) -> "Frame":
        """A copy whose bindings can diverge (the context is shared)."""
        copy = Frame(**{**self.__dict__})
        copy.env = dict(self.env)
        copy.parameter_loops = dict(self.parameter_loops)
        copy.global_names = set(self.global_names)
        return copy
