"""What the fuzz tests and ``scripts/fuzz.py`` share: program generators and the properties checked.

Three generators:

* ``hypothesmith.from_grammar()`` / ``from_node()``: arbitrary programs from Python's grammar;
* ``mutated_programs()``: the realistic PyTorch programs in ``tests/fuzz_seeds/`` with lines and
  tokens deleted, duplicated and swapped, and with ``.numpy()``, ``.detach()``, ``np.asarray(...)``,
  ``requires_grad=True`` and ``with torch.no_grad():`` blocks inserted at random places;
* ``package_sources()``: every ``.py`` file of an installed package (the torch sources).

``exercise()`` runs one program through the analysis and, when it has fixes, through the fix
properties: all non-overlapping fixes applied give a program that still parses, the fixed findings
are gone, fixing converges (a last round changes nothing), and the fixed text is the original plus
exactly the inserted text.  A violated property raises ``PropertyViolation``; any other exception
(but ``UnanalysableSource``) is a crash of the linter and propagates as it is.
"""

from __future__ import annotations

import ast
import contextlib
import enum
import io
import keyword
import logging
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from hypothesis import strategies as st

from flake8_detach.checker import UnanalysableSource, check_source
from flake8_detach.findings import Applicability, Edit, Finding, Fix, Position, apply_edits
from flake8_detach.prefilter import may_have_findings
from flake8_detach.rules import RULES
from flake8_detach.rules.common import DETACH_EACH_NAME
from flake8_detach.settings import FixStyle, Settings

SEEDS_DIRECTORY = Path(__file__).resolve().parent / "fuzz_seeds"
FIXED_CODES = frozenset({"DET101", "DET102"})
# The text a fix may insert; anything else is a bug in a rule.
# a list is converted entry by entry: [t.detach() for t in losses]
INSERTABLE = frozenset({".detach()", "(", ").detach()", "force=True",
                        f"[{DETACH_EACH_NAME}.detach() for {DETACH_EACH_NAME} in ", "]"})
MAX_FIX_ROUNDS = 10
# The front ends log what the analysis raised here instead of crashing the run.
FRONT_END_LOGGER = "flake8.detach"
_LINE_END = re.compile(r"\r\n|\r|\n")


class PropertyViolation(AssertionError):
    """The linter did not crash but broke one of the properties (the message says which)."""


class Outcome(enum.Enum):
    UNANALYSABLE = "unanalysable"
    NO_FINDING = "no finding"
    FINDINGS = "findings"
    FIXED = "fixed"


# ---------------------------------------------------------------------------------------------
# Seeds and mutations


def seed_programs() -> Dict[str, str]:
    """The realistic programs the mutations start from, by file name."""
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SEEDS_DIRECTORY.glob("*.py"))}


_TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d+(?:\.\d*)?|\s+|\.\.\.|\*\*|//|->|[=!<>]=|.")
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
# Places after which ``.numpy()`` or ``.detach()`` reads like a method call: a name or a closer.
_RECEIVER_END = re.compile(r"[A-Za-z_0-9]+|[)\]]")
_EXTRA_LINES = (
    "x = torch.rand(3, requires_grad=True)",
    "w = torch.nn.Parameter(torch.ones(2))",
    "model.eval()",
    "losses.append(loss)",
    "loss = criterion(model(inputs), targets)",
    "print(x.numpy())",
    "np.asarray(x)",
    "plt.plot(losses)",
    "y = x * 2",
    "y = x.detach()",
    "torch.set_grad_enabled(False)",
    "torch.set_grad_enabled(True)",
    "x.requires_grad_()",
    "del x",
    "import numpy as np",
    "import torch",
    "from torch import nn",
    "import matplotlib.pyplot as plt",
    "pass",
    "for p in model.parameters(): print(p.numpy())",
    "if x.requires_grad: x = x.detach()",
    "with torch.no_grad(): y = model(x).numpy()",
    "with torch.enable_grad(): y = model(x)",
    "f = lambda t: t.numpy()",
    "x = x if x.requires_grad else x.detach()",
    "z = (a * b).numpy()",
    "np.mean([loss1, loss2])",
    "model = nn.Linear(3, 3)",
    "out = model(torch.randn(2, 3))",
    "values = {'loss': loss}",
    "t = torch.tensor([1.0, 2.0], requires_grad=True)",
    "x, y = y, x",
)
# Lines that are only valid in some places (or nowhere): fewer of these.
_AWKWARD_LINES = (
    "return x.numpy()",
    "yield loss",
    "global model",
    "nonlocal x",
    "else:",
    "try:",
    "except Exception:",
    "@torch.no_grad()",
    "def helper(t):",
    "class Holder:",
    "if x.requires_grad:",
    "with torch.no_grad():",
    "async def step(): return (await model(x)).numpy()",
)
_KEYWORDS = frozenset(keyword.kwlist) | {"self", "print"}


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _delete_line(draw: st.DrawFn, lines: List[str]) -> None:
    if lines:
        del lines[draw(st.integers(0, len(lines) - 1))]


