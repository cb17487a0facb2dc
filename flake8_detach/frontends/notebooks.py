"""Jupyter notebooks: the code cells as one program, findings placed in cells, fixes written back.

A notebook (nbformat 4) is JSON.  It is read with the ``json`` module's own
decoder, noting where each cell's ``source`` sits in the file, so that a fix
replaces only the source strings it changes: indentation, key order, escapes,
outputs, execution counts, metadata and the final newline stay byte for byte
(nbformat's writer would serialise the whole file again in its own layout).

The code cells are joined in notebook order, each after a ``# %% cell N``
line (``if True:  # %% cell N`` before a cell whose code is indented, which
IPython accepts), into one text that the checker analyses like a file, so a model defined
in one cell is followed into the cell that converts its output.  IPython
syntax at the start of a statement (``%magic``, ``!shell``, ``x = !cmd``,
``obj?``, the auto-call escapes ``/f x``, ``,f a b``, ``;f a b``) is masked
as ``pass  # <the line>``, which keeps the rest of the cell and the line
numbers; a cell whose ``%%`` magic is not one that runs Python (``%%bash``,
``%%html``) is not code.  Jupyter compiles each cell on its own, and so does
this module: a cell that still does not parse is left out with a note, and the
others are analysed.  Cells are numbered from 1 over all cells, markdown
included, as ``path/nb.ipynb:cell 5:3:14`` says.
"""

from __future__ import annotations

import ast
import bisect
import io
import itertools
import json
import re
import tokenize
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple

from flake8_detach.findings import Finding, LineNamer
from flake8_detach.frontends.output import Reported
from flake8_detach.frontends.sources import split_lines, unified_diff

SUFFIX = ".ipynb"
# Cell magics whose body is Python that IPython runs; any other (%%bash, %%html,
# %%writefile...) makes the cell something else than Python.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "mprun"})
# At the start of a statement: magics, shell escapes and IPython's auto-call escapes.
_ESCAPED = re.compile(r"\s*[%!/,;]")
_ASSIGNED_MAGIC = re.compile(r"\s*[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!](?!=)")
_HELP = re.compile(r"\s*(\?{1,2}[\w.*]+|[\w.*\[\]()]+\?{1,2})\s*(#.*)?$")  # obj?, ?obj, torch.*Tensor?
_BLANK = re.compile(r"[ \t\n\r]*")  # JSON's whitespace
_DECODER = json.JSONDecoder()
# IPython's %pylab runs ``from pylab import *`` (and NumPy's star import, which pylab's includes).
_PYLAB_MAGIC = re.compile(r"\s*%pylab\b")
_PYLAB_IMPORT = "from pylab import *"
# nbqa (``nbqa flake8 nb.ipynb``) starts each code cell of its temporary file with this line.
_NBQA_SEPARATOR = re.compile(r"# %%NBQA-CELL-SEP[0-9a-f]+\s*$")

_Parse = Callable[[int], Tuple[Any, int]]


class NotebookError(Exception):
    """A file that is not a notebook this module can read or write; the message says why."""


def is_notebook(name: str) -> bool:
    return name.lower().endswith(SUFFIX)


# --- reading the JSON, with the places of the cells' sources ---------------------------------


@dataclass(frozen=True)
class _Span:
    start: int
    end: int


@dataclass(frozen=True)
class _SourceLayout:
    """Where a cell's ``source`` is in the file: the whole value, and each string of a list."""

    value: _Span
    items: Optional[Tuple[_Span, ...]]  # None when the source is one string


