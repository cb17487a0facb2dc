"""An explanation as text (an indented tree), Mermaid, Graphviz DOT, SVG (through Graphviz) or JSON.

Text and the graphs read the same ``Explanation``: the tree starts at the conversion and goes back
to the sources, the graphs go the way the value flows, with the conversion highlighted and the
suggested cut drawn on the link it would cut.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any, Callable, Dict, List, Optional, Sequence, Set

from flake8_detach.explain.model import Cut, Explanation, Step, StepKind, Verdict
from flake8_detach.findings import Applicability, Position

# How a front end names a place: "line 40", or "cell 11, line 2" in a notebook.
Where = Callable[[Position], str]
FORMATS = ("text", "mermaid", "dot", "svg", "json")
GRAPHVIZ_MISSING = (
    "--format svg needs Graphviz's `dot` command, which is not installed: install Graphviz "
    "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; conda install graphviz), "
    "or write --format dot and render it with any Graphviz viewer; --format mermaid renders on GitHub"
)

_KIND_WORDS = {
    StepKind.SOURCE: "source",
    StepKind.OPERATION: "operation",
    StepKind.VALUE: "value",
    StepKind.ENTRY: "entry",
    StepKind.ATTRIBUTE: "attribute",
    StepKind.ARGUMENT: "argument",
    StepKind.RETURN: "return",
    StepKind.CALL: "call",
    StepKind.CUT: "cut",
    StepKind.CONVERSION: "conversion",
}
_VERDICT_WORDS = {
    Verdict.RAISES: "raises: the tensor requires grad and grad mode is on",
    Verdict.UNDECIDED: "undecided: whether the tensor requires grad depends on code outside this file",
    Verdict.SAFE: "safe: this conversion cannot raise",
    Verdict.OTHER_RULE: "reported for another reason than grad (its message is above); the graph below is autograd's",
}


class GraphvizMissing(Exception):
    """``--format svg`` without Graphviz's ``dot``; the message says how to get it."""


def _line(where: Where, step: Step) -> str:
    return where(step.position)


def _label(step: Step) -> str:
    """What a step says in one line: its autograd node or note, and its code."""
    parts = [step.autograd] if step.autograd else []
    if step.note:
        parts.append(step.note)
    head = "; ".join(parts)
    return f"{head}: {step.code}" if head else step.code


# --- text -----------------------------------------------------------------------------


def text(explanation: Explanation, header: str, where: Where) -> str:
    lines = [header, "", _VERDICT_WORDS[explanation.verdict]]
    lines += [f"  - {reason.text}" + (f" ({where(reason.position)})" if reason.position else "")
              for reason in explanation.reasons]
    lines += ["", "how the value reaches the conversion (from the conversion back to where it gets its grad):"]
    if not explanation.traced and explanation.sources():
        lines.append("  (the steps in between were not traced; the two ends are the analysis's)")
    elif not explanation.traced:
        lines.append("  (no place that makes it require grad was found upstream)")
    lines += _tree(explanation, where)
    lines += ["", f"grad mode at the conversion: {explanation.grad_mode}"]
    lines += [f"  - {reason.text}" + (f" ({where(reason.position)})" if reason.position else "")
              for reason in explanation.grad_mode_reasons]
    if explanation.cuts:
        lines += ["", "where to cut the graph:"]
        for cut in explanation.cuts:
            lines.append(f"  - {where(cut.position)}: {cut.text}")
            lines += [f"      {cut.line_after}"] if cut.line_after else []
            lines += [f"    {_fix_words(cut)}"] if cut.fix else []
    return "\n".join(lines) + "\n"


def _fix_words(cut: Cut) -> str:
    assert cut.fix is not None
    if cut.fix.applicability is Applicability.SAFE:
        return "`flake8-detach fix` writes this (a safe fix)"
    # An unsafe fix's description ends with why it is unsafe.
    why = "" if cut.text == cut.fix.description else f": {cut.fix.description}"
    return f"`flake8-detach fix --unsafe-fixes` writes this{why}"