def _duplicate_line(draw: st.DrawFn, lines: List[str]) -> None:
    if lines:
        index = draw(st.integers(0, len(lines) - 1))
        lines.insert(draw(st.integers(0, len(lines))), lines[index])


def _swap_lines(draw: st.DrawFn, lines: List[str]) -> None:
    if len(lines) > 1:
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]


def _insert_line(draw: st.DrawFn, lines: List[str]) -> None:
    index = draw(st.integers(0, len(lines)))
    # Mostly at the indentation of a neighbour, so that the program often still parses.
    neighbour = lines[index - 1] if index and draw(st.booleans()) else (lines[index] if index < len(lines) else "")
    indent = _indentation(neighbour)
    if draw(st.integers(0, 3)) == 0:
        indent = draw(st.sampled_from(["", "    ", indent + "    ", indent[:-4]]))
    pool = _AWKWARD_LINES if draw(st.integers(0, 4)) == 0 else _EXTRA_LINES
    lines.insert(index, indent + draw(st.sampled_from(pool)))


def _pick_line(draw: st.DrawFn, lines: List[str]) -> Optional[int]:
    candidates = [i for i, line in enumerate(lines) if line.strip()]
    return draw(st.sampled_from(candidates)) if candidates else None


def _token_edit(draw: st.DrawFn, lines: List[str]) -> None:
    """Delete, duplicate or swap tokens within one line."""
    index = _pick_line(draw, lines)
    if index is None:
        return
    tokens = _TOKEN.findall(lines[index])
    if not tokens:
        return
    i, j = draw(st.integers(0, len(tokens) - 1)), draw(st.integers(0, len(tokens) - 1))
    operation = draw(st.sampled_from(["delete", "duplicate", "swap"]))
    if operation == "delete":
        del tokens[i]
    elif operation == "duplicate":
        tokens.insert(j, tokens[i])
    else:
        tokens[i], tokens[j] = tokens[j], tokens[i]
    lines[index] = "".join(tokens)


def _insert_after_receiver(draw: st.DrawFn, lines: List[str], text: str) -> None:
    index = _pick_line(draw, lines)
    if index is None:
        return
    line = lines[index]
    if line.lstrip().startswith(("def ", "class ", "import ", "from ", "@")):
        return
    ends = [m.end() for m in _RECEIVER_END.finditer(line) if m.group() not in _KEYWORDS]
    if not ends:
        return
    at = draw(st.sampled_from(ends))
    lines[index] = line[:at] + text + line[at:]


def _insert_numpy(draw: st.DrawFn, lines: List[str]) -> None:
    _insert_after_receiver(draw, lines, draw(st.sampled_from([".numpy()", ".cpu().numpy()", ".numpy(force=True)"])))


def _insert_detach(draw: st.DrawFn, lines: List[str]) -> None:
    _insert_after_receiver(draw, lines, draw(st.sampled_from([".detach()", ".data", ".item()", ".requires_grad_()"])))


