"""Bad input: the analysis raises nothing but ``UnanalysableSource``, invents no finding, and still
finds the real bug (at the right line and column) in files that are odd but valid.

Each case runs at three levels: ``check_source``, the flake8 plugin class (with the lines as flake8
reads them), and, in one batch each, the ``flake8-detach check`` command and ``flake8`` itself in a
subprocess.  Inputs that take the C stack down (the process dies, no exception can be caught) run in
a subprocess of their own.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, FrozenSet, List, Optional, Sequence, Tuple

import pytest

import fuzzing
from frontend_support import json_findings
from flake8_detach.checker import UnanalysableSource, check_source

Found = FrozenSet[Tuple[int, int, str]]

BUG = "import torch\nx = torch.rand(3, requires_grad=True)\nx.numpy()\n"
BUG_FOUND: Found = frozenset({(3, 2, "DET101")})
DEEP_CHAIN = ("import torch\nx = torch.rand(3, requires_grad=True)\ny = x" + "".join(f".a{i}()" for i in range(300))
              + ".numpy()\n")
DEEP_SUM = "import torch\nx = torch.rand(3, requires_grad=True)\ny = (" + " + ".join(["x"] * 3000) + ").numpy()\n"


def _found(*items: Tuple[int, int, str]) -> Found:
    return frozenset(items)


@dataclass(frozen=True)
class Case:
    """``expected``: the findings of a file that can be analysed (None: it must be unanalysable).
    ``since``: the first Python whose parser takes the syntax; before it the file is unanalysable.
    Every case compares its outcome on every Python."""

    name: str
    source: str
    expected: Optional[Found]
    since: Tuple[int, int] = (3, 9)
    known_bug: str = ""  # why it fails today: a bug in flake8_detach, reported to the lead

    @property
    def expected_here(self) -> Optional[Found]:
        return self.expected if sys.version_info >= self.since else None


CASES: Tuple[Case, ...] = (
    # Syntax errors.
    Case("syntax_error", BUG.replace("requires_grad=True)", "requires_grad=True"), None),
    Case("unterminated_string", BUG + "s = '''\n", None),
    Case("backslash_at_end_of_file", BUG + "\\", None),
    Case("inconsistent_tabs",
         "import torch\nif True:\n\tx = torch.rand(3, requires_grad=True)\n        x.numpy()\n", None),
    Case("too_deep_indentation", "import torch\nx = torch.rand(3, requires_grad=True)\n"
         + "".join(" " * i + "if x:\n" for i in range(120)) + " " * 120 + "x.numpy()\n", None),
    # Null bytes: not Python (ast refuses them anywhere, even in a comment or a string).
    Case("null_byte_in_code", BUG.replace("x.numpy()", "\x00x.numpy()"), None),
    Case("null_byte_in_comment", BUG + "# \x00\n", None),
    Case("null_byte_in_string", BUG + "s = '\x00'\n", None),
    # Non-UTF-8 bytes as the front ends hand them over: decoded with errors replaced, or by a cookie.
    Case("replacement_character_in_comment", "# caf\ufffd\n" + BUG, _found((4, 2, "DET101"))),
    Case("replacement_character_in_identifier", "caf\ufffd = 1\n" + BUG, None),
    Case("latin_1_cookie", "# -*- coding: latin-1 -*-\n# caf\xe9\n" + BUG, _found((5, 2, "DET101"))),
    Case("unknown_cookie", "# -*- coding: klingon -*-\n" + BUG, _found((4, 2, "DET101"))),
    # A UTF-8 byte-order mark left in the text (the front ends strip it, as Python does).
    Case("bom", "\ufeff" + BUG, BUG_FOUND),
    # Line endings and white space.
    Case("crlf", BUG.replace("\n", "\r\n"), BUG_FOUND),
    Case("lone_cr", BUG.replace("\n", "\r"), BUG_FOUND),
    Case("mixed_line_endings", "import torch\r\nx = torch.rand(3, requires_grad=True)\rx.numpy()\n", BUG_FOUND),
    Case("no_newline_at_end", BUG.rstrip("\n"), BUG_FOUND),
    Case("form_feed_at_line_start", "import torch\n\fx = torch.rand(3, requires_grad=True)\n\fx.numpy()\n",
         _found((3, 3, "DET101")),
         known_bug="libcst does not count a form feed that starts a top-level line: column one too small"),
    Case("form_feed_inside_a_line", "import torch\nx = torch.rand(3, requires_grad=True)\nx\f.numpy()\n",
         _found((3, 3, "DET101"))),
    Case("tabs", "import torch\ndef f():\n\tx = torch.rand(3, requires_grad=True)\n\treturn x.numpy()\n",
         _found((4, 10, "DET101"))),
    Case("line_continuation", "import torch\nx = torch.rand(3, \\\n requires_grad=True)\nx \\\n.numpy()\n",
         _found((5, 1, "DET101"))),
    Case("vertical_tab", "import torch\nx = torch.rand(3, requires_grad=True)\n\vx.numpy()\n", None),
    Case("unicode_line_separator", "import torch\nx = torch.rand(3, requires_grad=True)\u2028x.numpy()\n", None),
    Case("non_ascii_identifier", "import torch\n\u03b4 = torch.rand(3, requires_grad=True)\n\u03b4.numpy()\n",
         _found((3, 2, "DET101"))),
    Case("astral_characters_before_the_bug",
         "import torch\ns = '\U0001f600\U0001f600'; x = torch.rand(3, requires_grad=True); x.numpy()\n",
         _found((2, 51, "DET101"))),
    # Nothing to analyse.
    Case("empty", "", frozenset()),
    Case("only_a_newline", "\n", frozenset()),
    Case("only_white_space", "   \n\t\n", frozenset()),
    Case("only_comments", "# import torch\n# x = torch.rand(3, requires_grad=True)\n# x.numpy()\n", frozenset()),
    Case("only_a_docstring", '"""x.numpy() on torch.rand(3, requires_grad=True)"""\n', frozenset()),
    # Python 2.
    Case("python2_print", "import torch\nx = torch.rand(3, requires_grad=True)\nprint x.numpy()\n", None),
    Case("python2_exec", BUG + 'exec "x.numpy()"\n', None),
    Case("python2_backticks", BUG + "y = `x`\n", None),
    Case("python2_octal", BUG + "mode = 0777\n", None),
    Case("python2_ur_string", BUG + "s = ur'x'\n", None),
    Case("python2_except_comma", "import torch\ntry:\n    x = torch.rand(3, requires_grad=True)\n"
         "except Exception, e:\n    pass\nx.numpy()\n", None),
    # Syntax newer than 3.9: analysed from the Python that brought it (libcst knows all of it).
    Case("match_statement", BUG + "match x:\n    case 1:\n        pass\n", BUG_FOUND, since=(3, 10)),
    Case("except_star", BUG + "try:\n    pass\nexcept* ValueError:\n    pass\n", BUG_FOUND, since=(3, 11)),
    Case("pep695_type_alias", "type Vector = list[float]\n" + BUG, _found((4, 2, "DET101")), since=(3, 12)),
    Case("pep695_generic_function", BUG + "def first[T](items: list[T]) -> T:\n    return items[0]\n",
         BUG_FOUND, since=(3, 12)),
    Case("pep695_generic_class", BUG + "class Box[T]:\n    pass\n", BUG_FOUND, since=(3, 12)),
    Case("pep701_quotes_reused", BUG + "s = f\"{'a' if x.requires_grad else \"b\"}\"\n", BUG_FOUND, since=(3, 12)),
    Case("pep701_nested_f_strings", BUG + 's = f"{f"{f"{1}"}"}"\n', BUG_FOUND, since=(3, 12)),
    Case("pep758_except_without_parentheses",
         "import torch\ntry:\n    pass\nexcept ValueError, TypeError:\n    pass\n"
         "x = torch.rand(3, requires_grad=True)\nx.numpy()\n", _found((7, 2, "DET101")), since=(3, 14)),
    Case("pep696_type_parameter_default", BUG + "def f[T = int](x: T) -> T:\n    return x\n", BUG_FOUND,
         since=(3, 13)),
    # Deep: refused (analysis/depth.py) on every Python, before libcst spends long on them or the
    # analysis recurses too deep; where they would be found is checked below, with the guard lifted.
    Case("method_chain_of_300_links", DEEP_CHAIN, None),
    Case("binary_operation_of_3000_terms", DEEP_SUM, None),
    # Deep, within the guard: found, at the column of .numpy on a long line.
    Case("method_chain_of_150_links", "import torch\nx = torch.rand(3, requires_grad=True)\ny = x"
         + "".join(f".a{i}()" for i in range(150)) + ".numpy()\n", _found((3, 946, "DET101"))),
    Case("parentheses_150_deep", "import torch\nx = torch.rand(3, requires_grad=True)\ny = " + "(" * 150 + "x"
         + ")" * 150 + ".numpy()\n", _found((3, 306, "DET101"))),
    Case("binary_operation_of_150_terms", "import torch\nx = torch.rand(3, requires_grad=True)\ny = ("
         + " + ".join(["x"] * 150) + ").numpy()\n", _found((3, 604, "DET101"))),
)


def _outcome(source: str) -> Optional[Found]:
    """The findings as (line, column, code), or None when the source is unanalysable."""
    try:
        return frozenset((f.line, f.column, f.code) for f in check_source(source))
    except UnanalysableSource:
        return None


def _check_outcome(case: Case, outcome: Optional[Found]) -> None:
    expected = case.expected_here
    if expected is None:
        assert outcome is None, f"expected UnanalysableSource, got {sorted(outcome or ())}"
    else:
        assert outcome == expected


# ---------------------------------------------------------------------------------------------
# check_source


def _params(cases: Sequence[Case]) -> List[Any]:
    return [
        pytest.param(case, id=case.name, marks=[pytest.mark.xfail(strict=True, reason=case.known_bug)]
                     if case.known_bug else [])
        for case in cases
    ]


@pytest.mark.parametrize("case", _params(CASES))
def test_check_source(case: Case) -> None:
    _check_outcome(case, _outcome(case.source))


@pytest.mark.parametrize("case", _params([case for case in CASES if case.expected_here]))
def test_fixes_of_odd_files_keep_them_intact(case: Case) -> None:
    """Where the odd file has a finding, its fix still only inserts text, parses and converges."""
    fuzzing.exercise(case.source)


def test_bom_with_the_bug_on_the_first_line() -> None:
    """Text that still starts with a byte-order mark is refused, or its fix counts the mark (the
    front ends strip it; a caller of ``check_source`` may not)."""
    source = "\ufeffimport torch; x = torch.rand(3, requires_grad=True); x.numpy()\n"
    fuzzing.exercise(source)


def test_lone_surrogates() -> None:
    """Text decoded with ``errors="surrogateescape"`` holds lone surrogates, which libcst's Rust
    parser cannot take: that is an unanalysable file, not a UnicodeEncodeError."""
    for source in ("# caf\udce9\n" + BUG, BUG + "s = 'caf\udce9'\n"):
        try:
            check_source(source)
        except UnanalysableSource:
            pass


def test_a_megabyte_of_code() -> None:
    seeds = list(fuzzing.seed_programs().values())
    parts: List[str] = []
    while sum(map(len, parts)) < 1 << 20:
        parts.append(seeds[len(parts) % len(seeds)])
    source = "".join(parts)
    started = time.perf_counter()
    findings = check_source(source)
    elapsed = time.perf_counter() - started
    print(f"\n{len(source)} characters, {source.count(chr(10))} lines of code: "
          f"{len(findings)} findings in {elapsed:.1f} s")
    assert len(findings) > 1000
    assert elapsed < 120


def test_a_megabyte_of_comments_around_a_bug() -> None:
    filler = ("# " + "y" * 97 + "\n") * 10_500
    source = "import torch\nx = torch.rand(3, requires_grad=True)\n" + filler + "x.numpy()\n"
    assert len(source) > 1 << 20
    assert _outcome(source) == _found((10_503, 2, "DET101"))


def test_a_megabyte_data_table_between_definition_and_bug() -> None:
    row = "    " + ", ".join(f"{i}.0" for i in range(1, 18)) + ",\n"
    source = "import torch\nx = torch.rand(3, requires_grad=True)\nDATA = [\n" + row * 11_000 + "]\nx.numpy()\n"
    assert len(source) > 1 << 20
    assert _outcome(source) == _found((11_005, 2, "DET101"))


# ---------------------------------------------------------------------------------------------
# Inputs deep enough to exhaust the stack: each in a process of its own


_PROBE = textwrap.dedent(
    """
    import json, sys
    from flake8_detach.checker import UnanalysableSource, check_source
    source = open(sys.argv[1], encoding="utf-8", newline="").read()
    try:
        found = [[f.line, f.column, f.code] for f in check_source(source)]
        print(json.dumps({"outcome": "findings", "findings": found}))
    except UnanalysableSource as error:
        print(json.dumps({"outcome": "unanalysable", "why": str(error)}))
    """
)

# The same analysis with the depth guard lifted (in a thread with a large stack): only to check
# where the deep inputs' bug would be reported, on long lines.
_UNGUARDED_PROBE = textwrap.dedent(
    """
    import json, sys, threading
    from flake8_detach.analysis import depth
    from flake8_detach.checker import check_source
    depth.too_deep.__defaults__ = (sys.maxsize,)
    sys.setrecursionlimit(200_000)
    threading.stack_size(1 << 29)
    source = open(sys.argv[1], encoding="utf-8", newline="").read()
    found = []
    thread = threading.Thread(target=lambda: found.extend([f.line, f.column, f.code] for f in check_source(source)))
    thread.start()
    thread.join()
    print(json.dumps(found))
    """
)


def test_deep_method_chain_would_be_found_at_the_column_of_numpy(tmp_path: Path) -> None:
    """(The 3000-term sum would be found at column 12004, 0-based; it takes 10 s, and Python
    3.12's parser refuses it whatever the recursion limit, so it is not run here.)"""
    path = tmp_path / "deep.py"
    path.write_bytes(DEEP_CHAIN.encode())
    result = subprocess.run([sys.executable, "-c", _UNGUARDED_PROBE, str(path)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == [[3, 1996, "DET101"]]


DEEP: Tuple[Tuple[str, str, Optional[bool]], ...] = (
    # (name, source, valid Python for CPython's own parser; None: depends on the version, whose
    # parser has its own stack limit).  Deeper chains of unary operators,
    # attributes or calls crash too, but only after libcst has spent minutes on them.
    ("parentheses_3000_deep", "import torch\nx = torch.rand(3, requires_grad=True)\ny = " + "(" * 3000 + "x"
     + ")" * 3000 + ".numpy()\n", False),
    ("brackets_3000_deep", "import torch\nx = torch.rand(3, requires_grad=True)\ny = " + "[" * 3000 + "]" * 3000
     + "\nx.numpy()\n", False),
    ("or_of_10000_terms", "import torch\nx = torch.rand(3, requires_grad=True)\ny = "
     + " or ".join(["x"] * 10_000) + "\nx.numpy()\n", True),
    ("comparison_of_20000_terms", "import torch\nx = torch.rand(3, requires_grad=True)\ny = "
     + " < ".join(["x"] * 20_000) + "\nx.numpy()\n", True),
    ("elif_chain_of_10000", "import torch\nx = torch.rand(3, requires_grad=True)\nif x:\n    pass\n"
     + "elif x:\n    pass\n" * 10_000 + "x.numpy()\n", False),
    ("method_chain_of_1000_links", "import torch\nx = torch.rand(3, requires_grad=True)\ny = x"
     + "".join(f".a{i}()" for i in range(1000)) + ".numpy()\n", True),
    ("unary_minus_3000_deep", "import torch\nx = torch.rand(3, requires_grad=True)\ny = " + "-" * 3000
     + "x\nx.numpy()\n", None),  # 3.11 and 3.12 refuse it
)


def _in_subprocess(source: str, tmp_path: Path) -> Any:
    path = tmp_path / "deep.py"
    path.write_bytes(source.encode())  # exactly these characters (write_text's newline= is 3.10+)
    result = subprocess.run([sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"the process died (status {result.returncode}): {result.stderr[-2000:]}"
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "name, source, valid",
    [pytest.param(*deep) for deep in DEEP],
    ids=[deep[0] for deep in DEEP],
)
def test_nesting_deep_enough_to_exhaust_the_stack(name: str, source: str, valid: Optional[bool],
                                                  tmp_path: Path) -> None:
    assert valid is None or _parses(source) == valid
    result = _in_subprocess(source, tmp_path)
    # Unanalysable, or (if it can be analysed after all) the real bug and nothing else.
    if result["outcome"] == "findings":
        assert {(line, code) for line, _, code in result["findings"]} <= {(source.count("\n"), "DET101")}


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


# ---------------------------------------------------------------------------------------------
# The flake8 plugin


def _plugin_or_skip() -> Any:
    checker = fuzzing.plugin_class()
    if checker is None:
        pytest.skip("flake8_detach.frontends.flake8_plugin.DetachChecker has not landed yet")
    return checker


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_plugin(case: Case) -> None:
    """The plugin yields the analysis's findings at the same places, or nothing; never an error.

    flake8 only calls plugins for files its own ``ast.parse`` accepts; the harness calls the
    plugin for the others too (with ``tree=None``), and it must stay quiet there as well."""
    checker = _plugin_or_skip()
    results = fuzzing.run_plugin(checker, case.source)
    outcome = _outcome("".join(fuzzing.flake8_lines(case.source)))
    assert {(line, column) for line, column, _ in results} == {(line, column) for line, column, _ in outcome or ()}


# ---------------------------------------------------------------------------------------------
# The command line and flake8, each once over all the cases


def _write_cases(folder: Path) -> List[Tuple[Case, Path]]:
    written = []
    for case in CASES:
        path = folder / f"{case.name}.py"
        # The front ends read bytes: encode as the text says (latin-1 under its cookie).
        encoding = "latin-1" if "coding: latin-1" in case.source else "utf-8"
        path.write_bytes(case.source.encode(encoding, errors="surrogatepass"))
        written.append((case, path))
    # Undecodable bytes, with and without a cookie that explains them.
    (folder / "undecodable_no_cookie.py").write_bytes(b"# caf\xe9\n" + BUG.encode())
    (folder / "undecodable_bad_cookie.py").write_bytes(b"# -*- coding: utf-8 -*-\n# caf\xe9\n" + BUG.encode())
    (folder / "utf8_bom_file.py").write_bytes(b"\xef\xbb\xbf" + BUG.encode())
    return written


def _cli_or_skip() -> None:
    try:
        from flake8_detach.frontends import cli  # noqa: F401
    except ImportError:
        pytest.skip("flake8_detach.frontends.cli has not landed yet")


def test_command_line_over_all_bad_inputs(tmp_path: Path) -> None:
    """``flake8-detach check`` names every file it cannot analyse, goes on, and exits 2."""
    _cli_or_skip()
    written = _write_cases(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "flake8_detach", "check", "--output-format", "json", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    reported = {
        (Path(item["filename"]).name, item["location"]["row"], item["location"]["column"])
        for item in json_findings(result.stdout)
    }
    for case, path in written:
        if case.expected_here is None or case.name in _UNDECODABLE:
            assert path.name in result.stderr, f"{path.name} is not named as unanalysable"
        elif not case.known_bug:
            # Columns in the JSON output are 1-based, as flake8 shows them.
            expected = {(path.name, line, column + 1) for line, column, code in case.expected_here if code != "DET103"}
            assert {r for r in reported if r[0] == path.name} == expected, case.name
    for name in ("undecodable_no_cookie.py", "undecodable_bad_cookie.py"):
        assert name in result.stderr
    assert ("utf8_bom_file.py", 3, 3) in reported


# flake8 7.5 itself stops the whole run on these: pyflakes (or flake8's own ast.parse) raises
# RecursionError, which flake8 does not catch.  Not the plugin's doing, so left out here.
# Before Python 3.11 it also stops on a null byte: compile() raises
# ValueError there, which flake8 does not catch either.
_FLAKE8_ITSELF_FAILS = {"method_chain_of_300_links", "binary_operation_of_3000_terms"} | (
    {"null_byte_in_code", "null_byte_in_comment", "null_byte_in_string"} if sys.version_info < (3, 11) else set())
# Python refuses to decode these files; the command line says so (flake8 falls back to latin-1).
_UNDECODABLE = {"unknown_cookie"}


def test_flake8_over_all_bad_inputs(tmp_path: Path) -> None:
    """flake8 with the plugin over the same files: no traceback, every finding where it belongs."""
    _plugin_or_skip()
    written = []
    for case, path in _write_cases(tmp_path):
        if case.name in _FLAKE8_ITSELF_FAILS:
            path.unlink()
        else:
            written.append((case, path))
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "DET,E999,E902", "--isolated", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "please report it" not in result.stderr + result.stdout
    assert result.returncode in (0, 1), result.stderr
    lines = result.stdout.splitlines()
    for case, path in written:
        mine = [line for line in lines if line.startswith(str(path) + ":") and " DET" in line]
        if case.expected_here is None or not _parses(case.source.lstrip("\ufeff")):
            assert mine == [], case.name
        elif not case.known_bug:
            expected = {f"{path}:{line}:{column + 1}: {code}" for line, column, code in case.expected_here
                        if code != "DET103"}
            assert {line.split(" ", 1)[0] + " " + line.split(" ", 2)[1] for line in mine} == expected, case.name
