"""``flake8-detach explain FILE:LINE[:COL]``: the graph behind a conversion, as text or a picture.

``FILE:LINE`` names a line of a Python file, ``NB.ipynb:cell N:LINE`` a line of a notebook's cell
(cells numbered as in the findings); every finding of the line is explained (a graph draws each
in a subgraph) unless ``:COL`` (1-based) picks one.  Exit status: 0 explained, 2 a bad place (no
conversion there, no such file or cell), a file that cannot be read or analysed, or ``--format svg``
without Graphviz.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from flake8_detach.findings import Finding, Position
from flake8_detach.frontends import sources
from flake8_detach.frontends.common import FIX_STYLES, UsageError, parse_fix_style, settings_for
from flake8_detach.frontends.documents import Document, open_document
from flake8_detach.frontends.notebooks import Notebook, NotebookError
from flake8_detach.frontends.output import located, where

FORMATS = ("text", "mermaid", "dot", "svg", "json")
_GRAPHS = ("mermaid", "dot", "svg")
_PLACE = re.compile(r"^(?P<path>.+?):(?:cell[ _]?(?P<cell>\d+):)?(?P<line>\d+)(?::(?P<column>\d+))?$")


class ExplainError(UsageError):
    """Nothing to explain at the place given; the message says why (one line, exit status 2)."""


@dataclass(frozen=True)
class Place:
    path: str
    cell: Optional[int]
    line: int
    column: Optional[int]  # 1-based


def parse_place(text: str) -> Place:
    match = _PLACE.match(text.strip())
    if match is None:
        raise UsageError(f"expected FILE:LINE[:COL] or NOTEBOOK.ipynb:cell N:LINE[:COL], got {text!r}")
    cell, column = match.group("cell"), match.group("column")
    return Place(match.group("path"), int(cell) if cell else None, int(match.group("line")),
                 int(column) if column else None)


def add_parser(commands: Any) -> None:
    explain = commands.add_parser("explain", help="show how a conversion's tensor gets its grad, as text or a graph")
    explain.add_argument("place", metavar="FILE:LINE[:COL]",
                         help="a line of a file, or NOTEBOOK.ipynb:cell N:LINE; COL picks one conversion of the line")
    explain.add_argument("--format", choices=FORMATS, default="text",
                         help="text (default), mermaid, dot, svg (needs Graphviz) or json")
    explain.add_argument("--output", "-o", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    explain.add_argument("--fix-style", choices=FIX_STYLES, help="the fix shown: .detach() (default) or force=True")


def _code_line(document: Document, place: Place) -> int:
    if isinstance(document, Notebook):
        if place.cell is None:
            raise ExplainError("a notebook's line is named by its cell: NOTEBOOK.ipynb:cell N:LINE")
        line = document.code_line(place.cell, place.line)
        if line is None:
            raise ExplainError(f"cell {place.cell} has no line {place.line} of analysed code "
                               "(not a code cell, skipped, or too short)")
        return line
    if place.cell is not None:
        raise ExplainError("only notebooks have cells")
    return place.line


def _naming(document: Document) -> Tuple[Any, Any]:
    """How places read in text ("line 40", "line 2 of cell 3") and in JSON."""
    def where_text(position: Position) -> str:
        return document.name_line(position.line, 0)

    def where_json(position: Position) -> Dict[str, Any]:
        return located(document.reported("", Finding("", "", position)), position)

    return where_text, where_json


def explain(args: argparse.Namespace) -> int:
    from flake8_detach.checker import UnanalysableSource

    place = parse_place(args.place)
    path = Path(place.path)
    if not path.is_file():
        raise ExplainError(f"{place.path}: no such file")
    try:
        document = open_document(place.path, sources.read(sources.Target(place.path, path)).text)
        line = _code_line(document, place)
        explained = _explanations(document, line, place, args)
    except (sources.SourceError, NotebookError, UnanalysableSource) as error:
        raise ExplainError(f"{place.path}: {error}") from None
    output = _render(document, place.path, explained, args.format)
    if args.output is not None:
        args.output.write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)
    return 0


def _explanations(document: Document, line: int, place: Place,
                  args: argparse.Namespace) -> List[Tuple[Any, Optional[Finding], Position]]:
    from flake8_detach.analysis.positions import Positions
    from flake8_detach.checker import analyse_source
    from flake8_detach.explain.build import Explainer, fact_nodes, site_facts
    from flake8_detach.rules.common import Report

    code = document.code
    analysed = analyse_source(code, narrow=False) if code.strip() else None
    sites = analysed.sites if analysed is not None else []
    if analysed is None or not sites:
        raise ExplainError(f"{args.place}: no conversion of a tensor to NumPy here (none in the whole file)")
    positions = Positions(analysed.module, (node for site in sites for node in fact_nodes(site)))

    chosen = _chosen(sites, positions, line, None if place.column is None else place.column - 1)
    if not chosen:
        raise ExplainError(f"{args.place}: no conversion of a tensor to NumPy on this line")
    settings = settings_for(parse_fix_style(args.fix_style) if args.fix_style else None)
    report = Report(analysed.module, positions, settings, document.name_line)
    explainer = Explainer(analysed.tree, code)  # type: ignore[arg-type]
    explained = []
    for site, check in chosen:
        finding = check.finding(site, report.for_site(site)) if check is not None else None
        explanation = explainer.explain(site_facts(site, positions), finding)
        explained.append((explanation, finding, positions.start(site.anchor)))
    return explained


def _chosen(sites: List[Any], positions: Any, line: int, column: Optional[int]) -> List[Tuple[Any, Any]]:
    """The conversions to explain, with the rule that reports each: those that start on the
    line (else those whose call spans it), the one at ``column`` if given (the innermost call
    around it), and of the arguments one conversion converts, those reported most severely (every
    finding: ``semilogy(x, train_ls, x, test_ls)`` converts two lists through a helper)."""
    from flake8_detach.rules import CHECKS

    def spans(site: Any, node: Any) -> bool:
        start, end = positions.start(node), positions.end(node)
        if not start.line <= line <= end.line:
            return False
        return column is None or (start.line, start.column) <= (line, column) <= (end.line, end.column)

    at_line = [site for site in sites if spans(site, site.call)]
    candidates = [site for site in at_line if positions.start(site.anchor).line == line] or at_line
    if column is not None and candidates:
        exact = [site for site in candidates if spans(site, site.anchor)]
        narrowest = min(candidates, key=lambda site: (positions.end(site.call), _negated(positions.start(site.call))))
        candidates = exact or [site for site in candidates if site.call is narrowest.call]
    at_anchor: Dict[Tuple[int, int], List[Tuple[Any, Any]]] = {}
    for site in sorted(candidates, key=lambda site: positions.start(site.anchor)):
        check = next((check for check in CHECKS if check.applies(site)), None)
        key = (positions.start(site.anchor).line, positions.start(site.anchor).column)
        at_anchor.setdefault(key, []).append((site, check))
    chosen = []
    for found in at_anchor.values():
        severest = min(_severity(check) for _, check in found)
        kept = [(site, check) for site, check in found if _severity(check) == severest]
        chosen += kept if severest < _NOT_REPORTED else kept[:1]  # every finding; of safe ones, one
    return chosen


def _negated(position: Position) -> Tuple[int, int]:
    return -position.line, -position.column


_NOT_REPORTED = 2


def _severity(check: Any) -> int:
    """A finding that raises first, then an undecided one, then none."""
    if check is None:
        return _NOT_REPORTED
    return 0 if check.RULE.default_enabled else 1


def _render(document: Document, display: str, explained: List[Tuple[Any, Optional[Finding], Position]],
            output_format: str) -> str:
    from flake8_detach.explain import render

    where_text, where_json = _naming(document)
    if output_format == "json":
        return render.as_json([render.record(explanation, where_json) for explanation, _, _ in explained])
    if output_format in _GRAPHS:
        graph = {"mermaid": render.mermaid, "dot": render.dot, "svg": render.svg}[output_format]
        try:
            return str(graph([explanation for explanation, _, _ in explained], where_text))
        except render.GraphvizMissing as error:
            raise ExplainError(str(error)) from None
    parts = []
    for explanation, finding, position in explained:
        item = document.reported(display, finding or Finding("", "", position))
        header = f"{where(item, position)}: {explanation.title}"
        parts.append(render.text(explanation, header, where_text))
    return "\n".join(parts)
