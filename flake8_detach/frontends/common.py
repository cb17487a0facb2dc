"""What the flake8 plugin and the command line share: settings, messages and the guarded analysis."""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass
from typing import List, Optional, Sequence

from flake8_detach.findings import Finding, LineNamer, numbered_line
from flake8_detach.settings import FixStyle, Settings

# A child of flake8's logger: silent by default, shown by ``flake8 -v``.
LOG = logging.getLogger("flake8.detach")

FIX_STYLES: Sequence[str] = tuple(style.value for style in FixStyle)


class UsageError(Exception):
    """Bad input from the user (option, code, configuration): one line, exit status 2."""


def parse_fix_style(value: str, where: str = "fix style") -> FixStyle:
    try:
        return FixStyle(value.strip().lower())
    except ValueError:
        raise UsageError(f"{where}: expected one of {', '.join(FIX_STYLES)}, got {value!r}") from None


def settings_for(fix_style: Optional[FixStyle]) -> Settings:
    return Settings() if fix_style is None else Settings(fix_style=fix_style)


def flake8_text(finding: Finding) -> str:
    """The text flake8 expects after the position: the code, a space, the message."""
    return f"{finding.code} {finding.message}"


@dataclass(frozen=True)
class Analysis:
    """Findings of one source, or why there are none (``error`` set: nothing was analysed)."""

    findings: List[Finding]
    error: Optional[str] = None


def analyse(source: str, settings: Settings, display_name: str = "<source>",
            tree: Optional[ast.AST] = None, name_line: LineNamer = numbered_line, trace: bool = False) -> Analysis:
    """Every finding of every rule in ``source``, never an exception.

    ``UnanalysableSource`` is the checker's documented way to say "cannot
    analyse this file" (syntax error, nesting too deep).  Anything else is a
    bug in the analysis; it is caught here, and only here, because one exotic
    file must not stop a whole lint run (flake8 aborts every file when a plugin
    raises).  Each front end decides how to tell the user.  ``BaseException``s
    that are not ``Exception``s (KeyboardInterrupt, SystemExit) pass through.
    ``trace`` asks for each finding's trace (see ``check_source``).
    """
    from flake8_detach.checker import UnanalysableSource, check_source

    try:
        return Analysis(check_source(source, settings, tree=tree, name_line=name_line, trace=trace))
    except UnanalysableSource as error:
        LOG.info("flake8-detach skipped %s: %s", display_name, error)
        return Analysis([], str(error))
    except Exception as error:  # noqa: BLE001 - deliberate, see the docstring
        LOG.warning("flake8-detach failed on %s; please report it", display_name, exc_info=True)
        return Analysis([], f"internal error in flake8-detach ({type(error).__name__}: {error}); please report it")
