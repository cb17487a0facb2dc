"""``flake8-detach fix``: before/after pairs, --diff, encodings and line endings, safe writing."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import List

import pytest

from flake8_detach.frontends import sources
from flake8_detach.frontends.filtering import Selection
from flake8_detach.findings import Applicability, Edit, Finding, Fix, Position, apply_edits
from flake8_detach.frontends.fixer import FixOutcome, FixRequest, _checked, _collide, choose, fix_source, is_applicable
from flake8_detach.rules import RULES
from flake8_detach.settings import Settings
from frontend_support import (
    BROKEN, CLEAN, DET101, DET101_FIXED, DET102, DET102_FIXED, DET103, DET103_FIXED, Cli, run, tool, write,
)

GRAD = "import torch\nx = torch.rand(3, requires_grad=True)\n"
NET = "import torch\nnet = torch.nn.Linear(3, 1)\nnet.eval()\n"

# The closure converts the list its factory captured; `reader()` passes nothing to rewrite.
CLOSURE_OVER_A_LIST = (
    "import numpy as np\nimport torch\n\n\ndef make_reader(tensors):\n    def read():\n"
    "        return np.concatenate(tensors)\n    return read\n\n\n"
    "kept = [torch.rand(3, requires_grad=True)]\nreader = make_reader(kept)\nreader()\n"
)
HELPER_OF_A_LIST = (
    "import numpy as np\nimport torch\n\n\ndef show(tensors):\n    print(np.concatenate(tensors))\n\n\n"
    "kept = [torch.rand(3, requires_grad=True)]\nshow(kept)\n"
)


PAIRS = [
    pytest.param(DET101, DET101_FIXED, [], id="DET101"),
    pytest.param(GRAD + "y = (x * 2).cpu().numpy()\n", GRAD + "y = (x * 2).detach().cpu().numpy()\n", [],
                 id="DET101-detach-before-cpu"),
    pytest.param(GRAD + 'y = x.to("cpu").numpy()\n', GRAD + 'y = x.detach().to("cpu").numpy()\n', [],
                 id="DET101-detach-before-to"),
    pytest.param(NET + "p = net(torch.rand(2, 3)).numpy()\n", NET + "p = net(torch.rand(2, 3)).detach().numpy()\n", [],
                 id="DET101-model-output"),
    pytest.param(GRAD + "y = (\n    x\n    .cpu()  # move\n    .numpy()\n)\n",
                 GRAD + "y = (\n    x.detach()\n    .cpu()  # move\n    .numpy()\n)\n", [],
                 id="DET101-multi-line-chain-kept"),
    pytest.param(GRAD + "a, b = x.numpy(), (x + 1).numpy()  # two\n",
                 GRAD + "a, b = x.detach().numpy(), (x + 1).detach().numpy()  # two\n", [],
                 id="DET101-two-on-one-line"),
    pytest.param(DET101, GRAD + "x.numpy(force=True)\n", ["--fix-style", "force", "--unsafe-fixes"],
                 id="DET101-force-style"),
    pytest.param(DET101, DET101, ["--fix-style", "force"], id="DET101-force-style-is-unsafe"),
    pytest.param(DET102, DET102_FIXED, [], id="DET102"),
    pytest.param(DET103, DET103, ["--extend-select", "DET103"], id="DET103-unsafe-not-applied"),
    pytest.param(DET103, DET103_FIXED, ["--extend-select", "DET103", "--unsafe-fixes"], id="DET103-unsafe"),
    pytest.param(DET103, DET103, ["--unsafe-fixes"], id="DET103-off-by-default"),
    pytest.param(DET101.replace("x.numpy()", "x.numpy()  # noqa: DET101"),
                 DET101.replace("x.numpy()", "x.numpy()  # noqa: DET101"), [], id="noqa-not-fixed"),
    pytest.param(DET101, DET101, ["--ignore", "DET101"], id="ignored-not-fixed"),
    pytest.param(CLEAN, CLEAN, [], id="clean"),
    pytest.param(CLOSURE_OVER_A_LIST, CLOSURE_OVER_A_LIST, ["--unsafe-fixes"],
                 id="captured-list-not-rewritten-at-the-call"),
    pytest.param(HELPER_OF_A_LIST, HELPER_OF_A_LIST.replace("show(kept)", "show([t.detach() for t in kept])"),
                 ["--unsafe-fixes"], id="list-passed-to-a-helper-detached-entry-by-entry"),
]


@pytest.mark.parametrize("before, after, options", PAIRS)
def test_fix_pairs(cli: Cli, before: str, after: str, options: List[str]) -> None:
    path = write(cli.directory / "a.py", before)
    result = cli("fix", *options, "a.py")
    assert result.code != 2, result.err
    assert path.read_text() == after


def test_fix_reports_what_it_fixed_and_what_remains(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101)
    write(cli.directory / "b.py", DET103)
    result = cli("fix", "--extend-select", "DET103", "--show-fixes", ".")
    assert result.code == 1
    assert "a.py:3:3: DET101 fixed: " in result.out
    assert "b.py:5:20: DET103 .numpy()" in result.out
    assert result.lines()[-1] == (
        "Fixed 1 finding in 1 file; 1 remaining; 1 fixable with `--unsafe-fixes`."
    )


CONTAINER = """\
import numpy as np
import torch
x = torch.rand(3, requires_grad=True)
losses = []
for _ in range(2):
    loss = (x * 2).sum()
    losses.append(loss)
