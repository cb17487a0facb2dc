"""End to end: ``flake8-detach lsp`` driven over stdio by pygls's own language client, as an editor would.

One server serves the whole module (it starts in about a second: lsprotocol's import
dominates); each test works on documents of its own.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, TypeVar
from urllib.parse import quote

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from flake8_detach.frontends.cli import main
from flake8_detach.frontends.editor import documentation_base, rule_url
from flake8_detach.frontends.sources import split_lines
from tests.frontend_support import BROKEN, DET101, DET102, DET103, ROOT, tool, write

T = TypeVar("T")
TIMEOUT = 20.0
# DET101 on line 4 (0-based 3), after a character that takes two UTF-16 code units.
EMOJI_DET101 = "import torch\nx = torch.rand(3, requires_grad=True)\n\nlabel = '😀'; y = x.numpy()\n"
NUMPY_COLUMN = len("label = '😀'; y = x.".encode("utf-16-le")) // 2


def apply_text_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """What an editor does with ``edits`` (positions in UTF-16 code units, the default encoding)."""
    lines = split_lines(text)

    def offset(position: types.Position) -> int:
        line = lines[position.line] if position.line < len(lines) else ""
        column = len(line.encode("utf-16-le")[: 2 * position.character].decode("utf-16-le"))
        return sum(map(len, lines[: position.line])) + column

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("flake8-detach-tests", "0")
        self.exit_code: Optional[int] = None

    async def server_exit(self, server: Any) -> None:
        self.exit_code = server.returncode


class Editor:
    """A client on an event loop of its own thread; tests call it synchronously."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = self._call(self._client())
        self.published: Dict[str, "asyncio.Queue[List[types.Diagnostic]]"] = {}
        self.logged: List[str] = []
        self.shown: List[str] = []
        self.texts: Dict[str, str] = {}
        self.versions: Dict[str, int] = {}
        self._call(self._start())

    async def _client(self) -> Client:
        client = Client()

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            self._queue(params.uri).put_nowait(list(params.diagnostics))

        @client.feature(types.WINDOW_LOG_MESSAGE)
        def logged(params: types.LogMessageParams) -> None:
            self.logged.append(params.message)

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def shown(params: types.ShowMessageParams) -> None:
            self.shown.append(params.message)

        return client

    def _queue(self, uri: str) -> "asyncio.Queue[List[types.Diagnostic]]":
        """Made in the client's loop: before Python 3.10 a queue binds the loop current where it
        is made, and the test's own thread has none."""
        if uri not in self.published:
            self.published[uri] = asyncio.Queue()
        return self.published[uri]

    async def _start(self) -> None:
        await self.client.start_io(*tool("lsp"), cwd=str(self.root))
        folder = types.WorkspaceFolder(self.root.as_uri(), "root")
        await self.client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=self.root.as_uri(), workspace_folders=[folder]))
        self.client.initialized(types.InitializedParams())

    def _call(self, coroutine: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await coroutine
        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(TIMEOUT)

    def _notify(self, send: Callable[[Any], None], params: Any) -> None:
        self.loop.call_soon_threadsafe(send, params)

    def stop(self) -> Optional[int]:
        async def stop() -> None:
            await self.client.shutdown_async(None)
            self.client.exit(None)
            await self.client.stop()
        self._call(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)
        return self.client.exit_code

    # What an editor does

    def open(self, path: Path, text: str) -> str:
        uri = path.as_uri()
        self.texts[uri], self.versions[uri] = text, 1
        item = types.TextDocumentItem(uri, "python", 1, text)
        self._notify(self.client.text_document_did_open, types.DidOpenTextDocumentParams(item))
        return uri

    def change(self, uri: str, text: str) -> None:
        self.texts[uri] = text
        self.versions[uri] += 1
        document = types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri])
        change = types.TextDocumentContentChangeWholeDocument(text=text)
        self._notify(self.client.text_document_did_change, types.DidChangeTextDocumentParams(document, [change]))

    def open_notebook(self, path: Path, cells: Sequence[Tuple[str, str]]) -> Tuple[str, List[str]]:
        """Open a notebook of (kind "code" or "markdown", text) cells, as VS Code sends one; its
        URI and its cells' URIs."""
        uri = path.as_uri()
        cell_uris = [f"vscode-notebook-cell:{quote(path.as_posix())}#cell{index}" for index in range(len(cells))]
        kinds = {"code": (types.NotebookCellKind.Code, "python"),
                 "markdown": (types.NotebookCellKind.Markup, "markdown")}
        notebook = types.NotebookDocument(uri, "jupyter-notebook", 1, [
            types.NotebookCell(kinds[kind][0], cell_uri) for cell_uri, (kind, _) in zip(cell_uris, cells)])
        items = [types.TextDocumentItem(cell_uri, kinds[kind][1], 1, text)
                 for cell_uri, (kind, text) in zip(cell_uris, cells)]
        self.versions[uri] = 1
        for cell_uri, (_, text) in zip(cell_uris, cells):
            self.texts[cell_uri], self.versions[cell_uri] = text, 1
        self._notify(self.client.notebook_document_did_open, types.DidOpenNotebookDocumentParams(notebook, items))
        return uri, cell_uris

    def change_cells(self, uri: str, texts: Dict[str, str]) -> None:
        """Replace the text of cells of the notebook ``uri``, in one change of the notebook."""
        self.versions[uri] += 1
        contents = []
        for cell_uri, text in texts.items():
            self.texts[cell_uri] = text
            self.versions[cell_uri] += 1
            contents.append(types.NotebookDocumentCellContentChanges(
                types.VersionedTextDocumentIdentifier(uri=cell_uri, version=self.versions[cell_uri]),
                [types.TextDocumentContentChangeWholeDocument(text=text)]))
        change = types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(text_content=contents))
        params = types.DidChangeNotebookDocumentParams(
            types.VersionedNotebookDocumentIdentifier(self.versions[uri], uri), change)
        self._notify(self.client.notebook_document_did_change, params)

    def apply_to_notebook(self, uri: str, edit: Optional[types.WorkspaceEdit]) -> Dict[str, str]:
        """Apply an edit of the notebook's cells; the changed cells' new texts."""
        assert edit is not None and edit.changes is not None
        texts = {cell_uri: apply_text_edits(self.texts[cell_uri], edits) for cell_uri, edits in edit.changes.items()}
        self.change_cells(uri, texts)
        return texts

    def delete_cell(self, uri: str, index: int, cell_uri: str) -> None:
        """Delete the cell at ``index`` (0-based), whose URI is ``cell_uri``."""
        self.versions[uri] += 1
        structure = types.NotebookDocumentCellChangeStructure(
            types.NotebookCellArrayChange(index, 1), did_close=[types.TextDocumentIdentifier(cell_uri)])
        change = types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(structure=structure))
        params = types.DidChangeNotebookDocumentParams(
            types.VersionedNotebookDocumentIdentifier(self.versions[uri], uri), change)
        self._notify(self.client.notebook_document_did_change, params)

    def close_notebook(self, uri: str, cell_uris: Sequence[str]) -> None:
        params = types.DidCloseNotebookDocumentParams(
            types.NotebookDocumentIdentifier(uri), [types.TextDocumentIdentifier(cell) for cell in cell_uris])
        self._notify(self.client.notebook_document_did_close, params)

    def save(self, uri: str) -> None:
        document = types.TextDocumentIdentifier(uri)
        self._notify(self.client.text_document_did_save, types.DidSaveTextDocumentParams(document))

    def close(self, uri: str) -> None:
        document = types.TextDocumentIdentifier(uri)
        self._notify(self.client.text_document_did_close, types.DidCloseTextDocumentParams(document))

    def apply(self, uri: str, edit: Optional[types.WorkspaceEdit]) -> str:
        assert edit is not None and edit.changes is not None and set(edit.changes) == {uri}
        self.change(uri, apply_text_edits(self.texts[uri], edit.changes[uri]))
        return self.texts[uri]

    def diagnostics(self, uri: str) -> List[types.Diagnostic]:
        """The next diagnostics published for ``uri``."""
        return self._call(self._next(uri))

    async def _next(self, uri: str) -> List[types.Diagnostic]:
        return await asyncio.wait_for(self._queue(uri).get(), TIMEOUT)

    def nothing_published(self, uri: str) -> bool:
        return self._call(self._empty(uri))

    async def _empty(self, uri: str) -> bool:
        return self._queue(uri).empty()

    def actions(self, uri: str, at: types.Range, only: Optional[List[str]] = None) -> List[types.CodeAction]:
        params = types.CodeActionParams(types.TextDocumentIdentifier(uri), at, types.CodeActionContext([], only=only))
        result = self._call(self.client.text_document_code_action_async(params))
        return [action for action in result or [] if isinstance(action, types.CodeAction)]

    def hover(self, uri: str, at: types.Position) -> Optional[types.Hover]:
        params = types.HoverParams(types.TextDocumentIdentifier(uri), at)
        return self._call(self.client.text_document_hover_async(params))


