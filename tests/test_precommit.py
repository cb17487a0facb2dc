"""The pre-commit hooks, for real: a temporary git repository whose commit they stop and whose file they fix.

pre-commit builds the hooks' environment with pip from a clone of this
repository (only PyPI is needed).  The clone is a snapshot of the current work
tree, committed in a temporary repository, so that uncommitted changes are
tested too and both hooks share one environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from frontend_support import CLEAN, DET101, DET101_FIXED, ROOT, write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

IDENTITY = {
    "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
}


def _git(cwd: Path, env: Dict[str, str], *args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _project_files() -> List[str]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode()
    names = (name for name in listed.split("\0") if name and (ROOT / name).is_file())
    return [name for name in names if "__pycache__" not in Path(name).parts]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    bin_dir = str(Path(sys.executable).parent)  # pre-commit and git hooks find this Python's tools
    return {**environment, **IDENTITY, "PRE_COMMIT_HOME": str(home), "PATH": bin_dir + os.pathsep + environment["PATH"]}


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory, env: Dict[str, str]) -> Iterator[Path]:
    """This repository's work tree, committed in a temporary repository."""
    if not (ROOT / ".git").exists():
        pytest.skip("needs this project's git checkout")
    snapshot = tmp_path_factory.mktemp("hooks-repo")
    for name in _project_files():
        (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, snapshot / name)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        assert _git(snapshot, env, *args).returncode == 0
    yield snapshot


@pytest.fixture
def project(tmp_path: Path, env: Dict[str, str]) -> Path:
    assert _git(tmp_path, env, "init", "-q").returncode == 0
    return tmp_path


def _pre_commit(cwd: Path, env: Dict[str, str], *args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


def _try_repo(
    project: Path, hooks_repo: Path, env: Dict[str, str], hook: str, *files: str
) -> "subprocess.CompletedProcess[str]":
    # No --ref: the snapshot is clean, so try-repo uses its HEAD commit, the revision the config test uses.
    return _pre_commit(project, env, "try-repo", str(hooks_repo), hook, "--files", *files)


def test_hooks_stop_and_fix_a_bad_file(project: Path, hooks_repo: Path, env: Dict[str, str]) -> None:
    write(project / "train.py", DET101)
    write(project / "ok.py", CLEAN)
    assert _git(project, env, "add", "-A").returncode == 0

    checked = _try_repo(project, hooks_repo, env, "flake8-detach", "train.py", "ok.py")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "train.py:3:3: DET101" in checked.stdout

    fixed = _try_repo(project, hooks_repo, env, "flake8-detach-fix", "train.py", "ok.py")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr  # pre-commit fails a hook that changed files
    assert "files were modified by this hook" in fixed.stdout
    assert (project / "train.py").read_text() == DET101_FIXED
    assert (project / "ok.py").read_text() == CLEAN

    assert _try_repo(project, hooks_repo, env, "flake8-detach", "train.py", "ok.py").returncode == 0


def test_installed_hook_stops_the_commit(project: Path, hooks_repo: Path, env: Dict[str, str]) -> None:
    revision = _git(hooks_repo, env, "rev-parse", "HEAD").stdout.strip()
    config = f"repos:\n- repo: {hooks_repo}\n  rev: {revision}\n  hooks:\n  - id: flake8-detach\n"
    write(project / ".pre-commit-config.yaml", config)
    assert _pre_commit(project, env, "install").returncode == 0
    write(project / "train.py", DET101)
    assert _git(project, env, "add", "-A").returncode == 0

    stopped = _git(project, env, "commit", "-m", "bad")
    assert stopped.returncode != 0
    assert "DET101" in stopped.stdout + stopped.stderr
    assert _git(project, env, "rev-parse", "--verify", "HEAD").returncode != 0  # nothing was committed

    write(project / "train.py", DET101_FIXED)
    assert _git(project, env, "add", "-A").returncode == 0
    committed = _git(project, env, "commit", "-m", "good")
    assert committed.returncode == 0, committed.stdout + committed.stderr
