"""The README's rule reference is generated from the rule modules and cannot drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from frontend_support import load_script

from flake8_detach.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_rule_reference_is_up_to_date() -> None:
    script = load_script("update_readme")
    assert script.generated_readme(README) == README, "run: python scripts/update_readme.py"


@pytest.mark.parametrize("code", list(RULES))
def test_rule_command_prints_the_readme_text(code: str) -> None:
    result = subprocess.run([sys.executable, "-m", "flake8_detach", "rule", code],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() and result.stdout in README


def test_readme_setup_commands_are_the_ones_ci_runs() -> None:
    assert 'pip install -e ".[test]" && python -m pytest' in README
    assert "pip install . && flake8 examples/" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install --quiet --disable-pip-version-check -e ".[test]"' in ci
    assert "python -m pytest" in ci
