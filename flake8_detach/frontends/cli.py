"""The ``flake8-detach`` command: check (and fix), fix, explain, rule, rules.

Exit status: 0 nothing found (with ``--fix``: nothing left; with ``--fix-only``
or ``--exit-zero``, or fixing standard input as an editor's formatter: no
error), 1 findings (with ``--diff``: something to change), 2 bad usage, or a
file that cannot be read, analysed or written (named on standard error; the
others are still processed).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator, List, NoReturn, Optional, Sequence, Tuple

from flake8_detach import __version__
from flake8_detach.frontends import output, sources
from flake8_detach.frontends.common import FIX_STYLES, UsageError, analyse, parse_fix_style
from flake8_detach.frontends.config import Configuration, Layer, load_configuration, per_file_ignores
from flake8_detach.frontends.documents import Document, open_document
from flake8_detach.frontends.explain import add_parser as add_explain_parser
from flake8_detach.frontends.explain import explain
from flake8_detach.frontends.filtering import Noqa, split_codes, validate_codes, visible
from flake8_detach.frontends.fixer import FixRequest, fix_source
from flake8_detach.frontends.notebooks import NotebookError
from flake8_detach.frontends.output import Reported

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


def _add_selection(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--select", type=_codes, metavar="CODES",
        help="only these codes or prefixes (comma-separated; replaces the configured list)")
    add("--ignore", type=_codes, metavar="CODES", help="not these codes or prefixes")
    add("--extend-select", type=_codes, action="append", default=[], metavar="CODES",
        help="also these codes, e.g. DET103 (off by default)")
    add("--extend-ignore", type=_codes, action="append", default=[], metavar="CODES",
        help="also ignore these codes")
    add("--per-file-ignores", action="append", default=[], metavar="PATTERN:CODES",
        help="ignore codes in the files matching a pattern, as in flake8 (repeatable)")
    add("--exclude", "--extend-exclude", action="append", default=[], metavar="GLOBS",
        help="also skip files and folders matching these comma-separated patterns")
    add("--force-exclude", action="store_true",
        help="skip named files too where a folder search would (virtualenvs, .gitignore...), as pre-commit needs")
    add("--disable-noqa", action="store_true", help="report findings even on lines with `# noqa`")
    add("--config", type=Path, metavar="FILE",
        help="read only FILE: a .toml file's [tool.flake8-detach], another file's [flake8]")
    add("--isolated", action="store_true", help="read no configuration file")


def _add_fixing(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--fix", action="store_true", help="apply the fixes in place (safe ones unless --unsafe-fixes)")
    add("--fix-only", action="store_true",
        help="apply the fixes; do not report what remains nor fail because of it")
    add("--unsafe-fixes", action="store_true", help="also apply (or show as fixable) the unsafe fixes")
    add("--diff", action="store_true", help="print the fixes as a unified diff, write nothing")
    add("--show-fixes", action="store_true", help="list the fixes applied (or, without --fix, available)")
    add("--fix-style", choices=FIX_STYLES, help="write fixes as .detach() (default) or .numpy(force=True)")


def _add_reporting(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--output-format", choices=output.FORMATS, default="text", help="default: text")
    add("-o", "--output-file", type=Path, metavar="FILE", help="write the findings to FILE")
    add("--statistics", action="store_true", help="count the findings by code instead of listing them")
    add("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    add("--stdin-filename", default="stdin", metavar="NAME", help="the name shown for `-` (default: stdin)")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print the findings, nothing else")
    verbosity.add_argument("-v", "--verbose", action="store_true",
                           help="also say which configuration files were read and what was skipped")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files and folders to check, `-` for standard input (default: .)")
    _add_selection(parser)
    _add_fixing(parser)
    _add_reporting(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROGRAM, allow_abbrev=False,
                     description="Find and fix tensor-to-NumPy conversions of tensors that require grad.")
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = commands.add_parser("check", help="report findings (with --fix: fix them)", allow_abbrev=False)
    _add_common(check)
    fix = commands.add_parser("fix", help="the same as `check --fix`", allow_abbrev=False)
    _add_common(fix)
    fix.set_defaults(fix=True)
    rule = commands.add_parser("rule", help="explain a rule", allow_abbrev=False)
    rule.add_argument("code", metavar="CODE")
    add_explain_parser(commands)
    rules = commands.add_parser("rules", help="list the rules", allow_abbrev=False)
    rules.add_argument("--markdown", action="store_true", help="as the README's Markdown table")
    commands.add_parser("lsp", help=f"run the language server on standard input and output (needs {LSP_EXTRA})")
    return parser


# --- configuration and sources ------------------------------------------------------------------


def command_line_layer(args: argparse.Namespace, cwd: Path) -> Layer:
    """What the command line says, in the configuration's terms (patterns relative to ``cwd``)."""
    patterns = tuple(pattern for given in args.exclude for pattern in split_codes(given))
    return Layer(
        "command line",
        select=tuple(args.select) if args.select is not None else None,
        ignore=tuple(args.ignore) if args.ignore is not None else None,
        extend_select=tuple(code for codes in args.extend_select for code in codes),
        extend_ignore=tuple(code for codes in args.extend_ignore for code in codes),
        per_file_ignores=tuple(entry for given in args.per_file_ignores
                               for entry in per_file_ignores(given, "--per-file-ignores", cwd)),
        exclude=tuple(sources.normalize_pattern(pattern, cwd) for pattern in patterns),
        fix_style=parse_fix_style(args.fix_style) if args.fix_style else None,
    )


