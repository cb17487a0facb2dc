"""The one entry point every front end calls: source text in, findings out."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import List

from flake8_detach.findings import Finding


class FixStyle(enum.Enum):
    DETACH = "detach"  # t.detach().numpy(): shares memory, the usual idiom
    FORCE = "force"  # t.numpy(force=True): detaches and copies to the CPU


@dataclass(frozen=True)
class Settings:
    fix_style: FixStyle = FixStyle.DETACH


class UnanalysableSource(Exception):
    """The source cannot be analysed (syntax error, nesting too deep...)."""


def check_source(source: str, settings: Settings = Settings()) -> List[Finding]:
    """Every finding in ``source``, of every rule, sorted by position.

    Filtering by code (select/ignore, default-off rules) and ``# noqa`` are the
    front end's business.  Raises ``UnanalysableSource`` when the text cannot
    be analysed.
    """
    raise NotImplementedError
