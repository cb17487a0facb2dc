#!/usr/bin/env python3
"""CPU time of each step of the checker on the files of a folder, against the libcst parse floors.

    python benchmarks/steps.py DIR [DIR ...] [--rounds 3] [--top 10]

For every ``*.py`` file that passes the text pre-filter of the rules flake8 shows by default
(flake8's default excludes), in this one process, with the cyclic collector paused as the
checker pauses it, the steps ``check_source`` takes for those rules: the walk over the ``ast``
that decides which facts reach which conversions (``analysis/reach.py``); for the files it
does not clear, the relevance pass narrowed to those conversions; for the files that keep
something, ``libcst.parse_module`` of the whole file (the floor the checker started from), of
the text the relevance pass alone would keep (the floor before the walk) and of the kept text,
the checker's own parse of the kept text (in pieces), the analysis and the positions of the
findings; then ``check_source`` end to end with the default rules and with every rule (DET103
too, which the walk does not narrow).  Each figure is the best of ``--rounds`` (process CPU
time).  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import sys
import time
import tokenize
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

import libcst as cst

from flake8_detach.analysis.interpreter import analyze_module
from flake8_detach.analysis.parsing import parse_module
from flake8_detach.analysis.positions import Positions
from flake8_detach.analysis.relevance import relevant_source
from flake8_detach.analysis.sites import ConversionSite
from flake8_detach.checker import UnanalysableSource, _checks_that_may_fire, _checks_whose_facts_flow, check_source
from flake8_detach.prefilter import enabled_triggers, may_have_findings
from flake8_detach.rules import CHECKS, DEFAULT_OFF, RULES
from flake8_detach.settings import Settings

EXCLUDES = frozenset({".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".nox", ".eggs"})
DEFAULT_RULES = Settings(rules=frozenset(RULES) - set(DEFAULT_OFF))
STEPS = ("libcst whole file", "libcst text kept without the walk", "walk (reach)", "relevance", "libcst kept text",
         "kept text in pieces", "analysis", "positions", "check_source, default rules",
         "check_source, every rule")
T = TypeVar("T")


@dataclass
class Totals:
    files: int = 0
    passing: int = 0
    kept: int = 0
    lines: int = 0
    kept_lines: int = 0
    seconds: Dict[str, float] = field(default_factory=lambda: dict.fromkeys(STEPS, 0.0))
    slowest: List[Tuple[float, str]] = field(default_factory=list)


def python_files(roots: Sequence[str]) -> List[str]:
    found: List[str] = []
    for root in roots:
        for folder, folders, names in os.walk(root):
            folders[:] = sorted(n for n in folders if n not in EXCLUDES and not n.endswith(".egg"))
            found.extend(os.path.join(folder, n) for n in sorted(names) if n.endswith(".py"))
    return found


def best(rounds: int, step: Callable[[], T]) -> Tuple[float, T]:
    """The least CPU time of ``rounds`` calls, and the last call's result."""
    least = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        result = step()
        least = min(least, time.process_time() - start)
    return least, result


def positions(module: cst.Module, sites: List[ConversionSite], settings: Settings) -> None:
    reported = [site for site in sites for check in CHECKS if settings.reports(check.RULE.code) and check.applies(site)]
    if reported:
        Positions(module, (node for site in reported for node in site.nodes()))


def time_file(path: str, rounds: int, totals: Totals) -> None:
    with tokenize.open(path) as handle:
        source = handle.read()
    totals.files += 1
    if not may_have_findings(source, enabled_triggers(DEFAULT_RULES)):
        return
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return
    totals.passing += 1
    seconds = totals.seconds
    try:  # for every file that passes: the floors, and check_source end to end
        seconds["libcst whole file"] += best(rounds, lambda: cst.parse_module(source))[0]
        unwalked = relevant_source(source, tree)
        if unwalked is not None:
            seconds["libcst text kept without the walk"] += best(rounds, lambda: cst.parse_module(unwalked))[0]
        spent = best(rounds, lambda: check_source(source, DEFAULT_RULES, tree=tree))[0]
        seconds["check_source, default rules"] += spent
        seconds["check_source, every rule"] += best(rounds, lambda: check_source(source, tree=tree))[0]
    except (cst.ParserSyntaxError, RecursionError, UnanalysableSource):
        return
    totals.slowest.append((spent, path))
    checks = _checks_that_may_fire(source, DEFAULT_RULES, prefilter=True)
    spent, (checks, lines) = best(rounds, lambda: _checks_whose_facts_flow(checks, tree, source))
    seconds["walk (reach)"] += spent
    if not checks:
        return
    spent, narrowed = best(rounds, lambda: relevant_source(source, tree, site_lines=lines))
    seconds["relevance"] += spent
    if narrowed is None:
        return
    seconds["libcst kept text"] += best(rounds, lambda: cst.parse_module(narrowed))[0]
    spent, module = best(rounds, lambda: parse_module(narrowed, tree))
    seconds["kept text in pieces"] += spent
    spent, sites = best(rounds, lambda: analyze_module(module))
    seconds["analysis"] += spent
    seconds["positions"] += best(rounds, lambda: positions(module, sites, DEFAULT_RULES))[0]
    totals.kept += 1
    totals.lines += source.count("\n")
    totals.kept_lines += sum(1 for line in narrowed.splitlines() if line.strip())


def report(totals: Totals, top: int) -> None:
    seconds = totals.seconds
    print(f"{totals.files} files, {totals.passing} pass the default rules' pre-filter, {totals.kept} keep something "
          f"({totals.lines:,} lines, {totals.kept_lines:,} non-blank kept)")
    for step in STEPS:
        print(f"  {step:<34} {seconds[step]:8.3f} s")
    kept = seconds["libcst kept text"]
    if kept:
        work = seconds["kept text in pieces"] + seconds["analysis"] + seconds["positions"]
        print(f"parse in pieces + analysis + positions over the libcst parse of the kept text: {work / kept:.2f}x "
              f"(with the walk and relevance: {(work + seconds['walk (reach)'] + seconds['relevance']) / kept:.2f}x)")
        print(f"check_source (default rules) over the libcst parse of what the relevance pass alone keeps: "
              f"{seconds['check_source, default rules'] / seconds['libcst text kept without the walk']:.2f}x")
    for spent, path in sorted(totals.slowest, reverse=True)[:top]:
        print(f"  {spent:7.3f} s  {path}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("directories", nargs="+", metavar="DIR")
    parser.add_argument("--rounds", type=int, default=3, help="timings per step, the least counts (default: 3)")
    parser.add_argument("--top", type=int, default=10, help="list the N slowest files (default: 10)")
    options = parser.parse_args(argv)
    check_source("import torch\nimport numpy as np\nnp.mean(torch.ones(1, requires_grad=True))\n")  # imports
    totals = Totals()
    gc.disable()
    for path in python_files(options.directories):
        time_file(path, options.rounds, totals)
        gc.collect()
    report(totals, options.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
