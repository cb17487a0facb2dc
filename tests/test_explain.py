"""``flake8-detach explain``: the chain from grad source to conversion, as text, graphs and traces.

The case tables are the ground truth: for every DET101/DET102 finding, the explanation names the
lines its message names (the grad source, the helper's conversion, the branch test) and the
conversion; nearly every one is traced step by step.  The graphs parse with their own tools
(Mermaid's parser under Node, Graphviz's ``dot``) where those are installed.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from typing import Iterator, List, Optional, Tuple

import pytest

from casefile import CASES_DIR, Case, parse_case_file
from flake8_detach.analysis.positions import Positions
from flake8_detach.checker import analyse_source, check_source
from flake8_detach.explain import render
from flake8_detach.explain.build import Explainer, fact_nodes, site_facts
from flake8_detach.explain.model import Explanation, StepKind, Verdict
from flake8_detach.findings import Finding
from flake8_detach.rules import CHECKS
from flake8_detach.rules.common import Report
from flake8_detach.settings import Settings
from frontend_support import ROOT, Cli, write

EXAMPLE = ROOT / "examples" / "evaluate.py"
NOTEBOOKS = ROOT / "tests" / "notebooks"
MERMAID = ROOT / "tests" / "mermaid"
_LINE = re.compile(r"\bline (\d+)\b")
# Findings whose steps in between the walk does not find (functools.partial, callbacks kept in
# containers or called by torch as forward hooks or by scipy's solvers, the file's own
# decorators, writes into an argument's attributes or list, gradients of gradients) show the
# two ends the analysis names.  257 of 269 were traced at cf61dce (95.5%); 332 of 360 at stop 30
# (92.2%: the new cases are of those families); 348 of 383 at stop 31 (90.9%: the new untraced
# cases are hooks registered in loops over a model's parts, callback objects kept in lists, and
# entries of a dict grown through a helper's parameter or a method); 361 of 402 at stop 32
# (89.8%: hooks registered in __init__ and run by another method, lambdas that grow containers,
# metric functions kept in a dict argument, a constant flag deciding a conditional expression);
# 424 of 472 at stop 34 (89.8%: callbacks dispatched by getattr(obj, event) or handed on as
# bound methods and partials, an unbound torch.Tensor.numpy mapped over entries);
# below this share the walk has regressed.
_TRACED_FLOOR = 0.89


def explained(source: str) -> Iterator[Tuple[Optional[Finding], Explanation]]:
    """Every conversion site of ``source``, with its finding (None: no rule reports it)."""
    analysed = analyse_source(source)
    assert analysed is not None
    positions = Positions(analysed.module, (node for site in analysed.sites for node in fact_nodes(site)))
    report = Report(analysed.module, positions, Settings())
    explainer = Explainer(analysed.tree, source)  # type: ignore[arg-type]
    for site in analysed.sites:
        check = next((check for check in CHECKS if check.applies(site)), None)
        finding = check.finding(site, report.for_site(site)) if check is not None else None
        yield finding, explainer.explain(site_facts(site, positions), finding)


def definite_cases() -> List[Case]:
    return [case for file in sorted(CASES_DIR.glob("*.py")) for case in parse_case_file(file) if case.definite]


def _named_lines(explanation: Explanation) -> set:
    places = [step.position for step in explanation.steps] + [r.position for r in explanation.reasons]
    return {position.line for position in places if position is not None}


def test_every_finding_of_the_case_tables_names_its_source_and_conversion() -> None:
    """The explanation shows each line the finding's message names, and the conversion; a chain
    found by the walk runs from a source to the conversion without a gap."""
    total, traced, untraced = 0, 0, []
    for case in definite_cases():
        for finding, explanation in explained(case.source):
            if finding is None or finding.code not in ("DET101", "DET102"):
                continue
            total += 1
            assert explanation.verdict is Verdict.RAISES
            named = {int(line) for line in _LINE.findall(finding.message)}
            assert named <= _named_lines(explanation), (str(case), finding.message, explanation.steps)
            assert explanation.sources(), (str(case), finding.message)
            conversion = explanation.conversion
            assert finding.line == conversion.position.line or conversion.position.line in named, str(case)
            if explanation.traced:
                traced += 1
                _assert_connected(explanation, str(case))
            else:
                untraced.append(f"{case} line {finding.line}")
    assert total > 200
    assert traced / total >= _TRACED_FLOOR, untraced


def _assert_connected(explanation: Explanation, label: str) -> None:
    """Every step lies on a path from a source to the conversion."""
    feeding = explanation.feeding()
    upstream = {explanation.conversion.index}
    pending = [explanation.conversion.index]
    while pending:
        for feeder in feeding[pending.pop()]:
            if feeder not in upstream:
                upstream.add(feeder)
                pending.append(feeder)
    assert upstream == {step.index for step in explanation.steps}, (label, explanation.steps, explanation.links)
    assert any(step.kind is StepKind.SOURCE for step in explanation.steps if step.index in upstream), label


def test_the_chain_goes_through_assignments_operations_and_container_entries() -> None:
    steps = {(f.line if f else 0): e for f, e in explained(EXAMPLE.read_text())}
    confidence = steps[40]
    assert [(s.position.line, s.kind, s.autograd) for s in confidence.in_flow_order()] == [
        (37, StepKind.SOURCE, "AddmmBackward0"),  # model(inputs): Classifier.forward ends in a Linear
        (37, StepKind.OPERATION, "SoftmaxBackward0"),
        (37, StepKind.VALUE, None),
        (40, StepKind.OPERATION, "MaxBackward1"),
        (40, StepKind.CONVERSION, None),
    ]
    losses = steps[41]
    assert [s.kind for s in losses.in_flow_order()][-2:] == [StepKind.ENTRY, StepKind.CONVERSION]
    fix_cut, entry_cut = [cut for cut in losses.cuts if cut.on_link]  # the fix's, then the other place
    assert fix_cut.fix is not None and fix_cut.before_step == losses.conversion.index
    assert fix_cut.line_after is not None and fix_cut.line_after.startswith("plt.plot([t.detach() for t in losses])")
    assert entry_cut.fix is None and entry_cut.position.line == 34 and "after 'loss'" in entry_cut.text
    assert entry_cut.before_step == next(s.index for s in losses.steps if s.kind is StepKind.ENTRY)
    helper = steps[43]  # to_numpy(model.hidden.weight): the parameter, bound at this call
    assert [(s.position.line, s.kind) for s in helper.in_flow_order()] == [
        (43, StepKind.SOURCE), (19, StepKind.ARGUMENT), (20, StepKind.OPERATION), (20, StepKind.CONVERSION)]


def test_the_chain_leaves_out_a_detached_operand() -> None:
    """.detach() is known from the derived table (torch_api.member_effect), not the hand one."""
    source = ("import torch\nw = torch.rand(3, requires_grad=True)\nh = w * 2\nd = h.detach()\n"
              "y = torch.cat([d, h])\ny.numpy()\n")
    (finding, explanation), = explained(source)
    assert finding is not None
    assert 4 not in {step.position.line for step in explanation.steps}, explanation.steps


@pytest.mark.parametrize("source, line, reason", [
    ("import torch\nw = torch.rand(3, requires_grad=True)\ny = w * 2\ny = y.detach()\ny.numpy()\n",
     4, "cuts the graph"),
    ("import torch\nw = torch.rand(3, requires_grad=True)\nk = (w * 2).argmax()\nk.numpy()\n",
     3, "integer"),
    ("import torch\nw = torch.rand(3, requires_grad=True)\nwith torch.no_grad():\n    y = w * 2\ny.numpy()\n",
     4, "computed with grad off (inside `with torch.no_grad():`)"),
])
def test_a_safe_conversion_says_where_the_graph_is_cut(source: str, line: int, reason: str) -> None:
    (finding, explanation), = explained(source)
    assert finding is None and explanation.verdict is Verdict.SAFE
    assert any(r.position is not None and r.position.line == line and reason in r.text
               for r in explanation.reasons), explanation.reasons
    assert not explanation.cuts


def test_grad_mode_reasons_name_the_switch_or_the_callers() -> None:
    source = ("import torch\nw = torch.rand(3, requires_grad=True)\n\n\ndef show():\n    print(w.numpy())\n\n\n"
              "with torch.no_grad():\n    show()\nshow()\n")
    (finding, explanation), = explained(source)
    assert finding is not None and explanation.grad_mode == "on"
    texts = [(r.position.line if r.position else None, r.text) for r in explanation.grad_mode_reasons]
    assert (10, "show() is called here with grad off: inside `with torch.no_grad():`") in texts
    assert (11, "show() is called here with grad on") in texts
    off = "import torch\nw = torch.rand(3, requires_grad=True)\nwith torch.no_grad():\n    w.numpy()\n"
    (_, safe), = explained(off)
    assert safe.verdict is Verdict.SAFE and safe.grad_mode_reasons[0].position.line == 3


def test_a_branch_condition_is_named() -> None:
    source = ("import random\nimport torch\nw = torch.rand(3, requires_grad=True)\n"
              "y = w * 3 if random.random() < 2.0 else (w * 3).detach()\ny.numpy()\n")
    (finding, explanation), = explained(source)
    assert finding is not None and any(r.position.line == 4 and "true" in r.text for r in explanation.reasons)
    trace = check_source(source, trace=True)[0].trace
    assert "on the path where this test is true" in [step.message for step in trace]


def test_traces_run_from_the_source_to_the_conversion_and_are_asked_for() -> None:
    source = EXAMPLE.read_text()
    short = {finding.position: finding.trace for finding in check_source(source)}
    for finding in check_source(source, trace=True):
        assert len(finding.trace) > len(short[finding.position]), finding.message
        named = {int(line) for line in _LINE.findall(finding.message)}
        assert named <= {step.position.line for step in finding.trace}
        assert finding.trace[-1].message.startswith("converted:")


# --- the command ------------------------------------------------------------------------------


def test_explain_prints_the_tree_grad_mode_and_cut(cli: Cli) -> None:
    result = cli("explain", f"{EXAMPLE}:40")
    assert result.code == 0, result.err
    out = result.out
    assert out.startswith(f"{EXAMPLE}:40:46: DET101")
    assert "line 37  [source] AddmmBackward0; output of model call: model(inputs)" in out
    assert "`-- line 40  [operation] MaxBackward1: probabilities.max(dim=1)" in out
    assert "grad mode at the conversion: on" in out
    assert "line 40: insert .detach() after 'probabilities.max(dim=1).values'\n" \
           "      confidence = probabilities.max(dim=1).values.detach().numpy()  # DET101\n" \
           "    `flake8-detach fix` writes this (a safe fix)\n" in out


def test_explain_of_a_safe_and_of_an_undecided_conversion(cli: Cli) -> None:
    safe = cli("explain", f"{EXAMPLE}:47")
    assert safe.code == 0 and "safe: this conversion cannot raise" in safe.out
    assert "inside `with torch.no_grad():` (line 45)" in safe.out
    undecided = cli("explain", f"{EXAMPLE}:20")
    assert undecided.code == 0 and "DET103" in undecided.out and "undecided" in undecided.out


@pytest.mark.parametrize("place, message", [
    ("evaluate.py:5", "no conversion of a tensor to NumPy on this line"),
    ("evaluate.py:40:2", "no conversion of a tensor to NumPy on this line"),
    ("missing.py:3", "no such file"),
    ("evaluate.py", "expected FILE:LINE[:COL]"),
    ("evaluate.py:cell 2:3", "only notebooks have cells"),
])
def test_explain_without_a_conversion_there_exits_2(cli: Cli, place: str, message: str) -> None:
    write(cli.directory / "evaluate.py", EXAMPLE.read_text())
    result = cli("explain", place)
    assert result.code == 2 and result.out == ""
    assert message in result.err


def test_a_line_with_two_conversions_draws_both_unless_the_column_picks_one(cli: Cli) -> None:
    write(cli.directory / "two.py", "import torch\nw = torch.rand(3, requires_grad=True)\nprint(w.numpy(), "
          "(w * 2).numpy())\n")
    assert cli("explain", "two.py:3").out.count("DET101") == 2
    both = cli("explain", "two.py:3", "--format", "mermaid")
    assert both.code == 0 and 'subgraph e0["DET101: w.numpy()"]' in both.out
    assert 'subgraph e1["DET101: (w * 2).numpy()"]' in both.out
    one = cli("explain", "two.py:3:26", "--format", "mermaid")
    assert one.code == 0 and "subgraph" not in one.out and "MulBackward0" in one.out


def test_explain_in_a_notebook_names_cells(cli: Cli) -> None:
    notebook = NOTEBOOKS / "morvan_301_regression.ipynb"
    result = cli("explain", f"{notebook}:cell 11:2")
    assert result.code == 0, result.err
    assert f"{notebook}:cell 11:2:37: DET101" in result.out  # and the plt.plot() at column 1, which is safe
    assert "line 2 of cell 9" in result.out
    records = json.loads(cli("explain", f"{notebook}:cell 11:2:37", "--format", "json").out)
    source = next(step for step in records[0]["steps"] if step["kind"] == "source")
    assert source["location"] == {"cell": 9, "location": {"row": 2, "column": 18}}
    assert cli("explain", f"{notebook}:11").code == 2


def test_check_json_carries_the_trace_with_cells(cli: Cli) -> None:
    notebook = NOTEBOOKS / "spiral_classification.ipynb"
    result = cli("check", str(notebook), "--output-format", "json")
    trace = json.loads(result.out)["findings"][0]["trace"]
    assert trace[0]["message"].startswith("requires grad: 'model(X)'")
    assert [step["cell"] for step in trace][-1] == 9


def test_svg_without_graphviz_says_how_to_get_it(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = cli("explain", f"{EXAMPLE}:40", "--format", "svg")
    assert result.code == 2 and "apt-get install graphviz" in result.err and "--format mermaid" in result.err


# --- the graphs parse ---------------------------------------------------------------------------


def _graph_sources() -> List[Tuple[str, Explanation]]:
    """An explanation of each shape: findings, safe, undecided, notebooks' cells left aside."""
    chosen = [(f"evaluate.py:{f.line if f else 0}", e) for f, e in explained(EXAMPLE.read_text())]
    for case in definite_cases()[::25]:
        chosen += [(str(case), e) for _, e in explained(case.source)]
    return chosen


