"""Which findings the command line reports: code selection and ``# noqa``, as flake8 decides them.

flake8 applies these itself to the plugin's findings; the command line uses
this module so that both report the same findings for the same settings.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from flake8_detach.findings import Finding
from flake8_detach.frontends.codes import DEFAULT_OFF, KNOWN_CODES, PREFIX, is_code_or_prefix
from flake8_detach.frontends.common import UsageError
from flake8_detach.frontends.sources import split_lines

# flake8's own patterns (flake8/defaults.py), so that a comment means the same to both.
NOQA_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.IGNORECASE)
_NOQA_WORD = "noqa"
_LIST_SEPARATOR = re.compile(r"[,\s]")


def split_codes(value: str) -> List[str]:
    """``"DET101, DET102"`` -> ``["DET101", "DET102"]`` (commas and/or blanks)."""
    return [item for item in _LIST_SEPARATOR.split(value) if item]


def validate_codes(codes: Iterable[str], where: str = "") -> Tuple[str, ...]:
    """Upper-cased codes; a UsageError (prefixed with ``where``) names the first unknown one."""
    result = tuple(code.strip().upper() for code in codes)
    for code in result:
        if not is_code_or_prefix(code):
            message = f"unknown rule code or prefix {code!r} (known: {', '.join(KNOWN_CODES)})"
            raise UsageError(f"{where}: {message}" if where else message)
    return result


def _longest(code: str, prefixes: Sequence[str]) -> Optional[str]:
    matches = [prefix for prefix in prefixes if code.startswith(prefix)]
    return max(matches, key=len) if matches else None


@dataclass(frozen=True)
class Selection:
    """flake8's decision: explicit choices beat defaults, and between equals the longer prefix wins.

    ``select``/``ignore`` of ``None`` mean "not given".  Unlike flake8, an
    explicit ``ignore`` does not bring the default-off rules back: they stay
    off until a ``select`` or ``extend_select`` names them (``DET`` does).
    """

    select: Optional[Tuple[str, ...]] = None
    ignore: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    extend_ignore: Tuple[str, ...] = ()

    def enabled(self, code: str) -> bool:
        explicit_select = _longest(code, (*(self.select or ()), *self.extend_select))
        explicit_ignore = _longest(code, (*(self.ignore or ()), *self.extend_ignore))
        default_select = _longest(code, (PREFIX,) if self.select is None else ())
        default_ignore = _longest(code, DEFAULT_OFF)
        if explicit_select or explicit_ignore:
            return _wins(explicit_select, explicit_ignore)
        return _wins(default_select, default_ignore)

    def shown(self) -> FrozenSet[str]:
        """The rule codes it shows: the checker builds findings only for these."""
        return frozenset(code for code in KNOWN_CODES if self.enabled(code))


def _wins(select: Optional[str], ignore: Optional[str]) -> bool:
    if select is None:
        return False
    return ignore is None or len(select) > len(ignore)


class Noqa:
    """``# noqa`` comments of one source, read the way flake8 reads them.

    A comment applies to the physical line of the finding, or to every line of
    a token that spans several (a multi-line string), as in flake8.
    """

    def __init__(self, source: str) -> None:
        self._lines = split_lines(source)
        self._spans: Optional[Dict[int, Tuple[int, int]]] = None
        # Both patterns need the word: without it, no tokenizing (a tenth of a warm re-check in the editor).
        self._mentioned = _NOQA_WORD in source.lower()

    def file_is_exempt(self) -> bool:
        """A ``# flake8: noqa`` line on its own turns the whole file off."""
        return self._mentioned and any(NOQA_FILE.match(line) for line in self._lines)

    def suppresses(self, finding: Finding) -> bool:
        if not self._mentioned:
            return False
        match = NOQA_INLINE.search(self._line_for(finding.line))
        if match is None:
            return False
        codes = match.group("codes")
        return codes is None or finding.code.startswith(tuple(split_codes(codes.upper())))

    def comment_line(self, number: int) -> int:
        """The line where a comment silences findings on line ``number``: the last line its tokens span."""
        return self._span(number)[1]

    def _line_for(self, number: int) -> str:
        first, last = self._span(number)
        return "".join(self._lines[first - 1:last]) if 0 < first <= len(self._lines) else ""

    def _span(self, number: int) -> Tuple[int, int]:
        if self._spans is None:
            self._spans = _token_spans(self._lines)
        return self._spans.get(number, (number, number))


def _token_spans(lines: List[str]) -> Dict[int, Tuple[int, int]]:
    """Line number -> the first and last line its tokens span (flake8's ``_noqa_line_mapping``)."""
    spans: Dict[int, Tuple[int, int]] = {}
    low, high = len(lines) + 2, -1
    readline: Callable[[], str] = io.StringIO("".join(lines), newline="").readline
    try:
        for kind, _, (first, _), (last, _), _ in tokenize.generate_tokens(readline):
            if kind in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            low, high = min(low, first), max(high, last)
            if kind in (tokenize.NL, tokenize.NEWLINE):
                spans.update(dict.fromkeys(range(low, high + 1), (low, high)))
                low, high = len(lines) + 2, -1
    except (tokenize.TokenError, SyntaxError):
        return {}
    return spans


def visible(findings: Iterable[Finding], selection: Selection, noqa: Noqa, disable_noqa: bool = False) -> List[Finding]:
    """The findings the user asked for, minus those a ``# noqa`` silences."""
    chosen = [finding for finding in findings if selection.enabled(finding.code)]
    if disable_noqa:
        return chosen
    if noqa.file_is_exempt():
        return []
    return [finding for finding in chosen if not noqa.suppresses(finding)]
