"""Which top-level statements can matter to a finding, decided on the ``ast`` before libcst parses.

libcst costs about ten times ``ast.parse``, and most of a large model file (layer classes,
registries of configurations, dozens of ``@register_model`` constructors) cannot reach a
conversion.  The analysis only carries facts along names: a value reaches another statement
through a name it binds, a function's grad mode comes from its callers, a helper converts what
its callers pass it.  So a top-level ``def`` or ``class`` may be left out when

* it holds no conversion (no ``.numpy``, no name imported from a converting library),
* no kept statement names it (it is neither called nor read by what is analysed), and
* it names nothing that converts (it cannot be a caller that decides a grad mode or hands a
  tensor to a converting helper).

A definition that changes a module variable of the file (``global model; model = load()``,
``history.append(loss)``, ``cache[key] = t``) binds it as an assignment does: it is kept when
the variable is needed, and so are its callers, which pass what it stores.  Module-level
statements that can only change module variables (timm's thousand-line ``default_cfgs`` table
and the loop that edits it) are kept exactly when one of those variables is needed.  Every
other top-level statement (imports, ``if __name__ == "__main__":`` blocks, calls of the file's
functions) is always kept.  Left-out lines are blanked, not removed: positions in the parsed
text are positions in the file.  ``tests/test_relevance.py`` checks that findings never change.
"""

from __future__ import annotations

import ast
import io
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from flake8_detach import torch_api
from flake8_detach.analysis.mentions import FUNCTIONS, Mentions, scan
from flake8_detach.analysis.sites import SiteKind
from flake8_detach.prefilter import SiteMarkers, markers_of
from flake8_detach.torch_api import Effect

_DEFINITIONS = (*FUNCTIONS, ast.ClassDef)
_IMPORTS = (ast.Import, ast.ImportFrom)
# torch.no_grad, set_grad_enabled...: a statement naming one may change the grad mode.
_GRAD_MODE_NAMES = frozenset(
    name.rsplit(".", 1)[-1]
    for name, effect in torch_api.QUALIFIED.items()
    if effect in (Effect.GRAD_OFF, Effect.GRAD_ON, Effect.GRAD_SET)
)


@dataclass
class _Part:
    """A statement, or one member of a top-level class."""

    node: ast.AST
    mentions: Mentions
    # How callers reach it: a function's name; for the members of a class that run implicitly
    # (``__init__``, ``forward``, class-body statements), the class's name; for other
    # statements, the names they bind.
    reached_by: FrozenSet[str]
    converts: bool = False
    names: Set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.names = self.mentions.names


@dataclass(eq=False)
class _Unit:
    """One top-level statement."""

    node: ast.stmt
    binds: Set[str]
    parts: List[_Part]
    kept: bool = False
    names: Set[str] = field(init=False)  # what its parts mention

    def __post_init__(self) -> None:
        self.names = set().union(*(part.names for part in self.parts))


_CONVERSIONS = frozenset({SiteKind.CONVERSION})


def relevant_source(source: str, tree: ast.AST, sites: FrozenSet[SiteKind] = _CONVERSIONS,
                    site_lines: Optional[FrozenSet[int]] = None) -> Optional[str]:
    """``source`` with the top-level statements that cannot matter to a finding blanked out;
    None when nothing in it can hold a site of the kinds the enabled rules watch (``sites``),
    so that there is nothing to analyse.  ``site_lines``, when given, are the only lines
    where such a site can be reported (``analysis/reach.py``): a part holding none of them
    is not a site's."""
    if not isinstance(tree, ast.Module):
        return source
    units = [_unit(statement) for statement in tree.body]
    _leave_imports_to_statements(units)
    converting = _mark_sites(units, markers_of(sites), site_lines)
    if converting is None:
        return source
    if not converting:
        return None
    _release_inert_statements(units)
    _keep(units)
    dropped = [unit.node for unit in units if not unit.kept]
    if not dropped:
        return source
    return _blank(source, dropped, [unit.node for unit in units if unit.kept])


def _unit(statement: ast.stmt) -> _Unit:
    if isinstance(statement, ast.ClassDef):
        header = [*statement.bases, *statement.keywords, *statement.decorator_list]
        parts = [_Part(node, scan([node]), _reached_by(statement, node)) for node in [*header, *statement.body]]
        changed = set().union(*(part.mentions.changed for part in parts))
        return _Unit(statement, {statement.name} | changed, parts)
    mentions = scan([statement])
    if isinstance(statement, FUNCTIONS):
        part = _Part(statement, mentions, frozenset({statement.name}))
        return _Unit(statement, {statement.name} | mentions.changed, [part])
    return _Unit(statement, mentions.bound, [_Part(statement, mentions, frozenset(mentions.bound))], kept=True)


def _leave_imports_to_statements(units: List[_Unit]) -> None:
    """A definition that changes an imported module (``os.environ[key] = "1"``,
    ``nn.init.zeros_(w)``) does not bind it: every file names torch, and each such definition and
    its callers would be kept.  (Module-level statements that change one count, see
    ``_release_inert_statements``.)"""
    imported = {name for unit in units if isinstance(unit.node, _IMPORTS) for name in unit.binds}
    for unit in units:
        if isinstance(unit.node, _DEFINITIONS):
            unit.binds -= imported - {unit.node.name}


def _reached_by(owner: ast.ClassDef, member: ast.AST) -> FrozenSet[str]:
    """Methods called by name are reached by that name; the rest run when the class is used."""
    name = getattr(member, "name", "")
    if isinstance(member, FUNCTIONS) and not name.startswith("__") and name != torch_api.FORWARD_METHOD:
        return frozenset({name})
    return frozenset({owner.name})


