"""Why grad mode is on or off at a place: what switches it around it, or who calls its function.

The analysis decides the mode (``ConversionSite.grad_mode``) but does not say why; this reads
the reason from the code the same way: the nearest ``with torch.no_grad()`` (or
``inference_mode``, ``set_grad_enabled``, ``enable_grad``) around the place in its function, a
``torch.set_grad_enabled(False)`` statement before it, a ``@torch.no_grad()`` decorator, and
otherwise the function's callers in this file, each judged the same way.
"""

from __future__ import annotations

import ast
from typing import List, Optional, Sequence, Tuple

from flake8_detach import torch_api
from flake8_detach.explain.calls import Calls
from flake8_detach.analysis.mentions import FUNCTIONS, constant_flag
from flake8_detach.explain.flow import FlowIndex
from flake8_detach.explain.model import Reason
from flake8_detach.torch_api import Effect

_MAX_CALLER_DEPTH = 3
_MAX_CALLERS_SHOWN = 4
ON, OFF, MAYBE = "on", "off", "maybe"
_SWITCHES = (Effect.GRAD_OFF, Effect.GRAD_ON, Effect.GRAD_SET)


class GradModes:
    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.index: FlowIndex = calls.index

    def _effect(self, expression: ast.expr) -> Optional[Effect]:
        called = expression.func if isinstance(expression, ast.Call) else expression
        qualified = self.index.qualified_name(called)
        return torch_api.effect_of_qualified_name(qualified) if qualified is not None else None

    def _switch(self, expression: ast.expr) -> Optional[Tuple[str, str]]:
        """The mode a grad-mode switch sets, and how it reads: ``torch.no_grad()``."""
        effect = self._effect(expression)
        if effect not in _SWITCHES:
            return None
        text = self.index.text(expression)
        if effect is Effect.GRAD_ON:
            return ON, text
        flag = constant_flag(expression)
        if effect is Effect.GRAD_OFF:  # inference_mode(False) switches nothing off
            return (ON if flag is False else OFF), text
        return ({True: ON, False: OFF}.get(flag, MAYBE) if flag is not None else MAYBE), text

    def _around(self, node: ast.AST) -> Optional[Tuple[str, Reason]]:
        """The nearest switch around ``node`` in its own function (or the decorator of that function)."""
        child = node
        for ancestor in self.index.ancestors(node):
            if isinstance(ancestor, (ast.With, ast.AsyncWith)):
                for item in reversed(ancestor.items):
                    switch = self._switch(item.context_expr)
                    if switch is not None:
                        mode, text = switch
                        return mode, Reason(f"inside `with {text}:`", self.index.start(ancestor))
            earlier = self._statement_before(ancestor, child)
            if earlier is not None:
                return earlier
            if isinstance(ancestor, (*FUNCTIONS, ast.Lambda)):
                return self._decorated(ancestor)
            child = ancestor
        return None

    def _statement_before(self, block: ast.AST, child: ast.AST) -> Optional[Tuple[str, Reason]]:
        """``torch.set_grad_enabled(False)`` as a statement earlier in the same block (a bare
        ``torch.no_grad()`` switches nothing)."""
        for name in ("body", "orelse", "finalbody"):
            statements = getattr(block, name, None)
            if not isinstance(statements, list) or not any(statement is child for statement in statements):
                continue
            before = statements[: next(i for i, s in enumerate(statements) if s is child)]
            for statement in reversed(before):
                switch = self._switch(statement.value) if isinstance(statement, ast.Expr) \
                    and self._effect(statement.value) is Effect.GRAD_SET else None
                if switch is not None:
                    mode, text = switch
                    return mode, Reason(f"after `{text}`", self.index.start(statement))
        return None

    def _decorated(self, function: ast.AST) -> Optional[Tuple[str, Reason]]:
        for decorator in getattr(function, "decorator_list", ()):
            switch = self._switch(decorator)
            if switch is not None:
                mode, text = switch
                name = getattr(function, "name", "lambda")
                return mode, Reason(f"{name}() is decorated with `@{text}`", self.index.start(decorator))
        return None

    def at(self, node: ast.AST, depth: int = 0) -> Tuple[str, List[Reason]]:
        """The mode at ``node``, and why."""
        around = self._around(node)
        if around is not None:
            mode, reason = around
            return mode, [reason]
        function = next((a for a in self.index.ancestors(node) if isinstance(a, (*FUNCTIONS, ast.Lambda))), None)
        if function is None:
            return ON, [Reason("module-level code with no `torch.no_grad()`, `torch.inference_mode()` "
                               "or `torch.set_grad_enabled(False)` around it")]
        name = getattr(function, "name", "lambda")
        if name in torch_api.GRAD_OFF_HOOKS and self.calls.owner_class(function) is not None:
            return OFF, [Reason(f"frameworks (PyTorch Lightning) run {name}() with grad off",
                                self.index.start(function))]
        callers = self.calls.callers(function)
        if not callers or depth >= _MAX_CALLER_DEPTH:
            return ON, [Reason(f"no `torch.no_grad()` in {name}(), and no caller in this file switches grad "
                               "off: callers elsewhere may run it with grad on", self.index.start(function))]
        return self._from_callers(name, callers, depth)

    def _from_callers(self, name: str, callers: Sequence[Tuple[ast.Call, object]],
                      depth: int) -> Tuple[str, List[Reason]]:
        modes: List[str] = []
        reasons: List[Reason] = []
        for call, _ in sorted(callers, key=lambda caller: self.index.start(caller[0])):
            mode, why = self.at(call, depth + 1)
            modes.append(mode)
            if len(reasons) < _MAX_CALLERS_SHOWN:
                state = "on" if mode == ON else "off" if mode == OFF else "on or off"
                detail = f": {why[0].text}" if why and why[0].position is not None else ""
                reasons.append(Reason(f"{name}() is called here with grad {state}{detail}", self.index.start(call)))
        if len(callers) > _MAX_CALLERS_SHOWN:
            reasons.append(Reason(f"and {len(callers) - _MAX_CALLERS_SHOWN} more calls"))
        overall = OFF if all(mode == OFF for mode in modes) else ON if ON in modes else MAYBE
        return overall, reasons