def _tree(explanation: Explanation, where: Where) -> List[str]:
    feeding = explanation.feeding()
    steps = {step.index: step for step in explanation.steps}
    shown: Set[int] = set()
    lines: List[str] = []

    def visit(index: int, prefix: str, last: bool, top: bool) -> None:
        step = steps[index]
        branch = "" if top else ("`-- " if last else "|-- ")
        repeated = index in shown
        suffix = "  (see above)" if repeated and feeding[index] else ""
        lines.append(f"  {prefix}{branch}{_line(where, step)}  [{_KIND_WORDS[step.kind]}] {_label(step)}{suffix}")
        if repeated:
            return
        shown.add(index)
        children = sorted(feeding[index], key=lambda i: steps[i].position, reverse=True)
        inner = prefix if top else prefix + ("    " if last else "|   ")
        for number, child in enumerate(children):
            visit(child, inner, number == len(children) - 1, False)

    visit(explanation.conversion.index, "", True, True)
    return lines


# --- graphs -----------------------------------------------------------------------------


def _graph_label(step: Step, where: Where) -> List[str]:
    """Where, what happens ("returned by", "assigned to 'y'"), then the code it happens to."""
    first = f"{where(step.position)}: {step.autograd}" if step.autograd else where(step.position)
    return [first, step.note, step.code] if step.note else [first, step.code]


def _cut_links(explanation: Explanation) -> Dict[int, str]:
    """The label of the cut on the links into each step: the fix's, else another place to cut."""
    labels: Dict[int, str] = {}
    for cut in explanation.cuts:
        if cut.on_link:
            labels.setdefault(cut.before_step, f"{'cut here' if cut.fix else 'or cut here'}: {cut.how}")
    return labels


def _mermaid_text(text: str) -> str:
    replacements = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;"}
    return "".join(replacements.get(char, char) for char in text)


_MERMAID_SHAPES = {
    StepKind.SOURCE: ('(["', '"])'),
    StepKind.CONVERSION: ('[["', '"]]'),
    StepKind.CUT: ('{{"', '"}}'),
    StepKind.VALUE: ('("', '")'),
    StepKind.ATTRIBUTE: ('("', '")'),
    StepKind.ENTRY: ('[/"', '"/]'),
}


def _group_title(explanation: Explanation) -> str:
    """What a conversion's group is called when one graph draws several."""
    code = explanation.conversion.code
    return f"{explanation.code}: {code}" if explanation.code else code


def mermaid(explanations: Sequence[Explanation], where: Where) -> str:
    """One flowchart; several conversions (of one line) each in a subgraph."""
    lines = ["flowchart TD"]
    members: Dict[str, List[str]] = {"source": [], "conversion": [], "cut": []}
    grouped = len(explanations) > 1
    for number, explanation in enumerate(explanations):
        prefix = f"e{number}" if grouped else ""
        body = _mermaid_body(explanation, where, prefix, members)
        if grouped:
            title = _mermaid_text(_group_title(explanation))
            lines += [f'    subgraph {prefix}["{title}"]', *(f"    {line}" for line in body), "    end"]
        else:
            lines += body
    lines += [
        "    classDef source fill:#fde0ef,stroke:#c2185b",
        "    classDef conversion fill:#f4cccc,stroke:#c00,stroke-width:3px",
        "    classDef cut fill:#d9ead3,stroke:#38761d",
    ]
    lines += [f"    class {','.join(names)} {name}" for name, names in members.items() if names]
    return "\n".join(lines) + "\n"


_CLASSES = {StepKind.SOURCE: "source", StepKind.CONVERSION: "conversion", StepKind.CUT: "cut"}


def _mermaid_body(explanation: Explanation, where: Where, prefix: str, members: Dict[str, List[str]]) -> List[str]:
    lines = []
    for step in explanation.steps:
        opening, closing = _MERMAID_SHAPES.get(step.kind, ('["', '"]'))
        label = "<br/>".join(_mermaid_text(part) for part in _graph_label(step, where))
        lines.append(f"    {prefix}s{step.index}{opening}{label}{closing}")
        if step.kind in _CLASSES:
            members[_CLASSES[step.kind]].append(f"{prefix}s{step.index}")
    cut_into = _cut_links(explanation)
    for link in explanation.links:
        cut_label = cut_into.get(link.target)
        if cut_label is not None:
            lines.append(f'    {prefix}s{link.source} -. "{_mermaid_text(cut_label)}" .-> {prefix}s{link.target}')
        else:
            lines.append(f"    {prefix}s{link.source} --> {prefix}s{link.target}")
    for number, cut in enumerate(c for c in explanation.cuts if not c.on_link):
        lines.append(f'    {prefix}c{number}{{{{"or: {_mermaid_text(cut.how)}"}}}} -.- {prefix}s{cut.before_step}')
    return lines


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


