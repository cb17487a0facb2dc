"""How long the language server takes to answer, measured from a real client over stdio.

    python benchmarks/lsp_latency.py FILE [--rounds 20]
    python benchmarks/lsp_latency.py FILE --profile    # where a warm re-check spends its time

Starts ``python -m flake8_detach lsp`` (needs ``pip install -e '.[lsp]'``), then times:

* start-up: process start to the answer to ``initialize``;
* first diagnostics: ``didOpen`` of FILE to its diagnostics (cold: imports libcst);
* re-check: an edit (``didChange`` with a comment line inserted in the middle, then
  ``didSave``, which checks at once instead of after the debounce) to the new diagnostics,
  once per round.  Also the server's CPU time per re-check (from /proc, so Linux only),
  which other processes on a busy machine disturb less than the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from flake8_detach.frontends import editor as editing

TIMEOUT = 120.0


def cpu_seconds(pid: int) -> float:
    """User plus system time of the process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def edited(text: str, round_number: int) -> str:
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    return "".join([*lines[:middle], f"# edit {round_number}\n", *lines[middle:]])


def figures(label: str, seconds: Sequence[float]) -> str:
    milliseconds = sorted(1000 * value for value in seconds)
    return (f"{label}: median {statistics.median(milliseconds):.0f} ms, min {milliseconds[0]:.0f}, "
            f"max {milliseconds[-1]:.0f} ({len(milliseconds)} runs)")


async def measure(path: Path, rounds: int) -> None:
    client = LanguageClient("lsp-latency", "1")
    published: "asyncio.Queue[List[types.Diagnostic]]" = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(list(params.diagnostics))

    started = time.perf_counter()
    await client.start_io(sys.executable, "-m", "flake8_detach", "lsp")
    root = path.resolve().parent
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                         root_uri=root.as_uri()))
    print(figures("start-up", [time.perf_counter() - started]))
    client.initialized(types.InitializedParams())

    uri, text = path.resolve().as_uri(), path.read_text()
    opened = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
    diagnostics = await asyncio.wait_for(published.get(), TIMEOUT)
    print(figures("first diagnostics after open", [time.perf_counter() - opened]) + f", {len(diagnostics)} findings")

    pid = client._server.pid  # type: ignore[union-attr]  # the process pygls started
    walls: List[float] = []
    cpu_before = cpu_seconds(pid)
    for round_number in range(1, rounds + 1):
        document = types.VersionedTextDocumentIdentifier(uri=uri, version=round_number + 1)
        change = types.TextDocumentContentChangeWholeDocument(text=edited(text, round_number))
        begun = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(document, [change]))
        client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
        await asyncio.wait_for(published.get(), TIMEOUT)
        walls.append(time.perf_counter() - begun)
    cpu = (cpu_seconds(pid) - cpu_before) / rounds
    print(figures("re-check after an edit", walls) + f"; server CPU {1000 * cpu:.0f} ms per re-check")

    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def profile(path: Path, rounds: int) -> None:
    """cProfile of ``rounds`` warm checks in this process, as the server runs them."""
    text, config = path.read_text(), editing.load_config(path.resolve().parent)
    editing.lint(text, config, str(path))  # warm: libcst and the analysis imported
    profiler = cProfile.Profile()
    profiler.enable()
    for round_number in range(rounds):
        editing.lint(edited(text, round_number), config, str(path))
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="profile warm checks in this process instead")
    options = parser.parse_args(argv)
    if options.profile:
        profile(options.file, options.rounds)
    else:
        asyncio.run(measure(options.file, options.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
