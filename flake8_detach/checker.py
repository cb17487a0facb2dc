"""The one entry point every front end calls: source text in, findings out."""

from __future__ import annotations

import ast
import contextlib
import gc
import sys
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterator, List, Optional, Tuple

from flake8_detach.findings import Finding, LineNamer, Position, numbered_line
from flake8_detach.prefilter import enabled_triggers, watched_sites
from flake8_detach.settings import Settings

if TYPE_CHECKING:
    import libcst as cst

    from flake8_detach.analysis.sites import ConversionSite, SiteKind
    from flake8_detach.rules.base import RuleCheck


_BOM = "\ufeff"


def _after_mark(finding: Finding) -> Finding:
    def shifted(position: Position) -> Position:
        return Position(position.line, position.column + 1) if position.line == 1 else position

    fix = finding.fix
    if fix is not None:
        edits = tuple(replace(edit, start=shifted(edit.start), end=shifted(edit.end)) for edit in fix.edits)
        fix = replace(fix, edits=edits)
    end = None if finding.end is None else shifted(finding.end)
    trace = tuple(replace(step, position=shifted(step.position)) for step in finding.trace)
    return replace(finding, position=shifted(finding.position), fix=fix, end=end, trace=trace)


def _parsed_tree(source: str, tree: Optional[ast.AST]) -> ast.AST:
    if tree is not None:
        return tree
    try:
        with _collector_paused():  # as for libcst's parse: the ast of a large file is a million objects too
            return ast.parse(source)
    except SyntaxError as error:
        raise UnanalysableSource(f"syntax error: {error.msg} (line {error.lineno})") from None
    except (ValueError, RecursionError, MemoryError) as error:  # null bytes; parser stack exhausted
        raise UnanalysableSource(f"cannot parse: {error}") from None


