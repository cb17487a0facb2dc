"""The ``flake8-detach`` command: check, fix, rule, rules.

Exit status: 0 nothing found (or, for ``fix``, nothing left), 1 findings (for
``fix --diff``: something to change), 2 bad usage, a file that cannot be
read, analysed or written (named on standard error; the others are still
processed).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, List, NoReturn, Optional, Sequence, Tuple

from flake8_detach import __version__
from flake8_detach.frontends import config as config_file
from flake8_detach.frontends import output, sources
from flake8_detach.frontends.common import FIX_STYLES, UsageError, analyse, parse_fix_style, settings_for
from flake8_detach.frontends.documents import Document, open_document
from flake8_detach.frontends.filtering import Noqa, Selection, split_codes, validate_codes, visible
from flake8_detach.frontends.fixer import FixRequest, fix_source
from flake8_detach.frontends.notebooks import NotebookError
from flake8_detach.frontends.output import Reported
from flake8_detach.settings import Settings

PROGRAM = "flake8-detach"
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
LSP_EXTRA = f"{PROGRAM}[lsp]"
LSP_REQUIREMENTS = ("pygls", "lsprotocol")  # what the extra installs


class _Parser(argparse.ArgumentParser):
    """Turns argparse's usage errors into one line and exit status 2 (see ``main``)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _codes(value: str) -> List[str]:
    """An option's comma-separated codes (argparse names the option in its error)."""
    try:
        return list(validate_codes(split_codes(value)))
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files and folders to check, `-` for standard input (default: .)")
    add = parser.add_argument
    add("--select", type=_codes, metavar="CODES",
        help="only these codes or prefixes (comma-separated; replaces the configured list)")
    add("--ignore", type=_codes, metavar="CODES", help="not these codes or prefixes")
    add("--extend-select", type=_codes, action="append", default=[], metavar="CODES",
        help="also these codes, e.g. DET103 (off by default)")
    add("--extend-ignore", type=_codes, action="append", default=[], metavar="CODES",
        help="also ignore these codes")
    add("--exclude", action="append", default=[], metavar="GLOBS",
        help="skip files and folders matching these comma-separated patterns")
    add("--stdin-filename", default="stdin", metavar="NAME", help="the name shown for `-` (default: stdin)")
    add("--fix-style", choices=FIX_STYLES, help="write fixes as .detach() (default) or .numpy(force=True)")
    add("--unsafe-fixes", action="store_true", help="also apply (or show as fixable) the unsafe fixes")
    add("--output-format", choices=output.FORMATS, default="text", help="default: text")
    add("--disable-noqa", action="store_true", help="report findings even on lines with `# noqa`")
    add("--config", type=Path, metavar="FILE", help="read [tool.flake8-detach] from FILE")
    add("--isolated", action="store_true", help="ignore configuration files")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROGRAM, description="Find and fix tensor-to-NumPy conversions of tensors that require grad.")
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = commands.add_parser("check", help="report findings")
    _add_common(check)
    fix = commands.add_parser("fix", help="apply the fixes in place (safe ones unless --unsafe-fixes)")
    _add_common(fix)
    fix.add_argument("--diff", action="store_true", help="print a unified diff instead of writing the files")
    rule = commands.add_parser("rule", help="explain a rule")
    rule.add_argument("code", metavar="CODE")
    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--markdown", action="store_true", help="as the README's Markdown table")
    commands.add_parser("lsp", help=f"run the language server on standard input and output (needs {LSP_EXTRA})")
    return parser


@dataclass
class Run:
    """What ``check`` and ``fix`` work from, and what they found so far."""

    selection: Selection
    settings: Settings
    unsafe: bool
    disable_noqa: bool
    output_format: str
    targets: List[sources.Target]
    errors: List[str] = field(default_factory=list)
    reported: List[Reported] = field(default_factory=list)

    def fail(self, display: str, why: str) -> None:
        self.errors.append(f"{display}: {why}")
        print(f"{PROGRAM}: {display}: {why}", file=sys.stderr)


def _configuration(args: argparse.Namespace) -> config_file.Config:
    if args.isolated:
        return config_file.Config()
    if args.config is not None:
        loaded = config_file.load(args.config)
        assert loaded is not None  # required=True raises instead
        return loaded
    return config_file.discover(Path.cwd())


def _flatten(lists: Sequence[Sequence[str]]) -> Tuple[str, ...]:
    return tuple(item for items in lists for item in items)


def prepare(args: argparse.Namespace) -> Run:
    """Merge the configuration file with the command line (which wins), and find the sources."""
    config = _configuration(args)
    selection = Selection(
        select=tuple(args.select) if args.select is not None else config.select,
        ignore=tuple(args.ignore) if args.ignore is not None else config.ignore,
        extend_select=config.extend_select + _flatten(args.extend_select),
        extend_ignore=config.extend_ignore + _flatten(args.extend_ignore),
    )
    fix_style = parse_fix_style(args.fix_style) if args.fix_style else config.fix_style
    patterns = config.exclude + config_file.normalize_patterns(
        tuple(p for given in args.exclude for p in given.split(",") if p.strip()), Path.cwd())
    targets, missing = sources.collect(args.paths, patterns, args.stdin_filename)
    run = Run(selection, settings_for(fix_style), args.unsafe_fixes, args.disable_noqa, args.output_format, targets)
    for path in missing:
        run.fail(path, "no such file or directory")
    return run


