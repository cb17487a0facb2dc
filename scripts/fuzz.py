#!/usr/bin/env python3
"""Fuzz flake8-detach for as long as you like: the generators of tests/test_fuzz.py, unbounded.

    python scripts/fuzz.py --minutes 10                      # all generators, in turn
    python scripts/fuzz.py --minutes 60 --generator mutations
    python scripts/fuzz.py --generator package --package /path/to/site-packages/torch

Every program goes through the analysis, the fix properties (all non-overlapping fixes applied:
the result parses, the fixed findings are gone, fixing converges, only fix text is inserted), the
command line's fixer and the flake8 plugin.  Each new kind of failure is reduced to a small
program and saved to ``--crash-dir`` (the program, the reduced program and the traceback); the
run prints what it tried, the outcomes, the failures and the rate, and exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import hypothesmith  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import fuzzing  # noqa: E402
from flake8_detach.settings import Settings  # noqa: E402

GENERATORS = ("mutations", "grammar", "node", "package")
# Share of the time each generator gets when they take turns ("all").
SHARES = {"mutations": 0.6, "grammar": 0.3, "node": 0.1}
CHUNK = 100  # programs per hypothesis run; each run has its own seed


@dataclass
class Failure:
    kind: str
    source: str
    style: Settings
    trace: str
    count: int = 1


@dataclass
class Run:
    crash_dir: Path
    shrink: bool
    plugin: bool
    started: float = field(default_factory=time.monotonic)
    tried: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    fixes: int = 0
    failures: Dict[str, Failure] = field(default_factory=dict)
    last_report: float = field(default_factory=time.monotonic)

    def check(self, generator: str, source: str, style: Settings) -> None:
        self.tried[generator] += 1
        try:
            report = fuzzing.exercise(source, style)
            self.outcomes[report.outcome.value] += 1
            self.fixes += report.fixes_applied
            if self.plugin and self.checker is not None:
                fuzzing.run_plugin(self.checker, source)
        except Exception as error:  # noqa: BLE001 - every failure is recorded, none stops the run
            self.record(source, style, error)
        now = time.monotonic()
        if now - self.last_report > 30:
            self.last_report = now
            self.progress()

    @property
    def checker(self) -> object:
        return fuzzing.plugin_class()

    def record(self, source: str, style: Settings, error: BaseException) -> None:
        kind = _kind(error)
        known = self.failures.get(kind)
        if known is not None:
            known.count += 1
            return
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        failure = Failure(kind, source, style, trace)
        self.failures[kind] = failure
        print(f"\nNEW FAILURE #{len(self.failures)}: {kind}", flush=True)
        self.save(failure)

    def save(self, failure: Failure) -> None:
        self.crash_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(failure.source.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        stem = re.sub(r"[^A-Za-z0-9]+", "_", failure.kind)[:60].strip("_") + "-" + digest
        (self.crash_dir / f"{stem}.py").write_bytes(failure.source.encode("utf-8", "surrogatepass"))
        notes = [f"kind: {failure.kind}", f"settings: {failure.style}", "", failure.trace]
        if self.shrink:
            def same(candidate: str) -> bool:
                return _kind_of(candidate, failure.style, self.plugin) == failure.kind

            try:
                reduced = fuzzing.shrink(failure.source, same)
            except Exception as error:  # noqa: BLE001
                notes.append(f"(reduction failed: {error!r})")
            else:
                (self.crash_dir / f"{stem}.min.py").write_bytes(reduced.encode("utf-8", "surrogatepass"))
                notes[2:2] = ["reduced program:", reduced]
                print(f"  reduced to {len(reduced.splitlines())} lines:\n" + textwrap_indent(reduced), flush=True)
        (self.crash_dir / f"{stem}.txt").write_text("\n".join(notes), encoding="utf-8")
        print(f"  saved {self.crash_dir / stem}.*", flush=True)

    def progress(self) -> None:
        elapsed = time.monotonic() - self.started
        total = sum(self.tried.values())
        print(
            f"[{elapsed / 60:5.1f} min] {total} programs ({total / max(elapsed, 1e-9):.1f}/s) "
            f"{dict(self.tried)} outcomes {dict(self.outcomes)} fixes applied {self.fixes} "
            f"failures {sum(f.count for f in self.failures.values())} ({len(self.failures)} kinds)",
            flush=True,
        )


def textwrap_indent(text: str) -> str:
    return "".join("    | " + line + "\n" for line in text.splitlines())


def _kind(error: BaseException) -> str:
    """What makes two failures the same: the violated property, or the exception and where it rose."""
    if isinstance(error, fuzzing.PropertyViolation):
        return "PropertyViolation: " + " ".join(str(error).split()[:6])
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if "flake8_detach" in frame.filename] or frames
    where = f" at {Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else ""
    return f"{type(error).__name__}{where}"


def _kind_of(source: str, style: Settings, plugin: bool) -> Optional[str]:
    try:
        fuzzing.exercise(source, style)
        checker = fuzzing.plugin_class() if plugin else None
        if checker is not None:
            fuzzing.run_plugin(checker, source)
    except Exception as error:  # noqa: BLE001
        return _kind(error)
    return None


def _strategy(generator: str) -> st.SearchStrategy[str]:
    if generator == "mutations":
        return fuzzing.mutated_programs(list(fuzzing.seed_programs().values()))
    if generator == "grammar":
        return hypothesmith.from_grammar()
    return hypothesmith.from_node()


def fuzz_generated(run: Run, generator: str, deadline: float, rng: random.Random) -> None:
    """Hypothesis runs of ``CHUNK`` programs, each with a fresh seed, until ``deadline``."""
    strategy = _strategy(generator)
    styles = st.sampled_from(fuzzing.SETTINGS_CHOICES) if generator == "mutations" else st.just(Settings())
    while time.monotonic() < deadline:

        @seed(rng.getrandbits(64))
        @settings(max_examples=CHUNK, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(strategy, styles)
        def chunk(source: str, style: Settings) -> None:
            if time.monotonic() < deadline:
                run.check(generator, source, style)

        chunk()


def fuzz_package(run: Run, root: Path, deadline: float) -> None:
    paths = fuzzing.package_sources(root)
    print(f"package {root}: {len(paths)} files", flush=True)
    started = time.monotonic()
    for path in paths:
        if time.monotonic() > deadline:
            print("time is up before the package was done", flush=True)
            break
        try:
            source = fuzzing.read_source(path)
        except OSError:
            continue
        run.tried["package"] += 1
        try:
            from flake8_detach.checker import UnanalysableSource, check_source

            try:
                check_source(source)
                run.outcomes["package analysed"] += 1
            except UnanalysableSource:
                run.outcomes["package unanalysable"] += 1
            checker = fuzzing.plugin_class() if run.plugin else None
            if checker is not None:
                fuzzing.run_plugin(checker, source, str(path))
        except Exception as error:  # noqa: BLE001
            print(f"\n{path}: {type(error).__name__}: {error}", flush=True)
            run.record(source, Settings(), error)
    print(f"package: {run.tried['package']} files in {time.monotonic() - started:.1f} s", flush=True)


def _torch_root() -> Optional[Path]:
    import importlib.util

    spec = importlib.util.find_spec("torch")
    return Path(spec.origin).resolve().parent if spec is not None and spec.origin else None


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10.0, help="time limit (default: 10)")
    parser.add_argument("--generator", choices=(*GENERATORS, "all"), default="all",
                        help="which programs (default: all but package, taking turns)")
    parser.add_argument("--package", type=Path, default=None,
                        help="the folder --generator package walks (default: the installed torch)")
    parser.add_argument("--crash-dir", type=Path, default=Path("fuzz-crashes"),
                        help="where failing programs are saved (default: ./fuzz-crashes)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the run (default: random)")
    parser.add_argument("--no-shrink", action="store_true", help="save failing programs unreduced")
    parser.add_argument("--no-plugin", action="store_true", help="skip the flake8 plugin")
    args = parser.parse_args(argv)
    # hypothesmith compiles what it generates; the compiler's remarks on it are noise.
    warnings.filterwarnings("ignore", category=SyntaxWarning)

    run_seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(32)
    rng = random.Random(run_seed)
    run = Run(args.crash_dir, shrink=not args.no_shrink, plugin=not args.no_plugin)
    deadline = run.started + args.minutes * 60
    print(f"fuzzing for {args.minutes} min, generator {args.generator}, seed {run_seed}, "
          f"plugin {'on' if run.plugin and run.checker is not None else 'off'}", flush=True)

    if args.generator == "package":
        root = args.package or _torch_root()
        if root is None:
            parser.error("no --package given and torch is not installed")
        fuzz_package(run, root, deadline)
    elif args.generator == "all":
        # Take turns in slices of a minute at most, so a short run sees every generator.
        while time.monotonic() < deadline:
            for generator, share in SHARES.items():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                fuzz_generated(run, generator, time.monotonic() + min(left, 60 * share), rng)
    else:
        fuzz_generated(run, args.generator, deadline, rng)

    elapsed = time.monotonic() - run.started
    total = sum(run.tried.values())
    print(f"\n{total} programs in {elapsed:.0f} s ({total / max(elapsed, 1e-9):.1f}/s): {dict(run.tried)}; "
          f"outcomes {dict(run.outcomes)}; fixes applied {run.fixes}; {len(run.failures)} kinds of failure")
    for failure in run.failures.values():
        print(f"  {failure.count:6d} x {failure.kind}")
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