@pytest.fixture(scope="module")
def editor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Editor]:
    running = Editor(tmp_path_factory.mktemp("workspace"))
    yield running
    assert running.stop() == 0  # a clean shutdown: nothing crashed on the way


def fixed_by_cli(tmp_path: Path, text: str) -> str:
    """What ``flake8-detach fix`` writes for ``text``."""
    path = write(tmp_path / "for_the_cli.py", text)
    main(["fix", "--isolated", str(path)])
    return path.read_text()


def action(actions: List[types.CodeAction], title_part: str) -> types.CodeAction:
    (found,) = [candidate for candidate in actions if title_part in candidate.title]
    return found


def test_diagnostic_then_quick_fix(editor: Editor, tmp_path: Path) -> None:
    uri = editor.open(editor.root / "quick fix+1.py", EMOJI_DET101)  # the URI quotes both
    (diagnostic,) = editor.diagnostics(uri)
    assert (diagnostic.code, diagnostic.source) == ("DET101", "flake8-detach")
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.range == types.Range(types.Position(3, NUMPY_COLUMN), types.Position(3, NUMPY_COLUMN + 5))
    assert diagnostic.message.startswith(".numpy() on a tensor that requires grad")
    url = rule_url("DET101", documentation_base())
    assert (diagnostic.code_description.href if diagnostic.code_description else None) == url
    (source,) = diagnostic.related_information or ()
    assert source.location.uri == uri
    # The trace places a step by where it starts: torch.rand(...)
    assert source.location.range == types.Range(types.Position(1, 4), types.Position(1, 4))
    assert source.message == "requires grad: created with requires_grad=True 'torch.rand(3, requires_grad=True)'"

    actions = editor.actions(uri, diagnostic.range)
    fix = action(actions, "Insert .detach()")
    assert fix.is_preferred and fix.kind == types.CodeActionKind.QuickFix
    assert fix.diagnostics and fix.diagnostics[0].code == "DET101"
    text = editor.apply(uri, fix.edit)
    assert editor.diagnostics(uri) == []
    assert text == fixed_by_cli(tmp_path, EMOJI_DET101)


