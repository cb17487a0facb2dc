"""What the analysis tells ``explain`` about one conversion site, as places in the source.

The analysis (``analysis/sites.py``) knows the two ends of a chain and a few facts: the converted
expression, where its grad comes from, the branch on which it does, the helper that converts it,
the grad mode at the conversion and where ``.detach()`` would go.  ``build.py`` turns a site into
these plain facts; the def-use walk (``chain.py``) finds the steps in between.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional, Tuple

from flake8_detach.findings import Position


@dataclass(frozen=True)
class Span:
    start: Position
    end: Position


class GradStatus(enum.Enum):
    YES = "yes"  # requires grad (on some path)
    NO = "no"
    UNKNOWN = "unknown"  # depends on what the callers pass


@dataclass(frozen=True)
class OriginFacts:
    span: Span
    description: str  # "output of model call", "created with requires_grad=True"...


@dataclass(frozen=True)
class ConditionFacts:
    test: Span
    holds: bool  # the value requires grad when the test holds


@dataclass(frozen=True)
class HelperFacts:
    """The file's function that converts its parameter, called at the site's ``call``."""

    function_name: str
    parameter: str
    converted: Span  # the converted expression inside the helper
    anchor: Span  # the helper's own conversion


@dataclass(frozen=True)
class SiteFacts:
    anchor: Span  # where the finding points
    call: Span  # the converting call, or the call of the helper
    converted: Span
    consumer: str  # ".numpy()", "np.asarray()", "to_numpy()"
    grad: GradStatus
    grad_mode: str  # "on", "off", "maybe"
    origin: Optional[OriginFacts] = None
    condition: Optional[ConditionFacts] = None
    helper: Optional[HelperFacts] = None
    detach_points: Tuple[Span, ...] = ()
    through_container: bool = False
