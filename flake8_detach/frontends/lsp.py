"""``flake8-detach lsp``: a language server over standard input and output, built on pygls.

Diagnostics on open, save and (debounced) change; quick fixes, "fix all safe" and
``# noqa`` as code actions; the explanation on hover.  One process serves the whole
editing session, so libcst and the analysis are imported once and stay loaded.

Documents are synchronised in full (the client sends the whole text on each change):
pygls applies incremental changes with ``str.splitlines``, which also splits at form
feeds and other separators Python does not end lines at, so an incremental copy of a
file holding one would drift from the editor's.

A buffer that cannot be analysed (a syntax error while typing) keeps the diagnostics of
the last version that could, and gets no code action or hover until it parses again:
edits computed on an older text would land in the wrong place.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, TypeVar, Union
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from flake8_detach import __version__
from flake8_detach.findings import Applicability, Edit, Finding, Position
from flake8_detach.frontends import editor
from flake8_detach.frontends.common import UsageError
from flake8_detach.frontends.filtering import Noqa
from flake8_detach.frontends.fixer import is_applicable
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


@dataclass
class Checked:
    """One version of an open document and what ``flake8-detach check`` reports for it."""

    uri: str
    version: Optional[int]
    text: str
    config: editor.EditorConfig
    findings: List[Finding]
    error: Optional[str] = None
    lines: List[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = split_lines(self.text)

    @cached_property
    def noqa(self) -> Noqa:
        return Noqa(self.text)

    @cached_property
    def fixed(self) -> Optional[str]:
        """What ``flake8-detach fix`` writes for this text; None when it changes nothing."""
        if not editor.has_safe_fix(self.findings):
            return None
        return editor.fix_all(self.text, self.config, self.uri)


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


class DetachServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(NAME, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self._checked: Dict[str, Checked] = {}
        self._pending: Dict[str, asyncio.TimerHandle] = {}
        self._config_error: Optional[str] = None
        self._documentation = editor.documentation_base()
        code_actions = types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL])
        self.feature(types.TEXT_DOCUMENT_DID_OPEN)(_handler(self.on_open))
        self.feature(types.TEXT_DOCUMENT_DID_CHANGE)(_handler(self.on_change))
        self.feature(types.TEXT_DOCUMENT_DID_SAVE)(_handler(self.on_save))
        self.feature(types.TEXT_DOCUMENT_DID_CLOSE)(_handler(self.on_close))
        self.feature(types.TEXT_DOCUMENT_CODE_ACTION, code_actions)(_handler(self.on_code_action))
        self.feature(types.TEXT_DOCUMENT_HOVER)(_handler(self.on_hover))

    # Document events

    def on_open(self, params: types.DidOpenTextDocumentParams) -> None:
        self.check_now(params.text_document.uri)

    def on_change(self, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        self._cancel(uri)
        self._pending[uri] = asyncio.get_running_loop().call_later(DEBOUNCE_SECONDS, self.check_now, uri)

    def on_save(self, params: types.DidSaveTextDocumentParams) -> None:
        self.check_now(params.text_document.uri)

    def on_close(self, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        self._cancel(uri)
        self._checked.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def _cancel(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()

    def check_now(self, uri: str) -> Optional[Checked]:
        """Analyse the document as it is now and publish its diagnostics (unless it cannot be analysed)."""
        self._cancel(uri)
        document = self._document(uri)
        if document is None:
            return None
        checked = self._check(uri, document.version, document.source)
        self._checked[uri] = checked
        if checked.error is None:
            diagnostics = [self._diagnostic(checked, finding) for finding in checked.findings]
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=checked.version))
        else:
            self.window_log_message(types.LogMessageParams(
                types.MessageType.Log, f"{NAME}: {uri} not analysed, keeping its diagnostics: {checked.error}"))
        return checked

    def _document(self, uri: str) -> Optional[TextDocument]:
        """The open document (pygls keys them by the unquoted URI)."""
        document: Optional[TextDocument] = self.workspace.text_documents.get(unquote(uri))
        return document

    def _check(self, uri: str, version: Optional[int], text: str) -> Checked:
        fs_path = to_fs_path(uri) if uri.startswith("file:") else None
        path = Path(fs_path) if fs_path is not None else None
        folder = self._workspace_folder(path)
        config = self._config(folder or (path.parent if path is not None else Path.cwd()))
        previous = self._checked.get(uri)
        if previous is not None and previous.text == text and previous.config == config:
            previous.version = version  # saved after its check, or reopened: nothing to redo
            return previous
        if path is not None and editor.is_excluded(config, folder or config.folder or path.parent, path):
            return Checked(uri, version, text, config, [])
        linted = editor.lint(text, config, str(path or uri))
        return Checked(uri, version, text, config, linted.findings, linted.error)

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
        """The analysis of the document's current text, if it could be analysed."""
        document = self._document(uri)
        checked = self._checked.get(uri)
        if document is None:
            return None
        if checked is None or checked.version != document.version or checked.text != document.source:
            checked = self.check_now(uri)
        return checked if checked is not None and checked.error is None else None

    # Positions: ours are 1-based lines and 0-based columns in characters; the client's are
    # 0-based lines and columns in its encoding's code units (UTF-16 unless negotiated).

    def _to_client(self, checked: Checked, position: Position) -> types.Position:
        index = position.line - 1
        line = checked.lines[index] if 0 <= index < len(checked.lines) else ""
        return types.Position(index, self.workspace.position_codec.client_num_units(line[:position.column]))

    def _range(self, checked: Checked, start: Position, end: Optional[Position]) -> types.Range:
        return types.Range(self._to_client(checked, start), self._to_client(checked, end or start))

    def _from_client(self, checked: Checked, position: types.Position) -> Position:
        ours = self.workspace.position_codec.position_from_client_units(checked.lines, position)
        return Position(ours.line + 1, ours.character)

    def _edit(self, checked: Checked, edits: Sequence[Edit]) -> types.WorkspaceEdit:
        text_edits = [types.TextEdit(self._range(checked, edit.start, edit.end), edit.content) for edit in edits]
        return types.WorkspaceEdit(changes={checked.uri: text_edits})

    # What the client shows

    def _diagnostic(self, checked: Checked, finding: Finding) -> types.Diagnostic:
        url = editor.rule_url(finding.code, self._documentation)
        related = [
            types.DiagnosticRelatedInformation(
                types.Location(checked.uri, self._range(checked, step.start, step.end)), step.message)
            for step in editor.explanation(finding, checked.lines)
        ]
        return types.Diagnostic(
            range=self._range(checked, finding.position, finding.end),
            message=finding.message,
            severity=SEVERITY.get(finding.code, types.DiagnosticSeverity.Warning),
            code=finding.code,
            code_description=types.CodeDescription(href=url) if url else None,
            source=NAME,
            related_information=related or None,
        )

    def on_code_action(self, params: types.CodeActionParams) -> List[types.CodeAction]:
        checked = self.current(params.text_document.uri)
        if checked is None:
            return []
        start = self._from_client(checked, params.range.start)
        end = self._from_client(checked, params.range.end)
        only = params.context.only
        actions = [action for finding in checked.findings if _overlaps(finding, start, end)
                   for action in self._finding_actions(checked, finding)]
        if _wanted(FIX_ALL, only) and checked.fixed is not None:
            edit = self._edit(checked, [editor.replacement(checked.text, checked.fixed)])
            actions.append(types.CodeAction(f"Fix all safe {NAME} findings in this file", kind=FIX_ALL, edit=edit))
        return [action for action in actions if _wanted(action.kind or "", only)]

    def _finding_actions(self, checked: Checked, finding: Finding) -> List[types.CodeAction]:
        diagnostics = [self._diagnostic(checked, finding)]
        actions: List[types.CodeAction] = []
        fix = finding.fix
        if fix is not None and is_applicable(fix, unsafe=True):
            safe = fix.applicability is Applicability.SAFE
            title = f"{fix.description} ({finding.code})" if safe else f"{fix.description} ({finding.code}, unsafe fix)"
            actions.append(types.CodeAction(title, kind=QUICK_FIX, diagnostics=diagnostics, is_preferred=safe,
                                            edit=self._edit(checked, fix.edits)))
        silence = editor.noqa_edit(checked.lines, checked.noqa, finding)
        if silence is not None:
            actions.append(types.CodeAction(f"Add `# noqa: {finding.code}`", kind=QUICK_FIX, diagnostics=diagnostics,
                                            edit=self._edit(checked, [silence])))
        return actions

    def on_hover(self, params: types.HoverParams) -> Optional[types.Hover]:
        checked = self.current(params.text_document.uri)
        if checked is None:
            return None
        at = self._from_client(checked, params.position)
        under = [finding for finding in checked.findings if _overlaps(finding, at, at)]
        if not under:
            return None
        text = "\n\n---\n\n".join(self._explained(checked, finding) for finding in under)
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text),
                           self._range(checked, under[0].position, under[0].end))

    def _explained(self, checked: Checked, finding: Finding) -> str:
        rule = RULES.get(finding.code)
        title = f"**{finding.code}** {rule.name}" if rule else f"**{finding.code}**"
        url = editor.rule_url(finding.code, self._documentation)
        parts = [f"{title} ([rule]({url}))" if url else title, _markdown(finding.message)]
        parts += [f"- line {step.start.line}: {_markdown(step.message)}"
                  for step in editor.explanation(finding, checked.lines)]
        if finding.fix is not None:
            parts.append(f"Fix ({finding.fix.applicability.value}): {_markdown(finding.fix.description)}")
        return "\n\n".join(parts)


def serve() -> None:
    """Serve one client on standard input and output until it exits."""
    DetachServer().start_io()
