"""A text test that lets files which cannot hold a finding skip parsing altogether.

A finding needs a conversion (``.numpy()`` or a function of a converting
library, which must be imported by name) and a value that may require grad
(something from torch, or a method only modules and parameters have).  Both
marker sets are derived from the API table, so a new entry cannot be hidden.
"""

from __future__ import annotations

from typing import FrozenSet

from flake8_detach import torch_api
from flake8_detach.torch_api import Effect

_GRAD_MEMBER_EFFECTS = {Effect.SOURCE, Effect.MODULE_USE, Effect.MODULE_STATE, Effect.PARAMETERS,
                        Effect.NAMED_PARAMETERS}
_GRAD_NAMESPACE_EFFECTS = {Effect.PROPAGATE, Effect.MODULE, Effect.SOURCE}


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
    return frozenset(_root(name) for name in converting)


def _grad_markers() -> FrozenSet[str]:
    namespaces = {
        _root(name) for name, effect in torch_api.NAMESPACE_DEFAULTS.items() if effect in _GRAD_NAMESPACE_EFFECTS
    }
    members = {f".{name}" for name, effect in torch_api.MEMBERS.items() if effect in _GRAD_MEMBER_EFFECTS}
    return frozenset(namespaces | members | {torch_api.REQUIRES_GRAD_KEYWORD})


CONVERTING_ROOTS = _converting_roots()
CONVERSION_MARKERS = CONVERTING_ROOTS | {torch_api.NUMPY_METHOD}
GRAD_MARKERS = _grad_markers()


def may_have_findings(source: str) -> bool:
    return any(marker in source for marker in CONVERSION_MARKERS) and any(
        marker in source for marker in GRAD_MARKERS
    )
