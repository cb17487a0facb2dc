"""Which entries of the API table (flake8_detach/torch_api.py) a test needs.

Each entry is removed in turn and the checker is run over the case tables
(tests/cases/*.py) and the rules' own examples, with the prefilter and the
relevance pass off (they are shortcuts, tested on their own).  An entry is
*needed* when removing it makes the checker wrong on a case it gets right with
the entry: a missing or an extra finding.  The entries no case needs are
printed; each is either a fact of torch's API that no case exercises yet, or a
heuristic to justify with a case or to remove.

    python scripts/ablate_api_table.py            # every entry (a few minutes)
    python scripts/ablate_api_table.py MEMBERS    # one table
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterator, List, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from casefile import load_cases  # noqa: E402

from flake8_detach import torch_api  # noqa: E402
from flake8_detach.checker import check_source  # noqa: E402
from flake8_detach.rules import RULES  # noqa: E402

Expected = FrozenSet[Tuple[int, str]]
_EXPECT = re.compile(r"#\s*expect:\s*(DET\d{3})")
MAPPINGS = ("NAMESPACE_DEFAULTS", "QUALIFIED", "MEMBERS", "BUILTINS", "DEVICE_MOVES")
SETS = ("GRAD_OFF_HOOKS", "INTEGER_DTYPES", "CONVERT_ONLY_TENSORS")


def programs() -> Dict[str, Tuple[str, Expected]]:
    """Every case and rule example, with the findings the checker gives today."""
    found: Dict[str, Tuple[str, Expected]] = {}
    for case in load_cases():
        found[case.name] = (case.source, _findings(case.source))
    for rule in RULES.values():
        for index, example in enumerate(rule.valid + rule.invalid):
            found[f"{rule.code}-example-{index}"] = (example, _findings(example))
    return found


def correct(source: str) -> Expected:
    return frozenset((number, match.group(1)) for number, line in enumerate(source.splitlines(), start=1)
                     for match in _EXPECT.finditer(line))


def _findings(source: str) -> Expected:
    return frozenset((f.line, f.code) for f in check_source(source, prefilter=False, narrow=False))


def entries(tables: List[str]) -> Iterator[Tuple[str, str, Callable[[], Callable[[], None]]]]:
    """(table, key, remove): ``remove()`` takes the entry out and returns what puts it back."""
    for table in tables:
        value = getattr(torch_api, table)
        for key in sorted(value):
            yield table, key, _remover(table, key)


def _remover(table: str, key: str) -> Callable[[], Callable[[], None]]:
    def remove() -> Callable[[], None]:
        original = getattr(torch_api, table)
        if table in MAPPINGS:
            setattr(torch_api, table, {k: v for k, v in original.items() if k != key})
        else:
            setattr(torch_api, table, frozenset(original) - {key})
        return lambda: setattr(torch_api, table, original)
    return remove


def needed_by(key: str, remove: Callable[[], Callable[[], None]], cases: Dict[str, Tuple[str, Expected]]) -> Set[str]:
    """The cases the checker gets right with the entry and wrong without it."""
    word = key.rsplit(".", 1)[-1]
    restore = remove()
    try:
        return {name for name, (source, today) in cases.items()
                if word in source and today == correct(source) and _findings(source) != today}
    finally:
        restore()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", nargs="*", default=[*MAPPINGS, *SETS])
    options = parser.parse_args()
    started = time.perf_counter()
    cases = programs()
    unneeded: List[str] = []
    count = 0
    for table, key, remove in entries(options.tables):
        count += 1
        if not needed_by(key, remove, cases):
            entry = getattr(torch_api, table)[key] if table in MAPPINGS else "member"
            effect = getattr(entry, "value", entry)  # an Effect, or a device type
            unneeded.append(f"{table}[{key!r}] ({effect})")
    print("\n".join(unneeded))
    print(f"{len(unneeded)} of {count} entries needed by no case ({len(cases)} programs, "
          f"{time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
