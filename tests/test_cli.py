"""The ``flake8-detach`` command line: exit codes, formats, noqa, selection, files, configuration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set

import pytest

from flake8_detach.frontends import codes
from flake8_detach.frontends.filtering import Noqa, Selection
from flake8_detach.findings import Finding, Position
from flake8_detach.rules import RULES
from frontend_support import (
    BROKEN, CLEAN, DET101, DET101_FIXED, DET102, DET103, DET103_FIXED, ROOT, Cli, json_findings, run, tool, write,
)


def test_rule_registry_imports_no_libcst() -> None:
    """flake8 imports the registry on every run; libcst would cost ~0.2 s each time."""
    probe = "import sys, flake8_detach.frontends.flake8_plugin; print('libcst' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- exit codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "files, args, expected",
    [
        ({"a.py": CLEAN}, ["check", "a.py"], 0),
        ({"a.py": "print('no torch here')\n"}, ["check", "."], 0),
        ({"a.py": DET101}, ["check", "a.py"], 1),
        ({"a.py": DET103}, ["check", "a.py"], 0),  # DET103 is off by default
        ({"a.py": DET103}, ["check", "--extend-select", "DET103", "a.py"], 1),
        ({"a.py": DET101}, ["check", "--ignore", "DET101", "a.py"], 0),
        ({"a.py": CLEAN}, ["check", "missing.py"], 2),
        ({"a.py": DET101}, ["check", "a.py", "missing.py"], 2),
        ({"a.py": BROKEN}, ["check", "a.py"], 2),
        ({"a.py": CLEAN}, ["check", "--select", "DET999", "a.py"], 2),
        ({"a.py": CLEAN}, ["check", "--select", "E501", "a.py"], 2),
        ({"a.py": CLEAN}, ["check", "--no-such-option", "a.py"], 2),
        ({"a.py": CLEAN}, ["check", "--output-format", "xml", "a.py"], 2),
        ({"a.py": CLEAN}, ["check", "--fix-style", "sideways", "a.py"], 2),
        ({"a.py": CLEAN}, ["frobnicate"], 2),
        ({"a.py": CLEAN}, [], 2),
        ({"a.py": DET101}, ["fix", "--diff", "a.py"], 1),
        ({"a.py": CLEAN}, ["fix", "--diff", "a.py"], 0),
        ({"a.py": DET101}, ["fix", "a.py"], 0),  # everything fixed
        ({"a.py": DET103}, ["fix", "--extend-select", "DET103", "a.py"], 1),  # unsafe fix not applied
        ({"a.py": DET103}, ["fix", "--extend-select", "DET103", "--unsafe-fixes", "a.py"], 0),
        ({"a.py": BROKEN}, ["fix", "a.py"], 2),
        ({"a.py": CLEAN}, ["rule", "DET101"], 0),
        ({"a.py": CLEAN}, ["rule", "DET999"], 2),
        ({"a.py": CLEAN}, ["rules"], 0),
        ({"a.py": CLEAN}, ["--version"], 0),
        ({"a.py": CLEAN}, ["--help"], 0),
    ],
)
def test_exit_status(cli: Cli, files: Dict[str, str], args: List[str], expected: int) -> None:
    for name, text in files.items():
        write(cli.directory / name, text)
    assert cli(*args).code == expected


def test_usage_errors_are_one_line(cli: Cli) -> None:
    for args in (["check", "--bogus"], ["check", "--select", "DET9"], ["rule", "X1"], ["check", "--output-format"]):
        result = cli(*args)
        assert result.code == 2
        assert len(result.err.strip().splitlines()) == 1, result.err
        assert result.err.startswith("flake8-detach: error: ")


def test_file_errors_name_the_file_and_go_on(cli: Cli) -> None:
    write(cli.directory / "broken.py", BROKEN)
    write(cli.directory / "bad.py", DET101)
    result = cli("check", "broken.py", "missing.py", "bad.py")
    assert result.code == 2
    assert "broken.py: cannot analyse: syntax error" in result.err
    assert "missing.py: no such file or directory" in result.err
    assert "bad.py:3:3: DET101" in result.out


def test_undecodable_file(cli: Cli) -> None:
    (cli.directory / "a.py").write_bytes(b"# -*- coding: utf-8 -*-\nx = '\xff'\n")
    result = cli("check", "a.py")
    assert result.code == 2 and "a.py: cannot decode" in result.err


# --- text, json, github -----------------------------------------------------------------------


def test_text_output(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    result = cli("check", "a.py")
    first, summary = result.lines()
    assert first.startswith("a.py:3:3: DET101 [*] .numpy() on a tensor that requires grad")
    assert first.endswith("use .detach().numpy()")
    assert summary == "Found 1 finding in 1 file; [*] 1 fixable with `flake8-detach check --fix`."


def test_clean_summary(cli: Cli) -> None:
    write(cli.directory / "a.py", CLEAN)
    assert cli("check", ".").out == "No findings in 1 file.\n"


def test_unsafe_fix_is_marked_only_with_unsafe_fixes(cli: Cli) -> None:
    write(cli.directory / "a.py", DET103)
    plain = cli("check", "--extend-select", "DET103", "a.py")
    assert "DET103 .numpy()" in plain.out and "[*]" not in plain.lines()[0]
    assert "1 more with `flake8-detach check --fix --unsafe-fixes`" in plain.out
    unsafe = cli("check", "--extend-select", "DET103", "--unsafe-fixes", "a.py")
    assert "DET103 [*] .numpy()" in unsafe.out


def test_json_output(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    result = cli("check", "--output-format", "json", "a.py")
    assert result.code == 1
    (record,) = json_findings(result.out)
    assert set(record) == {"filename", "cell", "code", "name", "url", "message", "location", "end_location",
                           "noqa_row", "fix", "trace"}
    assert record["filename"] == "a.py" and record["cell"] is None and record["code"] == "DET101"
    assert record["name"] == "numpy-on-grad-tensor" and record["url"].endswith("#det101-numpy-on-grad-tensor")
    assert record["location"] == {"row": 3, "column": 3}
    assert record["end_location"] == {"row": 3, "column": 8}  # `numpy`
    assert [step["location"]["row"] for step in record["trace"]] == [2, 2, 3]  # source, assignment, conversion
    assert record["fix"]["applicability"] == "safe"
    assert record["fix"]["message"]
    (edit,) = record["fix"]["edits"]
    at = {"row": 3, "column": 2}
    assert edit == {"content": ".detach()", "cell": None, "location": at, "end_location": at}
    assert "Found 1 finding" in result.err  # the summary stays off standard output


def test_json_clean_is_an_empty_list(cli: Cli) -> None:
    write(cli.directory / "a.py", CLEAN)
    result = cli("check", "--output-format", "json", "a.py")
    assert (result.code, json_findings(result.out)) == (0, [])


def test_json_unsafe_fix_applicability(cli: Cli) -> None:
    write(cli.directory / "a.py", DET103)
    (record,) = json_findings(cli("check", "--extend-select", "DET103", "--output-format", "json", "a.py").out)
    assert record["fix"]["applicability"] == "unsafe"


def test_github_output(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    (line,) = cli("check", "--output-format", "github", "a.py").lines()
    assert line.startswith("::error title=flake8-detach (DET101),file=a.py,line=3,col=3,endLine=3,endColumn=8::"
                           "DET101 .numpy() on")
    write(cli.directory / "b.py", DET103)
    (line,) = cli("check", "--extend-select", "DET103", "--output-format", "github", "b.py").lines()
    assert line.startswith("::warning ")  # may raise: a warning, not an error


# --- noqa -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "comment, silenced",
    [
        ("  # noqa", True),
        ("  # NOQA", True),
        ("  # noqa: DET101", True),
        ("  # noqa:DET101", True),
        ("  # noqa: E501,DET101", True),
        ("  # noqa: DET1", True),
        ("  # noqa: DET102", False),
        ("  # noqa: E501", False),
        ("  # something else", False),
    ],
)
def test_noqa(cli: Cli, comment: str, silenced: bool) -> None:
    write(cli.directory / "a.py", DET101.replace("x.numpy()", "x.numpy()" + comment))
    assert cli("check", "a.py").code == (0 if silenced else 1)


def test_noqa_applies_to_the_finding_line_only(cli: Cli) -> None:
    source = "import torch\nx = torch.rand(3, requires_grad=True)  # noqa\nx.numpy()\n"
    write(cli.directory / "a.py", source)
    assert cli("check", "a.py").code == 1


def test_noqa_on_the_line_of_a_multiline_call(cli: Cli) -> None:
    source = "import torch\nx = torch.rand(3, requires_grad=True)\ny = (\n    x\n    .numpy()  # noqa: DET101\n)\n"
    write(cli.directory / "a.py", source)
    assert cli("check", "a.py").code == 0


def test_file_level_noqa_and_disable_noqa(cli: Cli) -> None:
    write(cli.directory / "a.py", "# flake8: noqa\n" + DET101.replace("x.numpy()", "x.numpy()  # noqa"))
    assert cli("check", "a.py").code == 0
    assert cli("check", "--disable-noqa", "a.py").code == 1


def test_noqa_inside_a_multiline_string_token() -> None:
    source = 'x = """\nfirst\n"""  # noqa: DET101\ny = 1\n'
    finding = Finding("DET101", "m", Position(2, 0))
    assert Noqa(source).suppresses(finding)
    assert not Noqa(source).suppresses(Finding("DET101", "m", Position(4, 0)))


# --- select, ignore, prefixes -----------------------------------------------------------------


def _found(cli: Cli, *args: str) -> List[str]:
    result = cli("check", "--output-format", "json", *args)
    return sorted(record["code"] for record in json_findings(result.out))


def test_the_checker_is_told_which_rules_are_shown(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """So that it can skip what only a hidden rule could report (DET103's undecided values, which
    the walk of analysis/reach.py cannot rule out), as under flake8."""
    import flake8_detach.checker

    asked: List[object] = []
    check_source = flake8_detach.checker.check_source
    monkeypatch.setattr(flake8_detach.checker, "check_source",
                        lambda source, settings, **kwargs: asked.append(settings.rules) or check_source(
                            source, settings, **kwargs))
    write(cli.directory / "a.py", DET103)
    cli("check", ".")
    cli("check", "--extend-select", "DET103", ".")
    cli("check", "--select", "DET201", ".")
    default = frozenset(RULES) - frozenset(codes.DEFAULT_OFF)
    assert asked == [default, default | {"DET103"}, frozenset({"DET201"})]


def test_select_and_ignore(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    write(cli.directory / "b.py", DET102)
    write(cli.directory / "c.py", DET103)
    assert _found(cli, ".") == ["DET101", "DET102"]
    assert _found(cli, "--select", "DET102", ".") == ["DET102"]
    assert _found(cli, "--select", "DET101,DET102", ".") == ["DET101", "DET102"]
    assert _found(cli, "--ignore", "DET101", ".") == ["DET102"]
    assert _found(cli, "--ignore", "DET1", ".") == []
    assert _found(cli, "--extend-select", "DET103", ".") == ["DET101", "DET102", "DET103"]
    assert _found(cli, "--select", "DET103", ".") == ["DET103"]
    assert _found(cli, "--extend-ignore", "DET102", ".") == ["DET101"]
    assert _found(cli, "--select", "det101", ".") == ["DET101"]


@pytest.mark.parametrize(
    "selection, enabled",
    [
        (Selection(), {"DET101", "DET102"}),
        (Selection(select=("DET",)), {"DET101", "DET102", "DET103"}),  # as flake8: explicit beats default
        (Selection(select=("DET10",), ignore=("DET103",)), {"DET101", "DET102"}),
        (Selection(select=("DET103",), ignore=("DET1",)), {"DET103"}),  # the longer prefix wins
        (Selection(select=("DET1",), ignore=("DET103",)), {"DET101", "DET102"}),
        (Selection(ignore=("DET101",)), {"DET102"}),  # DET103 stays off
        (Selection(extend_select=("DET103",)), {"DET101", "DET102", "DET103"}),
        (Selection(extend_select=("DET103",), extend_ignore=("DET103",)), {"DET101", "DET102"}),
        (Selection(select=()), set()),
    ],
)
def test_selection(selection: Selection, enabled: Set[str]) -> None:
    """Prefixes and defaults, on DET101-DET103 (other rules' codes do not change the logic)."""
    family = [code for code in codes.KNOWN_CODES if code in ("DET101", "DET102", "DET103")]
    assert {code for code in family if selection.enabled(code)} == enabled


# --- standard input ---------------------------------------------------------------------------


def test_stdin(tmp_path: Path) -> None:
    result = run(tool("check", "--stdin-filename", "src/model.py", "-"), tmp_path, DET101.encode())
    assert result.returncode == 1
    assert result.stdout.decode().startswith("src/model.py:3:3: DET101 [*]")
    clean = run(tool("check", "-"), tmp_path, CLEAN.encode())
    assert clean.returncode == 0


# --- directories and exclusions ---------------------------------------------------------------


def _paths(cli: Cli, *args: str) -> List[str]:
    result = cli("check", "--output-format", "json", *args)
    return [record["filename"] for record in json_findings(result.out)]


def test_directories_recurse_sorted_and_skip_the_usual_folders(cli: Cli) -> None:
    for name in ("z.py", "pkg/sub/b.py", "pkg/a.py", ".venv/lib/x.py", "venv/x.py", "build/x.py",
                 "dist/x.py", "__pycache__/x.py", ".git/x.py", ".tox/x.py", ".eggs/x.py",
                 "node_modules/x.py", "notes.txt"):
        write(cli.directory / name, DET101)
    expected = ["pkg/a.py", "pkg/sub/b.py", "z.py"]
    assert _paths(cli, ".") == expected
    assert _paths(cli, "z.py", "pkg") == expected
    assert _paths(cli, "notes.txt") == ["notes.txt"]  # a named file is checked whatever its name
    assert _paths(cli, "build") == ["build/x.py"]  # a named folder is searched


def test_exclude(cli: Cli) -> None:
    for name in ("keep.py", "generated_model.py", "gen/x.py", "other/gen/y.py"):
        write(cli.directory / name, DET101)
    assert _paths(cli, "--exclude", "generated_*.py", ".") == ["gen/x.py", "keep.py", "other/gen/y.py"]
    assert _paths(cli, "--exclude", "gen", ".") == ["generated_model.py", "keep.py"]
    assert _paths(cli, "--exclude", "./gen", ".") == ["generated_model.py", "keep.py", "other/gen/y.py"]
    assert _paths(cli, "--exclude", "gen,generated_*", "--exclude", "keep.py", ".") == []
    assert _paths(cli, "--exclude", "generated_*.py", "generated_model.py") == []
    assert _paths(cli, "--exclude", "gen", "gen/") == []


def test_output_is_deterministic_and_sorted(cli: Cli) -> None:
    two = DET101 + "x.numpy()\n"
    for name in ("b.py", "a.py", "c/a.py"):
        write(cli.directory / name, two)
    first, second = cli("check", "."), cli("check", "c", "b.py", "a.py")
    assert first.out == second.out
    assert [line.split(":")[:2] for line in first.lines()[:-1]] == [
        ["a.py", "3"], ["a.py", "4"], ["b.py", "3"], ["b.py", "4"], ["c/a.py", "3"], ["c/a.py", "4"],
    ]


def test_a_file_named_twice_is_checked_once(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    assert _paths(cli, "a.py", ".", "./a.py") == ["a.py"]


# --- configuration ----------------------------------------------------------------------------


def test_config_from_the_nearest_pyproject(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    write(cli.directory / "pyproject.toml", '[tool.flake8-detach]\nextend-select = ["DET103"]\nignore = ["DET102"]\n')
    write(cli.directory / "sub/pyproject.toml", '[project]\nname = "not-ours"\n')  # skipped: no table
    write(cli.directory / "sub/a.py", DET101)
    write(cli.directory / "sub/b.py", DET102)
    write(cli.directory / "sub/c.py", DET103)
    monkeypatch.chdir(cli.directory / "sub")
    assert _found(cli, ".") == ["DET101", "DET103"]
    assert _found(cli, "--ignore", "DET101", ".") == ["DET102", "DET103"]  # the command line wins
    assert _found(cli, "--isolated", ".") == ["DET101", "DET102"]


def test_config_select_fix_style_and_exclude(cli: Cli) -> None:
    write(cli.directory / "pyproject.toml",
          '[tool.flake8-detach]\nselect = "DET101"\nfix-style = "force"\nexclude = ["skip/*", "old_*.py"]\n')
    write(cli.directory / "a.py", DET101)
    write(cli.directory / "b.py", DET102)
    write(cli.directory / "skip/c.py", DET101)
    write(cli.directory / "old_d.py", DET101)
    assert _paths(cli, ".") == ["a.py"]
    result = cli("fix", "--diff", "--unsafe-fixes", "a.py")
    assert "+x.numpy(force=True)" in result.out
    assert "+x.detach().numpy()" in cli("fix", "--diff", "--fix-style", "detach", "a.py").out


def test_explicit_config_file(cli: Cli) -> None:
    write(cli.directory / "conf/settings.toml", '[tool.flake8-detach]\nignore = ["DET101"]\n')
    write(cli.directory / "a.py", DET101)
    assert cli("check", "--config", "conf/settings.toml", "a.py").code == 0
    assert cli("check", "--config", "conf/missing.toml", "a.py").code == 2


@pytest.mark.parametrize(
    "content, message",
    [
        ('[tool.flake8-detach]\nselct = ["DET101"]\n', "unknown key 'selct'"),
        ('[tool.flake8-detach]\nselect = ["DET999"]\n', "unknown rule code or prefix 'DET999'"),
        ('[tool.flake8-detach]\nfix-style = "sideways"\n', "expected one of detach, force"),
        ('[tool.flake8-detach]\nselect = [1, 2]\n', "expected a list of strings"),
        ('[tool.flake8-detach]\nselect = [\n', "invalid TOML"),
    ],
)
def test_bad_config(cli: Cli, content: str, message: str) -> None:
    write(cli.directory / "pyproject.toml", content)
    write(cli.directory / "a.py", CLEAN)
    result = cli("check", "a.py")
    assert result.code == 2
    assert message in result.err and "pyproject.toml" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_unreadable_config(cli: Cli) -> None:
    (cli.directory / "pyproject.toml").write_bytes(b"[tool.flake8-detach]\nselect = '\xff'\n")
    assert cli("check", ".").code == 2


# --- rule docs --------------------------------------------------------------------------------


def test_rule_doc(cli: Cli) -> None:
    result = cli("rule", "det101")
    assert result.out.startswith("### DET101 (numpy-on-grad-tensor)\n")
    headings = [line for line in result.lines() if line.startswith("#### ")]
    assert headings == ["#### What it does", "#### Why is this bad?", "#### Example", "#### Use instead",
                        "#### Fix safety"]
    assert RULES["DET101"].doc.fix_safety in result.out


def test_rules_list(cli: Cli) -> None:
    lines = cli("rules").lines()
    assert [line.split()[0] for line in lines] == list(RULES)
    assert [line.split()[2] for line in lines] == ["on" if rule.default_enabled else "off" for rule in RULES.values()]
    assert [line.split()[2] for line in lines][:3] == ["on", "on", "off"]
    table = cli("rules", "--markdown").out
    assert table.startswith("| Code | Name | Default | What it finds |")
    assert "| DET103 | undecided-conversion | off |" in table


# --- entry points -----------------------------------------------------------------------------


def test_module_and_console_script(tmp_path: Path) -> None:
    write(tmp_path / "a.py", DET101)
    by_module = run(tool("check", "a.py"), tmp_path)
    assert by_module.returncode == 1 and b"a.py:3:3: DET101" in by_module.stdout
    script = Path(sys.executable).with_name("flake8-detach")
    if script.exists():  # installed by pip with the package
        assert run([str(script), "check", "a.py"], tmp_path).stdout == by_module.stdout
    version = run(tool("--version"), ROOT)
    assert version.returncode == 0 and version.stdout.decode().startswith("flake8-detach ")


# --- ruff's habits ----------------------------------------------------------------------------


def test_check_fix_is_fix_and_options_are_never_abbreviated(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    result = cli("check", "--fix", "a.py")
    assert result.code == 0 and (cli.directory / "a.py").read_text() == DET101_FIXED
    assert result.out == "Fixed 1 finding in 1 file; 0 remaining.\n"
    for abbreviated in (["check", "--fix-sty", "force", "a.py"], ["check", "--out", "json", "a.py"],
                        ["check", "--stat", "a.py"]):
        wrong = cli(*abbreviated)
        assert wrong.code == 2 and "unrecognized arguments" in wrong.err, abbreviated


def test_check_diff_unsafe_fixes_and_show_fixes(cli: Cli) -> None:
    write(cli.directory / "a.py", DET103)
    diff = cli("check", "--diff", "--unsafe-fixes", "--extend-select", "DET103", "a.py")
    assert diff.code == 1 and "+    return t.detach().cpu().numpy()" in diff.out
    assert (cli.directory / "a.py").read_text() == DET103  # --diff writes nothing
    shown = cli("check", "--show-fixes", "--extend-select", "DET103", "a.py")
    assert "a.py:5:20: DET103 fix (unsafe): Insert .detach() (unsafe: not known to be a torch tensor)" in shown.lines()
    fixed = cli("check", "--fix", "--unsafe-fixes", "--show-fixes", "--extend-select", "DET103", "a.py")
    fixed_line = "a.py:5:20: DET103 fixed: Insert .detach() (unsafe: not known to be a torch tensor)"
    assert fixed.code == 0 and fixed_line in fixed.lines()
    assert (cli.directory / "a.py").read_text() == DET103_FIXED


def test_exit_zero_quiet_and_fix_only(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    write(cli.directory / "c.py", DET103)
    zero = cli("check", "--exit-zero", ".")
    assert zero.code == 0 and "a.py:3:3: DET101" in zero.out
    quiet = cli("check", "--quiet", ".")
    assert quiet.code == 1 and quiet.lines() == [line for line in zero.lines() if line.startswith("a.py")]
    only = cli("check", "--fix-only", "--extend-select", "DET103", ".")  # the unsafe DET103 fix stays
    assert only.code == 0 and only.out == "Fixed 1 finding in 1 file.\n" and only.err == ""
    assert (cli.directory / "a.py").read_text() == DET101_FIXED
    write(cli.directory / "broken.py", BROKEN)
    assert cli("check", "--exit-zero", ".").code == 2  # errors still count


def test_fix_stdin_is_an_editor_formatter(tmp_path: Path) -> None:
    remains = run(tool("fix", "--extend-select", "DET103", "-"), tmp_path, (DET101 + DET103[13:]).encode())
    assert remains.returncode == 0, remains.stderr  # an unsafe fix left undone is no failure
    assert remains.stdout.decode().startswith(DET101_FIXED)
    assert b"1 remaining" in remains.stderr


# --- summaries when a file cannot be processed --------------------------------------------------


def test_summary_of_a_file_that_cannot_be_written(cli: Cli) -> None:
    path = write(cli.directory / "a.py", DET101 + "x.numpy()\n")
    path.chmod(0o444)
    result = cli("fix", "a.py")
    assert result.code == 2
    assert [line.split(":")[1] for line in result.lines()[:-1]] == ["3", "4"]  # still there
    assert result.lines()[-1] == "No fix written; 2 remaining; 1 file could not be fixed."


def test_summary_of_a_file_that_cannot_be_analysed(cli: Cli) -> None:
    write(cli.directory / "broken.py", BROKEN)
    assert cli("check", ".").out == "1 file could not be checked.\n"
    write(cli.directory / "a.py", DET101)
    write(cli.directory / "b.py", CLEAN)
    assert cli("check", ".").lines()[-1] == (
        "Found 1 finding in 2 files; [*] 1 fixable with `flake8-detach check --fix`; 1 file could not be checked.")
