"""What each effect of the API table does to a value: the transfer functions, in one table.

``torch_api`` says which effect a name has (``torch.argmax``: INTEGER, ``.detach``: STOP,
``nn.Linear``: MODULE); ``TRANSFERS`` says, per effect, what the value of a use is.  An effect
is met in five forms, each a column of the table:

* ``call``: a library function, ``torch.argmax(x, 1)``;
* ``method``: a method of a tensor (or of a value of unknown type), ``x.argmax(1)``;
* ``attribute``: ``x.T``, ``x.data``;
* ``builtin``: a Python builtin, ``sorted(xs)``;
* ``module``: a method of a module, ``model.parameters()``.

A form an effect has no entry for takes its column's default (for a method, a computation on
the receiver and the arguments).  The evaluator finds the effect and the form; nothing else in
the analysis says what an effect means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, List, Mapping, Optional, Tuple

import libcst as cst

from flake8_detach import torch_api
from flake8_detach.analysis import devices
from flake8_detach.analysis.arguments import Arguments
from flake8_detach.analysis.scope import Frame
from flake8_detach.analysis.state import MODULE_SCOPE
from flake8_detach.analysis.syntax import compared_with_literal, dotted_name, is_false, is_true, source_of, string_value
from flake8_detach.analysis.values import (
    ANY_ENTRY,
    CONSUMER,
    SPARSE_MATRIX,
    FOREIGN,
    NDARRAY,
    OTHER,
    UNKNOWN,
    Evidence,
    Grad,
    GradFlag,
    GradMode,
    Kind,
    Origin,
    Value,
    constant_pairs,
    container_of,
    element,
    entries_of,
    grad_of_computation,
    is_read_of_a_parameter,
    join,
    join_all,
    known_elements,
    requires_grad,
    without_grad,
)
from flake8_detach.torch_api import Effect
from flake8_detach.analysis.records import replace

if TYPE_CHECKING:
    from flake8_detach.analysis.expressions import Evaluator


@dataclass(frozen=True)
class Use:
    """One use of a name of the API table: what a transfer function sees."""

    evaluator: "Evaluator"
    effect: Optional[Effect]  # None: a name no table knows (a method's default applies)
    node: cst.CSTNode  # the call (the attribute, for the attribute form)
    name: str  # a library function's qualified name, or the member's name
    arguments: Arguments  # without the receiver
    frame: Frame
    receiver: Value = OTHER  # a method's or an attribute's (for the module form: the module)

    @property
    def call(self) -> cst.Call:
        assert isinstance(self.node, cst.Call)
        return self.node

    @property
    def first(self) -> Value:
        """What the effect applies to: the receiver, or a library function's first argument."""
        value = self.arguments.first_value
        return value if value is not None else OTHER

    def computed(self, value: Value) -> Value:
        return self.evaluator.computed(value, self.frame)


Transfer = Callable[[Use], Value]


@dataclass(frozen=True)
class Semantics:
    """What one effect gives, per form (None: the form's default)."""

    call: Optional[Transfer] = None
    method: Optional[Transfer] = None
    attribute: Optional[Transfer] = None
    builtin: Optional[Transfer] = None
    module: Optional[Transfer] = None


# --- helpers the transfer functions share ---------------------------------------------------

def requested_grad(flag: Optional[cst.BaseExpression]) -> Grad:
    """What ``requires_grad_(flag)`` or ``requires_grad=flag`` asks for; no flag means True."""
    if flag is None or is_true(flag):
        return Grad.YES
    return Grad.NO if is_false(flag) else Grad.UNKNOWN


def tensor_requiring(grad: Grad, origin: Origin) -> Value:
    return requires_grad(origin) if grad is Grad.YES else Value(Kind.TENSOR, grad)


def created(node: cst.Call, arguments: Arguments) -> Value:
    """A new tensor: it requires grad only when ``requires_grad=True`` is passed; on the host
    unless its ``device=`` says otherwise."""
    flag = arguments.keyword(torch_api.REQUIRES_GRAD_KEYWORD)
    grad = Grad.NO if flag is None else requested_grad(flag)
    new = tensor_requiring(grad, Origin("created with requires_grad=True", node))
    return devices.created_on(new, arguments.device, node)


def names_integer_dtype(node: cst.BaseExpression) -> bool:
    """``torch.long``, ``torch.int64``, ``"torch.LongTensor"``..."""
    if isinstance(node, cst.Attribute):
        return node.attr.value in torch_api.INTEGER_DTYPES
    if isinstance(node, cst.Name):
        return node.value in torch_api.INTEGER_DTYPES
    if isinstance(node, cst.SimpleString):
        text = string_value(node)
        return isinstance(text, str) and text.rsplit(".", 1)[-1] in torch_api.INTEGER_DTYPES
    return False