def test_fix_all_safe_writes_what_fix_writes(editor: Editor, tmp_path: Path) -> None:
    original = (ROOT / "examples" / "evaluate.py").read_text()
    uri = editor.open(editor.root / "evaluate.py", original)
    diagnostics = editor.diagnostics(uri)
    assert [d.code for d in diagnostics] == ["DET101", "DET102", "DET102", "DET101"]
    unsafe = action(editor.actions(uri, diagnostics[1].range), "unsafe")
    assert not unsafe.is_preferred

    (fix_all,) = editor.actions(uri, diagnostics[0].range, only=[types.CodeActionKind.SourceFixAll])
    assert fix_all.kind == "source.fixAll.flake8-detach"
    text = editor.apply(uri, fix_all.edit)
    assert text == fixed_by_cli(tmp_path, original)
    assert [d.code for d in editor.diagnostics(uri)] == ["DET102", "DET102"]  # the unsafe ones stay


def test_add_noqa(editor: Editor) -> None:
    uri = editor.open(editor.root / "noqa.py", DET101)
    (diagnostic,) = editor.diagnostics(uri)
    silence = action(editor.actions(uri, diagnostic.range), "noqa")
    assert silence.title == "Add `# noqa: DET101`" and not silence.is_preferred
    text = editor.apply(uri, silence.edit)
    assert text.splitlines()[2] == "x.numpy()  # noqa: DET101"
    assert editor.diagnostics(uri) == []


def test_hover_explains_the_finding(editor: Editor) -> None:
    uri = editor.open(editor.root / "hover.py", DET101)
    (diagnostic,) = editor.diagnostics(uri)
    hover = editor.hover(uri, diagnostic.range.start)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown and hover.range == diagnostic.range
    assert "**DET101** numpy-on-grad-tensor" in hover.contents.value
    assert "- line 2: requires grad: " in hover.contents.value
    assert "Fix (safe): Insert .detach()" in hover.contents.value
    assert editor.hover(uri, types.Position(0, 0)) is None