def _insert_requires_grad(draw: st.DrawFn, lines: List[str]) -> None:
    # Before the closing parenthesis of a call: ``f(a)`` -> ``f(a, requires_grad=True)``.
    calls = [(i, m.start() + 1, m.group()[0] == "(") for i, line in enumerate(lines)
             for m in re.finditer(r"[^\s,]\)", line)]
    if not calls:
        return
    index, at, empty = draw(st.sampled_from(calls))
    line = lines[index]
    flag = draw(st.sampled_from(["requires_grad=True", "requires_grad=True", "requires_grad=False"]))
    text = flag if empty else ", " + flag
    lines[index] = line[:at] + text + line[at:]


def _wrap_in_asarray(draw: st.DrawFn, lines: List[str]) -> None:
    """Wrap a name (with what follows it up to a closing bracket, sometimes) in ``np.asarray``."""
    names = [
        (i, m.start(), m.end())
        for i, line in enumerate(lines)
        if not line.lstrip().startswith(("def ", "class ", "import ", "from ", "@"))
        for m in _NAME.finditer(line)
        if m.group() not in _KEYWORDS and not re.match(r"\s*=[^=]", line[m.end():])
        and not line[: m.start()].endswith(".")
    ]
    if not names:
        return
    index, start, end = draw(st.sampled_from(names))
    line = lines[index]
    function = draw(st.sampled_from(["np.asarray", "np.array", "np.mean", "plt.plot", "float"]))
    lines[index] = f"{line[:start]}{function}({line[start:end]}){line[end:]}"


def _wrap_in_no_grad(draw: st.DrawFn, lines: List[str]) -> None:
    """Put a run of lines into ``with torch.no_grad():`` (or another grad-mode block), indented."""
    index = _pick_line(draw, lines)
    if index is None:
        return
    indent = _indentation(lines[index])
    last = index
    while last + 1 < len(lines) and (not lines[last + 1].strip() or lines[last + 1].startswith(indent)):
        if draw(st.integers(0, 3)) == 0:
            break
        last += 1
    header = draw(
        st.sampled_from(
            ["with torch.no_grad():", "with torch.inference_mode():", "with torch.enable_grad():",
             "with torch.set_grad_enabled(False):", "with torch.no_grad(), open('f') as handle:"]
        )
    )
    step = draw(st.sampled_from(["    ", "\t", "  "]))
    body = [step + line if line.strip() else line for line in lines[index:last + 1]]
    lines[index:last + 1] = [indent + header] + body


def _splice(draw: st.DrawFn, lines: List[str], seeds: Sequence[str]) -> None:
    """Insert a run of lines from another seed."""
    other = draw(st.sampled_from(list(seeds))).splitlines()
    if not other:
        return
    start = draw(st.integers(0, len(other) - 1))
    stop = draw(st.integers(start, min(len(other), start + 8)))
    at = draw(st.integers(0, len(lines)))
    lines[at:at] = other[start:stop]


_MUTATIONS: Tuple[Callable[[st.DrawFn, List[str]], None], ...] = (
    _delete_line,
    _duplicate_line,
    _swap_lines,
    _insert_line,
    _token_edit,
    _insert_numpy,
    _insert_numpy,
    _insert_detach,
    _insert_requires_grad,
    _wrap_in_asarray,
    _wrap_in_asarray,
    _wrap_in_no_grad,
    _wrap_in_no_grad,
)


@st.composite
def mutated_programs(draw: st.DrawFn, seeds: Sequence[str], max_mutations: int = 6) -> str:
    """A seed program with one to ``max_mutations`` random mutations applied."""
    lines = draw(st.sampled_from(list(seeds))).splitlines()
    count = draw(st.sampled_from([n for n in (1, 1, 1, 2, 2, 3, 4, 5, 6) if n <= max_mutations]))
    for _ in range(count):
        choice = draw(st.integers(0, len(_MUTATIONS)))
        if choice == len(_MUTATIONS):
            _splice(draw, lines, seeds)
        else:
            _MUTATIONS[choice](draw, lines)
    newline = draw(st.sampled_from(["\n", "\n", "\n", "\r\n"]))
    return newline.join(lines) + newline


SETTINGS_CHOICES = (Settings(), Settings(fix_style=FixStyle.FORCE))


# ---------------------------------------------------------------------------------------------
# Package sources


def package_sources(root: Path) -> List[Path]:
    return sorted(root.rglob("*.py"))


