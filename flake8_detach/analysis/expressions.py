"""The value of each expression, and the conversion sites met while computing it.

``Evaluator`` interprets expressions against a ``Frame``; what PyTorch does
comes from ``torch_api`` as an ``Effect``, and this module only says what
each effect means for a value.  Calls of the file's own functions are handed
to ``FunctionCalls`` (the interpreter), which knows their summaries.
"""

from __future__ import annotations

import enum
import functools
from typing import Callable, Dict, List, Optional, Protocol, Sequence, Tuple, Union, cast

import libcst as cst

from flake8_detach import torch_api
from flake8_detach.analysis import devices, effects, narrowing
from flake8_detach.analysis.arguments import Arguments
from flake8_detach.analysis.effects import evidence, may_be_module, names_integer_dtype, short_name
from flake8_detach.analysis.scope import (STAR_IMPORT_KEY, ClassInfo, Frame, FunctionInfo, SiteKey,
                                          entries_run_one_by_one, keep_raising_sites, root_of)
from flake8_detach.analysis.sites import ConversionSite, ConversionStyle, GradMode
from flake8_detach.analysis.syntax import (dotted_name, integer_value, is_false, is_super_call, is_true, root_name,
                                           string_value)
from flake8_detach.analysis.values import (
    ANY_ENTRY,
    Device,
    device_of,
    CONSUMER,
    FOREIGN,
    NDARRAY,
    OTHER,
    UNKNOWN,
    Evidence,
    Grad,
    Kind,
    Origin,
    Value,
    constant_pairs,
    container_of,
    element,
    entries_of,
    frozen,
    highest_device,
    grad_of_computation,
    join,
    has_only_known_entries,
    is_read_of_a_parameter,
    join_all,
    join_paths,
    part_of,
    placed_on,
    record_of,
    requires_grad,
    without_grad,
    NONE_LITERAL,
    Position,
    made_under,
    without_parameters,
)
from flake8_detach.torch_api import Effect
from flake8_detach.analysis.records import replace

_DICT_UNPACKED = "**"  # the keyword a `**d` argument goes under: no parameter is named so
_LITERALS = (
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.Ellipsis,
)
# Children that hold no expression (whitespace, punctuation, operators, the text of an
# f-string) or that the statement interpreter runs: evaluate_children does not descend.
_HOLDS_NO_EXPRESSION = (
    cst.BaseSuite,
    cst.BaseStatement,
    cst.BaseParenthesizableWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.Comment,
    cst.Comma,
    cst.Colon,
    cst.Dot,
    cst.AssignEqual,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.FormattedStringText,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
)


class _ChildRole(enum.Enum):
    EXPRESSION = "evaluate it"
    HOLDER = "evaluate what it holds"  # an argument, a subscript's slice, an f-string's {part}
    NEITHER = "skip it"


@functools.lru_cache(maxsize=None)  # one entry per node class: the isinstance checks cost at every node
def _child_role(node_type: type) -> _ChildRole:
    if issubclass(node_type, cst.BaseExpression):
        return _ChildRole.EXPRESSION
    return _ChildRole.NEITHER if issubclass(node_type, _HOLDS_NO_EXPRESSION) else _ChildRole.HOLDER


_SCRIPT_NAME = Value(Kind.OTHER, constant="__main__")
_CONSTANTS = {"True": Value(Kind.OTHER, constant=True), "False": Value(Kind.OTHER, constant=False),
              "None": Value(Kind.OTHER, constant=NONE_LITERAL)}


class FunctionCalls(Protocol):
    """What the evaluator needs from the interpreter to call the file's own code."""

    def call_function(
        self, function: FunctionInfo, call: cst.Call, arguments: "Arguments", frame: Frame
    ) -> Value: ...

    def instantiate(self, info: ClassInfo, call: cst.Call, arguments: "Arguments", frame: Frame) -> Value: ...

    def read_property(self, function: FunctionInfo, node: cst.Attribute, instance: Value, frame: Frame) -> Value: ...

    def read_item(self, function: FunctionInfo, node: cst.Subscript, instance: Value,
                  index: Tuple[cst.BaseExpression, Value], frame: Frame) -> Value: ...

    def function_named(self, key: str) -> Optional[FunctionInfo]: ...

    def class_named(self, key: str) -> Optional[ClassInfo]: ...

    def class_of(self, instance: Value) -> Optional[ClassInfo]: ...

    def decorate(self, function: Value, mode: GradMode) -> None: ...

    def note_write(self, frame: Frame, key: str, value: Value, adds: bool,
                   entry_key: Optional[str] = None) -> None: ...

    def hand_on_assignments(self, frame: Frame) -> None: ...

    def define_lambda(self, node: cst.Lambda, frame: Frame) -> Value: ...

    def shared_variable(self, binding: Frame, name: str) -> Optional[Value]: ...

    def note_placing(self, frame: Frame) -> None: ...

    def places_on_accelerator(self, frame: Frame, flag: str) -> bool: ...

    def keep_hooks_of(self, model: Value, place: str, hook: Value) -> None: ...

    def note_differentiated(self, frame: Frame, name: str, call: cst.Call) -> None: ...

    def differentiated(self, frame: Frame, name: str, source: cst.BaseExpression) -> Optional[Value]: ...

    def hooks_of(self, model: Value, place: str) -> Optional[Value]: ...


NO_ARGUMENTS = Arguments([], {}, False)
# Builtins whose result goes over the elements of their first argument (enumerate(model)).
_ELEMENTS_PASSED_ON = frozenset({Effect.ELEMENTS, Effect.ENUMERATE})
_CONSTRUCTOR = "__init__"
_PARTS_KEPT = _ELEMENTS_PASSED_ON | {Effect.MAPPING}  # ... and those whose result holds a model's parts
# Identity and membership give a Python bool whatever they compare (a tensor's ``in`` included).
_PYTHON_BOOL_COMPARISONS = (cst.Is, cst.IsNot, cst.In, cst.NotIn)


def constant_index(node: cst.Subscript, frame: Frame) -> Optional[str]:
    """``"train"`` in ``history["train"]`` or in ``history[phase]`` with ``phase`` known."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    text = _known_text(node.slice[0].slice.value, frame)
    return text if isinstance(text, str) else None


def _known_text(expression: cst.BaseExpression, frame: Frame) -> object:
    """What a key expression is when it is known here: ``"train"``, ``phase``,
    ``f"{phase}_loss"``, ``key + "_mean"`` with ``phase`` and ``key`` known."""
    if isinstance(expression, cst.SimpleString):
        return string_value(expression)
    if isinstance(expression, cst.Name):
        return (frame.lookup(expression.value) or OTHER).constant
    if isinstance(expression, cst.FormattedString):
        return formatted_text(expression, lambda part: _known_text(part, frame))
    if isinstance(expression, cst.BinaryOperation) and isinstance(expression.operator, cst.Add):
        left, right = _known_text(expression.left, frame), _known_text(expression.right, frame)
        return left + right if isinstance(left, str) and isinstance(right, str) else None
    return None


def formatted_text(node: cst.FormattedString, constant: Callable[[cst.BaseExpression], object]) -> Optional[str]:
    """The text of an f-string whose expressions are known strings or integers (``constant``
    gives what each is); None when any part is not known or is formatted (``{x:.2f}``, ``{x!r}``)."""
    pieces: List[str] = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            if any(mark in part.value for mark in ("{{", "}}", "\\")):
                return None  # escapes: the source text is not the string
            pieces.append(part.value)
            continue
        if not isinstance(part, cst.FormattedStringExpression) or part.format_spec is not None or \
                part.conversion is not None:
            return None
        value = constant(part.expression)
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            return None
        pieces.append(str(value))
    return "".join(pieces)


def _takes_a_slice(node: cst.Subscript) -> bool:
    """``arr[a:b]``, ``arr[:, 0]``: a part of an array that is an array (``arr[0]`` may be a number)."""
    return any(isinstance(item.slice, cst.Slice) for item in node.slice)


def _constant_position(index: Optional[cst.BaseSlice]) -> Optional[int]:
    """The position an index names when it is an integer literal (``pair[1]``, ``out[-1]``)."""
    if not isinstance(index, cst.Index):
        return None
    value = index.value
    negative = isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus)
    literal = cast(cst.UnaryOperation, value).expression if negative else value
    if not isinstance(literal, cst.Integer):
        return None
    number = integer_value(literal)
    return (-number if negative else number) if isinstance(number, int) else None


def item_key(node: cst.Subscript, frame: Frame) -> Optional[str]:
    """``history['train']``, ``log['train']['loss']``: environments track items with constant
    keys like names, an entry of an entry too."""
    base = place_key(node.value, frame)
    text = constant_index(node, frame)
    return f"{base}[{text!r}]" if base is not None and text is not None else None


def position_key(node: cst.Subscript, frame: Frame) -> Optional[str]:
    """``args[0]``: the environment's key of an element at a literal position, which a test
    narrows (``isinstance(args[0], list)``) and an assignment replaces."""
    position = _constant_position(node.slice[0].slice) if len(node.slice) == 1 else None
    base = place_key(node.value, frame) if position is not None else None
    return f"{base}[{position}]" if base is not None else None


def element_key(node: cst.Subscript, frame: Frame) -> Optional[str]:
    """The environment's key of an entry: under a constant key (``item_key``) or at a literal
    position (``position_key``)."""
    return item_key(node, frame) or position_key(node, frame)


def place_key(node: cst.BaseExpression, frame: Frame) -> Optional[str]:
    """The environment's key of a place: a name, an attribute chain, an entry under constant keys."""
    return item_key(node, frame) if isinstance(node, cst.Subscript) else dotted_name(node)


def _compare_constants(node: cst.Comparison, values: Sequence[Value]) -> object:
    """``phase == "train"``, ``optimizer is not None`` where both sides are known literals
    (``torch is not None``: an imported module is not None)."""
    if len(node.comparisons) != 1:
        return None
    operator = node.comparisons[0].operator
    if isinstance(operator, (cst.Is, cst.IsNot)) and any(v.constant is NONE_LITERAL for v in values):
        other = values[1] if values[0].constant is NONE_LITERAL else values[0]
        is_none = _is_none(other)
        return None if is_none is None else is_none == isinstance(operator, cst.Is)
    if any(v.constant is None for v in values):
        return None
    if isinstance(operator, cst.Equal):
        return values[0].constant == values[1].constant
    if isinstance(operator, cst.NotEqual):
        return values[0].constant != values[1].constant
    return None


def _is_none(value: Value) -> Optional[bool]:
    if value.constant is NONE_LITERAL:
        return True
    if value.constant is not None or value.kind is Kind.REFERENCE:  # (a callback may be None: joined)
        return False
    return None


def detach_points(expression: cst.BaseExpression, value: Value) -> Tuple[cst.BaseExpression, ...]:
    """Where ``.detach()`` goes so that converting ``expression`` no longer raises."""
    if value.kind is Kind.TENSOR:
        return (expression,)
    if value.kind is Kind.CONTAINER and value.item is not None and value.item.grad is Grad.YES:
        # only where every grad-carrying entry is known
        return () if value.unknown_entries else value.entries
    return ()


