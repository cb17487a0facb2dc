"""The flake8 plugin: flake8 reads the file and filters the findings, we analyse.

flake8 handles ``# noqa``, ``--select``/``--ignore``, per-file ignores and the
output.  The plugin reports only the codes the command line would report with
the same settings (``Selection``): the same decision on both routes, including
that a default-off rule needs a ``select``/``extend-select`` naming it (flake8
would turn it on whenever ``ignore`` is set).  Its one option of its own,
``--detach-fix-style``, falls back to ``fix-style`` in ``[tool.flake8-detach]``.
It imports nothing heavy: the checker imports libcst only for files that pass
its text pre-filter, so editors running ``flake8 -`` on every save do not pay for it.
"""

from __future__ import annotations

import argparse
import ast
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar, FrozenSet, Iterator, List, Optional, Protocol, Sequence, Tuple, Type

from flake8_detach import __version__
from flake8_detach.findings import numbered_line
from flake8_detach.frontends.codes import DEFAULT_OFF, KNOWN_CODES
from flake8_detach.frontends.common import FIX_STYLES, UsageError, analyse, flake8_text, parse_fix_style, settings_for
from flake8_detach.frontends.filtering import Selection
from flake8_detach.frontends.notebooks import nbqa_line_namer
from flake8_detach.settings import FixStyle, Settings

FIX_STYLE_OPTION = "--detach-fix-style"


class OptionManager(Protocol):
    """The part of ``flake8.options.manager.OptionManager`` we use (flake8 ships no type hints)."""

    def add_option(self, *args: Any, **kwargs: Any) -> None: ...

    def extend_default_ignore(self, error_codes: Sequence[str]) -> None: ...


class DetachChecker:
    """flake8 calls this once per file.

    flake8 classifies a plugin by its parameter names, and only plugins that
    take ``tree`` run once per file (the others run per line).  flake8 builds
    the ast for its own checks anyway; the checker uses it to refuse code
    nested too deeply before parsing ``lines`` with libcst.
    """

    name = "flake8-detach"
    version = __version__
    settings: ClassVar[Settings] = Settings()
    reported_codes: ClassVar[FrozenSet[str]] = frozenset(KNOWN_CODES) - frozenset(DEFAULT_OFF)

    def __init__(self, tree: ast.AST, lines: List[str], filename: str) -> None:
        self._tree = tree
        self._lines = lines
        self._filename = filename

    @classmethod
    def add_options(cls, manager: OptionManager) -> None:
        manager.add_option(
            FIX_STYLE_OPTION,
            default=None,
            parse_from_config=True,
            metavar="STYLE",
            help=f"How fixes are written: {' or '.join(FIX_STYLES)} "
                 "(default: fix-style in [tool.flake8-detach] of pyproject.toml, else detach).",
        )
        manager.extend_default_ignore(list(DEFAULT_OFF))

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        try:
            cls.settings = settings_for(_fix_style(options))
        except UsageError as error:
            from flake8.exceptions import ExecutionError  # type: ignore[import-untyped,unused-ignore]

            # flake8 prints an ExecutionError as one line instead of a traceback.
            raise ExecutionError(str(error)) from None
        selection = Selection(_codes(options, "select"), _codes(options, "ignore"),
                              _codes(options, "extend_select") or (), _codes(options, "extend_ignore") or ())
        cls.reported_codes = selection.shown()
        # The checker builds findings (positions, messages, fixes) only for these.
        cls.settings = replace(cls.settings, rules=cls.reported_codes)

    def run(self) -> Iterator[Tuple[int, int, str, Type["DetachChecker"]]]:
        if not self.reported_codes:
            return  # `select = E,F,W`: nothing of ours is wanted, do not analyse
        source = "".join(self._lines)
        # Under ``nbqa flake8`` the file is a notebook's code cells: messages name lines by cell.
        name_line = nbqa_line_namer(source) or numbered_line
        analysis = analyse(source, self.settings, self._filename, self._tree, name_line)
        for finding in analysis.findings:
            if finding.code in self.reported_codes:
                yield finding.line, finding.column, flake8_text(finding), type(self)


def _fix_style(options: argparse.Namespace) -> Optional[FixStyle]:
    given = getattr(options, "detach_fix_style", None)
    if given is not None:
        return parse_fix_style(str(given), FIX_STYLE_OPTION.lstrip("-"))
    # (flake8 keeps --isolated to itself: plugins never see it.)
    from flake8_detach.frontends.config import pyproject_fix_style

    return pyproject_fix_style(Path.cwd())


def _codes(options: argparse.Namespace, name: str) -> Optional[Tuple[str, ...]]:
    """One of flake8's code lists (None: not given), upper-cased as flake8 compares them."""
    value = getattr(options, name, None)
    return None if value is None else tuple(str(code).upper() for code in value)
