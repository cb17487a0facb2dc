"""The flake8 plugin: flake8 reads the file and filters the findings, we analyse.

flake8 handles ``# noqa``, ``--select``/``--ignore`` and the output; this
module only turns the shared analysis into flake8's tuples.  It imports
nothing heavy: the checker imports libcst only for files that pass its text
pre-filter, so editors running ``flake8 -`` on every save do not pay for it.
"""

from __future__ import annotations

import argparse
import ast
from typing import Any, ClassVar, Iterator, List, Protocol, Sequence, Tuple, Type

from flake8_detach import __version__
from flake8_detach.frontends.codes import DEFAULT_OFF
from flake8_detach.findings import numbered_line
from flake8_detach.frontends.common import FIX_STYLES, UsageError, analyse, flake8_text, parse_fix_style, settings_for
from flake8_detach.frontends.notebooks import nbqa_line_namer
from flake8_detach.settings import Settings

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

    def __init__(self, tree: ast.AST, lines: List[str], filename: str) -> None:
        self._tree = tree
        self._lines = lines
        self._filename = filename

    @classmethod
    def add_options(cls, manager: OptionManager) -> None:
        manager.add_option(
            FIX_STYLE_OPTION,
            default="detach",
            parse_from_config=True,
            metavar="STYLE",
            help=f"How fixes are written: {' or '.join(FIX_STYLES)} (default: %(default)s).",
        )
        manager.extend_default_ignore(list(DEFAULT_OFF))

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        try:
            fix_style = parse_fix_style(str(options.detach_fix_style), FIX_STYLE_OPTION.lstrip("-"))
        except UsageError as error:
            from flake8.exceptions import ExecutionError  # type: ignore[import-untyped,unused-ignore]

            # flake8 prints an ExecutionError as one line instead of a traceback.
            raise ExecutionError(str(error)) from None
        cls.settings = settings_for(fix_style)

    def run(self) -> Iterator[Tuple[int, int, str, Type["DetachChecker"]]]:
        source = "".join(self._lines)
        # Under ``nbqa flake8`` the file is a notebook's code cells: messages name lines by cell.
        name_line = nbqa_line_namer(source) or numbered_line
        analysis = analyse(source, self.settings, self._filename, self._tree, name_line)
        for finding in analysis.findings:
            yield finding.line, finding.column, flake8_text(finding), type(self)
