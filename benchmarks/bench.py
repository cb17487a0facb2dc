#!/usr/bin/env python3
"""Side-by-side timings of flake8-detach against flake8's own checks and the parse floors.

    python benchmarks/bench.py DIR [--rounds 3] [--warmup 1]
    python benchmarks/bench.py --generated [--sizes 1000,10000,100000] [--rounds 3]

Every figure comes from a separate process, started by a small helper
process: the wall time is taken with ``time.perf_counter`` immediately before
the command is forked and immediately after it is reaped, and its CPU time and
peak resident memory come from ``os.wait4`` for that one process
(``getrusage(RUSAGE_CHILDREN)`` would only give the largest child so far, and
on Linux a child forked from this script would also be charged this script's
memory).  Output goes to temporary files, not pipes.  Each round runs every
command once, in a rotated order; the warm-up rounds are not counted.  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from shapes import SHAPES, shape_source  # noqa: E402 - beside this script

PYTHON = sys.executable
MIXED = "mixed"  # synthetic_source: the templates of a PyTorch project, mixed
IS_MACOS = sys.platform == "darwin"
# flake8's default --exclude; the parse floors read the files flake8 reads.
FLAKE8_EXCLUDES = frozenset({".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".nox", ".eggs"})
DEFAULT_SELECT = "E,F,W,C90"
# flake8's own plugins: pyflakes and pycodestyle are registered by flake8 itself, mccabe separately.
BUILTIN_PLUGIN_PACKAGES = ("flake8", "pyflakes", "pycodestyle", "mccabe")
PLUGIN_MODULE = "flake8_detach.frontends.flake8_plugin"
PLUGIN_CLASS = f"{PLUGIN_MODULE}:DetachChecker"

# Runs flake8 with only the named plugin distributions (plus flake8's own)
# loaded.  flake8 runs every installed plugin on every file whatever
# --select says, so a baseline must not load the plugin at all.
FLAKE8_WITH_PLUGINS = r"""
import sys
from flake8.plugins import finder

def _norm(name):
    return name.lower().replace("_", "-")

_keep = {_norm(n) for n in sys.argv[1].split(",") if n}
_found = finder._find_importlib_plugins

def _only_kept():
    for plugin in _found():
        if _norm(plugin.package) in _keep:
            yield plugin

finder._find_importlib_plugins = _only_kept

if sys.argv[2]:
    # Time the plugin's own work inside this very process: immune to the drift between
    # processes that makes differences of whole runs noisy on a small machine.
    import atexit, importlib, time
    _module, _class = sys.argv[2].split(":")
    _plugin = getattr(importlib.import_module(_module), _class)
    _run, _spent, _cpu = _plugin.run, [0.0], [0.0]

    def _timed_run(self):
        start, start_cpu = time.perf_counter(), time.process_time()
        found = list(_run(self))
        _spent[0] += time.perf_counter() - start
        _cpu[0] += time.process_time() - start_cpu
        return iter(found)

    _plugin.run = _timed_run
    atexit.register(lambda: print(f"plugin-seconds {_spent[0]:.4f} cpu {_cpu[0]:.4f}", file=sys.stderr))
