"""The one entry point every front end calls: source text in, findings out."""

from __future__ import annotations

import ast
import contextlib
import gc
from dataclasses import replace
from typing import Iterator, List, Optional

from flake8_detach.findings import Finding, Position
from flake8_detach.prefilter import may_have_findings
from flake8_detach.settings import Settings


_BOM = "\ufeff"


def _after_mark(finding: Finding) -> Finding:
    def shifted(position: Position) -> Position:
        return Position(position.line, position.column + 1) if position.line == 1 else position

    fix = finding.fix
    if fix is not None:
        edits = tuple(replace(edit, start=shifted(edit.start), end=shifted(edit.end)) for edit in fix.edits)
        fix = replace(fix, edits=edits)
    return replace(finding, position=shifted(finding.position), fix=fix)


def _check_depth(source: str, tree: Optional[ast.AST]) -> None:
    """Refuse, before libcst sees it, code nested too deeply for it (see analysis/depth.py)."""
    from flake8_detach.analysis.depth import too_deep

    if tree is None:
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            raise UnanalysableSource(f"syntax error: {error.msg} (line {error.lineno})") from None
        except (ValueError, RecursionError, MemoryError) as error:  # null bytes; parser stack exhausted
            raise UnanalysableSource(f"cannot parse: {error}") from None
    if too_deep(tree):
        raise UnanalysableSource("nesting too deep to analyse")


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


class UnanalysableSource(Exception):
    """The source cannot be analysed (syntax error, nesting too deep...)."""


def check_source(source: str, settings: Settings = Settings(), *, prefilter: bool = True,
                 tree: Optional[ast.AST] = None) -> List[Finding]:
    """Every finding in ``source``, of every rule, sorted by position.

    Filtering by code (select/ignore, default-off rules) and ``# noqa`` are the
    front end's business.  Raises ``UnanalysableSource`` when the text cannot
    be analysed.  ``prefilter=False`` analyses even files the text test rules
    out (the tests use it to show that the test never hides a finding).
    ``tree`` is the file's ``ast`` when the caller has it (flake8 does).
    """
    if prefilter and not may_have_findings(source):
        return []
    if source.startswith(_BOM):
        # Decoders usually drop the mark; where it is still here, analyse the
        # code after it and count it back into the columns of line 1.
        return [_after_mark(finding) for finding in check_source(source[1:], settings, prefilter=False, tree=tree)]
    _check_depth(source, tree)
    # libcst costs ~0.2 s to import: only files that pass the pre-filter pay it.
    import libcst as cst

    from flake8_detach.analysis.interpreter import analyze_module
    from flake8_detach.analysis.positions import Positions
    from flake8_detach.rules import CHECKS
    from flake8_detach.rules.common import Report

    try:
        with _collector_paused():
            module = cst.parse_module(source)
            sites = analyze_module(module)
    except cst.ParserSyntaxError as error:
        raise UnanalysableSource(f"syntax error: {error.message} (line {error.raw_line})") from None
    except RecursionError:
        raise UnanalysableSource("nesting too deep to analyse") from None
    reported = [(site, check) for site in sites for check in CHECKS if check.applies(site)]
    if not reported:
        return []
    try:
        positions = Positions(module, (node for site, _ in reported for node in site.nodes()))
    except RecursionError:
        raise UnanalysableSource("nesting too deep to analyse") from None
    report = Report(module, positions, settings)
    findings = (check.finding(site, report) for site, check in reported)
    return sorted(findings, key=lambda f: (f.position, f.code))