@dataclass
class Run:
    """What ``check`` works from, and what it found so far."""

    args: argparse.Namespace
    config: Configuration
    targets: List[sources.Target]
    errors: List[str] = field(default_factory=list)
    reported: List[Reported] = field(default_factory=list)
    checked: int = 0

    @property
    def fixing(self) -> bool:
        return bool(self.args.fix or self.args.fix_only or self.args.diff)

    @property
    def formatting_stdin(self) -> bool:
        """``fix -``: standard output carries the fixed code, as an editor's formatter does."""
        return self.fixing and not self.args.diff and sources.STDIN in self.args.paths

    def fail(self, display: str, why: str) -> None:
        self.errors.append(f"{display}: {why}")
        print(f"{PROGRAM}: {display}: {why}", file=sys.stderr)

    def note(self, message: str) -> None:
        if self.args.verbose:
            print(f"{PROGRAM}: {message}", file=sys.stderr)

    def fix_request(self, target: sources.Target) -> FixRequest:
        return FixRequest(self.config.settings, self.config.selection_for(target.display), self.args.unsafe_fixes,
                          self.args.disable_noqa)


def prepare(args: argparse.Namespace) -> Run:
    """The configuration (files, then the command line), and the sources it selects."""
    cwd = Path.cwd()
    config = load_configuration(cwd, args.config, args.isolated, command_line_layer(args, cwd))
    collected = sources.collect(args.paths, config.exclude, args.stdin_filename, args.force_exclude)
    run = Run(args, config, collected.targets)
    for config_path in config.files:
        run.note(f"configuration from {config_path}")
    for skipped in collected.skipped:
        run.note(f"skipped {skipped.path}: {skipped.reason}")
    for path in collected.missing:
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


def _readable(run: Run) -> Iterator[Tuple[sources.Target, sources.SourceText, Document]]:
    for target in run.targets:
        opened = _open(run, target)
        if opened is not None:
            yield (target, *opened)


# --- check --------------------------------------------------------------------------------------


def check(args: argparse.Namespace) -> int:
    run = prepare(args)
    if run.fixing:
        return _fix(run)
    for target, _, document in _readable(run):
        selection = run.config.selection_for(target.display)
        analysis = analyse(document.code, run.config.settings_showing(selection), target.display,
                           name_line=document.name_line, trace=output.shows_trace(args.output_format))
        if analysis.error is not None:
            run.fail(target.display, f"cannot analyse: {analysis.error}")
            continue
        run.checked += 1
        findings = visible(analysis.findings, selection, Noqa(document.code), args.disable_noqa)
        run.reported.extend(document.reported(target.display, finding) for finding in findings)
    stream = _findings_stream(run)
    _emit_findings(run, stream)
    if args.show_fixes and args.output_format == "text":
        sys.stdout.write("".join(f"{line}\n" for line in map(output.fix_line, output.ordered(run.reported)) if line))
    _summarize(run, output.check_summary(run.reported, run.checked, len(run.errors), args.unsafe_fixes))
    return _status(run, bool(run.reported))