def _open(run: Run, target: sources.Target) -> Optional[Tuple[sources.SourceText, Document]]:
    """The target's text and the code in it (a notebook's cells), its notes on standard error."""
    try:
        source = sources.read(target)
        document = open_document(target.display, source.text)
    except (sources.SourceError, NotebookError) as error:
        run.fail(target.display, str(error))
        return None
    for note in document.notes:
        print(f"{PROGRAM}: {target.display}: {note}", file=sys.stderr)
    return source, document


def _status(run: Run, found: bool) -> int:
    return EXIT_ERROR if run.errors else EXIT_FINDINGS if found else EXIT_CLEAN


def check(args: argparse.Namespace) -> int:
    run = prepare(args)
    for target in run.targets:
        opened = _open(run, target)
        if opened is None:
            continue
        _, document = opened
        analysis = analyse(document.code, run.settings, target.display, name_line=document.name_line)
        if analysis.error is not None:
            run.fail(target.display, f"cannot analyse: {analysis.error}")
            continue
        findings = visible(analysis.findings, run.selection, Noqa(document.code), run.disable_noqa)
        run.reported.extend(document.reported(target.display, finding) for finding in findings)
    sys.stdout.write(output.render(run.reported, run.output_format, run.unsafe))
    summary = output.check_summary(run.reported, len(run.targets), len(run.errors), run.unsafe)
    print(summary, file=sys.stdout if run.output_format == "text" else sys.stderr)
    return _status(run, bool(run.reported))


@dataclass
class FixTotals:
    fixed: List[Reported] = field(default_factory=list)
    changed_files: int = 0


def _deliver(run: Run, args: argparse.Namespace, target: sources.Target, source: sources.SourceText,
             document: Document, code: str) -> bool:
    """Show or write the fixed code (in a notebook: its cells); False when that failed."""
    try:
        if args.diff:
            if code != document.code:
                sys.stdout.write(document.diff(target.display, code))
        elif target.path is None:
            _echo(source, document.rebuild(code))
        elif code != document.code:
            sources.write(target.path, source, document.rebuild(code))
    except (sources.SourceError, NotebookError) as error:
        run.fail(target.display, str(error))
        if target.path is None and not args.diff:
            _echo(source, source.text)
        return False
    return True


def _echo(source: sources.SourceText, text: str) -> None:
    """Standard input's fixed text to standard output, in the input's encoding."""
    sys.stdout.flush()
    sys.stdout.buffer.write(source.encode(text))
    sys.stdout.flush()


def fix(args: argparse.Namespace) -> int:
    run = prepare(args)
    request = FixRequest(run.settings, run.selection, run.unsafe, run.disable_noqa)
    totals = FixTotals()
    for target in run.targets:
        opened = _open(run, target)
        if opened is None:
            continue
        source, document = opened
        outcome = fix_source(document.code, request, target.display, document.name_line)
        if outcome.error is not None:
            run.fail(target.display, outcome.error)
            if target.path is None and not args.diff:
                _echo(source, source.text)  # an editor replaces its buffer with what it gets back
        elif _deliver(run, args, target, source, document, outcome.text):
            totals.fixed.extend(document.reported(target.display, finding) for finding in outcome.fixed)
            totals.changed_files += outcome.text != document.code
            run.reported.extend(document.reported(target.display, finding) for finding in outcome.remaining)
    _report_fixes(run, args, totals)
    if args.diff:
        return EXIT_ERROR if run.errors else EXIT_FINDINGS if totals.changed_files else EXIT_CLEAN
    return _status(run, bool(run.reported))


def _report_fixes(run: Run, args: argparse.Namespace, totals: FixTotals) -> None:
    # Standard output carries the code (stdin) or the diff; then the report goes to standard error.
    stream: IO[str] = sys.stderr if args.diff or sources.STDIN in args.paths else sys.stdout
    if not args.diff:
        if run.output_format == "text":
            stream.write("".join(output.fixed_line(item) + "\n" for item in output.ordered(totals.fixed)))
        stream.write(output.render(run.reported, run.output_format, run.unsafe))
    summary = output.fix_summary(len(totals.fixed), totals.changed_files, run.reported, len(run.errors),
                                 args.diff, run.unsafe)
    print(summary, file=stream if run.output_format == "text" else sys.stderr)


def show_rule(args: argparse.Namespace) -> int:
    from flake8_detach.frontends.ruledocs import render_rule
    from flake8_detach.rules import RULES

    rule = RULES.get(str(args.code).strip().upper())
    if rule is None:
        raise UsageError(f"unknown rule {args.code!r} (known: {', '.join(RULES)})")
    sys.stdout.write(render_rule(rule))
    return EXIT_CLEAN


def list_rules(args: argparse.Namespace) -> int:
    from flake8_detach.frontends.ruledocs import rules_listing, rules_table
    from flake8_detach.rules import RULES

    render = rules_table if args.markdown else rules_listing
    sys.stdout.write(render(list(RULES.values())))
    return EXIT_CLEAN


def language_server(args: argparse.Namespace) -> int:
    try:
        from flake8_detach.frontends.lsp import serve
    except ImportError as error:
        if (error.name or "").partition(".")[0] not in LSP_REQUIREMENTS:
            raise
        raise UsageError(f"the language server needs {error.name}: pip install '{LSP_EXTRA}'") from None
    serve()
    return EXIT_CLEAN


COMMANDS = {"check": check, "fix": fix, "rule": show_rule, "rules": list_rules, "lsp": language_server}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_ERROR
        return COMMANDS[args.command](args)
    except UsageError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except SystemExit as exit:  # --help and --version
        return exit.code if isinstance(exit.code, int) else EXIT_CLEAN
    except BrokenPipeError:  # `flake8-detach check | head`: stop quietly
        _silence_stdout()
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _silence_stdout() -> None:
    """Point standard output at /dev/null so that flushing it at exit cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
