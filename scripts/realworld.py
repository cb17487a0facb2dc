#!/usr/bin/env python3
"""Run the checker over real code bases and count what it reports.

Usage::

    python scripts/realworld.py /work/corpora/*                 # one project per folder
    python scripts/realworld.py --split /work/corpora           # the same: each sub-folder is a project
    python scripts/realworld.py --list --codes DET101,DET102,DET103 /work/corpora/pytorch+examples
    python scripts/realworld.py --json run.json /work/corpora/*  # every finding and figure, to diff runs

Each folder named on the command line is one project (``--split``: each of
its sub-folders is one).  Every ``*.py`` and ``*.ipynb`` file under it is
read (``.git``, virtual environments, build and cache folders are skipped) and
handed to ``flake8_detach.checker.check_source``.  A notebook's code cells are
joined into one text by ``flake8_detach.frontends.notebooks``, as the command
line joins them (IPython syntax masked, cells that do not parse left out and
listed as problems); its findings are reported at the line of the joined text,
with the cell (numbered over all cells) and the line in the cell beside them.

The summary goes to standard output: per project, the files found, analysed,
unanalysable (``UnanalysableSource``: syntax errors, nesting too deep) and
crashed (any other exception: a bug in the checker), the time spent inside
``check_source``; then per project and per rule code the findings and the
files with findings.  Crashes are printed to standard error with their
tracebacks (identical tracebacks once, with every file that produced them).
Exit status: 0, or 1 when anything crashed or timed out.

``# noqa`` comments are not honoured: what is counted is what
``check_source`` returns, filtered by ``--codes`` (codes or prefixes).
"""

from __future__ import annotations

import argparse
import inspect
import io
import json
import os
import signal
import sys
import time
import tokenize
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Type

from flake8_detach.frontends.notebooks import Notebook, NotebookError, read_notebook
from flake8_detach.frontends.sources import split_lines

DEFAULT_CODES = ("DET101", "DET102")
SUFFIXES = (".py", ".ipynb")
# Folder names never entered.
SKIPPED_FOLDERS = frozenset(
    {
        ".bzr", ".direnv", ".eggs", ".git", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox",
        ".pytest_cache", ".ruff_cache", ".svn", ".tox", ".venv", "__pycache__", "__pypackages__",
        "_build", "build", "dist", "env", "node_modules", "site-packages", "venv", "virtualenv",
    }
)

# ---------------------------------------------------------------------------
# Files


@dataclass(frozen=True)
class SourceFile:
    path: str
    project: str
    root: str  # the project's folder (or the file itself, when a file was named)


def _walk(top: str) -> Iterator[str]:
    for folder, folders, files in os.walk(top):
        folders[:] = sorted(name for name in folders if name not in SKIPPED_FOLDERS and not name.endswith(".egg-info"))
        for name in sorted(files):
            if name.endswith(SUFFIXES):
                yield os.path.join(folder, name)


def collect(arguments: Sequence[str], split: bool) -> Tuple[List[SourceFile], List[str]]:
    """The files to check, each with its project, and the arguments that do not exist."""
    roots: List[Tuple[str, str]] = []  # (path, project)
    missing: List[str] = []
    for argument in arguments:
        path = os.path.normpath(argument)
        if os.path.isdir(path):
            if split:
                roots.extend(
                    (os.path.join(path, name), name)
                    for name in sorted(os.listdir(path))
                    if os.path.isdir(os.path.join(path, name)) and name not in SKIPPED_FOLDERS
                )
            else:
                roots.append((path, os.path.basename(os.path.abspath(path))))
        elif os.path.isfile(path):
            roots.append((path, os.path.basename(os.path.dirname(os.path.abspath(path)))))
        else:
            missing.append(argument)
    seen: Set[str] = set()
    found: List[SourceFile] = []
    for root, project in roots:
        paths = _walk(root) if os.path.isdir(root) else iter([root])
        for path in paths:
            real = os.path.realpath(path)
            if real in seen or not os.path.isfile(real):  # duplicate, or a broken symbolic link
                continue
            seen.add(real)
            found.append(SourceFile(path, project, root))
    return found, missing


def decode_python(raw: bytes) -> str:
    """The text of a Python file, in its PEP 263 encoding, newlines untouched."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    return raw.decode(encoding)


# ---------------------------------------------------------------------------
# Running the checker


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so the checker's handlers do not swallow it."""


def _on_alarm(signum: int, frame: Optional[FrameType]) -> None:
    raise _Timeout()