from flake8.main.cli import main
sys.exit(main(sys.argv[3:]))
"""

AST_FLOOR = r"""
import ast, sys, tokenize
failed = 0
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    try:
        with tokenize.open(path) as handle:
            ast.parse(handle.read(), path)
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        failed += 1
print("failed", failed)
"""

LIBCST_FLOOR = r"""
import sys, tokenize
import libcst
failed = 0
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    try:
        with tokenize.open(path) as handle:
            libcst.parse_module(handle.read())
    except (libcst.ParserSyntaxError, SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        failed += 1
print("failed", failed)
"""

# Times check_source on one file in-process, after a warm-up call that imports
# everything the analysis needs, so only the analysis is timed.  The parse
# floors run in a process of their own, so each peak memory figure is one job's.
GENERATED_CHECK = r"""
import json, sys, time
from flake8_detach.checker import check_source, UnanalysableSource
path, rounds = sys.argv[1], int(sys.argv[2])
source = open(path, encoding="utf-8").read()
check_source("import torch\nimport numpy as np\nx = torch.rand(3, requires_grad=True)\nnp.mean([x]); x.numpy()\n")
result = {"check": [], "findings": None, "error": None}
for _ in range(rounds):
    start = time.process_time()
    try:
        findings = check_source(source)
    except UnanalysableSource as error:
        result["error"] = "unanalysable: %s" % error
        break
    result["check"].append(time.process_time() - start)
    result["findings"] = len(findings)
print(json.dumps(result))
"""

# The collector is paused as the checker pauses it around parsing (see checker._collector_paused).
GENERATED_FLOORS = r"""
import ast, gc, json, sys, time
import libcst
path, rounds = sys.argv[1], int(sys.argv[2])
source = open(path, encoding="utf-8").read()
libcst.parse_module("x = 1\n")
result = {"libcst": [], "ast": []}
gc.disable()
for _ in range(rounds):
    start = time.process_time()
    tree = libcst.parse_module(source)
    result["libcst"].append(time.process_time() - start)
    del tree
    start = time.process_time()
    ast.parse(source)
    result["ast"].append(time.process_time() - start)
print(json.dumps(result))
"""


# ---------------------------------------------------------------------------
# Measuring one process


@dataclass
class Sample:
    wall: float
    cpu: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


# Starts the measured command and reports its wall time and rusage.  On Linux
# a child's ru_maxrss includes the RSS of the process it was forked from (the
# old address space is counted at exec), so the command must not be started
# from this script, which can grow large (--generated compiles 100k-line
# files): this small helper forks it instead, and also takes the wall time,
# so the helper's own start-up is not part of the figure.
MEASURE_HELPER = r"""
import json, os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(report, "w") as handle:
    json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss": usage.ru_maxrss,
               "status": os.waitstatus_to_exitcode(status)}, handle)
"""


# Installed packages come with compiled .pyc files; an editable install under
# PYTHONDONTWRITEBYTECODE=1 (set on some machines and CI images) would recompile the
# plugin in every measured process.  The warm-up round writes them instead.
CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def measure(argv: Sequence[str], timeout: Optional[float] = None) -> Sample:
    """Run ``argv`` once: its wall time, CPU time and peak RSS, of that process alone."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".json", encoding="utf-8") as report:
        helper = subprocess.Popen([PYTHON, "-c", MEASURE_HELPER, report.name, *argv], stdin=subprocess.DEVNULL,
                                  stdout=out, stderr=err, start_new_session=True, env=CHILD_ENV)
        try:
            helper.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(helper.pid, signal.SIGKILL)  # the helper and the command
            helper.wait()
            timed_out = True
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        text = report.read()
    if timed_out or not text:
        why = f"timed out after {timeout:g} s" if timed_out else f"measuring helper failed ({helper.returncode})"
        return Sample(float(timeout or 0), 0.0, 0.0, -1, stdout, stderr + why, timed_out)
    data = json.loads(text)
    peak = data["maxrss"] / (1024 * 1024) if IS_MACOS else data["maxrss"] / 1024  # bytes on macOS, KiB on Linux
    return Sample(data["wall"], data["cpu"], peak, data["status"], stdout, stderr)


# ---------------------------------------------------------------------------
# The corpus


@dataclass(frozen=True)
class Corpus:
    root: str
    files: Tuple[str, ...]
    lines: int
    bytes: int


def discover(root: str) -> Corpus:
    """The ``*.py`` files flake8 would check under ``root`` (its default excludes)."""
    files: List[str] = []
    for folder, folders, names in os.walk(root):
        folders[:] = sorted(n for n in folders if n not in FLAKE8_EXCLUDES and not n.endswith(".egg"))
        files.extend(os.path.join(folder, n) for n in sorted(names) if n.endswith(".py"))
    lines = size = 0
    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        size += len(data)
        lines += len(data.splitlines())
    return Corpus(root, tuple(files), lines, size)


def prefilter_share(corpus: Corpus) -> Optional[int]:
    """How many files pass the plugin's text pre-filter (None if there is none)."""
    try:
        from flake8_detach.prefilter import may_have_findings
    except ImportError:
        return None
    count = 0
    for path in corpus.files:
        with open(path, "rb") as handle:
            if may_have_findings(handle.read().decode("utf-8", "replace")):
                count += 1
    return count


# ---------------------------------------------------------------------------
# What is installed


def flake8_plugin_packages() -> Dict[str, str]:
    """Installed distributions that register flake8 checks: normalised name -> version."""
    found: Dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        if any(ep.group == "flake8.extension" for ep in dist.entry_points):
            found[dist.metadata["Name"].lower().replace("_", "-")] = dist.version
    return found


