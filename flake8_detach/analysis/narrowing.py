"""What a branch's test tells about the values on each of its two paths.

``if isinstance(x, torch.Tensor): x = x.detach()`` then ``np.asarray(x)``: on the path
where the test fails, ``x`` is no tensor at all, so it cannot require grad there; a
conversion after the join raises on neither path.  The evaluator calls ``refine`` with the
two frames of a branch, and each path gets what its outcome of the test implies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Dict, Iterator, Optional, Sequence, Set, Tuple

import libcst as cst

from flake8_detach import torch_api
from flake8_detach.analysis.scope import Frame
from flake8_detach.analysis.sites import GradMode
from flake8_detach.analysis.syntax import compared_with_literal, dotted_name, source_of, string_value
from flake8_detach.analysis import devices
from flake8_detach.analysis.values import OTHER, GradFlag, Kind, Value, flag_failed, without_grad
from flake8_detach.torch_api import Effect
from flake8_detach.analysis.records import replace

if TYPE_CHECKING:
    from flake8_detach.analysis.expressions import Evaluator

Narrow = Callable[[Value], Value]


def refine(evaluator: "Evaluator", test: cst.BaseExpression, when_true: Frame, when_false: Frame) -> None:
    """Narrow the values that ``test`` is about, in the frame of each outcome."""
    if when_true.context.grad_flags:
        _refine_grad_flags(test, when_true, when_false)
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        refine(evaluator, test.expression, when_false, when_true)
    elif isinstance(test, cst.BooleanOperation):
        _refine_boolean(evaluator, test, when_true, when_false)
    elif isinstance(test, cst.Call):
        _refine_call(evaluator, test, when_true, when_false)
    elif isinstance(test, cst.Attribute) and test.attr.value == torch_api.REQUIRES_GRAD_KEYWORD:
        # ``if t.requires_grad:``: on the other path ``t`` does not require grad
        _narrow(evaluator, test.value, when_false, without_grad)
    elif isinstance(test, cst.Attribute) and test.attr.value in torch_api.ACCELERATOR_TESTS:
        _without_accelerator(when_false)  # ``if x.is_cuda: ... .cpu() ... else: x.numpy()``
    elif isinstance(test, (cst.Name, cst.Attribute)):
        _refine_flag(evaluator, test, when_true, when_false)


def _refine_flag(evaluator: "Evaluator", test: cst.BaseExpression, when_true: Frame, when_false: Frame) -> None:
    """``if train_on_gpu:`` (a flag that answers whether an accelerator exists), or a flag under
    which the code moved things to one (``if self.gpu_mode: self.G.cuda()``): where it fails,
    everything is on the host."""
    flag = dotted_name(test)
    if flag is not None:
        when_true.holding = (*when_true.holding, flag)
    if evaluator.evaluate(test, when_false).answers_accelerator or (
            flag is not None and evaluator.calls.places_on_accelerator(when_false, flag)):
        _without_accelerator(when_false)


def _refine_grad_flags(test: cst.BaseExpression, when_true: Frame, when_false: Frame) -> None:
    """A test of a flag grad mode followed (``if training:`` after ``set_grad_enabled(training)``)
    tells the mode on each path, and on the path where it failed, what was made under it needs
    no grad (``else: preds.append(out)``)."""
    text = source_of(test)
    for flag in when_true.context.grad_flags:
        for frame, holds in zip((when_true, when_false), _flag_outcomes(test, text, flag)):
            if holds is not None:
                _flag_known(frame, flag, grad_on=holds == flag.on_when)


def _flag_outcomes(test: cst.BaseExpression, text: str, flag: GradFlag) -> Tuple[Optional[bool], Optional[bool]]:
    """Whether ``flag`` holds where ``test`` is true, and where it is false (None: not known)."""
    if text == flag.test:
        return True, False
    compared = compared_with_literal(test)
    if compared is None or flag.subject is None or compared[0] != flag.subject:
        return None, None
    _, operator, literal = compared
    same = literal == flag.literal  # phase == "val" against the flag phase == "train"
    if isinstance(operator, cst.Equal):
        return (True, False) if same else (False, None)
    return (False, True) if same else (None, False)  # cst.NotEqual


def _flag_known(frame: Frame, flag: GradFlag, grad_on: bool) -> None:
    if frame.grad_flag == flag and frame.mode is GradMode.MAYBE:
        frame.mode = GradMode.ON if grad_on else GradMode.OFF
    if not grad_on:
        _rewrite_visible(frame, lambda value: flag_failed(value, flag))


def _without_accelerator(frame: Frame) -> None:
    """The path on which no accelerator exists: every value the frame sees is on the host."""
    _rewrite_visible(frame, devices.on_host)


def _rewrite_visible(frame: Frame, change: Narrow) -> None:
    """Every value the frame sees, changed on this path only."""
    seen: Optional[Frame] = frame
    keys: Set[str] = set()
    while seen is not None:
        keys.update(seen.env)
        seen = seen.outer
    for key in keys:
        value = frame.lookup(key)
        if value is not None:
            changed = change(value)
            if changed != value:
                frame.set(key, changed)


def _refine_boolean(evaluator: "Evaluator", test: cst.BooleanOperation, when_true: Frame,
                    when_false: Frame) -> None:
    """Both sides of ``a and b`` hold when it is true; neither side of ``a or b`` when it is false.
    Where one side is known (``torch is not None and isinstance(x, torch.Tensor)``), the other
    decides the other outcome too."""
    conjunction = isinstance(test.operator, cst.And)
    for side, other in ((test.left, test.right), (test.right, test.left)):
        known = evaluator.evaluate(other, when_true).constant if _reads_only(other) else None
        decides = known is not None and bool(known) is conjunction
        if conjunction:
            refine(evaluator, side, when_true, when_false if decides else when_true.branch())
        else:
            refine(evaluator, side, when_true if decides else when_false.branch(), when_false)


def _reads_only(node: cst.BaseExpression) -> bool:
    """A name, or a name compared with a name or a literal (``torch is not None``): evaluating it
    again calls nothing and costs little."""
    if isinstance(node, cst.Comparison):
        other = node.comparisons[0].comparator
        return len(node.comparisons) == 1 and isinstance(node.left, cst.Name) and \
            isinstance(other, (cst.Name, cst.SimpleString, cst.Integer))
    return isinstance(node, cst.Name)


def _refine_call(evaluator: "Evaluator", test: cst.Call, when_true: Frame, when_false: Frame) -> None:
    callee = evaluator.evaluate(test.func, when_true)
    # a function of the file, or a static method read through its class (``_Internal.is_torch``)
    key = next(iter(callee.functions)) if callee.kind is Kind.FUNCTION and len(callee.functions) == 1 else \
        dotted_name(test.func) if callee.kind is Kind.UNKNOWN else None
    if key is not None and evaluator.calls.function_named(key) is not None:
        predicate = _predicate_test(evaluator, test, key)
        if predicate is not None:  # _Internal.is_torch(x): isinstance(x, torch.Tensor)
            refine(evaluator, predicate, when_true, when_false)
        return
    name = callee.qualified_name if callee.kind is Kind.REFERENCE else None
    if name == torch_api.GRAD_MODE_QUERY:
        when_false.mode = GradMode.OFF
        return
    if name is not None and torch_api.effect_of_qualified_name(name) is Effect.ACCELERATOR_QUERY:
        _without_accelerator(when_false)
        return
    arguments = [arg.value for arg in test.args]
    if not arguments or any(arg.star or arg.keyword is not None for arg in test.args):
        return
    subject = arguments[0]
    if name in torch_api.TENSOR_TESTS or (name == torch_api.ATTRIBUTE_TEST and _names_tensor_attribute(arguments)):
        _narrow(evaluator, subject, when_true, _as_tensor)
        _narrow(evaluator, subject, when_false, _as_non_tensor)
    elif name == torch_api.TYPE_TEST and len(arguments) == 2:
        tensor_type = _type_test(evaluator, arguments[1], when_true)
        if tensor_type is True:
            _narrow(evaluator, subject, when_true, _as_tensor)
            _narrow(evaluator, subject, when_false, _as_non_tensor)
        elif tensor_type is False:
            _narrow(evaluator, subject, when_true, _as_non_tensor)


def _predicate_test(evaluator: "Evaluator", test: cst.Call, key: str) -> Optional[cst.BaseExpression]:
    """The test a function of the file makes of its arguments (``def is_torch(obj): return
    isinstance(obj, torch.Tensor)``), written in terms of ``test``'s arguments: the one thing it
    returns (beside constants an ``except`` may return), when it is called with plain positional
    arguments."""
    function = evaluator.calls.function_named(key)
    if function is None or not isinstance(function.node, cst.FunctionDef) or \
            any(arg.star or arg.keyword is not None for arg in test.args):
        return None
    returned = [value for value in _returned(function.node.body) if not _is_constant(value)]
    if len(returned) != 1 or not _is_library_test(evaluator, returned[0]) or \
            not all(_is_pure(arg.value) for arg in test.args):
        return None  # (what is evaluated again here must run nothing: no call but the tests)
    parameters = list(function.positional)
    if function.receiver is not None and isinstance(test.func, cst.Attribute):
        parameters = parameters[1:]  # obj.is_tensor(x): self is obj
    if len(test.args) > len(parameters):
        return None
    arguments = {name: arg.value for name, arg in zip(parameters, test.args)}
    substituted = returned[0].visit(_Substitution(arguments))
    assert isinstance(substituted, cst.BaseExpression)
    return substituted


def _returned(suite: cst.BaseSuite) -> Iterator[cst.BaseExpression]:
    """What the statements of a body return, in it or in its ``try`` statements."""
    for statement in suite.body:
        if isinstance(statement, cst.Try):
            yield from _returned(statement.body)
            for handler in statement.handlers:
                yield from _returned(handler.body)
            continue
        smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else (statement,)
        for small in smalls:
            if isinstance(small, cst.Return) and small.value is not None:
                yield small.value


def _is_library_test(evaluator: "Evaluator", test: cst.BaseExpression) -> bool:
    """``isinstance(x, T)``, ``torch.is_tensor(x)``, ``not ...``, ``... and ...`` of plain operands:
    calls of no function of the file (no predicate is followed into another)."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _is_library_test(evaluator, test.expression)
    if isinstance(test, cst.BooleanOperation):
        return _is_library_test(evaluator, test.left) and _is_library_test(evaluator, test.right)
    if not isinstance(test, cst.Call):
        return False
    called = dotted_name(test.func)
    return called is not None and evaluator.calls.function_named(called) is None and \
        all(not arg.star and _is_pure(arg.value) for arg in test.args)