print(np.mean(losses), np.std(losses))
"""


def test_two_findings_sharing_one_fix_apply_it_once(cli: Cli) -> None:
    path = write(cli.directory / "a.py", CONTAINER)
    result = cli("fix", "--unsafe-fixes", "a.py")
    assert result.code == 0, result.out + result.err
    each = "[t.detach() for t in losses]"
    assert path.read_text() == CONTAINER.replace("(losses)", f"({each})")
    assert "Fixed 2 findings in 1 file; 0 remaining." in result.out


def test_colliding_fixes_wait_for_the_next_round() -> None:
    at = Position(3, 1)
    first = Finding("DET101", "a", at, Fix("a", (Edit(at, at, ".detach()"),), Applicability.SAFE))
    same = Finding("DET102", "b", at, Fix("b", (Edit(at, at, ".detach()"),), Applicability.SAFE))
    other = Finding("DET102", "c", at, Fix("c", (Edit(at, at, "[0]"),), Applicability.SAFE))
    unsafe = Finding("DET103", "d", Position(4, 0), Fix("d", (Edit(Position(4, 0), Position(4, 0), "x"),),
                                                        Applicability.UNSAFE))
    chosen, edits = choose([first, same, other, unsafe], unsafe=False)
    assert chosen == [first, same] and edits == [first.fix.edits[0]]  # type: ignore[union-attr]


def test_second_fix_changes_nothing(cli: Cli) -> None:
    path = write(cli.directory / "a.py", DET101 + DET102.replace("import numpy as np\nimport torch\n", ""))
    assert cli("fix", "a.py").code != 2
    once = path.read_bytes()
    again = cli("fix", "a.py")
    assert again.code == 0 and path.read_bytes() == once
    assert again.lines()[-1] == "Nothing to fix; 0 remaining."
    assert cli("fix", "--diff", "a.py").code == 0


def test_diff_writes_nothing(cli: Cli) -> None:
    path = write(cli.directory / "a.py", DET101)
    result = cli("fix", "--diff", "a.py")
    assert result.code == 1
    assert path.read_text() == DET101
    assert result.out.splitlines() == [
        "--- a/a.py", "+++ b/a.py", "@@ -1,3 +1,3 @@",
        " import torch", " x = torch.rand(3, requires_grad=True)", "-x.numpy()", "+x.detach().numpy()",
    ]
    assert "Would fix 1 finding in 1 file; 0 would remain." in result.err


def test_diff_without_final_newline(cli: Cli) -> None:
    write(cli.directory / "a.py", DET101.rstrip("\n"))
    assert cli("fix", "--diff", "a.py").out.endswith("+x.detach().numpy()\n\\ No newline at end of file\n")


def test_fix_stdin_to_stdout(tmp_path: Path) -> None:
    result = run(tool("fix", "-"), tmp_path, DET101.encode())
    assert (result.returncode, result.stdout.decode()) == (0, DET101_FIXED)
    assert b"Fixed 1 finding" in result.stderr
    unchanged = run(tool("fix", "-"), tmp_path, CLEAN.encode())
    assert unchanged.stdout.decode() == CLEAN
    diff = run(tool("fix", "--diff", "--stdin-filename", "m.py", "-"), tmp_path, DET101.encode())
    assert diff.returncode == 1 and b"+++ b/m.py" in diff.stdout
    broken = run(tool("fix", "-"), tmp_path, BROKEN.encode())
    assert (broken.returncode, broken.stdout.decode()) == (2, BROKEN)  # an editor keeps its text
    assert b"stdin: cannot fix: syntax error" in broken.stderr


# --- encodings and line endings ----------------------------------------------------------------


def test_crlf_stays_crlf(cli: Cli) -> None:
    path = write(cli.directory / "a.py", GRAD + "y = (\n    x\n    .numpy()\n)  # tail\n", newline="\r\n")
    assert cli("fix", "a.py").code == 0
    expected = GRAD + "y = (\n    x.detach()\n    .numpy()\n)  # tail\n"
    assert path.read_bytes() == expected.replace("\n", "\r\n").encode()


def test_mixed_line_endings_are_kept(cli: Cli) -> None:
    path = cli.directory / "a.py"
    path.write_bytes(b"import torch\r\nx = torch.rand(3, requires_grad=True)\nx.numpy()\r\n# end\n")
    assert cli("fix", "a.py").code == 0
    assert path.read_bytes() == b"import torch\r\nx = torch.rand(3, requires_grad=True)\nx.detach().numpy()\r\n# end\n"


def test_bom_is_kept(cli: Cli) -> None:
    path = cli.directory / "a.py"
    path.write_bytes(b"\xef\xbb\xbf" + ("# caf\u00e9\n" + DET101).encode())
    assert cli("fix", "a.py").code == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + ("# caf\u00e9\n" + DET101_FIXED).encode()


def test_latin1_encoding_is_kept(cli: Cli) -> None:
    path = cli.directory / "a.py"
    header = "# -*- coding: latin-1 -*-\nlabel = 'caf\u00e9'\n"
    path.write_bytes((header + DET101).encode("latin-1"))
    result = cli("fix", "a.py")
    assert result.code == 0, result.err
    assert path.read_bytes() == (header + DET101_FIXED).encode("latin-1")


# --- files that must not be written ----------------------------------------------------------


def test_unparsable_file_is_left_alone(cli: Cli) -> None:
    path = write(cli.directory / "broken.py", BROKEN)
    result = cli("fix", "broken.py")
    assert result.code == 2
    assert "broken.py: cannot fix: syntax error" in result.err
    assert path.read_text() == BROKEN


def test_a_fix_that_would_not_parse_is_refused() -> None:
    outcome = _checked(DET101, FixOutcome(DET101.replace("x.numpy()", "x.numpy(")))
    assert outcome.text == DET101 and outcome.error and "would not parse" in outcome.error
    refused = _checked("x = (\n", FixOutcome("x = (1)\n"))
    assert refused.error and "does not parse" in refused.error


def test_permissions_are_kept(cli: Cli) -> None:
    path = write(cli.directory / "a.py", DET101)
    path.chmod(0o751)
    assert cli("fix", "a.py").code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert path.read_text() == DET101_FIXED


def test_read_only_file(cli: Cli) -> None:
    path = write(cli.directory / "a.py", DET101)
    path.chmod(0o444)
    result = cli("fix", "a.py")
    assert result.code == 2 and "a.py: the file is read-only" in result.err
    assert path.read_text() == DET101


def test_symlink_is_followed_not_replaced(cli: Cli) -> None:
    target = write(cli.directory / "real.py", DET101)
    link = cli.directory / "link.py"
    link.symlink_to(target)
    assert cli("fix", "link.py").code == 0
    assert link.is_symlink() and target.read_text() == DET101_FIXED


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "a.py", DET101)
    before = sources.read(sources.Target("a.py", path))

    def fail(source: str, destination: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(sources.SourceError, match="No space left"):
        sources.write(path, before, DET101_FIXED)
    monkeypatch.undo()
    assert path.read_text() == DET101 and os.listdir(tmp_path) == ["a.py"]
    sources.write(path, before, DET101_FIXED)
    assert path.read_text() == DET101_FIXED and os.listdir(tmp_path) == ["a.py"]


def test_a_file_changed_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    path = write(tmp_path / "a.py", DET101)
    before = sources.read(sources.Target("a.py", path))
    path.write_text(DET101 + "# edited meanwhile\n")
    with pytest.raises(sources.SourceError, match="changed on disk"):
        sources.write(path, before, DET101_FIXED)
    assert path.read_text() == DET101 + "# edited meanwhile\n"


# --- properties over every rule's own invalid examples -----------------------------------------

EXAMPLES = [pytest.param(example, id=f"{rule.code}-{i}") for rule in RULES.values()
            for i, example in enumerate(rule.invalid)]


def _inserted_only(before: str, after: str) -> bool:
    """``before`` is ``after`` with some text removed: the fix only inserted."""
    rest = iter(after)
    return all(char in rest for char in before)


@pytest.mark.parametrize("example", EXAMPLES)
def test_fix_properties(example: str) -> None:
    request = FixRequest(Settings(), Selection(extend_select=("DET103",)), unsafe=True)
    outcome = fix_source(example, request)
    assert outcome.error is None
    assert outcome.fixed, "every invalid example has a fix"
    compile(outcome.text, "<fixed>", "exec")
    assert _inserted_only(example, outcome.text)
    again = fix_source(outcome.text, request)
    assert again.text == outcome.text and not again.fixed


# The fixer's parts, one behaviour each (found missing by mutation testing).


def _edit(line: int, start: int, end: int, content: str) -> Edit:
    return Edit(Position(line, start), Position(line, end), content)


def test_apply_edits_skips_an_overlapping_edit_and_goes_on() -> None:
    source = "abcdef\n"
    edits = [_edit(1, 4, 6, "X"), _edit(1, 3, 5, "Y"), _edit(1, 0, 1, "Z")]
    assert apply_edits(source, edits) == "Zbcd" + "X\n"


def test_apply_edits_takes_adjacent_edits_and_the_ends_of_the_text() -> None:
    source = "ab\ncd"
    edits = [_edit(1, 0, 0, "<"), _edit(1, 0, 1, "A"), _edit(1, 1, 2, "B"), _edit(2, 2, 2, ">")]
    assert apply_edits(source, edits) == "<AB\ncd>"


def test_collisions() -> None:
    assert not _collide(_edit(1, 0, 2, "a"), _edit(1, 2, 4, "b"))  # adjacent
    assert not _collide(_edit(1, 2, 4, "b"), _edit(1, 0, 2, "a"))
    assert _collide(_edit(1, 0, 3, "a"), _edit(1, 2, 4, "b"))  # overlapping
    assert _collide(_edit(1, 2, 4, "b"), _edit(1, 0, 3, "a"))
    assert not _collide(_edit(1, 0, 1, "a"), _edit(1, 5, 6, "b"))  # apart
    assert _collide(_edit(1, 3, 3, "a"), _edit(1, 3, 3, "b"))  # two insertions at one place


def test_choose_passes_over_findings_it_cannot_fix() -> None:
    at = Position(2, 0)
    unfixable = Finding("DET102", "no fix", at)
    unsafe = Finding("DET103", "unsafe", at, Fix("u", (_edit(1, 0, 0, "u"),), Applicability.UNSAFE))
    safe = Finding("DET101", "safe", at, Fix("s", (_edit(3, 0, 0, "s"),), Applicability.SAFE))
    assert choose([unfixable, unsafe, safe], unsafe=False) == ([safe], [safe.fix.edits[0]])  # type: ignore[union-attr]
    assert not is_applicable(None, unsafe=True)


def test_fix_source_leaves_unanalysable_text_alone_and_says_why() -> None:
    source = "import torch\nx = torch.rand(3, requires_grad=True\nx.numpy()\n"
    outcome = fix_source(source, FixRequest(Settings(), Selection()))
    assert outcome.text == source and outcome.error and outcome.error.startswith("cannot fix: ")


def test_fix_source_with_noqa_disabled_fixes_silenced_findings() -> None:
    source = "import torch\nx = torch.rand(3, requires_grad=True)\nx.numpy()  # noqa: DET101\n"
    kept = fix_source(source, FixRequest(Settings(), Selection()))
    assert kept.text == source and kept.fixed == []
    fixed = fix_source(source, FixRequest(Settings(), Selection(), disable_noqa=True))
    assert fixed.text == source.replace("x.numpy()", "x.detach().numpy()") and len(fixed.fixed) == 1


def test_refusals_name_the_parser_error() -> None:
    refused = _checked("x = (\n", FixOutcome("x = 1\n"))
    assert refused.text == "x = (\n" and refused.error is not None and "(SyntaxError: " in refused.error