HELPER = ("import torch\n\n\ndef to_numpy(t):\n    return t.numpy()\n\n\n"
          "model = torch.nn.Linear(3, 1)\nout = model(torch.rand(2, 3))\narr = to_numpy(out)\n")


def test_the_trace_through_a_helper(editor: Editor) -> None:
    uri = editor.open(editor.root / "helper.py", HELPER)
    (diagnostic,) = editor.diagnostics(uri)
    assert diagnostic.range.start == types.Position(9, 6)  # to_numpy(out)
    # Every step of the finding's trace but the diagnostic's own, in the trace's order.
    related = [(info.location.range.start, info.message) for info in diagnostic.related_information or ()]
    assert related == [(types.Position(8, 6), "requires grad: output of model call 'model(torch.rand(2, 3))'"),
                       (types.Position(4, 13), ".numpy() converts the parameter 't'")]
    hover = editor.hover(uri, diagnostic.range.start)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    steps = [line for line in hover.contents.value.splitlines() if line.startswith("- line")]
    # hover shows the whole chain, as `flake8-detach explain` does
    assert steps == ["- line 9: requires grad: 'model(torch.rand(2, 3))' (output of model call, AddmmBackward0)",
                     "- line 9: value: 'out = model(torch.rand(2, 3))' (assigned to 'out')",
                     "- line 4: argument: 't' (parameter 't' of to\\_numpy())",
                     "- line 5: converted: 't.numpy()' (to\\_numpy() converts its parameter 't')"]


def test_save_checks_at_once_and_close_clears(editor: Editor) -> None:
    uri = editor.open(editor.root / "saved.py", DET101)
    first = editor.diagnostics(uri)
    editor.save(uri)
    assert editor.diagnostics(uri) == first
    editor.close(uri)
    assert editor.diagnostics(uri) == []


def test_a_buffer_that_does_not_parse_keeps_its_diagnostics(editor: Editor) -> None:
    uri = editor.open(editor.root / "typing.py", DET101)
    (diagnostic,) = editor.diagnostics(uri)
    editor.change(uri, BROKEN)  # mid-typing: an unclosed parenthesis
    assert editor.actions(uri, diagnostic.range) == []  # asks the server to check the text now
    assert editor.hover(uri, diagnostic.range.start) is None
    assert editor.nothing_published(uri)  # the last diagnostics stay
    assert any(uri in message and "syntax error" in message for message in editor.logged)
    editor.change(uri, DET101.replace("x.numpy()", "x.detach().numpy()"))
    assert editor.diagnostics(uri) == []


def test_the_configuration_of_the_cli(editor: Editor, tmp_path: Path) -> None:
    project = tmp_path / "project"  # outside the workspace: the file's own folder is where `check` runs
    write(project / "pyproject.toml", '[tool.flake8-detach]\nextend-select = ["DET103"]\nexclude = ["generated"]\n')
    uri = editor.open(write(project / "helpers.py", DET103), DET103)
    (diagnostic,) = editor.diagnostics(uri)
    assert (diagnostic.code, diagnostic.severity) == ("DET103", types.DiagnosticSeverity.Warning)
    generated = editor.open(write(project / "generated" / "model.py", DET101), DET101)
    assert editor.diagnostics(generated) == []

    broken = tmp_path / "broken"
    write(broken / "pyproject.toml", '[tool.flake8-detach]\nfix-style = "sideways"\n')
    uri = editor.open(write(broken / "train.py", DET101), DET101)
    assert [d.code for d in editor.diagnostics(uri)] == ["DET101"]  # the defaults
    assert any("fix-style" in message for message in editor.shown)


# The model is made in cell 2, called in cell 3 and its output converted in cell 4, after a
# two-code-unit character; IPython syntax in cells 2 and 3; no newline at the end of cell 4.
NOTEBOOK = [
    ("markdown", "# Training\n"),
    ("code", "%matplotlib inline\nimport torch\nmodel = torch.nn.Linear(3, 1)\n"),
    ("code", "!nvidia-smi\nx = torch.rand(2, 3)\ny = model(x)\n"),
    ("code", "label = '😀'; arr = y.numpy()"),
]
NOTEBOOK_NUMPY_COLUMN = len("label = '😀'; arr = y.".encode("utf-16-le")) // 2


