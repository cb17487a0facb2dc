"""pre-commit as the README writes it, for real: temporary git repositories, offline from any git host.

The hooks repository is a snapshot of the current work tree committed in a
temporary repository (so uncommitted changes are tested too); the README's
configurations are run with its URL replaced by that repository's path.
pre-commit builds the hooks' environments with pip (only PyPI is needed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from flake8_detach import REPOSITORY_URL
from frontend_support import CLEAN, DET101, DET101_FIXED, ROOT, write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

IDENTITY = {
    "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
}
README = (ROOT / "README.md").read_text(encoding="utf-8")
# One safe fix (DET101) and one finding whose fix is unsafe (a list of grad tensors): it remains.
TRAIN = DET101 + "import numpy as np\nlosses = []\nfor _ in range(2):\n    losses.append((x * 2).sum())\n" \
                 "print(np.mean(losses))\n"


def _git(cwd: Path, env: Dict[str, str], *args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _project_files() -> List[str]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode()
    names = (name for name in listed.split("\0") if name and (ROOT / name).is_file())
    return [name for name in names if "__pycache__" not in Path(name).parts]


def _readme_yaml(marker: str) -> str:
    """The YAML block that follows ``<!-- marker ... -->`` in the README."""
    match = re.search(rf"<!-- {re.escape(marker)}:.*?-->\n```yaml\n(.*?)```", README, re.DOTALL)
    assert match, f"README: no YAML block after <!-- {marker}: ... -->"
    return match.group(1)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    bin_dir = str(Path(sys.executable).parent)  # pre-commit and git hooks find this Python's tools
    return {**environment, **IDENTITY, "PRE_COMMIT_HOME": str(home), "PATH": bin_dir + os.pathsep + environment["PATH"]}


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory, env: Dict[str, str]) -> Iterator[Path]:
    """This repository's work tree, committed on `main` in a temporary repository."""
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


def _output(result: "subprocess.CompletedProcess[str]") -> str:
    return result.stdout + result.stderr


def test_the_readmes_configuration_frozen_to_a_hash(project: Path, hooks_repo: Path, env: Dict[str, str]) -> None:
    config = _readme_yaml("pre-commit").replace(REPOSITORY_URL, str(hooks_repo))
    write(project / ".pre-commit-config.yaml", config)
    frozen = _pre_commit(project, env, "autoupdate", "--freeze")
    assert frozen.returncode == 0, _output(frozen)
    revision = _git(hooks_repo, env, "rev-parse", "HEAD").stdout.strip()
    assert f"rev: {revision}" in (project / ".pre-commit-config.yaml").read_text()
    write(project / "train.py", TRAIN)
    write(project / "ok.py", CLEAN)
    assert _git(project, env, "add", "-A").returncode == 0

    first = _pre_commit(project, env, "run", "--all-files")
    assert first.returncode == 1, _output(first)
    assert "files were modified by this hook" in first.stdout  # the fix hook wrote the safe fix
    assert (project / "train.py").read_text().startswith(DET101_FIXED)
    reported = [line for line in first.stdout.splitlines() if line.startswith("train.py:")]
    assert len(reported) == 1 and "DET102" in reported[0], first.stdout  # once, by the check hook
    assert (project / "ok.py").read_text() == CLEAN

    second = _pre_commit(project, env, "run", "--all-files")
    assert "files were modified" not in second.stdout and "DET102" in second.stdout


def test_try_repo_as_the_readme_shows(project: Path, hooks_repo: Path, env: Dict[str, str]) -> None:
    command = re.search(r"^pre-commit try-repo (\S+) (\S+) --all-files$", README, re.MULTILINE)
    assert command and command.group(1) == REPOSITORY_URL
    write(project / "train.py", DET101)
    assert _git(project, env, "add", "-A").returncode == 0
    checked = _pre_commit(project, env, "try-repo", str(hooks_repo), command.group(2), "--all-files")
    assert checked.returncode == 1, _output(checked)
    assert "train.py:3:3: DET101" in checked.stdout


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


def test_flake8_route_installs_the_plugin_from_the_repository(
    project: Path, hooks_repo: Path, env: Dict[str, str]
) -> None:
    """flake8's own hooks repository is not reachable offline: a local hook with the README's dependency."""
    readme = _readme_yaml("pre-commit flake8")
    (dependency,) = re.findall(r'^\s+- "(flake8-detach @ git\+\S+)"$', readme, re.MULTILINE)
    dependency = dependency.replace(REPOSITORY_URL, f"file://{hooks_repo}")
    import flake8

    config = (
        "repos:\n- repo: local\n  hooks:\n  - id: flake8\n    name: flake8\n    entry: flake8\n"
        f"    language: python\n    types: [python]\n    additional_dependencies:\n"
        f"    - flake8=={flake8.__version__}\n    - \"{dependency}\"\n"
    )
    write(project / ".pre-commit-config.yaml", config)
    write(project / "train.py", DET101)
    assert _git(project, env, "add", "-A").returncode == 0
    result = _pre_commit(project, env, "run", "--all-files")
    assert result.returncode == 1, _output(result)
    assert "train.py:3:3: DET101 .numpy() on a tensor that requires grad" in result.stdout