def grad_mode_set_by(effect: Effect, arguments: Arguments) -> GradMode:
    """The mode inside ``no_grad()``, ``enable_grad()``, ``set_grad_enabled(flag)``, ``inference_mode(flag)``."""
    given = _flag_argument(arguments)
    flag = given[1].constant if given is not None else None
    if effect is Effect.GRAD_ON:
        return GradMode.ON
    if effect is Effect.GRAD_OFF:
        return GradMode.ON if flag is False else GradMode.OFF
    return GradMode.OFF if flag is False else GradMode.ON if flag is True else GradMode.MAYBE


def _flag_argument(arguments: Arguments) -> Optional[Tuple[cst.BaseExpression, Value]]:
    """What a grad-mode switch is given: its first argument, or its keyword (``mode=False``)."""
    return arguments.positional[0] if arguments.positional else next(iter(arguments.keywords.values()), None)


def short_name(qualified_name: str) -> str:
    """``numpy.asarray`` -> ``np.asarray``: how messages name a library function."""
    for prefix, alias in torch_api.CONVENTIONAL_ALIASES.items():
        if qualified_name.startswith(prefix + "."):
            return alias + qualified_name[len(prefix):]
    return qualified_name


def evidence(value: Value) -> Evidence:
    return value.origin.evidence if value.origin is not None else Evidence.PROVED


def may_be_module(value: Value) -> bool:
    """An object of unknown type that is a model if it is used as one: what ``torch.load``
    returns, an attribute of a model that the file does not set."""
    return value.kind is Kind.UNKNOWN and value.origin is not None and not value.params


def tuple_result(use: Use, operands: List[Value]) -> Value:
    """``pad_packed_sequence(p)``: (padded, lengths); named fields are attributes too."""
    computed = use.computed(grad_of_computation(operands))
    fields = tuple(computed if effect in (Effect.PROPAGATE, Effect.VIEW) else OTHER
                   if effect is Effect.NOT_TENSOR else without_grad(computed)
                   for _, effect in torch_api.result_fields(use.name))
    named = tuple((field, value) for (field, _), value in zip(torch_api.result_fields(use.name), fields) if field)
    return replace(container_of(fields, fields), attributes=named)


def max_like(use: Use, positional: List[Value], dims: List[Tuple[cst.BaseExpression, Value]]) -> Value:
    """``max(dim)`` gives (values, indices); ``max()`` or ``max(other)`` a tensor."""
    source = positional[0] if positional else UNKNOWN
    dim_given = torch_api.DIM_KEYWORD in use.arguments.keywords or any(
        isinstance(expr, (cst.Integer, cst.UnaryOperation)) for expr, _ in dims
    )
    values = use.computed(grad_of_computation([source]))
    if not dim_given:
        return use.computed(grad_of_computation(positional))
    indices = without_grad(values)
    return container_of([values, indices], (values, indices))


def _field_names(fields: cst.BaseExpression) -> Tuple[str, ...]:
    """``["loss", "logits"]``, ``"loss logits"``, ``"loss, logits"``, ``[("loss", Tensor), ...]``."""
    if isinstance(fields, cst.SimpleString):
        text = string_value(fields)
        return tuple(text.replace(",", " ").split()) if isinstance(text, str) else ()
    if not isinstance(fields, (cst.List, cst.Tuple)):
        return ()
    names: List[str] = []
    for entry in fields.elements:
        named = entry.value.elements[0].value if isinstance(entry.value, cst.Tuple) and entry.value.elements \
            else entry.value
        text = string_value(named) if isinstance(named, cst.SimpleString) else None
        if not isinstance(text, str):
            return ()
        names.append(text)
    return tuple(names)


def _parameter_groups(given: Value) -> Value:
    """``optimizer.param_groups``: a list of dicts whose ``"params"`` entry holds the parameters
    and whose other entries (``"lr"``, ``"momentum"``...) are numbers.  ``given`` is what the
    optimizer was built with: parameters, or such dicts already."""
    first = element(given)
    if first.kind is Kind.CONTAINER and first.attributes:  # the optimizer adds its defaults: numbers
        return container_of([replace(first, item=OTHER)])
    parameters = given if given.kind is Kind.CONTAINER else container_of([given])
    group = Value(Kind.CONTAINER, item=OTHER, attributes=((torch_api.PARAMS_KEY, parameters),))
    return container_of([group])


def _parameter_of(module: Value, node: cst.CSTNode) -> Value:
    parameter = Value(Kind.TENSOR) if module.frozen else requires_grad(
        Origin("parameter from", node, evidence(module)))
    return devices.with_inputs_device(parameter, [module])