# Two findings at one place: the helper converts both lists it is handed.
TWO_LISTS = ("import matplotlib.pyplot as plt\nimport torch\n\n\ndef show(a, b):\n    plt.plot(a)\n    plt.plot(b)\n"
             "\n\nw = torch.rand(3, requires_grad=True)\nxs, ys = [], []\nxs.append(w * 2)\nys.append(w + 1)\n"
             "show(xs, ys)\n")


def _graphs() -> List[Tuple[str, List[Explanation]]]:
    """One graph per explanation, and one of two conversions (drawn side by side)."""
    return [(label, [e]) for label, e in _graph_sources()] + [("two lists", [e for _, e in explained(TWO_LISTS)])]


def _where(position: object) -> str:
    return f"line {getattr(position, 'line')}"


@pytest.mark.skipif(shutil.which("node") is None or not (MERMAID / "node_modules" / "mermaid").exists(),
                    reason="Mermaid's parser needs Node and `npm install --prefix tests/mermaid` (.ci/run does both "
                           "where npm is available)")
def test_mermaid_output_parses_with_mermaids_parser() -> None:
    diagrams = [render.mermaid(explanations, _where) for _, explanations in _graphs()]
    result = subprocess.run(["node", str(MERMAID / "parse.mjs")], input="\n%% next\n".join(diagrams),
                            capture_output=True, text=True, cwd=MERMAID, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["ok"] * len(diagrams)


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's dot is not installed (.ci/run installs it where apt-get can)")
def test_dot_output_parses_with_graphviz(cli: Cli) -> None:
    for label, explanations in _graphs():
        result = subprocess.run(["dot", "-Tsvg"], input=render.dot(explanations, _where), capture_output=True,
                                text=True, timeout=60, check=False)
        assert result.returncode == 0 and not result.stderr, (label, result.stderr)
    svg = cli("explain", f"{EXAMPLE}:40", "--format", "svg")
    assert svg.code == 0 and svg.out.lstrip().startswith("<?xml") and "MaxBackward1" in svg.out


def test_the_fix_cut_says_what_the_fix_writes() -> None:
    """A list literal's fix detaches each entry where it is converted, not after each name."""
    source = ("import matplotlib.pyplot as plt\nimport torch\nw = torch.rand(2, requires_grad=True)\na = w * 2\n"
              "b = w + 1\nplt.plot([a, b])\n")
    (finding, explanation), = [pair for pair in explained(source) if pair[0] is not None]
    fix_cut, *others = explanation.cuts
    assert finding.fix is not None and fix_cut.fix is finding.fix and fix_cut.text == finding.fix.description
    assert fix_cut.line_after == "plt.plot([t.detach() for t in [a, b]])"
    alternatives = [cut.text for cut in others if cut.on_link]
    assert alternatives == ["or insert .detach() after 'a'", "or insert .detach() after 'b'"]


def test_every_finding_at_one_place_is_explained_and_drawn(cli: Cli) -> None:
    findings = [(finding, explanation) for finding, explanation in explained(TWO_LISTS) if finding is not None]
    assert len(findings) == 2
    for finding, explanation in findings:
        assert finding.fix is not None
        fix_cut = next(cut for cut in explanation.cuts if cut.fix is not None)  # the list, where it is passed
        assert fix_cut.position.line == 14 and fix_cut.line_after is not None and "t.detach()" in fix_cut.line_after
        argument = explanation.steps[fix_cut.before_step]
        assert argument.kind is StepKind.ARGUMENT and argument.note.endswith("of show()")
    write(cli.directory / "two.py", TWO_LISTS)
    text = cli("explain", "two.py:14")
    headers = [line for line in text.out.splitlines() if line.startswith("two.py:14:1: DET102 show() converts")]
    assert text.code == 0 and len(headers) == 2, text.out
    graph = cli("explain", "two.py:14", "--format", "mermaid")
    assert graph.code == 0 and graph.out.count("    subgraph ") == 2
    assert 'subgraph e1["DET102: plt.plot(b)"]' in graph.out


def test_labels_with_quotes_and_angle_brackets_stay_inside_their_nodes() -> None:
    source = ('import numpy as np\nimport torch\nw = torch.rand(3, requires_grad=True)\n'
              'y = {"a<b": w * 2}\nnp.asarray(y["a<b"])\n')
    (_, explanation), = explained(source)
    graph = render.mermaid([explanation], _where)
    assert '"a<b"' not in graph and "#quot;a#lt;b#quot;" in graph
    assert '\\"a<b\\"' in render.dot([explanation], _where)


# --- the autograd names come from torch --------------------------------------------------------


def test_the_autograd_table_agrees_with_this_torch() -> None:
    """Operators and indexing are derived afresh, in this process (the suite imports torch anyway;
    the whole table takes about half a minute: ``python scripts/derive_autograd_names.py --check``)."""
    import torch

    script = ROOT / "scripts" / "derive_autograd_names.py"
    spec = importlib.util.spec_from_file_location("derive_autograd_names", script)
    assert spec is not None and spec.loader is not None
    derivation = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derivation)
    table = json.loads((ROOT / "flake8_detach" / "explain" / "autograd_names.json").read_text())
    assert table["torch_version"] == torch.__version__
    fresh = derivation.derive(["operators"])
    assert len(fresh) >= 10 and fresh == {key: table["names"][key] for key in fresh}
    assert set(fresh) == {key for key in table["names"] if key.startswith(("operator.", "getitem."))}


