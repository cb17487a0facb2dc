"""User settings shared by every front end."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class FixStyle(enum.Enum):
    DETACH = "detach"  # t.detach().numpy(): shares memory, the usual idiom
    FORCE = "force"  # t.numpy(force=True): detaches and copies to the CPU


@dataclass(frozen=True)
class Settings:
    fix_style: FixStyle = FixStyle.DETACH
