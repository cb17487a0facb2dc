"""A guard against expressions nested too deeply to analyse.

libcst's parser takes time quadratic in the length of a method chain or an
operator chain (a 1,600-link ``x.a().b()...`` takes 5 s, 5,000 links about a
minute), and the analysis recurses on nesting.  Python's own ``ast`` parses
such code ten times faster than libcst and flake8 hands us its tree for free,
so the depth is measured there first, without recursion.
"""

from __future__ import annotations

import ast

# Nesting of ast nodes the analysis handles within the default recursion limit;
# a 200-link method chain is 400 levels deep.
MAX_DEPTH = 400


def too_deep(tree: ast.AST, limit: int = MAX_DEPTH) -> bool:
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        # `a or b or ...` is one flat node here but a nested chain for libcst, which
        # crashes (stack overflow) on thousands of operands: count each operand.
        step = len(node.values) if isinstance(node, ast.BoolOp) else 1
        stack.extend((child, depth + step) for child in ast.iter_child_nodes(node))
    return False
