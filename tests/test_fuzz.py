"""Bounded fuzzing that runs in CI: nothing the linter reads makes it crash, and fixes never corrupt.

* programs generated from Python's grammar (hypothesmith) through the analysis, the fix
  properties and the flake8 plugin;
* mutations of the realistic PyTorch programs in ``tests/fuzz_seeds/`` through the same;
* every ``.py`` file of the installed torch package through the analysis (time printed; run
  ``pytest -s`` to see it).

The budgets are fixed and the generation derandomized, so CI runs the same programs every time;
``scripts/fuzz.py`` runs the same generators for as long as you like.  The properties themselves
live in ``tests/fuzzing.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, List, Optional, Tuple

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzzing
from flake8_detach.checker import UnanalysableSource, check_source
from flake8_detach.settings import Settings

_SEEDS = list(fuzzing.seed_programs().values())
# hypothesmith compiles what it generates; the compiler's warnings about it are noise here.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")


def _budget(examples: int) -> settings:
    """Fixed, derandomized budgets: CI runs the same programs on every run."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def _plugin_or_skip() -> Any:
    checker = fuzzing.plugin_class()
    if checker is None:
        pytest.skip("flake8_detach.frontends.flake8_plugin.DetachChecker has not landed yet")
    return checker


# ---------------------------------------------------------------------------------------------
# Seeds


def test_there_are_enough_realistic_seeds() -> None:
    assert len(_SEEDS) >= 15
    for name, source in fuzzing.seed_programs().items():
        compile(source, name, "exec")
    # The seeds hold real bugs, so the fix properties are exercised from the first mutation.
    with_fixes = [s for s in _SEEDS if any(f.fix for f in check_source(s))]
    assert len(with_fixes) >= 10


@pytest.mark.parametrize("name", sorted(fuzzing.seed_programs()))
def test_seed_passes_the_properties(name: str) -> None:
    report = fuzzing.exercise(fuzzing.seed_programs()[name])
    assert report.outcome is not fuzzing.Outcome.UNANALYSABLE


# ---------------------------------------------------------------------------------------------
# Programs from Python's grammar


@_budget(300)
@given(hypothesmith.from_grammar())
def test_grammar_programs(source: str) -> None:
    fuzzing.exercise(source)


@_budget(25)
@given(hypothesmith.from_node())
def test_libcst_node_programs(source: str) -> None:
    fuzzing.exercise(source)


@_budget(150)
@given(hypothesmith.from_grammar())
def test_grammar_programs_through_the_plugin(source: str) -> None:
    fuzzing.run_plugin(_plugin_or_skip(), source)


# ---------------------------------------------------------------------------------------------
# Mutations of realistic programs


@_budget(1500)
@given(fuzzing.mutated_programs(_SEEDS), st.sampled_from(fuzzing.SETTINGS_CHOICES))
def test_mutated_programs(source: str, style: Settings) -> None:
    fuzzing.exercise(source, style)


@_budget(300)
@given(fuzzing.mutated_programs(_SEEDS))
def test_mutated_programs_through_the_plugin(source: str) -> None:
    checker = _plugin_or_skip()
    results = fuzzing.run_plugin(checker, source)
    # The plugin reports (a selection of) what the analysis finds, at the same places; flake8's
    # columns are 0-based like the findings'.
    assert {(line, column) for line, column, _ in results} <= {(f.line, f.column) for f in _findings_or_empty(source)}


def _findings_or_empty(source: str) -> List[Any]:
    try:
        return list(check_source(source))
    except UnanalysableSource:
        return []


def _cli_available() -> bool:
    try:
        from flake8_detach.frontends import cli  # noqa: F401
    except ImportError:
        return False
    return True


def test_mutated_programs_through_the_fix_command(tmp_path: Path) -> None:
    """A batch of mutated programs through ``python -m flake8_detach fix``: what it writes only
    adds text, still parses where the original did, and a second run changes nothing."""
    if not _cli_available():
        pytest.skip("flake8_detach.frontends.cli (the fix command) has not landed yet")
    programs: List[str] = []

    @_budget(60)
    @given(fuzzing.mutated_programs(_SEEDS))
    def collect(source: str) -> None:
        programs.append(source)

    collect()
    originals = {}
    for number, source in enumerate(programs):
        path = tmp_path / f"program_{number:03d}.py"
        path.write_bytes(source.encode("utf-8"))
        originals[path] = source
    command = [sys.executable, "-m", "flake8_detach", "fix", *map(str, sorted(originals))]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in first.stderr, first.stderr
    assert first.returncode in (0, 1, 2), first.stderr
    fixed = {path: path.read_bytes().decode("utf-8") for path in originals}
    for path, original in originals.items():
        remaining = iter(fixed[path])
        assert all(character in remaining for character in original), f"{path.name} lost text"
        if fuzzing.parses(original):
            assert fuzzing.parses(fixed[path]), f"{path.name} no longer parses"
    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in second.stderr, second.stderr
    assert {path: path.read_bytes().decode("utf-8") for path in originals} == fixed


# ---------------------------------------------------------------------------------------------
# Every file of the installed torch package


def _torch_root() -> Optional[Path]:
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).resolve().parent


def _scan(paths: List[str]) -> Tuple[int, int, List[Tuple[str, str]]]:
    """Check ``paths`` the way flake8 runs the plugin (with flake8's ast of the file), or with
    ``check_source`` until the plugin lands: (files, unanalysable, crashes as (path, traceback))."""
    import traceback

    checker = fuzzing.plugin_class()
    unanalysable = 0
    crashes = []
    for name in paths:
        source = fuzzing.read_source(Path(name))
        try:
            if checker is not None:
                fuzzing.run_plugin(checker, source, name)
            else:
                check_source(source)
        except UnanalysableSource:
            unanalysable += 1
        except Exception:  # noqa: BLE001 - any other exception is the crash we look for
            crashes.append((name, traceback.format_exc()))
    return len(paths), unanalysable, crashes


def _largest_first_split(paths: List[Path], parts: int) -> List[List[str]]:
    """Share the files out by size so the workers finish together (one file takes ~30 s)."""
    shares: List[List[str]] = [[] for _ in range(parts)]
    loads = [0] * parts
    for path in sorted(paths, key=lambda p: p.stat().st_size, reverse=True):
        lightest = loads.index(min(loads))
        shares[lightest].append(str(path))
        loads[lightest] += path.stat().st_size
    return shares


def test_every_file_of_the_torch_package() -> None:
    root = _torch_root()
    if root is None:
        pytest.skip("torch is not installed")
    paths = fuzzing.package_sources(root)
    assert len(paths) > 1000
    workers = max(1, min(2, os.cpu_count() or 1))
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_scan, _largest_first_split(paths, workers)))
    elapsed = time.perf_counter() - started
    files = sum(r[0] for r in results)
    unanalysable = sum(r[1] for r in results)
    crashes = [crash for r in results for crash in r[2]]
    through = "the flake8 plugin" if fuzzing.plugin_class() is not None else "check_source"
    print(
        f"\ntorch {root}: {files} files through {through} in {elapsed:.1f} s with {workers} processes, "
        f"{unanalysable} refused by check_source, {len(crashes)} crashes"
    )
    assert files == len(paths)
    assert not crashes, "\n".join(f"{path}:\n{trace}" for path, trace in crashes[:5])
