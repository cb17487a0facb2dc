"""State that outlives a call: attributes of objects, variables of enclosing scopes written by functions.

A function that stores into ``self.seen``, appends to a module-level list or fills a dict it was
given changes state that other functions read.  Two mechanisms carry it:

* a function's summary lists its ``Write``s to state it does not own (attributes and items of
  its parameters, variables of enclosing scopes); each call replays them with its arguments
  substituted, into the caller's scope (``tracker.seen`` after ``tracker.update(loss)``), so
  that what follows the call sees them in order;
* the ``Heap`` keeps, for the whole file, what each class's instances may hold in each
  attribute and what functions may have stored into variables of the module or of an
  enclosing function (a closure's ``logs[name].append(v)``, called where ``logs`` is not
  seen).  Reads from other functions see it.  A function interpreted before a write it
  should have seen (a ``show()`` method defined before ``update()``) makes the heap *stale*:
  the file is interpreted again, with the heap kept, until nothing read changes any more
  (``analyze_module``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from flake8_detach.analysis.values import (NONE_LITERAL, OTHER, Value, join_over_time, kind_of_any, origin_of_any,
                                           stronger_origin)
from flake8_detach.analysis.records import replace

HeapKey = Tuple[str, str]  # (class key, attribute) or (scope, variable)
MODULE_SCOPE = ""  # the scope of a module variable; a function's variables have the function's key
_VARIABLE = "variable of "  # a scope's prefix in heap keys: no class key starts with it
_PLACING = "placing in "  # ... of the flags under which its code moved something to an accelerator
_DIFFERENTIATED = "differentiated in "  # ... of the variables whose tensors backward() runs on
_HOOKS = "hooks on the model made at "  # ... of the hooks registered on it, wherever (see ``hooks_on``)


@dataclass(frozen=True)
class Write:
    """A change a function makes to state it does not own."""

    root: str  # a parameter of the function, or a variable of an enclosing scope
    path: str  # what under it changes: ".seen", "['train']"; "" for the variable itself
    value: Value  # what is stored (or added), in terms of the function's parameters
    adds: bool  # True: the value enters a container (append, add); False: it is assigned
    key: Optional[str] = None  # what it enters under, when known: state["loss"] = x


@dataclass
class Heap:
    values: Dict[HeapKey, Value] = field(default_factory=dict)
    versions: Dict[HeapKey, int] = field(default_factory=dict)
    # What this round of interpretation read, and the version it read.
    reads: Dict[HeapKey, int] = field(default_factory=dict)
    # What the writes under each key had, whatever their order (see ``_Gathered``).
    gathered: Dict[HeapKey, "_Gathered"] = field(default_factory=dict)
    # The names written under each owner (a class's attributes), so that listing them does not
    # go over the whole heap (a model's parts are looked up at each of its calls: ``hooks_of``).
    names: Dict[str, Dict[str, None]] = field(default_factory=dict)

    def attribute(self, owner: str, name: str) -> Optional[Value]:
        return self._read((owner, name))

    def store_attribute(self, owner: str, name: str, value: Value) -> None:
        self._write((owner, name), value)

    def variable(self, scope: str, name: str) -> Optional[Value]:
        return self._read((_VARIABLE + scope, name))

    def store_variable(self, scope: str, name: str, value: Value) -> None:
        self._write((_VARIABLE + scope, name), value)

    def places_on_accelerator(self, scope: str, flag: str) -> bool:
        """Whether code of ``scope`` (a class for ``self.gpu_mode``) moved something to an
        accelerator where ``flag`` held (a read: a later move makes the round stale)."""
        return self._read((_PLACING + scope, flag)) is not None

    def note_placing(self, scope: str, flag: str) -> None:
        self._write((_PLACING + scope, flag), OTHER)

    def hooks_on(self, site: int, place: str) -> Optional[Value]:
        """The hooks registered on the model made at ``site`` (the node that made it), through
        whatever name or object held it; ``place`` says which kind (see ``HOOK_ATTRIBUTES``)."""
        return self._read((_HOOKS + str(site), place))

    def add_hooks_on(self, site: int, place: str, hooks: Value) -> None:
        self._write((_HOOKS + str(site), place), hooks)

    def differentiated(self, scope: str, name: str) -> Optional[Value]:
        """Whether code differentiates what the variable ``name`` of ``scope`` holds
        (``loss.backward()``): a tensor that requires grad, whose origin names that call."""
        return self._read((_DIFFERENTIATED + scope, name))

    def note_differentiated(self, scope: str, name: str, proof: Value) -> None:
        self._write((_DIFFERENTIATED + scope, name), proof)

    def attributes_of(self, owner: str) -> Dict[str, Value]:
        """Every attribute known for a class's instances (not a read: no staleness)."""
        return {name: self.values[(owner, name)] for name in self.names.get(owner, ())}

    def stale(self) -> bool:
        """Something this round read changed after it was read."""
        return any(self.versions.get(key, 0) > version for key, version in self.reads.items())

    def start_round(self) -> None:
        self.reads = {}

    def _read(self, key: HeapKey) -> Optional[Value]:
        self.reads.setdefault(key, self.versions.get(key, 0))
        return self.values.get(key)

    def _write(self, key: HeapKey, value: Value) -> None:
        if value.constant is NONE_LITERAL:
            # what an attribute or a variable is before something else is stored there: a test
            # against None decided by it would take a path only the first round sees
            value = replace(value, constant=None)
        current = self.values.get(key)
        joined = value if current is None else join_over_time(current, value)
        gathered = self.gathered.get(key)
        if gathered is None:
            gathered = self.gathered[key] = _Gathered(value)
        else:
            joined = gathered.settle(joined, value)
        if joined != current:
            if current is None:
                self.names.setdefault(key[0], {})[key[1]] = None
            self.values[key] = joined
            self.versions[key] = self.versions.get(key, 0) + 1


class _Gathered:
    """What the writes under one key had: their kinds, and the origin of the best proved of
    those with the most grad (the first of equals).  The value stored takes its kind and origin
    from them, not from joining the writes one by one, which depends on their order (a list,
    then a model, then a list: unknown, then a list again; a model stored on some paths only took
    a new origin at each write).  A round of interpretation writes again, in another order, what
    the one before wrote: it must change nothing, or the file is interpreted again until the last
    round."""

    __slots__ = ("kinds", "grad", "origin")

    def __init__(self, first: Value) -> None:
        self.kinds = {first.kind}
        self.grad, self.origin = first.grad, first.origin

    def settle(self, joined: Value, written: Value) -> Value:
        self.kinds.add(written.kind)
        if written.grad > self.grad:
            self.grad, self.origin = written.grad, written.origin
        elif written.grad == self.grad:
            self.origin = stronger_origin(self.origin, written.origin)
        kind, origin = kind_of_any(self.kinds), origin_of_any(self.origin, self.kinds)
        if joined.kind is kind and joined.origin is origin:
            return joined
        return replace(joined, kind=kind, origin=origin)
