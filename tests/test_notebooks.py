"""Notebooks (.ipynb): code cells as one program, IPython syntax, cells in the output, fixes
written back without touching anything else, bad notebooks, and the nbqa route to flake8."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence

import pytest

from flake8_detach.frontends.notebooks import NotebookError, nbqa_line_namer, read_notebook
from frontend_support import Cli, json_findings, run, tool, write

GRAD = "import torch\nx = torch.rand(3, requires_grad=True)\n"


def code(source: str, count: int = 1, outputs: Sequence[Dict[str, Any]] = ()) -> Dict[str, Any]:
    return {"cell_type": "code", "execution_count": count, "metadata": {"tags": ["keep"]},
            "outputs": list(outputs), "source": source}


def markdown(source: str) -> Dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


STREAM = {"name": "stdout", "output_type": "stream", "text": ["x = 1.0e-05\n", "caf\u00e9\n"]}


@dataclass(frozen=True)
class Layout:
    """How a tool writes a notebook: ``render`` gives the exact text of the file."""

    name: str
    indent: Any = 1
    sort_keys: bool = True
    ensure_ascii: bool = False
    lists: bool = True  # source as a list of lines (else one string)
    final_newline: bool = True
    newline: str = "\n"
    bom: bool = False
    separators: Any = None

    def render(self, cells: Sequence[Dict[str, Any]]) -> str:
        if self.lists:
            cells = [{**cell, "source": cell["source"].splitlines(True)} for cell in cells]
        document = {"cells": list(cells), "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
                    "nbformat": 4, "nbformat_minor": 5}
        text = json.dumps(document, indent=self.indent, sort_keys=self.sort_keys, ensure_ascii=self.ensure_ascii,
                          separators=self.separators)
        text = text.replace("\n", self.newline) + (self.newline if self.final_newline else "")
        return ("\ufeff" if self.bom else "") + text


JUPYTER = Layout("jupyter")
LAYOUTS = [
    JUPYTER,
    Layout("strings-indent-2-unsorted-escaped-no-final-newline", indent=2, sort_keys=False, ensure_ascii=True,
           lists=False, final_newline=False),
    Layout("crlf", newline="\r\n"),
    Layout("byte-order-mark", bom=True),
    Layout("tabs", indent="\t"),
    Layout("one-line", indent=None, separators=(",", ":"), final_newline=False),
]


def save(path: Path, cells: Sequence[Dict[str, Any]], layout: Layout = JUPYTER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(layout.render(cells).encode("utf-8"))
    return path


def records(cli: Cli, *args: str) -> List[Dict[str, Any]]:
    result = cli("check", "--output-format", "json", *args)
    assert "Traceback" not in result.err
    return json_findings(result.out)


# --- the code cells as one program ----------------------------------------------------------


MODEL_ACROSS_CELLS = [
    markdown("# A model\n"),
    code("import torch\nimport numpy as np\n%matplotlib inline\n"),
    code("net = torch.nn.Linear(3, 1)\nnet.eval()\n"),
    {"cell_type": "raw", "metadata": {}, "source": "x.numpy()\n"},
    code("out = net(torch.rand(2, 3))\nlosses = []\nlosses.append(out.sum())\n"),
    markdown("Plots"),
    code("print(out.numpy())\nnp.mean(losses)"),
]


def test_values_are_followed_across_cells_and_messages_name_cells(cli: Cli) -> None:
    save(cli.directory / "nb.ipynb", MODEL_ACROSS_CELLS)
    result = cli("check", "nb.ipynb")
    assert result.code == 1
    assert result.lines()[:2] == [
        "nb.ipynb:cell 7:1:11: DET101 [*] .numpy() on a tensor that requires grad (output of model call "
        "'net(torch.rand(2, 3))' on line 1 of cell 5); use .detach().numpy()",
        "nb.ipynb:cell 7:2:1: DET102 np.mean() converts 'losses', which holds tensors that require grad (output "
        "of model call 'net(torch.rand(2, 3))' on line 1 of cell 5); convert '[t.detach() for t in losses]', "
        "or store .item() values in it",
    ]


def test_json_carries_the_cell_of_the_finding_and_of_each_edit(cli: Cli) -> None:
    save(cli.directory / "nb.ipynb", MODEL_ACROSS_CELLS)
    first, second = records(cli, "nb.ipynb")
    assert (first["cell"], first["location"], first["noqa_row"]) == (7, {"row": 1, "column": 11}, 1)
    opening, closing = second["fix"]["edits"]  # np.mean([t.detach() for t in losses]), in cell 7
    assert (second["cell"], opening["cell"], opening["location"]) == (7, 7, {"row": 2, "column": 9})
    assert (closing["cell"], closing["location"]) == (7, {"row": 2, "column": 15})


def test_github_annotations_point_at_the_line_of_the_file(cli: Cli) -> None:
    path = save(cli.directory / "nb.ipynb", MODEL_ACROSS_CELLS)
    first = cli("check", "--output-format", "github", "nb.ipynb").lines()[0]
    line = int(first.split("line=")[1].split("::")[0])
    assert '"print(out.numpy())\\n"' in path.read_text().splitlines()[line - 1]
    assert first.startswith(f"::error title=flake8-detach (DET101),file=nb.ipynb,line={line}::cell 7:1:11: DET101 ")


def test_findings_are_sorted_by_cell_then_line(cli: Cli) -> None:
    cells = [code(GRAD), *(code(f"y{n} = x.numpy()\n") for n in range(12))]
    save(cli.directory / "nb.ipynb", cells)
    assert [record["cell"] for record in records(cli, "nb.ipynb")] == list(range(2, 14))


def test_folders_are_searched_for_notebooks_but_not_jupyter_checkpoints(cli: Cli) -> None:
    save(cli.directory / "b.ipynb", [code(GRAD + "x.numpy()\n")])
    save(cli.directory / "sub/.ipynb_checkpoints/b-checkpoint.ipynb", [code(GRAD + "x.numpy()\n")])
    write(cli.directory / "a.py", GRAD + "x.numpy()\n")
    write(cli.directory / "notes.json", "{}")
    assert [record["filename"] for record in records(cli, ".")] == ["a.py", "b.ipynb"]


def test_standard_input_named_as_a_notebook(tmp_path: Path) -> None:
    text = JUPYTER.render([code(GRAD), code("x.numpy()\n")])
    result = run(tool("check", "--stdin-filename", "nb.ipynb", "-"), tmp_path, text.encode())
    assert result.stdout.decode().startswith("nb.ipynb:cell 2:1:3: DET101")
    fixed = run(tool("fix", "--stdin-filename", "nb.ipynb", "-"), tmp_path, text.encode())
    assert fixed.stdout.decode() == JUPYTER.render([code(GRAD), code("x.detach().numpy()\n")])


# --- IPython syntax ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["%matplotlib inline", "!pip install torch", "files = !ls", "t = %timeit -o f()", "torch.rand?", "??torch.rand",
     "torch.*Tensor?", "/print x", ",print a b", ";print a b", "%load_ext autoreload  # reload"],
)
def test_ipython_lines_are_masked_and_the_rest_of_the_cell_is_checked(cli: Cli, line: str) -> None:
    save(cli.directory / "nb.ipynb", [code(GRAD + line + "\nx.numpy()\n")])
    notebook = read_notebook((cli.directory / "nb.ipynb").read_text())
    assert f"pass  # {line}\n" in notebook.code
    assert [(record["cell"], record["location"]["row"]) for record in records(cli, "nb.ipynb")] == [(1, 4)]


@pytest.mark.parametrize("magic", ["%pylab inline", "%pylab", "  %pylab notebook"])
def test_pylab_runs_its_star_import_so_builtins_and_plots_are_numpy_and_pyplot(cli: Cli, magic: str) -> None:
    """IPython's %pylab runs ``from pylab import *``: ``sum(losses)`` is NumPy's sum, which
    converts the list, and ``plot(losses)`` is pyplot's; without it, both are silent."""
    losses = "import torch\nw = torch.rand(3, requires_grad=True)\nlosses = [w.sum(), (2 * w).sum()]\n"
    save(cli.directory / "nb.ipynb", [code(magic.strip() + "\n" + losses), code("print(sum(losses))\nplot(losses)\n")])
    notebook = read_notebook((cli.directory / "nb.ipynb").read_text())
    assert f"from pylab import *  # {magic.strip()}\n" in notebook.code
    assert [(record["cell"], record["location"]["row"], record["code"]) for record in records(cli, "nb.ipynb")] == [
        (2, 1, "DET102"), (2, 2, "DET102")]
    save(cli.directory / "plain.ipynb", [code(losses), code("print(sum(losses))\n")])
    assert records(cli, "plain.ipynb") == []


