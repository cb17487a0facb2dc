"""The linter never imports, executes or evaluates the code it reads, and writes only what it fixes.

The program under test is a trap: importing it, running it as a script, evaluating any of its
expressions (defaults, annotations, decorators, class bodies, metaclasses, module ``__getattr__``),
or importing the modules it names (a sibling module is planted for each) leaves a marker file.  It
also holds real bugs, so the analysis and the fixer go all the way through it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

import fuzzing
from flake8_detach.checker import check_source

TRAP_MODULE = "flake8_detach_safety_trap"


def _trap_program(markers: Path) -> str:
    def marker(name: str) -> str:
        return repr(str(markers / name))

    return textwrap.dedent(
        f"""\
        from __future__ import print_function
        import numpy as np
        import torch
        import {TRAP_MODULE}
        from {TRAP_MODULE}_from import something

        open({marker("top_level")}, "w").close()
        __import__("os").system("touch " + {marker("os_system")})
        exec({"open(%s, 'w').close()" % marker("exec")!r})
        eval({"open(%s, 'w')" % marker("eval")!r}).close()


        def __getattr__(name):
            open({marker("module_getattr")}, "w").close()


        def side_effect(function):
            open({marker("decorator")}, "w").close()
            return function


        @side_effect
        def decorated(x=open({marker("default_argument")}, "w")) -> open({marker("annotation")}, "w"):
            return x


        class Meta(type):
            def __new__(mcs, name, bases, namespace):
                open({marker("metaclass")}, "w").close()
                return super().__new__(mcs, name, bases, namespace)


        class Model(metaclass=Meta):
            open({marker("class_body")}, "w").close()
            weight = torch.nn.Parameter(torch.ones(3))

            def forward(self, x):
                return x * self.weight


        if __name__ == "__main__":
            open({marker("main_block")}, "w").close()

        x = torch.rand(3, requires_grad=True)
        print(x.numpy())
        print(np.asarray(x * 2))
        losses = [x.sum() for _ in range(3)]
        print(np.mean(losses))
        """
    )


def _plant(folder: Path, markers: Path) -> Path:
    """The trap program and the modules it imports, each of which leaves a marker when imported."""
    folder.mkdir(parents=True, exist_ok=True)
    markers.mkdir(parents=True, exist_ok=True)
    for module in (TRAP_MODULE, f"{TRAP_MODULE}_from"):
        (folder / f"{module}.py").write_text(
            f"open({str(markers / ('imported_' + module))!r}, 'w').close()\nsomething = 1\n", encoding="utf-8"
        )
    program = folder / "trap.py"
    program.write_text(_trap_program(markers), encoding="utf-8")
    return program


def _markers(markers: Path) -> List[str]:
    return sorted(path.name for path in markers.iterdir())


def _snapshot(root: Path) -> Dict[str, Tuple[int, int, str]]:
    """Every file under ``root`` (hidden ones too): size, modification time and content hash."""
    result = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            status = path.stat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            result[str(path.relative_to(root))] = (status.st_size, status.st_mtime_ns, digest)
    return result


def _environment(home: Path) -> Dict[str, str]:
    environment = dict(os.environ)
    environment.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), PYTHONDONTWRITEBYTECODE="1")
    return environment


def test_the_trap_works(tmp_path: Path) -> None:
    """Running the trap does leave the markers (so their absence below means something)."""
    program = _plant(tmp_path / "work", tmp_path / "markers")
    pytest.importorskip("torch")
    subprocess.run([sys.executable, str(program)], cwd=program.parent, capture_output=True, timeout=300)
    left = _markers(tmp_path / "markers")
    for name in ("top_level", "os_system", "exec", "eval", "decorator", "default_argument", "annotation",
                 "metaclass", "class_body", "main_block", f"imported_{TRAP_MODULE}", f"imported_{TRAP_MODULE}_from"):
        assert name in left, name


def test_check_source_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = _plant(tmp_path / "work", tmp_path / "markers")
    # Were the analysis to import what the program imports, it would find the planted modules.
    monkeypatch.syspath_prepend(str(program.parent))
    monkeypatch.chdir(program.parent)
    before = set(sys.modules)
    source = program.read_text(encoding="utf-8")
    findings = check_source(source)
    fuzzing.exercise(source)
    assert {f.code for f in findings} >= {"DET101", "DET102"}
    assert _markers(tmp_path / "markers") == []
    assert not [name for name in set(sys.modules) - before if name.startswith(TRAP_MODULE)]


def _front_end_or_skip(module: str) -> None:
    try:
        __import__(f"flake8_detach.frontends.{module}")
    except ImportError:
        pytest.skip(f"flake8_detach.frontends.{module} has not landed yet")


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "flake8_detach", "check", "trap.py"],
        ["-m", "flake8_detach", "check", "--extend-select", "DET103", "--output-format", "json", "."],
        ["-m", "flake8", "--select", "DET", "trap.py"],
        ["-m", "flake8", "--select", "DET", "-j", "2", "."],
    ],
    ids=["cli-check", "cli-check-folder", "flake8", "flake8-parallel"],
)
def test_front_ends_run_nothing_and_write_nothing(command: List[str], tmp_path: Path) -> None:
    _front_end_or_skip("cli" if command[1] == "flake8_detach" else "flake8_plugin")
    program = _plant(tmp_path / "work", tmp_path / "markers")
    home = tmp_path / "home"
    home.mkdir()
    before = _snapshot(tmp_path)
    result = subprocess.run([sys.executable, *command], cwd=program.parent, capture_output=True, text=True,
                            timeout=300, env=_environment(home))
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr  # findings reported
    assert "DET101" in result.stdout
    assert _markers(tmp_path / "markers") == []
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("extra", [[], ["--unsafe-fixes"], ["--unsafe-fixes", "--fix-style", "force"]],
                         ids=["safe", "unsafe", "force"])
def test_fix_writes_only_the_file_it_fixes(extra: List[str], tmp_path: Path) -> None:
    _front_end_or_skip("cli")
    program = _plant(tmp_path / "work", tmp_path / "markers")
    (program.parent / "sub").mkdir()
    (program.parent / "sub" / "neighbour.py").write_text("x = 1\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    original = program.read_text(encoding="utf-8")
    before = _snapshot(tmp_path)
    result = subprocess.run([sys.executable, "-m", "flake8_detach", "fix", *extra, "trap.py"], cwd=program.parent,
                            capture_output=True, text=True, timeout=300, env=_environment(home))
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stdout + result.stderr
    after = _snapshot(tmp_path)
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    fixed = program.read_text(encoding="utf-8")
    assert fixed != original, "nothing was fixed, so nothing was tested"
    assert changed == {str(program.relative_to(tmp_path))}
    assert _markers(tmp_path / "markers") == []
    remaining = iter(fixed)
    assert all(character in remaining for character in original)
    compile(fixed, "trap.py", "exec")


def test_fix_from_standard_input_writes_nothing(tmp_path: Path) -> None:
    _front_end_or_skip("cli")
    program = _plant(tmp_path / "work", tmp_path / "markers")
    home = tmp_path / "home"
    home.mkdir()
    before = _snapshot(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "flake8_detach", "fix", "--unsafe-fixes", "--stdin-filename", "trap.py", "-"],
        cwd=program.parent, input=program.read_bytes(), capture_output=True, timeout=300, env=_environment(home),
    )
    assert b"Traceback" not in result.stderr, result.stderr
    assert b".detach()" in result.stdout
    assert _snapshot(tmp_path) == before
    assert _markers(tmp_path / "markers") == []
