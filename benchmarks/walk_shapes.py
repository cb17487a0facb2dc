#!/usr/bin/env python3
"""CPU time of the walk over the ``ast`` (``analysis/reach.py``) alone, on the stress shapes.

    python benchmarks/walk_shapes.py [--sizes 1000,10000,100000]

For each shape of ``shapes.py`` and each size: ``facts_reaching_conversions`` with every kind of
fact asked, once, with the cyclic collector paused; milliseconds per 1,000 lines and the ratio to
the shape's smallest file (near 1.00 at every size means linear).  ``bench.py --generated`` times
``check_source`` with every rule shown, where the walk is skipped (DET103 needs no fact), so the
walk has this script of its own.  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import sys
import time
from typing import List, Optional, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shapes import SHAPES, shape_source  # noqa: E402 - beside this script

from flake8_detach.analysis.reach import facts_reaching_conversions  # noqa: E402
from flake8_detach.prefilter import Fact  # noqa: E402


def walk_seconds(source: str) -> float:
    tree = ast.parse(source)
    gc.disable()
    try:
        start = time.process_time()
        facts_reaching_conversions(tree, frozenset(Fact), source)
        return time.process_time() - start
    finally:
        gc.enable()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000,10000,100000", help="lines per file, comma-separated")
    options = parser.parse_args(argv)
    sizes = [int(size) for size in options.sizes.split(",")]
    for shape in SHAPES:
        row: List[Tuple[int, float]] = []
        for size in sizes:
            source = shape_source(shape, size)
            lines = source.count("\n")
            row.append((lines, walk_seconds(source) * 1e6 / lines))
        first = row[0][1]
        cells = "  ".join(f"{lines:>8,} lines {per:7.1f} ms/1k ({per / first:.2f})" for lines, per in row)
        print(f"{shape:<24} {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