def _checked_tree(source: str, tree: Optional[ast.AST]) -> ast.AST:
    """The file's ast; refuses, before libcst sees it, code nested too deeply for it (see analysis/depth.py)."""
    from flake8_detach.analysis.depth import too_deep

    tree = _parsed_tree(source, tree)
    if too_deep(tree):
        raise UnanalysableSource("nesting too deep to analyse")
    return tree


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """libcst builds a million small acyclic objects for a large file; the cyclic
    garbage collector's passes over them made parsing grow faster than linearly
    (measured: 210 against 150 ms per 1k lines at 100k lines)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_parser_once() -> None:
    """Import libcst and the analysis, then hide their objects from the cyclic collector.

    They live as long as the process, yet every full collection of the host (flake8 runs
    about forty on pytorch-image-models) walked their hundred thousand objects again:
    measured there, 0.2 to 0.7 s of collector time added to flake8's run.  Collecting
    first means no garbage of the host is frozen with them.
    """
    if "libcst" in sys.modules:
        return
    import libcst  # noqa: F401

    import flake8_detach.analysis.interpreter  # noqa: F401
    import flake8_detach.rules  # noqa: F401

    gc.collect()
    gc.freeze()


class UnanalysableSource(Exception):
    """The source cannot be analysed (syntax error, nesting too deep...)."""


@dataclass(frozen=True)
class AnalysedSource:
    """A text as the analysis saw it: its libcst module, its ``ast`` and its conversion sites."""

    code: str
    tree: ast.AST
    module: "cst.Module"
    sites: List["ConversionSite"]


def analyse_source(source: str, tree: Optional[ast.AST] = None, narrow: bool = True,
                   sites: Optional[FrozenSet["SiteKind"]] = None,
                   site_lines: Optional[FrozenSet[int]] = None) -> Optional[AnalysedSource]:
    """The conversion sites of ``source`` (no byte-order mark), safe ones included; None when
    nothing in it can hold a site of the kinds ``sites`` names (by default, what any rule
    watches).  ``site_lines``, when given, are the only lines where a site can matter: the
    narrowing keeps only what reaches them.  Raises ``UnanalysableSource``."""
    tree = _checked_tree(source, tree)
    from flake8_detach.analysis.relevance import relevant_source

    watched = watched_sites(enabled_triggers()) if sites is None else sites
    with _collector_paused():
        narrowed = relevant_source(source, tree, watched, site_lines) if narrow else source
    if narrowed is None:
        return None
    # libcst costs ~0.15 s to import: only files that may convert a tensor pay it.
    _load_parser_once()
    import libcst as cst

    from flake8_detach.analysis.interpreter import analyze_module
    from flake8_detach.analysis.parsing import parse_module

    try:
        with _collector_paused():
            module = parse_module(narrowed, tree) if isinstance(tree, ast.Module) else cst.parse_module(narrowed)
            found = analyze_module(module)
    except cst.ParserSyntaxError as error:
        raise UnanalysableSource(f"syntax error: {error.message} (line {error.raw_line})") from None
    except RecursionError:
        raise UnanalysableSource("nesting too deep to analyse") from None
    return AnalysedSource(source, tree, module, found)


def _checks_that_may_fire(source: str, settings: Settings, prefilter: bool) -> List["RuleCheck"]:
    """The rules the front end shows whose triggers the text shows (every shown rule without
    the pre-filter): a rule whose facts cannot hold here reports nothing, even when another
    rule makes the file worth analysing."""
    from flake8_detach.rules import CHECKS

    shown = [check for check in CHECKS if settings.reports(check.RULE.code)]
    if not prefilter:
        return shown
    fires = {triggers: triggers.may_fire(source) for triggers in {check.RULE.triggers for check in shown}}
    return [check for check in shown if fires[check.RULE.triggers]]


def _checks_whose_facts_flow(checks: List["RuleCheck"], tree: ast.AST,
                             source: str) -> Tuple[List["RuleCheck"], Optional[FrozenSet[int]]]:
    """Of ``checks``, those whose fact may reach a conversion of the file (``analysis/reach.py``:
    one walk over the ``ast``, where libcst's parse costs ten), and the lines of the only
    conversions they can report; all of them and None (any line) when one of them needs no
    fact (DET103 reports values nothing is known about)."""
    from flake8_detach.analysis.reach import facts_reaching_conversions

    if any(check.RULE.triggers.flows_from is None for check in checks):
        return checks, None  # DET103 shown: every conversion is analysed anyway, the walk saves nothing
    needed = frozenset(kind for kind in (check.RULE.triggers.flows_from for check in checks) if kind is not None)
    reach = facts_reaching_conversions(tree, needed, source)
    return [check for check in checks if check.RULE.triggers.flows_from in reach.kinds], reach.lines


def check_source(source: str, settings: Settings = Settings(), *, prefilter: bool = True,
                 tree: Optional[ast.AST] = None, narrow: bool = True,
                 name_line: LineNamer = numbered_line, trace: bool = False) -> List[Finding]:
    """Every finding in ``source`` of the rules ``settings`` reports (by default every
    rule), sorted by position.

    Filtering by code (select/ignore, default-off rules) and ``# noqa`` are the
    front end's business; a front end that knows a rule will not be shown says so in
    ``settings.rules``, which spares the positions and messages of its findings (or the
    whole analysis, when no rule is left).  Raises ``UnanalysableSource`` when the text cannot
    be analysed.  ``prefilter=False`` analyses even files the text test rules
    out, and ``narrow=False`` parses every top-level statement, even those that
    cannot matter (the tests use both to show that the shortcuts never change a
    finding).  ``tree`` is the file's ``ast`` when the caller has it (flake8 does).
    Each finding's ``trace`` names the grad source and the conversion; ``trace=True`` makes it
    the whole chain in between (``explain``'s def-use walk over the file: about 30% more time on
    a file dense with findings, so only the outputs that show it ask for it).
    """
    checks = _checks_that_may_fire(source, settings, prefilter)
    if not checks:
        return []
    # The collector stays off until the findings are built.  The file's trees live until then,
    # and every collection meanwhile walks them all: collections grew with the file (a file
    # dense with findings: 1.23x per line from 1k to 32k lines), and half the walk's time of
    # analysis/reach.py (a set or three per node) went to them.
    with _collector_paused():
        return _findings(source, settings, checks, prefilter, tree, narrow, name_line, trace)


def _findings(source: str, settings: Settings, checks: List["RuleCheck"], prefilter: bool,
              tree: Optional[ast.AST], narrow: bool, name_line: LineNamer, trace: bool) -> List[Finding]:
    if source.startswith(_BOM):
        # Decoders usually drop the mark; where it is still here, analyse the
        # code after it and count it back into the columns of line 1.
        rest = check_source(source[1:], settings, prefilter=prefilter, tree=tree, narrow=narrow,
                            name_line=name_line, trace=trace)
        return [_after_mark(finding) for finding in rest]
    tree = _parsed_tree(source, tree)
    lines = None
    if prefilter:
        checks, lines = _checks_whose_facts_flow(checks, tree, source)
        if not checks:
            return []
    analysed = analyse_source(source, tree, narrow, watched_sites(check.RULE.triggers for check in checks), lines)
    if analysed is None:
        return []
    from flake8_detach.explain.build import Explainer, fact_nodes, site_facts
    from flake8_detach.analysis.positions import Positions
    from flake8_detach.rules.common import Report

    reported = [(site, check) for site in analysed.sites for check in checks if check.applies(site)]
    if not reported:
        return []
    module = analysed.module
    try:
        positions = Positions(module, (node for site, _ in reported for node in fact_nodes(site)))
    except RecursionError:
        raise UnanalysableSource("nesting too deep to analyse") from None
    report = Report(module, positions, settings, name_line)
    explainer = Explainer(analysed.tree, source) if trace and isinstance(analysed.tree, ast.Module) else None
    findings: Dict[Tuple[Position, str, str], Finding] = {}
    for site, check in reported:
        finding = check.finding(site, report.for_site(site))
        if explainer is not None:
            finding = replace(finding, trace=explainer.trace(site_facts(site, positions)))
        # two conversions a message cannot tell apart (a helper's two callbacks that convert
        # the same argument) are one finding to the reader
        findings.setdefault((finding.position, finding.code, finding.message), finding)
    return sorted(findings.values(), key=lambda f: (f.position, f.code))