@pytest.mark.parametrize(
    "cell",
    [
        "for i in range(2):\n    %time f(i)\n    x.numpy()\n",  # a magic inside a block keeps it non-empty
        "!pip install \\\n    torchvision\nx.numpy()\n",  # a shell command continued by a backslash
        "%%time\nx.numpy()\n",  # a cell magic whose body is Python
        "\n%%capture out\nx.numpy()\n",
    ],
)
def test_ipython_syntax_around_code(cli: Cli, cell: str) -> None:
    save(cli.directory / "nb.ipynb", [code(GRAD), code(cell)])
    assert [record["code"] for record in records(cli, "nb.ipynb")] == ["DET101"]


@pytest.mark.parametrize(
    "cell",
    [
        "y = (1\n     % 2)\n",  # a line continuing brackets is not a magic
        'doc = """\n!not a shell line\n"""\n',
        "z = 7 % 3\n",
        'print("what?")\n',
    ],
)
def test_python_that_looks_like_ipython_is_left_alone(cell: str) -> None:
    notebook = read_notebook(JUPYTER.render([code(cell)]))
    assert notebook.code == "# %% cell 1\n" + cell
    assert notebook.notes == ()


def test_a_cell_indented_as_a_whole_runs_in_ipython_and_is_checked_in_place(cli: Cli) -> None:
    path = save(cli.directory / "nb.ipynb", [code(GRAD), code("  # comment\n  y = x * 2\n\n  y.numpy()\n")])
    (record,) = records(cli, "nb.ipynb")
    assert (record["cell"], record["location"]) == (2, {"row": 4, "column": 5})
    assert cli("fix", "nb.ipynb").code == 0
    assert path.read_text() == JUPYTER.render([code(GRAD), code("  # comment\n  y = x * 2\n\n  y.detach().numpy()\n")])