def strip_device_moves(node: cst.BaseExpression) -> cst.BaseExpression:
    """``out.cpu().to("cpu")`` -> ``out``: where .detach() belongs, before the copy."""
    while (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in torch_api.DEVICE_MOVES
        and not any(names_integer_dtype(arg.value) for arg in node.args)
    ):
        node = node.func.value
    return node


class Evaluator:
    def __init__(self, calls: FunctionCalls) -> None:
        self.calls = calls
        # The call that asked for gradients with a graph: from then on .grad requires grad.
        self.grads_have_graph: Optional[cst.Call] = None

    # --- dispatch -------------------------------------------------------
    def evaluate(self, node: cst.BaseExpression, frame: Frame) -> Value:
        method = getattr(self, f"_eval_{type(node).__name__}", None)
        if method is not None:
            value: Value = method(node, frame)
            return value
        if isinstance(node, _LITERALS):
            self.evaluate_children(node, frame)
            return OTHER
        self.evaluate_children(node, frame)
        return UNKNOWN

    def _eval_SimpleString(self, node: cst.SimpleString, frame: Frame) -> Value:
        text = string_value(node)
        return Value(Kind.OTHER, constant=text, device=devices.string_device(text))

    def _eval_FormattedString(self, node: cst.FormattedString, frame: Frame) -> Value:
        """``f"cuda:{rank}"`` names a device by its leading text; ``f"train.{key}"`` with a
        known ``key`` (a loop over a dict's known entries) is that text."""
        known: Dict[int, object] = {}
        for part in node.parts:
            if isinstance(part, cst.FormattedStringExpression):
                known[id(part.expression)] = self.evaluate(part.expression, frame).constant
                for spec in part.format_spec or ():  # f"{x:{width}}": conversions may hide there too
                    self.evaluate_children(spec, frame)
        first = node.parts[0] if node.parts else None
        text = first.value if isinstance(first, cst.FormattedStringText) else None
        constant = formatted_text(node, lambda expression: known.get(id(expression)))
        return Value(Kind.OTHER, constant=constant, device=devices.string_device(text))

    def _eval_Integer(self, node: cst.Integer, frame: Frame) -> Value:
        return Value(Kind.OTHER, constant=integer_value(node))

    def evaluate_children(self, node: cst.CSTNode, frame: Frame) -> None:
        """Evaluate nested expressions only for the conversions they may hold."""
        for child in node.children:
            role = _child_role(type(child))
            if role is _ChildRole.EXPRESSION:
                self.evaluate(cast(cst.BaseExpression, child), frame)
            elif role is _ChildRole.HOLDER:
                self.evaluate_children(child, frame)

    def computed(self, value: Value, frame: Frame) -> Value:
        """A value computed at this point: under no_grad it does not require grad."""
        if frame.mode is GradMode.OFF and value.kind in (Kind.TENSOR, Kind.UNKNOWN):
            return without_grad(value, value.kind)
        return self.under_flag(value, frame)

    @staticmethod
    def under_flag(value: Value, frame: Frame) -> Value:
        """A value computed where grad mode follows a run-time flag requires grad only where the
        flag holds (``set_grad_enabled(training)``: not on the path where ``training`` is false)."""
        if frame.mode is GradMode.MAYBE and frame.grad_flag is not None:
            return made_under(value, frame.grad_flag)
        return value

    # --- names and attributes ------------------------------------------
    def _eval_Name(self, node: cst.Name, frame: Frame) -> Value:
        value = self.lookup(frame, node.value)
        if value is not None:
            if value.kind is Kind.FUNCTION:
                self._mark_escaped(value)
            return value
        if node.value in _CONSTANTS:
            return _CONSTANTS[node.value]
        if node.value == "__name__" and frame.context.function is None:
            return _SCRIPT_NAME  # the file runs as a script: its __main__ block runs
        if node.value in torch_api.BUILTINS:
            return Value(Kind.REFERENCE, qualified_name=f"builtins.{node.value}")
        star = self.lookup(frame, STAR_IMPORT_KEY)  # from pylab import *: plot(t) is pyplot's
        if star is not None and star.qualified_name is not None:
            return Value(Kind.REFERENCE, qualified_name=f"{star.qualified_name}.{node.value}")
        return UNKNOWN

    def _mark_escaped(self, value: Value) -> None:
        """The function may be called by code this file does not show, with any arguments."""
        for key in value.functions:
            function = self.calls.function_named(key)
            if function is not None:
                function.escapes = True

    @staticmethod
    def key_of(place: cst.BaseExpression, frame: Frame) -> Optional[str]:
        """The environment's key of ``place`` (a dotted name, ``element_key``), for the passes
        that narrow it."""
        return element_key(place, frame) if isinstance(place, cst.Subscript) else dotted_name(place)

    def lookup(self, frame: Frame, key: str) -> Optional[Value]:
        """What ``key`` holds here.  A function reading a variable of the module or of an
        enclosing function also sees what other functions may have stored into it (the heap),
        whenever they run."""
        binding = frame.binding_frame(key)
        reader = frame.context.function
        if binding is None:
            return None if reader is None else self.calls.shared_variable(frame.module_frame(), key)
        if reader is None or binding.context.function is reader:
            return binding.env[key]
        stored = self.calls.shared_variable(binding, key)
        return binding.env[key] if stored is None else join(binding.env[key], stored)

    def _eval_Attribute(self, node: cst.Attribute, frame: Frame) -> Value:
        key = dotted_name(node)
        known = self.lookup(frame, key) if key is not None else None
        if known is None:
            known = self.attribute(self.evaluate(node.value, frame), node, frame)
        if key is not None and self.calls.class_of(known) is not None:
            # an object of the file's classes (model.g1): with what its methods stored since,
            # under that name (model(x) ran g1's forward: model.g1.last)
            return self.with_attributes_under(key, known, frame)
        return known

    def attribute(self, base: Value, node: cst.Attribute, frame: Frame) -> Value:
        read = self._attribute(base, node, frame)
        if base.kind is Kind.MODULE and base.frozen and read.kind is Kind.MODULE and not read.frozen:
            return frozen(read)  # model.encoder of a frozen model: frozen too
        return read

    def _attribute(self, base: Value, node: cst.Attribute, frame: Frame) -> Value:
        name = node.attr.value
        if base.kind is Kind.REFERENCE:
            return replace(base, qualified_name=f"{base.qualified_name}.{name}")
        if base.kind in (Kind.FOREIGN, Kind.CONSUMER):
            return base
        own = dict(base.attributes).get(name)
        if own is not None:
            return own
        instance = self.calls.class_of(base)
        # what the class's methods store, unless the constructor reads its own instance before
        # any of them ran (``np.log(self.alpha)`` in ``__init__``, ``self.alpha = log_alpha.exp()``
        # in ``train``): there only what it stored itself so far, which the frame holds
        stored = instance.attribute(name) if instance is not None and not _constructor_reads_self(node, frame) \
            else None
        if stored is not None:
            return stored
        method = instance.method(name) if instance is not None else None
        if method is not None and method.is_property:  # reading it runs it
            return self.calls.read_property(method, node, base, frame)
        if method is not None:  # self.record handed on as a callback: a bound method
            return _bound_method(method, node.value, base)
        effect = torch_api.member_effect(name, base.qualified_name)
        if name == torch_api.DEVICE_ATTRIBUTE and base.kind is Kind.TENSOR:  # x.to(other.device)
            return Value(Kind.OTHER, device=base.device, placed=base.placed)
        if name == torch_api.GRAD_ATTRIBUTE and base.kind is Kind.TENSOR and self.grads_have_graph is not None:
            return requires_grad(Origin("gradient computed with create_graph=True", self.grads_have_graph))
        if effect is None and base.kind is Kind.MODULE and not base.frozen:
            # an attribute the file does not set: a submodule if it is used as one; of a model
            # handed in, whatever the caller's model holds there (not its parameters: model.std)
            return Value(Kind.UNKNOWN, Grad.UNKNOWN, Origin("submodule", node, Evidence.INFERRED),
                         params=base.params, read_from_parameter=bool(base.params))
        if base.kind is Kind.CONTAINER and base.fields and name in torch_api.MAX_LIKE_FIELDS:
            return base.fields[torch_api.MAX_LIKE_FIELDS.index(name)]
        if effect is None:
            return effects.member_of_unknown_effect(base)
        return effects.transfer("attribute", effects.Use(self, effect, node, name, NO_ARGUMENTS, frame, base))

    def _attribute_named(self, node: cst.Call, arguments: Arguments, frame: Frame) -> Value:
        """``getattr(out, "logits", out)``: the attribute a literal names (what the object holds
        there, what the table says of the member, or what ``member_of_unknown_effect`` says), or
        the default."""
        given = [value for _, value in arguments.positional]
        if len(given) < 2 or not isinstance(given[1].constant, str):
            return UNKNOWN
        base, name = given[0], given[1].constant
        instance = self.calls.class_of(base)
        found = dict(base.attributes).get(name) or (instance.attribute(name) if instance is not None else None)
        method = instance.method(name) if instance is not None and found is None else None
        if method is not None and not method.is_property:  # getattr(callback, event)(self): a bound method
            return _bound_method(method, arguments.positional[0][0], base)
        effect = torch_api.member_effect(name, base.qualified_name)
        if found is None and effect is not None and base.kind in (Kind.TENSOR, Kind.MODULE):
            found = effects.transfer("attribute", effects.Use(self, effect, node, name, NO_ARGUMENTS, frame, base))
        if found is None:
            found = effects.member_of_unknown_effect(base)
        if found.kind in (Kind.FUNCTION, Kind.CONSUMER, Kind.REFERENCE):
            found = UNKNOWN  # what is called through it is not followed: the walk passes on facts only
        return join(found, given[2]) if len(given) > 2 else found

    def _is_grad_mode_query(self, func: cst.BaseExpression, frame: Frame) -> bool:
        value = self.evaluate(func, frame)
        return value.kind is Kind.REFERENCE and value.qualified_name == torch_api.GRAD_MODE_QUERY

    # --- operators ------------------------------------------------------
    def arithmetic(self, operands: Sequence[Value], frame: Frame) -> Value:
        kinds = {operand.kind for operand in operands}
        if Kind.FOREIGN in kinds:
            return FOREIGN
        if kinds <= {Kind.OTHER}:  # "cuda:" + str(rank) names a device
            named = [operand.device for operand in operands if operand.device is not None]
            # (target - mean) / std is an array; arithmetic on arrays of no dimension gives a scalar
            array = any(operand.array and not operand.zero_dim for operand in operands)
            return Value(Kind.OTHER, device=max(named), array=array) if named else NDARRAY if array else OTHER
        if kinds == {Kind.CONTAINER}:
            return join_all(operands)
        if kinds == {Kind.CONTAINER, Kind.OTHER} and not any(operand.array for operand in operands):
            # [GramLoss()] * 5, 3 * [x]: a list of what it holds, whose positions are not known
            return replace(join_all(o for o in operands if o.kind is Kind.CONTAINER), fields=None)
        if Kind.TENSOR in kinds:
            computed = self.computed(grad_of_computation(operands), frame)
            tensors = [operand for operand in operands if operand.kind is not Kind.OTHER]
            # -loss, loss * 0.5, loss_a + loss_b: elementwise, no dimensions when the tensors have none
            return replace(computed, zero_dim=True) if all(t.zero_dim for t in tensors) else computed
        unknown = grad_of_computation(operands, Kind.UNKNOWN)
        return self.computed(unknown, frame) if unknown.grad is not Grad.UNKNOWN else unknown

    def _eval_BinaryOperation(self, node: cst.BinaryOperation, frame: Frame) -> Value:
        left, right = self.evaluate(node.left, frame), self.evaluate(node.right, frame)
        if isinstance(node.operator, cst.Add) and isinstance(left.constant, str) and isinstance(right.constant, str):
            return Value(Kind.OTHER, constant=left.constant + right.constant)  # key + "_mean"
        if isinstance(left.constant, str):  # "Layer %i - %s" % (i, name), "loss: " + str(x): a str
            return OTHER
        self.record_mixed(node, node.left, left, node.right, right, frame)
        if left.kind is Kind.CONSUMER and left.array and right.kind in (Kind.TENSOR, Kind.UNKNOWN):
            # adjacency @ t with a SciPy sparse matrix: its operator converts t
            frame.context.record(ConversionSite(ConversionStyle.IMPLICIT, node, node.left, "a sparse matrix's operator",
                                                node.right, right, frame.mode, detach_points(node.right, right)))
        return self.arithmetic([left, right], frame)

    def _eval_UnaryOperation(self, node: cst.UnaryOperation, frame: Frame) -> Value:
        operand = self.evaluate(node.expression, frame)
        if isinstance(node.operator, cst.Not):  # `if not training:` with the flag passed as a literal
            return OTHER if operand.constant is None else Value(Kind.OTHER, constant=not operand.constant)
        return self.arithmetic([operand], frame)

    def _eval_BooleanOperation(self, node: cst.BooleanOperation, frame: Frame) -> Value:
        left, right = self.evaluate(node.left, frame), self.evaluate(node.right, frame)
        if left.constant is not None:  # short circuit: `False and x` is False, `True and x` is x
            decides = not left.constant if isinstance(node.operator, cst.And) else bool(left.constant)
            return left if decides else right
        return join(left, right)

    def _eval_Comparison(self, node: cst.Comparison, frame: Frame) -> Value:
        values = [self.evaluate(node.left, frame)]
        values += [self.evaluate(target.comparator, frame) for target in node.comparisons]
        tensors = [v for v in values if v.kind is Kind.TENSOR]
        if tensors and not all(isinstance(target.operator, _PYTHON_BOOL_COMPARISONS) for target in node.comparisons):
            # a bool tensor, where its operands are (``x is None``, ``k in t``: a Python bool)
            return placed_on(Value(Kind.TENSOR), *highest_device(tensors))
        return Value(Kind.OTHER, constant=_compare_constants(node, values))

    def _eval_IfExp(self, node: cst.IfExp, frame: Frame) -> Value:
        test = self.evaluate(node.test, frame).constant
        if test is not None:  # `(out, feats) if return_features else out` with the flag passed as a literal
            return self.evaluate(node.body if test else node.orelse, frame)
        when_true, when_false = frame.branch(), frame.branch()
        self.refine(node.test, when_true, when_false)
        return join_paths(self.evaluate(node.body, when_true), self.evaluate(node.orelse, when_false), node.test)

    def refine(self, test: cst.BaseExpression, when_true: Frame, when_false: Frame) -> None:
        """What each outcome of a branch's test tells about the values it tests (see narrowing)."""
        narrowing.refine(self, test, when_true, when_false)

    def _eval_NamedExpr(self, node: cst.NamedExpr, frame: Frame) -> Value:
        value = self.evaluate(node.value, frame)
        if isinstance(node.target, cst.Name):
            frame.env[node.target.value] = value
        return value

    def _eval_Yield(self, node: cst.Yield, frame: Frame) -> Value:
        """A generator's values reach the loop over it (``for batch in batches():``)."""
        given = node.value
        if isinstance(given, cst.From):  # yield from inner(): inner's values
            yielded = element(self.evaluate(given.item, frame))
        else:
            yielded = self.evaluate(given, frame) if given is not None else OTHER
        frame.context.yields.append(yielded)
        frame.context.yield_modes.append(frame.mode)
        self.calls.hand_on_assignments(frame)  # the loop over the generator runs here
        return UNKNOWN  # what generator.send() passes in

    def _eval_Await(self, node: cst.Await, frame: Frame) -> Value:
        return self.evaluate(node.expression, frame)

    def _eval_Lambda(self, node: cst.Lambda, frame: Frame) -> Value:
        return self.calls.define_lambda(node, frame)

    # --- containers -----------------------------------------------------
    def _elements(self, elements: Sequence[cst.BaseElement], frame: Frame) -> List[Value]:
        values = []
        for item in elements:
            value = self.evaluate(item.value, frame)
            values.append(element(value) if isinstance(item, cst.StarredElement) else value)
        return values

    def _eval_Tuple(self, node: cst.Tuple, frame: Frame) -> Value:
        values = self._elements(node.elements, frame)
        starred = any(isinstance(item, cst.StarredElement) for item in node.elements)
        entries = entries_of(zip((item.value for item in node.elements), values))
        return container_of(values, None if starred else tuple(values), entries)

    _eval_List = _eval_Tuple

    def _eval_Set(self, node: cst.Set, frame: Frame) -> Value:
        return container_of(self._elements(node.elements, frame))

    def _eval_Dict(self, node: cst.Dict, frame: Frame) -> Value:
        values, by_key = [], []
        entered: List[Tuple[cst.BaseExpression, Value]] = []
        for item in node.elements:
            if isinstance(item, cst.DictElement):
                key = self.evaluate(item.key, frame).constant
                value = self.evaluate(item.value, frame)
                if isinstance(key, str):
                    by_key.append((key, value))
                values.append(value)
                entered.append((item.value, value))
            else:
                values.append(element(self.evaluate(item.value, frame)))
        keyed = len(by_key) == len(node.elements)
        unseen = len(entered) < len(node.elements)  # {**other}: its tensors entered elsewhere
        return replace(container_of(values, entries=entries_of(entered)), attributes=tuple(by_key) if keyed else (),
                       keyed=keyed, unknown_entries=unseen)

    def _comprehension_frame(self, node: cst.BaseComp, frame: Frame, first: Optional[Value] = None) -> Frame:
        inner = frame.branch()
        clause: Optional[cst.CompFor] = node.for_in
        while clause is not None:
            iterable = first if first is not None and clause is node.for_in else self.evaluate(clause.iter, inner)
            self.bind(clause.target, element(iterable), inner)
            for condition in clause.ifs:
                self.evaluate(condition.test, inner)
            clause = clause.inner_for_in
        return inner

    def bind(self, target: cst.BaseExpression, value: Value, frame: Frame,
             source: Optional[cst.BaseExpression] = None) -> None:
        """Give an assignment target its value: names, attributes, items, unpacking.

        ``source`` is the assigned expression, where there is one (for fixes)."""
        if isinstance(target, cst.Name):
            if source is None:
                frame.sources.pop(target.value, None)
            else:
                frame.sources[target.value] = source
                if value.grad is Grad.UNKNOWN and value.kind in (Kind.TENSOR, Kind.UNKNOWN):
                    # loss = criterion(out, y) with criterion from elsewhere, then loss.backward()
                    value = self.calls.differentiated(frame, target.value, source) or value
            frame.rebind(target.value, value)
            owner = None if source is None else self._model_owner(source, frame) if value.kind is Kind.MODULE \
                else self.model_iterated(source, frame) if value.kind is Kind.CONTAINER else None
            # layer = model.layer4, layers = dict(model.named_modules()): (holds) parts of model
            if owner is not None and owner != target.value:
                self.mark_part_of(target.value, owner, frame)
            if target.value in frame.global_names or target.value in frame.nonlocal_names:
                # the module's or an enclosing function's variable, which other functions read
                self.calls.note_write(frame, target.value, value, adds=False)
        elif isinstance(target, cst.Attribute):
            self._bind_attribute(target, value, frame)
            if isinstance(source, cst.Name) and value.kind in (Kind.MODULE, Kind.UNKNOWN):
                self._store_model(source.value, target, frame)
            self._add_part(target, value, frame)
        elif isinstance(target, cst.Subscript):
            self._bind_item(target, value, frame, source)
            self._add_part(target, value, frame)
        elif isinstance(target, (cst.Tuple, cst.List)):
            self._unpack(target, value, frame)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, container_of([element(value)]), frame)

    def _bind_attribute(self, target: cst.Attribute, value: Value, frame: Frame) -> None:
        key = dotted_name(target)
        if key is None:
            self.evaluate(target.value, frame)
            return
        frame.rebind(key, value)
        self.calls.note_write(frame, key, value, adds=False)

    def _bind_item(self, target: cst.Subscript, value: Value, frame: Frame,
                   source: Optional[cst.BaseExpression] = None) -> None:
        for item in target.slice:
            self.evaluate_children(item, frame)
        key = place_key(target.value, frame)
        if key is None:
            self.evaluate(target.value, frame)
            return
        # what the chain holds here, or what its object holds (an attribute set by another method)
        current = frame.lookup(key) or self.evaluate(target.value, frame)
        # frame["score"] = t: pandas converts t; preds[start:end] = t: NumPy converts t to copy it in
        if current.kind is Kind.CONSUMER or current.array and _takes_a_slice(target):
            converted = source if source is not None else target
            frame.context.record(ConversionSite(ConversionStyle.IMPLICIT, target, target, f"{key}[...] =", converted,
                                                value, frame.mode, detach_points(converted, value)))
            return
        if current.kind is Kind.OTHER:  # costs[i] = loss: a NumPy array stores float(loss), no tensor
            return
        if current.kind is Kind.MODULE:  # model[2] = nn.Linear(...): a part replaced, still the model
            return
        if current.kind is Kind.TENSOR:  # x[mask] = y copies y into x: under no_grad, records no graph
            # x stays where it is: a GPU output copied into a host buffer leaves it on the host
            value = replace(self.computed(value, frame), device=current.device, placed=current.placed)
            frame.set(key, join(current, value))
        else:
            frame.set(key, with_item(current, _entry_key(target, current, frame), value))
        constant_key = element_key(target, frame)
        if constant_key is not None:
            frame.rebind(constant_key, value)  # what was known of its own entries goes stale
        self.note_entry_write(target.value, key, value, frame, constant_index(target, frame))

    def note_entry_write(self, holder: cst.BaseExpression, key: str, entry: Value, frame: Frame,
                         entry_key: Optional[str] = None) -> None:
        """``entry`` entered the container at ``key`` (the place ``holder``), under ``entry_key``
        when known.  When that container is itself an entry (``log["train"]["loss"] = x``), each
        container above it holds the new entry, up to the variable or attribute the chain starts
        from, and the write outlives the call there: what entered that one is the entry that
        changed, under its key."""
        while isinstance(holder, cst.Subscript):
            above = place_key(holder.value, frame)
            if above is None:
                break
            grown = frame.lookup(key)
            assert grown is not None  # just set
            current = frame.lookup(above) or self.evaluate(holder.value, frame)
            entry_key = constant_index(holder, frame)
            frame.set(above, with_item(current, entry_key, grown))
            holder, key, entry = holder.value, above, grown
        self.calls.note_write(frame, key, entry, adds=True, entry_key=entry_key)

    def _unpack(self, target: Union[cst.Tuple, cst.List], value: Value, frame: Frame) -> None:
        elements = target.elements
        starred = any(isinstance(item, cst.StarredElement) for item in elements)
        if value.fields is not None and not starred and len(value.fields) == len(elements):
            for item, field_value in zip(elements, value.fields):
                self.bind(item.value, field_value, frame)
            return
        if value.fields is not None and starred and len(value.fields) >= len(elements) - 1:
            star = next(i for i, item in enumerate(elements) if isinstance(item, cst.StarredElement))
            after = len(elements) - star - 1
            rest = value.fields[star:len(value.fields) - after]
            for item, field_value in zip(elements[:star], value.fields[:star]):
                self.bind(item.value, field_value, frame)
            self.bind(elements[star].value, container_of(rest, rest), frame)
            for item, field_value in zip(elements[star + 1:], value.fields[len(value.fields) - after:]):
                self.bind(item.value, field_value, frame)
            return
        star = next((i for i, item in enumerate(elements) if isinstance(item, cst.StarredElement)), len(elements))
        for position, item in enumerate(elements):
            if isinstance(item, cst.StarredElement):
                self.bind(item, element(value), frame)
            else:  # first, *rest, last = batch: its first and last (any, where positions are unknown)
                self.bind(item.value, element(value, position if position < star else position - len(elements)), frame)

    def _eval_ListComp(self, node: cst.ListComp, frame: Frame) -> Value:
        clause = node.for_in
        iterable = self.evaluate(clause.iter, frame)
        known = entries_run_one_by_one(iterable)
        if clause.inner_for_in is None and known:
            made = self._per_entry(node, known, frame)  # [cls() for cls in classes]: one each
            fields = None if clause.ifs else tuple(made)  # (a filter leaves the positions unknown)
            return container_of(made, fields, entries_of([(node.elt, value) for value in made]))
        inner = self._comprehension_frame(node, frame, iterable)
        value = self.evaluate(node.elt, inner)
        return container_of([value], entries=entries_of([(node.elt, value)]))

    def _per_entry(self, node: Union[cst.ListComp, cst.DictComp], known: Sequence[Value],
                   frame: Frame) -> List[Value]:
        """The element a comprehension makes from each known entry, each in a pass of its own,
        for the entries its filter keeps (``if isinstance(m, Gate)``: the Gate parts)."""
        made: List[Value] = []
        seen: Dict[SiteKey, ConversionSite] = {}
        for entry in known:
            inner = frame.branch()
            self.bind(node.for_in.target, entry, inner)
            if self._filtered_out(node.for_in.ifs, inner):
                continue
            if isinstance(node, cst.DictComp):
                self.evaluate(node.key, inner)
                made.append(self.evaluate(node.value, inner))
            else:
                made.append(self.evaluate(node.elt, inner))
            keep_raising_sites(seen, frame.context.sites)
        frame.context.sites.update(seen)
        return made

    def _filtered_out(self, conditions: Sequence[cst.CompIf], frame: Frame) -> bool:
        """Whether a comprehension's filter drops this pass's entry; else ``frame`` holds what the
        filter tells of it (``if t.requires_grad``: see narrowing)."""
        for condition in conditions:
            test = self.evaluate(condition.test, frame).constant
            if test is not None and not test:
                return True
            if test is None:
                self.refine(condition.test, frame, frame.branch())
        return False

    _eval_SetComp = _eval_ListComp
    _eval_GeneratorExp = _eval_ListComp

    def _eval_DictComp(self, node: cst.DictComp, frame: Frame) -> Value:
        iterable = self.evaluate(node.for_in.iter, frame)
        known = entries_run_one_by_one(iterable)
        if node.for_in.inner_for_in is None and known:  # {name: f(m) for name, m in parts}: one each
            return container_of(self._per_entry(node, known, frame))
        inner = self._comprehension_frame(node, frame, iterable)
        self.evaluate(node.key, inner)
        return container_of([self.evaluate(node.value, inner)])

    def _eval_Subscript(self, node: cst.Subscript, frame: Frame) -> Value:
        key = element_key(node, frame)
        known = frame.lookup(key) if key is not None else None
        base = self.evaluate(node.value, frame)
        indices = [self.evaluate(item.slice.value, frame) for item in node.slice if isinstance(item.slice, cst.Index)]
        for item in node.slice:
            if not isinstance(item.slice, cst.Index):
                self.evaluate_children(item, frame)
        if known is not None:
            return known
        info = self.calls.class_of(base) if base.kind in (Kind.UNKNOWN, Kind.MODULE) else None
        method = info.method(torch_api.ITEM_METHOD) if info is not None else None
        if method is not None and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            # forecast[0.5]: the class's own __getitem__ runs on the object
            index = node.slice[0].slice.value
            return self.calls.read_item(method, node, base, (index, indices[0]), frame)
        value = self.subscript(base, node, indices)
        if base.kind is Kind.TENSOR and any(index.kind in (Kind.TENSOR, Kind.CONTAINER) for index in indices):
            return self.computed(value, frame)  # advanced indexing copies: no view under no_grad
        return value

    def subscript(self, base: Value, node: cst.Subscript, indices: Sequence[Value] = ()) -> Value:
        index = node.slice[0].slice if len(node.slice) == 1 else None
        key = indices[0].constant if len(indices) == 1 and isinstance(indices[0].constant, str) else None
        if key is not None:
            entry = dict(base.attributes).get(key)
            if entry is not None:
                return entry
        position: Position = key if key is not None else _constant_position(index)
        if position is None and isinstance(index, cst.Index):
            position = ANY_ENTRY  # det[c]: an entry, by a key not known here (not what iterating gives)
        if base.kind is Kind.CONTAINER:  # (an unknown key of a dict: any of its values)
            return base if isinstance(index, cst.Slice) else element(base, position) if position is not None \
                else base.item or UNKNOWN
        if base.kind is Kind.TENSOR and base.zero_dim and isinstance(index, cst.Index) and isinstance(
                index.value, cst.Integer):
            return OTHER  # loss.data[0]: IndexError, nothing comes out (a float before torch 0.4)
        if base.array and not _takes_a_slice(node):
            return replace(base, array=False)  # arr[0]: a row, or a NumPy scalar; arr[:, 0] is an array
        if base.kind in (Kind.TENSOR, Kind.FOREIGN, Kind.CONSUMER, Kind.OTHER):
            return base  # indexing a tensor is a view: it keeps requires_grad
        if base.kind is Kind.MODULE and not isinstance(index, cst.Slice):
            return part_of(base, position)  # nn.Sequential / ModuleList: a submodule
        if base.kind is Kind.MODULE or may_be_module(base):
            return base  # model[:-1]: a Sequential of the same parts
        return base if isinstance(index, cst.Slice) else element(base, position)

    # --- calls ----------------------------------------------------------
    def arguments(self, call: cst.Call, frame: Frame) -> Arguments:
        positional: List[Tuple[cst.BaseExpression, Value]] = []
        keywords: Dict[str, Tuple[cst.BaseExpression, Value]] = {}
        unpacked = False
        spread: Optional[Tuple[cst.BaseExpression, Value]] = None
        parts: List[Tuple[cst.BaseExpression, Value]] = []
        by_name: List[Tuple[cst.BaseExpression, Value]] = []  # **d
        spread_from: Optional[Value] = None
        for arg in call.args:
            value = self.with_known_attributes(arg.value, self.evaluate(arg.value, frame), frame)
            if arg.star == "*" and value.fields is not None and spread is None:  # f(*pair): its items
                items = [(arg.value, field_value) for field_value in value.fields]
                positional.extend(items)
                parts.extend(items)
            elif arg.star == "*":
                spread_from = value if spread is None else None
                spread = spread or (arg.value, element(value))
            elif arg.star and value.kind is Kind.CONTAINER and value.keyed:  # f(**metrics): by its keys
                entries = [(name, (arg.value, held)) for name, held in value.attributes]
                keywords.update(entries)
                parts.extend(entry for _, entry in entries)
            elif arg.star:
                unpacked = True
                by_name.append((arg.value, value))
            elif arg.keyword is not None:
                keywords[arg.keyword.value] = (arg.value, value)
            else:
                positional.append((arg.value, value))
        if spread is None:  # model(**batch): taken for the next positional argument (a guess)
            positional.extend(by_name)
        elif by_name:  # fn(*args, **kwargs): the positions are the spread's; the dict binds by name only
            keywords[_DICT_UNPACKED] = by_name[0]
        arguments = Arguments(positional, keywords, unpacked, spread=spread)
        arguments.spread_from = spread_from
        arguments.parts.extend(parts)
        arguments.by_name.extend(by_name)
        return arguments

    def with_known_attributes(self, expression: cst.BaseExpression, value: Value, frame: Frame,
                              settled: bool = False) -> Value:
        """``state`` (or ``self.state``) with what this scope knows of ``state.positions``: a
        callee reads it too.  ``settled``: only what is known here, not what depends on this
        function's parameters (a method run on the receiver could not tell them apart)."""
        key = dotted_name(expression)
        return value if key is None else self.with_attributes_under(key, value, frame, settled)

    def with_attributes_under(self, key: str, value: Value, frame: Frame, settled: bool = False) -> Value:
        """``value``, held by ``key``, with what this scope knows under ``key.name``."""
        prefix = key + "."
        known = {
            name[len(prefix):]: frame.env[name] for name in frame.compound_keys.get(root_of(key), ())
            if name in frame.env and name.startswith(prefix)
            and "." not in name[len(prefix):] and "[" not in name[len(prefix):]
        }
        if settled:
            known = {name: kept for name, held in known.items() if (kept := without_parameters(held)) is not None}
        if not known:
            return value
        return replace(value, attributes=tuple(sorted({**dict(value.attributes), **known}.items())))

    def receiver(self, expression: cst.BaseExpression, frame: Frame) -> Value:
        """A method's receiver, with what this scope wrote on it (``tracker.value = t`` then
        ``tracker.report()``).  Not for ``self``: what a method writes there reaches its class
        already (``note_write``), and an instance whose attributes differ at every call would be
        interpreted again at every call (transformers' trainer.py took 1.7 times as long)."""
        value = self.evaluate(expression, frame)
        if isinstance(expression, cst.Name) and expression.value == frame.self_name:
            return value
        return self.with_known_attributes(expression, value, frame, settled=True)

    def _eval_Call(self, node: cst.Call, frame: Frame) -> Value:
        func = node.func
        if isinstance(func, cst.Attribute):
            key = dotted_name(func)
            known = frame.lookup(key) if key is not None else None
            if known is None:
                receiver = self.receiver(func.value, frame)
                if receiver.kind is not Kind.REFERENCE:
                    return self.method_call(node, func, receiver, self.arguments(node, frame), frame)
        callee = self.callee(func, frame)
        arguments = self.arguments(node, frame)
        return self.call(node, callee, arguments, frame)

    def callee(self, func: cst.BaseExpression, frame: Frame) -> Value:
        """The called value; a function of this file called here does not escape."""
        if isinstance(func, cst.Name):
            value = self.lookup(frame, func.value)
            if value is not None:
                return value
        return self.evaluate(func, frame)

    def call(self, node: cst.Call, callee: Value, arguments: Arguments, frame: Frame) -> Value:
        if callee.bound_arguments:  # functools.partial(fn, a, key=b)(c)
            arguments = arguments.with_bound(callee.bound_arguments)
        if callee.captured:  # a closure: what its factory was called with
            arguments.captured = [(name, (node.func, value)) for name, value in callee.captured]
            arguments.parts.extend(entry for _, entry in arguments.captured)
        if callee.kind is Kind.REFERENCE:
            return self.library_call(node, callee.qualified_name or "", arguments, frame)
        if callee.kind is Kind.FUNCTION:
            return self._local_call(node, callee, arguments, frame)
        if callee.kind is Kind.MODULE:
            return self.module_output(node, callee, arguments, frame)
        if callee.kind is Kind.CONSUMER:  # draw = partial(ax.scatter, s=3); draw(x, y): a plotting method
            self.record_implicit(node, short_name(dotted_name(node.func) or "..."), arguments, frame)
            return CONSUMER
        if callee.kind is Kind.FOREIGN:
            return callee
        if callee.sets_grad_mode is not None:  # torch.no_grad()(lambda: ...): a decorated function
            wrapped = arguments.positional[0][1] if len(arguments.positional) == 1 else OTHER
            if wrapped.kind is Kind.FUNCTION:
                self.calls.decorate(wrapped, callee.sets_grad_mode)
            return wrapped
        if callee.record is not None:  # Output(logits, loss) with Output a namedtuple
            return record_of(callee.record, [value for _, value in arguments.positional],
                             {name: value for name, (_, value) in arguments.keywords.items()})
        instance = self.calls.class_of(callee)
        runs = instance.method(torch_api.INSTANCE_CALL_METHOD) if instance is not None else None
        if runs is not None:  # metric(pred, y) with metric = Metric(): Metric.__call__
            return self.calls.call_function(runs, node, arguments.prepended((node.func, callee)), frame)
        if may_be_module(callee):  # torch.load(path)(x), model.backbone(x): a model
            return self.module_output(node, replace(callee, kind=Kind.MODULE, grad=Grad.YES), arguments, frame)
        if callee.params:  # loss_fn(y_pred, y) with loss_fn a parameter: each call site passes one
            output = self.computed(grad_of_computation([callee] + arguments.values(), Kind.UNKNOWN), frame)
            if output.origin is None:  # what it gives, not the parameter itself (``run(model)``: a tensor)
                output = replace(output, origin=Origin("output of", node, Evidence.GUESSED))
            # a model handed in, on which this function registered hooks: they run at its call
            inputs = (node, container_of(arguments.values()))
            self._run_hooks(node, Effect.FORWARD_HOOK, [(node.func, callee), inputs, (node, output)], frame)
            return output
        # a name the file cannot resolve (a star import, a builtin no table knows): what it gives
        # may require grad where its arguments do, but is no proof of where it lives (a helper
        # from `from utils import *` returns NumPy scores of GPU labels): at the call, not
        # placed with the arguments (the host, as at the module level)
        params = frozenset().union(*(value.params for value in arguments.values()))
        return self.computed(Value(Kind.UNKNOWN, Grad.UNKNOWN, params=params, device=Device.CPU if params else None),
                             frame)

    def _local_call(self, node: cst.Call, callee: Value, arguments: Arguments, frame: Frame) -> Value:
        """A call of the file's function or class, or of any of them (a list of callbacks)."""
        if not callee.functions:
            return UNKNOWN
        return join_all(self._call_one(key, node, arguments, frame) for key in sorted(callee.functions))

    def _call_one(self, key: str, node: cst.Call, arguments: Arguments, frame: Frame) -> Value:
        info = self.calls.class_named(key)
        if info is not None:
            return self.calls.instantiate(info, node, arguments, frame)
        function = self.calls.function_named(key)
        if function is None:
            return UNKNOWN
        return self.calls.call_function(function, node, arguments, frame)

    def call_back(self, function: Value, node: cst.Call, arguments: Sequence[Tuple[cst.BaseExpression, Value]],
                  frame: Frame) -> Value:
        """What a library calls a function it was given with (``map(fn, xs)``, ``key=fn``; an
        object of a class of the file runs its ``__call__``: ``minimize(Objective(), x0)``)."""
        if function.kind in (Kind.UNKNOWN, Kind.OTHER) and \
                self.calls.class_named(function.qualified_name or "") is None:
            return UNKNOWN
        return self.call(node, function, Arguments(list(arguments), {}, False, elements=True), frame)

    def module_output(self, node: cst.Call, module: Value, arguments: Arguments, frame: Frame) -> Value:
        """What calling an nn.Module gives (a tensor that requires grad, unless frozen), after
        the forward hooks registered on it or its submodules ran, in the call's grad mode."""
        inputs = (node, container_of(arguments.values()))
        self._run_hooks(node, Effect.FORWARD_PRE_HOOK, [(node.func, module), inputs], frame)
        # a module only guessed from use (a pipeline moved with .to(device)) may give anything
        placing = [module] if evidence(module) >= Evidence.INFERRED else []
        output = devices.with_inputs_device(self._forward(node, module, arguments, frame),
                                            [*placing, *arguments.values()])
        if module.zero_dim and output.kind is Kind.TENSOR:  # loss_fn(output, target): no dimensions
            output = replace(output, zero_dim=True)
        self._run_hooks(node, Effect.FORWARD_HOOK, [(node.func, module), inputs, (node, output)], frame)
        return output

    def _run_hooks(self, node: cst.Call, kind: Effect, given: List[Tuple[cst.BaseExpression, Value]],
                   frame: Frame) -> None:
        named = root_name(node.func)
        root = self._hook_root(named, frame) if named is not None else None
        place = torch_api.HOOK_ATTRIBUTES[kind]
        hooks = self._held_under(root, place, frame) if root else None
        if hooks is None and self._may_run_hooks_kept_elsewhere(named, frame):
            hooks = self.calls.hooks_of(given[0][1], place)
        if hooks is not None:
            self.call_back(element(hooks), node, given, frame)
        elif named is not None and named != frame.self_name and frame.context.function is not None and \
                named in frame.context.function.parameters:
            # the hooks of the model a caller passes: they run at that caller's call (``Result``)
            frame.context.module_calls.add((named, frame.mode))

    @staticmethod
    def _may_run_hooks_kept_elsewhere(named: Optional[str], frame: Frame) -> bool:
        """Whether a call here runs the hooks registered on the model where another name or
        object held it (a recorder's method; see ``keep_hooks_of``), which are known whenever
        they were registered: in a function, whose calls come in any order, but not at the
        module level, where the names tell what was registered so far, nor on a model's own part
        (``self.fc2(h)`` in ``forward``: hooks on parts run at the calls of the whole)."""
        if frame.context.function is None:
            return False
        return not (frame.owner is not None and frame.owner.is_module and named == frame.self_name)

    def run_hooks_of_passed_model(self, call: cst.Call, passed: Tuple[cst.BaseExpression, Value], mode: GradMode,
                                  frame: Frame) -> None:
        """A function the caller handed ``passed`` calls it as a module: the hooks registered on
        it run with what that call gives, reported at the caller's call (a conversion the caller's
        model makes, as for any argument a helper converts)."""
        expression, model = passed
        if self.calls.class_of(model) is not None:
            return  # a model of the file keeps its hooks with its class: they ran inside (``_held_under``)
        hooks = {kind: dict(model.attributes).get(name) for kind, name in torch_api.HOOK_ATTRIBUTES.items()}
        if not any(hooks.values()):
            return
        output = Value(Kind.TENSOR) if mode is GradMode.OFF else requires_grad(
            Origin("output of the model handed to", call))
        given = [(expression, model), (call, OTHER), (call, output)]
        for kind, held in hooks.items():
            if held is not None:
                self.call_back(element(held), call, given[:2] if kind is Effect.FORWARD_PRE_HOOK else given, frame)

    def _held_under(self, root: str, name: str, frame: Frame) -> Optional[Value]:
        """What ``root.name`` holds here, or, when ``root`` is an instance of a class of the file,
        what its methods stored there (hooks registered in ``__init__`` run at a call in another
        method)."""
        held = self.lookup(frame, f"{root}.{name}")
        if held is not None:
            return held
        instance = self.lookup(frame, root)
        if instance is None:
            return None
        passed = dict(instance.attributes).get(name)  # a model handed in with the hooks on it
        if passed is not None:
            return passed
        info = self.calls.class_of(instance)
        return info.attribute(name) if info is not None else None

    def _add_part(self, target: cst.BaseExpression, value: Value, frame: Frame) -> None:
        """``model.fc = nn.Linear(...)``, ``model.classifier[6] = ...`` on a frozen model: the new
        part's parameters require grad, so the model's output does again."""
        self._unfreeze(root_name(target), value, frame)

    def _unfreeze(self, key: Optional[str], part: Value, frame: Frame) -> None:
        """The frozen model at ``key`` got ``part``: if the part trains, so does the model."""
        model = frame.lookup(key) if key is not None else None
        trainable = part.kind is Kind.MODULE and not part.frozen and part.grad is Grad.YES
        if key is None or model is None or not model.frozen or not trainable:
            return
        frame.set(key, replace(model, frozen=False, grad=Grad.YES, origin=part.origin or model.origin))
        if key != root_of(key):  # self.net.append(...): what other methods read
            self.calls.note_write(frame, key, frame.env[key], adds=False)

    def add_part_by_call(self, model: cst.BaseExpression, name: str, arguments: Arguments, frame: Frame) -> None:
        """The part a part-adding method of a module is handed (see ``MODULE_PART_ADDERS``)."""
        values = arguments.values()
        position = torch_api.MODULE_PART_ADDERS[name]
        if position < len(values):
            part = values[position]
            self._unfreeze(dotted_name(model), element(part) if name in torch_api.MODULE_PART_LIST_ADDERS else part,
                           frame)

    def _store_model(self, name: str, target: cst.Attribute, frame: Frame) -> None:
        """``self.model = model``: the object is stored in another, and calls through either name
        are calls of it.  Hooks registered through ``model`` are kept with the object's (its
        ``_hook_root``), those already registered included, so that a method calling
        ``self.model(x)`` runs them."""
        holder = root_name(target)
        if holder is None or holder == name:
            return
        root = self._hook_root(holder, frame)
        for hooks in torch_api.HOOK_ATTRIBUTES.values():
            registered = self.lookup(frame, f"{self._hook_root(name, frame)}.{hooks}")
            if registered is not None:
                self._add_hooks(f"{root}.{hooks}", registered, frame)
        self.mark_part_of(name, root, frame)

    def _forward(self, node: cst.Call, module: Value, arguments: Arguments, frame: Frame) -> Value:
        if module.frozen or module.grad is Grad.NO:
            return self.arithmetic([Value(Kind.TENSOR)] + arguments.values(), frame)
        if module.params and module.qualified_name is None and evidence(module) is Evidence.GUESSED:
            # a parameter only guessed a module here (model.eval(), then model(x)): what its output
            # requires is what the module each caller passes gives, as for a parameter called
            # directly (a use that proves more, net.zero_grad(), makes it a module with parameters)
            unknown = replace(module, kind=Kind.UNKNOWN, grad=Grad.UNKNOWN, origin=None)
            return self.computed(grad_of_computation([unknown] + arguments.values(), Kind.UNKNOWN), frame)
        info = self.calls.class_named(module.qualified_name or "")
        forward = info.method(torch_api.FORWARD_METHOD) if info else None
        if forward is not None:
            bound = arguments.prepended((node.func, module))
            return self.calls.call_function(forward, node, bound, frame)
        origin = Origin("output of model call", node, evidence(module))
        output = self.computed(requires_grad(origin), frame)
        integers = torch_api.integer_output_entries(module.qualified_name or "")
        if not integers:
            return output
        # detection models: a dict per image, whose class ids are integers
        class_ids = tuple((name, Value(Kind.TENSOR)) for name in sorted(integers))
        per_image = Value(Kind.CONTAINER, item=output, attributes=class_ids)
        return Value(Kind.CONTAINER, item=per_image)

    def _model_owner(self, source: cst.BaseExpression, frame: Frame) -> Optional[str]:
        """The model a name bound to ``source`` is part of: ``model`` for ``model.layer4[0]``
        or ``model`` itself, and the model a name it starts from is part of."""
        if not isinstance(source, (cst.Name, cst.Attribute, cst.Subscript)):
            return None
        root = root_name(source)
        return self._hook_root(root, frame) if root is not None else None

    def model_iterated(self, iterable: cst.BaseExpression, frame: Frame) -> Optional[str]:
        """The model whose parts a loop goes over: ``model`` in ``for layer in model.modules()``,
        ``model.named_children()``, ``enumerate(model)``, ``model.features``."""
        iterable = _parts_iterated(iterable)
        source: Optional[cst.BaseExpression] = None
        if isinstance(iterable, (cst.List, cst.Tuple, cst.Set)):
            return self._owner_of_listed_parts(iterable, frame)
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute):
            if iterable.func.attr.value in torch_api.MODULE_PART_ITERATORS:
                source = iterable.func.value
        else:
            key = dotted_name(iterable)
            held = self.lookup(frame, key) if key is not None else None
            if held is None and key is not None and key != root_of(key):
                held = self.evaluate(iterable, frame)  # self.blocks, which the class's constructor stored
            source = iterable if held is not None and held.kind is Kind.MODULE else None
        return self._model_owner(source, frame) if source is not None else None

    def parts_container(self, iterable: cst.BaseExpression, frame: Frame) -> Optional[Tuple[str, Value]]:
        """The name that holds the parts a loop goes over, when it holds them as elements, and
        what it holds: ``self.blocks`` in ``for block in self.blocks``, ``enumerate(self.blocks)``."""
        source = _parts_iterated(iterable)
        key = dotted_name(source)
        held = self.evaluate(source, frame) if key is not None and key != root_of(key) else None
        return (key, held) if key and held and held.kind is Kind.MODULE and (held.item or held.fields) else None

    def _owner_of_listed_parts(self, listed: Union[cst.List, cst.Tuple, cst.Set], frame: Frame) -> Optional[str]:
        """``[net.encoder, net.decoder]``, ``(model[0], model[2])``: parts named one by one, all
        of one model (not ``[teacher, student]``, two models)."""
        owners = set()
        for entry in listed.elements:
            part = entry.value if isinstance(entry, cst.Element) else None
            if not isinstance(part, (cst.Attribute, cst.Subscript)) or root_name(part) is None or \
                    self.evaluate(part, frame).kind is not Kind.MODULE:
                return None
            owners.add(self._model_owner(part, frame))
        return owners.pop() if len(owners) == 1 else None

    @staticmethod
    def mark_part_of(name: str, model: str, frame: Frame, container: Optional[Tuple[str, Value]] = None) -> None:
        """``name`` holds the model ``model`` or a part of it: hooks registered through it are
        ``model``'s (``_hook_root``); one of the elements of ``container`` (its name, what it
        held when the loop began), when given."""
        frame.set(f"{name}.{torch_api.MODULE_OWNER_ATTRIBUTE}", Value(Kind.OTHER, constant=model))
        if container is not None:
            key, held = container
            frame.set(f"{name}.{torch_api.ELEMENT_OF_ATTRIBUTE}", Value(Kind.OTHER, constant=key, item=held))

    def container_of_part(self, name: str, frame: Frame) -> Optional[Tuple[str, Value]]:
        """The name whose elements the loop that bound ``name`` goes over, and what it holds."""
        marked = self.lookup(frame, f"{name}.{torch_api.ELEMENT_OF_ATTRIBUTE}")
        if marked is None or not isinstance(marked.constant, str) or marked.item is None:
            return None
        return marked.constant, self.lookup(frame, marked.constant) or marked.item

    def _hook_root(self, name: str, frame: Frame) -> str:
        """The name under which the hooks of the model ``name`` (or of a part of it) are kept."""
        owner = self.lookup(frame, f"{name}.{torch_api.MODULE_OWNER_ATTRIBUTE}")
        return owner.constant if owner is not None and isinstance(owner.constant, str) else name

    def register_hook(self, effect: Effect, func: cst.Attribute, receiver: Value, arguments: Arguments,
                      frame: Frame) -> Value:
        """``model.layer4.register_forward_hook(hook)``: the hook runs at each later call of the
        model (the registration's root name, or the model it names a part of), with the call's
        output, in the call's grad mode.  The hooks are kept as a pseudo-attribute of the model,
        so they travel like its state: under the name registered through too (a parameter's
        hooks are its caller's model's, when the model is also stored in ``self``)."""
        if not arguments.positional:
            return OTHER
        hook, place = arguments.positional[0][1], torch_api.HOOK_ATTRIBUTES[effect]
        self._hooks_on_an_element_of_a_parameter(func.value, receiver, place, hook, frame)
        keys = self.add_hooks_on(func.value, receiver, place, hook, frame)
        if not keys:
            return OTHER
        registered = Value(Kind.OTHER, constant=keys, item=container_of([hook]))
        return Value(Kind.OTHER, attributes=((torch_api.HOOK_HANDLE_ATTRIBUTE, registered),))

    def _hooks_on_an_element_of_a_parameter(self, expression: cst.BaseExpression, model: Value, place: str,
                                            hook: Value, frame: Frame) -> None:
        """``for layer in layers: layer.register_forward_hook(h)`` with ``layers`` a parameter:
        the models the caller passes get the hook (registered under the parameter's own name,
        the write reaches the caller already)."""
        if frame.context.function is None or len(model.params) != 1 or not is_read_of_a_parameter(model):
            return
        name = next(iter(model.params))
        if root_name(expression) != name:
            self.calls.note_write(frame, f"{name}.{place}", hook, adds=True)

    def add_hooks_on(self, model: cst.BaseExpression, held: Value, attribute: str, hook: Value,
                     frame: Frame) -> Tuple[str, ...]:
        """``hook`` now runs at the calls of the model ``model`` names (and ``held`` is), or names
        a part of (``model[0]``, ``layer`` bound to ``model.fc``): registered here, or by a
        function this scope handed ``model`` to.  Kept with the object too (``keep_hooks_of``);
        the names under which they are kept."""
        self.calls.keep_hooks_of(held, attribute, hook)
        named = root_name(model)
        root = self._hook_root(named, frame) if named is not None else None
        if root is None or named is None:
            return ()
        keys = tuple(dict.fromkeys(f"{name}.{attribute}" for name in (root, named)))
        for key in keys:
            self._add_hooks(key, container_of([hook]), frame)
        return keys

    def _add_hooks(self, key: str, hooks: Value, frame: Frame) -> None:
        current = self.lookup(frame, key)
        frame.set(key, hooks if current is None else join(current, hooks))
        self.calls.note_write(frame, key, element(hooks), adds=True)

    @staticmethod
    def remove_hook(handle: Value, frame: Frame) -> None:
        """``handle.remove()``: the hook no longer runs, when it is the only one this scope
        registered there (a removal elsewhere, or of one hook among several, is not followed).
        None are left there: not even those an object's other methods registered (``_held_under``)."""
        keys, registered = handle.constant, handle.item
        for key in keys if isinstance(keys, tuple) else ():
            if frame.binding_frame(key) is frame and frame.env.get(key) == registered:
                frame.env[key] = Value(Kind.CONTAINER)

    # --- library calls ----------------------------------------------------
    def library_call(self, node: cst.Call, name: str, arguments: Arguments, frame: Frame) -> Value:
        if name.startswith("builtins."):
            return self.builtin_call(node, name[len("builtins."):], arguments, frame)
        effect = torch_api.effect_of_qualified_name(name)
        differentiated = arguments.positional[0][0] if arguments.positional else None
        if name in torch_api.DIFFERENTIATING_FUNCTIONS and isinstance(differentiated, cst.Name):
            self.calls.note_differentiated(frame, differentiated.value, node)
        if effect is not Effect.PARTIAL:  # a library may call what it is given: dataset.map(fn)
            for value in arguments.values():
                if value.kind is Kind.FUNCTION:
                    self._mark_escaped(value)
        if is_true(arguments.keyword(torch_api.CREATE_GRAPH_KEYWORD)):  # torch.autograd.grad(..., create_graph=True)
            if name in torch_api.GRAD_FILLING_FUNCTIONS:
                self.grads_have_graph = node
            return container_of([requires_grad(Origin("gradient computed with create_graph=True", node))])
        if name.startswith(torch_api.TENSOR_CLASS_PREFIX) and arguments.positional:
            return self._unbound_tensor_method(node, name, arguments, frame)
        if effect is None:
            return UNKNOWN
        return effects.transfer("call", effects.Use(self, effect, node, name, arguments, frame))

    def _unbound_tensor_method(self, node: cst.Call, name: str, arguments: Arguments, frame: Frame) -> Value:
        """``torch.Tensor.numpy(t)``: a method called through the class."""
        receiver_expression, receiver = arguments.positional[0]
        method = name[len(torch_api.TENSOR_CLASS_PREFIX):]
        if method == torch_api.NUMPY_METHOD:
            site = ConversionSite(ConversionStyle.EXPLICIT, node, node.func, ".numpy()", receiver_expression,
                                  receiver, frame.mode, (receiver_expression,))
            frame.context.record(site)
            return replace(NDARRAY, zero_dim=receiver.zero_dim)
        return self.method_of_first_argument(node, method, arguments, frame)

    def method_of_first_argument(self, node: cst.Call, method: str, arguments: Arguments, frame: Frame) -> Value:
        """``torch.Tensor.add(t, u)``, ``np.squeeze(t)``: ``t``'s own method, given the other arguments."""
        receiver = arguments.positional[0][1]
        rest = Arguments(arguments.positional[1:], arguments.keywords, arguments.unpacked)
        return self.tensor_method(node, method, torch_api.member_effect(method), receiver, rest, frame)

    def builtin_call(self, node: cst.Call, name: str, arguments: Arguments, frame: Frame) -> Value:
        effect = torch_api.BUILTINS.get(name)
        if name == torch_api.ATTRIBUTE_GETTER:
            return self._attribute_named(node, arguments, frame)
        if effect is None:
            return OTHER
        if f"builtins.{name}" == torch_api.TYPE_TEST:
            decided = self._instance_of_the_files_class(arguments)
            if decided is not None:  # isinstance(m, Gate) for each part in a loop over model.modules()
                return Value(Kind.OTHER, constant=decided)
        use = effects.Use(self, effect, node, name, arguments, frame)
        key = arguments.keywords.get(torch_api.CALLBACK_KEYWORD)
        if effect is not Effect.SUPER and key is not None and arguments.positional:
            # sorted(xs, key=fn): fn sees each element
            self.call_back(key[1], node, [(arguments.positional[0][0], element(arguments.positional[0][1]))], frame)
        return effects.transfer("builtin", use)

    def _instance_of_the_files_class(self, arguments: Arguments) -> Optional[bool]:
        """``isinstance(obj, Cls)`` with ``Cls`` a class of the file, when the class ``obj`` was
        made from is known: an object of the file's classes or a library layer (never one)."""
        if len(arguments.positional) != 2:
            return None
        (_, instance), (_, cls) = arguments.positional
        target = self.calls.class_named(cls.qualified_name or "") if cls.kind is Kind.FUNCTION else None
        made_from = instance.qualified_name
        if target is None or made_from is None or instance.kind not in (Kind.MODULE, Kind.UNKNOWN):
            return None
        own = self.calls.class_named(made_from)
        if own is not None:
            return any(info is target for info in own.lineage())
        return False if made_from.startswith(f"{torch_api.DERIVED_ROOT}.") else None

    # --- conversions ----------------------------------------------------
    def record_implicit(self, node: cst.Call, consumer: str, arguments: Arguments, frame: Frame,
                        tensors_only: bool = False, dispatched: bool = False) -> None:
        """``dispatched``: the first argument is converted only if it is no tensor (``np.shape``)."""
        first = arguments.positional[0] if arguments.positional else None
        for expression, value in arguments.all():
            if tensors_only and value.kind is Kind.CONTAINER and not any(
                    column.kind is Kind.TENSOR for _, column in value.attributes):
                continue  # a list of tensors becomes an object column; a dict of tensors is converted
            part = arguments.is_part((expression, value))
            points = () if part else detach_points(expression, value)
            site = ConversionSite(ConversionStyle.IMPLICIT, node, node.func, f"{consumer}()", expression, value,
                                  frame.mode, points, of_elements=part,
                                  unless_tensor=dispatched and (expression, value) == first)
            frame.context.record(site)

    def record_result_conversion(self, node: cst.Call, consumer: str, function: cst.BaseExpression, returned: Value,
                                 frame: Frame) -> None:
        """A library converts what a function it called returned: the site names the function."""
        frame.context.record(ConversionSite(ConversionStyle.IMPLICIT, node, node.func, f"{consumer}()", function,
                                            returned, frame.mode, of_result=True))

    def record_mixed(self, node: Union[cst.BinaryOperation, cst.AugAssign], tensor: cst.BaseExpression,
                     value: Value, array: cst.BaseExpression, operand: Value, frame: Frame) -> None:
        """``output - target`` (or ``output -= target``) with ``target`` an ndarray: the tensor
        leaves the operation to NumPy, which converts it (an ndarray on the left raises TypeError)."""
        if operand.array and value.kind in (Kind.TENSOR, Kind.UNKNOWN):
            # (an augmented assignment's target cannot be detached where it stands)
            points = () if isinstance(node, cst.AugAssign) else detach_points(tensor, value)
            frame.context.record(ConversionSite(ConversionStyle.MIXED, node, array, "arithmetic with a NumPy array",
                                                tensor, value, frame.mode, points))

    def record_explicit(self, node: cst.Call, func: cst.Attribute, receiver: Value, frame: Frame) -> None:
        site = ConversionSite(
            ConversionStyle.EXPLICIT, node, func.attr, ".numpy()", func.value, receiver, frame.mode,
            (strip_device_moves(func.value),),
        )
        frame.context.record(site)

    # --- method calls -----------------------------------------------------
    def _apply_autograd_function(self, function: ClassInfo, node: cst.Call, arguments: Arguments,
                                 frame: Frame) -> Value:
        """``Double.apply(x)``: the class's forward runs with grad off (its ``ctx`` first); what it
        returns requires grad where an input does, as the result of an op on them would."""
        forward = function.method(torch_api.FORWARD_METHOD)
        if forward is None:
            return UNKNOWN
        returned = self.calls.call_function(forward, node, arguments.prepended((node.func, OTHER)), frame)
        if returned.kind not in (Kind.TENSOR, Kind.UNKNOWN):  # a tuple of outputs, a number
            return returned
        return self.arithmetic([replace(returned, kind=Kind.TENSOR), *arguments.values()], frame)

    def method_call(self, node: cst.Call, func: cst.Attribute, receiver: Value, arguments: Arguments,
                    frame: Frame) -> Value:
        name = func.attr.value
        if name == torch_api.RECORD_REPLACE_METHOD and receiver.kind is Kind.CONTAINER and receiver.attributes:
            return _with_fields_replaced(receiver, arguments)
        if name == torch_api.DIFFERENTIATING_METHOD and isinstance(func.value, cst.Name):
            self.calls.note_differentiated(frame, func.value.value, node)
        instance = self.calls.class_named(receiver.qualified_name or "")
        if instance is not None and receiver.kind is Kind.FUNCTION:  # Utils.to_numpy(t), cls.build(...)
            method = instance.method(name)
            if instance.is_autograd_function and name == torch_api.AUTOGRAD_APPLY_METHOD:
                return self._apply_autograd_function(instance, node, arguments, frame)
            if method is None:
                return UNKNOWN
            if method.is_classmethod:
                arguments = arguments.prepended((func.value, receiver))
            return self.calls.call_function(method, node, arguments, frame)
        stored = dict(receiver.attributes).get(name) or (instance.attribute(name) if instance else None)
        if stored is not None:  # self.encoder(x)
            return self.call(node, stored, arguments, frame)
        wrapper = instance.wrapper(name) if instance is not None else None
        if wrapper is not None:  # a method decorated in the file: its wrapper gets the instance first
            return self.call(node, wrapper, arguments.prepended((func.value, receiver)), frame)
        method = instance.method(name) if instance is not None else None
        if method is not None:  # a static method called through an instance is not handed it
            if name == torch_api.NUMPY_METHOD:
                # the file's own .numpy() converts nothing; where another pass of a loop converts a
                # tensor there (``for model in [ours, nn.Linear(3, 1)]``), .detach() is no safe fix
                self.record_explicit(node, func, replace(receiver, kind=Kind.OTHER, grad=Grad.NO, origin=None,
                                                         params=frozenset()), frame)
            bound = arguments if method.is_staticmethod else arguments.prepended((func.value, self._bound_self(
                func.value, receiver, name, frame)))
            return self.calls.call_function(method, node, bound, frame)
        if name in torch_api.GRAD_FILLING_METHODS and is_true(arguments.keyword(torch_api.CREATE_GRAPH_KEYWORD)):
            self.grads_have_graph = node
        if name == torch_api.NUMPY_METHOD:
            force = arguments.keyword(torch_api.FORCE_KEYWORD)
            # Only tensors have .numpy() among the values we know; other libraries' do not raise.
            # Tensor.numpy() takes no positional argument: ``backend.numpy(x)`` is something else.
            tensor_method = not arguments.positional and receiver.kind in (Kind.TENSOR, Kind.UNKNOWN)
            if (force is None or is_false(force)) and tensor_method:
                self.record_explicit(node, func, receiver, frame)
            return replace(NDARRAY, zero_dim=receiver.zero_dim) if tensor_method else OTHER
        handle = dict(receiver.attributes).get(torch_api.HOOK_HANDLE_ATTRIBUTE) \
            if name == torch_api.HOOK_REMOVE_METHOD else None
        if handle is not None:
            self.remove_hook(handle, frame)
            return OTHER
        effect = torch_api.MEMBERS.get(name)
        if receiver.kind in (Kind.FOREIGN, Kind.OTHER):
            if effect is Effect.NUMBER_LIST:  # array.tolist(): a list, which a tensor may be stored into
                return self.tensor_method(node, name, effect, receiver, arguments, frame)
            # target.reshape(-1, 1) is an array again; target.mean() may be a NumPy scalar
            return replace(receiver, array=False) if receiver.array and name not in torch_api.ARRAY_METHODS \
                else receiver
        if effect in (Effect.FORWARD_HOOK, Effect.FORWARD_PRE_HOOK):
            return self.register_hook(effect, func, receiver, arguments, frame)
        if receiver.kind is Kind.CONSUMER:
            self.record_implicit(node, short_name(dotted_name(func) or name), arguments, frame)
            return CONSUMER
        if receiver.kind is Kind.CONTAINER:
            return self.container_method(name, receiver)
        if receiver.kind is Kind.MODULE and name in torch_api.MODULE_DICT_VIEWS and receiver.item is not None:
            # heads.items() of an nn.ModuleDict: (name, part) pairs, the parts it was given
            return self.container_method(name, Value(Kind.CONTAINER, item=part_of(receiver)))
        if _is_parameter_mapping_view(name, receiver):  # metrics.items() of a parameter: (key, some entry) pairs
            return self.container_method(name, Value(Kind.CONTAINER, item=element(receiver, ANY_ENTRY)))
        return self.tensor_or_module_method(node, func, receiver, arguments, frame)

    def container_method(self, name: str, receiver: Value) -> Value:
        item = receiver.item or UNKNOWN
        if name in torch_api.CONTAINER_ELEMENT_METHODS:
            return item
        if name == torch_api.CONTAINER_ITEMS_METHOD:
            pair = (OTHER, item)
            return Value(Kind.CONTAINER, item=container_of(pair, pair), fields=_known_items(receiver))
        if name in torch_api.CONTAINER_COPY_METHODS and receiver.keyed:
            # a dict known by its keys: its copy, or its values one by one
            values = tuple(held for _, held in receiver.attributes)
            return receiver if name == torch_api.MAPPING_COPY_METHOD else container_of(values, values)
        if name in torch_api.CONTAINER_COPY_METHODS:
            return container_of([item])
        # list.cpu(), parameters().detach()...: not tensors, whatever is inside them
        return OTHER

    def tensor_or_module_method(self, node: cst.Call, func: cst.Attribute, receiver: Value,
                                arguments: Arguments, frame: Frame) -> Value:
        result = self._tensor_or_module_method(node, func, receiver, arguments, frame)
        name = func.attr.value
        if name in torch_api.DEVICE_MOVES:  # t.cuda(), model.to(device), t.to(other)
            spec = arguments.device or arguments.first_value
            moved = devices.moved(result, name, spec, node)
            if frame.holding and (device_of(moved) or Device.CPU) is not Device.CPU:
                self.calls.note_placing(frame)
            return moved
        return result

    def _tensor_or_module_method(self, node: cst.Call, func: cst.Attribute, receiver: Value,
                                 arguments: Arguments, frame: Frame) -> Value:
        name = func.attr.value
        effect = torch_api.member_effect(name, receiver.qualified_name)
        module = receiver.kind is Kind.MODULE
        if effect in _MODULE_METHOD_EFFECTS and _fits_module_signature(name, arguments) or (
            module and name in torch_api.MODULE_CALL_METHODS
        ):
            return self.module_method(node, func, receiver, effect, arguments, frame)
        if module:
            if name in torch_api.MODULE_PART_ADDERS:  # model.append(nn.Linear(...)), model.add_module(...)
                self.add_part_by_call(func.value, name, arguments, frame)
                return receiver
            if effect is Effect.VIEW or name in torch_api.MODULE_RETURNS_SELF:
                return receiver  # model.to(device), model.cuda(), model.half()
            if effect is Effect.SOURCE and is_false(arguments.first_expression):
                return frozen(receiver)  # model.requires_grad_(False)
            if effect is Effect.SOURCE:
                return receiver
            if effect not in (Effect.STOP, Effect.INTEGER, Effect.NOT_TENSOR, Effect.NUMBER_LIST):
                return Value(Kind.UNKNOWN, Grad.UNKNOWN)
        return self.tensor_method(node, name, effect, receiver, arguments, frame)

    def tensor_method(self, node: cst.Call, name: str, effect: Optional[Effect], receiver: Value,
                      arguments: Arguments, frame: Frame) -> Value:
        return effects.transfer("method", effects.Use(self, effect, node, name, arguments, frame, receiver))

    def module_method(self, node: cst.Call, func: cst.Attribute, receiver: Value, effect: Optional[Effect],
                      arguments: Arguments, frame: Frame) -> Value:
        module = self.used_as_module(func.value, receiver, frame, _evidence_of_module_use(effect))
        use = effects.Use(self, effect, node, func.attr.value, arguments, frame, module)
        return effects.transfer("module", use, lambda _: self.module_output(node, module, arguments, frame))

    def _bound_self(self, expression: cst.BaseExpression, receiver: Value, method: str, frame: Frame) -> Value:
        """The instance a method runs on: for ``super().evaluate(x)``, ``self`` itself, whose class's
        overrides the base's method calls (``self.predict(x)`` runs the subclass's ``predict``); so
        for ``super().__init__()``, whose ``self.step = self.process`` binds the subclass's method.
        Otherwise the instance with what this scope knows it holds now (``net.maps()`` after
        ``with torch.no_grad(): net(x)`` reads what that call stored, not what any call did)."""
        if not is_super_call(expression) or frame.self_name is None:
            name = dotted_name(expression)
            return self._with_attributes_known_here(name, receiver, frame) if name is not None else receiver
        return self.lookup(frame, frame.self_name) or receiver

    def _with_attributes_known_here(self, name: str, instance: Value, frame: Frame) -> Value:
        """``instance`` (held by ``name``) with the attributes this scope has assigned under
        ``name`` since it was made (``name.block.attn``), over what its constructor stored."""
        binding = frame.binding_frame(name)
        prefix = name + "."
        keys = binding.compound_keys.get(root_of(name), ()) if binding is not None else ()
        paths = sorted(key[len(prefix):].split(".") for key in keys
                       if key.startswith(prefix) and "[" not in key and "__" not in key)
        known = instance
        for path in paths:
            held = self.lookup(frame, prefix + ".".join(path))
            if held is not None:
                known = self.with_attribute_at(known, path, held)
        return known

    def with_attribute_at(self, instance: Value, path: Sequence[str], held: Value) -> Value:
        """``instance`` whose attribute at ``path`` (``["block", "attn"]``) holds ``held``; where
        the path goes through an attribute of unknown value, ``instance`` as it is."""
        info = self.calls.class_of(instance)
        if info is None:
            return instance
        attributes = dict(instance.attributes)
        name = path[0]
        if len(path) > 1:
            inner = attributes.get(name) or info.attribute(name)
            if inner is None:
                return instance
            held = self.with_attribute_at(inner, path[1:], held)
        attributes[name] = held
        return replace(instance, attributes=tuple(sorted(attributes.items())))

    def used_as_module(self, expression: cst.BaseExpression, value: Value, frame: Frame,
                       evidence: Evidence = Evidence.GUESSED) -> Value:
        """``m.eval()`` on a value of unknown kind: from here on, ``m`` is a module, proved as
        far as ``evidence`` goes (``m.parameters()`` proves more than ``m.to(device)``)."""
        if value.kind is Kind.MODULE and value.origin is not None and value.origin.evidence < evidence:
            module = replace(value, origin=replace(value.origin, evidence=evidence))
        elif may_be_module(value):  # torch.load(path).eval(), model.backbone.eval()
            assert value.origin is not None
            module = replace(value, kind=Kind.MODULE, grad=Grad.YES,
                             origin=replace(value.origin, evidence=max(evidence, value.origin.evidence)))
        elif value.kind is Kind.UNKNOWN:
            module = Value(Kind.MODULE, Grad.YES, Origin("module", expression, evidence), params=value.params)
        else:
            return value
        key = dotted_name(expression)
        if key is not None:
            frame.set(key, module)
        return module


