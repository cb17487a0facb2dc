"""The suite writes only inside the work tree and the temporary folder.

matplotlib (imported by the programs the oracle runs), pre-commit, virtualenv
and pip keep caches and settings in the home folder by default, and pip runs
`rustc --version` for its user agent, whose rustup proxy writes its settings
there; every process the tests start inherits these variables, which point
them at one temporary folder per test process instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from frontend_support import Cli

_CACHE_VARIABLES = ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "PRE_COMMIT_HOME",
                    "VIRTUALENV_OVERRIDE_APP_DATA", "PIP_CACHE_DIR", "RUSTUP_HOME")
_scratch = tempfile.mkdtemp(prefix="flake8-detach-tests-")


def pytest_configure(config: pytest.Config) -> None:
    for variable in _CACHE_VARIABLES:
        os.environ[variable] = os.path.join(_scratch, variable.lower())


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_scratch, ignore_errors=True)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The command line run in this process, in a temporary working folder."""
    monkeypatch.chdir(tmp_path)
    return Cli(capsys, tmp_path)