def read_source(path: Path) -> str:
    """Decode as the front ends do for a file flake8 could read: UTF-8, errors replaced."""
    return path.read_bytes().decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------------------------
# The properties


def _line_starts(source: str) -> List[int]:
    return [0] + [match.end() for match in _LINE_END.finditer(source)]


def _line_texts(source: str) -> List[str]:
    """Each line's text without its line end, split where the finding positions split."""
    starts = _line_starts(source)
    texts = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(source)
        texts.append(_LINE_END.sub("", source[start:end]))
    return texts


def _offset(starts: Sequence[int], position: Position) -> int:
    return starts[position.line - 1] + position.column


def _position_at(starts: Sequence[int], offset: int) -> Position:
    line = max(number for number, start in enumerate(starts) if start <= offset)
    return Position(line + 1, offset - starts[line])


def _check_position(lines: Sequence[str], position: Position, what: str, source: str) -> None:
    if not 1 <= position.line <= len(lines):
        raise PropertyViolation(f"{what}: line {position.line} outside 1..{len(lines)}")
    if not 0 <= position.column <= len(lines[position.line - 1]):
        raise PropertyViolation(
            f"{what}: column {position.column} outside line {position.line} "
            f"(length {len(lines[position.line - 1])}: {lines[position.line - 1]!r})"
        )


def check_findings_well_formed(source: str, findings: Sequence[Finding]) -> None:
    lines = _line_texts(source)
    for finding in findings:
        if finding.code not in RULES:
            raise PropertyViolation(f"unknown code {finding.code}")
        if not finding.message.strip():
            raise PropertyViolation(f"{finding.code} with an empty message")
        _check_position(lines, finding.position, f"{finding.code} position", source)
        if finding.fix is None:
            continue
        if not finding.fix.edits:
            raise PropertyViolation(f"{finding.code} at {finding.position}: a fix without edits")
        for edit in finding.fix.edits:
            _check_position(lines, edit.start, f"{finding.code} edit start", source)
            _check_position(lines, edit.end, f"{finding.code} edit end", source)
            if edit.start != edit.end:
                raise PropertyViolation(f"{finding.code}: an edit that replaces text: {edit}")
            if edit.content not in INSERTABLE:
                raise PropertyViolation(f"{finding.code}: unexpected inserted text {edit.content!r}")
        offsets = [e.start for e in finding.fix.edits]
        if len(set(offsets)) != len(offsets):
            raise PropertyViolation(
                f"{finding.code} at {finding.position}: two edits at one place: {finding.fix.edits}"
            )


def applicable_fixes(findings: Sequence[Finding]) -> List[Tuple[Finding, Fix]]:
    """Every finding's fix that a fixer may apply (safe and unsafe), duplicates once."""
    seen: Set[Tuple[Edit, ...]] = set()
    result = []
    for finding in findings:
        fix = finding.fix
        if fix is None or fix.applicability is Applicability.DISPLAY_ONLY:
            continue
        key = tuple(sorted(fix.edits, key=lambda e: (e.start, e.content)))
        if key not in seen:
            seen.add(key)
            result.append((finding, fix))
    return result


@dataclass
class FixRound:
    source: str
    fixed: str
    applied: List[Tuple[Finding, Fix]]
    skipped: int
    inserted: List[Tuple[int, str]]  # (offset in the original, text), ascending


def choose_fixes(source: str, fixes: Sequence[Tuple[Finding, Fix]]) -> Tuple[List[Tuple[Finding, Fix]], int]:
    """Non-overlapping fixes, ruff style: by start, each must begin after the previous one ends."""
    starts = _line_starts(source)

    def span(fix: Fix) -> Tuple[int, int]:
        offsets = [_offset(starts, e.start) for e in fix.edits]
        return min(offsets), max(offsets)

    chosen: List[Tuple[Finding, Fix]] = []
    last_end = -1
    for finding, fix in sorted(fixes, key=lambda pair: span(pair[1])):
        begin, end = span(fix)
        if begin > last_end:
            chosen.append((finding, fix))
            last_end = end
    return chosen, len(fixes) - len(chosen)


