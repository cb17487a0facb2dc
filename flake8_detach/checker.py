"""The one entry point every front end calls: source text in, findings out."""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator, List

from flake8_detach.findings import Finding
from flake8_detach.prefilter import may_have_findings
from flake8_detach.settings import Settings


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


def check_source(source: str, settings: Settings = Settings(), *, prefilter: bool = True) -> List[Finding]:
    """Every finding in ``source``, of every rule, sorted by position.

    Filtering by code (select/ignore, default-off rules) and ``# noqa`` are the
    front end's business.  Raises ``UnanalysableSource`` when the text cannot
    be analysed.  ``prefilter=False`` analyses even files the text test rules
    out (the tests use it to show that the test never hides a finding).
    """
    if prefilter and not may_have_findings(source):
        return []
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