def test_a_cell_magic_that_is_not_python_makes_the_cell_no_code(cli: Cli) -> None:
    save(cli.directory / "nb.ipynb", [code(GRAD), code("%%bash\nx.numpy()\n"), code("%%writefile a.py\nx.numpy()\n")])
    assert records(cli, "nb.ipynb") == []
    assert cli("check", "nb.ipynb").err == ""


def test_a_cell_that_does_not_parse_is_skipped_with_a_note(cli: Cli) -> None:
    cells = [code(GRAD), code("def broken(:\n    pass\n"), code("x.numpy()\n"), code("a\0b\n")]
    save(cli.directory / "nb.ipynb", cells)
    result = cli("check", "nb.ipynb")
    assert result.code == 1
    assert result.lines()[0].startswith("nb.ipynb:cell 3:1:3: DET101")
    syntax, null = result.err.splitlines()
    assert syntax == ("flake8-detach: nb.ipynb: cell 2 skipped (syntax error: invalid syntax (line 1)); "
                      "the other cells were checked")
    assert null.startswith("flake8-detach: nb.ipynb: cell 4 skipped (") and "null bytes" in null  # worded by Python


def test_a_notebook_of_another_language_is_not_checked(cli: Cli) -> None:
    text = JUPYTER.render([code("x <- c(1, 2)\n")]).replace('"language": "python"', '"language": "R"')
    (cli.directory / "r.ipynb").write_text(text)
    result = cli("check", "r.ipynb")
    assert (result.code, result.err) == (0, "flake8-detach: r.ipynb: not checked: the notebook's language is R\n")


