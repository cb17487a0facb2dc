"""Which files a folder search finds: .gitignore, virtual environments, site-packages, --verbose."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import List

import pytest

from frontend_support import DET101, DET101_FIXED, Cli, json_findings, write


def _paths(cli: Cli, *args: str) -> List[str]:
    result = cli("check", "--output-format", "json", *args)
    return [record["filename"] for record in json_findings(result.out)]


def _virtualenv(folder: Path) -> None:
    write(folder / "pyvenv.cfg", "home = /usr/bin\n")
    write(folder / "lib/python3.11/site-packages/torchlib/convert.py", DET101)


def test_virtual_environments_of_any_name_are_skipped_and_never_fixed(cli: Cli) -> None:
    _virtualenv(cli.directory / "env")
    _virtualenv(cli.directory / "tools/.py311")
    write(cli.directory / "train.py", DET101)
    assert _paths(cli, ".") == ["train.py"]
    assert cli("fix", ".").code == 0
    assert (cli.directory / "train.py").read_text() == DET101_FIXED
    assert (cli.directory / "env/lib/python3.11/site-packages/torchlib/convert.py").read_text() == DET101
    named = "env/lib/python3.11/site-packages"
    assert _paths(cli, named) == [f"{named}/torchlib/convert.py"]  # a named folder is searched


def test_site_packages_without_a_virtualenv_marker(cli: Cli) -> None:
    write(cli.directory / "vendor/lib/site-packages/x.py", DET101)
    assert _paths(cli, ".") == []


def test_gitignore_is_honoured(cli: Cli) -> None:
    write(cli.directory / ".gitignore", "generated/\n*_pb2.py\n!keep_pb2.py\n/top_only.py\n")
    write(cli.directory / "src/.gitignore", "scratch.py\n")
    for name in ("generated/a.py", "model_pb2.py", "keep_pb2.py", "top_only.py", "src/top_only.py",
                 "src/scratch.py", "src/model.py", "other/scratch.py"):
        write(cli.directory / name, DET101)
    assert _paths(cli, ".") == ["keep_pb2.py", "other/scratch.py", "src/model.py", "src/top_only.py"]
    assert _paths(cli, "model_pb2.py") == ["model_pb2.py"]  # a named file is checked
    assert _paths(cli, "generated") == ["generated/a.py"]  # and a named folder searched


def test_the_repository_tops_gitignore_applies_to_a_subfolder(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["git", "init", "-q"], cwd=cli.directory, check=True)
    write(cli.directory / ".gitignore", "src/generated/\n")
    write(cli.directory / ".git/info/exclude", "local.py\n")
    for name in ("src/generated/a.py", "src/local.py", "src/model.py"):
        write(cli.directory / name, DET101)
    monkeypatch.chdir(cli.directory / "src")
    assert _paths(cli, ".") == ["model.py"]


def test_verbose_says_what_was_skipped_and_why(cli: Cli) -> None:
    _virtualenv(cli.directory / "env")
    write(cli.directory / ".gitignore", "out/\n")
    write(cli.directory / "out/a.py", DET101)
    write(cli.directory / "build/b.py", DET101)
    write(cli.directory / "old/c.py", DET101)
    err = cli("check", "--verbose", "--exclude", "old", ".").err
    assert "skipped env: a virtual environment (pyvenv.cfg)" in err
    assert f"skipped out: ignored by {cli.directory / '.gitignore'}" in err
    assert "skipped build: excluded by default" in err
    assert "skipped old: excluded by 'old'" in err
    assert cli("check", ".").err == ""  # quiet without --verbose


def test_force_exclude_skips_named_files_as_a_search_would(cli: Cli) -> None:
    """pre-commit names every tracked file; a committed virtualenv must still be left alone."""
    _virtualenv(cli.directory / "env")
    write(cli.directory / ".gitignore", "generated/\n")
    write(cli.directory / "generated/a.py", DET101)
    write(cli.directory / "train.py", DET101)
    installed = "env/lib/python3.11/site-packages/torchlib/convert.py"
    named = [installed, "generated/a.py", "train.py"]
    assert _paths(cli, *named) == sorted(named)
    assert _paths(cli, "--force-exclude", *named) == ["train.py"]
    err = cli("check", "--force-exclude", "--verbose", installed).err
    assert f"skipped {installed}: a virtual environment (pyvenv.cfg)" in err
