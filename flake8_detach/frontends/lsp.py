"""``flake8-detach lsp``: a language server over standard input and output, built on pygls.

Diagnostics on open, save and (debounced) change; quick fixes, "fix all safe" and
``# noqa`` as code actions; the explanation on hover.  One process serves the whole
editing session, so libcst and the analysis are imported once and stay loaded.

Documents are synchronised in full (the client sends the whole text on each change):
pygls applies incremental changes with ``str.splitlines``, which also splits at form
feeds and other separators Python does not end lines at, so an incremental copy of a
file holding one would drift from the editor's.

Notebooks the client syncs as notebook documents (LSP 3.17) are analysed as the command
line analyses a ``.ipynb`` file (``notebooks.py``): the code cells joined, IPython syntax
masked, a cell that does not parse left out.  Each finding, edit and trace step is placed
in its cell's own text document.

A buffer that cannot be analysed (a syntax error while typing) keeps the diagnostics of
the last version that could, and gets no code action or hover until it parses again:
edits computed on an older text would land in the wrong place.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple, TypeVar, Union
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from flake8_detach import __version__
from flake8_detach.findings import Applicability, Edit, Finding, LineNamer, Position, numbered_line
from flake8_detach.frontends import editor
from flake8_detach.frontends.common import UsageError
from flake8_detach.frontends.filtering import Noqa
from flake8_detach.frontends.fixer import is_applicable
from flake8_detach.frontends.notebooks import Notebook, NotebookError, read_notebook
from flake8_detach.frontends.sources import split_lines
from flake8_detach.rules import RULES

NAME = "flake8-detach"
# Re-check this long after the last change: no analysis per keystroke while typing.
DEBOUNCE_SECONDS = 0.25
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{NAME}"
QUICK_FIX = types.CodeActionKind.QuickFix.value
# A default rule reports a conversion that raises; the default-off one, one that may.
SEVERITY = {
    code: types.DiagnosticSeverity.Error if rule.default_enabled else types.DiagnosticSeverity.Warning
    for code, rule in RULES.items()
}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
Params = TypeVar("Params")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Part:
    """A text document the client holds, placed in the analysed code: the file, or a notebook cell."""

    uri: str
    first: int  # the line of the analysed code that is its line 1
    lines: Tuple[str, ...]  # its own lines (``split_lines``)
    masked: FrozenSet[int] = frozenset()  # 0-based lines the code holds as ``pass`` (IPython syntax)

    def holds(self, line: int) -> bool:
        return self.first <= line < self.first + len(self.lines)

    def inner(self, position: Position) -> Position:
        return Position(position.line - self.first + 1, position.column)


@dataclass(frozen=True)
class Source:
    """What a document holds now: the code to analyse and where the client's documents are in it."""

    version: Optional[int]
    state: str  # the client's text (a notebook's: its cells), to tell whether anything changed
    code: str
    parts: Tuple[Part, ...]
    notebook: Optional[Notebook] = None
    cell_uris: Tuple[str, ...] = ()  # every cell of a notebook, analysed or not

    @property
    def name_line(self) -> LineNamer:
        return numbered_line if self.notebook is None else self.notebook.name_line


