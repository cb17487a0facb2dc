"""The formats for CI: SARIF 2.1.0, GitLab code quality, JSON; statistics and the output file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

from flake8_detach.findings import Edit, Position, apply_edits
from flake8_detach.rules import RULES
from frontend_support import DET101, DET101_FIXED, DET102, DET103, Cli, json_findings, write

EXAMPLE = (Path(__file__).resolve().parents[1] / "examples" / "evaluate.py").read_text(encoding="utf-8")
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _sarif(cli: Cli, *args: str) -> Dict[str, Any]:
    result = cli("check", "--output-format", "sarif", *args)
    assert result.code in (0, 1), result.err
    document: Dict[str, Any] = json.loads(result.out)
    return document


def test_sarif_run_and_rule_metadata(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    document = _sarif(cli, "a.py")
    assert document["version"] == "2.1.0" and document["$schema"].endswith("sarif-2.1.0.json")
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "flake8-detach"
    assert [rule["id"] for rule in driver["rules"]] == list(RULES)
    for rule in driver["rules"]:
        anchor = rule["helpUri"].split("#")[1]
        assert f"### {rule['id']} ({rule['name']})" in README and anchor == f"{rule['id'].lower()}-{rule['name']}"
        assert rule["shortDescription"]["text"] and rule["help"]["markdown"].startswith(f"### {rule['id']}")
    (result,) = run["results"]
    assert result["ruleId"] == "DET101" and driver["rules"][result["ruleIndex"]]["id"] == "DET101"
    assert result["level"] == "error"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 3, "endLine": 3, "endColumn": 8}


def test_sarif_code_flow_goes_from_the_grad_source_to_the_conversion(cli: Cli) -> None:
    write(cli.directory / "evaluate.py", EXAMPLE)
    results = _sarif(cli, "evaluate.py")["runs"][0]["results"]
    by_line = {result["locations"][0]["physicalLocation"]["region"]["startLine"]: result for result in results}
    flow = by_line[40]["codeFlows"][0]["threadFlows"][0]["locations"]
    steps = [(step["location"]["physicalLocation"]["region"]["startLine"], step["location"]["message"]["text"])
             for step in flow]
    assert steps == [(37, "requires grad: 'model(inputs)' (output of model call, AddmmBackward0)"),
                     (37, "SoftmaxBackward0: 'torch.softmax(model(inputs), dim=1)'"),
                     (37, "value: 'probabilities = torch.softmax(model(inputs), dim=1)' (assigned to 'probabilities')"),
                     (40, "MaxBackward1: 'probabilities.max(dim=1)'"),
                     (40, "converted: 'probabilities.max(dim=1).values.numpy()' (.numpy() converts it)")]
    helper = by_line[43]["codeFlows"][0]["threadFlows"][0]["locations"]  # through to_numpy(), defined on line 19
    assert [step["location"]["physicalLocation"]["region"]["startLine"] for step in helper] == [43, 19, 20, 20]


def _edits_of(result: Dict[str, Any]) -> List[Edit]:
    (fix,) = result["fixes"]
    (change,) = fix["artifactChanges"]

    def at(line: int, column: int) -> Position:
        return Position(line, column - 1)

    return [Edit(at(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
                 at(r["deletedRegion"]["endLine"], r["deletedRegion"]["endColumn"]), r["insertedContent"]["text"])
            for r in change["replacements"]]


def test_sarif_fixes_rewrite_the_file_as_fix_does(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    (result,) = _sarif(cli, "a.py")["runs"][0]["results"]
    assert result["fixes"][0]["description"]["text"] == "Insert .detach() (safe)"
    assert apply_edits(DET101, _edits_of(result)) == DET101_FIXED


def test_sarif_levels_and_no_findings(cli: Cli) -> None:
    write(cli.directory / "c.py", DET103)
    (result,) = _sarif(cli, "--extend-select", "DET103", "c.py")["runs"][0]["results"]
    assert result["level"] == "warning" and "codeFlows" in result
    assert _sarif(cli, "c.py")["runs"][0]["results"] == []


def test_gitlab_code_quality(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101 + "x.numpy()\n")
    write(cli.directory / "c.py", DET103)
    result = cli("check", "--extend-select", "DET103", "--output-format", "gitlab", ".")
    records = json.loads(result.out)
    assert [(r["check_name"], r["location"]["path"], r["location"]["positions"]["begin"]["line"], r["severity"])
            for r in records] == [("DET101", "a.py", 3, "critical"), ("DET101", "a.py", 4, "critical"),
                                  ("DET103", "c.py", 5, "minor")]
    fingerprints = [record["fingerprint"] for record in records]
    assert len(set(fingerprints)) == 3  # the two identical messages get their own
    write(cli.directory / "a.py", "\n\n" + DET101 + "x.numpy()\n")  # lines move, fingerprints stay
    again = json.loads(cli("check", "--extend-select", "DET103", "--output-format", "gitlab", ".").out)
    assert [record["fingerprint"] for record in again] == fingerprints
    assert "Found 3 findings" in result.err


def test_json_document(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    result = cli("check", "--output-format", "json", "a.py")
    document = json.loads(result.out)
    assert document["schema_version"] == 2 and document["tool"]["name"] == "flake8-detach"
    (record,) = json_findings(result.out)
    assert record["trace"][-1]["message"] == "converted: 'x.numpy()' (.numpy() converts it)"


def test_statistics(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101 + "x.numpy()\n")
    write(cli.directory / "b.py", DET102)
    write(cli.directory / "c.py", DET103)
    result = cli("check", "--statistics", "--extend-select", "DET103", "--quiet", ".")
    assert result.code == 1
    assert result.lines() == ["2\tDET101\t[*] numpy-on-grad-tensor",
                              "1\tDET102\t[*] implicit-conversion-of-grad-tensor",
                              "1\tDET103\t    undecided-conversion"]
    table = json.loads(cli("check", "--statistics", "--output-format", "json", ".").out)
    assert table[0] == {"code": "DET101", "name": "numpy-on-grad-tensor", "count": 2, "fixable": 2}


def test_output_file(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    result = cli("check", "--output-format", "sarif", "--output-file", "report.sarif", "a.py")
    assert result.code == 1 and result.out == ""
    assert json.loads((cli.directory / "report.sarif").read_text())["runs"][0]["results"][0]["ruleId"] == "DET101"


def test_the_readmes_json_example_is_what_the_command_prints(cli: Cli) -> None:
    block = README.split("- `json`: a document with a schema version", 1)[1].split("```json\n", 1)[1].split("```")[0]
    example = json.loads(block)
    write(cli.directory / "a.py", DET101)
    actual = json.loads(cli("check", "--output-format", "json", "a.py").out)
    (finding,) = actual["findings"]
    assert finding["message"].startswith(example["findings"][0]["message"].split("(...)")[0])
    finding["message"] = example["findings"][0]["message"]
    assert actual == example


def test_the_trace_names_the_branch_that_raises(cli: Cli) -> None:
    write(cli.directory / "a.py", "import torch\nx = torch.rand(3, requires_grad=True)\nflag = input()\n"
                                  "y = x if flag else x.detach()\ny.numpy()\n")
    (result,) = _sarif(cli, "a.py")["runs"][0]["results"]
    flow = result["codeFlows"][0]["threadFlows"][0]["locations"]
    steps = [(step["location"]["physicalLocation"]["region"]["startLine"], step["location"]["message"]["text"])
             for step in flow]
    assert steps[-2:] == [(4, "on the path where this test is true"),
                          (5, "converted: 'y.numpy()' (.numpy() converts it)")]