@dataclass
class Reported:
    path: str
    project: str
    line: int
    column: int  # 0-based, as the checker gives it
    code: str
    message: str
    source_line: str
    cell: Optional[Tuple[int, int]] = None  # notebooks: (cell, line in cell), cells numbered over all cells


@dataclass
class Crash:
    path: str
    project: str
    kind: str  # "crash" or "timeout"
    trace: str


@dataclass
class ProjectStats:
    files: int = 0
    python_files: int = 0
    notebooks: int = 0
    analysed: int = 0
    passed_prefilter: int = 0
    unanalysable: int = 0
    unreadable: int = 0
    crashed: int = 0
    timed_out: int = 0
    lines: int = 0
    seconds: float = 0.0  # inside check_source only
    findings: Counter[str] = field(default_factory=Counter)
    files_with: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))


@dataclass
class Run:
    projects: Dict[str, ProjectStats] = field(default_factory=dict)
    reported: List[Reported] = field(default_factory=list)
    crashes: List[Crash] = field(default_factory=list)
    problems: List[Tuple[str, str, str]] = field(default_factory=list)  # (path, kind, reason)
    timings: List[Tuple[float, str, int]] = field(default_factory=list)  # (seconds, path, lines)
    wall: float = 0.0
    has_prefilter: bool = False


def selected(code: str, codes: Sequence[str]) -> bool:
    return any(code.startswith(prefix) for prefix in codes)


def load_checker(
    no_prefilter: bool,
) -> Tuple[Callable[..., List[Any]], Type[BaseException], Optional[Callable[[str], bool]]]:
    """``check_source`` (or a wrapper without the pre-filter), its ``UnanalysableSource``, the pre-filter if any."""
    from flake8_detach.checker import UnanalysableSource, check_source

    prefilter: Optional[Callable[[str], bool]] = None
    try:
        from flake8_detach.prefilter import may_have_findings

        prefilter = may_have_findings
    except ImportError:
        pass
    if not no_prefilter:
        return check_source, UnanalysableSource, prefilter
    if "prefilter" not in inspect.signature(check_source).parameters:
        raise SystemExit("--no-prefilter: check_source has no `prefilter` parameter")

    def unfiltered(source: str, **options: Any) -> List[Any]:
        return list(check_source(source, prefilter=False, **options))  # type: ignore[call-arg,unused-ignore]

    return unfiltered, UnanalysableSource, prefilter


def run(
    files: Sequence[SourceFile],
    codes: Sequence[str],
    timeout: float,
    no_prefilter: bool,
    progress: bool,
) -> Run:
    checker, unanalysable, prefilter = load_checker(no_prefilter)
    result = Run(has_prefilter=prefilter is not None)
    use_alarm = timeout > 0 and hasattr(signal, "setitimer")
    if use_alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
    start = time.perf_counter()
    for number, item in enumerate(files, start=1):
        if progress:
            print(f"[{number}/{len(files)}] {item.path}", file=sys.stderr, flush=True)
        stats = result.projects.setdefault(item.project, ProjectStats())
        stats.files += 1
        notebook: Optional[Notebook] = None
        try:
            with open(item.path, "rb") as handle:
                text = decode_python(handle.read())
            if item.path.endswith(".ipynb"):
                stats.notebooks += 1
                notebook = read_notebook(text)
                text = notebook.code
                result.problems.extend((item.path, "note", note) for note in notebook.notes)
            else:
                stats.python_files += 1
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError, NotebookError) as error:
            stats.unreadable += 1
            result.problems.append((item.path, "unreadable", str(error)))
            continue
        lines = [line.rstrip("\r\n") for line in split_lines(text)]
        stats.lines += len(lines)
        if prefilter is not None and prefilter(text):
            stats.passed_prefilter += 1
        began = time.perf_counter()
        try:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                findings = checker(text) if notebook is None else checker(text, name_line=notebook.name_line)
            finally:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
        except unanalysable as error:
            stats.unanalysable += 1
            result.problems.append((item.path, "unanalysable", str(error)))
            continue
        except _Timeout:
            stats.timed_out += 1
            result.crashes.append(Crash(item.path, item.project, "timeout", f"no answer within {timeout:g} s\n"))
            continue
        except Exception:  # noqa: BLE001 - anything else is a checker bug to report
            stats.crashed += 1
            result.crashes.append(Crash(item.path, item.project, "crash", traceback.format_exc()))
            continue
        finally:
            elapsed = time.perf_counter() - began
            stats.seconds += elapsed
            result.timings.append((elapsed, item.path, len(lines)))
        stats.analysed += 1
        for finding in findings:
            code = str(finding.code)
            if not selected(code, codes):
                continue
            line, column = int(finding.line), int(finding.column)
            stats.findings[code] += 1
            stats.files_with[code].add(item.path)
            cell = None if notebook is None else notebook.locate(line)
            source_line = lines[line - 1] if 0 < line <= len(lines) else ""
            result.reported.append(
                Reported(item.path, item.project, line, column, code, str(finding.message), source_line, cell)
            )
    result.wall = time.perf_counter() - start
    return result