# --- library functions: torch.f(x, ...) ------------------------------------------------------

def _call_source(use: Use) -> Value:
    flag = use.arguments.keyword(torch_api.REQUIRES_GRAD_KEYWORD)
    return tensor_requiring(requested_grad(flag), Origin("parameter", use.node))


def _call_view(use: Use) -> Value:
    first = use.first
    if first.kind is Kind.UNKNOWN and use.effect is Effect.VIEW:  # torch.movedim(x, 1, -1): as x
        return replace(first, kind=Kind.TENSOR)
    if first.kind is Kind.TENSOR:
        return first
    return devices.created_on(Value(Kind.TENSOR), use.arguments.device, use.node)


def _call_cut(use: Use) -> Value:
    return without_grad(use.first) if use.arguments.positional else Value(Kind.TENSOR)


def reduces_to_zero_dim(use: Use) -> bool:
    """A loss (function or module class) called or built without ``reduction="none"``."""
    if use.name not in torch_api.REDUCED_BY_DEFAULT:
        return False
    given = use.arguments.keywords.get(torch_api.REDUCTION_KEYWORD)
    return given is None or isinstance(given[1].constant, str) and given[1].constant != torch_api.UNREDUCED


def _call_computation(use: Use) -> Value:
    made = created(use.call, use.arguments)  # torch.normal(0.0, 1.0, (3,), requires_grad=True)
    computed = made if made.grad is Grad.YES else devices.created_on(
        use.computed(grad_of_computation(use.arguments.values())), use.arguments.device, use.node)
    if computed.kind is Kind.TENSOR and (reduces_to_zero_dim(use) or _reduces_everything(use, 1)):
        computed = replace(computed, zero_dim=True)  # F.cross_entropy(logits, y), torch.mean(x)
    # an object (a distribution) keeps its class: its members have their own effects
    return replace(computed, qualified_name=use.name) if use.effect is Effect.OBJECT else computed


def _call_calls_argument(use: Use) -> Value:
    if not use.arguments.positional:
        return OTHER
    return use.evaluator.call(use.call, use.first, use.arguments.after_first(), use.frame)


def _call_partial(use: Use) -> Value:
    if not use.arguments.positional:
        return OTHER
    function = use.first
    bound: Tuple[Tuple[Optional[str], cst.BaseExpression, Value], ...] = tuple(
        (None, expr, value) for expr, value in use.arguments.positional[1:])
    bound += tuple((name, expr, value) for name, (expr, value) in use.arguments.keywords.items())
    # partial(np.round, decimals=2), partial(ax.scatter, s=8)
    callable_kinds = (Kind.FUNCTION, Kind.REFERENCE, Kind.MODULE, Kind.CONSUMER)
    return replace(function, bound_arguments=function.bound_arguments + bound) \
        if function.kind in callable_kinds else UNKNOWN


def _call_record_type(use: Use) -> Value:
    if len(use.arguments.positional) < 2:
        return OTHER
    return Value(Kind.OTHER, record=_field_names(use.arguments.positional[1][0]))


def _call_frozen_module(use: Use) -> Value:
    """``Embedding.from_pretrained(w)``: frozen unless ``freeze=False``; a layer of that class."""
    layer = use.name.rsplit(".", 1)[0]
    if is_false(use.arguments.keyword(torch_api.FREEZE_KEYWORD)):
        return Value(Kind.MODULE, Grad.YES, Origin("module", use.node), qualified_name=layer)
    return Value(Kind.MODULE, frozen=True, qualified_name=layer)


def _call_loaded(use: Use) -> Value:
    """A model only if it is called (see ``Evaluator.call``)."""
    return Value(Kind.UNKNOWN, Grad.UNKNOWN, Origin(f"model loaded by {short_name(use.name)}()", use.node,
                                                    Evidence.INFERRED))


def _call_optimizer(use: Use) -> Value:
    given = use.arguments.first_value or UNKNOWN
    return Value(Kind.OTHER, attributes=((torch_api.PARAM_GROUPS, _parameter_groups(given)),))


def _call_converts(use: Use, dispatched: bool = False) -> Value:
    tensors_only = use.name.split(".", 1)[0] in torch_api.CONVERT_ONLY_TENSORS
    use.evaluator.record_implicit(use.call, short_name(use.name), use.arguments, use.frame, tensors_only,
                                  dispatched)
    # pandas objects convert what is later stored in them: frame["col"] = t; an array of plot
    # axes (np.atleast_1d(axes), np.ravel(axes)) holds axes, whose methods plot
    if tensors_only or use.name in torch_api.NUMPY_OBJECT_HOLDERS and use.arguments.positional and \
            use.first.kind is Kind.CONSUMER:
        return CONSUMER
    if use.name in torch_api.SPARSE_MATRIX_MAKERS:
        return SPARSE_MATRIX
    return NDARRAY if _makes_an_array(use) else OTHER