_DOT_STYLES = {
    StepKind.SOURCE: 'shape=ellipse, style=filled, fillcolor="#fde0ef", color="#c2185b"',
    StepKind.CONVERSION: 'shape=box, style="filled,bold", fillcolor="#f4cccc", color="#cc0000", penwidth=2',
    StepKind.CUT: 'shape=hexagon, style=filled, fillcolor="#d9ead3", color="#38761d"',
    StepKind.VALUE: 'shape=box, style=rounded',
    StepKind.ATTRIBUTE: 'shape=box, style=rounded',
    StepKind.ENTRY: 'shape=parallelogram',
}


def dot(explanations: Sequence[Explanation], where: Where) -> str:
    """One graph; several conversions (of one line) each in a cluster."""
    lines = ["digraph explain {", '    graph [fontname="Helvetica", fontsize=11];',
             '    node [fontname="Helvetica", fontsize=10, shape=box];',
             '    edge [fontname="Helvetica", fontsize=9];']
    grouped = len(explanations) > 1
    for number, explanation in enumerate(explanations):
        prefix = f"e{number}" if grouped else ""
        body = _dot_body(explanation, where, prefix)
        if grouped:
            title = _dot_text(_group_title(explanation))
            lines += [f"    subgraph cluster_{prefix} {{", f'        label="{title}";',
                      *(f"    {line}" for line in body), "    }"]
        else:
            lines += body
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_body(explanation: Explanation, where: Where, prefix: str) -> List[str]:
    lines = []
    for step in explanation.steps:
        label = "\\n".join(_dot_text(part) for part in _graph_label(step, where))
        lines.append(f'    {prefix}s{step.index} [label="{label}", {_DOT_STYLES.get(step.kind, "shape=box")}];')
    cut_into = _cut_links(explanation)
    for link in explanation.links:
        cut_label = cut_into.get(link.target)
        style = f' [label="{_dot_text(cut_label)}", style=dashed, color="#cc0000"]' if cut_label else ""
        lines.append(f"    {prefix}s{link.source} -> {prefix}s{link.target}{style};")
    for number, cut in enumerate(c for c in explanation.cuts if not c.on_link):
        lines.append(f'    {prefix}c{number} [label="or: {_dot_text(cut.how)}", shape=note];')
        lines.append(f"    {prefix}c{number} -> {prefix}s{cut.before_step} [style=dotted, arrowhead=none];")
    return lines


def svg(explanations: Sequence[Explanation], where: Where) -> str:
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing(GRAPHVIZ_MISSING)
    result = subprocess.run([program, "-Tsvg"], input=dot(explanations, where), capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise GraphvizMissing(f"Graphviz's dot failed: {result.stderr.strip()}")
    return result.stdout


# --- JSON -----------------------------------------------------------------------------


def record(explanation: Explanation, locate: Callable[[Position], Dict[str, Any]]) -> Dict[str, Any]:
    """The explanation as JSON-ready data; ``locate`` places a position (row, column, cell)."""
    def place(position: Optional[Position]) -> Optional[Dict[str, Any]]:
        return None if position is None else locate(position)

    return {
        "verdict": explanation.verdict.value,
        "code": explanation.code,
        "message": explanation.message,
        "title": explanation.title,
        "traced": explanation.traced,
        "steps": [{"index": s.index, "kind": s.kind.value, "location": place(s.position), "code": s.code,
                   "note": s.note, "autograd": s.autograd} for s in explanation.steps],
        "links": [{"from": link.source, "to": link.target} for link in explanation.links],
        "reasons": [{"text": r.text, "location": place(r.position)} for r in explanation.reasons],
        "grad_mode": {"mode": explanation.grad_mode,
                      "reasons": [{"text": r.text, "location": place(r.position)}
                                  for r in explanation.grad_mode_reasons]},
        "cuts": [{"how": c.how, "text": c.text, "location": place(c.position), "before_step": c.before_step,
                  "line_after": c.line_after,
                  "fix": None if c.fix is None else {"message": c.fix.description,
                                                     "applicability": c.fix.applicability.value}}
                 for c in explanation.cuts],
    }


def as_json(records: List[Dict[str, Any]]) -> str:
    return json.dumps(records, indent=2) + "\n"