@dataclass
class Checked:
    """One version of an open document and what ``flake8-detach check`` reports for it."""

    uri: str  # the file's, or the notebook's
    display: str  # its path (its URI when it has none): what per-file ignores match
    source: Source
    config: editor.EditorConfig
    findings: List[Finding]
    error: Optional[str] = None
    lines: List[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = split_lines(self.source.code)

    @property
    def version(self) -> Optional[int]:
        return self.source.version

    @cached_property
    def traced(self) -> List[Finding]:
        """The findings again, each with the whole chain as its trace (for hover only: the
        diagnostics of every edit keep the short trace, which costs less)."""
        return editor.lint(self.source.code, self.config, self.display, self.source.name_line, trace=True).findings

    @cached_property
    def noqa(self) -> Noqa:
        return Noqa(self.source.code)

    def part_at(self, line: int) -> Optional[Part]:
        return next((part for part in self.source.parts if part.holds(line)), None)

    def part_of(self, uri: str) -> Optional[Part]:
        return next((part for part in self.source.parts if unquote(part.uri) == unquote(uri)), None)

    @cached_property
    def fixed(self) -> Dict[str, Edit]:
        """What ``flake8-detach fix`` changes in each document, as one edit per changed document."""
        if not editor.has_safe_fix(self.findings):
            return {}
        fixed = editor.fix_all(self.source.code, self.config, self.display)
        if fixed is None:
            return {}
        notebook = self.source.notebook
        if notebook is None:
            return {self.uri: editor.replacement(self.source.code, fixed)}
        try:
            changed = notebook.fixed_cells(fixed)
        except NotebookError:  # a fix that would move lines or touch IPython syntax: none offered
            return {}
        parts = {part.first: part for part in self.source.parts}
        return {parts[cell.first].uri: editor.replacement("".join(cell.lines), text) for cell, text in changed}


def _overlaps(finding: Finding, start: Position, end: Position) -> bool:
    return finding.position <= end and start <= (finding.end or finding.position)


def _wanted(kind: str, only: Optional[Sequence[Union[types.CodeActionKind, str]]]) -> bool:
    """Whether the client asked for actions of ``kind`` (``only`` lists kinds or their parents)."""
    if only is None:
        return True
    return any(kind == wanted or kind.startswith(wanted + ".") for wanted in only)


def _handler(method: Callable[[Params], Result]) -> Callable[[Params], Result]:
    """A plain function calling ``method``: pygls marks its handlers with attributes, which a
    bound method cannot carry."""

    def handle(params: Params) -> Result:
        return method(params)

    return handle


def _markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _is_python(document: TextDocument) -> bool:
    return (document.language_id or "python").lower().startswith(("python", "ipython"))


# Notebooks whose cells hold Python: the client sends them as notebook documents.
NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[types.NotebookDocumentFilterWithCells(
        cells=[types.NotebookCellLanguage("python")], notebook="*")],
    save=True)


class DetachServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(NAME, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full,
                         notebook_document_sync=NOTEBOOK_SYNC)
        self._checked: Dict[str, Checked] = {}
        self._pending: Dict[str, asyncio.TimerHandle] = {}
        self._config_error: Optional[str] = None
        self._documentation = editor.documentation_base()
        code_actions = types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL])
        self.feature(types.TEXT_DOCUMENT_DID_OPEN)(_handler(self.on_open))
        self.feature(types.TEXT_DOCUMENT_DID_CHANGE)(_handler(self.on_change))
        self.feature(types.TEXT_DOCUMENT_DID_SAVE)(_handler(self.on_save))
        self.feature(types.TEXT_DOCUMENT_DID_CLOSE)(_handler(self.on_close))
        self.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)(_handler(self.on_open))
        self.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)(_handler(self.on_notebook_change))
        self.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)(_handler(self.on_save))
        self.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)(_handler(self.on_close))
        self.feature(types.TEXT_DOCUMENT_CODE_ACTION, code_actions)(_handler(self.on_code_action))
        self.feature(types.TEXT_DOCUMENT_HOVER)(_handler(self.on_hover))

    # Document events (the parameters of text and notebook documents name theirs alike)

    def on_open(self, params: Union[types.DidOpenTextDocumentParams, types.DidOpenNotebookDocumentParams]) -> None:
        self.check_now(_uri(params))

    def on_change(self, params: types.DidChangeTextDocumentParams) -> None:
        self._check_later(params.text_document.uri)

    def on_notebook_change(self, params: types.DidChangeNotebookDocumentParams) -> None:
        self._check_later(params.notebook_document.uri)

    def _check_later(self, uri: str) -> None:
        self._cancel(uri)
        self._pending[uri] = asyncio.get_running_loop().call_later(DEBOUNCE_SECONDS, self.check_now, uri)

    def on_save(self, params: Union[types.DidSaveTextDocumentParams, types.DidSaveNotebookDocumentParams]) -> None:
        self.check_now(_uri(params))

    def on_close(self, params: Union[types.DidCloseTextDocumentParams, types.DidCloseNotebookDocumentParams]) -> None:
        uri = _uri(params)
        self._cancel(uri)
        checked = self._checked.pop(uri, None)
        cells = checked.source.cell_uris if checked is not None else ()
        for closed in cells or (uri,):  # a notebook's diagnostics are on its cells
            self._publish(closed, [])

    def _cancel(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()

    def _publish(self, uri: str, diagnostics: List[types.Diagnostic], version: Optional[int] = None) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def check_now(self, uri: str) -> Optional[Checked]:
        """Analyse the document (a file or a notebook) as it is now and publish its diagnostics,
        per document the client holds (unless it cannot be analysed)."""
        self._cancel(uri)
        source = self._source(uri)
        if source is None:
            return None
        previous = self._checked.get(uri)
        checked = self._check(uri, source)
        self._checked[uri] = checked
        if checked.error is not None:
            self.window_log_message(types.LogMessageParams(
                types.MessageType.Log, f"{NAME}: {uri} not analysed, keeping its diagnostics: {checked.error}"))
            return checked
        for note in source.notebook.notes if source.notebook is not None else ():
            self.window_log_message(types.LogMessageParams(types.MessageType.Log, f"{NAME}: {uri}: {note}"))
        published: Dict[str, List[types.Diagnostic]] = {cell: [] for cell in source.cell_uris}
        for part in source.parts:
            published[part.uri] = []
        for finding in checked.findings:
            diagnostic = self._diagnostic(checked, finding)
            if diagnostic is not None:
                published[diagnostic[0]].append(diagnostic[1])
        gone = set(previous.source.cell_uris if previous is not None else ()) - set(published)
        version = source.version if source.notebook is None else None  # a cell's version is not the notebook's
        for document_uri, diagnostics in [*published.items(), *((cell, []) for cell in sorted(gone))]:
            self._publish(document_uri, diagnostics, version)
        return checked

    def _state(self, uri: str) -> Optional[Tuple[Optional[int], str]]:
        """The version and text of the open file or notebook ``uri`` (a notebook's text: its cells
        as the JSON of a ``.ipynb`` file); pygls keys documents by the unquoted URI."""
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is not None:
            documents = [self.workspace.get_text_document(cell.document) for cell in notebook.cells]
            cells = [{"cell_type": "code" if cell.kind == types.NotebookCellKind.Code and _is_python(document)
                      else "raw", "source": document.source}
                     for cell, document in zip(notebook.cells, documents)]
            return notebook.version, json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
        document: Optional[TextDocument] = self.workspace.text_documents.get(unquote(uri))
        return None if document is None else (document.version, document.source)

    def _source(self, uri: str) -> Optional[Source]:
        """What the open file or notebook ``uri`` holds now; a notebook is read as the command line
        reads a ``.ipynb`` file."""
        state = self._state(uri)
        if state is None:
            return None
        version, text = state
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is None:
            return Source(version, text, text, (Part(uri, 1, tuple(split_lines(text))),))
        read = read_notebook(text)
        uris = tuple(cell.document for cell in notebook.cells)
        parts = tuple(Part(uris[cell.number - 1], cell.first, cell.lines, cell.masked) for cell in read.cells)
        return Source(version, text, read.code, parts, read, uris)

    def _check(self, uri: str, source: Source) -> Checked:
        fs_path = to_fs_path(uri) if uri.startswith("file:") else None
        path = Path(fs_path) if fs_path is not None else None
        folder = self._workspace_folder(path)
        config = self._config(folder or (path.parent if path is not None else Path.cwd()))
        display = str(path or uri)
        previous = self._checked.get(uri)
        if previous is not None and previous.source.state == source.state and previous.config == config:
            # Saved after its check, or reopened: nothing to redo.
            return Checked(uri, display, source, config, previous.findings, previous.error)
        if path is not None and editor.is_excluded(config, folder or config.folder or path.parent, path):
            return Checked(uri, display, source, config, [])
        linted = editor.lint(source.code, config, display, source.name_line)
        return Checked(uri, display, source, config, linted.findings, linted.error)

    def _workspace_folder(self, path: Optional[Path]) -> Optional[Path]:
        """The innermost workspace folder holding the file (an unsaved buffer: the first folder)."""
        paths = (to_fs_path(folder.uri) for folder in self.workspace.folders.values())
        folders = [Path(folder) for folder in (*paths, self.workspace.root_path) if folder]
        if path is None:
            return folders[0] if folders else None
        holding = [folder for folder in folders if folder in path.parents]
        return max(holding, key=lambda folder: len(folder.parts)) if holding else None

    def _config(self, start: Path) -> editor.EditorConfig:
        """The configuration ``flake8-detach check`` reads in ``start``, read again for each check
        (an edit of it applies at once); a bad one is shown once and the defaults apply."""
        try:
            config = editor.load_config(start)
        except UsageError as error:
            if str(error) != self._config_error:
                self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"{NAME}: {error}"))
            self._config_error = str(error)
            return editor.EditorConfig()
        self._config_error = None
        return config

    def current(self, uri: str) -> Optional[Checked]:
        """The analysis of the current text of the document ``uri`` (a file or a notebook's cell),
        if it could be analysed."""
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        key = notebook.uri if notebook is not None else uri
        state = self._state(key)  # a notebook is read again only when it changed
        checked = self._checked.get(key)
        if state is None:
            return None
        if checked is None or (checked.version, checked.source.state) != state:
            checked = self.check_now(key)
        return checked if checked is not None and checked.error is None else None

    # Positions: ours are 1-based lines and 0-based columns in characters, in the analysed code;
    # the client's are 0-based lines and columns in its encoding's code units (UTF-16 unless
    # negotiated), in one of its documents (a notebook's: one per cell).

    def _to_client(self, part: Part, position: Position) -> types.Position:
        index = position.line - 1
        line = part.lines[index] if 0 <= index < len(part.lines) else ""
        return types.Position(index, self.workspace.position_codec.client_num_units(line[:position.column]))

    def _range(self, part: Part, start: Position, end: Position) -> types.Range:
        return types.Range(self._to_client(part, start), self._to_client(part, end))

    def _location(self, checked: Checked, start: Position, end: Position) -> Optional[types.Location]:
        """Where ``start`` to ``end`` of the analysed code is in the client's documents; None when
        it is not all in one (the cell headers the code adds) or touches masked IPython syntax."""
        part = checked.part_at(start.line)
        if part is None or not part.holds(end.line):
            return None
        first, last = part.inner(start), part.inner(end)
        if any(line - 1 in part.masked for line in range(first.line, last.line + 1)):
            return None
        return types.Location(part.uri, self._range(part, first, last))

    def _from_client(self, checked: Checked, uri: str, position: types.Position) -> Optional[Position]:
        part = checked.part_of(uri)
        if part is None:
            return None
        ours = self.workspace.position_codec.position_from_client_units(list(part.lines), position)
        return Position(part.first + ours.line, ours.character)

    def _edit(self, checked: Checked, edits: Sequence[Edit]) -> Optional[types.WorkspaceEdit]:
        changes: Dict[str, List[types.TextEdit]] = {}
        for edit in edits:
            location = self._location(checked, edit.start, edit.end)
            if location is None:
                return None
            changes.setdefault(location.uri, []).append(types.TextEdit(location.range, edit.content))
        return types.WorkspaceEdit(changes=changes)

    # What the client shows

    def _diagnostic(self, checked: Checked, finding: Finding) -> Optional[Tuple[str, types.Diagnostic]]:
        """The finding as a diagnostic of the document that holds it."""
        location = self._location(checked, finding.position, finding.end_position)
        if location is None:
            return None
        url = editor.rule_url(finding.code, self._documentation)
        # The steps elsewhere than the diagnostic itself (the conversion step repeats it).
        related = [
            types.DiagnosticRelatedInformation(where, step.message)
            for step in finding.trace if step.position != finding.position
            for where in [self._location(checked, step.position, step.position)] if where is not None
        ]
        return location.uri, types.Diagnostic(
            range=location.range,
            message=finding.message,
            severity=SEVERITY.get(finding.code, types.DiagnosticSeverity.Warning),
            code=finding.code,
            code_description=types.CodeDescription(href=url) if url else None,
            source=NAME,
            related_information=related or None,
        )

    def on_code_action(self, params: types.CodeActionParams) -> List[types.CodeAction]:
        uri = params.text_document.uri
        checked = self.current(uri)
        start = self._from_client(checked, uri, params.range.start) if checked is not None else None
        end = self._from_client(checked, uri, params.range.end) if checked is not None else None
        if checked is None or start is None or end is None:
            return []
        only = params.context.only
        actions = [action for finding in checked.findings if _overlaps(finding, start, end)
                   for action in self._finding_actions(checked, finding)]
        if _wanted(FIX_ALL, only) and checked.fixed:
            changes = {document: [types.TextEdit(self._range(part, edit.start, edit.end), edit.content)]
                       for document, edit in checked.fixed.items()
                       for part in [checked.part_of(document)] if part is not None}
            actions.append(types.CodeAction(f"Fix all safe {NAME} findings in this file", kind=FIX_ALL,
                                            edit=types.WorkspaceEdit(changes=changes)))
        return [action for action in actions if _wanted(action.kind or "", only)]

    def _finding_actions(self, checked: Checked, finding: Finding) -> List[types.CodeAction]:
        diagnostic = self._diagnostic(checked, finding)
        diagnostics = [diagnostic[1]] if diagnostic is not None else None
        actions: List[types.CodeAction] = []
        fix = finding.fix
        edit = self._edit(checked, fix.edits) if fix is not None and is_applicable(fix, unsafe=True) else None
        if fix is not None and edit is not None:
            safe = fix.applicability is Applicability.SAFE
            title = f"{fix.description} ({finding.code})" if safe else f"{fix.description} ({finding.code}, unsafe fix)"
            actions.append(types.CodeAction(title, kind=QUICK_FIX, diagnostics=diagnostics, is_preferred=safe,
                                            edit=edit))
        silence = editor.noqa_edit(checked.lines, checked.noqa, finding)
        silence_edit = self._edit(checked, [silence]) if silence is not None else None
        if silence_edit is not None:
            actions.append(types.CodeAction(f"Add `# noqa: {finding.code}`", kind=QUICK_FIX, diagnostics=diagnostics,
                                            edit=silence_edit))
        return actions

    def on_hover(self, params: types.HoverParams) -> Optional[types.Hover]:
        uri = params.text_document.uri
        checked = self.current(uri)
        at = self._from_client(checked, uri, params.position) if checked is not None else None
        if checked is None or at is None:
            return None
        under = [finding for finding in checked.findings if _overlaps(finding, at, at)]
        location = self._location(checked, under[0].position, under[0].end_position) if under else None
        if location is None:
            return None
        traced = {(finding.position, finding.code): finding for finding in checked.traced}
        under = [traced.get((finding.position, finding.code), finding) for finding in under]
        text = "\n\n---\n\n".join(self._explained(checked, finding) for finding in under)
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text), location.range)

    def _explained(self, checked: Checked, finding: Finding) -> str:
        rule = RULES.get(finding.code)
        title = f"**{finding.code}** {rule.name}" if rule else f"**{finding.code}**"
        url = editor.rule_url(finding.code, self._documentation)
        parts = [f"{title} ([rule]({url}))" if url else title, _markdown(finding.message)]
        name_line = checked.source.name_line
        parts += [f"- {name_line(step.position.line, finding.line)}: {_markdown(step.message)}"
                  for step in finding.trace]
        if finding.fix is not None:
            parts.append(f"Fix ({finding.fix.applicability.value}): {_markdown(finding.fix.description)}")
        return "\n\n".join(parts)


def _uri(params: Union[types.DidOpenTextDocumentParams, types.DidOpenNotebookDocumentParams,
                       types.DidSaveTextDocumentParams, types.DidSaveNotebookDocumentParams,
                       types.DidCloseTextDocumentParams, types.DidCloseNotebookDocumentParams]) -> str:
    """The URI of the file or notebook the event is about."""
    if isinstance(params, (types.DidOpenNotebookDocumentParams, types.DidSaveNotebookDocumentParams,
                           types.DidCloseNotebookDocumentParams)):
        return params.notebook_document.uri
    return params.text_document.uri


def serve() -> None:
    """Serve one client on standard input and output until it exits."""
    DetachServer().start_io()
