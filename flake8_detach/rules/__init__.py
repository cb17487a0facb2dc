"""The rules, in code order. Each module holds one rule: its docs, examples and check."""

from __future__ import annotations

from typing import Dict, Tuple

from flake8_detach.rules import (
    det101_numpy_on_grad_tensor,
    det102_implicit_conversion,
    det103_undecided_conversion,
    det104_arithmetic_with_array,
    det201_numpy_on_accelerator_tensor,
)
from flake8_detach.rules.base import Rule, RuleCheck

CHECKS: Tuple[RuleCheck, ...] = (
    det101_numpy_on_grad_tensor,
    det102_implicit_conversion,
    det103_undecided_conversion,
    det104_arithmetic_with_array,
    det201_numpy_on_accelerator_tensor,
)
RULES: Dict[str, Rule] = {module.RULE.code: module.RULE for module in CHECKS}
DEFAULT_OFF: Tuple[str, ...] = tuple(code for code, rule in RULES.items() if not rule.default_enabled)
# The rules whose findings are conversions that raise the grad error whenever they run.
GRAD_ERROR_CODES: Tuple[str, ...] = tuple(code for code, rule in RULES.items() if rule.raises_grad_error)