def _makes_an_array(use: Use) -> bool:
    """``np.zeros(3)``; ``np.random.rand(32, 1)``, ``np.random.normal(0, 1, size=8)`` (with a size)."""
    if use.name in torch_api.NUMPY_ARRAY_MAKERS:
        return True
    size_at = torch_api.NUMPY_SIZED_ARRAY_MAKERS.get(use.name)
    return size_at is not None and (len(use.arguments.positional) > size_at or
                                    torch_api.ARRAY_SIZE_KEYWORD in use.arguments.keywords)


def _call_converts_result(use: Use) -> Value:
    """``minimize(loss_fn, x0)``: x0 is made an array, and so is what loss_fn returns when the
    solver calls it (with an array)."""
    _call_converts(use)
    if use.arguments.positional:
        function_expression, function = use.arguments.positional[0]
        returned = use.evaluator.call_back(function, use.call, [(function_expression, OTHER)], use.frame)
        use.evaluator.record_result_conversion(use.call, short_name(use.name), function_expression, returned,
                                               use.frame)
    return OTHER


def _call_dispatches(use: Use) -> Value:
    """``np.squeeze(t)`` is ``t.squeeze()`` for a tensor; ``np.mean(t)`` fails for one before
    converting it (torch refuses NumPy's keywords); ``np.squeeze([a, b])`` converts."""
    receiver = use.first
    if receiver.kind is not Kind.TENSOR:  # a parameter: converted only if the caller's is no tensor
        return _call_converts(use, dispatched=receiver.kind is Kind.UNKNOWN)
    if use.effect is Effect.REDUCES_BY_METHOD:
        return OTHER
    return use.evaluator.method_of_first_argument(use.call, torch_api.NUMPY_DISPATCHES[use.name], use.arguments,
                                                  use.frame)


def _call_functional(use: Use) -> Value:
    """``functional_call(model, params, (x,))``: from the parameters and inputs given (the
    model's own parameters are replaced by them)."""
    given = [value for _, value in use.arguments.positional[1:]] + \
        [value for _, value in use.arguments.keywords.values()]
    return grad_of_computation(given)


def _sets_grad_mode(use: Use) -> Value:
    assert use.effect is not None
    mode = grad_mode_set_by(use.effect, use.arguments)
    flag = _grad_flag(use.effect, use.arguments, use.frame) if mode is GradMode.MAYBE else None
    return Value(Kind.OTHER, sets_grad_mode=mode, grad_flag=flag)


def _grad_flag(effect: Effect, arguments: Arguments, frame: Frame) -> Optional[GradFlag]:
    """The run-time flag that ``set_grad_enabled(flag)`` (grad on where it holds) or
    ``inference_mode(flag)`` (grad off where it holds) makes grad mode follow."""
    given = _flag_argument(arguments)
    if given is None:
        return None
    flag = given[0]
    compared = compared_with_literal(flag)
    subject, literal = (compared[0], compared[2]) if compared and isinstance(compared[1], cst.Equal) else (None, None)
    function = frame.context.function
    return GradFlag(function.key if function is not None else MODULE_SCOPE, source_of(flag),
                    on_when=effect is not Effect.GRAD_OFF, subject=subject, literal=literal)


# --- methods: x.f(...) ------------------------------------------------------------------------

def _method_view(use: Use) -> Value:
    if any(names_integer_dtype(expr) for expr, _ in use.arguments.all()):
        return without_grad(use.receiver)
    return use.receiver


def _method_source(use: Use) -> Value:
    return tensor_requiring(requested_grad(use.arguments.first_expression), Origin("made to require grad", use.node))


def _method_computation(use: Use) -> Value:
    """The default: a tensor computed from the receiver and the arguments."""
    receiver = use.receiver
    if receiver.kind is Kind.TENSOR:
        computed = use.computed(grad_of_computation([receiver] + use.arguments.values()))
        return replace(computed, zero_dim=True) if _reduces_everything(use, 0) else computed
    # a method no table knows, of a parameter: a computation when a tensor is passed; of a model,
    # whatever its own method gives (meta.finetuning(support, query) may return numbers), not
    # its output
    unknown_method_of_parameter = use.effect is None and is_read_of_a_parameter(receiver)
    return use.computed(_unknown_from(receiver, read_from_parameter=unknown_method_of_parameter))


