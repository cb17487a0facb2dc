"""``replace`` for the analysis's frozen records (values, sites, writes), without the checks.

The analysis copies ``Value`` (23 fields) tens of thousands of times per file with one or two
fields changed; ``dataclasses.replace`` calls ``__init__`` through every field's ``getattr``,
which was the analysis's largest single cost.  This one copies the instance's dictionary.  The
type checker sees ``dataclasses.replace`` itself, so field names and types are still checked at
every call; the records it is used for have no ``__post_init__``, no ``init=False`` field and
no ``__slots__`` (``tests/test_scope.py`` checks the copies against ``dataclasses.replace``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataclasses import replace as replace
else:

    def replace(record: Any, /, **changes: Any) -> Any:
        """A copy of ``record`` with ``changes``."""
        fields = dict(record.__dict__)
        fields.update(changes)
        copy = object.__new__(type(record))
        object.__setattr__(copy, "__dict__", fields)
        return copy