class _Scanner:
    """A JSON object reader that descends, with the ``json`` decoder's scanner, into the
    members it is told to, and decodes the others whole."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.layouts: Dict[int, _SourceLayout] = {}

    def document(self) -> Dict[str, Any]:
        start = self._blank(0)
        if not self.text.startswith("{", start):
            json.loads(self.text)  # raises for what is not JSON at all
            raise NotebookError("not a notebook: the JSON is not an object")
        document, end = self._object(start, {"cells": self._cells})
        if self._blank(end) != len(self.text):
            raise json.JSONDecodeError("Extra data", self.text, self._blank(end))
        return document

    def _blank(self, at: int) -> int:
        match = _BLANK.match(self.text, at)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def _expect(self, at: int, char: str, name: str) -> int:
        if not self.text.startswith(char, at):
            raise json.JSONDecodeError(f"Expecting {name}", self.text, at)
        return self._blank(at + 1)

    def _value(self, at: int) -> Tuple[Any, int]:
        return _DECODER.raw_decode(self.text, at)

    def _object(self, at: int, members: Mapping[str, _Parse]) -> Tuple[Dict[str, Any], int]:
        result: Dict[str, Any] = {}
        at = self._blank(at + 1)
        if self.text.startswith("}", at):
            return result, at + 1
        while True:
            if not self.text.startswith('"', at):
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", self.text, at)
            key, at = self._value(at)
            at = self._expect(self._blank(at), ":", "':' delimiter")
            result[key], at = members.get(key, self._value)(at)
            at = self._blank(at)
            if self.text.startswith("}", at):
                return result, at + 1
            at = self._expect(at, ",", "',' delimiter")

    def _array(self, at: int, element: Callable[[int, int], Tuple[Any, int]]) -> Tuple[List[Any], int]:
        result: List[Any] = []
        at = self._blank(at + 1)
        if self.text.startswith("]", at):
            return result, at + 1
        while True:
            value, at = element(len(result), at)
            result.append(value)
            at = self._blank(at)
            if self.text.startswith("]", at):
                return result, at + 1
            at = self._expect(at, ",", "',' delimiter")

    def _cells(self, at: int) -> Tuple[Any, int]:
        if not self.text.startswith("[", at):
            return self._value(at)  # not a list: _code_cells says so
        return self._array(at, self._cell)

    def _cell(self, index: int, at: int) -> Tuple[Any, int]:
        if not self.text.startswith("{", at):
            return self._value(at)
        return self._object(at, {"source": lambda start: self._source(index, start)})

    def _source(self, index: int, at: int) -> Tuple[Any, int]:
        items: Optional[List[_Span]] = None
        if self.text.startswith("[", at):
            items = []

            def item(_: int, start: int) -> Tuple[Any, int]:
                value, end = self._value(start)
                items.append(_Span(start, end))
                return value, end

            value, end = self._array(at, item)
        else:
            value, end = self._value(at)
        self.layouts[index] = _SourceLayout(_Span(at, end), None if items is None else tuple(items))
        return value, end


def _load(text: str) -> Tuple[Dict[str, Any], Dict[int, _SourceLayout]]:
    if not text.strip():
        raise NotebookError("not a notebook: the file is empty")
    scanner = _Scanner(text)
    try:
        return scanner.document(), scanner.layouts
    except json.JSONDecodeError as error:
        raise NotebookError(f"not a notebook: invalid JSON ({error.msg} at line {error.lineno}, "
                            f"column {error.colno})") from None
    except RecursionError:
        raise NotebookError("not a notebook: the JSON is nested too deeply to read") from None


def _code_cells(document: Dict[str, Any]) -> List[Tuple[int, Any]]:
    """(1-based number among all cells, source) of each code cell, or why the document is not nbformat 4."""
    version = document.get("nbformat")
    if "worksheets" in document or (isinstance(version, int) and version < 4):
        raise NotebookError(f"nbformat {version if isinstance(version, int) else 3} is not supported: convert the "
                            "notebook to nbformat 4 with `jupyter nbconvert --to notebook --inplace`")
    if version not in (None, 4):
        raise NotebookError(f"nbformat {version!r} is not supported (only nbformat 4)")
    cells = document.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("not a notebook: it has no list of cells")
    code: List[Tuple[int, Any]] = []
    for number, cell in enumerate(cells, start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            if not isinstance(source, str) and not (isinstance(source, list)
                                                    and all(isinstance(item, str) for item in source)):
                raise NotebookError(f"cell {number}: the source is neither a string nor a list of strings")
            code.append((number, source))
    return code


def _language(document: Dict[str, Any]) -> str:
    """The kernel's language as the metadata states it, "python" when it does not."""
    metadata = document.get("metadata")
    if isinstance(metadata, dict):
        for table, key in (("language_info", "name"), ("kernelspec", "language")):
            entry = metadata.get(table)
            if isinstance(entry, dict) and isinstance(entry.get(key), str):
                return str(entry[key])
    return "python"