def _reduces_everything(use: Use, tensors: int) -> bool:
    """``x.mean()``, ``torch.sum(x)``: a full reduction (no dim after the ``tensors`` arguments)."""
    short = use.name.rsplit(".", 1)[-1]
    return short in torch_api.FULL_REDUCTIONS and len(use.arguments.positional) == tensors and \
        torch_api.DIM_KEYWORD not in use.arguments.keywords


# --- attributes: x.f -------------------------------------------------------------------------

def _receiver_cut(use: Use) -> Value:
    """``t.detach()``, ``t.data``, ``t.argmax()``: the receiver cut from the graph."""
    return without_grad(use.receiver)


def _attribute_view(use: Use) -> Value:
    return use.receiver if use.receiver.kind is Kind.TENSOR else _unknown_member(use)


def _attribute_source(use: Use) -> Value:
    base = use.receiver
    if base.kind is Kind.MODULE and not base.frozen:
        return devices.with_inputs_device(requires_grad(Origin("parameter", use.node, evidence(base))), [base])
    if may_be_module(base):  # backbone.stem.weight
        return requires_grad(Origin("parameter", use.node, Evidence.INFERRED))
    if base.kind is not Kind.OTHER and base.params:  # model.fc.weight: a parameter when a model is passed
        return Value(Kind.TENSOR, params=base.params)
    return _unknown_member(use)


def _attribute_module(use: Use) -> Value:
    if use.receiver.kind is Kind.MODULE:
        return replace(use.receiver, qualified_name=None)  # a submodule: mha.out_proj
    return _unknown_member(use)


def _unknown_member(use: Use) -> Value:
    """The default: an attribute known by its name only (of a parameter: what the argument holds
    there, not the argument itself; ``model.std`` of a model handed in is not its parameters)."""
    return OTHER if use.receiver.kind is Kind.OTHER else _unknown_from(use.receiver, read_from_parameter=True)


def member_of_unknown_effect(base: Value) -> Value:
    """An attribute no table knows: a field of a model's output object (``outputs.logits``), or
    whatever a parameter holds there (``model.class_names``)."""
    if base.kind is Kind.TENSOR and base.grad is Grad.YES:
        return base
    return OTHER if base.kind is Kind.OTHER else _unknown_from(base, read_from_parameter=True)


def _unknown_from(base: Value, read_from_parameter: bool = False) -> Value:
    """Something got from ``base`` that no table describes: undecided, or, when ``base`` depends
    on the function's parameters, whatever the call site passes decides it."""
    return Value(Kind.UNKNOWN, Grad.NO if base.params else Grad.UNKNOWN, params=base.params,
                 read_from_parameter=read_from_parameter and bool(base.params),
                 parameter_path=base.parameter_path)  # tensors[0].mean(): from that element


# --- Python builtins: f(x) -------------------------------------------------------------------

def _holds_arguments(use: Use) -> Value:
    """``Rectangle((x, y), w, h)``: an object holding what it was given (what converts it
    converts them), by position: no list, whose entries could be detached one by one."""
    held = [element(value) if value.kind is Kind.CONTAINER else value  # (x, y): x and y
            for _, value in use.arguments.all()]
    return replace(container_of(held), attributes=tuple((str(index), value) for index, value in enumerate(held)),
                   unknown_entries=True)


def _namespace(use: Use) -> Value:
    """``SimpleNamespace(embs=embs, lr=0.1)``: an object whose attributes are what it was given."""
    given = {name: value for name, (_, value) in use.arguments.keywords.items() if name.isidentifier()}
    return Value(Kind.OTHER, attributes=tuple(sorted(given.items())))


def _builtin_map(use: Use) -> Value:
    values = [value for _, value in use.arguments.positional]
    if len(values) < 2:
        return OTHER
    given = [(expr, element(value)) for expr, value in use.arguments.positional[1:]]
    result = use.evaluator.call_back(values[0], use.call, given, use.frame)
    return container_of([result if use.effect is Effect.MAP else given[0][1]])


def _call_reduce(use: Use) -> Value:
    """``functools.reduce(fn, xs[, initial])``: what ``fn`` gives for two elements (the first
    may be the initial value)."""
    given = use.arguments.positional
    if len(given) < 2:
        return UNKNOWN
    (_, function), (expression, iterable) = given[0], given[1]
    item = element(iterable)
    first = join(item, given[2][1]) if len(given) > 2 else item
    return use.evaluator.call_back(function, use.call, [(expression, first), (expression, item)], use.frame)


def _builtin_computation(use: Use) -> Value:
    values = [value for _, value in use.arguments.positional]
    if len(values) == 1 and values[0].kind is Kind.CONTAINER:  # max(losses)
        return element(values[0])
    return use.evaluator.arithmetic(values, use.frame)


