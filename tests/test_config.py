"""One configuration: flake8's file, [tool.flake8-detach] and the command line, for the CLI and the plugin alike."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Set, Tuple

import pytest

from flake8_detach.frontends.config import Configuration, load_configuration
from flake8_detach.settings import FixStyle
from frontend_support import CLEAN, DET101, DET102, DET103, Cli, json_findings, run, tool, write


def _found(cli: Cli, *args: str) -> List[Tuple[str, str]]:
    result = cli("check", "--output-format", "json", *args)
    assert result.code in (0, 1), result.err
    return sorted((record["filename"], record["code"]) for record in json_findings(result.out))


def _three_files(directory: Path) -> None:
    write(directory / "a.py", DET101)
    write(directory / "b.py", DET102)
    write(directory / "c.py", DET103)


# --- flake8's file ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["setup.cfg", "tox.ini", ".flake8"])
def test_the_cli_reads_flake8s_section(cli: Cli, name: str) -> None:
    _three_files(cli.directory)
    write(cli.directory / name, "[flake8]\nmax-line-length = 100\nextend_ignore = E203, DET102\n"
                                "extend-select = DET103\n")
    assert _found(cli, ".") == [("a.py", "DET101"), ("c.py", "DET103")]


def test_flake8_file_search_order_and_sections(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    _three_files(cli.directory / "sub")
    write(cli.directory / "setup.cfg", "[metadata]\nname = x\n")  # no [flake8]: not flake8's file
    write(cli.directory / "tox.ini", "[flake8]\nignore = DET101\n")
    write(cli.directory / ".flake8", "[flake8]\nignore = DET102\n")  # tox.ini comes first
    write(cli.directory / "sub/setup.cfg", "[tool:pytest]\n")  # searched from the working folder upwards
    monkeypatch.chdir(cli.directory / "sub")
    assert _found(cli, ".") == [("b.py", "DET102")]


def test_other_plugins_codes_pass_and_select_of_others_reports_nothing(cli: Cli) -> None:
    _three_files(cli.directory)
    write(cli.directory / "setup.cfg", "[flake8]\nselect = E,F,W,C90\n")
    assert _found(cli, ".") == []  # as in flake8: an explicit select that names none of ours
    write(cli.directory / "setup.cfg", "[flake8]\nselect = E,F,W,DET\nextend-ignore = DET103\n")
    assert _found(cli, ".") == [("a.py", "DET101"), ("b.py", "DET102")]


def test_a_typo_in_our_codes_in_flake8s_file_is_an_error(cli: Cli) -> None:
    write(cli.directory / "a.py", CLEAN)
    write(cli.directory / "setup.cfg", "[flake8]\nextend-ignore = E203, DET1O1\n")
    result = cli("check", ".")
    assert result.code == 2
    assert "setup.cfg: extend-ignore: unknown rule code or prefix 'DET1O1'" in result.err


def test_per_file_ignores_as_flake8_matches_them(cli: Cli) -> None:
    for folder in ("src", "tests", "tests/unit"):
        _three_files(cli.directory / folder)
    # The longest matching pattern applies, alone (flake8's rule): tests/unit/* gets DET101 back,
    # and `c.py` (a name) loses to the longer path patterns under tests/.
    write(cli.directory / "setup.cfg", "[flake8]\nper-file-ignores =\n    tests/*: DET101, DET102\n"
                                       "    tests/unit/*: DET102\n    c.py: DET103\nextend-select = DET103\n")
    assert _found(cli, ".") == [("src/a.py", "DET101"), ("src/b.py", "DET102"), ("tests/c.py", "DET103"),
                                ("tests/unit/a.py", "DET101"), ("tests/unit/c.py", "DET103")]


def test_per_file_ignores_on_the_command_line_and_in_pyproject(cli: Cli) -> None:
    _three_files(cli.directory / "pkg")
    assert _found(cli, "--per-file-ignores", "pkg/a.py:DET101", ".") == [("pkg/b.py", "DET102")]
    write(cli.directory / "pyproject.toml", '[tool.flake8-detach]\nper-file-ignores = {"pkg/b.py" = ["DET102"]}\n')
    assert _found(cli, ".") == [("pkg/a.py", "DET101")]


def test_bad_per_file_ignores(cli: Cli) -> None:
    write(cli.directory / "a.py", CLEAN)
    write(cli.directory / "setup.cfg", "[flake8]\nper-file-ignores = DET101\n")
    result = cli("check", ".")
    assert result.code == 2 and "setup.cfg: per-file-ignores: Expected `per-file-ignores`" in result.err


def test_flake8_excludes_are_relative_to_the_file(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("gen/a.py", "old/b.py", "src/gen/c.py", "src/keep.py"):
        write(cli.directory / name, DET101)
    write(cli.directory / "setup.cfg", "[flake8]\nexclude = ./gen\nextend-exclude = old\n")
    monkeypatch.chdir(cli.directory / "src")
    assert _found(cli, "..") == [("../src/gen/c.py", "DET101"), ("../src/keep.py", "DET101")]


def test_fix_style_from_flake8s_file(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    write(cli.directory / ".flake8", "[flake8]\ndetach-fix-style = force\n")
    assert "+x.numpy(force=True)" in cli("check", "--diff", "--unsafe-fixes", "a.py").out


# --- precedence ---------------------------------------------------------------------------------


def test_precedence_flake8_then_pyproject_then_command_line(cli: Cli) -> None:
    _three_files(cli.directory)
    write(cli.directory / "setup.cfg", "[flake8]\nselect = DET101\nextend-select = DET103\n")
    assert _found(cli, ".") == [("a.py", "DET101"), ("c.py", "DET103")]
    write(cli.directory / "pyproject.toml", '[tool.flake8-detach]\nselect = ["DET102"]\n')
    assert _found(cli, ".") == [("b.py", "DET102"), ("c.py", "DET103")]  # select replaced, extend-select kept
    assert _found(cli, "--select", "DET101", ".") == [("a.py", "DET101"), ("c.py", "DET103")]
    assert _found(cli, "--isolated", ".") == [("a.py", "DET101"), ("b.py", "DET102")]


def test_explicit_config_file_of_either_kind(cli: Cli) -> None:
    _three_files(cli.directory)
    write(cli.directory / "setup.cfg", "[flake8]\nignore = DET101\n")
    write(cli.directory / "conf/lint.ini", "[flake8]\nignore = DET102\n")
    write(cli.directory / "conf/lint.toml", '[tool.flake8-detach]\nignore = ["DET101", "DET102"]\n')
    assert _found(cli, "--config", "conf/lint.ini", ".") == [("a.py", "DET101")]  # only that file
    assert _found(cli, "--config", "conf/lint.toml", ".") == []
    assert cli("check", "--config", "conf/missing.ini", ".").code == 2


def test_load_configuration_is_one_call(tmp_path: Path) -> None:
    """What the language server calls: a folder in, settings, selection and per-file ignores out."""
    write(tmp_path / "setup.cfg", "[flake8]\nper-file-ignores = tests/*:DET101\n")
    write(tmp_path / "pyproject.toml", '[tool.flake8-detach]\nfix-style = "force"\nextend-select = ["DET103"]\n')
    config = load_configuration(tmp_path)
    assert isinstance(config, Configuration)
    assert config.settings.fix_style is FixStyle.FORCE
    assert config.files == ((tmp_path / "setup.cfg").resolve(), (tmp_path / "pyproject.toml").resolve())
    assert config.selection_for(str(tmp_path / "tests" / "a.py")).enabled("DET101") is False
    assert config.selection_for(str(tmp_path / "src" / "a.py")).enabled("DET101") is True
    assert config.selection_for("a.py").enabled("DET103") is True
    assert load_configuration(tmp_path, isolated=True) == Configuration()


def test_verbose_names_the_configuration_files(cli: Cli) -> None:
    write(cli.directory / "a.py", CLEAN)
    write(cli.directory / "tox.ini", "[flake8]\n")
    write(cli.directory / "pyproject.toml", "[tool.flake8-detach]\n")
    err = cli("check", "--verbose", ".").err
    assert f"configuration from {cli.directory.resolve() / 'tox.ini'}" in err
    assert f"configuration from {cli.directory.resolve() / 'pyproject.toml'}" in err


# --- flake8 and the command line on one tree ----------------------------------------------------

SETUP_CFG = """\
[flake8]
max-line-length = 120
extend-ignore = E203, DET102
extend-select = DET103
per-file-ignores =
    legacy/*.py: DET101
    legacy/keep.py: DET103
extend-exclude = generated
"""


def _tree(root: Path) -> None:
    examples = Path(__file__).resolve().parents[1] / "examples" / "evaluate.py"
    for folder in ("", "legacy/", "generated/", "pkg/deep/"):
        write(root / f"{folder}evaluate.py", examples.read_text(encoding="utf-8"))
        write(root / f"{folder}a.py", DET101)
        write(root / f"{folder}keep.py", DET101 + DET103.split("\n", 1)[1])
        write(root / f"{folder}b.py", DET102)


def _flake8_findings(root: Path, *args: str) -> Set[str]:
    result = run([sys.executable, "-m", "flake8", "--format", "%(path)s:%(row)d:%(col)d:%(code)s", *args, "."], root)
    assert result.returncode in (0, 1), result.stderr.decode()
    lines = (line.split(":", 3) for line in result.stdout.decode().split())
    return {f"{Path(path).as_posix().removeprefix('./')}:{row}:{col}:{code}"
            for path, row, col, code in lines if code.startswith("DET")}


def _cli_findings(root: Path, *args: str) -> Set[str]:
    result = run(tool("check", "--output-format", "json", *args, "."), root)
    assert result.returncode in (0, 1), result.stderr.decode()
    return {f"{r['filename']}:{r['location']['row']}:{r['location']['column']}:{r['code']}"
            for r in json_findings(result.stdout)}


@pytest.mark.parametrize(
    "setup_cfg, codes",
    [
        (SETUP_CFG, {"DET101", "DET103"}),
        (SETUP_CFG.replace("extend-ignore", "ignore"), {"DET101", "DET103"}),
        # flake8 alone would report the default-off DET103 once `ignore` is set; the plugin does not
        (SETUP_CFG.replace("extend-ignore", "ignore").replace("extend-select = DET103\n", ""), {"DET101"}),
    ],
    ids=["extend-ignore", "ignore", "ignore-without-select"],
)
def test_flake8_and_the_cli_report_the_same_findings(tmp_path: Path, setup_cfg: str, codes: Set[str]) -> None:
    _tree(tmp_path)
    write(tmp_path / "setup.cfg", setup_cfg)
    from_flake8 = _flake8_findings(tmp_path)
    assert from_flake8 == _cli_findings(tmp_path)
    assert {finding.rsplit(":", 1)[1] for finding in from_flake8} == codes  # the settings did something
    assert not any(finding.startswith("generated/") for finding in from_flake8)
    assert not any(finding.startswith("legacy/a.py") for finding in from_flake8)


def test_the_plugin_reads_the_fix_style_of_our_table(tmp_path: Path) -> None:
    write(tmp_path / "a.py", DET101)
    write(tmp_path / "pyproject.toml", '[tool.flake8-detach]\nfix-style = "force"\n')

    def message(*args: str) -> str:
        result = run([sys.executable, "-m", "flake8", "--select", "DET", *args, "a.py"], tmp_path)
        return result.stdout.decode()

    assert message().rstrip().endswith("use .numpy(force=True)")
    assert message("--detach-fix-style", "detach").rstrip().endswith("use .detach().numpy()")
