"""A call's arguments, evaluated once, by position and by keyword."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst

from flake8_detach import torch_api
from flake8_detach.analysis.values import Value

Entry = Tuple[cst.BaseExpression, Value]


class Arguments:
    """A call's arguments, evaluated once, by position and by keyword."""

    def __init__(self, positional: List[Entry], keywords: Dict[str, Entry], unpacked: bool,
                 elements: bool = False, spread: Optional[Entry] = None) -> None:
        self.positional = positional
        self.keywords = keywords
        self.unpacked = unpacked  # **kwargs: keyword bindings are guesses
        # The values are elements of the expressions (``map(fn, xs)`` calls fn on each of xs):
        # there is no expression to detach for one of them.
        self.elements = elements
        # f(a, *rest) with rest of unknown length: the parameters after ``a`` may get any element
        self.spread = spread
        # ... and ``rest`` itself: the i-th of them gets its i-th element (a wrapper's ``fn(*args)``)
        self.spread_from: Optional[Value] = None
        # entries whose value is an element of their expression (f(*pair)): nothing to detach there
        self.parts: List[Entry] = [spread] if spread else []
        # a closure's captured variables: its factory's parameters as the factory's call bound them
        self.captured: List[Tuple[str, Entry]] = []
        # f(**weights) with keys not known here: what a ``**kwargs`` parameter holds
        self.by_name: List[Entry] = []

    def is_part(self, entry: Entry) -> bool:
        return self.elements or any(part is entry for part in self.parts)

    def values(self) -> List[Value]:
        return [value for _, value in self.all()]

    def all(self) -> List[Entry]:
        return self.positional + ([self.spread] if self.spread else []) + list(self.keywords.values())

    def prepended(self, first: Entry) -> "Arguments":
        """The same arguments after ``first``: a method's receiver, a partial's bound value."""
        arguments = Arguments([first] + self.positional, self.keywords, self.unpacked, self.elements, self.spread)
        arguments.parts, arguments.captured, arguments.spread_from = self.parts, self.captured, self.spread_from
        arguments.by_name = self.by_name
        return arguments

    def with_bound(self, bound: Tuple[Tuple[Optional[str], cst.BaseExpression, Value], ...]) -> "Arguments":
        """These arguments after what ``functools.partial`` bound (positional first, keywords)."""
        positional = [(expr, value) for name, expr, value in bound if name is None] + self.positional
        keywords = {**{name: (expr, value) for name, expr, value in bound if name is not None}, **self.keywords}
        arguments = Arguments(positional, keywords, self.unpacked, self.elements, self.spread)
        arguments.parts, arguments.captured, arguments.spread_from = self.parts, self.captured, self.spread_from
        arguments.by_name = self.by_name
        return arguments

    def after_first(self) -> "Arguments":
        """The positional arguments after the first, alone: what ``checkpoint(fn, *rest)`` passes on."""
        return Arguments(self.positional[1:], {}, self.unpacked)

    def keyword(self, name: str) -> Optional[cst.BaseExpression]:
        entry = self.keywords.get(name)
        return entry[0] if entry else None

    @property
    def first(self) -> Optional[Entry]:
        return self.positional[0] if self.positional else None

    @property
    def first_expression(self) -> Optional[cst.BaseExpression]:
        return self.positional[0][0] if self.positional else None

    @property
    def first_value(self) -> Optional[Value]:
        return self.positional[0][1] if self.positional else None

    @property
    def device(self) -> Optional[Value]:
        """What the ``device=`` keyword says."""
        entry = self.keywords.get(torch_api.DEVICE_KEYWORD)
        return entry[1] if entry else None