# --- noqa and selection -------------------------------------------------------------------------


def test_noqa_on_a_notebook_line(cli: Cli) -> None:
    save(cli.directory / "nb.ipynb", [code(GRAD), code("x.numpy()  # noqa: DET101\nx.numpy()\n")])
    assert [record["location"]["row"] for record in records(cli, "nb.ipynb")] == [2]
    assert len(records(cli, "--disable-noqa", "nb.ipynb")) == 2
    save(cli.directory / "off.ipynb", [code("# flake8: noqa\n" + GRAD), code("x.numpy()\n")])
    assert records(cli, "off.ipynb") == []
    assert len(records(cli, "--extend-ignore", "DET101", "nb.ipynb")) == 0


# --- fix ------------------------------------------------------------------------------------------


def _cells(fixed: bool) -> List[Dict[str, Any]]:
    conversion = "x.detach().numpy()" if fixed else "x.numpy()"
    return [
        markdown("# Caf\u00e9\n\nNothing to fix here: x.numpy()\n"),
        code(GRAD + "%matplotlib inline\n", 1, [STREAM]),
        code(f'print("\u00e9t\u00e9", {conversion})\ny = 1\n', 2,
             [{"data": {"text/plain": ["1.5"]}, "execution_count": 2, "metadata": {},
               "output_type": "execute_result"}]),
        code("z = 2\n", None),
        code(f"{conversion}", 3),  # no final newline in the cell
    ]


@pytest.mark.parametrize("layout", LAYOUTS, ids=[layout.name for layout in LAYOUTS])
def test_fix_changes_only_the_fixed_source_strings(cli: Cli, layout: Layout) -> None:
    path = save(cli.directory / "nb.ipynb", _cells(fixed=False), layout)
    result = cli("fix", "--show-fixes", "nb.ipynb")
    assert result.code == 0, result.out + result.err
    assert result.lines()[:2] == ["nb.ipynb:cell 3:1:16: DET101 fixed: Insert .detach()",
                                  "nb.ipynb:cell 5:1:3: DET101 fixed: Insert .detach()"]
    assert path.read_bytes() == layout.render(_cells(fixed=True)).encode("utf-8")
    assert cli("fix", "nb.ipynb").code == 0 and path.read_bytes() == layout.render(_cells(fixed=True)).encode("utf-8")


def test_a_list_that_does_not_split_at_lines(cli: Cli) -> None:
    path = save(cli.directory / "nb.ipynb", [code(GRAD + "x.numpy()")])
    lines = '    "import torch\\n",\n    "x = torch.rand(3, requires_grad=True)\\n",\n    "x.numpy()"\n'
    assert lines in path.read_text()
    # As many strings as lines, but not cut at line ends: cut again at line ends, spacing kept.
    odd = '    "import torch\\nx = ", "torch.rand(3, requires_grad=True)\\n", "x.numpy()"\n'
    path.write_text(path.read_text().replace(lines, odd))
    assert cli("fix", "nb.ipynb").code == 0
    assert '"source": [\n    "import torch\\n", "x = torch.rand(3, requires_grad=True)\\n", "x.detach().numpy()"\n' \
        in path.read_text()
    # Fewer strings than lines: the list is written again, spaced as its first string was.
    path.write_text(JUPYTER.render([code(GRAD + "x.numpy()")]).replace(
        lines, '    "import torch\\nx = torch.rand(3, requires_grad=True)\\n",\n    "x.numpy()"\n'))
    assert cli("fix", "nb.ipynb").code == 0
    assert path.read_text() == JUPYTER.render([code(GRAD + "x.detach().numpy()")])