# --- IPython syntax ---------------------------------------------------------------------------


def _is_ipython(line: str) -> bool:
    return bool(_ESCAPED.match(line) or _ASSIGNED_MAGIC.match(line) or _HELP.match(line))


def _statement_starts(lines: Sequence[str]) -> Optional[Set[int]]:
    """The 0-based indexes of the lines on which a statement starts, or None if the cell cannot be tokenized.

    A line continuing a bracket, a backslash or a string (``% x)`` in a
    multi-line expression, a docstring line starting with ``!``) is not one,
    so it is never taken for IPython syntax.
    """
    starts: Set[int] = set()
    depth = 0
    at_start = True
    ignored = -1  # a line of IPython syntax: its brackets do not count
    text = "".join(lines)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text if text.endswith("\n") else text + "\n").readline):
            if token.type in (tokenize.NEWLINE, tokenize.NL):
                at_start = at_start or depth == 0
                continue
            if token.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT, tokenize.ENDMARKER):
                continue
            index = token.start[0] - 1
            if at_start:
                starts.add(index)
                at_start = False
                if _is_ipython(lines[index]):
                    ignored = index
            if index == ignored:
                continue
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth = max(0, depth - 1)
    except (tokenize.TokenError, SyntaxError):
        return None
    return starts


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _masked(line: str, indent: str) -> str:
    """``line`` as a ``pass`` at ``indent`` with the IPython syntax in a comment, same line ending;
    ``%pylab`` as the star import it runs (``sum`` and ``plot`` are then NumPy's and pyplot's)."""
    body = line.rstrip("\r\n")
    statement = _PYLAB_IMPORT if _PYLAB_MAGIC.match(body) else "pass"
    return f"{indent}{statement}  # {body.strip()}{line[len(body):]}"


def _continues(line: str) -> bool:
    return line.rstrip("\r\n").endswith("\\")


def _cell_magic(lines: Sequence[str]) -> Optional[str]:
    """The name of the cell's ``%%`` magic ("" for a bare ``%%``), None when it has none."""
    first = next((line.lstrip() for line in lines if line.strip()), "")
    if not first.startswith("%%"):
        return None
    words = first[2:].split(None, 1)
    return words[0] if words else ""


def _python_lines(lines: Sequence[str]) -> Optional[Tuple[List[str], FrozenSet[int]]]:
    """The cell's lines with IPython syntax masked, and the indexes of the masked lines;
    None for a cell that a ``%%`` magic makes something else than Python."""
    magic = _cell_magic(lines)
    if magic is not None and magic not in PYTHON_CELL_MAGICS:
        return None
    starts = _statement_starts(lines)  # the %%time line, if any, starts a statement like a line magic
    indents: Dict[int, str] = {}
    continued = False
    for index, line in enumerate(lines):
        if continued:  # a magic's backslash continues it on this line, at any indentation
            indents[index] = indents[index - 1]
        elif _is_ipython(line) and (starts is None or index in starts):
            indents[index] = _indent(line)
        else:
            continue
        continued = _continues(line)
    code = [_masked(line, indents[index]) if index in indents else line for index, line in enumerate(lines)]
    return code, frozenset(indents)


def _indented(lines: Sequence[str]) -> bool:
    """Whether the cell's first statement is indented (IPython then removes that indentation)."""
    first = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    return first[:1] in (" ", "\t")


def _parse_error(code: str, offset: int) -> Optional[str]:
    """Why ``code`` does not parse, or None; its first ``offset`` lines are not the cell's."""
    try:
        ast.parse(code)
    except SyntaxError as error:
        return f"syntax error: {error.msg} (line {(error.lineno or 1) - offset})"
    except (ValueError, RecursionError, MemoryError) as error:  # null bytes; nesting
        return f"cannot parse: {error}"
    return None


# --- the notebook -----------------------------------------------------------------------------