# ---------------------------------------------------------------------------
# Output


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], out: Any) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    aligned = [
        "  ".join(str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i]) for i, cell in enumerate(row))
        for row in [header, *rows]
    ]
    print(aligned[0], file=out)
    print("-" * len(aligned[0]), file=out)
    for index, line in enumerate(aligned[1:], start=1):
        if index == len(aligned) - 1 and rows and rows[-1][0] == "TOTAL":
            print("-" * len(aligned[0]), file=out)
        print(line, file=out)


def _total(projects: Dict[str, ProjectStats]) -> ProjectStats:
    total = ProjectStats()
    for stats in projects.values():
        for name in ("files", "python_files", "notebooks", "analysed", "passed_prefilter", "unanalysable",
                     "unreadable", "crashed", "timed_out", "lines"):
            setattr(total, name, getattr(total, name) + getattr(stats, name))
        total.seconds += stats.seconds
        total.findings.update(stats.findings)
        for code, paths in stats.files_with.items():
            total.files_with[code] |= paths
    return total


def print_summary(result: Run, codes: Sequence[str], out: Any) -> None:
    projects = dict(sorted(result.projects.items()))
    rows: List[List[str]] = []
    for name, stats in [*projects.items(), ("TOTAL", _total(projects))]:
        rows.append([
            name, str(stats.files), str(stats.python_files), str(stats.notebooks), str(stats.lines),
            str(stats.passed_prefilter) if result.has_prefilter else "-", str(stats.analysed), str(stats.unanalysable),
            str(stats.unreadable), str(stats.crashed), str(stats.timed_out), f"{stats.seconds:.2f}",
        ])
    print("Files", file=out)
    _table(["project", "files", ".py", ".ipynb", "lines", "prefilter", "analysed", "unanalysable",
            "unreadable", "crashed", "timeout", "check s"], rows, out)
    shown = sorted({code for stats in projects.values() for code in stats.findings} | {c for c in codes if len(c) == 6})
    print(file=out)
    print("Findings (findings / files with findings), codes: " + ",".join(codes), file=out)
    rows = []
    for name, stats in [*projects.items(), ("TOTAL", _total(projects))]:
        rows.append([name, *(f"{stats.findings[code]} / {len(stats.files_with.get(code, ()))}" for code in shown),
                     f"{sum(stats.findings.values())} / {len(set().union(*stats.files_with.values()))}"])
    _table(["project", *shown, "all"], rows, out)
    print(file=out)
    print(
        f"{sum(s.files for s in projects.values())} files in {len(projects)} projects; "
        f"{result.wall:.2f} s in total, {sum(s.seconds for s in projects.values()):.2f} s inside check_source",
        file=out,
    )
    print("'prefilter': files whose text passes flake8_detach.prefilter (the others are not parsed); "
          "'analysed': check_source returned; 'check s': time inside check_source", file=out)


def print_slowest(result: Run, count: int, out: Any) -> None:
    if count <= 0 or not result.timings:
        return
    print(file=out)
    print(f"Slowest {count} files (time inside check_source)", file=out)
    for seconds, path, lines in sorted(result.timings, reverse=True)[:count]:
        print(f"  {seconds:8.3f} s  {lines:7d} lines  {path}", file=out)


def print_listing(result: Run, out: Any) -> None:
    for item in sorted(result.reported, key=lambda r: (r.path, r.line, r.column, r.code)):
        where = f"  [cell {item.cell[0]}, line {item.cell[1]}]" if item.cell else ""
        print(f"{item.path}:{item.line}:{item.column + 1}: {item.code} {item.message}{where}", file=out)
        print(f"    {item.source_line.strip()}", file=out)


def print_problems(result: Run, out: Any) -> None:
    """Unreadable and unanalysable files (one line each) and crashes (tracebacks, grouped)."""
    for path, kind, reason in result.problems:
        print(f"{kind}: {path}: {reason}", file=out)
    by_trace: Dict[str, List[Crash]] = defaultdict(list)
    for crash in result.crashes:
        by_trace[crash.kind + "\n" + crash.trace].append(crash)
    for crashes in by_trace.values():
        first = crashes[0]
        print(f"\n=== {first.kind.upper()} in {len(crashes)} file(s):", file=out)
        for crash in crashes:
            print(f"  {crash.path}", file=out)
        print(first.trace.rstrip(), file=out)