def fix_round(source: str, findings: Sequence[Finding]) -> FixRound:
    chosen, skipped = choose_fixes(source, applicable_fixes(findings))
    edits = [edit for _, fix in chosen for edit in fix.edits]
    fixed = apply_edits(source, edits)
    starts = _line_starts(source)
    inserted = sorted((_offset(starts, e.start), e.content) for e in edits)
    return FixRound(source, fixed, chosen, skipped, inserted)


def check_only_insertions(original: str, fixed: str, inserted: Sequence[Tuple[int, str]]) -> None:
    """``fixed`` is ``original`` with exactly ``inserted`` put in, at their offsets, nothing else.

    Each inserted text is located by position (its offset in the original plus what was inserted
    before it), never by searching: ``").detach()"`` may already occur in the file, and a ``"("``
    is indistinguishable from the file's own.  Removing the located slices must give back the
    original byte for byte; the lengths must add up; and, independently of the offsets, the
    original must be a subsequence of the fixed text.
    """
    expected_length = len(original) + sum(len(text) for _, text in inserted)
    if len(fixed) != expected_length:
        raise PropertyViolation(f"fixed text has {len(fixed)} characters, expected {expected_length}")
    pieces = []
    shift = 0
    previous = 0
    for offset, text in inserted:
        at = offset + shift
        if fixed[at:at + len(text)] != text:
            raise PropertyViolation(
                f"inserted {text!r} not found at offset {offset}: {fixed[max(0, at - 20):at + 20]!r}"
            )
        pieces.append(fixed[previous:at])
        previous = at + len(text)
        shift += len(text)
    pieces.append(fixed[previous:])
    if "".join(pieces) != original:
        raise PropertyViolation("removing the inserted text does not give back the original")
    remaining = iter(fixed)
    if not all(character in remaining for character in original):
        raise PropertyViolation("the original is not a subsequence of the fixed text")


def parses(source: str) -> bool:
    """``ast.parse`` accepts ``source`` (what flake8 needs before it runs any plugin)."""
    return _parses(source)[0]