def _source_text(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


@dataclass(frozen=True)
class _CodeCell:
    """A code cell that is analysed: ``first`` is the line of the joined code holding its line 1."""

    number: int
    source: Any  # as in the file: a string or a list of strings
    lines: Tuple[str, ...]  # its text, split as Python splits lines
    masked: FrozenSet[int]
    first: int


class _Joiner:
    """Builds the joined code, one analysable cell after the other."""

    def __init__(self) -> None:
        self.parts: List[str] = []
        self.cells: List[_CodeCell] = []
        self.notes: List[str] = []
        self.line_count = 0

    def add(self, number: int, source: Any) -> None:
        lines = split_lines(_source_text(source))
        python = _python_lines(lines)
        if python is None:
            return  # a %%bash or %%html cell
        code_lines, masked = python
        if not code_lines:
            return
        if not code_lines[-1].endswith(("\n", "\r")):
            code_lines[-1] += "\n"
        body = "".join(code_lines)
        header = f"# %% cell {number}\n"
        if _indented(code_lines):
            # IPython takes the indentation of a cell's first line off every line; an "if True:"
            # on the header line makes the indented lines a block and keeps their columns.
            header = f"if True:  {header}"
            error = _parse_error(f"if True:\n{body}", offset=1)
        else:
            error = _parse_error(body, offset=0)
        if error is not None:
            self.notes.append(f"cell {number} skipped ({error}); the other cells were checked")
            return
        self.parts.append(header)
        self.parts.extend(code_lines)
        self.cells.append(_CodeCell(number, source, tuple(lines), masked, self.line_count + 2))
        self.line_count += 1 + len(code_lines)


@dataclass(frozen=True)
class Notebook:
    """A notebook as read: its JSON ``text``, the ``code`` the checker analyses, notes on what was left out."""

    text: str
    code: str
    notes: Tuple[str, ...]
    cells: Tuple[_CodeCell, ...]
    layouts: Mapping[int, _SourceLayout]

    def _cell_at(self, line: int) -> _CodeCell:
        index = bisect.bisect_right([cell.first for cell in self.cells], line) - 1
        return self.cells[max(index, 0)]

    def locate(self, line: int) -> Tuple[int, int]:
        """(cell number, line in the cell) of a line of ``code``."""
        cell = self._cell_at(line)
        return cell.number, line - cell.first + 1

    def code_line(self, cell: int, line: int) -> Optional[int]:
        """The line of ``code`` that holds line ``line`` of cell ``cell`` (None: no such analysed line)."""
        found = next((c for c in self.cells if c.number == cell), None)
        if found is None or not 1 <= line <= len(found.lines):
            return None
        return found.first + line - 1

    def name_line(self, line: int, finding_line: int) -> str:
        cell, inner = self.locate(line)
        return f"line {inner} of cell {cell}"

    def file_line(self, line: int) -> int:
        """The line of the notebook's JSON that holds this line of ``code`` (for annotations)."""
        cell = self._cell_at(line)
        layout = self.layouts[cell.number - 1]
        start = layout.value.start
        if layout.items:  # the string of the list that holds the line's first character
            offset = sum(len(text) for text in cell.lines[: line - cell.first])
            ends = list(itertools.accumulate(len(item) for item in cell.source))
            start = layout.items[min(bisect.bisect_right(ends, offset), len(ends) - 1)].start
        return self.text.count("\n", 0, start) + 1

    def reported(self, display: str, finding: Finding) -> Reported:
        return Reported(display, finding, self)

    def fixed_cells(self, code: str) -> List[Tuple[_CodeCell, str]]:
        """Each changed cell and its new text, from the fixed ``code``; fixes only insert text
        within lines, so every line keeps its place."""
        before, after = split_lines(self.code), split_lines(code)
        if len(before) != len(after):
            raise NotebookError("the fixes would change the cells' lines; not changed, please report it")
        changed: List[Tuple[_CodeCell, str]] = []
        for cell in self.cells:
            lines = list(cell.lines)
            for index in range(len(lines)):
                new = after[cell.first - 1 + index]
                if new == before[cell.first - 1 + index]:
                    continue
                if index in cell.masked:
                    raise NotebookError("the fixes would change IPython syntax; not changed, please report it")
                lines[index] = new if lines[index].endswith(("\n", "\r")) else new.rstrip("\r\n")
            if lines != list(cell.lines):
                changed.append((cell, "".join(lines)))
        return changed

    def rebuild(self, code: str) -> str:
        """The notebook's JSON with the sources of the cells that ``code`` changes replaced."""
        ensure_ascii = self.text.isascii()
        edits: List[Tuple[_Span, str]] = []
        for cell, text in self.fixed_cells(code):
            layout = self.layouts[cell.number - 1]
            edits.extend(_source_edits(cell.source, text, layout, self.text, ensure_ascii))
        result = self.text
        for span, replacement in sorted(edits, key=lambda edit: edit[0].start, reverse=True):
            result = result[: span.start] + replacement + result[span.end:]
        return result

    def diff(self, display: str, code: str) -> str:
        """A unified diff of each changed cell, labelled ``a/path:cell N``."""
        return "".join(
            unified_diff(f"{display}:cell {cell.number}", "".join(cell.lines), text)
            for cell, text in self.fixed_cells(code)
        )


def _split_like(original: List[str], before: str, after: str) -> List[str]:
    """``after`` split into a list of strings the way ``original`` splits ``before``
    (nbformat's ``str.splitlines(True)``, or Python's line ends)."""
    for split in (split_lines, lambda text: text.splitlines(True)):
        if split(before) == original:
            return split(after)
    return after.splitlines(True)


def _source_edits(source: Any, text: str, layout: _SourceLayout, document: str,
                  ensure_ascii: bool) -> List[Tuple[_Span, str]]:
    """Replacements in the JSON text that give a cell the source ``text``: only the strings that change
    (a list whose strings are not the cell's lines is cut again at line ends)."""
    def encoded(value: str) -> str:
        return json.dumps(value, ensure_ascii=ensure_ascii)

    if layout.items is None or not isinstance(source, list):
        return [(layout.value, encoded(text))]
    items = _split_like(source, "".join(source), text)
    if len(items) == len(source):
        return [(span, encoded(new)) for span, old, new in zip(layout.items, source, items) if old != new]
    # The strings do not line up (an unusual split): write the list again, spaced as it was.
    # (A cell with a fix has code, so its list has strings.)
    opening = document[layout.value.start + 1: layout.items[0].start]
    closing = document[layout.items[-1].end: layout.value.end - 1]
    return [(layout.value, "[" + opening + ("," + opening).join(encoded(item) for item in items) + closing + "]")]


def read_notebook(text: str) -> Notebook:
    """The notebook in ``text`` (its JSON); raises NotebookError when it is not one that can be read."""
    document, layouts = _load(text)
    code_cells = _code_cells(document)
    joiner = _Joiner()
    language = _language(document)
    if not language.lower().startswith(("python", "ipython")):
        joiner.notes.append(f"not checked: the notebook's language is {language}")
    else:
        for number, source in code_cells:
            joiner.add(number, source)
    return Notebook(text, "".join(joiner.parts), tuple(joiner.notes), tuple(joiner.cells), layouts)


# --- nbqa -------------------------------------------------------------------------------------


def nbqa_line_namer(source: str) -> Optional[LineNamer]:
    """How to name lines in the temporary file ``nbqa flake8`` makes of a notebook, or None
    if ``source`` is not one.

    nbqa translates the position of each finding to ``cell_N:line``, but not the
    lines a message names.  Its file leaves out cells it does not hand to flake8
    (empty ones, cells of magics only), so the cell numbers are unknown here; the
    line within the cell is known, and whether the cell is the finding's own.
    """
    if "NBQA-CELL-SEP" not in source:  # most files: one scan in C
        return None
    starts = [number for number, line in enumerate(split_lines(source), start=1) if _NBQA_SEPARATOR.match(line)]
    if not starts:
        return None

    def name_line(line: int, finding_line: int) -> str:
        index = bisect.bisect_right(starts, line) - 1
        if index < 0:
            return f"line {line}"
        finding_index = bisect.bisect_right(starts, finding_line) - 1
        which = "this" if index == finding_index else "an earlier" if index < finding_index else "a later"
        return f"line {line - starts[index]} of {which} cell"

    return name_line
