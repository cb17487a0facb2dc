"""What a piece of code mentions, scope by scope, in one pass over its ``ast``.

The relevance test (``relevance.py``) asks which module-level names a statement reads or binds.
A function's own variables are not the module's: ``n`` in ``for n in keys`` inside a function
says nothing about a module-level ``n``.  So each nested scope (function, lambda, class body,
comprehension) is scanned on its own and contributes only its free names.  Errors go one way
only: a missed local keeps more code, never less.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Set, Tuple, Union

from flake8_detach import torch_api

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def dotted(node: ast.AST) -> Optional[str]:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def is_place(node: ast.expr) -> bool:
    """A container other code reaches too: ``history``, ``self.curves[key]``, ``logs.setdefault(k, [])``
    (a name bound to it is another name for it)."""
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        return is_place(node.value)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        node.func.attr in torch_api.ELEMENT_HOLDER_METHODS and is_place(node.func.value)


def positional_parameters(arguments: ast.arguments) -> List[ast.arg]:
    """A function's parameters that an argument can bind by position, in order."""
    return [*arguments.posonlyargs, *arguments.args]


def parameters(arguments: ast.arguments) -> List[ast.arg]:
    """A function's parameters in order: positional, ``*args``, keyword-only, ``**kwargs``."""
    every = [*positional_parameters(arguments), *arguments.kwonlyargs]
    every += [star for star in (arguments.vararg, arguments.kwarg) if star is not None]
    return every


@dataclass
class Import:
    module: str  # "numpy", "matplotlib.pyplot"; "" for a relative import
    name: str  # the imported name ("*" for a star import); "" for `import module`
    bound: str  # the name it binds


@dataclass
class Mentions:
    free: Set[str] = field(default_factory=set)  # names read or written, less the scope's own
    attributes: Set[str] = field(default_factory=set)  # `.name` anywhere
    bound: Set[str] = field(default_factory=set)  # names this scope binds
    every_name: Set[str] = field(default_factory=set)  # names anywhere, nested scopes included
    imports: List[Import] = field(default_factory=list)  # anywhere, nested scopes included
    declared_global: Set[str] = field(default_factory=set)
    # Names whose value or contents this scope's code may change: rebound, an attribute or item
    # stored (`cache[key] = t`), an element added (`history.append(t)`); of nested scopes, those of
    # an enclosing scope (`global model; model = load()`).  A function doing so at module level
    # changes the module's variable as an assignment there does.
    changed: Set[str] = field(default_factory=set)

    @property
    def names(self) -> Set[str]:
        return self.free | self.attributes

    def add_nested(self, inner: "Mentions", own: Set[str]) -> None:
        """Take in what a nested scope mentions, less what it binds itself (``own``)."""
        self.free |= inner.free - own
        self.attributes |= inner.attributes
        self.every_name |= inner.every_name
        self.imports += inner.imports
        self.changed |= (inner.changed - own) | (inner.bound & inner.declared_global)


_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]


def scan(nodes: Iterable[Optional[ast.AST]]) -> Mentions:
    """Mentions of ``nodes``, all in one scope."""
    found = Mentions()
    pending = [node for node in nodes if node is not None]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name):
            found.free.add(node.id)
            found.every_name.add(node.id)
            if not isinstance(node.ctx, ast.Load):
                found.bound.add(node.id)
            continue
        if isinstance(node, (*FUNCTIONS, ast.Lambda)):
            pending += _function_header(node)
            found.add_nested(*_function_scope(node))
            if not isinstance(node, ast.Lambda):
                found.bound.add(node.name)
        elif isinstance(node, ast.ClassDef):
            pending += [*node.bases, *node.keywords, *node.decorator_list]
            found.bound.add(node.name)
            # Class-body names are not visible in methods; treating them as free only keeps more.
            found.add_nested(scan(node.body), set())
        elif isinstance(node, COMPREHENSIONS):
            pending.append(node.generators[0].iter)  # read in the enclosing scope
            inner = scan([*_results(node), *_generator_parts(node)])
            found.add_nested(inner, inner.bound)
        else:
            _note_binding(node, found)
            _push_children(node, pending)
    return found


# Leaves that mention nothing: contexts, operators, constants (most of a config table).
_SILENT = (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop, ast.Constant)


def _push_children(node: ast.AST, pending: List[ast.AST]) -> None:
    """``ast.iter_child_nodes`` without its generators and without the silent leaves."""
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            pending.extend(item for item in value if isinstance(item, ast.AST) and not isinstance(item, _SILENT))
        elif isinstance(value, ast.AST) and not isinstance(value, _SILENT):
            pending.append(value)


def _note_binding(node: ast.AST, found: Mentions) -> None:
    if isinstance(node, ast.Attribute):
        found.attributes.add(node.attr)
        if not isinstance(node.ctx, ast.Load):
            _note_change(node.value, found)
    elif isinstance(node, ast.Subscript):
        if not isinstance(node.ctx, ast.Load):
            _note_change(node.value, found)
    elif isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and (
                node.func.attr in torch_api.RECEIVER_MUTATORS or torch_api.is_in_place(node.func.attr)):
            _note_change(node.func.value, found)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        imports = _imports(node)
        found.imports += imports
        found.bound.update(item.bound for item in imports)
    elif isinstance(node, ast.ExceptHandler) and node.name:
        found.bound.add(node.name)
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        found.declared_global.update(node.names)


def _note_change(changed: ast.expr, found: Mentions) -> None:
    """What ``changed`` (``history``, ``stats['train']``, ``self.cache``) is rooted at changes."""
    while isinstance(changed, (ast.Attribute, ast.Subscript)):
        changed = changed.value
    if isinstance(changed, ast.Name):
        found.changed.add(changed.id)


def _imports(node: Union[ast.Import, ast.ImportFrom]) -> List[Import]:
    if isinstance(node, ast.Import):
        return [Import(alias.name, "", alias.asname or alias.name.split(".", 1)[0]) for alias in node.names]
    module = "" if node.level else node.module or ""
    return [Import(module, alias.name, alias.asname or alias.name) for alias in node.names]


def _function_header(node: _Function) -> List[ast.AST]:
    """What a function reads in the enclosing scope: decorators, defaults, annotations."""
    if isinstance(node, ast.Lambda):
        return [*node.args.defaults, *(default for default in node.args.kw_defaults if default is not None)]
    return [*node.decorator_list, node.args, *([node.returns] if node.returns else [])]


def _function_scope(node: _Function) -> Tuple[Mentions, Set[str]]:
    arguments = node.args
    parameters = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
    body: List[ast.AST] = [node.body] if isinstance(node, ast.Lambda) else list(node.body)
    inner = scan(body)
    own = (inner.bound | {parameter.arg for parameter in parameters if parameter is not None}) - inner.declared_global
    return inner, own


def _results(node: ast.AST) -> List[ast.expr]:
    if isinstance(node, ast.DictComp):
        return [node.key, node.value]
    return [node.elt] if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) else []


def _generator_parts(node: Union[ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp]) -> List[ast.AST]:
    first, *rest = node.generators
    return [first.target, *first.ifs, *rest]


def constant_flag(call: ast.expr) -> Optional[bool]:
    """The constant flag of ``set_grad_enabled(False)``, ``inference_mode(mode=False)``; None: none or unknown."""
    if not isinstance(call, ast.Call):
        return None
    given = call.args[0] if call.args else (call.keywords[0].value if call.keywords else None)
    if given is None:
        return None
    return given.value if isinstance(given, ast.Constant) and isinstance(given.value, bool) else None
