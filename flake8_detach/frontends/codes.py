"""The rule codes, importable without libcst.

flake8 asks every plugin for its options at start-up, before it knows whether
any file needs analysing, so the default-off codes must be known without
importing ``flake8_detach.rules`` (whose checks import libcst, ~0.2 s).  These
constants mirror the rule table; ``tests/test_cli.py`` checks that they agree.
"""

from __future__ import annotations

from typing import Tuple

PREFIX = "DET"
KNOWN_CODES: Tuple[str, ...] = ("DET101", "DET102", "DET103")
DEFAULT_OFF: Tuple[str, ...] = ("DET103",)


def is_code_or_prefix(text: str) -> bool:
    """``DET``, ``DET1``, ``DET10`` and ``DET101`` name rules; ``DET9`` and ``E501`` do not."""
    return bool(text) and any(code.startswith(text) for code in KNOWN_CODES)