_MODULE_METHOD_EFFECTS = frozenset(
    {Effect.MODULE_USE, Effect.MODULE_STATE, Effect.PARAMETERS, Effect.PARAMETER, Effect.NAMED_PARAMETERS,
     Effect.STATE}
)


def _parts_iterated(iterable: cst.BaseExpression) -> cst.BaseExpression:
    """What a loop takes parts from: ``model`` in ``enumerate(model)``, ``list(model.children())``,
    ``dict(model.named_modules())``."""
    while isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.args and \
            torch_api.BUILTINS.get(iterable.func.value) in _PARTS_KEPT:
        iterable = iterable.args[0].value
    return iterable


def _constructor_reads_self(node: cst.Attribute, frame: Frame) -> bool:
    function = frame.context.function
    return function is not None and function.name == _CONSTRUCTOR and frame.self_name is not None and \
        isinstance(node.value, cst.Name) and node.value.value == frame.self_name


def _is_parameter_mapping_view(name: str, receiver: Value) -> bool:
    """``d.items()``, ``d.values()`` of a parameter nothing else is known of: a dict's views,
    whose keys are not what the caller stored in it."""
    return receiver.kind is Kind.UNKNOWN and bool(receiver.params) and (
        name == torch_api.CONTAINER_ITEMS_METHOD or name in torch_api.CONTAINER_COPY_METHODS)


