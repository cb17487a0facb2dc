"""Def-use facts of a module's ``ast``: which bindings a read may see, and who calls a function.

The checker already has the file's ``ast`` (flake8 hands it over, or ``checker`` parses it), and
walking it costs a fraction of a libcst metadata pass, so ``explain`` and the findings' traces
follow values here.  Each scope (module, function, lambda, class body, comprehension) is walked
once in statement order with the bindings that reach each point (a reaching-definitions pass:
an assignment replaces what a name held, an ``append`` or an item assignment adds to it, the
two sides of a branch join, a loop body runs until nothing new reaches).  Dotted paths
(``self.costs``) are tracked like names.  A read of a name the scope does not bind sees every
binding of the enclosing scope that does (a closure or a global: order between functions is
not known here).
"""

from __future__ import annotations

import ast
import enum
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple, Union

from flake8_detach.analysis.mentions import FUNCTIONS, dotted, is_place, parameters
from flake8_detach.findings import Position

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPES = (*FUNCTIONS, ast.Lambda, ast.ClassDef, *_COMPREHENSIONS)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_MAX_LOOP_PASSES = 3
# Container methods that put their argument into the receiver (Python's own, not PyTorch's).
ENTRY_METHODS = frozenset({"append", "appendleft", "add", "insert", "extend", "extendleft", "update", "put"})
# Container methods that return one of the receiver's elements: ``history.setdefault(k, []).append(v)``.
_ELEMENT_GETTERS = frozenset({"setdefault", "get"})
_LINE_END = re.compile(r"\r\n|\r|\n")

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]


class BindingKind(enum.Enum):
    ASSIGN = "assign"  # x = v, x: T = v, (x := v), with v as x
    AUGMENTED = "augmented"  # x += v: v and what x held
    LOOP = "loop"  # for x in v, and comprehension targets: an element of v
    ENTRY = "entry"  # xs.append(v), xs[k] = v: adds v to what xs holds
    UPDATE = "update"  # x.requires_grad_(), x.copy_(v), x.requires_grad = True: x changes in place
    PARAMETER = "parameter"  # a function's parameter: what its calls pass
    DEFINITION = "definition"  # def, class, import: no tensor flows in


@dataclass(eq=False)
class Binding:
    name: str  # a name or a dotted path ("self.costs")
    kind: BindingKind
    target: ast.AST  # the bound Name/Attribute/arg, or the container's expression for an entry
    statement: ast.AST  # the statement (or comprehension, or function) that binds
    value: Optional[ast.expr] = None  # what flows in
    element: bool = False  # the binding holds an element (or a part) of ``value``
    imported: Optional[str] = None  # DEFINITION by import: the qualified name bound
    scope: Optional["Scope"] = field(default=None, repr=False)
    # Made in another scope than the one that owns the name (``global x``, a closure or a
    # function appending to a module-level list): seen by every read, whatever the order.
    foreign: bool = False


@dataclass(eq=False)
class Scope:
    node: ast.AST
    parent: Optional["Scope"]
    bindings: Dict[str, List[Binding]] = field(default_factory=dict)
    local_names: Set[str] = field(default_factory=set)  # assigned, imported, defined or parameters
    declared_global: Set[str] = field(default_factory=set)
    declared_nonlocal: Set[str] = field(default_factory=set)

    def add(self, binding: Binding, made_in: "Scope") -> None:
        binding.scope = self
        binding.foreign = made_in is not self
        self.bindings.setdefault(binding.name, []).append(binding)

    def binds(self, name: str) -> bool:
        return name in self.bindings and name not in self.declared_global | self.declared_nonlocal

    @property
    def function(self) -> Optional[Function]:
        return self.node if isinstance(self.node, (*FUNCTIONS, ast.Lambda)) else None


State = Dict[str, FrozenSet[int]]  # name -> ids of the bindings that may reach


def container_path(node: ast.AST) -> Optional[str]:
    """The container an entry goes into: ``hist`` in ``hist[k]``, ``hist.setdefault(k, [])``."""
    while True:
        if isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in _ELEMENT_GETTERS:
            node = node.func.value
        else:
            return dotted(node)


