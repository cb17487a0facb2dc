"""Shared by the front-end tests: small programs with known findings, and running the tools."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List, Optional, Sequence, Union

import pytest

from flake8_detach.frontends.cli import main

ROOT = Path(__file__).resolve().parents[1]

# DET101 on line 3, column 3 (1-based); safe fix: x.detach().numpy()
DET101 = "import torch\nx = torch.rand(3, requires_grad=True)\nx.numpy()\n"
DET101_FIXED = "import torch\nx = torch.rand(3, requires_grad=True)\nx.detach().numpy()\n"
# DET102 on line 4; safe fix: np.asarray(x.detach())
DET102 = "import numpy as np\nimport torch\nx = torch.rand(3, requires_grad=True)\ny = np.asarray(x)\n"
DET102_FIXED = "import numpy as np\nimport torch\nx = torch.rand(3, requires_grad=True)\ny = np.asarray(x.detach())\n"
# DET103 (off by default) on line 5; unsafe fix
DET103 = "import torch\n\n\ndef to_numpy(t):\n    return t.cpu().numpy()\n"
DET103_FIXED = "import torch\n\n\ndef to_numpy(t):\n    return t.detach().cpu().numpy()\n"
CLEAN = "import torch\nx = torch.rand(3, requires_grad=True)\nx.detach().numpy()\n"
# Mentions torch and .numpy(), so the checker parses it, and fails.
BROKEN = "import torch\nx = torch.rand(3, requires_grad=True\nx.numpy()\n"


def load_script(name: str) -> ModuleType:
    """A script of ``scripts/`` as a module, to call its functions."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(path: Path, text: str, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode())
    return path


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def lines(self) -> List[str]:
        return self.out.splitlines()


class Cli:
    """Runs ``main`` in this process, in a temporary working directory."""

    def __init__(self, capsys: pytest.CaptureFixture[str], directory: Path) -> None:
        self.capsys = capsys
        self.directory = directory

    def __call__(self, *args: str) -> Result:
        self.capsys.readouterr()
        code = main(list(args))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)


def run(command: Sequence[str], cwd: Path, stdin: Optional[bytes] = None,
        env: Optional[Dict[str, str]] = None) -> "subprocess.CompletedProcess[bytes]":
    return subprocess.run(list(command), cwd=cwd, input=stdin, capture_output=True, timeout=300,
                          env={**os.environ, **(env or {})})


def json_findings(text: Union[str, bytes]) -> List[Dict[str, Any]]:
    """The findings of a ``--output-format json`` document."""
    document = json.loads(text)
    assert document["schema_version"] == 2
    findings: List[Dict[str, Any]] = document["findings"]
    return findings


def tool(*args: str) -> List[str]:
    return [sys.executable, "-m", "flake8_detach", *args]