def _builtin_elements(use: Use) -> Value:
    values = [value for _, value in use.arguments.positional]
    copied = container_of([element(v) for v in values]) if values else container_of([])
    if use.name in torch_api.ORDER_KEEPING_COPIES and len(values) == 1 and values[0].kind is Kind.CONTAINER:
        return replace(copied, fields=values[0].fields)  # list(callbacks): each callback where it was
    return copied


def _builtin_mapping(use: Use) -> Value:
    """``dict(model.named_parameters())``; ``dict(loss=[], acc=[])`` keeps its keys, as a literal
    does, and ``dict(other)`` a copy of another dict's."""
    given = use.arguments
    if len(given.positional) == 1 and not given.keywords and given.positional[0][1].keyed:
        return given.positional[0][1]
    held = [_values_of_pairs(value) for _, value in given.positional]
    keywords = use.arguments.keywords
    mapping = container_of(held + [value for _, value in keywords.values()],
                           entries=entries_of(list(keywords.values())))
    if held or use.arguments.unpacked:
        return mapping
    return replace(mapping, attributes=tuple((key, value) for key, (_, value) in keywords.items()), keyed=True)


def _values_of_pairs(given: Value) -> Value:
    """What ``dict(given)`` holds: another dict's values, or the second items of its pairs."""
    if given.keyed:
        return given.item or OTHER
    pair = element(given)
    return pair.fields[1] if pair.fields and len(pair.fields) == 2 else element(pair)


def _call_default_mapping(use: Use) -> Value:
    """``defaultdict(list)``: an empty dict; ``defaultdict(list, other)`` holds ``other``'s entries."""
    given = use.arguments
    rest = Arguments(given.positional[1:], given.keywords, given.unpacked)
    return _builtin_mapping(replace(use, arguments=rest))


def _builtin_zip(use: Use) -> Value:
    spread = use.arguments.spread
    if spread is not None and not use.arguments.positional and spread[1].fields:
        # zip(*pairs) transposes: its i-th tuple holds the i-th field of every pair
        # (``names, losses = zip(*sorted(results.items()))``)
        columns = tuple(container_of([held]) for held in spread[1].fields)
        return Value(Kind.CONTAINER, item=container_of(columns), fields=columns)
    items = tuple(element(value) for _, value in use.arguments.positional)
    return Value(Kind.CONTAINER, item=container_of(items, items))


def _builtin_enumerate(use: Use) -> Value:
    """``(index, element)`` pairs; one per element where they are known (a literal list, a
    dict's keys), so that a loop over them runs once per element."""
    first = use.arguments.first_value
    items = (OTHER, element(first) if first is not None else UNKNOWN)
    known = known_elements(first) if first is not None else ()
    return Value(Kind.CONTAINER, item=container_of(items, items), fields=constant_pairs(enumerate(known)) or None)


def _builtin_super(use: Use) -> Value:
    """``super().__init__(...)`` in a method: the instance, its methods found from the first
    base class of the file (a torch base has nothing to follow: unknown)."""
    frame = use.frame
    owner = frame.owner
    instance = use.evaluator.lookup(frame, frame.self_name) if frame.self_name else None
    if owner is None or instance is None or not owner.bases:
        return UNKNOWN
    return replace(instance, qualified_name=owner.bases[0].key)


# --- modules: model.f(...) -------------------------------------------------------------------

def _module_parameters(use: Use) -> Value:
    return Value(Kind.CONTAINER, item=_parameter_of(use.receiver, use.node))


def _module_parameter(use: Use) -> Value:
    return _parameter_of(use.receiver, use.node)


def _module_named_parameters(use: Use) -> Value:
    pair = (OTHER, _parameter_of(use.receiver, use.node))
    return Value(Kind.CONTAINER, item=container_of(pair, pair))


def _module_state(use: Use) -> Value:
    if is_true(use.arguments.keyword(torch_api.KEEP_VARS_KEYWORD)):
        return Value(Kind.CONTAINER, item=_parameter_of(use.receiver, use.node))
    return Value(Kind.CONTAINER, item=devices.with_inputs_device(Value(Kind.TENSOR), [use.receiver]))


