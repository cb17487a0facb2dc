"""The driver: generate programs from a seed range, label them, run the checker, report.

    python -m tests.generator --seed 10000 --count 2000 [--minutes 30] [--construct forward_hook]
                              [--show-mistakes 10] [--no-fixes]

Program ``i`` of a run is generated from seed ``--seed + i`` (with ``--construct``, from seeds
derived from it), so a seed and a count name the same programs on every machine.  The report
gives precision and recall overall and per construct, DET103 apart, the fix results, the
discarded programs by reason, and the mistakes grouped by kind and by the construct most
likely to blame (the one of the mistake's flow the checker does worst on), most frequent
first; ``--show-mistakes K`` shrinks the smallest program of each of the K largest groups.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .grammar import ALL_CONSTRUCTS, CONSTRUCTS, generate
from .labeller import warm_up
from .program import Program
from .scoring import DEFINITE, FALSE_ALARM, FIX_FAILURE, MISS, Judged, Mistake, Scores, Tally, judge
from .shrinker import shrink


@dataclass(frozen=True)
class Found:
    """A mistake and the program it was made on."""

    program: Program
    mistake: Mistake


@dataclass
class Measurement:
    seed: int
    count: int
    construct: Optional[str] = None
    generated: int = 0
    discards: Counter = field(default_factory=Counter)  # type: ignore[type-arg]
    scores: Scores = field(default_factory=Scores)
    found: List[Found] = field(default_factory=list)
    seconds: float = 0.0
    out_of_time: bool = False

    @property
    def labelled(self) -> int:
        return self.generated - sum(self.discards.values())


def measure(seed: int, count: int, *, minutes: Optional[float] = None, construct: Optional[str] = None,
            fixes: bool = True, progress: Optional[Callable[[Measurement], None]] = None) -> Measurement:
    """Generate, label and judge ``count`` programs from ``seed`` (stopping after ``minutes``)."""
    warm_up()
    result = Measurement(seed, count, construct)
    started = time.perf_counter()
    for number in range(seed, seed + count):
        if minutes is not None and time.perf_counter() - started > 60 * minutes:
            result.out_of_time = True
            break
        program = generate(number, construct)
        result.generated += 1
        judged, reason = judge(program, fixes=fixes)
        if judged is None:
            assert reason is not None
            result.discards[reason] += 1
        else:
            _add(result, judged)
        if progress is not None and result.generated % 100 == 0:
            progress(result)
    result.seconds = time.perf_counter() - started
    return result


def _add(result: Measurement, judged: Judged) -> None:
    result.scores.add(judged)
    result.found.extend(Found(judged.program, mistake) for mistake in judged.mistakes)


# ---------------------------------------------------------------------------------------------
# Grouping and shrinking mistakes


@dataclass
class Group:
    kind: str
    detail: str
    culprit: str  # the construct the group is blamed on
    members: List[Found]

    @property
    def title(self) -> str:
        about = f" ({self.culprit})" if self.culprit else ""
        return f"{self.kind} {self.detail}{about}"


def culprit(mistake: Mistake, scores: Scores) -> str:
    """The construct of the mistake's flow the checker does worst on: lowest recall for a
    miss, lowest precision for a false alarm (fewest observations breaking ties)."""
    if mistake.kind not in (MISS, FALSE_ALARM) or not mistake.constructs:
        return ""

    def badness(name: str) -> Tuple[float, int]:
        tally = scores.by_construct[name]
        rate = tally.recall if mistake.kind == MISS else tally.precision
        size = tally.positives if mistake.kind == MISS else tally.findings
        return (1.0 if rate is None else rate, size)

    return min(sorted(mistake.constructs), key=badness)


def groups(result: Measurement) -> List[Group]:
    """The mistakes by kind, detail and culprit, largest group first."""
    grouped: Dict[Tuple[str, str, str], List[Found]] = {}
    for item in result.found:
        key = (item.mistake.kind, item.mistake.detail, culprit(item.mistake, result.scores))
        grouped.setdefault(key, []).append(item)
    ordered = sorted(grouped.items(), key=lambda entry: (-len(entry[1]), entry[0]))
    return [Group(kind, detail, blame, members) for (kind, detail, blame), members in ordered]


def smallest_shrunk(group: Group) -> Tuple[Program, Mistake]:
    """The group's smallest program, shrunk while the mistake remains."""
    smallest = min(group.members, key=lambda item: (len(item.program.lines), item.program.seed))
    return shrink(smallest.program, smallest.mistake), smallest.mistake