def fixed_notebook_by_cli(tmp_path: Path, cells: Sequence[Tuple[str, str]]) -> List[str]:
    """The cells' sources after ``flake8-detach fix`` of the notebook as a file."""
    document = {"cells": [{"cell_type": kind, "metadata": {}, "source": text,
                           **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                          for kind, text in cells],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = write(tmp_path / "for_the_cli.ipynb", json.dumps(document))
    main(["fix", "--isolated", str(path)])
    return ["".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]]


def test_a_notebook_is_checked_across_cells(editor: Editor, tmp_path: Path) -> None:
    uri, cells = editor.open_notebook(editor.root / "train nb.ipynb", NOTEBOOK)
    assert [editor.diagnostics(cell) for cell in cells[:3]] == [[], [], []]
    (diagnostic,) = editor.diagnostics(cells[3])
    assert diagnostic.code == "DET101" and "on line 3 of cell 3" in diagnostic.message
    assert diagnostic.range == types.Range(types.Position(0, NOTEBOOK_NUMPY_COLUMN),
                                           types.Position(0, NOTEBOOK_NUMPY_COLUMN + 5))
    (source,) = diagnostic.related_information or ()
    assert source.location.uri == cells[2] and source.location.range.start == types.Position(2, 4)  # model(x)
    assert source.message.startswith("requires grad: output of model call")
    hover = editor.hover(cells[3], diagnostic.range.start)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "- line 3 of cell 3: requires grad: " in hover.contents.value
    assert editor.hover(cells[2], types.Position(2, 4)) is None

    silence = action(editor.actions(cells[3], diagnostic.range), "noqa")
    assert silence.edit is not None and silence.edit.changes is not None and set(silence.edit.changes) == {cells[3]}
    fix = action(editor.actions(cells[3], diagnostic.range), "Insert .detach()")
    assert fix.is_preferred
    assert editor.apply_to_notebook(uri, fix.edit) == {cells[3]: "label = '😀'; arr = y.detach().numpy()"}
    assert [editor.diagnostics(cell) for cell in cells] == [[], [], [], []]
    editor.close_notebook(uri, cells)
    assert [editor.diagnostics(cell) for cell in cells] == [[], [], [], []]

    uri, cells = editor.open_notebook(editor.root / "fix all.ipynb", NOTEBOOK)
    (diagnostic,) = [d for cell in cells for d in editor.diagnostics(cell)]
    (fix_all,) = editor.actions(cells[3], diagnostic.range, only=[types.CodeActionKind.SourceFixAll])
    editor.apply_to_notebook(uri, fix_all.edit)
    assert [editor.texts[cell] for cell in cells] == fixed_notebook_by_cli(tmp_path, NOTEBOOK)


def test_a_notebook_cell_that_does_not_parse_is_left_out(editor: Editor) -> None:
    uri, cells = editor.open_notebook(editor.root / "typing.ipynb", [*NOTEBOOK, ("code", "z = 1\n")])
    published = [editor.diagnostics(cell) for cell in cells]
    assert [len(diagnostics) for diagnostics in published] == [0, 0, 0, 1, 0]
    editor.change_cells(uri, {cells[4]: "z = (\n"})  # mid-typing: the others are still checked
    assert [editor.diagnostics(cell) for cell in cells] == published
    assert any(uri in message and "cell 5 skipped (syntax error" in message for message in editor.logged)
    editor.delete_cell(uri, 3, cells[3])  # the conversion's cell: its diagnostics are cleared
    assert editor.diagnostics(cells[3]) == []


def test_fix_all_leaves_what_per_file_ignores_hide(editor: Editor, tmp_path: Path) -> None:
    project = tmp_path / "ignoring"
    write(project / "pyproject.toml", '[tool.flake8-detach]\nper-file-ignores = {"scripts/*" = ["DET102"]}\n')
    both = DET102 + "x.numpy()\n"
    uri = editor.open(write(project / "scripts" / "mixed.py", both), both)
    (diagnostic,) = editor.diagnostics(uri)
    assert diagnostic.code == "DET101"
    (fix_all,) = editor.actions(uri, diagnostic.range, only=[types.CodeActionKind.SourceFixAll])
    assert editor.apply(uri, fix_all.edit) == DET102 + "x.detach().numpy()\n"  # np.asarray(x) stays


def test_the_command_says_how_to_install_the_extra(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delitem(sys.modules, "flake8_detach.frontends.lsp", raising=False)
    for module in ("lsprotocol", "pygls"):
        monkeypatch.setitem(sys.modules, module, None)
    assert main(["lsp"]) == 2
    assert "pip install 'flake8-detach[lsp]'" in capsys.readouterr().err