def test_fix_diff_shows_cells_and_writes_nothing(cli: Cli) -> None:
    path = save(cli.directory / "nb.ipynb", _cells(fixed=False))
    before = path.read_bytes()
    result = cli("fix", "--diff", "nb.ipynb")
    assert result.code == 1
    assert result.out == (
        "--- a/nb.ipynb:cell 3\n+++ b/nb.ipynb:cell 3\n@@ -1,2 +1,2 @@\n"
        '-print("\u00e9t\u00e9", x.numpy())\n+print("\u00e9t\u00e9", x.detach().numpy())\n y = 1\n'
        "--- a/nb.ipynb:cell 5\n+++ b/nb.ipynb:cell 5\n@@ -1 +1 @@\n"
        "-x.numpy()\n\\ No newline at end of file\n+x.detach().numpy()\n\\ No newline at end of file\n"
    )
    assert path.read_bytes() == before


def test_fix_leaves_a_cell_that_does_not_parse_as_it_is(cli: Cli) -> None:
    path = save(cli.directory / "nb.ipynb", [code(GRAD), code("x.numpy(\n"), code("x.numpy()\n")])
    assert cli("fix", "nb.ipynb").code == 0
    assert path.read_bytes() == JUPYTER.render([code(GRAD), code("x.numpy(\n"), code("x.detach().numpy()\n")]).encode()


def test_fix_of_a_read_only_notebook_fails_and_changes_nothing(cli: Cli) -> None:
    path = save(cli.directory / "nb.ipynb", [code(GRAD + "x.numpy()\n")])
    before = path.read_bytes()
    path.chmod(stat.S_IRUSR)
    try:
        result = cli("fix", "nb.ipynb")
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert result.code == 2 and "nb.ipynb: the file is read-only" in result.err
    assert path.read_bytes() == before
    assert [name for name in os.listdir(cli.directory) if name != "nb.ipynb"] == []


# --- bad notebooks ------------------------------------------------------------------------------