def write_json(result: Run, codes: Sequence[str], path: str) -> None:
    document = {
        "codes": list(codes),
        "wall_seconds": result.wall,
        "projects": {
            name: {
                "files": stats.files, "python_files": stats.python_files, "notebooks": stats.notebooks,
                "lines": stats.lines, "passed_prefilter": stats.passed_prefilter, "analysed": stats.analysed,
                "unanalysable": stats.unanalysable, "unreadable": stats.unreadable, "crashed": stats.crashed,
                "timed_out": stats.timed_out, "check_seconds": stats.seconds,
                "findings": dict(stats.findings),
                "files_with_findings": {code: len(paths) for code, paths in stats.files_with.items()},
            }
            for name, stats in sorted(result.projects.items())
        },
        "findings": [
            {"path": r.path, "project": r.project, "line": r.line, "column": r.column + 1, "code": r.code,
             "message": r.message, "source_line": r.source_line,
             "cell": list(r.cell) if r.cell else None}
            for r in sorted(result.reported, key=lambda r: (r.path, r.line, r.column, r.code))
        ],
        "problems": [{"path": p, "kind": k, "reason": r} for p, k, r in result.problems],
        "crashes": [{"path": c.path, "kind": c.kind, "traceback": c.trace} for c in result.crashes],
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1)
        handle.write("\n")


def write_converted(files: Sequence[SourceFile], folder: str) -> None:
    """Write each notebook's joined text as ``<folder>/<project>/<path>.py`` (to run other tools on)."""
    for item in files:
        if not item.path.endswith(".ipynb"):
            continue
        try:
            with open(item.path, "rb") as handle:
                text = read_notebook(decode_python(handle.read())).code
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError, NotebookError):
            continue
        inside = os.path.relpath(item.path, item.root) if item.path != item.root else os.path.basename(item.path)
        target = os.path.join(folder, item.project, inside + ".py")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)


def _codes(value: str) -> List[str]:
    codes = [code.strip().upper() for code in value.split(",") if code.strip()]
    if not codes:
        raise argparse.ArgumentTypeError("no codes given")
    return codes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Run flake8-detach's checker over code bases and count its findings per project and rule.",
    )
    parser.add_argument("paths", nargs="+", metavar="DIR", help="project folders (or files) to check")
    parser.add_argument("--split", action="store_true",
                        help="treat each sub-folder of each DIR as a project (e.g. a folder of corpora)")
    parser.add_argument("--codes", type=_codes, default=list(DEFAULT_CODES), metavar="CODES",
                        help="comma-separated codes or prefixes to count and list "
                             f"(default: {','.join(DEFAULT_CODES)}; add DET103 to see it)")
    parser.add_argument("--list", action="store_true",
                        help="print every finding as path:line:col: CODE message, then its source line")
    parser.add_argument("--json", metavar="FILE", help="also write every figure and finding to FILE as JSON")
    parser.add_argument("--slowest", type=int, default=5, metavar="N",
                        help="show the N files that took longest (default: 5; 0: none)")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                        help="count a file as timed out after this long (default: 120; 0: never)")
    parser.add_argument("--no-prefilter", action="store_true",
                        help="analyse every file, even those the text pre-filter rules out")
    parser.add_argument("--quiet-problems", action="store_true",
                        help="do not list unreadable/unanalysable files on standard error (crashes still are)")
    parser.add_argument("--write-notebooks", metavar="DIR",
                        help="also write each notebook's joined Python text under DIR")
    parser.add_argument("--progress", action="store_true", help="name each file on standard error as it starts")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    options = build_parser().parse_args(argv)
    files, missing = collect(options.paths, options.split)
    for path in missing:
        print(f"{path}: no such file or directory", file=sys.stderr)
    if options.write_notebooks:
        write_converted(files, options.write_notebooks)
    codes: List[str] = options.codes
    result = run(files, codes, options.timeout, options.no_prefilter, options.progress)
    if options.quiet_problems:
        result.problems = []
    print_problems(result, sys.stderr)
    if options.list:
        print_listing(result, sys.stdout)
        print()
    print_summary(result, codes, sys.stdout)
    print_slowest(result, options.slowest, sys.stdout)
    if options.json:
        write_json(result, codes, options.json)
    return 1 if result.crashes or missing else 0


if __name__ == "__main__":
    sys.exit(main())