def _is_pure(expression: cst.BaseExpression) -> bool:
    """A name, an attribute or item chain of one, a literal, a tuple of them: reading it runs nothing."""
    if isinstance(expression, (cst.Name, cst.SimpleString, cst.Integer)):
        return True
    if isinstance(expression, cst.Attribute):
        return _is_pure(expression.value)
    if isinstance(expression, cst.Tuple):
        return all(_is_pure(element.value) for element in expression.elements)
    return isinstance(expression, cst.Subscript) and _is_pure(expression.value) and all(
        isinstance(element.slice, cst.Index) and _is_pure(element.slice.value) for element in expression.slice)


def _is_constant(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value in ("True", "False", "None")


class _Substitution(cst.CSTTransformer):
    """A function's parameters replaced by the expressions a call passes for them."""

    def __init__(self, arguments: Dict[str, cst.BaseExpression]) -> None:
        super().__init__()
        self.arguments = arguments

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self.arguments.get(original_node.value, updated_node)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        return updated_node.with_changes(attr=original_node.attr)  # np.ndarray: no parameter


def _type_test(evaluator: "Evaluator", types: cst.BaseExpression, frame: Frame) -> Optional[bool]:
    """True: the types include torch tensors; False: they are known other types; None: unknown."""
    value = evaluator.evaluate(types, frame)
    candidates: Sequence[Value] = value.fields if value.kind is Kind.CONTAINER and value.fields else (value,)
    verdicts = [_is_tensor_type(candidate) for candidate in candidates]
    if any(verdict is True for verdict in verdicts):
        return True
    return False if all(verdict is False for verdict in verdicts) else None


def _is_tensor_type(value: Value) -> Optional[bool]:
    if value.kind is not Kind.REFERENCE or value.qualified_name is None:
        return None
    if value.qualified_name in torch_api.TENSOR_TYPES:
        return True
    root = value.qualified_name.split(".", 1)[0]
    return False if root in torch_api.NON_TENSOR_TYPE_ROOTS else None


def _names_tensor_attribute(arguments: Sequence[cst.BaseExpression]) -> bool:
    """``hasattr(x, "detach")``: only a torch tensor has it among the values a conversion takes."""
    attribute = arguments[1] if len(arguments) == 2 else None
    if not isinstance(attribute, cst.SimpleString):
        return False
    return string_value(attribute) in torch_api.TENSOR_ONLY_ATTRIBUTES


def _narrow(evaluator: "Evaluator", subject: cst.BaseExpression, frame: Frame, narrow: Narrow) -> None:
    key = evaluator.key_of(subject, frame)  # x, self.x, args[0], batch["image"]
    if key is not None:
        frame.set(key, narrow(evaluator.evaluate(subject, frame)))


def _as_tensor(value: Value) -> Value:
    return replace(value, kind=Kind.TENSOR) if value.kind is Kind.UNKNOWN else value


def _as_non_tensor(value: Value) -> Value:
    """The path on which the value is no tensor: whatever it is, it carries no grad."""
    return value if value.kind in (Kind.CONTAINER, Kind.FOREIGN) else OTHER