def cli_executable() -> Optional[str]:
    beside = Path(PYTHON).parent / "flake8-detach"
    candidate = str(beside) if beside.exists() else shutil.which("flake8-detach")
    if candidate is None:
        return None
    try:
        probe = subprocess.run([candidate, "check", "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return candidate if probe.returncode == 0 else None


def flake8_argv(plugins: Sequence[str], select: Optional[str], target: str, timed: str = "") -> List[str]:
    """flake8 with only ``plugins`` loaded; ``timed`` ("module:Class") is a plugin whose time is taken;
    ``select`` None: flake8's default selection (every plugin's codes less the default-off ones)."""
    keep = ",".join([*BUILTIN_PLUGIN_PACKAGES, *plugins])
    # --exit-zero: a finding is not a failure; --benchmark only prints counters flake8 keeps anyway.
    selection = [] if select is None else ["--select", select]
    options = ["-j1", "--isolated", "--exit-zero", "--benchmark", *selection, target]
    return [PYTHON, "-c", FLAKE8_WITH_PLUGINS, keep, timed, *options]


def loaded_plugins(plugins: Sequence[str]) -> str:
    """What ``flake8 --version`` says is loaded under the same restriction (a check on the wrapper)."""
    keep = ",".join([*BUILTIN_PLUGIN_PACKAGES, *plugins])
    result = subprocess.run([PYTHON, "-c", FLAKE8_WITH_PLUGINS, keep, "", "--version"], capture_output=True, text=True)
    if result.returncode != 0:
        return "error: " + (result.stderr.strip().splitlines() or ["?"])[-1]
    text = " ".join(result.stdout.split())
    match = re.search(r"\((.*)\)", text)
    return match.group(1) if match else text


# ---------------------------------------------------------------------------
# The runs


@dataclass
class Spec:
    key: str
    label: str
    argv: List[str]
    ok: Tuple[int, ...] = (0,)
    per_file: bool = True  # files/s and lines/s make sense
    flake8: bool = False
    samples: List[Sample] = field(default_factory=list)
    failure: Optional[str] = None


def build_specs(
    corpus: Corpus, list_file: str, installed: Dict[str, str], only: Optional[Sequence[str]],
) -> Tuple[List[Spec], List[str]]:
    specs: List[Spec] = []
    notes: List[str] = []
    target = corpus.root
    specs.append(Spec("python", "python -c pass (interpreter start)", [PYTHON, "-c", "pass"], per_file=False))
    specs.append(Spec("ast", "ast.parse floor (read + parse)", [PYTHON, "-c", AST_FLOOR, list_file]))
    specs.append(Spec("libcst", "libcst.parse_module floor (read + parse)", [PYTHON, "-c", LIBCST_FLOOR, list_file]))
    specs.append(Spec("flake8", f"flake8 {DEFAULT_SELECT}, no plugins (baseline)",
                      flake8_argv([], DEFAULT_SELECT, target), flake8=True))
    if "flake8-detach" in installed:
        specs.append(Spec("flake8-det-loaded", f"flake8 {DEFAULT_SELECT}, flake8-detach installed",
                          flake8_argv(["flake8-detach"], DEFAULT_SELECT, target), flake8=True))
        specs.append(Spec("flake8-det", f"flake8 {DEFAULT_SELECT},DET, flake8-detach installed",
                          flake8_argv(["flake8-detach"], DEFAULT_SELECT + ",DET", target, PLUGIN_CLASS),
                          flake8=True))
        specs.append(Spec("flake8-det-default", "flake8's default selection (DET103 off), flake8-detach installed",
                          flake8_argv(["flake8-detach"], None, target, PLUGIN_CLASS), flake8=True))
    else:
        notes.append("flake8-detach: not installed as a flake8 plugin (pip install -e .); flake8 rows skipped")
    for package, code, key in (("flake8-bugbear", "B", "bugbear"), ("torchfix", "TOR", "torchfix")):
        if package in installed:
            specs.append(Spec(key, f"flake8 {DEFAULT_SELECT},{code}, {package} installed",
                              flake8_argv([package], f"{DEFAULT_SELECT},{code}", target), flake8=True))
        else:
            notes.append(f"{package}: not installed, skipped (optional)")
    cli = cli_executable()
    if cli is not None:
        # 1: findings, 2: some file could not be analysed; both are completed runs.
        specs.append(Spec("cli", "flake8-detach check DIR", [cli, "check", "--isolated", target], ok=(0, 1, 2)))
    else:
        notes.append("flake8-detach check: not available (no working `flake8-detach` console script)")
    if only:
        specs = [spec for spec in specs if spec.key in only or spec.key == "flake8"]
    return specs, notes


def run_rounds(specs: Sequence[Spec], rounds: int, warmup: int, timeout: float) -> None:
    for number in range(warmup + rounds):
        counted = number >= warmup
        order = list(specs[number % len(specs):]) + list(specs[: number % len(specs)])
        label = f"round {number - warmup + 1}/{rounds}" if counted else f"warm-up {number + 1}/{warmup}"
        for spec in order:
            if spec.failure:
                continue
            print(f"  {label}: {spec.label} ...", end="", file=sys.stderr, flush=True)
            sample = measure(spec.argv, timeout=timeout)
            print(f" {sample.wall:.2f} s", file=sys.stderr, flush=True)
            if sample.timed_out:
                spec.failure = f"timed out after {timeout:g} s"
            elif sample.returncode not in spec.ok:
                tail = (sample.stderr.strip().splitlines() or ["(no output)"])[-1]
                spec.failure = f"exit status {sample.returncode}: {tail}"
            elif counted:
                spec.samples.append(sample)


def _flake8_files(sample: Sample) -> Optional[int]:
    match = re.search(r"^(\d+)\s+total files processed", sample.stdout, re.MULTILINE)
    return int(match.group(1)) if match else None


def _det_reported(sample: Sample) -> int:
    return len(re.findall(r":\d+:\d+: DET\d+ ", sample.stdout))


# ---------------------------------------------------------------------------
# Import time


def importtime(module: str, rounds: int) -> Tuple[Optional[float], Optional[bool]]:
    """Median microseconds ``python -X importtime`` charges to importing ``module`` (and what it drags in).

    The top-level entries of ``-X importtime`` that ``python -c pass`` does not
    import are the ones the import statement caused; their cumulative times add up.
    """
    def top_level(code: str) -> Dict[str, int]:
        result = subprocess.run([PYTHON, "-X", "importtime", "-c", code], capture_output=True, text=True,
                                env=CHILD_ENV)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed")
        entries: Dict[str, int] = {}
        for line in result.stderr.splitlines():
            match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
            if match and match.group(2) == " ":
                entries[match.group(3)] = int(match.group(1))
        return entries

    try:
        base = set(top_level("pass"))
        totals = [sum(us for name, us in top_level(f"import {module}").items() if name not in base)
                  for _ in range(rounds)]
        check = subprocess.run([PYTHON, "-c", f"import sys, {module}; print('libcst' in sys.modules)"],
                               capture_output=True, text=True)
    except RuntimeError:
        return None, None
    return statistics.median(totals), check.stdout.strip() == "True"


def timed_import(module: str, rounds: int) -> Optional[float]:
    """Median wall time of ``python -c "import module"`` minus that of ``python -c pass``."""
    with_import: List[float] = []
    without: List[float] = []
    for _ in range(rounds):
        sample = measure([PYTHON, "-c", f"import {module}"])
        if sample.returncode != 0:
            return None
        with_import.append(sample.wall)
        without.append(measure([PYTHON, "-c", "pass"]).wall)
    return statistics.median(with_import) - statistics.median(without)


# ---------------------------------------------------------------------------
# Printing


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
    print(line(header))
    print("-" * len(line(header)))
    for row in rows:
        print(line(row))


def _rate(count: float, seconds: float) -> str:
    if seconds <= 0:
        return "-"
    value = count / seconds
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def report_corpus(corpus: Corpus, specs: Sequence[Spec], notes: Sequence[str], rounds: int, warmup: int) -> None:
    base = next((s for s in specs if s.key == "flake8" and s.samples), None)
    base_median = statistics.median(s.wall for s in base.samples) if base else None
    base_cpu = statistics.median(s.cpu for s in base.samples) if base else None
    rows: List[List[str]] = []
    for spec in specs:
        if not spec.samples:
            rows.append([spec.label, *["-"] * 10, spec.failure or "no samples"])
            continue
        walls = [s.wall for s in spec.samples]
        median = statistics.median(walls)
        cpu = statistics.median(s.cpu for s in spec.samples)
        peak = max(s.peak_mib for s in spec.samples)
        ratio = f"{median / base_median:.2f}x" if base_median else "-"
        cpu_ratio = f"{cpu / base_cpu:.2f}x" if base_cpu else "-"
        added = f"{median - base_median:+.2f}" if base_median and spec.flake8 and spec is not base else "-"
        note = ""
        if spec.flake8:
            seen = _flake8_files(spec.samples[-1])
            if seen is not None and seen != len(corpus.files):
                note = f"flake8 checked {seen} files"
            if spec.key in TIMED_KEYS:
                note = (note + "; " if note else "") + f"{_det_reported(spec.samples[-1])} DET reported"
        elif spec.key in ("ast", "libcst"):
            failed = re.search(r"failed (\d+)", spec.samples[-1].stdout)
            if failed and failed.group(1) != "0":
                note = f"{failed.group(1)} files failed to parse"
        elif spec.key == "cli" and spec.samples[-1].returncode == 2:
            note = "exit 2: some files unanalysable"
        rows.append([
            spec.label, f"{median:.2f}", f"{min(walls):.2f}", f"{max(walls):.2f}", ratio, added,
            f"{cpu:.2f}", cpu_ratio,
            _rate(len(corpus.files), median) if spec.per_file else "-",
            _rate(corpus.lines, median) if spec.per_file else "-", f"{peak:.0f}", note,
        ])
    print()
    print(f"Corpus: {corpus.root}: {len(corpus.files)} .py files, {corpus.lines:,} lines, "
          f"{corpus.bytes / 1e6:.1f} MB; {rounds} rounds (+{warmup} warm-up), wall-clock medians")
    _table(["run", "median s", "min s", "max s", "vs flake8", "+s", "cpu s", "cpu vs", "files/s", "lines/s",
            "peak MiB", "note"], rows)
    print("'vs flake8', '+s': wall-clock median against the baseline row (flake8 without any plugin loaded); "
          "'cpu s': median user+system time of that process, 'cpu vs' its ratio to the baseline's; "
          "'files/s', 'lines/s': from the wall-clock median; "
          "'peak MiB': largest ru_maxrss of the process over the rounds.")
    for spec in specs:
        plugin_share = _plugin_share(base, spec) if spec.key in TIMED_KEYS else None
        if plugin_share:
            print(plugin_share)
    for note in notes:
        print(f"note: {note}")


def _plugin_seconds(sample: Sample, figure: int = 1) -> Optional[float]:
    """Seconds inside the plugin's run() in that process: 1 wall, 2 CPU."""
    match = re.search(r"^plugin-seconds ([\d.]+) cpu ([\d.]+)$", sample.stderr, re.MULTILINE)
    return float(match.group(figure)) if match else None


def _plugin_share(base: Optional[Spec], det: Optional[Spec]) -> Optional[str]:
    """A row that times the plugin against the baseline two steadier ways: round by round, and from the inside."""
    if base is None or det is None or not det.samples:
        return None
    lines = [f"{det.key}:"]
    if len(base.samples) == len(det.samples):
        paired = statistics.median(d.wall / b.wall for b, d in zip(base.samples, det.samples))
        paired_cpu = statistics.median(d.cpu / b.cpu for b, d in zip(base.samples, det.samples))
        lines.append(f"  over the baseline run just before or after it, median over rounds: {paired:.3f}x wall, "
                     f"{paired_cpu:.3f}x CPU")
    inside = [seconds for seconds in map(_plugin_seconds, det.samples) if seconds is not None]
    inside_cpu = [seconds for seconds in (_plugin_seconds(d, 2) for d in det.samples) if seconds is not None]
    if inside and inside_cpu:
        spent, spent_cpu = statistics.median(inside), statistics.median(inside_cpu)
        rest = statistics.median(d.wall for d in det.samples) - spent
        rest_cpu = statistics.median(d.cpu for d in det.samples) - spent_cpu
        lines.append(f"  time inside flake8-detach's run() (libcst import included), "
                     f"median: {spent:.2f} s wall, {100 * spent / rest:.1f}% of the rest of that run; "
                     f"{spent_cpu:.2f} s CPU, {100 * spent_cpu / rest_cpu:.1f}% of the rest of its CPU time")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Generated files


_HEADER = '''"""Synthetic PyTorch-like code written by benchmarks/bench.py --generated (seed {seed})."""

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

'''

_TEMPLATES: Dict[str, str] = {
    "model": '''
class Net{k}(nn.Module):
    def __init__(self, n_in={a}, n_hidden={b}, n_out={c}):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_out)
        self.dropout = nn.Dropout(0.{d})

    def forward(self, x):
        h = F.relu(self.fc1(x))
        h = self.dropout(h)
        return self.fc2(h)
''',
    "train_bug": '''
def train_{k}(model, loader, optimizer, epochs={e}):
    losses = []
    for epoch in range(epochs):
        for inputs, targets in loader:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = F.cross_entropy(outputs, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss)
        print("epoch", epoch, "mean loss", np.mean(losses))
    plt.plot(losses)
    return losses
''',
    "train_ok": '''
def fit_{k}(model, loader, optimizer, epochs={e}):
    history = []
    for epoch in range(epochs):
        total = 0.0
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = F.mse_loss(model(inputs), targets)
            loss.backward()
            optimizer.step()
            total += loss.item()
        history.append(total / max(len(loader), 1))
    return np.array(history)
''',
    "eval_no_grad": '''
@torch.no_grad()
def evaluate_{k}(model, loader):
    model.eval()
    correct = 0
    predictions = []
    for inputs, targets in loader:
        logits = model(inputs)
        predictions.append(logits.softmax(dim=1).numpy())
        correct += (logits.argmax(dim=1) == targets).sum().item()
    return correct, np.concatenate(predictions)
''',
    "predict_bug": '''
def predict_{k}(x):
    model = Net{j}()
    model.eval()
    probabilities = torch.softmax(model(x), dim=1)
    return probabilities.max(dim=1).values.numpy()
''',
    "with_no_grad": '''
def embed_{k}(encoder, batch):
    with torch.no_grad():
        features = encoder(batch)
        normalised = features / features.norm(dim=1, keepdim=True)
    return normalised.cpu().numpy()
''',
    "plot_detach": '''
def visualise_{k}(model, x, path):
    out = model(x)
    plt.figure()
    plt.plot(out.detach().cpu().numpy()[:, 0])
    plt.savefig(path)
    plt.close()
''',
    "parameter": '''
def inspect_{k}():
    layer = nn.Linear({a}, {b})
    weights = layer.weight
    counts, edges = np.histogram(weights.detach().numpy(), bins={e})
    plt.imshow(layer.weight.data.numpy())
    return counts, edges
''',
    "helper": '''
def to_numpy_{k}(t):
    return t.detach().cpu().numpy()


def report_{k}(x):
    model = Net{j}()
    y = model(x)
    values = to_numpy_{k}(y)
    return float(values.mean())
''',
    "numpy_utils": '''
def normalise_{k}(values):
    arr = np.asarray(values, dtype=np.float32)
    mean = arr.mean(axis=0)
    std = arr.std(axis=0) + 1e-8
    return (arr - mean) / std
''',
    "leaf": '''
def optimise_{k}(data, steps={e}):
    w = torch.zeros({a}, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.0{d})
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((torch.as_tensor(data) @ w) ** 2).mean()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    plt.plot(history)
    return w.detach().numpy()
''',
    "decode": '''
def decode_{k}(model, max_len={e}):
    tokens = [0]
    for _ in range(max_len):
        logits = model(torch.tensor(tokens))
        next_token = logits.argmax(-1)[-1]
        tokens.append(int(next_token))
    return np.array(tokens)
''',
    "caller": '''
def summarise_{k}(x):
    scores = predict_{j}(x)
    best = np.argmax(scores)
    return best, scores.mean()
''',
    "module_level": '''
model_{k} = Net{j}()
sample_{k} = torch.randn(4, {a})
output_{k} = model_{k}(sample_{k})
print(output_{k}.detach().numpy().shape)
''',
}
# Relative frequencies; "caller" and "module_level" need an earlier model / predictor.
_WEIGHTS = {"model": 6, "train_bug": 3, "train_ok": 6, "eval_no_grad": 8, "predict_bug": 3, "with_no_grad": 6,
            "plot_detach": 6, "parameter": 4, "helper": 5, "numpy_utils": 8, "leaf": 4, "decode": 4,
            "caller": 4, "module_level": 3}
_NEEDS = {"predict_bug": "model", "helper": "model", "module_level": "model", "caller": "predict_bug"}


def synthetic_source(lines: int, seed: int = 0) -> str:
    """About ``lines`` lines of PyTorch-like code (whole templates; always valid Python)."""
    rng = random.Random(seed + lines)
    parts = [_HEADER.format(seed=seed)]
    count = parts[0].count("\n")
    made: Dict[str, List[int]] = {name: [] for name in _TEMPLATES}
    names = list(_WEIGHTS)
    weights = [_WEIGHTS[name] for name in names]
    k = 0
    while count < lines:
        name = rng.choices(names, weights)[0]
        needed = _NEEDS.get(name)
        if needed and not made[needed]:
            name = needed if needed != "predict_bug" or made["model"] else "model"
            needed = _NEEDS.get(name)
        j = rng.choice(made[needed]) if needed else 0
        text = _TEMPLATES[name].format(
            k=k, j=j, a=rng.randint(2, 512), b=rng.randint(2, 512), c=rng.randint(2, 100),
            d=rng.randint(1, 9), e=rng.randint(2, 50),
        )
        parts.append("\n" + text)
        count += text.count("\n") + 1
        made[name].append(k)
        k += 1
    return "".join(parts)


def _child_result(sample: Sample, timeout: float) -> Tuple[Optional[Dict[str, Any]], str]:
    if sample.timed_out:
        return None, f"timed out after {timeout:g} s"
    if sample.returncode != 0:
        return None, (sample.stderr.strip().splitlines() or [f"exit status {sample.returncode}"])[-1]
    try:
        return json.loads(sample.stdout.strip().splitlines()[-1]), ""
    except (ValueError, IndexError):
        return None, "no result"


def _generated_row(path: str, rounds: int, timeout: float) -> Tuple[List[str], Optional[float], str]:
    """One generated file: the table cells, check_source's CPU seconds per line, and any problem."""
    actual = open(path, encoding="utf-8").read().count("\n")
    print(f"  {path}: {actual:,} lines ...", end="", file=sys.stderr, flush=True)
    check_sample = measure([PYTHON, "-c", GENERATED_CHECK, path, str(rounds)], timeout=timeout)
    floors_sample = measure([PYTHON, "-c", GENERATED_FLOORS, path, str(rounds)], timeout=timeout)
    print(f" {check_sample.wall:.1f} s + {floors_sample.wall:.1f} s", file=sys.stderr, flush=True)
    check, check_problem = _child_result(check_sample, timeout)
    floors, floors_problem = _child_result(floors_sample, timeout)
    row = [f"{actual:,}"] + ["-"] * 8
    per_line = None
    if floors is not None:
        cst = statistics.median(floors["libcst"])
        row[4] = f"{cst * 1000 / actual * 1000:.1f}"
        row[5] = f"{statistics.median(floors['ast']) * 1000 / actual * 1000:.1f}"
        row[8] = f"{floors_sample.peak_mib:.0f}"
    problem = check_problem or (str(check["error"]) if check and check["error"] else "")
    if check is not None and not problem and check["check"]:
        seconds = statistics.median(check["check"])
        per_line = seconds / actual
        row[1:4] = [f"{seconds:.3f}", f"{per_line * 1e6:.1f}", str(check["findings"])]
        row[7] = f"{check_sample.peak_mib:.0f}"
        if floors is not None:
            row[6] = f"{seconds / statistics.median(floors['libcst']):.2f}x"
    problems = [text for text in (problem, floors_problem and f"floors: {floors_problem}") if text]
    return row, per_line, "; ".join(problems)


def run_generated(shapes: Sequence[str], sizes: Sequence[int], rounds: int, keep: Optional[str],
                  timeout: float) -> int:
    folder = keep or tempfile.mkdtemp(prefix="flake8-detach-bench-")
    os.makedirs(folder, exist_ok=True)
    rows: List[List[str]] = []
    status = 0
    for shape in shapes:
        first: Optional[float] = None
        for size in sizes:
            source = synthetic_source(size) if shape == MIXED else shape_source(shape, size)
            compile(source, f"{shape}_{size}", "exec")  # the generator must write valid Python
            path = os.path.join(folder, f"{shape}_{size}.py")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(source)
            cells, per_line, problem = _generated_row(path, rounds, timeout)
            growth = "-"
            if per_line is not None:
                first = per_line if first is None else first
                growth = f"{per_line / first:.2f}"
            status = 1 if problem else status
            rows.append([shape, cells[0], cells[1], cells[2], growth, *cells[3:], problem])
    if keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    print()
    print(f"Generated files in {folder if keep else 'a temporary folder (removed; --keep DIR keeps them)'}; "
          f"{rounds} rounds each, medians of CPU time. check_source is timed in its own process "
          "after a warm-up call (imports excluded); the parse floors in another, collector paused.")
    _table(["shape", "lines", "check s", "check ms/1k lines", "vs smallest", "findings", "libcst ms/1k",
            "ast ms/1k", "check/libcst", "check peak MiB", "parse peak MiB", "note"], rows)
    print("'vs smallest': check ms per 1k lines relative to the shape's first size (1.00 = linear); "
          "'check peak MiB': the process running check_source; 'parse peak MiB': the one running "
          "libcst.parse_module then ast.parse.")
    return status


# ---------------------------------------------------------------------------


def _sizes(value: str) -> List[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are comma-separated line counts") from None
    if not sizes or min(sizes) < 10:
        raise argparse.ArgumentTypeError("sizes are comma-separated line counts of at least 10")
    return sizes


def _shapes(value: str) -> List[str]:
    names = [MIXED, *SHAPES] if value == "all" else [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - {MIXED, *SHAPES})
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown shape(s) {', '.join(unknown)}; known: {MIXED}, {', '.join(SHAPES)}")
    return names


RUN_KEYS = ("python", "ast", "libcst", "flake8", "flake8-det-loaded", "flake8-det", "flake8-det-default", "bugbear",
            "torchfix", "cli")
TIMED_KEYS = ("flake8-det", "flake8-det-default")  # rows that time the plugin from the inside


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", nargs="?", metavar="DIR", help="folder of Python files to time the tools on")
    parser.add_argument("--rounds", type=int, default=3, help="counted rounds per command (default: 3)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="uncounted rounds first, to warm the file cache and write .pyc files (default: 1)")
    parser.add_argument("--only", type=lambda v: [k.strip() for k in v.split(",") if k.strip()], metavar="KEYS",
                        help="only these runs (the flake8 baseline always runs): " + ",".join(RUN_KEYS))
    parser.add_argument("--timeout", type=float, default=3600.0,
                        help="give up on a command after this many seconds (default: 3600)")
    parser.add_argument("--no-import-time", action="store_true", help="skip the import-time measurements")
    parser.add_argument("--generated", action="store_true",
                        help="time check_source on synthetic files instead of DIR (see --sizes)")
    parser.add_argument("--shapes", type=_shapes, default=[MIXED], metavar="NAMES",
                        help=f"with --generated: comma-separated shapes, or 'all' (default: {MIXED}): "
                             + ", ".join([MIXED, *SHAPES]))
    parser.add_argument("--sizes", type=_sizes, default=[1000, 10000, 100000],
                        help="line counts of the synthetic files (default: 1000,10000,100000)")
    parser.add_argument("--keep", metavar="DIR", help="write the synthetic files to DIR (default: a temporary folder)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    if options.rounds < 1 or options.warmup < 0:
        parser.error("--rounds must be at least 1 and --warmup at least 0")
    if options.only:
        unknown = sorted(set(options.only) - set(RUN_KEYS))
        if unknown:
            parser.error(f"--only: unknown run(s) {', '.join(unknown)}; known: {', '.join(RUN_KEYS)}")
    print(f"python {sys.version.split()[0]} ({PYTHON}) on {sys.platform}, {os.cpu_count()} CPUs")
    if options.generated:
        return run_generated(options.shapes, options.sizes, options.rounds, options.keep, options.timeout)
    if not options.directory or not os.path.isdir(options.directory):
        parser.error("give a DIR of Python files, or --generated")
    corpus = discover(options.directory)
    if not corpus.files:
        parser.error(f"no .py files under {options.directory}")
    installed = flake8_plugin_packages()
    print("flake8 plugins installed: " + ", ".join(f"{name} {version}" for name, version in sorted(installed.items())))
    print("baseline run loads: " + loaded_plugins([]))
    if "flake8-detach" in installed:
        print("flake8-detach runs load: " + loaded_plugins(["flake8-detach"]))
    share = prefilter_share(corpus)
    if share is not None:
        print(f"files passing flake8-detach's text pre-filter: {share} of {len(corpus.files)}")
    if not options.no_import_time:
        for module in (PLUGIN_MODULE, "libcst"):
            microseconds, eager = importtime(module, max(options.rounds, 3))
            wall = timed_import(module, max(options.rounds, 3))
            text = f"{microseconds / 1000:.1f} ms (-X importtime)" if microseconds is not None else "failed"
            text += f", {wall * 1000:.0f} ms (python -c 'import ...' minus python -c pass)" if wall is not None else ""
            if module == PLUGIN_MODULE and eager is not None:
                text += f"; imports libcst: {'yes' if eager else 'no'}"
            print(f"import {module}: {text}")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        handle.write("\n".join(corpus.files) + "\n")
        list_file = handle.name
    try:
        specs, notes = build_specs(corpus, list_file, installed, options.only)
        run_rounds(specs, options.rounds, options.warmup, options.timeout)
    finally:
        os.unlink(list_file)
    report_corpus(corpus, specs, notes, options.rounds, options.warmup)
    return 1 if any(spec.failure for spec in specs) else 0


if __name__ == "__main__":
    sys.exit(main())
