"""Which of the file's functions a call runs, who calls a function, what an attribute holds.

Resolved from the bindings ``flow`` computes: ``f(x)`` runs the ``def f`` its name is bound to,
``self.step(x)`` the method of the enclosing class (or of a base class of the file), ``model(x)``
the ``forward`` of the class ``model`` was made from, ``Net(x)`` its ``__init__``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Set, Tuple

from flake8_detach import torch_api
from flake8_detach.analysis.mentions import FUNCTIONS, dotted, parameters, positional_parameters
from flake8_detach.explain.flow import Binding, BindingKind, FlowIndex, Function
from flake8_detach.torch_api import Effect

# What calling an instance runs: nn.Module.__call__ runs forward.
_INSTANCE_CALL_METHODS = ("forward", "__call__")
_CONSTRUCTOR = "__init__"


@dataclass(frozen=True)
class Callee:
    function: Function
    bound_self: bool  # the call passes the instance as the first parameter (method, forward)


class Calls:
    """Call resolution over one ``FlowIndex``, with the callers of each function cached."""

    def __init__(self, index: FlowIndex) -> None:
        self.index = index
        self._callers: Optional[Dict[int, List[Tuple[ast.Call, Callee]]]] = None
        self._handed: Optional[Dict[int, List[ast.Call]]] = None
        self._making: Set[int] = set()  # the factory calls being resolved (see _functions_made_by)
        self._records: Optional[List[Tuple[ast.ClassDef, ast.Call]]] = None  # see _records_made
        self._classes: Optional[List[ast.ClassDef]] = None  # see _sole_class_storing

    # --- classes -----------------------------------------------------------
    def owner_class(self, function: ast.AST) -> Optional[ast.ClassDef]:
        parent = self.index.parent(function)
        return parent if isinstance(parent, ast.ClassDef) else None

    def self_class(self, node: ast.AST) -> Optional[ast.ClassDef]:
        """The class whose instance ``node`` (a name) is as a method's first parameter."""
        if not isinstance(node, ast.Name):
            return None
        for binding in self.index.definitions(node):
            function = binding.statement
            if binding.kind is BindingKind.PARAMETER and isinstance(function, FUNCTIONS) \
                    and parameters(function.args)[:1] and parameters(function.args)[0] is binding.target:
                return self.owner_class(function)
        return None

    def _class_of_name(self, node: ast.expr) -> Optional[ast.ClassDef]:
        if not isinstance(node, (ast.Name, ast.Attribute)):
            return None
        for binding in self.index.definitions(node):
            if isinstance(binding.statement, ast.ClassDef) and binding.kind is BindingKind.DEFINITION:
                return binding.statement
        return None

    def lineage(self, cls: ast.ClassDef) -> Iterator[ast.ClassDef]:
        """The class and its base classes defined in this file."""
        seen: Set[int] = set()
        pending = [cls]
        while pending:
            current = pending.pop(0)
            if id(current) in seen:
                continue
            seen.add(id(current))
            yield current
            pending.extend(base for base in map(self._class_of_name, current.bases) if base is not None)

    def method(self, cls: ast.ClassDef, name: str) -> Optional[Function]:
        for owner in self.lineage(cls):
            for statement in owner.body:
                if isinstance(statement, FUNCTIONS) and statement.name == name:
                    return statement
        return None

    def attribute_bindings(self, cls: ast.ClassDef, attribute: str) -> List[Binding]:
        """``self.<attribute> = ...`` (and entries into it) in every method of the class and
        its bases, and the class body's own ``<attribute> = ...``."""
        found: List[Binding] = []
        for owner in self.lineage(cls):
            body_scope = self.index.scope_of_node.get(id(owner))
            if body_scope is not None:
                found.extend(body_scope.bindings.get(attribute, []))
            for statement in owner.body:
                if not isinstance(statement, FUNCTIONS) or not parameters(statement.args):
                    continue
                scope = self.index.scope_of_node[id(statement)]
                found.extend(scope.bindings.get(f"{parameters(statement.args)[0].arg}.{attribute}", []))
        return found

    def record_arguments(self, cls: ast.ClassDef, field: str) -> List[ast.expr]:
        """What the calls constructing a record (a class whose constructor Python writes from its
        annotated fields: ``@dataclass``, ``NamedTuple``), ``cls`` or a subclass, pass to ``field``."""
        found: List[ast.expr] = []
        for made, call in self._records_made():
            if not any(owner is cls for owner in self.lineage(made)):
                continue
            fields = self.fields(made)
            if field not in fields:
                continue
            named = [keyword.value for keyword in call.keywords if keyword.arg == field]
            place = fields.index(field)
            plain = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
            found += named or plain[place:place + 1]
        return found

    def _records_made(self) -> List[Tuple[ast.ClassDef, ast.Call]]:
        """The calls of the file's classes that have no constructor of their own, found once."""
        if self._records is None:
            self._records = []
            for call in self.index.calls():
                made = self._class_of_name(call.func)
                if made is not None and self.method(made, _CONSTRUCTOR) is None:
                    self._records.append((made, call))
        return self._records

    def fields(self, cls: ast.ClassDef) -> List[str]:
        """A record's fields in its constructor's order: its bases' first."""
        found: List[str] = []
        for owner in reversed(list(self.lineage(cls))):
            for statement in owner.body:
                if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and \
                        statement.target.id not in found:
                    found.append(statement.target.id)
        return found

    def instance_classes(self, node: ast.expr, depth: int = 0) -> List[ast.ClassDef]:
        """The file's classes whose instance ``node`` may be: ``Net()`` itself or bound to it, or
        stored in an attribute of ``self``, or bound to another name of one (``block = net.attn``)."""
        if isinstance(node, ast.Call):  # Evaluator().scores(model, x)
            made = self._class_of_name(node.func)
            return [made] if made is not None else []
        if depth > _MAX_ALIASES:
            return []
        if isinstance(node, ast.Subscript):  # blocks[0]: an element of what made blocks
            return [cls for made in self._element_makers(node.value) for cls in self.instance_classes(made, depth + 1)]
        classes: List[ast.ClassDef] = []
        for binding in self._bindings_of_instance(node):
            value = binding.value
            if binding.kind is BindingKind.LOOP and value is not None:  # for layer in model.layers
                classes += [cls for made in self._element_makers(value)
                            for cls in self.instance_classes(made, depth + 1)]
            elif binding.kind is BindingKind.ASSIGN and not binding.element and \
                    isinstance(value, (ast.Call, ast.Name, ast.Attribute)):
                classes += self.instance_classes(value, depth + 1)
        return classes

    def _bindings_of_instance(self, node: ast.expr) -> List[Binding]:
        """What binds ``node``: its own bindings, else, for ``net.block``, the attribute as the
        methods of ``self``'s class, or of the classes ``net`` is an instance of, store it."""
        bindings = self.index.definitions(node) if isinstance(node, (ast.Name, ast.Attribute)) else []
        if bindings or not isinstance(node, ast.Attribute):
            return bindings
        owner = self.self_class(node.value)
        owners = [owner] if owner is not None else self.instance_classes(node.value)
        return [binding for cls in owners for binding in self.attribute_bindings(cls, node.attr)]

    def _element_makers(self, iterable: ast.expr) -> List[ast.expr]:
        """The expressions that made the elements of ``iterable`` (``Layer()`` in
        ``nn.ModuleList(Layer() for _ in range(2))`` stored as ``model.layers``)."""
        made: List[ast.expr] = []
        for binding in self._bindings_of_instance(_parts_iterated(iterable)):
            value = binding.value
            holders = value.args if isinstance(value, ast.Call) else [value] if value is not None else []
            for holder in holders:
                if isinstance(holder, (ast.List, ast.Tuple)):
                    made += holder.elts
                elif isinstance(holder, (ast.ListComp, ast.GeneratorExp)):
                    made.append(holder.elt)
                elif isinstance(holder, ast.Call):
                    made.append(holder)
        return made

    def value_bindings(self, node: ast.expr) -> List[Binding]:
        """The bindings of a name or dotted path, with ``self.x`` read in one method seeing
        what every method of the class stores in it."""
        if not isinstance(node, (ast.Name, ast.Attribute)):
            return []
        found = self.index.definitions(node)
        if found or not isinstance(node, ast.Attribute):
            return found
        base = node.value
        classes = [cls for cls in [self.self_class(base)] if cls is not None] or self.instance_classes(base) \
            or self._sole_class_storing(node.attr)
        return [binding for cls in classes for binding in self.attribute_bindings(cls, node.attr)]

    def _sole_class_storing(self, attribute: str) -> List[ast.ClassDef]:
        """The class of the file whose methods store ``attribute``, when only one does: what an
        object reached by no name the file binds (``m`` over ``model.named_modules()``) holds."""
        if self._classes is None:
            self._classes = [node for node in ast.walk(self.index.tree) if isinstance(node, ast.ClassDef)]
        storing = [cls for cls in self._classes if any(
            binding.kind is not BindingKind.DEFINITION for binding in self.attribute_bindings(cls, attribute))]
        return storing if len(storing) == 1 else []

    # --- calls -------------------------------------------------------------
    def callees(self, call: ast.Call) -> List[Callee]:
        func = call.func
        found: List[Callee] = []
        if isinstance(func, ast.Attribute):
            cls = self.self_class(func.value) if isinstance(func.value, ast.Name) else None
            for owner in ([cls] if cls is not None else []) + self.instance_classes(func.value):
                method = self.method(owner, func.attr)
                if method is not None:
                    found.append(Callee(method, bound_self=not _decorated_with(method, "staticmethod")))
            named = self._class_of_name(func.value)  # Utils.to_numpy(x): through the class itself
            method = self.method(named, func.attr) if named is not None else None
            if method is not None:
                found.append(Callee(method, bound_self=_decorated_with(method, "classmethod")))
        if found:
            return found
        for binding in self.value_bindings(func):
            statement = binding.statement
            if binding.kind is BindingKind.DEFINITION and isinstance(statement, FUNCTIONS):
                found.append(Callee(statement, bound_self=False))
            elif binding.kind is BindingKind.DEFINITION and isinstance(statement, ast.ClassDef):
                constructor = self.method(statement, _CONSTRUCTOR)
                if constructor is not None:
                    found.append(Callee(constructor, bound_self=True))
            elif binding.kind is BindingKind.ASSIGN and isinstance(binding.value, ast.Lambda):
                found.append(Callee(binding.value, bound_self=False))
            elif binding.kind is BindingKind.ASSIGN and isinstance(binding.value, ast.Call):
                made_by = self._functions_made_by(binding.value, _unpacked_position(binding))
                found.extend(Callee(made, bound_self=False) for made in made_by)
        for cls in self.instance_classes(func):
            methods = [self.method(cls, name) for name in _INSTANCE_CALL_METHODS]
            method = next((m for m in methods if m is not None), None)
            if method is not None:
                found.append(Callee(method, bound_self=True))
        return found

    def _functions_made_by(self, call: ast.Call, position: Optional[int] = None) -> List[Function]:
        """The file's functions a call of a factory returns (``log, summary = make_logger()``:
        the ``position``-th of the tuple it returns, where the target unpacks it)."""
        if id(call) in self._making:  # f = f(): a factory's result called as a factory
            return []
        self._making.add(id(call))
        try:
            returned = [value for callee in self.callees(call) for value in self.returns(callee.function)]
        finally:
            self._making.discard(id(call))
        named = [part for value in returned for part in _parts(value, position) if isinstance(part, ast.Name)]
        return [binding.statement for name in named for binding in self.index.definitions(name)
                if binding.kind is BindingKind.DEFINITION and isinstance(binding.statement, FUNCTIONS)]

    def callbacks(self, call: ast.Call) -> List[Function]:
        """The file's functions passed to ``call`` (``map(to_numpy, xs)``, ``key=score``,
        ``register_forward_hook(get_activation("fc"))``: what a factory returns)."""
        passed = [*call.args, *(keyword.value for keyword in call.keywords)]
        found: List[Function] = [argument for argument in passed if isinstance(argument, ast.Lambda)]
        for argument in passed:
            if isinstance(argument, ast.Call):
                found += self._functions_made_by(argument)
            for binding in self.value_bindings(argument):
                if binding.kind is BindingKind.DEFINITION and isinstance(binding.statement, FUNCTIONS):
                    found.append(binding.statement)
        return found

    def hook_outputs(self, call: ast.Call, function: Function, parameter: ast.arg) -> List[ast.Call]:
        """``model.fc.register_forward_hook(hook)``: the hook's ``output`` parameter is what each
        call of the model gives (a part's hooks run at the calls of the model it is part of)."""
        func = call.func
        if not isinstance(func, ast.Attribute) or torch_api.MEMBERS.get(func.attr) is not Effect.FORWARD_HOOK:
            return []
        positional = positional_parameters(function.args)
        if self.owner_class(function) is not None:  # a method: self, module, inputs, output
            positional = positional[1:]
        if len(positional) < _HOOK_OUTPUT + 1 or positional[_HOOK_OUTPUT] is not parameter:
            return []
        models = self._model_paths(func.value)
        return [made for made in self.index.calls() if any(_is_prefix(dotted(made.func), model) for model in models)]

    def _model_paths(self, receiver: ast.expr, depth: int = 0) -> List[str]:
        """The dotted names of the module a hook is registered on: ``model`` for ``model[2]``, the
        iterated model for a loop's ``layer`` (``for i, layer in enumerate(net.children())``),
        what the callers pass for a parameter (``watch(model.fc)``)."""
        while isinstance(receiver, ast.Subscript):
            receiver = receiver.value
        if depth > _MOST_HANDED_ON:
            return []
        if isinstance(receiver, (ast.List, ast.Tuple, ast.Set)):  # for layer in [net.a, net.b]: their model
            paths = [self._model_paths(element, depth + 1) for element in receiver.elts]
            common = _common_path([path for found in paths for path in found]) if all(paths) else None
            return [common] if common is not None else []
        if isinstance(receiver, ast.Name):
            for binding in self.index.definitions(receiver):
                loop = binding.statement
                if binding.kind is BindingKind.LOOP and isinstance(loop, (ast.For, ast.AsyncFor)):
                    return self._model_paths(_parts_iterated(loop.iter), depth + 1)
                if binding.kind is BindingKind.PARAMETER and isinstance(binding.target, ast.arg) and \
                        isinstance(binding.statement, (*FUNCTIONS, ast.Lambda)):
                    return [path for call, callee in self.callers(binding.statement)
                            for argument in self.arguments(call, callee, binding.target)
                            for path in self._model_paths(argument, depth + 1)]
        path = dotted(receiver)
        return [] if path is None or path == "self" else [path]

    def handed_to(self, function: Function) -> List[ast.Call]:
        """The calls that are handed ``function`` as an argument (a library then calls it)."""
        if self._handed is None:
            self._handed = {}
            for call in self.index.calls():
                for passed in self.callbacks(call):
                    self._handed.setdefault(id(passed), []).append(call)
        return self._handed.get(id(function), [])

    def callers(self, function: Function) -> List[Tuple[ast.Call, Callee]]:
        """The calls in this file that run ``function``."""
        if self._callers is None:
            self._callers = {}
            for call in self.index.calls():
                if self.index.qualified_name(call.func) is not None:
                    continue  # a library's function
                for callee in self.callees(call):
                    self._callers.setdefault(id(callee.function), []).append((call, callee))
        return self._callers.get(id(function), [])

    def elements_passed(self, call: ast.Call, function: Function) -> List[ast.expr]:
        """What a library that was handed ``function`` may call it with: the call's other
        arguments (their elements, for ``map(fn, xs)``)."""
        passed = [*call.args, *(keyword.value for keyword in call.keywords)]
        return [argument.value if isinstance(argument, ast.Starred) else argument for argument in passed
                if argument is not function
                and not any(binding.statement is function for binding in self.value_bindings(argument))]

    def arguments(self, call: ast.Call, callee: Callee, parameter: ast.arg) -> List[ast.expr]:
        """What ``call`` passes to ``parameter`` (its default if nothing; several for ``*args``)."""
        function = callee.function
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        if callee.bound_self:
            positional = positional[1:]
        starred = [arg.value for arg in call.args if isinstance(arg, ast.Starred)]
        plain = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
        if parameter is arguments.vararg:
            return plain[len(positional):] + starred
        if parameter is arguments.kwarg:
            named = {p.arg for p in [*positional, *arguments.kwonlyargs]}
            return [k.value for k in call.keywords if k.arg is None or k.arg not in named]
        for keyword in call.keywords:
            if keyword.arg == parameter.arg:
                return [keyword.value]
        if any(parameter is p for p in positional):
            place = next(i for i, p in enumerate(positional) if p is parameter)
            if place < len(plain):
                return [plain[place]]
            if starred:
                return starred
        return self._default(function, parameter)

    @staticmethod
    def _default(function: Function, parameter: ast.arg) -> List[ast.expr]:
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults = dict(zip((p.arg for p in positional[len(positional) - len(arguments.defaults):]),
                            arguments.defaults))
        defaults.update((p.arg, d) for p, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None)
        default = defaults.get(parameter.arg)
        return [default] if default is not None else []

    def returns(self, function: Function) -> List[ast.expr]:
        """What ``function`` returns (or yields): the values of its return statements."""
        if isinstance(function, ast.Lambda):
            return [function.body]
        found: List[ast.expr] = []
        pending: List[ast.AST] = list(function.body)
        while pending:
            node = pending.pop()
            if isinstance(node, (*FUNCTIONS, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None:
                found.append(node.value)
            pending.extend(ast.iter_child_nodes(node))
        return sorted(found, key=self.index.start)


_MAX_ALIASES = 4  # names bound to names of an instance, followed back this far


def _decorated_with(function: Function, name: str) -> bool:
    """``@staticmethod``, ``@classmethod``: Python's own decorators, by their builtin names."""
    return any(isinstance(d, ast.Name) and d.id == name for d in getattr(function, "decorator_list", ()))


def _unpacked_position(binding: Binding) -> Optional[int]:
    """Where the name a binding binds stands in the tuple its assignment unpacks (``a, b = f()``)."""
    statement = binding.statement
    if not (binding.element and isinstance(statement, ast.Assign)):
        return None
    for target in statement.targets:
        if isinstance(target, (ast.Tuple, ast.List)):
            for position, part in enumerate(target.elts):
                if part is binding.target:
                    return position
    return None


def _parts(value: ast.expr, position: Optional[int] = None) -> List[ast.expr]:
    """A returned expression and, for a tuple, list or dict display, its elements or values (the
    ``position``-th element alone, where it is known)."""
    if isinstance(value, (ast.Tuple, ast.List)):
        if position is not None and position < len(value.elts) and \
                not any(isinstance(element, ast.Starred) for element in value.elts):
            return [value.elts[position]]
        return list(value.elts)
    if isinstance(value, ast.Dict):
        return list(value.values)
    return [value]


_HOOK_OUTPUT = 2  # hook(module, inputs, output)
_MOST_HANDED_ON = 4  # parameters followed back to their callers' arguments, for a hooked model
_PASSING_ELEMENTS_ON = frozenset({Effect.ELEMENTS, Effect.ENUMERATE})  # list(xs), enumerate(xs)


def _parts_iterated(iterated: ast.expr) -> ast.expr:
    """The model whose parts a loop goes over: ``net`` in ``enumerate(net.named_modules())``."""
    while isinstance(iterated, ast.Call) and iterated.args and isinstance(iterated.func, ast.Name) and \
            torch_api.BUILTINS.get(iterated.func.id) in _PASSING_ELEMENTS_ON:
        iterated = iterated.args[0]
    if isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Attribute) and \
            iterated.func.attr in torch_api.MODULE_PART_ITERATORS:
        return iterated.func.value
    return iterated


def _common_path(paths: List[str]) -> Optional[str]:
    """``net`` for ``net.a`` and ``net.b``: the longest dotted name every path starts with."""
    common: List[str] = []
    for names in zip(*(path.split(".") for path in paths)):
        if len(set(names)) != 1:
            break
        common.append(names[0])
    return ".".join(common) if paths and common else None


def _is_prefix(path: Optional[str], of: str) -> bool:
    """``model`` names ``model.fc`` or itself: calling it runs the hooks of its parts."""
    return path is not None and path != "self" and (of == path or of.startswith(path + "."))
