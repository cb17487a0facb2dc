"""scripts/new_rule.py: a scaffolded rule is registered, documented, and fails its tests until written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from frontend_support import load_script

ROOT = Path(__file__).resolve().parent.parent


def _copy_of_the_project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "flake8_detach", tmp_path / "flake8_detach",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "tests" / "casefile.py", tmp_path / "casefile.py")
    (tmp_path / "tests" / "cases").mkdir(parents=True)
    return tmp_path


def test_a_scaffolded_rule_is_registered_and_flags_nothing_until_written(tmp_path: Path) -> None:
    root = _copy_of_the_project(tmp_path)
    load_script("new_rule").main(["DET299", "numpy-on-sparse-tensor", "a sparse tensor converted to NumPy",
                                  "--root", str(root)])
    init = (root / "flake8_detach" / "rules" / "__init__.py").read_text()
    assert init.count("det299_numpy_on_sparse_tensor,") == 2  # imported, and in CHECKS
    probe = (
        "from pathlib import Path\n"
        "from casefile import parse_case_file\n"
        "from flake8_detach.checker import check_source\n"
        "from flake8_detach.rules import CHECKS, RULES\n"
        "rule = RULES['DET299']\n"
        "assert [c.RULE.code for c in CHECKS] == sorted(RULES)\n"
        "cases = parse_case_file(Path('tests/cases/numpy_on_sparse_tensor.py'))\n"
        "assert [c.expectations for c in cases] == [((4, 'DET299'),), ()]\n"
        "print(sorted(f.code for f in check_source(rule.invalid[0])))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True,
                            env={"PYTHONPATH": str(root), "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"  # the invalid example is not flagged yet: tests/test_rules.py fails


def test_registration_keeps_code_order_and_refuses_a_second_copy(tmp_path: Path) -> None:
    script = load_script("new_rule")
    text = (ROOT / "flake8_detach" / "rules" / "__init__.py").read_text()
    registered = script.register(text, "det102a_middle")
    assert registered.index("det102a_middle") > registered.index("det102_implicit_conversion")
    assert registered.index("det102a_middle") < registered.index("det103_undecided_conversion")
    root = _copy_of_the_project(tmp_path)
    arguments = ["DET299", "numpy-on-sparse-tensor", "summary", "--root", str(root)]
    script.main(arguments)
    with pytest.raises(SystemExit, match="exists already"):
        script.main(arguments)
