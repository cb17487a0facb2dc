"""The flake8 plugin, end to end through flake8 in a subprocess."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import FrozenSet, List, Set, Tuple

import pytest

from flake8_detach.frontends import common
from flake8_detach.frontends.flake8_plugin import DetachChecker
from flake8_detach.rules import RULES
from flake8_detach.settings import Settings
from frontend_support import BROKEN, CLEAN, DET101, DET102, DET103, ROOT, json_findings, run, tool, write


def flake8(cwd: Path, *args: str, stdin: bytes = b"") -> Tuple[int, List[str], str]:
    result = run([sys.executable, "-m", "flake8", "--select", "DET10", *args], cwd, stdin)
    return result.returncode, result.stdout.decode().splitlines(), result.stderr.decode()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "a.py", DET101)
    write(tmp_path / "b.py", DET102)
    write(tmp_path / "c.py", DET103)
    write(tmp_path / "clean.py", CLEAN)
    return tmp_path


def test_codes_and_positions(project: Path) -> None:
    code, lines, err = flake8(project, "a.py", "b.py")
    assert code == 1, err
    assert lines[0].startswith("a.py:3:3: DET101 .numpy() on a tensor that requires grad")
    assert lines[1].startswith("b.py:4:5: DET102 ")
    assert len(lines) == 2


def test_default_off_rule(project: Path) -> None:
    result = run([sys.executable, "-m", "flake8", "c.py"], project)
    assert b"DET" not in result.stdout and b"F401" in result.stdout  # flake8's own checks ran
    result = run([sys.executable, "-m", "flake8", "--extend-select", "DET103", "c.py"], project)
    assert "\nc.py:5:20: DET103 .numpy() on 't.cpu()'" in result.stdout.decode()


def test_noqa(tmp_path: Path) -> None:
    write(tmp_path / "a.py", DET101.replace("x.numpy()", "x.numpy()  # noqa: DET101\nx.numpy()  # noqa: E501"))
    code, lines, _ = flake8(tmp_path, "a.py")
    assert [line.split(":")[1] for line in lines] == ["4"]


def test_stdin(tmp_path: Path) -> None:
    code, lines, err = flake8(tmp_path, "--stdin-display-name", "model.py", "-", stdin=DET101.encode())
    assert code == 1 and lines[0].startswith("model.py:3:3: DET101"), err
    assert flake8(tmp_path, "-", stdin=CLEAN.encode())[:2] == (0, [])


def test_jobs_give_the_same_findings(project: Path) -> None:
    for index in range(6):
        write(project / f"more_{index}.py", DET101 if index % 2 else DET102)
    single = flake8(project, "--jobs", "1", ".")
    double = flake8(project, "--jobs", "2", ".")
    assert single[1] and sorted(single[1]) == sorted(double[1])


def test_version_lists_the_plugin(tmp_path: Path) -> None:
    result = run([sys.executable, "-m", "flake8", "--version"], tmp_path)
    assert b"flake8-detach: " in result.stdout


def test_unparsable_file_gives_a_clean_run(tmp_path: Path) -> None:
    write(tmp_path / "broken.py", BROKEN)
    result = run([sys.executable, "-m", "flake8", "broken.py"], tmp_path)
    assert b"Traceback" not in result.stderr and b"DET" not in result.stdout
    # flake8's own report, where this Python's parser places the error (3.9: the next line)
    assert result.stdout.startswith(b"broken.py:") and b": E999 SyntaxError" in result.stdout


def test_too_deep_to_analyse_gives_no_finding() -> None:
    # flake8 cannot run such a file at all (pyflakes recurses too deeply first), so call the plugin.
    deep = "import torch\nx = torch.rand(3, requires_grad=True)\ny = x" + ".abs()" * 300 + "\ny.numpy()\n"
    assert list(DetachChecker(None, deep.splitlines(True), "deep.py").run()) == []  # type: ignore[arg-type]


def test_fix_style_option(tmp_path: Path) -> None:
    write(tmp_path / "a.py", DET101)
    assert flake8(tmp_path, "a.py")[1][0].endswith("; use .detach().numpy()")
    code, lines, _ = flake8(tmp_path, "--detach-fix-style", "force", "a.py")
    assert code == 1 and lines[0].endswith("; use .numpy(force=True)")  # the message says what the fix writes
    write(tmp_path / ".flake8", "[flake8]\ndetach-fix-style = force\n")
    assert flake8(tmp_path, "a.py")[1][0].endswith("; use .numpy(force=True)")
    write(tmp_path / ".flake8", "[flake8]\ndetach-fix-style = sideways\n")
    code, lines, err = flake8(tmp_path, "a.py")
    assert code == 1 and "detach-fix-style: expected one of detach, force" in "\n".join(lines)
    assert "Traceback" not in err


def test_plugin_and_cli_agree() -> None:
    examples = ROOT / "examples"
    plugin = run([sys.executable, "-m", "flake8", "--select", "DET", "--format",
                  "%(path)s:%(row)d:%(col)d:%(code)s", str(examples)], ROOT)
    cli = run(tool("check", "--select", "DET", "--output-format", "json", str(examples)), ROOT)
    from_plugin: Set[str] = set(plugin.stdout.decode().split())
    from_cli = {f"{r['filename']}:{r['location']['row']}:{r['location']['column']}:{r['code']}"
                for r in json_findings(cli.stdout)}
    assert from_plugin and from_plugin == from_cli


def test_importing_and_running_on_torch_free_files_does_not_load_libcst(tmp_path: Path) -> None:
    write(tmp_path / "plain.py", "import os\nprint(os.getcwd())\n")
    result = run([sys.executable, "-X", "importtime", "-m", "flake8", "plain.py"], tmp_path)
    assert result.returncode == 0 and b"flake8_detach" in result.stderr
    assert b"libcst" not in result.stderr


def test_rules_flake8_will_not_show_are_not_analysed(project: Path) -> None:
    """flake8 runs the plugin whatever is selected: with no DET code selected, the file
    holding a DET101 finding is not even parsed with libcst."""
    result = run([sys.executable, "-X", "importtime", "-m", "flake8", "--select", "F", "a.py"], project)
    assert b"flake8_detach" in result.stderr and b"libcst" not in result.stderr
    assert b"DET" not in result.stdout


def test_the_checker_is_told_which_rules_flake8_shows() -> None:
    """So that it spares the positions and messages of DET103's findings when DET103 is off."""
    from flake8.main.application import Application  # type: ignore[import-untyped,unused-ignore]

    def told(*argv: str) -> FrozenSet[str]:
        application = Application()
        application.initialize(["--isolated", *argv])
        DetachChecker.parse_options(application.options)
        assert DetachChecker.settings.rules == DetachChecker.reported_codes
        return DetachChecker.reported_codes

    default = {code for code, rule in RULES.items() if rule.default_enabled}
    try:
        assert {"DET101", "DET102"} <= told() == default and "DET103" not in default
        assert told("--extend-select", "DET103") == default | {"DET103"}
    finally:  # back to what the class starts with
        told()
        DetachChecker.settings = Settings()


def test_run_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(source: str, settings: object) -> None:
        raise AssertionError("a bug in the analysis")

    monkeypatch.setattr("flake8_detach.checker.check_source", explode)
    checker = DetachChecker(None, DET101.splitlines(True), "a.py")  # type: ignore[arg-type]
    assert list(checker.run()) == []
    assert "internal error" in (common.analyse(DET101, DetachChecker.settings).error or "")


def test_run_yields_flake8_tuples() -> None:
    (item,) = DetachChecker(None, DET101.splitlines(True), "a.py").run()  # type: ignore[arg-type]
    line, column, text, kind = item
    assert (line, column, kind) == (3, 2, DetachChecker) and text.startswith("DET101 .numpy()")
