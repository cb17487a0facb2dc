"""A text test that lets files which cannot hold a finding skip parsing altogether.

Each rule declares its ``Triggers``: the kinds of site it judges (conversions) and the text
any fact it needs must show (a grad source, a device).  A file is analysed only when, for some
enabled rule, both appear: a site marker (``.numpy`` or a converting library, which must be
imported by name) and one of the rule's fact markers.  Every marker set is derived from the API
table, so a new entry cannot be hidden.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, FrozenSet, Iterable, Mapping, Optional

from flake8_detach import torch_api
from flake8_detach.analysis.sites import SiteKind
from flake8_detach.torch_api import Effect

if TYPE_CHECKING:
    from flake8_detach.settings import Settings

_GRAD_MEMBER_EFFECTS = {Effect.SOURCE, Effect.MODULE_USE, Effect.MODULE_STATE, Effect.PARAMETERS,
                        Effect.NAMED_PARAMETERS}
_GRAD_NAMESPACE_EFFECTS = {Effect.PROPAGATE, Effect.MODULE, Effect.SOURCE}


class Fact(enum.Enum):
    """A kind of fact a rule's findings need, born at a seed and carried to the site
    (``analysis/reach.py`` follows each with its own seeds and cuts)."""

    GRAD = "grad"
    DEVICE = "device"


@dataclass(frozen=True)
class SiteMarkers:
    """How a kind of site shows in text: a name imported from one of ``roots``, or ``.attribute``."""

    roots: FrozenSet[str]
    attributes: FrozenSet[str]
    text: FrozenSet[str] = field(init=False)  # either, as a text test looks for it

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", self.roots | self.attributes)


@dataclass(frozen=True)
class Triggers:
    """What a rule watches: the sites it judges, and text without which none of its facts can hold.

    ``flows_from`` is the kind of fact every finding of the rule needs, when there is one: such a
    fact is born at a seed and must flow to the site, which ``analysis/reach.py`` decides on the
    file's ``ast`` before anything is parsed again.  None for a rule that also reports values
    nothing is known about (DET103)."""

    sites: FrozenSet[SiteKind]
    facts: FrozenSet[str]
    flows_from: Optional[Fact] = None
    # The fact markers count only as words of their own ("use_cuda", "cuda:0"; not "inputs" for "npu").
    whole_words: bool = False

    def may_fire(self, source: str) -> bool:
        if not any(marker in source for marker in markers_of(self.sites).text):
            return False
        if self.whole_words:
            return torch_api.whole_words(self.facts).search(source) is not None
        return any(marker in source for marker in self.facts)


@functools.lru_cache(maxsize=None)
def markers_of(sites: FrozenSet[SiteKind]) -> SiteMarkers:
    """How any of these kinds of site shows in text (built once per set of kinds)."""
    markers = [SITE_MARKERS[kind] for kind in sites]
    return SiteMarkers(frozenset().union(*(m.roots for m in markers)),
                       frozenset().union(*(m.attributes for m in markers)))


def _root(qualified_name: str) -> str:
    return qualified_name.split(".", 1)[0]


def _converting_roots() -> FrozenSet[str]:
    """The top-level packages whose functions may convert a tensor (numpy, matplotlib...)."""
    converting = {name for name, effect in torch_api.NAMESPACE_DEFAULTS.items() if effect is Effect.CONVERTS}
    converting |= {
        name
        for name, effect in torch_api.QUALIFIED.items()
        if effect in (Effect.CONVERTS, Effect.CONSUMER_FACTORY, Effect.CONSUMER_PAIR_FACTORY)
    }
    converting |= set(torch_api.STAR_IMPORTS)  # from pylab import *: plot(t) converts
    return frozenset(_root(name) for name in converting)


def _grad_markers() -> FrozenSet[str]:
    namespaces = {
        _root(name) for name, effect in torch_api.NAMESPACE_DEFAULTS.items() if effect in _GRAD_NAMESPACE_EFFECTS
    }
    members = {f".{name}" for name, effect in torch_api.MEMBERS.items() if effect in _GRAD_MEMBER_EFFECTS}
    return frozenset(namespaces | members | {torch_api.REQUIRES_GRAD_KEYWORD})


def _device_markers() -> FrozenSet[str]:
    """A tensor leaves the host only where the file names an accelerator ("cuda", ``.cuda()``)."""
    return torch_api.ACCELERATOR_DEVICES


CONVERTING_ROOTS = _converting_roots()
SITE_MARKERS: Mapping[SiteKind, SiteMarkers] = {
    SiteKind.CONVERSION: SiteMarkers(CONVERTING_ROOTS, frozenset({torch_api.NUMPY_METHOD})),
}
# The facts rules need: a value that may require grad (something from torch, or a method only
# modules and parameters have), or a tensor that may be on an accelerator.
GRAD_MARKERS = _grad_markers()
DEVICE_MARKERS = _device_markers()


def enabled_triggers(settings: Optional["Settings"] = None) -> FrozenSet[Triggers]:
    """The triggers of the rules ``settings`` reports (every rule without settings)."""
    from flake8_detach.rules import CHECKS

    return frozenset(check.RULE.triggers for check in CHECKS
                     if settings is None or settings.reports(check.RULE.code))


def watched_sites(triggers: Iterable[Triggers]) -> FrozenSet[SiteKind]:
    return frozenset().union(*(trigger.sites for trigger in triggers))


def may_have_findings(source: str, triggers: Optional[Iterable[Triggers]] = None) -> bool:
    """Whether some rule (of ``triggers``; by default every rule) may fire in ``source``."""
    return any(trigger.may_fire(source) for trigger in (enabled_triggers() if triggers is None else triggers))