def _with_fields_replaced(record: Value, arguments: Arguments) -> Value:
    """``hyp._replace(score=hyp.score + lp)``: the record with the fields named replaced."""
    named = {name: value for name, (_, value) in arguments.keywords.items()}
    attributes = tuple((name, named.get(name, held)) for name, held in record.attributes)
    fields = tuple(held for _, held in attributes) if record.fields is not None else None
    return replace(record, attributes=attributes, fields=fields, item=join_all(held for _, held in attributes))


def _bound_method(method: FunctionInfo, receiver: cst.BaseExpression, instance: Value) -> Value:
    """``obj.method`` read without a call: the method with ``obj`` bound first (a static method: nothing bound)."""
    bound = () if method.is_staticmethod else ((None, receiver, instance),)
    return Value(Kind.FUNCTION, qualified_name=method.key, bound_arguments=bound)


def _entry_key(target: cst.Subscript, mapping: Value, frame: Frame) -> Optional[str]:
    """The key of ``mapping[key] = ...`` when it is known: a string, or an integer of a dict
    known by its keys (``results[64] = ...``; the analysis names entries by their text)."""
    text = constant_index(target, frame)
    if text is not None or not mapping.keyed or len(target.slice) != 1:
        return text
    position = _constant_position(target.slice[0].slice)
    if position is None and isinstance(target.slice[0].slice, cst.Index):
        known = _known_text(target.slice[0].slice.value, frame)
        position = known if isinstance(known, int) and not isinstance(known, bool) else None
    return None if position is None else str(position)