def test_the_readme_examples_are_what_the_command_prints(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Why PyTorch refuses, and what explain shows", 1)[1].split("\n## ", 1)[0]
    shown = Cli(capsys, ROOT)
    # "$ flake8-detach explain ARGS" inside a block, "<!-- flake8-detach explain ARGS -->" before one
    commands = re.findall(r"^\$ flake8-detach explain (.+)\n", section, re.MULTILINE)
    drawn = re.findall(r"^<!-- flake8-detach explain (.+) -->\n", section, re.MULTILINE)
    assert "examples/graph.py:17" in commands and "examples/graph.py:17 --format mermaid" in drawn
    for arguments in commands:
        assert f"$ flake8-detach explain {arguments}\n{shown('explain', *arguments.split()).out}```" in section
    for arguments in drawn:
        graph = shown("explain", *arguments.split()).out
        assert f"<!-- flake8-detach explain {arguments} -->\n```mermaid\n{graph}```" in section


def test_the_same_explanation_on_every_run() -> None:
    """Operations that start at one place (``w[0]`` and ``w[0] * x``) keep their order."""
    source = ("import numpy as np\nimport torch\nw = torch.rand(2, requires_grad=True)\nb = torch.rand(1)\n"
              "y = (-(w[0] * 3.0) - b[0]) / w[1]\nnp.asarray([y])\n")
    graphs = {render.mermaid([explanation], _where) for _ in range(4) for _, explanation in explained(source)}
    assert len(graphs) == 1
    (graph,) = graphs
    assert graph.index("SelectBackward0<br/>w[0]") < graph.index("MulBackward0<br/>w[0] * 3.0")


def test_a_finding_of_a_rule_that_does_not_judge_grad_is_not_called_safe() -> None:
    """A tensor on a GPU that does not require grad: DET201 reports it; the grad graph is shown
    for context, and the verdict does not say the conversion cannot raise."""
    source = 'import torch\ny = torch.zeros(3, device="cuda")\ny.numpy()\n'
    ((finding, explanation),) = list(explained(source))
    assert finding is not None and finding.code == "DET201"
    assert explanation.verdict is Verdict.OTHER_RULE
    assert "cannot raise" not in render.text(explanation, "", lambda position: f"line {position.line}")