def _join(first: Optional[State], second: Optional[State]) -> Optional[State]:
    """None is a state no path reaches (after return or raise)."""
    if first is None:
        return second
    if second is None:
        return first
    return {name: first.get(name, frozenset()) | second.get(name, frozenset()) for name in {*first, *second}}


class FlowIndex:
    """Scopes, bindings and the bindings that reach each read of a module's ``ast``."""

    def __init__(self, tree: ast.Module, source: str) -> None:
        self.tree = tree
        self._line_texts = _LINE_END.split(source)
        self._ascii = [text.isascii() for text in self._line_texts]  # byte columns are character columns
        self.parents: Dict[int, ast.AST] = {}
        self.scope_of_node: Dict[int, Scope] = {}  # scopes by id of their node
        self._by_id: Dict[int, Binding] = {}
        self._made: Dict[Tuple[int, int, str, BindingKind], Binding] = {}
        self.reaching: Dict[int, Set[int]] = {}  # id of a read (Name/Attribute) -> binding ids
        self._ranges: Dict[Tuple[Position, Position], ast.expr] = {}
        self._calls: List[ast.Call] = []
        self.module_scope = Scope(tree, None)
        self.scope_of_node[id(tree)] = self.module_scope
        self._index(tree, self.module_scope)
        for scope in list(self.scope_of_node.values()):
            self._run_scope(scope)

    # --- positions ------------------------------------------------------
    def _column(self, line: int, byte_column: int) -> int:
        if not 0 < line <= len(self._line_texts) or self._ascii[line - 1]:
            return byte_column
        return len(self._line_texts[line - 1].encode("utf-8")[:byte_column].decode("utf-8", "replace"))

    def start(self, node: ast.AST) -> Position:
        line = getattr(node, "lineno", 1)
        return Position(line, self._column(line, getattr(node, "col_offset", 0)))

    def end(self, node: ast.AST) -> Position:
        end_line: Optional[int] = getattr(node, "end_lineno", None)
        line = end_line if end_line is not None else int(getattr(node, "lineno", 1))
        return Position(line, self._column(line, getattr(node, "end_col_offset", None) or 0))

    def expression_at(self, start: Position, end: Position) -> Optional[ast.expr]:
        return self._ranges.get((start, end))

    def text(self, node: ast.AST) -> str:
        start, end = self.start(node), self.end(node)
        lines = self._line_texts[start.line - 1:end.line]
        if not lines:
            return ""
        if len(lines) == 1:
            return lines[0][start.column:end.column]
        return "\n".join([lines[0][start.column:], *lines[1:-1], lines[-1][:end.column]])

    # --- structure --------------------------------------------------------
    def parent(self, node: ast.AST) -> Optional[ast.AST]:
        return self.parents.get(id(node))

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def scope(self, node: ast.AST) -> Scope:
        """The scope a node is evaluated in (a default, a decorator or a comprehension's first
        iterable: the enclosing one)."""
        path = [node]
        for ancestor in self.ancestors(node):
            scope = self.scope_of_node.get(id(ancestor))
            if scope is not None and _inside_scope(ancestor, path):
                return scope
            path.append(ancestor)
        return self.module_scope

    def statement(self, node: ast.AST) -> ast.AST:
        """The statement that holds ``node`` (itself if it is one)."""
        current: Optional[ast.AST] = node
        while current is not None and not isinstance(current, ast.stmt):
            current = self.parent(current)
        return current if current is not None else node

    def calls(self) -> List[ast.Call]:
        return self._calls

    def _index(self, node: ast.AST, scope: Scope) -> None:
        """Parents, scopes, expression ranges and the bindings of each scope, in one pass."""
        pending: List[Tuple[ast.AST, Scope]] = [(node, scope)]
        while pending:
            current, owner = pending.pop()
            for child in ast.iter_child_nodes(current):
                self.parents[id(child)] = current
                inner = owner
                if isinstance(child, _SCOPES):
                    inner = Scope(child, owner)
                    self.scope_of_node[id(child)] = inner
                    self._bind_scope_name(child, owner)
                if isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load):
                    owner.local_names.add(child.id)
                elif isinstance(child, ast.alias):
                    owner.local_names.add(child.asname or child.name.split(".", 1)[0])
                elif isinstance(child, ast.arg):
                    owner.local_names.add(child.arg)
                if isinstance(child, ast.expr):
                    self._ranges.setdefault((self.start(child), self.end(child)), child)
                    if isinstance(child, ast.Call):
                        self._calls.append(child)
                pending.append((child, inner))
            if isinstance(current, (ast.Global, ast.Nonlocal)):
                names = owner.declared_global if isinstance(current, ast.Global) else owner.declared_nonlocal
                names.update(current.names)

    def _bind_scope_name(self, node: ast.AST, owner: Scope) -> None:
        if isinstance(node, (*FUNCTIONS, ast.ClassDef)):
            owner.local_names.add(node.name)
            self._new(owner, node.name, BindingKind.DEFINITION, node, node)
        if isinstance(node, (*FUNCTIONS, ast.Lambda)):
            inner = self.scope_of_node[id(node)]
            for arg in parameters(node.args):
                self._new(inner, arg.arg, BindingKind.PARAMETER, arg, node)

    def _new(self, scope: Scope, name: str, kind: BindingKind, target: ast.AST, statement: ast.AST,
             value: Optional[ast.expr] = None, element: bool = False, imported: Optional[str] = None,
             made_in: Optional[Scope] = None) -> Binding:
        """The binding of ``target`` by ``statement``, made once (a loop body is walked again),
        owned by ``scope`` (made in ``made_in``, by default the same)."""
        key = (id(target), id(statement), name, kind)
        known = self._made.get(key)
        if known is not None:
            return known
        binding = Binding(name, kind, target, statement, value, element, imported)
        self._made[key] = binding
        self._by_id[id(binding)] = binding
        scope.add(binding, made_in or scope)
        return binding

    def binding(self, key: int) -> Binding:
        return self._by_id[key]

    # --- the reaching-definitions pass ------------------------------------
    def _run_scope(self, scope: Scope) -> None:
        node = scope.node
        state: State = {}
        for binding in [b for bindings in scope.bindings.values() for b in bindings]:
            if binding.kind is BindingKind.PARAMETER:
                state[binding.name] = frozenset({id(binding)})
        if isinstance(node, ast.Lambda):
            self._reads(node.body, state, scope)
        elif isinstance(node, _COMPREHENSIONS):
            self._run_comprehension(node, state, scope)
        elif isinstance(node, (ast.Module, ast.ClassDef, *FUNCTIONS)):
            self._run_body(node.body, state, scope)

    def _run_comprehension(self, node: ast.AST, state: State, scope: Scope) -> None:
        generators: Sequence[ast.comprehension] = getattr(node, "generators", [])
        for number, generator in enumerate(generators):
            if number:  # the first iterable is evaluated in the enclosing scope
                self._reads(generator.iter, state, scope)
            state = self._bind_target(generator.target, generator.iter, generator, BindingKind.LOOP, state, scope,
                                      element=True)
            for condition in generator.ifs:
                self._reads(condition, state, scope)
        for part in ("elt", "key", "value"):
            expression = getattr(node, part, None)
            if expression is not None:
                self._reads(expression, state, scope)

    def _run_body(self, body: Sequence[ast.stmt], state: Optional[State], scope: Scope) -> Optional[State]:
        for statement in body:
            if state is None:
                return None
            state = self._run_statement(statement, state, scope)
        return state

    def _run_statement(self, node: ast.stmt, state: State, scope: Scope) -> Optional[State]:
        if isinstance(node, ast.If):
            self._reads(node.test, state, scope)
            return _join(self._run_body(node.body, dict(state), scope), self._run_body(node.orelse, dict(state), scope))
        if isinstance(node, _LOOPS):
            return self._run_loop(node, state, scope)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self._reads(item.context_expr, state, scope)
                if item.optional_vars is not None:
                    state = self._bind_target(item.optional_vars, item.context_expr, node, BindingKind.ASSIGN,
                                              state, scope)
            return self._run_body(node.body, state, scope)
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            return self._run_try(node, state, scope)
        if type(node).__name__ == "Match":  # Python 3.10+
            self._reads(getattr(node, "subject"), state, scope)
            after: Optional[State] = None
            for case in getattr(node, "cases"):
                after = _join(after, self._run_body(case.body, dict(state), scope))
            return _join(after, state)
        if isinstance(node, (ast.Return, ast.Raise)):
            for child in ast.iter_child_nodes(node):
                self._reads(child, state, scope)
            return None
        if isinstance(node, (*FUNCTIONS, ast.ClassDef)):
            for decorator in node.decorator_list:
                self._reads(decorator, state, scope)
            return self._bind_name(node.name, self._first_binding(scope, node), state)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return self._run_import(node, state, scope)
        return self._run_simple(node, state, scope)

    def _run_loop(self, node: Union[ast.For, ast.AsyncFor, ast.While], state: State, scope: Scope) -> Optional[State]:
        entry: State = state
        after: Optional[State] = state
        for _ in range(_MAX_LOOP_PASSES):
            current = dict(entry)
            if isinstance(node, ast.While):
                self._reads(node.test, current, scope)
            else:
                self._reads(node.iter, current, scope)
                current = self._bind_target(node.target, node.iter, node, BindingKind.LOOP, current, scope,
                                            element=True)
            end = self._run_body(node.body, current, scope)
            joined = _join(entry, end)
            assert joined is not None
            after = joined
            if joined == entry:
                break
            entry = joined
        return _join(self._run_body(node.orelse, dict(after), scope), after) if after is not None else None

    def _run_try(self, node: ast.AST, state: State, scope: Scope) -> Optional[State]:
        body = self._run_body(getattr(node, "body"), dict(state), scope)
        anywhere = _join(state, body)
        assert anywhere is not None
        after = self._run_body(getattr(node, "orelse"), body, scope) if body is not None else None
        for handler in getattr(node, "handlers"):
            after = _join(after, self._run_body(handler.body, dict(anywhere), scope))
        final: Sequence[ast.stmt] = getattr(node, "finalbody")
        if final:
            return self._run_body(final, after if after is not None else dict(anywhere), scope)
        return after

    def _run_import(self, node: Union[ast.Import, ast.ImportFrom], state: State, scope: Scope) -> State:
        for alias in node.names:
            if isinstance(node, ast.Import):
                bound = alias.asname or alias.name.split(".", 1)[0]
                imported = alias.name if alias.asname else bound
            else:
                if alias.name == "*" or node.level:
                    continue
                bound = alias.asname or alias.name
                imported = f"{node.module}.{alias.name}" if node.module else alias.name
            binding = self._new(scope, bound, BindingKind.DEFINITION, alias, node, imported=imported)
            state = self._bind_name(bound, binding, state)
        return state

    def _run_simple(self, node: ast.stmt, state: State, scope: Scope) -> State:
        if isinstance(node, ast.Assign):
            self._reads(node.value, state, scope)
            for target in node.targets:
                state = self._bind_target(target, node.value, node, BindingKind.ASSIGN, state, scope)
            return state
        if isinstance(node, ast.AnnAssign):
            if node.value is None:
                return state
            self._reads(node.value, state, scope)
            return self._bind_target(node.target, node.value, node, BindingKind.ASSIGN, state, scope)
        if isinstance(node, ast.AugAssign):
            self._reads(node.value, state, scope)
            self._reads(node.target, state, scope, load_target=True)
            return self._bind_target(node.target, node.value, node, BindingKind.AUGMENTED, state, scope)
        self._reads(node, state, scope)
        if isinstance(node, ast.Expr):
            return self._run_entry(node.value, node, state, scope)
        return state

    def _run_entry(self, call: ast.expr, statement: ast.stmt, state: State, scope: Scope) -> State:
        """``xs.append(v)``, ``hist[k].append(v)``, ``d.setdefault(k, []).append(v)``: v enters xs;
        ``x.copy_(v)``, ``x.requires_grad_()``: x changes in place (PyTorch's trailing underscore)."""
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            return state
        method = call.func.attr
        if method in ENTRY_METHODS and call.args:
            path = container_path(call.func.value)
            kind, value, element = BindingKind.ENTRY, call.args[-1], method in ("extend", "extendleft", "update")
        elif method.endswith("_") and not method.startswith("_"):
            path, kind, value, element = dotted(call.func.value), BindingKind.UPDATE, call, False
        else:
            return state
        if path is None:
            return state
        for entered in (path, *self._aliased(path, state)) if kind is BindingKind.ENTRY else (path,):
            binding = self._new(self._owner(entered, scope), entered, kind, call.func.value, statement, value,
                                element, made_in=scope)
            state = self._add_to(entered, binding, state)
        return state

    def _aliased(self, path: str, state: State) -> List[str]:
        """The containers ``path`` may be another name for (``values = self.curves[key]``,
        ``steps, values = self.curves[key]``): what enters it enters them."""
        places = []
        for key in state.get(path, ()):
            binding = self._by_id[key]
            if binding.kind is BindingKind.ASSIGN and binding.value is not None and is_place(binding.value):
                place = container_path(binding.value)
                if place is not None and place != path:
                    places.append(place)
        return places

    def _owner(self, path: str, scope: Scope) -> Scope:
        """The scope whose name ``path`` starts with: this one, an enclosing function's, the module's."""
        root = path.split(".", 1)[0]
        if root in scope.declared_global:
            return self.module_scope
        owner: Optional[Scope] = scope
        while owner is not None:
            if not isinstance(owner.node, (ast.ClassDef, *_COMPREHENSIONS)) or owner is scope:
                if root in owner.local_names and root not in owner.declared_global | owner.declared_nonlocal:
                    return owner
            owner = owner.parent
        return self.module_scope

    def _bind_target(self, target: ast.AST, value: ast.expr, statement: ast.AST, kind: BindingKind,
                     state: State, scope: Scope, element: bool = False) -> State:
        if isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            parts = target.elts
            for index, part in enumerate(parts):
                if isinstance(part, ast.Starred):
                    part = part.value
                if values is not None and len(values) == len(parts) and not any(
                        isinstance(v, ast.Starred) for v in values):
                    state = self._bind_target(part, values[index], statement, kind, state, scope, element)
                else:
                    state = self._bind_target(part, value, statement, kind, state, scope, element=True)
            return state
        if isinstance(target, ast.Starred):
            return self._bind_target(target.value, value, statement, kind, state, scope, element=True)
        if isinstance(target, ast.Subscript):
            path = container_path(target)
            if path is None:
                return state
            self._reads(target, state, scope, load_target=True)
            binding = self._new(self._owner(path, scope), path, BindingKind.ENTRY, target.value, statement, value,
                                element, made_in=scope)
            return self._add_to(path, binding, state)
        path = dotted(target)
        if path is None:
            return state
        if isinstance(target, ast.Attribute):
            self._reads(target.value, state, scope)
            # the object changes: x.requires_grad = True, model.fc = nn.Linear(...)
            base = path.rsplit(".", 1)[0]
            update = self._new(self._owner(base, scope), base, BindingKind.UPDATE, target.value, statement, target,
                               made_in=scope)
            state = self._add_to(base, update, state)
        binding = self._new(self._binding_scope(path, scope), path, kind, target, statement, value, element,
                            made_in=scope)
        if kind is BindingKind.AUGMENTED:
            return self._add_to(path, binding, state)
        return self._bind_name(path, binding, state)

    def _binding_scope(self, path: str, scope: Scope) -> Scope:
        """``global x`` binds in the module, ``nonlocal x`` in the enclosing function, a walrus in
        a comprehension outside it; ``obj.x = v`` where ``obj`` is not local, where ``obj`` is."""
        root = path.split(".", 1)[0]
        if root in scope.declared_global | scope.declared_nonlocal or "." in path:
            return self._owner(path, scope)
        while isinstance(scope.node, _COMPREHENSIONS) and scope.parent is not None \
                and path not in scope.bindings:
            scope = scope.parent
        return scope

    @staticmethod
    def _bind_name(path: str, binding: Optional[Binding], state: State) -> State:
        """A strong binding: what ``path`` and the paths under it held is replaced."""
        prefix = path + "."
        state = {name: ids for name, ids in state.items() if not name.startswith(prefix)}
        state[path] = frozenset({id(binding)}) if binding is not None else frozenset()
        return state

    @staticmethod
    def _add_to(path: str, binding: Binding, state: State) -> State:
        state = dict(state)
        state[path] = state.get(path, frozenset()) | {id(binding)}
        return state

    @staticmethod
    def _first_binding(scope: Scope, node: ast.AST) -> Optional[Binding]:
        name = getattr(node, "name", "")
        return next((b for b in scope.bindings.get(name, []) if b.statement is node), None)

    def _reads(self, node: ast.AST, state: State, scope: Scope, load_target: bool = False) -> None:
        """Record what reaches each name and dotted path read in ``node`` (not in nested scopes,
        which are walked on their own; a walrus binds as it is met)."""
        pending = [node]
        while pending:
            current = pending.pop()
            if current is not node and isinstance(current, _SCOPES):
                if isinstance(current, _COMPREHENSIONS):  # its first iterable is read here
                    pending.append(current.generators[0].iter)
                continue
            if isinstance(current, ast.NamedExpr):
                self._reads(current.value, state, scope)
                state.update(self._bind_target(current.target, current.value, current, BindingKind.ASSIGN,
                                               state, scope))
                continue
            loaded = load_target or isinstance(getattr(current, "ctx", ast.Load()), ast.Load)
            if isinstance(current, (ast.Name, ast.Attribute)) and loaded:
                path = dotted(current)
                if path is not None and path in state:
                    self.reaching.setdefault(id(current), set()).update(state[path])
            pending.extend(ast.iter_child_nodes(current))

    # --- queries ------------------------------------------------------------
    def definitions(self, node: Union[ast.Name, ast.Attribute]) -> List[Binding]:
        """The bindings a read may see: those that reach it in its scope, else every binding
        of the enclosing scope that binds the name."""
        path = dotted(node)
        if path is None:
            return []
        scope = self.scope(node)
        root = path.split(".", 1)[0]
        reached = self.reaching.get(id(node))
        if reached:
            found = [self._by_id[key] for key in sorted(reached)]
            return found + [b for b in scope.bindings.get(path, []) if b.foreign and id(b) not in reached]
        if scope.binds(root):
            return list(scope.bindings.get(path, []))
        outer: Optional[Scope] = self.module_scope if root in scope.declared_global else scope.parent
        while outer is not None:
            if not isinstance(outer.node, ast.ClassDef) and outer.binds(root):
                return list(outer.bindings.get(path, []))
            outer = outer.parent
        return []

    def qualified_name(self, node: ast.AST) -> Optional[str]:
        """``torch.nn.functional.relu`` for ``F.relu`` after ``import torch.nn.functional as F``."""
        path = dotted(node)
        if path is None:
            return None
        root, _, rest = path.partition(".")
        scope: Optional[Scope] = self.scope(node)
        imported = None
        while scope is not None and imported is None:
            imported = next((b.imported for b in scope.bindings.get(root, []) if b.imported), None)
            scope = scope.parent
        if imported is None:
            return None
        return f"{imported}.{rest}" if rest else imported


def _inside_scope(scope_node: ast.AST, path: List[ast.AST]) -> bool:
    """Whether the node at the start of ``path`` (which leads up to ``scope_node``) is
    evaluated inside the scope."""
    child = path[-1]
    if isinstance(scope_node, (*FUNCTIONS, ast.ClassDef)):
        outside = [*scope_node.decorator_list, *getattr(scope_node, "bases", ()), getattr(scope_node, "returns", None)]
        return not isinstance(child, ast.arguments) and not any(child is part for part in outside)
    if isinstance(scope_node, ast.Lambda):
        return child is scope_node.body
    generators: Sequence[ast.comprehension] = getattr(scope_node, "generators", ())
    first_iterable = len(path) >= 2 and generators and child is generators[0] and path[-2] is generators[0].iter
    return not first_iterable