def with_item(current: Value, key: Optional[str], value: Value) -> Value:
    """A container after ``current[key] = value``: a dict known by its keys stays so when the
    key is a known string (the entry replaced), and holds ``value`` among its items."""
    grown = join(current, container_of([value])) if current.kind is Kind.CONTAINER else container_of([value])
    if key is None or not has_only_known_entries(current):
        return replace(grown, keyed=False)
    entries = {**dict(current.attributes), key: value}
    return replace(grown, item=join_all(list(entries.values())), attributes=tuple(entries.items()), keyed=True)


def _known_items(mapping: Value) -> Optional[Tuple[Value, ...]]:
    """A dict's ``(key, value)`` pairs when every entry is known by its constant key (nothing
    entered under another key): a loop over ``.items()`` runs once per entry (see _run_For)."""
    return constant_pairs(mapping.attributes) if has_only_known_entries(mapping) else None


def _fits_module_signature(name: str, arguments: Arguments) -> bool:
    """``evaluator.eval(dataset)`` is no ``nn.Module.eval()``: too many arguments for it."""
    most = torch_api.MODULE_METHOD_MAX_ARGUMENTS.get(name)
    return most is None or len(arguments.positional) + len(arguments.keywords) <= most


def _evidence_of_module_use(effect: Optional[Effect]) -> Evidence:
    """Only a module holds parameters and state; any object can be moved or switched to eval."""
    return Evidence.GUESSED if effect in (Effect.MODULE_USE, None) else Evidence.INFERRED