def _parses(source: str) -> Tuple[bool, bool]:
    """(ast.parse accepts it, compile() accepts it); the compiler's warnings are not our business."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False, False
        try:
            compile(tree, "<fuzz>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return True, False
    return True, True


def _moved(position: Position, source: str, fixed: str, inserted: Sequence[Tuple[int, str]]) -> Position:
    """Where ``position`` of ``source`` is in ``fixed``: text inserted at or before it pushes it on."""
    offset = _offset(_line_starts(source), position)
    shift = sum(len(text) for at, text in inserted if at <= offset)
    return _position_at(_line_starts(fixed), offset + shift)


def _analyse(source: str, settings: Settings) -> Optional[List[Finding]]:
    try:
        return check_source(source, settings, prefilter=False)
    except UnanalysableSource:
        return None


@dataclass
class Report:
    outcome: Outcome
    findings: int = 0
    fixes_applied: int = 0
    rounds: int = 0
    codes: Dict[str, int] = field(default_factory=dict)


def exercise(source: str, settings: Settings = Settings(), *, fix: bool = True) -> Report:
    """Run ``source`` through the analysis (and the fix properties); raise on a violation."""
    findings = _analyse(source, settings)
    if findings is None:
        return Report(Outcome.UNANALYSABLE)
    check_findings_well_formed(source, findings)
    if not may_have_findings(source):
        hidden = [f for f in findings if f.code in FIXED_CODES]
        if hidden:
            raise PropertyViolation(f"the pre-filter would hide {hidden}")
    codes: Dict[str, int] = {}
    for finding in findings:
        codes[finding.code] = codes.get(finding.code, 0) + 1
    report = Report(Outcome.FINDINGS if findings else Outcome.NO_FINDING, len(findings), codes=codes)
    if not fix or not applicable_fixes(findings):
        return report
    if fixer_available():
        check_fixer(source, settings)
    before_ast, before_compile = _parses(source)
    current, current_findings = source, findings
    for round_number in range(1, MAX_FIX_ROUNDS + 1):
        step = fix_round(current, current_findings)
        if not step.applied:
            break
        check_only_insertions(current, step.fixed, step.inserted)
        after_ast, after_compile = _parses(step.fixed)
        if (before_ast and not after_ast) or (before_compile and not after_compile):
            raise PropertyViolation(f"round {round_number}: the fixed program no longer parses:\n{step.fixed}")
        refound = _analyse(step.fixed, settings)
        if refound is None:
            raise PropertyViolation(f"round {round_number}: the fixed program cannot be analysed:\n{step.fixed}")
        check_findings_well_formed(step.fixed, refound)
        remaining = {(f.code, f.position) for f in refound}
        for finding, _ in step.applied:
            if finding.code in FIXED_CODES:
                moved = _moved(finding.position, current, step.fixed, step.inserted)
                if (finding.code, moved) in remaining:
                    raise PropertyViolation(
                        f"round {round_number}: {finding.code} at {finding.position} is still there after "
                        f"its fix (now at {moved}): {finding.message}"
                    )
        if step.skipped == 0 and applicable_fixes(refound):
            new = [(f.code, f.position, f.fix.edits if f.fix else ()) for f in refound if f.fix]
            raise PropertyViolation(
                f"round {round_number}: every fix was applied, yet fixing again would change the "
                f"program: {new}"
            )
        report.fixes_applied += len(step.applied)
        report.rounds = round_number
        current, current_findings = step.fixed, refound
    else:
        raise PropertyViolation(f"fixing did not converge in {MAX_FIX_ROUNDS} rounds")
    report.outcome = Outcome.FIXED
    return report


# ---------------------------------------------------------------------------------------------
# The flake8 plugin, once it exists


def plugin_class() -> Optional[Any]:
    """``DetachChecker`` if the front end has landed, else None."""
    try:
        from flake8_detach.frontends import flake8_plugin
    except ImportError:
        return None
    checker: Any = getattr(flake8_plugin, "DetachChecker", None)
    return checker


def flake8_lines(source: str) -> List[str]:
    """The lines as flake8 hands them to a plugin: read with universal newlines (CRLF and CR become
    LF; form feeds stay), the byte-order mark dropped."""
    lines = io.StringIO(source, newline=None).readlines()
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    return lines


def run_plugin(checker_class: Any, source: str, filename: str = "fuzz.py") -> List[Tuple[int, int, str]]:
    """Instantiate the plugin the way flake8 does (parameters by name) and collect what it yields.

    ``tree`` is flake8's ast of the file; flake8 never calls a plugin for a file its ``ast.parse``
    rejects, but here such files get ``tree=None`` and the plugin must cope (it parses the lines).
    """
    import inspect

    lines = flake8_lines(source)
    try:
        tree: Optional[ast.AST] = ast.parse("".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    available: Dict[str, Any] = {"tree": tree, "lines": lines, "filename": filename}
    parameters = inspect.signature(checker_class).parameters
    arguments = {name: available[name] for name in parameters if name in available}
    missing = [
        name for name, p in parameters.items()
        if name not in available and p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    if missing:
        raise TypeError(f"DetachChecker needs parameters this harness does not know: {missing}")
    results = []
    with _internal_errors_raised():
        for item in checker_class(**arguments).run():
            line, column, message = item[0], item[1], item[2]
            if not (isinstance(line, int) and isinstance(column, int) and isinstance(message, str)):
                raise PropertyViolation(f"the plugin yielded {item!r}")
            if not message.startswith("DET"):
                raise PropertyViolation(f"the plugin yielded a message without its code: {message!r}")
            results.append((line, column, message))
    return results


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _internal_errors_raised() -> Iterator[None]:
    """The front ends catch the analysis's exceptions and log them (one bad file must not stop a
    flake8 run); here such a log record is the crash it stands for."""
    logger = logging.getLogger(FRONT_END_LOGGER)
    handler = _Records()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    for record in handler.records:
        if record.exc_info and record.exc_info[1] is not None:
            raise record.exc_info[1]
        raise PropertyViolation(f"the front end logged: {record.getMessage()}")


# ---------------------------------------------------------------------------------------------
# The command line's fixer, once it exists


def fixer_available() -> bool:
    try:
        from flake8_detach.frontends import fixer  # noqa: F401
    except ImportError:
        return False
    return True


_INSERTED_CHARACTERS = Counter("".join(INSERTABLE))


def check_fixer(source: str, settings: Settings = Settings()) -> Optional[str]:
    """``fix_source`` with every rule selected, with and without the unsafe fixes: it never corrupts.

    Returns the fixed text with unsafe fixes (None when the fixer declined).  The fixer declines
    (``error``) with the original text; otherwise its text adds only fix text to the original (the
    original is a subsequence, the extra characters are those of ``INSERTABLE``), parses when the
    original did, detaches nothing twice, and fixing it again changes nothing.
    """
    fixed: Optional[str] = None
    for unsafe in (False, True):
        fixed = _check_fixer_once(source, settings, unsafe)
    return fixed


def _check_fixer_once(source: str, settings: Settings, unsafe: bool) -> Optional[str]:
    from flake8_detach.frontends.filtering import Selection
    from flake8_detach.frontends.fixer import FixRequest, fix_source

    request = FixRequest(settings, Selection(select=("DET",)), unsafe=unsafe)
    mode = "with unsafe fixes" if unsafe else "safe fixes only"
    with _internal_errors_raised():
        outcome = fix_source(source, request, "<fuzz>")
    if outcome.error is not None:
        if outcome.text != source:
            raise PropertyViolation(f"the fixer ({mode}) reported {outcome.error!r} but changed the text")
        if "please report it" in outcome.error:
            raise PropertyViolation(f"the fixer ({mode}) gave up: {outcome.error}")
        return None
    fixed = outcome.text
    if fixed == source:
        return fixed
    remaining = iter(fixed)
    if not all(character in remaining for character in source):
        raise PropertyViolation(f"the fixer's output ({mode}) lost text of the original")
    extra = Counter(fixed) - Counter(source)
    if any(character not in _INSERTED_CHARACTERS for character in extra):
        raise PropertyViolation(f"the fixer ({mode}) inserted characters no fix inserts: {sorted(extra)}")
    if parses(source) and not parses(fixed):
        raise PropertyViolation(f"the fixer's output ({mode}) no longer parses:\n{fixed}")
    if fixed.count(".detach().detach()") > source.count(".detach().detach()"):
        raise PropertyViolation(f"the fixer ({mode}) detached a value twice:\n{fixed}")
    with _internal_errors_raised():
        again = fix_source(fixed, request, "<fuzz>")
    if again.error is None and again.text != fixed:
        raise PropertyViolation(
            f"fixing the fixer's output ({mode}) changes it again:\n{fixed}\n---\n{again.text}"
        )
    return fixed


# ---------------------------------------------------------------------------------------------
# Reducing a failing program


def shrink(source: str, still_fails: Callable[[str], bool]) -> str:
    """A smaller program for which ``still_fails`` holds: drop lines, then tokens, greedily."""
    newline = "\r\n" if "\r\n" in source else "\n"
    lines = source.splitlines()
    chunk = max(1, len(lines) // 2)
    while chunk >= 1:
        index = 0
        while index < len(lines):
            candidate = lines[:index] + lines[index + chunk:]
            if candidate and still_fails(newline.join(candidate) + newline):
                lines = candidate
            else:
                index += chunk
        chunk //= 2
    # Then tokens, line by line.
    for number in range(len(lines)):
        tokens = _TOKEN.findall(lines[number])
        index = 0
        while index < len(tokens):
            candidate_tokens = tokens[:index] + tokens[index + 1:]
            candidate = lines[:number] + ["".join(candidate_tokens)] + lines[number + 1:]
            if still_fails(newline.join(candidate) + newline):
                tokens, lines = candidate_tokens, candidate
            else:
                index += 1
    return newline.join(lines) + newline


def failure_kind(source: str, settings: Settings = Settings()) -> Optional[str]:
    """None when ``exercise`` passes, else the exception's type and the first words of its message."""
    try:
        exercise(source, settings)
    except PropertyViolation as violation:
        return "PropertyViolation: " + " ".join(str(violation).split()[:6])
    except Exception as error:  # noqa: BLE001 - a crash of any kind is what we are after
        return type(error).__name__
    return None