def _call_module(use: Use) -> Value:
    """A new module; nn.Sequential, nn.ModuleList and nn.ModuleDict hold the parts they are given."""
    module = Value(Kind.MODULE, Grad.YES, Origin("module", use.node), qualified_name=use.name)
    given = torch_api.MODULE_CONTAINERS.get(use.name)
    listed = use.arguments.first_value
    parts: Optional[Tuple[Value, ...]]
    if given == torch_api.PARTS_GIVEN_AS_ARGUMENTS:
        parts = tuple(value for _, value in use.arguments.positional)
        part = join_all(parts, empty=UNKNOWN)
    elif given == torch_api.PARTS_GIVEN_AS_ELEMENTS and listed is not None:
        parts, part = listed.fields, element(listed, ANY_ENTRY)
    else:
        return module
    # model[0] is the first part given (its fields), ``for layer in model`` any of them
    return replace(module, item=part, fields=parts) if part.kind is Kind.MODULE else module


def _module_use(use: Use) -> Value:
    named = torch_api.MODULE_PART_ITERATORS.get(use.name)
    if named is None:
        return use.receiver if use.name in torch_api.MODE_SWITCHES else OTHER
    parts = _known_parts(use.receiver, use.name in torch_api.RECURSIVE_PART_ITERATORS)
    if parts:  # the parts a model is known to hold, each as it is (a loop runs per part)
        parts = [(name, _as_it_ran(use, name, part) if name else part) for name, part in parts]
        listed = constant_pairs(parts) if named else tuple(part for _, part in parts)
        return Value(Kind.CONTAINER, item=join_all(listed), fields=listed)
    # model.modules(), model.named_children() of a model not known part by part: taken for the model
    part = (OTHER, use.receiver) if named else (use.receiver,)
    return Value(Kind.CONTAINER, item=container_of(part, part) if named else use.receiver)


def _as_it_ran(use: Use, name: str, part: Value) -> Value:
    """A part of the model a loop reaches, with what it may hold since the model ran: what this
    scope knows under its name (``model.g1.last``), else what its class's methods store over
    what its constructor stored (``self.last = None``, filled by ``forward``)."""
    held_by = dotted_name(use.call.func.value) if isinstance(use.call.func, cst.Attribute) else None
    if held_by is not None:
        part = use.evaluator.with_attributes_under(f"{held_by}.{name}", part, use.frame)
    info = use.evaluator.calls.class_of(part)
    if info is None:
        return part
    return replace(part, attributes=tuple((attribute, held if (stored := info.attribute(attribute)) is None
                                           else join(held, stored)) for attribute, held in part.attributes))


def _known_parts(model: Value, recursive: bool, prefix: str = "", depth: int = 3) -> List[Tuple[str, Value]]:
    """The submodules a model holds by attribute (a model of the file) or by position (the
    parts nn.Sequential was given), by their dotted names (with the model itself, named "",
    when ``recursive``); none when it holds none known."""
    children = [(name, held) for name, held in model.attributes if held.kind is Kind.MODULE]
    children += [(str(index), held) for index, held in enumerate(model.fields or ()) if held.kind is Kind.MODULE]
    if not children:
        return []
    parts = [(prefix, model)] if recursive else []
    for name, held in children:
        dotted = f"{prefix}.{name}" if prefix else name
        nested = _known_parts(held, recursive, dotted, depth - 1) if recursive and depth > 1 else []
        parts.extend(nested or [(dotted, held)])
    return parts


def _returns(value: Value) -> Transfer:
    return lambda use: value


def _first_argument(use: Use) -> Value:
    return use.arguments.first_value or UNKNOWN


_GRAD_MODE = Semantics(call=_sets_grad_mode)
_CUT = Semantics(call=_call_cut, method=_receiver_cut, attribute=_receiver_cut)

