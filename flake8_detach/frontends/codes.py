"""The rule codes as the front ends name and select them.

flake8 asks every plugin for its options at start-up, before it knows whether
any file needs analysing; the rule registry imports no libcst, so this costs
nothing on files without conversions (tests/test_flake8_plugin.py checks it).
"""

from __future__ import annotations

from typing import Tuple

from flake8_detach.rules import DEFAULT_OFF, RULES

PREFIX = "DET"
KNOWN_CODES: Tuple[str, ...] = tuple(RULES)
__all__ = ["DEFAULT_OFF", "KNOWN_CODES", "PREFIX", "is_code_or_prefix"]


def is_code_or_prefix(text: str) -> bool:
    """``DET``, ``DET1``, ``DET10`` and ``DET101`` name rules; ``DET9`` and ``E501`` do not."""
    return bool(text) and any(code.startswith(text) for code in KNOWN_CODES)