def _findings_stream(run: Run) -> IO[str]:
    if run.args.output_file is not None:
        return open(run.args.output_file, "w", encoding="utf-8")
    # Standard output carries the code (standard input fixed) or the diff: the findings go aside.
    return sys.stderr if run.formatting_stdin or run.args.diff else sys.stdout


def _emit_findings(run: Run, stream: IO[str]) -> None:
    args = run.args
    try:
        if args.statistics:
            stream.write(output.statistics(run.reported, args.output_format, args.unsafe_fixes))
        else:
            stream.write(output.render(run.reported, args.output_format, args.unsafe_fixes))
    finally:
        if stream not in (sys.stdout, sys.stderr):
            stream.close()


def _summarize(run: Run, summary: str) -> None:
    if run.args.quiet:
        return
    aside = run.args.output_format != "text" or run.formatting_stdin or run.args.diff
    print(summary, file=sys.stderr if aside else sys.stdout)


def _status(run: Run, found: bool) -> int:
    if run.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if found and not run.args.exit_zero else EXIT_CLEAN


# --- fix ----------------------------------------------------------------------------------------


@dataclass
class FixTotals:
    fixed: List[Reported] = field(default_factory=list)
    changed_files: int = 0


def _deliver(run: Run, target: sources.Target, source: sources.SourceText, document: Document, code: str) -> bool:
    """Show or write the fixed code (in a notebook: its cells); False when that failed."""
    try:
        if run.args.diff:
            if code != document.code:
                sys.stdout.write(document.diff(target.display, code))
        elif target.path is None:
            _echo(source, document.rebuild(code))
        elif code != document.code:
            sources.write(target.path, source, document.rebuild(code))
    except (sources.SourceError, NotebookError) as error:
        run.fail(target.display, str(error))
        if target.path is None and not run.args.diff:
            _echo(source, source.text)
        return False
    return True


def _echo(source: sources.SourceText, text: str) -> None:
    """Standard input's fixed text to standard output, in the input's encoding."""
    sys.stdout.flush()
    sys.stdout.buffer.write(source.encode(text))
    sys.stdout.flush()


def _fix(run: Run) -> int:
    totals = FixTotals()
    for target, source, document in _readable(run):
        outcome = fix_source(document.code, run.fix_request(target), target.display, document.name_line)
        if outcome.error is not None:
            run.fail(target.display, outcome.error)
            # What the original holds is still there; an editor replaces its buffer with what it gets back.
            run.reported.extend(document.reported(target.display, finding) for finding in outcome.found)
            if target.path is None and not run.args.diff:
                _echo(source, source.text)
        elif _deliver(run, target, source, document, outcome.text):
            totals.fixed.extend(document.reported(target.display, finding) for finding in outcome.fixed)
            totals.changed_files += outcome.text != document.code
            run.reported.extend(document.reported(target.display, finding) for finding in outcome.remaining)
        else:  # not written: the original's findings remain
            run.reported.extend(document.reported(target.display, finding) for finding in outcome.found)
    _report_fixes(run, totals)
    if run.errors:
        return EXIT_ERROR
    if run.args.diff:
        return EXIT_FINDINGS if totals.changed_files else EXIT_CLEAN
    if run.args.fix_only or run.formatting_stdin:
        return EXIT_CLEAN
    return _status(run, bool(run.reported))


def _report_fixes(run: Run, totals: FixTotals) -> None:
    args = run.args
    stream = _findings_stream(run)
    if args.show_fixes and args.output_format == "text":
        report = sys.stderr if run.formatting_stdin or args.diff else sys.stdout
        report.write("".join(output.fixed_line(item) + "\n" for item in output.ordered(totals.fixed)))
    if args.fix_only:
        if stream not in (sys.stdout, sys.stderr):
            stream.close()
    else:
        _emit_findings(run, stream)
    remaining = None if args.fix_only else run.reported
    _summarize(run, output.fix_summary(len(totals.fixed), totals.changed_files, remaining, len(run.errors),
                                       args.diff, args.unsafe_fixes))


# --- rule docs ----------------------------------------------------------------------------------


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


COMMANDS = {"check": check, "fix": check, "explain": explain, "rule": show_rule, "rules": list_rules,
            "lsp": language_server}


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