def annotated(program: Program, mistake: Mistake) -> str:
    """The shrunk program with what torch does and what the checker says, as comments."""
    judged, reason = judge(program, fixes=mistake.kind == FIX_FAILURE)
    if judged is None:
        return program.source + f"# (no longer runs: {reason})\n"
    notes: Dict[int, List[str]] = {}
    for number in judged.run.positives:
        notes.setdefault(number, []).append("raises at run time")
    for number in judged.run.converting - judged.run.positives:
        notes.setdefault(number, []).append("converts, never raises")
    for reported, lines in zip(judged.findings, judged.credited):
        notes.setdefault(reported.line, []).append(f"{reported.code}{'' if lines else ' (false alarm)'}")
    for reported in judged.undecided:
        notes.setdefault(reported.line, []).append("DET103")
    for number in judged.missed:
        notes.setdefault(number, []).append("missed")
    text = []
    for number, line in enumerate(program.source.splitlines(), start=1):
        note = notes.get(number)
        text.append(f"{line}  # {'; '.join(note)}" if note else line)
    messages = [f"# {r.code} line {r.line}: {r.message}" for r in judged.findings + judged.undecided]
    failures = [f"# {m.kind}: {m.detail}" for m in judged.mistakes if m.kind == FIX_FAILURE]
    return "\n".join(text + messages + failures) + "\n"


# ---------------------------------------------------------------------------------------------
# Reporting


def _rate(value: Optional[float]) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def _row(name: str, tally: Tally) -> str:
    return (f"{name:28} {tally.programs:6} {tally.positives:6} {tally.found:6} {_rate(tally.recall)} "
            f"{tally.findings:6} {tally.true_findings:6} {_rate(tally.precision)} {tally.negatives:6}")


def format_report(result: Measurement) -> str:
    scores, overall = result.scores, result.scores.overall
    first, last = result.seed, result.seed + result.generated - 1
    lines = [
        f"seeds {first}-{last}{' steered to ' + result.construct if result.construct else ''}: "
        f"{result.generated} programs generated, {result.labelled} labelled, "
        f"{sum(result.discards.values())} discarded, in {result.seconds:.0f} s "
        f"({result.generated / max(result.seconds, 1e-9):.1f} programs/s)"
        + (" (stopped by --minutes)" if result.out_of_time else ""),
        f"conversion lines: {overall.positives} raise, {overall.negatives} convert without raising",
        f"{'/'.join(DEFINITE)}: precision {_rate(overall.precision).strip()} "
        f"({overall.true_findings}/{overall.findings}), "
        f"recall {_rate(overall.recall).strip()} ({overall.found}/{overall.positives})",
    ]
    if scores.undecided:
        lines.append("apart from those: " + ", ".join(
            f"{count} {where}" if where.startswith("DET") else f"DET103 on {where}: {count}"
            for where, count in sorted(scores.undecided.items())))
    if scores.fixes:
        lines.append("fixes: " + ", ".join(f"{what}: {count}" for what, count in sorted(scores.fixes.items())))
    if result.discards:
        lines.append("discarded:")
        lines += [f"  {count:5}  {reason}" for reason, count in result.discards.most_common()]
    header = (f"{'construct':28} {'progs':>6} {'raise':>6} {'found':>6} {'recall':>6} "
              f"{'finds':>6} {'true':>6} {'prec.':>6} {'safe':>6}")
    lines += ["", header, _row("(all)", overall)]
    for kind, names in CONSTRUCTS.items():
        lines.append(f"-- {kind}")
        lines += [_row(name, scores.by_construct[name]) for name in names if name in scores.by_construct]
    lines += ["", "mistakes (kind, code or failure, construct blamed), most frequent first:"]
    lines += [f"  {len(group.members):5}  {group.title}" for group in groups(result)]
    return "\n".join(lines) + "\n"


def format_examples(result: Measurement, how_many: int) -> str:
    parts = []
    for group in groups(result)[:how_many]:
        program, mistake = smallest_shrunk(group)
        constructs = ", ".join(sorted(program.constructs)) or "none"
        parts.append(f"=== {group.title}: {len(group.members)} mistakes; shrunk example "
                     f"(seed {program.seed}, constructs: {constructs})\n{annotated(program, mistake)}")
    return "\n".join(parts)


def _progress(result: Measurement) -> None:
    overall = result.scores.overall
    print(f"  {result.generated} programs, precision {_rate(overall.precision).strip()}, "
          f"recall {_rate(overall.recall).strip()}", file=sys.stderr)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.generator", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--count", type=int, default=500, help="how many programs (default 500)")
    parser.add_argument("--minutes", type=float, default=None, help="stop generating after this long")
    parser.add_argument("--construct", choices=sorted(ALL_CONSTRUCTS), default=None,
                        help="generate only programs that use this construct")
    parser.add_argument("--show-mistakes", type=int, default=0, metavar="K",
                        help="shrink and show an example of each of the K most frequent mistakes")
    parser.add_argument("--no-fixes", action="store_true", help="do not check the fixes")
    args = parser.parse_args(argv)
    result = measure(args.seed, args.count, minutes=args.minutes, construct=args.construct,
                     fixes=not args.no_fixes, progress=_progress)
    print(format_report(result))
    if args.show_mistakes:
        print(format_examples(result, args.show_mistakes))
    return 0
