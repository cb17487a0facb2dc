"""Shrinking a program while the checker still makes the same mistake on it.

Candidates delete statements: first whole flows other than the one the mistake is in, then
runs of lines (halving their length, as delta debugging does), whole compound statements,
and compound statements' headers whose bodies move out one level (``with torch.no_grad():``
unwrapped).  A candidate
is kept when it compiles, still runs (the labeller does not discard it) and the same mistake
remains: a miss on the same conversion line, a false alarm of the same code on the same line,
a fix failure or a crash of the same kind.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, List, Optional, Sequence, Tuple

from .program import Line, Program
from .scoring import CRASH, FALSE_ALARM, FIX_FAILURE, MISS, Judged, Mistake, judge

MAX_ROUNDS = 4


def _index(lines: Sequence[Line], target: Optional[Line]) -> Optional[int]:
    if target is None:
        return None
    return next((i for i, line in enumerate(lines) if line is target), None)


def still_makes(mistake: Mistake, program: Program, target: Optional[Line]) -> bool:
    """Whether ``program`` runs and the checker makes ``mistake`` on it (at ``target``)."""
    try:
        compile(program.source, "<candidate>", "exec")
    except (SyntaxError, ValueError):
        return False
    judged, _ = judge(program, fixes=mistake.kind == FIX_FAILURE)
    if judged is None:
        return False
    index = _index(program.lines, target)
    number = None if index is None else program.numbers[index]
    return _has(judged, mistake, number)


def _has(judged: Judged, mistake: Mistake, number: Optional[int]) -> bool:
    if mistake.kind == MISS:
        return number is not None and number in judged.missed
    if mistake.kind == FALSE_ALARM:
        return any(reported.line == number and reported.code == mistake.detail and not lines
                   for reported, lines in zip(judged.findings, judged.credited))
    if mistake.kind in (FIX_FAILURE, CRASH):
        return any(found.key == mistake.key for found in judged.mistakes)
    raise ValueError(mistake.kind)


def target_line(program: Program, mistake: Mistake) -> Optional[Line]:
    if mistake.line is None:
        return None
    index = program.index_of(mistake.line)
    return None if index is None else program.lines[index]


def shrink(program: Program, mistake: Mistake,
           still: Callable[[Program, Optional[Line]], bool] = lambda p, t: True) -> Program:
    """The smallest program found that still makes ``mistake``; ``still`` is an extra
    condition a candidate must meet (tests use it)."""
    target = target_line(program, mistake)

    def keeps(lines: List[Line], new_target: Optional[Line]) -> bool:
        candidate = program.replaced(lines)
        return still(candidate, new_target) and still_makes(mistake, candidate, new_target)

    lines = list(program.lines)
    lines = _drop_other_flows(lines, target, keeps)
    for _ in range(MAX_ROUNDS):
        before = len(lines)
        lines = _delete_runs(lines, target, keeps)
        lines = _delete_blocks(lines, target, keeps)
        lines, target = _unwrap_blocks(lines, target, keeps)
        if len(lines) == before:
            break
    return program.replaced(_regular_indentation(lines))


def _regular_indentation(lines: List[Line]) -> List[Line]:
    """One level per compound statement: deleting a ``for`` header leaves its body two levels
    under the ``def``, which Python accepts but nobody writes."""
    result: List[Line] = []
    open_blocks: List[Tuple[int, int]] = []  # (depth in ``lines``, depth written), innermost last
    for line in lines:
        while open_blocks and open_blocks[-1][0] >= line.depth:
            open_blocks.pop()
        depth = open_blocks[-1][1] + 1 if open_blocks else 0
        result.append(replace(line, depth=depth))
        if line.text.endswith(":"):
            open_blocks.append((line.depth, depth))
    return result


def _drop_other_flows(lines: List[Line], target: Optional[Line],
                      keeps: Callable[[List[Line], Optional[Line]], bool]) -> List[Line]:
    flows = sorted({line.flow for line in lines})
    for flow in flows:
        if target is not None and flow == target.flow:
            continue
        candidate = [line for line in lines if line.flow != flow]
        if len(candidate) < len(lines) and keeps(candidate, target):
            lines = candidate
    return lines


def _delete_runs(lines: List[Line], target: Optional[Line],
                 keeps: Callable[[List[Line], Optional[Line]], bool]) -> List[Line]:
    chunk = max(1, len(lines) // 2)
    while chunk >= 1:
        start = 0
        while start < len(lines):
            removed = lines[start:start + chunk]
            candidate = lines[:start] + lines[start + chunk:]
            if candidate and not any(line is target for line in removed) and keeps(candidate, target):
                lines = candidate
            else:
                start += chunk
        chunk //= 2
    return lines


def _body_end(lines: Sequence[Line], header: int) -> int:
    """The index after the body of the compound statement whose header is at ``header``."""
    depth = lines[header].depth
    end = header + 1
    while end < len(lines) and lines[end].depth > depth:
        end += 1
    return end


def _delete_blocks(lines: List[Line], target: Optional[Line],
                   keeps: Callable[[List[Line], Optional[Line]], bool]) -> List[Line]:
    """Delete compound statements whole (a function never called, a class never used)."""
    index = 0
    while index < len(lines):
        end = _body_end(lines, index)
        removed = lines[index:end]
        candidate = lines[:index] + lines[end:]
        if end - index > 1 and not any(line is target for line in removed) and keeps(candidate, target):
            lines = candidate
        else:
            index += 1
    return lines


def _unwrap_blocks(lines: List[Line], target: Optional[Line],
                   keeps: Callable[[List[Line], Optional[Line]], bool]) -> Tuple[List[Line], Optional[Line]]:
    """Delete a ``with``/``for``/``if``/``try``/``else`` header and move its body out one level."""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line is target or not line.text.endswith(":") or line.text.startswith(("def ", "class ")):
            index += 1
            continue
        end = _body_end(lines, index)
        moved = [replace(body, depth=body.depth - 1) for body in lines[index + 1:end]]
        new_target = target
        for old, new in zip(lines[index + 1:end], moved):
            if old is target:
                new_target = new
        candidate = lines[:index] + moved + lines[end:]
        if keeps(candidate, new_target):
            lines, target = candidate, new_target
        else:
            index += 1
    return lines, target