TRANSFERS: Mapping[Effect, Semantics] = {
    Effect.FACTORY: Semantics(call=lambda use: created(use.call, use.arguments),
                              method=lambda use: created(use.call, use.arguments)),
    Effect.PROPAGATE: Semantics(call=_call_computation, attribute=_attribute_view, builtin=_builtin_computation),
    Effect.OBJECT: Semantics(call=_call_computation),
    Effect.VIEW: Semantics(call=_call_view, method=_method_view, attribute=_attribute_view),
    Effect.TO_TENSOR: Semantics(call=_call_view),
    Effect.STOP: _CUT,
    Effect.INTEGER: _CUT,
    Effect.NOT_TENSOR: Semantics(method=_returns(OTHER), attribute=_returns(OTHER)),
    Effect.NUMBER_LIST: Semantics(method=_returns(container_of([OTHER]))),
    Effect.SOURCE: Semantics(call=_call_source, method=_method_source, attribute=_attribute_source),
    Effect.MAX_LIKE: Semantics(
        call=lambda use: max_like(use, [v for _, v in use.arguments.positional], use.arguments.positional[1:]),
        method=lambda use: max_like(use, [use.receiver] + [v for _, v in use.arguments.positional],
                                    use.arguments.positional)),
    Effect.TUPLE: Semantics(call=lambda use: tuple_result(use, use.arguments.values()),
                            method=lambda use: tuple_result(use, [use.receiver] + use.arguments.values())),
    Effect.MODULE: Semantics(call=_call_module, attribute=_attribute_module),
    # (made somewhere: a hook registered on an nn.ReLU() is kept by that node, see state)
    Effect.PARAMETERLESS_MODULE: Semantics(call=lambda use: Value(Kind.MODULE, frozen=True, qualified_name=use.name,
                                                                  origin=Origin("module", use.node),
                                                                  zero_dim=reduces_to_zero_dim(use))),
    Effect.FROZEN_MODULE: Semantics(call=_call_frozen_module),
    Effect.MODULE_USE: Semantics(module=_module_use),
    Effect.MODULE_STATE: Semantics(module=_module_use),
    Effect.PARAMETERS: Semantics(module=_module_parameters),
    Effect.PARAMETER: Semantics(module=_module_parameter),
    Effect.NAMED_PARAMETERS: Semantics(module=_module_named_parameters),
    Effect.STATE: Semantics(module=_module_state),
    Effect.RETURNS_ARGUMENT: Semantics(call=_first_argument),
    Effect.COPY: Semantics(call=_first_argument),
    Effect.HOLDS_ARGUMENTS: Semantics(call=_holds_arguments),
    Effect.NAMESPACE: Semantics(call=_namespace),
    Effect.CALLS_ARGUMENT: Semantics(call=_call_calls_argument),
    Effect.GRAD_OFF: _GRAD_MODE,
    Effect.GRAD_ON: _GRAD_MODE,
    Effect.GRAD_SET: _GRAD_MODE,
    Effect.CONVERTS: Semantics(call=_call_converts),
    Effect.CONVERTS_RESULT: Semantics(call=_call_converts_result),
    Effect.DISPATCHES: Semantics(call=_call_dispatches),
    Effect.REDUCES_BY_METHOD: Semantics(call=_call_dispatches),
    Effect.FUNCTIONAL_CALL: Semantics(call=_call_functional),
    Effect.REDUCE: Semantics(call=_call_reduce),
    Effect.COLORMAP: Semantics(call=_returns(Value(Kind.REFERENCE, qualified_name=torch_api.COLORMAP_CLASS))),
    Effect.CONSUMER_FACTORY: Semantics(call=_returns(CONSUMER)),
    Effect.CONSUMER_PAIR_FACTORY: Semantics(call=_returns(Value(Kind.CONTAINER, item=CONSUMER,
                                                                fields=(CONSUMER, CONSUMER)))),
    Effect.FOREIGN: Semantics(call=_returns(FOREIGN)),
    Effect.DEVICE: Semantics(call=lambda use: Value(Kind.OTHER, device=devices.device_named(use.arguments.first_value),
                                                    placed=use.node)),
    Effect.ACCELERATOR_QUERY: Semantics(call=_returns(Value(Kind.OTHER, answers_accelerator=True))),
    Effect.OPTIMIZER: Semantics(call=_call_optimizer),
    Effect.LOADED: Semantics(call=_call_loaded),
    Effect.RECORD_TYPE: Semantics(call=_call_record_type),
    Effect.PARTIAL: Semantics(call=_call_partial),
    Effect.SUPER: Semantics(builtin=_builtin_super),
    Effect.MAP: Semantics(builtin=_builtin_map),
    Effect.FILTER: Semantics(builtin=_builtin_map),
    Effect.ELEMENTS: Semantics(builtin=_builtin_elements),
    Effect.ELEMENT: Semantics(builtin=lambda use: element(use.arguments.first_value or UNKNOWN)
                              if use.arguments.positional else UNKNOWN),
    Effect.MAPPING: Semantics(call=_builtin_mapping, builtin=_builtin_mapping),  # dict(...), OrderedDict(...)
    Effect.DEFAULT_MAPPING: Semantics(call=_call_default_mapping),
    Effect.ZIP: Semantics(builtin=_builtin_zip),
    Effect.ENUMERATE: Semantics(builtin=_builtin_enumerate),
}

_DEFAULTS: Dict[str, Transfer] = {
    "call": _returns(OTHER),
    "method": _method_computation,
    "attribute": _unknown_member,
    "builtin": _returns(OTHER),
}


def transfer(form: str, use: Use, default: Optional[Transfer] = None) -> Value:
    """The value of ``use`` in ``form`` ("call", "method", "attribute", "builtin", "module")."""
    semantics = TRANSFERS.get(use.effect) if use.effect is not None else None
    function: Optional[Transfer] = getattr(semantics, form) if semantics is not None else None
    chosen = function or default or _DEFAULTS[form]
    return chosen(use)
