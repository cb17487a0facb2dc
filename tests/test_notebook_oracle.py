"""The run-time oracle for notebooks: real tutorial notebooks, each with one conversion bug added
across cells (tests/notebooks/README.md says where they come from).

Each notebook's code cells are executed in order in one namespace, as Jupyter
runs them, with IPython's lines (``%magic``, ``!shell``, ``obj?``) blanked out:

1. as it is: the run must raise "Can't call numpy() on Tensor that requires
   grad" through the cell and line of the label, and ``flake8-detach check``
   must report exactly that label;
2. after ``flake8-detach fix --unsafe-fixes``: the run must complete, the check
   must find nothing, and the file must differ from the original only by the
   ``.detach()`` the fix inserted into code cells' sources (outputs, execution
   counts and metadata unchanged).

torch is imported at the top on purpose: without it this module must fail, not skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402
from case_runner import fresh_interpreter_state  # noqa: E402
from frontend_support import ROOT, Cli, json_findings  # noqa: E402

GRAD_ERROR = "Can't call numpy() on Tensor that requires grad"
FOLDER = ROOT / "tests" / "notebooks"


@dataclass(frozen=True)
class Label:
    """The added bug: where it raises (cell numbered over all cells, line in the cell) and its code."""

    cell: int
    line: int
    code: str


LABELS = {
    "morvan_301_regression.ipynb": Label(11, 2, "DET101"),
    "seq2seq_attention.ipynb": Label(13, 1, "DET101"),
    "spiral_classification.ipynb": Label(9, 1, "DET102"),
}


def _runnable(source: str) -> str:
    """The cell's code with IPython's lines blanked (line numbers kept)."""
    lines = source.split("\n")
    return "\n".join("" if line.lstrip().startswith(("%", "!")) or line.rstrip().endswith("?") else line
                     for line in lines)


def _code_cells(path: Path) -> List[Tuple[int, str]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(number, _runnable("".join(cell["source"])))
            for number, cell in enumerate(cells, start=1) if cell["cell_type"] == "code"]


def _run(path: Path) -> Optional[BaseException]:
    """Execute the code cells in order in a fresh namespace; the exception that stopped them, if any."""
    namespace: Dict[str, Any] = {"__name__": "__main__"}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: a second thread only waits for the first on a busy machine
    try:
        with fresh_interpreter_state():
            for number, code in _code_cells(path):
                exec(compile(code, f"<cell {number}>", "exec"), namespace)
    except Exception as error:  # judged by the caller
        return error
    finally:
        torch.set_num_threads(threads)
    return None


def _cell_frames(error: BaseException) -> List[Tuple[int, int]]:
    """(cell, line) of each frame of the error's traceback that is in a cell."""
    return [(int(frame.filename[6:-1]), frame.lineno or 0)
            for frame in traceback.extract_tb(error.__traceback__) if frame.filename.startswith("<cell ")]


def _reported(cli: Cli, path: Path, *options: str) -> List[Tuple[int, int, str]]:
    result = cli("check", "--output-format", "json", *options, str(path))
    assert result.code in (0, 1), result.err
    return [(record["cell"], record["location"]["row"], record["code"]) for record in json_findings(result.out)]


def test_every_notebook_has_a_label() -> None:
    assert sorted(LABELS) == sorted(path.name for path in FOLDER.glob("*.ipynb"))


@pytest.mark.parametrize("name", sorted(LABELS))
def test_the_label_is_what_running_the_notebook_raises_and_what_check_reports(cli: Cli, name: str) -> None:
    path, label = FOLDER / name, LABELS[name]
    error = _run(path)
    assert isinstance(error, RuntimeError) and GRAD_ERROR in str(error), (
        f"{name}: expected the grad error, got {error!r}")
    assert (label.cell, label.line) in _cell_frames(error), (
        f"{name}: raised through {_cell_frames(error)}, not through cell {label.cell}, line {label.line}")
    assert _reported(cli, path) == [(label.cell, label.line, label.code)]


def _without_sources(document: Dict[str, Any]) -> Dict[str, Any]:
    cells = [{key: value for key, value in cell.items() if key != "source"} for cell in document["cells"]]
    return {**document, "cells": cells}


_DETACH_EACH = re.compile(r"\[t\.detach\(\) for t in ([^\]]*)\]")


def _undetached(line: str) -> str:
    """The line as it was before a fix: no .detach(), no list converted entry by entry."""
    return _DETACH_EACH.sub(r"\1", line).replace(".detach()", "")


@pytest.mark.parametrize("name", sorted(LABELS))
def test_the_fixed_notebook_runs_and_keeps_everything_but_the_fixed_lines(cli: Cli, name: str) -> None:
    original = FOLDER / name
    path = cli.directory / name
    shutil.copyfile(original, path)
    result = cli("fix", "--unsafe-fixes", name)
    assert result.code == 0, result.out + result.err
    assert _reported(cli, path) == []
    error = _run(path)
    assert error is None, f"{name}: the fixed notebook still fails:\n" + "".join(
        traceback.format_exception(type(error), error, error.__traceback__))
    before, after = original.read_text(encoding="utf-8"), path.read_text(encoding="utf-8")
    assert _without_sources(json.loads(after)) == _without_sources(json.loads(before))
    old_lines, new_lines = before.split("\n"), after.split("\n")
    assert len(old_lines) == len(new_lines)
    changed = [(old, new) for old, new in zip(old_lines, new_lines) if old != new]
    assert changed and all(_undetached(new) == old for old, new in changed), changed
    assert os.stat(path).st_mode == os.stat(original).st_mode
