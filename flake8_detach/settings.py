"""User settings shared by every front end."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import FrozenSet, Optional


class FixStyle(enum.Enum):
    DETACH = "detach"  # t.detach().numpy(): shares memory, the usual idiom
    FORCE = "force"  # t.numpy(force=True): detaches and copies to the CPU


@dataclass(frozen=True)
class Settings:
    fix_style: FixStyle = FixStyle.DETACH
    # The rule codes whose findings the front end will show; None: every rule.
    rules: Optional[FrozenSet[str]] = None

    def reports(self, code: str) -> bool:
        return self.rules is None or code in self.rules