def _mark_sites(units: List[_Unit], markers: SiteMarkers, site_lines: Optional[FrozenSet[int]]) -> Optional[bool]:
    """Mark the parts that may hold a site (for conversions: ``.numpy``, a name imported from a
    converting library; or, when the walk of ``analysis/reach.py`` says where the reported ones
    may be, a part holding one of ``site_lines``); whether any does.  None when the file
    star-imports from one of the markers' packages: any name might.
    """
    imports = [item for unit in units for part in unit.parts for item in part.mentions.imports]
    converting = [item for item in imports if item.module.split(".", 1)[0] in markers.roots]
    if any(item.name == "*" for item in converting):
        return None
    aliases = {item.bound for item in converting}
    for unit in units:
        for part in unit.parts:
            mentions = part.mentions
            if site_lines is not None:  # it may be f(t) with f = partial(np.round): no text shows it
                part.converts = _holds_a_line(part.node, site_lines)
            else:
                part.converts = not aliases.isdisjoint(mentions.every_name) or not markers.attributes.isdisjoint(
                    mentions.attributes)
    return any(part.converts for unit in units for part in unit.parts)


def _release_inert_statements(units: List[_Unit]) -> None:
    """Let module-level statements go like definitions when they can only change module variables.

    A statement is inert when it names no class, no grad-mode switch and no function that
    reads module state: whatever it does can only be seen through the module variables it
    names, so it counts as binding them all and is kept exactly when one of them is needed.
    A statement that is always kept names what it binds, which keeps every inert statement
    naming the same variables.
    """
    statements = [unit for unit in units if not isinstance(unit.node, (*_DEFINITIONS, *_IMPORTS))]
    variables = {name for unit in statements for name in unit.binds}
    # Imported modules hold state too: ``os.environ[key] = "1"`` changes what ``os`` gives.
    imported = {name for unit in units if isinstance(unit.node, _IMPORTS) for name in unit.binds}
    blocked = _GRAD_MODE_NAMES | _stateful_definitions(units, variables)
    state = variables | imported  # once: per statement it was quadratic in module-level names
    for unit in statements:
        if blocked.isdisjoint(unit.names):
            unit.kept = False
            unit.binds |= state.intersection(unit.names)


def _stateful_definitions(units: List[_Unit], variables: Set[str]) -> Set[str]:
    """Classes, and functions that name a module variable or another definition of the file."""
    definitions = {unit.node.name for unit in units if isinstance(unit.node, _DEFINITIONS)}
    module_names = variables | definitions
    stateful = set()
    for unit in units:
        if isinstance(unit.node, _DEFINITIONS):
            names = unit.names - {unit.node.name}
            if isinstance(unit.node, ast.ClassDef) or not names.isdisjoint(module_names):
                stateful.add(unit.node.name)
    return stateful | (definitions & variables)


def _binders(units: List[_Unit]) -> Dict[str, List[_Unit]]:
    binders: Dict[str, List[_Unit]] = {}
    for unit in units:
        for name in unit.binds:
            binders.setdefault(name, []).append(unit)
    return binders


def _keep(units: List[_Unit]) -> None:
    """Keep what converts and, transitively, what reaches it by name (its callers); what kept
    statements name (their callees, classes, variables); and the callers of a definition kept
    because it changes a module variable that is needed: what they pass is what it stores."""
    mentioning: Dict[str, List[Tuple[_Unit, _Part]]] = {}
    for unit in units:
        for part in unit.parts:
            for name in part.names:
                mentioning.setdefault(name, []).append((unit, part))
    binders = _binders(units)
    # A definition that changes module variables hands on through them what it is given:
    # ``register(name, to_numpy)`` stores the converter in ``HANDLERS``, read elsewhere.
    changes = {unit.node.name: unit.binds - {unit.node.name} for unit in units
               if isinstance(unit.node, FUNCTIONS) and len(unit.binds) > 1}
    reached = [(unit, part) for unit in units for part in unit.parts if part.converts]
    naming = [unit for unit in units if unit.kept]
    reaching: Set[str] = set()
    while reached or naming:
        while reached:
            unit, part = reached.pop()
            if not unit.kept:
                unit.kept = True
                naming.append(unit)
            handed_through = {variable for name in part.names & changes.keys() for variable in changes[name]}
            for name in (part.reached_by | handed_through) - reaching:
                reaching.add(name)
                reached += mentioning.pop(name, ())
        while naming:
            # Each name's binders are visited once: a module rebinding ``x`` a thousand times has
            # a thousand statements naming it, and rescanning its binders for each was quadratic.
            for name in naming.pop().names:
                for needed in binders.pop(name, ()):
                    if not needed.kept:
                        needed.kept = True
                        naming.append(needed)
                    reached += [(needed, part) for part in needed.parts if name in part.mentions.changed]


def _blank(source: str, dropped: List[ast.stmt], kept: List[ast.stmt]) -> str:
    # Python's line ends only: str.splitlines also splits at form feeds and other separators.
    lines = io.StringIO(source, newline="").readlines()
    kept_lines = {line for node in kept for line in _line_span(node)}
    for node in dropped:
        span = _line_span(node)
        if kept_lines.isdisjoint(span):
            for line in span:
                text = lines[line - 1]
                lines[line - 1] = text[len(text.rstrip("\r\n")):]
    return "".join(lines)


def _holds_a_line(node: ast.AST, lines: FrozenSet[int]) -> bool:
    first: int = getattr(node, "lineno", 0)
    last: int = getattr(node, "end_lineno", None) or first
    span = _line_span(node) if isinstance(node, ast.stmt) else range(first, last + 1)
    return any(line in span for line in lines)


def _line_span(node: ast.stmt) -> range:
    first = min([node.lineno, *(decorator.lineno for decorator in getattr(node, "decorator_list", ()))])
    return range(first, (node.end_lineno or node.lineno) + 1)
