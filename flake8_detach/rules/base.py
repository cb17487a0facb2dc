"""The shape of a rule: its code, its documentation and its own examples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Tuple

from flake8_detach.prefilter import Triggers

if TYPE_CHECKING:
    from flake8_detach.analysis.sites import ConversionSite
    from flake8_detach.findings import Finding
    from flake8_detach.rules.common import Report


@dataclass(frozen=True)
class RuleDoc:
    """ruff-style documentation, rendered by ``flake8-detach rule CODE`` and in the README."""

    what_it_does: str
    why_is_this_bad: str
    example: str
    use_instead: str
    fix_safety: str


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    default_enabled: bool
    # Each finding is a conversion that raises "Can't call numpy() on Tensor that requires grad"
    # whenever it runs (what the oracle, ``explain`` and the program generator check it against).
    raises_grad_error: bool
    # What it watches: only files and statements that show these are analysed for it.
    triggers: Triggers
    doc: RuleDoc
    # Fixit-style examples: each a complete program; the invalid ones mark the
    # flagged line with ``# expect: CODE``.
    valid: Tuple[str, ...]
    invalid: Tuple[str, ...]


class RuleCheck(Protocol):
    """A rule module: its ``RULE`` and the two functions the checker calls."""

    RULE: Rule

    def applies(self, site: "ConversionSite") -> bool: ...

    def finding(self, site: "ConversionSite", report: "Report") -> "Finding": ...