BAD = [
    pytest.param(b"", 2, "not a notebook: the file is empty", id="empty-file"),
    pytest.param(b'{"cells": [', 2, "not a notebook: invalid JSON (Expecting value at line 1, column 12)",
                 id="invalid-json"),
    pytest.param(b'{"cells": [] "x": 1}', 2,
                 "not a notebook: invalid JSON (Expecting ',' delimiter at line 1, column 14)",
                 id="missing-comma"),
    pytest.param(b'{"cells": []} []', 2, "not a notebook: invalid JSON (Extra data at line 1, column 15)",
                 id="extra-data"),
    pytest.param(b"[1, 2]", 2, "not a notebook: the JSON is not an object", id="array"),
    pytest.param(b'{"nbformat": 3, "worksheets": [{"cells": []}]}', 2,
                 "nbformat 3 is not supported: convert the notebook to nbformat 4 with "
                 "`jupyter nbconvert --to notebook --inplace`", id="nbformat-3"),
    pytest.param(b'{"nbformat": 5, "cells": []}', 2, "nbformat 5 is not supported (only nbformat 4)", id="nbformat-5"),
    pytest.param(b'{"nbformat": 4, "cells": {}}', 2, "not a notebook: it has no list of cells", id="cells-not-a-list"),
    pytest.param(b'{"nbformat": 4, "metadata": {}}', 2, "not a notebook: it has no list of cells", id="no-cells"),
    pytest.param(b'{"cells": [{"cell_type": "code", "source": 3}]}', 2,
                 "cell 1: the source is neither a string nor a list of strings", id="source-not-text"),
    pytest.param(b'{"cells": [{"cell_type": "code", "source": ["a", 1]}]}', 2,
                 "cell 1: the source is neither a string nor a list of strings", id="source-list-not-text"),
    pytest.param(b'{"cells": [], "metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 2,
                 "not a notebook: the JSON is nested too deeply to read", id="deep-json"),
    pytest.param(b'{"cells": [{"cell_type": "code", "source": "\xff"}]}', 2, "cannot decode", id="not-utf-8"),
    pytest.param(b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', 0, "", id="no-cells-at-all"),
    pytest.param(JUPYTER.render([markdown("# Only words\n\nx.numpy()\n")]).encode(), 0, "", id="only-markdown"),
    pytest.param(JUPYTER.render([code(""), code("   \n")]).encode(), 0, "", id="empty-code-cells"),
    pytest.param(b'{"cells": ["not a cell", {"cell_type": "code"}]}', 0, "", id="odd-cells"),
]


@pytest.mark.parametrize("content, status, message", BAD)
@pytest.mark.parametrize("command", [["check"], ["fix"], ["fix", "--diff"]])
def test_bad_notebooks_get_a_clear_message(cli: Cli, content: bytes, status: int, message: str,
                                           command: List[str]) -> None:
    (cli.directory / "nb.ipynb").write_bytes(content)
    result = cli(*command, "nb.ipynb")
    assert result.code == status, result.err
    assert "Traceback" not in result.err + result.out
    problems = [line for line in result.err.splitlines() if line.startswith("flake8-detach: ")]
    assert problems == ([f"flake8-detach: nb.ipynb: {message}"] if message else []) or (
        message == "cannot decode" and problems[0].startswith("flake8-detach: nb.ipynb: cannot decode"))
    assert (cli.directory / "nb.ipynb").read_bytes() == content


def test_a_thousand_cells(cli: Cli) -> None:
    cells: List[Dict[str, Any]] = [code(GRAD)]
    for number in range(2, 1000, 2):
        cells += [markdown(f"Step {number}"), code(f"y{number} = x * {number}\n")]
    cells.append(code("y998.numpy()\n"))
    assert len(cells) == 1000
    save(cli.directory / "nb.ipynb", cells)
    began = time.perf_counter()
    (record,) = records(cli, "nb.ipynb")
    elapsed = time.perf_counter() - began
    assert (record["cell"], record["location"]["row"]) == (1000, 1)
    assert "on line 2 of cell 1)" in record["message"]
    assert cli("fix", "nb.ipynb").code == 0
    assert (cli.directory / "nb.ipynb").read_text().count("y998.detach().numpy()") == 1
    assert elapsed < 30, elapsed  # measured: about 1 s


def test_read_notebook_raises_only_notebook_errors() -> None:
    with pytest.raises(NotebookError, match="invalid JSON"):
        read_notebook('{"cells": [}')


# --- nbqa -----------------------------------------------------------------------------------------

# The temporary file ``nbqa flake8`` (1.9.1) writes for a notebook: a separator line before each code
# cell it hands on (empty cells and cells of magics only are left out), magics replaced by hash(...).
NBQA_FILE = (
    "# %%NBQA-CELL-SEPfe4560\nimport torch\nhash(0xF3861CC2)\n\n\n"
    "# %%NBQA-CELL-SEPfe4560\nnet = torch.nn.Linear(3, 1)\nout = net(torch.rand(2, 3))\n\n\n"
    "# %%NBQA-CELL-SEPfe4560\nprint(out.numpy())\nw = net.weight\nw.numpy()\n"
)


def test_under_nbqa_messages_name_lines_in_cells() -> None:
    name_line = nbqa_line_namer(NBQA_FILE)
    assert name_line is not None
    assert name_line(8, 12) == "line 2 of an earlier cell"
    assert name_line(13, 14) == "line 2 of this cell"
    assert name_line(14, 8) == "line 3 of a later cell"
    assert nbqa_line_namer("import torch\n# %% a cell\n") is None


def test_the_flake8_plugin_under_nbqa(tmp_path: Path) -> None:
    write(tmp_path / "nb_abc123.py", NBQA_FILE)
    result = run([sys.executable, "-m", "flake8", "--select", "DET", "nb_abc123.py"], tmp_path)
    lines = result.stdout.decode().splitlines()
    assert lines == [
        "nb_abc123.py:12:11: DET101 .numpy() on a tensor that requires grad (output of model call "
        "'net(torch.rand(2, 3))' on line 2 of an earlier cell); use .detach().numpy()",
        "nb_abc123.py:14:3: DET101 .numpy() on a tensor that requires grad (parameter 'net.weight' "
        "on line 2 of this cell); use .detach().numpy()",
    ], result.stderr.decode()
