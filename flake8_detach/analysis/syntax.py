"""Facts read off the syntax alone: literals, dotted names, ``True``/``False``."""

from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from flake8_detach import torch_api
from flake8_detach.torch_api import Effect


def string_value(node: cst.SimpleString) -> object:
    """The string a literal stands for.  libcst's ``evaluated_value`` compiles the literal;
    a literal with no prefix, no backslash and no carriage return stands for the text between
    its quotes."""
    raw = node.value
    if raw[:1] in "'\"" and "\\" not in raw and "\r" not in raw:
        quotes = 3 if raw[:3] in ('"""', "\'\'\'") else 1
        return raw[quotes:-quotes]
    return node.evaluated_value


def integer_value(node: cst.Integer) -> object:
    """The number a literal stands for; plain digits need no compiler (``evaluated_value``)."""
    return int(node.value) if node.value.isdigit() else node.evaluated_value


_EMPTY_MODULE = cst.Module([])


def source_of(node: cst.CSTNode) -> str:
    """The code of ``node`` on one line, its spaces normalised: how it reads in a message, and
    what tells two writings of one expression alike."""
    return " ".join(_EMPTY_MODULE.code_for_node(node).split())


def compared_with_literal(test: cst.BaseExpression) -> Optional[Tuple[str, cst.BaseCompOp, str]]:
    """``subject == "literal"`` or ``subject != 3``: the subject's source, the operator, the
    literal's source."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    comparison = test.comparisons[0]
    if not isinstance(comparison.operator, (cst.Equal, cst.NotEqual)) or \
            not isinstance(comparison.comparator, (cst.SimpleString, cst.Integer)):
        return None
    return source_of(test.left), comparison.operator, source_of(comparison.comparator)


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a chain of names, else None: the keys environments use."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def is_false(node: Optional[cst.BaseExpression]) -> bool:
    return isinstance(node, cst.Name) and node.value == "False"


def is_true(node: Optional[cst.BaseExpression]) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def root_name(node: cst.BaseExpression) -> Optional[str]:
    """``model`` for ``model.layer4[0].conv``: the name an attribute or item chain starts from."""
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def is_super_call(expression: cst.BaseExpression) -> bool:
    """``super()``: its methods run on ``self``."""
    return isinstance(expression, cst.Call) and isinstance(expression.func, cst.Name) and \
        torch_api.BUILTINS.get(expression.func.value) is Effect.SUPER
