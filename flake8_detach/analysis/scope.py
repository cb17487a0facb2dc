"""Scopes: what each name holds at a point of a function, and what functions and classes exist.

Environments map a name, or a dotted path such as ``self.model``, to a value.
Branches copy the environment and join it afterwards (pyflakes keeps one
scope per function; we keep one per path and merge at the join points).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from flake8_detach.analysis.sites import ConversionSite, GradMode, HelperConversion
from flake8_detach.analysis.values import UNKNOWN, Value, join

Env = Dict[str, Value]


def join_envs(first: Env, second: Env) -> Env:
    """Names bound on only one path keep that path's value (a may-analysis)."""
    joined = dict(first)
    for name, value in second.items():
        current = joined.get(name)
        joined[name] = value if current is None else join(current, value)
    return joined


@dataclass
class ClassInfo:
    key: str
    node: cst.ClassDef
    is_module: bool
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
    node: cst.FunctionDef
    defining_frame: "Frame"
    owner: Optional[ClassInfo]
    decorator_mode: Optional[GradMode]
    positional: Tuple[str, ...]
    defaults: Dict[str, Value]
    calls: List[CallRecord] = field(default_factory=list)
    escapes: bool = False  # referenced other than by a call: callers unknown

    @property
    def name(self) -> str:
        return self.node.name.value


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
    # Names with dotted keys ("x" for "x.attr"); shared by branches, only grows.
    dotted_roots: Set[str] = field(default_factory=set)

    def set(self, key: str, value: Value) -> None:
        self.env[key] = value
        if "." in key:
            self.dotted_roots.add(key.split(".", 1)[0])

    def rebind(self, key: str, value: Value) -> None:
        """Assign ``key``: what was known about ``key.attr`` goes stale."""
        if key.split(".", 1)[0] in self.dotted_roots:
            prefix = key + "."
            for stale in [known for known in self.env if known.startswith(prefix)]:
                del self.env[stale]
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
        return copy
