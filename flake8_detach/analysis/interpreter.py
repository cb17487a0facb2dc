"""Statement-order interpretation of a module, its functions and its classes.

The module body runs first; each function body is then interpreted once per
grad mode it can run in, with its parameters as unknowns, which yields its
summary (what it returns, which parameters it converts) and its conversion
sites.  A call site substitutes its arguments into the summary.  A function
whose callers in this file all run with grad off reports in that mode.
"""

from __future__ import annotations

import ast

from typing import Dict, List, NamedTuple, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from flake8_detach import torch_api
from flake8_detach.analysis import devices
from flake8_detach.analysis.arguments import Arguments
from flake8_detach.analysis.effects import requested_grad, tensor_requiring
from flake8_detach.analysis.expressions import (NO_ARGUMENTS, Evaluator, constant_index, detach_points, place_key,
                                                with_item)
from flake8_detach.analysis.scope import (
    STAR_IMPORT_KEY,
    CallRecord,
    ClassInfo,
    Context,
    Env,
    Frame,
    FunctionInfo,
    Result,
    SiteKey,
    entries_run_one_by_one,
    join_all_envs,
    keep_raising_sites,
    root_of,
    site_key,
    target_names,
)
from flake8_detach.analysis.state import MODULE_SCOPE, Heap, Write
from flake8_detach.analysis.sites import ConversionSite, GradMode, HelperConversion
from flake8_detach.analysis.syntax import dotted_name, integer_value, is_super_call, string_value
from flake8_detach.analysis.values import (
    ANY_ENTRY,
    OTHER,
    UNKNOWN,
    Device,
    Evidence,
    Grad,
    GradFlag,
    Kind,
    Origin,
    requires_grad,
    Value,
    container_of,
    depends_on,
    without_grad_facts,
    device_of,
    element,
    entries_of,
    frozen,
    unfrozen,
    innermost,
    known_elements,
    join,
    has_only_known_entries,
    is_empty_container,
    join_all,
    as_callers,
    back_to_caller,
    callers_parameter,
    mentions_parameters,
    parameter,
    record_of,
    substitute,
    without_parameters,
)
from flake8_detach.torch_api import Effect
from flake8_detach.analysis.records import replace

_MAX_LOOP_PASSES_DEPTH = 2  # loops nested deeper are interpreted once per pass of their parent

Body = Union[Sequence[cst.BaseStatement], Sequence[cst.BaseSmallStatement]]


_ANONYMOUS = "<lambda>"  # the name of a lambda that is not assigned to a name
_MAX_SPECIALIZATIONS = 8  # summaries of one function for particular arguments (see _specialization)
# Parameters bound to particular values for one summary, in name order.
Specialization = Tuple[Tuple[str, Value], ...]
_MAX_ROUNDS = 3  # interpretations of a file until the heap it reads stops changing


def analyze_module(module: cst.Module) -> List[ConversionSite]:
    """The file's conversion sites.  A function interpreted before a write it should have seen
    (see ``state``) makes the heap stale: interpret the file again with what the heap holds."""
    heap = Heap()
    sites = Interpreter(heap).run(module)
    for _ in range(_MAX_ROUNDS - 1):
        if not heap.stale():
            break
        heap.start_round()
        sites = Interpreter(heap).run(module)
    return sites


def _element_holder(receiver: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The container whose element ``receiver`` is: ``history`` in ``history[phase]`` or
    ``history.setdefault(phase, [])``."""
    if isinstance(receiver, cst.Subscript):
        return receiver.value
    if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) and \
            receiver.func.attr.value in torch_api.ELEMENT_HOLDER_METHODS:
        return receiver.func.value
    return None


def _module_itself(receiver: cst.BaseExpression, frame: Frame) -> cst.BaseExpression:
    """``model`` for ``model.eval().requires_grad_(False)``: a module's mode switches and moves
    give the module itself, so what is done to their result is done to it."""
    inner, switched = receiver, False
    while isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and (
            inner.func.attr.value in torch_api.MODE_SWITCHES or inner.func.attr.value in torch_api.DEVICE_MOVES):
        switched = switched or inner.func.attr.value in torch_api.MODE_SWITCHES  # only modules have .eval()
        inner = inner.func.value
    if inner is receiver or dotted_name(inner) is None:
        return receiver
    held = frame.lookup(dotted_name(inner) or "")
    is_module = held is not None and (held.kind is Kind.MODULE or switched and held.kind is Kind.UNKNOWN)
    return inner if is_module else receiver


def _is_place(expression: cst.BaseExpression) -> bool:
    """An expression naming a container that other code reaches too: ``history``,
    ``self.curves``, ``self.curves[key]``, ``logs.setdefault(key, [])``."""
    if isinstance(expression, (cst.Name, cst.Attribute)):
        return dotted_name(expression) is not None
    if isinstance(expression, cst.Subscript):
        return _is_place(expression.value)
    holder = _element_holder(expression)
    return holder is not None and _is_place(holder)


def _item_at(container: cst.BaseExpression, index: int) -> cst.Subscript:
    """``container[index]``: the place a name unpacked from ``container`` at ``index`` is (made
    here, never reported: findings point at the code's own nodes)."""
    return cst.Subscript(value=container, slice=[cst.SubscriptElement(slice=cst.Index(value=cst.Integer(str(index))))])


def _one_per_place(sites: List[ConversionSite]) -> List[ConversionSite]:
    """One site per conversion (and argument): the first that raises, else the first."""
    chosen: Dict[Tuple[int, int, int], ConversionSite] = {}
    for site in sites:
        key = site_key(site)[:3]  # (not which element of a parameter: the finding is one)
        known = chosen.get(key)
        if known is None or known.grad is not Grad.YES and site.grad is Grad.YES:
            chosen[key] = site
    return list(chosen.values())


def _updates_by_key(mapping: Value, arguments: Arguments) -> bool:
    """``mapping.update(...)`` with what it gets known by key: keywords, or one dict known by its keys."""
    if mapping.kind is not Kind.CONTAINER or len(arguments.positional) > 1:
        return False
    if arguments.positional:
        return arguments.positional[0][1].keyed
    return bool(arguments.keywords)


def _holder_of(parameter: str, bindings: Dict[str, Tuple[cst.BaseExpression, Value]]
               ) -> Optional[Tuple[str, Tuple[cst.BaseExpression, Value]]]:
    """The parameter a helper conversion's ``parameter`` came in by: itself, or for the caller's
    parameter (``as_callers``) the callee's parameter bound to what holds it."""
    if parameter in bindings:
        return parameter, bindings[parameter]
    callers = callers_parameter(parameter)
    return next(((name, entry) for name, entry in bindings.items()
                 if callers is not None and depends_on(entry[1], callers)), None)


def _with_captured(function: FunctionInfo, returned: Value, values: Dict[str, Value]) -> Value:
    """What a call of ``function`` returned; a closure it made (a decorator's wrapper) reads the
    parameters as this call bound them, whichever call of the factory registered it first."""
    if returned.kind is Kind.FUNCTION and any(key.startswith(function.key + ".") for key in returned.functions):
        return replace(returned, captured=tuple(sorted(
            (name, value) for name, value in values.items() if name in function.parameters)))
    return returned


def _shared_scope(binding: Frame) -> Optional[str]:
    """The heap's name for the scope whose variables ``binding`` holds: the module, or the
    function it runs (a class body's frame runs in its enclosing function's context)."""
    if binding.outer is None:
        return MODULE_SCOPE
    function = binding.context.function
    return None if function is None else function.key


def _flag_scope(frame: Frame, flag: str) -> Optional[str]:
    """Where a flag's name means the same thing: the class for ``self.gpu_mode`` (every method
    of its instances), else the scope whose variable its root is."""
    root = root_of(flag)
    if frame.owner is not None and root == frame.self_name:
        return frame.owner.key
    binding = frame.binding_frame(root)
    return MODULE_SCOPE if binding is None else _shared_scope(binding)


class _PartsLoop(NamedTuple):
    """A loop over the parts of a model: ``for block in self.blocks``."""

    owner: str  # the model they are parts of: hooks registered on them run at its calls
    # the name holding them as elements, and what it holds: what a call stores on one, it holds
    container: Optional[Tuple[str, Value]]


def _first_attribute(path: str) -> str:
    """``seen`` for ``.seen`` or ``.seen['train']``; empty for an item path."""
    return path[1:].split(".", 1)[0].split("[", 1)[0] if path.startswith(".") else ""


def _is_attribute_path(path: str) -> bool:
    return path.startswith(".") and path[1:] == _first_attribute(path)


def _attribute_entry(path: str) -> Optional[Tuple[str, str]]:
    """``("history", "train")`` for ``.history['train']`` (an entry of an attribute, under a
    constant key); None for any other path."""
    attribute = _first_attribute(path)
    rest = path[1 + len(attribute):] if attribute else ""
    if not (rest.startswith("[") and rest.endswith("]")):
        return None
    try:
        key = ast.literal_eval(rest[1:-1])
    except (ValueError, SyntaxError):
        return None
    return (attribute, key) if isinstance(key, str) else None


def _is_attribute_chain(path: str) -> bool:
    """``.attn`` or ``.attn.last``: attributes only, no item."""
    return path.startswith(".") and "[" not in path


def _is_dict_of_known_entries(value: Value) -> bool:
    """A dict with entries, each known by its key: worth a summary for its keys."""
    return bool(value.attributes) and has_only_known_entries(value)


def _entries_by_key(name: str, mapping: Value) -> Value:
    """A dict argument as a summary for its keys sees it: each entry known by its key, what it
    holds still the caller's (``metrics["loss"]`` of parameter ``metrics``), so that the
    summary serves every call with these keys and reports conversions where the call passes
    the tensor.  A function stays itself (``metrics={"mae": lambda p, t: ...}``): calling it runs it."""
    each = parameter(name)
    entries = tuple((key, held if held.kind is Kind.FUNCTION else element(each, key))
                    for key, held in mapping.attributes)
    return Value(Kind.CONTAINER, item=join_all([held for _, held in entries]), attributes=entries, keyed=True)


_HOOK_PLACES = frozenset(torch_api.HOOK_ATTRIBUTES.values())
_MOST_PARTS_FOLLOWED = 64  # a model's parts looked at for hooks (a deep network has hundreds)


def _assigned_from(name: str, source: cst.BaseExpression) -> str:
    """A name as one assignment binds it (the heap's key for what that assignment gives)."""
    return f"{name}={id(source)}"


def _made_at(model: Value) -> Optional[int]:
    """The node that made a model, which tells it apart from others: where it was built
    (``nn.Linear(3, 1)``, ``Net()``) or, for one a helper returned, the call."""
    return id(model.origin.node) if model.kind is Kind.MODULE and model.origin is not None else None


def _is_record(value: Value) -> bool:
    """A tuple whose items have names (a NamedTuple, a namedtuple): worth a summary for its names."""
    return value.kind is Kind.CONTAINER and value.fields is not None and bool(value.attributes) and not value.keyed


def _fields_by_name(name: str, record: Value) -> Value:
    """A record argument as a summary for its field names sees it: ``batch.coords`` of parameter
    ``batch`` is that field of what each call passes, not everything the record holds."""
    each = parameter(name)
    fields = tuple(held if held.kind is Kind.FUNCTION else element(each, index)
                   for index, held in enumerate(record.fields or ()))
    named = tuple((field, held if held.kind is Kind.FUNCTION else element(each, field))
                  for field, held in record.attributes)
    return Value(Kind.CONTAINER, item=join_all(fields) if fields else None, fields=fields, attributes=named,
                 qualified_name=record.qualified_name)


def _bound_by_shape(value: Value) -> bool:
    """A dict known by its keys or a record, holding no closure: its summary binds each entry to
    that entry of the argument, so one summary serves callers that pass on their own parameters
    (``summarise(batch)`` calling ``describe(batch)``) as well as those that build it."""
    if not (_is_dict_of_known_entries(value) or _is_record(value)):
        return False
    return not any(held.kind is Kind.FUNCTION and mentions_parameters(held) for _, held in value.attributes)


def _as_the_summary_sees(name: str, value: Value) -> Value:
    """An argument chosen for a summary of its own, as that summary binds it."""
    if _is_dict_of_known_entries(value):
        return _entries_by_key(name, value)
    return _fields_by_name(name, value) if _is_record(value) else as_callers(value)


def _join_modes(first: GradMode, second: GradMode) -> GradMode:
    return first if first is second else GradMode.MAYBE


class Interpreter:
    """Runs the file's statements and calls of its functions (summaries, specialisations, state
    written by one function and read by another); what each expression is, it asks its evaluator,
    which hands calls of the file's functions back to it (``FunctionCalls``)."""

    def __init__(self, heap: Heap) -> None:
        self.evaluator = Evaluator(self)
        self.heap = heap
        self.functions: Dict[str, FunctionInfo] = {}
        self.function_nodes: Dict[int, FunctionInfo] = {}
        self.classes: Dict[str, ClassInfo] = {}
        self.class_nodes: Dict[int, ClassInfo] = {}
        self.definitions: Dict[Tuple[str, str], int] = {}  # ("function" or "class", key): how many so far
        self.results: Dict[Tuple[str, GradMode, Specialization], Result] = {}
        self.in_progress: Set[Tuple[str, GradMode, Specialization]] = set()
        self.specializations: Dict[str, Set[Specialization]] = {}
        self.imports_torch = False  # DET103 is for files that use torch

    # --- orchestration --------------------------------------------------
    def run(self, module: cst.Module) -> List[ConversionSite]:
        context = Context(function=None)
        frame = Frame(env=Env(), context=context, outer=None, mode=GradMode.ON, inherits_mode=False)
        self.run_body(module.body, frame)
        analysed: Set[str] = set()
        pending = list(self.functions)
        while pending:  # nested functions register as their parents are interpreted
            for key in pending:
                function = self.functions[key]
                self.result(function, function.decorator_mode or GradMode.ON)
                analysed.add(key)
            pending = [key for key in self.functions if key not in analysed]
        modes = self.reporting_modes()
        sites = list(context.sites.values())
        for function in list(self.functions.values()):
            own = self.result(function, modes[function.key]).sites
            if function.name == _ANONYMOUS and function.calls and not function.escapes:
                # only ever called here (sorted(key=...), map): each call reports what it passes
                own = [site for site in own if not site.carried.params]
            sites.extend(own)
        # A summary for particular arguments (a model instance, a callback) can prove what the
        # general one cannot: ``process(net, img)`` converts what ``net`` returns.  (Not for a
        # function every caller here runs with grad off: its summaries with grad on were asked for
        # by callers' own general summaries, which no run takes.)
        sites.extend(
            site
            for (key, _, given), result in self.results.items() if given and modes.get(key) is not GradMode.OFF
            for site in result.sites if site.grad is Grad.YES and site.grad_mode is not GradMode.OFF
        )
        if not self.imports_torch:  # an unknown value's .numpy() in a file without torch is not ours
            sites = [site for site in sites if site.grad is not Grad.UNKNOWN]
        return _one_per_place(sites)

    def reporting_modes(self) -> Dict[str, GradMode]:
        """Grad mode per function: off when decorated so, or when every caller here runs with grad
        off (a public method too: that code elsewhere calls it with grad on is no proof)."""
        modes = {key: f.decorator_mode or GradMode.OFF for key, f in self.functions.items()}
        for key, function in self.functions.items():
            if function.decorator_mode is None and (function.escapes or not function.calls):
                modes[key] = GradMode.ON
        changed = True
        while changed:
            changed = False
            for key, function in self.functions.items():
                if modes[key] is GradMode.OFF and function.decorator_mode is None and any(
                    self._call_mode(call, modes) is not GradMode.OFF for call in function.calls
                ):
                    modes[key] = GradMode.ON
                    changed = True
        return modes

    @staticmethod
    def _call_mode(call: CallRecord, modes: Dict[str, GradMode]) -> GradMode:
        if call.inherits_mode and call.caller is not None:
            return modes[call.caller.key]
        return call.mode

    def result(self, function: FunctionInfo, mode: GradMode, given: Specialization = ()) -> Result:
        """The summary of ``function`` in ``mode``, with the parameters in ``given`` bound."""
        key = (function.key, mode, given)
        known = self.results.get(key)
        if known is not None:
            return known
        if key in self.in_progress:  # recursion: nothing known yet
            return Result(UNKNOWN, [], [])
        self.in_progress.add(key)
        try:
            result = self._interpret_function(function, mode, given)
        finally:
            self.in_progress.discard(key)
        self.results[key] = result
        return result

    def _specialization(self, function: FunctionInfo,
                        bindings: Dict[str, Tuple[cst.BaseExpression, Value]]) -> Specialization:
        """The arguments worth a summary of their own: functions (``run_with(fn, x)`` calls
        them), instances of the file's classes (their methods run), objects whose methods convert
        (``draw(ax, t)`` plots with ``ax.plot(t)``), dicts whose entries are all known by their
        keys (a loop over their items runs per entry) and records (``batch.preds`` reads one
        field), both bound by their shape (see ``_bound_by_shape``), literal flags (``if safe:``,
        ``set_grad_enabled(train)``).  A few per function; past that, the general summary."""
        receiver = function.receiver
        chosen = tuple(sorted(  # (a closure's captured variables too: a decorator's wrapper runs ``fn``)
            # the instance a method runs on, built from the caller's own parameters
            # (Prediction(output).to_array() in a helper), is seen with them under names of the
            # caller's, carried back at the call; other such arguments get the general summary,
            # which carries them back as it is (a summary per caller would cost more than it finds)
            (name, as_callers(value) if name == receiver else _as_the_summary_sees(name, value))
            for name, (_, value) in bindings.items()
            if self._decides(value) and (name == receiver or not mentions_parameters(value) or _bound_by_shape(value))
        ))
        if not chosen:
            return ()
        known = self.specializations.setdefault(function.key, set())
        if chosen not in known and len(known) >= _MAX_SPECIALIZATIONS:
            return ()
        known.add(chosen)
        return chosen

    def _decides(self, value: Value) -> bool:
        if value.kind is Kind.FUNCTION or innermost(value).kind is Kind.FUNCTION:
            return True
        if any(self._is_instance_of_the_file(held) for held in (value, innermost(value))):
            return True
        elements = known_elements(value)  # a list of callback objects of the file's classes
        if elements and all(self._is_instance_of_the_file(held) for held in elements):
            return True
        if value.kind is Kind.MODULE and torch_api.integer_output_entries(value.qualified_name or ""):
            return True  # predict(model, x) reads model(x)[0]["labels"]: the table knows its output
        if value.kind is Kind.REFERENCE and \
                torch_api.effect_of_qualified_name(value.qualified_name or "") is Effect.CONVERTS:
            return True  # run(np.asarray, t): the helper converts what it calls its callback on
        if value.kind is Kind.OTHER and value.attributes:
            return True  # an object known by its attributes (SimpleNamespace(embs=...)): what each holds
        if value.kind is Kind.CONSUMER or _is_dict_of_known_entries(value) or _is_record(value) or value.array:
            # draw(ax, t) plots with ax.plot(t); log(out) loops over out's entries; show(bundle)
            # reads bundle.coords, one field; mse(out, target) computes out - target, which an
            # ndarray target makes NumPy's
            return True
        return value.kind is Kind.OTHER and isinstance(value.constant, (bool, int, str))

    def _is_instance_of_the_file(self, value: Value) -> bool:
        return value.kind in (Kind.MODULE, Kind.UNKNOWN) and value.qualified_name in self.classes

    def _interpret_function(self, function: FunctionInfo, mode: GradMode, given: Specialization) -> Result:
        if function.owner is not None and function.name != "__init__":
            self.initialise(function.owner)
        context = Context(function=function)
        frame = Frame(env=Env(), context=context, outer=function.defining_frame, mode=mode,
                      # (a summary asked for with grad off runs its calls with grad off: the
                      # caller's general mode, on for its other calls, is not theirs)
                      inherits_mode=function.decorator_mode is None and mode is not GradMode.OFF,
                      owner=function.owner)
        self._bind_parameters(function, frame)
        frame.env.update(given)
        if isinstance(function.node, cst.Lambda):
            context.returns.append(self._run_for_effect(function.node.body, frame))
        else:
            self.run_body(function.node.body.body, frame)
            if not frame.terminated:
                self.hand_on_assignments(frame)
        returns = join_all(context.returns) if context.returns else OTHER
        if context.yields:  # a generator: calling it gives what it yields
            returns = container_of(context.yields)
        switched = [switched for switched in context.yield_modes if switched is not mode]
        sites = list(context.sites.values())
        writes = list(context.writes.values())
        helpers = [
            HelperConversion(function.name, name, site, depends_on(returns, name))
            for site in sites
            if site.grad is not Grad.YES and site.grad_mode is not GradMode.OFF
            for name in sorted(site.carried.params)
        ]
        return Result(returns, sites, helpers, writes, switched[0] if switched else None,
                      frozenset(context.module_calls))

    def _bind_parameters(self, function: FunctionInfo, frame: Frame) -> None:
        params = function.node.params
        every = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        for star in (params.star_arg, params.star_kwarg):  # *args, **kwargs: what the calls pass
            if isinstance(star, cst.Param):
                every.append(star)
        for param in every:
            frame.env[param.name.value] = parameter(param.name.value)
        receiver = function.receiver
        if function.owner is not None and function.is_classmethod and function.positional:
            frame.env[function.positional[0]] = Value(Kind.FUNCTION, qualified_name=function.owner.key)
        elif function.owner is not None and receiver is not None:
            frame.self_name = receiver
            frame.env[receiver] = self.instance_value(function.owner, function.node)

    def instance_value(self, info: ClassInfo, node: cst.CSTNode) -> Value:
        if info.is_module:
            return Value(Kind.MODULE, Grad.YES, Origin("module", node), qualified_name=info.key)
        return Value(Kind.UNKNOWN, Grad.UNKNOWN, qualified_name=info.key)

    def initialise(self, info: ClassInfo) -> None:
        """Interpret ``__init__`` first, so other methods know the attributes it sets."""
        if info.initialised:
            return
        info.initialised = True
        init = info.method("__init__")
        if init is None:
            return
        self.result(init, GradMode.ON)
        if init.owner is not None and init.owner is not info:
            # an inherited constructor stores on the subclass's instances too: what the base's
            # instances hold is known before the subclass's methods read it (or the first read
            # finds nothing, and the file is interpreted again once an instance is made)
            for name, value in self.heap.attributes_of(init.owner.key).items():
                info.set_attribute(name, value)

    # --- FunctionCalls --------------------------------------------------
    def function_named(self, key: str) -> Optional[FunctionInfo]:
        return self.functions.get(key)

    def class_named(self, key: str) -> Optional[ClassInfo]:
        return self.classes.get(key)

    def class_of(self, instance: Value) -> Optional[ClassInfo]:
        """The class of the file ``instance`` is an instance of (a class itself names one too, as
        a FUNCTION value: not an instance)."""
        return None if instance.kind is Kind.FUNCTION else self.classes.get(instance.qualified_name or "")

    def instantiate(self, info: ClassInfo, call: cst.Call, arguments: Arguments, frame: Frame) -> Value:
        """An instance, with what its constructor stores from the arguments."""
        self.initialise(info)
        instance = self.instance_value(info, call)
        init = info.method("__init__")
        if init is None:  # a dataclass or a NamedTuple: the arguments are its fields
            record = record_of(info.fields, [value for _, value in arguments.positional],
                               {name: value for name, (_, value) in arguments.keywords.items()})
            if info.is_record:  # indexable and unpackable like a tuple
                for name, value in record.attributes:
                    info.set_attribute(name, value)
                return replace(record, qualified_name=info.key)
            fields = replace(instance, attributes=record.attributes)
            post_init = info.method("__post_init__")  # a dataclass's: it runs on the fields set
            stored = self._stored_by(post_init, call, NO_ARGUMENTS, fields, frame) if post_init else {}
            attributes = {**dict(record.attributes), **stored}
            for name, value in attributes.items():
                info.set_attribute(name, value)
            return replace(instance, attributes=tuple(sorted(attributes.items())))
        stored = self._stored_by(init, call, arguments, instance, frame)
        return self._iterable(info, call, replace(instance, attributes=tuple(sorted(stored.items()))), frame)

    def _iterable(self, info: ClassInfo, call: cst.Call, instance: Value, frame: Frame) -> Value:
        """An object whose class defines ``__iter__`` (a generator over the steps of a sampler):
        a loop over it gets what that method yields, as run on the object just made."""
        method = info.method(torch_api.ITERATOR_METHOD)
        if method is None or instance.kind is not Kind.UNKNOWN:
            return instance
        iterator = self._call(method, call, Arguments([(call, instance)], {}, False), frame)[0]
        return replace(instance, item=element(iterator))

    def _stored_by(self, method: FunctionInfo, call: cst.Call, arguments: Arguments, instance: Value,
                   frame: Frame) -> Dict[str, Value]:
        """What a constructor (``__init__``, a dataclass's ``__post_init__``) leaves in the
        instance's attributes, by name."""
        _, result, values = self._call(method, call, arguments.prepended((call.func, instance)), frame)
        receiver = method.positional[0] if method.positional else None
        return {
            write.path[1:]: substitute(write.value, values)
            for write in result.writes
            if write.root == receiver and _is_attribute_path(write.path) and not write.adds
        }

    def call_function(self, function: FunctionInfo, call: cst.Call, arguments: Arguments, frame: Frame) -> Value:
        return self._call(function, call, arguments, frame)[0]

    def read_property(self, function: FunctionInfo, node: cst.Attribute, instance: Value, frame: Frame) -> Value:
        return self._call(function, node, Arguments([(node.value, instance)], {}, False), frame)[0]

    def read_item(self, function: FunctionInfo, node: cst.Subscript, instance: Value,
                  index: Tuple[cst.BaseExpression, Value], frame: Frame) -> Value:
        """``obj[k]`` runs ``__getitem__(obj, k)``: what it returns (its own conversions are
        reported inside it, as a property's are)."""
        return self._call(function, node, Arguments([(node.value, instance), index], {}, False), frame)[0]

    def _call(self, function: FunctionInfo, call: Union[cst.Call, cst.Attribute, cst.Subscript], arguments: Arguments,
              frame: Frame) -> Tuple[Value, Result, Dict[str, Value]]:
        """What the call returns, the summary it used and the values bound to the parameters
        (``call``: an attribute read for a property, whose own conversions are reported inside it)."""
        function.calls.append(CallRecord(frame.context.function, frame.mode, frame.inherits_mode))
        self.hand_on_assignments(frame)
        mode = function.decorator_mode or (GradMode.OFF if frame.mode is GradMode.OFF else GradMode.ON)
        bindings = self._bind_arguments(function, arguments)
        result = self.result(function, mode, self._specialization(function, bindings))
        values = {name: value for name, (_, value) in bindings.items()}
        values.update(back_to_caller(values.values()))
        enclosing = frame.context.function
        if enclosing is not None and function.key.startswith(enclosing.key + "."):
            # a closure called by the function that defines it: what it reads of that function's
            # parameters (``f = lambda v: flow(v)``) is still the caller's parameter
            for name in enclosing.parameters - function.parameters:
                values.setdefault(name, parameter(name))
        if isinstance(call, cst.Call):
            for helper in result.helpers:
                self._record_helper_call(helper, call, bindings, values, frame, arguments)
            for name, mode in result.module_calls:
                if name in bindings:
                    self.evaluator.run_hooks_of_passed_model(call, bindings[name], mode, frame)
        for write in result.writes:
            written = substitute(write.value, values)
            self._replay(write, written, bindings.get(write.root), function, frame)
            if write.root in values and _is_attribute_path(write.path):  # the object passed changed
                passed = values[write.root]
                held = dict(passed.attributes).get(write.path[1:])
                after = self._after_write(held, written, write.adds, strong=True, key=write.key)
                values[write.root] = replace(passed, attributes=tuple(sorted(
                    {**dict(passed.attributes), write.path[1:]: after}.items())))
                self._entry_changed(bindings.get(write.root), values[write.root], frame)
        returned = _with_captured(function, substitute(result.returns, values), values)
        if function.is_context_manager:  # `with f() as x:` binds what f yields, in f's grad mode
            entered = (torch_api.ENTER_VALUE, element(returned))
            return Value(Kind.OTHER, attributes=(entered,), sets_grad_mode=result.yield_mode), result, values
        forward = function.name == torch_api.FORWARD_METHOD
        if forward:  # a model's output is computed at the call, where grad mode may follow a flag
            returned = self.evaluator.under_flag(returned, frame)
        if returned.grad is Grad.YES and returned.kind is not Kind.CONTAINER:
            evidence = returned.origin.evidence if returned.origin else Evidence.PROVED
            description = "output of model call" if forward else "returned by"
            returned = replace(returned, origin=Origin(description, call, evidence))
        return returned, result, values

    # --- state: writes that outlive a call (see state.py) ------------------
    def note_write(self, frame: Frame, key: str, value: Value, adds: bool, entry_key: Optional[str] = None) -> None:
        """``key`` was assigned ``value`` (or ``value`` entered the container at ``key``, under
        ``entry_key`` when known).  In a function, an assignment is handed on later, with what
        the place then holds (``hand_on_assignments``): a later assignment on the same path
        replaces it."""
        if not adds and frame.context.function is not None:
            frame.context.assigned.setdefault(key, None)
            return
        self._hand_on_write(frame, key, value, adds, entry_key)

    def hand_on_assignments(self, frame: Frame) -> None:
        """The places this body assigned, as they are on this path, where other code may see them:
        where it returns, raises or yields, and before it runs more of the file's code."""
        assigned = frame.context.assigned
        for key, handed in assigned.items():
            held = frame.lookup(key)
            if held is not None and held is not handed:  # (what was handed on stays handed on)
                assigned[key] = held
                self._hand_on_write(frame, key, held, adds=False)

    def _hand_on_write(self, frame: Frame, key: str, value: Value, adds: bool,
                       entry_key: Optional[str] = None) -> None:
        root = root_of(key)
        if frame.owner is not None and root == frame.self_name and key != root:
            attribute = _first_attribute(key[len(root):])
            held = frame.lookup(f"{root}.{attribute}") if attribute else None
            if attribute and held is not None:
                frame.owner.set_attribute(attribute, held)
        function = frame.context.function
        if function is None:
            return
        if function.owns(root) and root not in function.parameters:
            return  # a local variable: gone when the call returns
        binding = None if root in function.parameters or frame.outer is None else frame.outer.binding_frame(root)
        if root in function.parameters or binding is not None:
            frame.context.write(Write(root, key[len(root):], value, adds, entry_key))
        if binding is None:
            return
        held = frame.lookup(key)
        known = None if held is None else without_parameters(held)
        if known is not None:  # what depends on the parameters, each call stores: it replays the write
            self._store_shared_state(binding, key, known)

    def _store_shared_state(self, binding: Frame, key: str, value: Value) -> None:
        """A variable of the module or of an enclosing function, or what is under it
        (`state.loss`), changed: the functions that read it see it whenever they run (the heap),
        a closure too when its factory has returned.  Under an imported module
        (`torch.backends.cudnn.benchmark = True`), nothing the file follows changes."""
        scope = _shared_scope(binding)
        if scope is None:
            return
        root = root_of(key)
        held = binding.env.get(root)
        if key == root or held is None or held.kind is not Kind.REFERENCE:
            self.heap.store_variable(scope, key, value)

    def shared_variable(self, binding: Frame, name: str) -> Optional[Value]:
        scope = _shared_scope(binding)
        return None if scope is None else self.heap.variable(scope, name)

    def note_placing(self, frame: Frame) -> None:
        """Something moved to an accelerator on this path: each flag the path tested true
        decides placement (``if self.gpu_mode: self.G.cuda()``)."""
        for flag in frame.holding:
            scope = _flag_scope(frame, flag)
            if scope is not None:
                self.heap.note_placing(scope, flag)

    def places_on_accelerator(self, frame: Frame, flag: str) -> bool:
        scope = _flag_scope(frame, flag)
        return scope is not None and self.heap.places_on_accelerator(scope, flag)

    def note_differentiated(self, frame: Frame, name: str, call: cst.Call) -> None:
        """``loss.backward()`` ran on what ``name`` holds, which the analysis could not decide: in
        a run that goes on, it required grad, and so did what the assignment that bound it gave
        (``err = criterion(net(x), y)`` with a library's or another file's ``criterion``), there
        and wherever else that assignment is run from."""
        held = frame.lookup(name)
        source = frame.sources.get(name)
        scope = _shared_scope(frame)
        if held is None or held.grad is not Grad.UNKNOWN or source is None or scope is None:
            return
        if self._defines_a_backward_method():
            return  # (a hand-written autograd engine's Var.backward(): what it proves is not torch's)
        proof = requires_grad(Origin("differentiated by", call))
        self.heap.note_differentiated(scope, _assigned_from(name, source), proof)

    def _defines_a_backward_method(self) -> bool:
        """Whether a class of the file (other than an autograd.Function, whose ``backward`` torch
        calls) has a ``backward`` method that an undecided value may be an instance of."""
        return any(torch_api.DIFFERENTIATING_METHOD in info.methods and not info.is_autograd_function
                   for info in self.classes.values())

    def differentiated(self, frame: Frame, name: str, source: cst.BaseExpression) -> Optional[Value]:
        """What ``name = source`` binds where the analysis cannot tell, when code differentiates
        it (see ``note_differentiated``): a tensor that requires grad."""
        scope = _shared_scope(frame)
        return self.heap.differentiated(scope, _assigned_from(name, source)) if scope is not None else None

    def keep_hooks_of(self, model: Value, place: str, hook: Value) -> None:
        """A hook registered on ``model``, known by where it was made: it runs at the calls of
        that model (or of the model it is a part of) through any name, in any function
        (``recorder = Recorder(model.layer4)`` registers in a method, ``model(x)`` runs it)."""
        held = [*(model.fields or ()), model.item] if model.kind is Kind.CONTAINER else [model]  # [model[0], model[2]]
        for part in held:
            site = _made_at(part) if part is not None else None
            if site is not None:
                self.heap.add_hooks_on(site, place, container_of([hook]))

    def hooks_of(self, model: Value, place: str) -> Optional[Value]:
        """The hooks kept (``keep_hooks_of``) on ``model`` and on its parts."""
        kept = (self.heap.hooks_on(site, place) for site in self._sites_of_parts(model))
        found = [hooks for hooks in kept if hooks is not None]
        return join_all(found) if found else None

    def _sites_of_parts(self, model: Value) -> Set[int]:
        """Where ``model`` and its parts, known from how it was built, were made."""
        sites: Set[int] = set()
        pending = [model]
        while pending and len(sites) < _MOST_PARTS_FOLLOWED:
            module = pending.pop()
            site = _made_at(module)
            if site is None or site in sites:
                continue
            sites.add(site)
            info = self.class_of(module)
            held = self.heap.attributes_of(info.key).values() if info is not None else ()
            parts = (*(module.fields or ()), module.item, *dict(module.attributes).values(), *held)
            pending.extend(part for part in parts if part is not None and part.kind is Kind.MODULE)
        return sites

    def _replay(self, write: Write, value: Value, argument: Optional[Tuple[cst.BaseExpression, Value]],
                callee: FunctionInfo, frame: Frame) -> None:
        """Apply a callee's write at its call: to the argument it was made on, or to the scope."""
        if argument is not None:
            self._replay_on_argument(write, value, argument, frame)
            return
        binding = frame.binding_frame(write.root)
        if binding is None:  # a closure called where its factory's variables are not seen
            factory_held = callee.defining_frame.lookup(write.root)
            if factory_held is not None and self.class_of(factory_held) is not None:
                # the ``self`` of the method that made it (a hook from ``recorder._make_hook(n)``)
                self._replay_on_argument(write, value, (cst.Name(write.root), factory_held), frame)
                return
            self._replay_in_factory(write, value, callee)
            return
        held = binding.env.get(write.root)
        if held is not None:  # an instance of a class of the file, held in an enclosing scope: its methods read it
            self._write_class_attribute(held, write, value)
        key = write.root + write.path
        binding.set(key, self._after_write(binding.env.get(key), value, write.adds, strong=False, key=write.key))
        self._store_shared_state(binding, key, binding.env[key])
        self.note_write(frame, key, value, write.adds, write.key)

    def _replay_in_factory(self, write: Write, value: Value, callee: FunctionInfo) -> None:
        """``log, summary = make_logger(); log("loss", loss)``: ``log`` changed a variable of
        the function that made it, which ``summary`` reads whenever it runs."""
        binding = callee.defining_frame.binding_frame(write.root)
        if binding is None or binding.outer is None:
            return
        key = write.root + write.path
        held = self.shared_variable(binding, key) or binding.env.get(key)
        self._store_shared_state(binding, key, self._after_write(held, value, write.adds, strong=False,
                                                                 key=write.key))

    def _write_class_attribute(self, instance: Value, write: Write, value: Value) -> None:
        """A write through an instance of a class of the file reaches what its methods read."""
        info = self.class_of(instance)
        attribute = _first_attribute(write.path)
        if info is not None and self._write_class_entry(info, write, value):
            return
        if info is not None and attribute:
            at_attribute = write.path == "." + attribute
            whole = at_attribute and not write.adds
            grown = self._after_write(info.attribute(attribute), value, adds=True, strong=False,
                                      key=write.key if at_attribute else None)
            info.set_attribute(attribute, value if whole else grown)

    def _write_class_entry(self, info: ClassInfo, write: Write, value: Value) -> bool:
        """``self.history["train"].append(loss)`` through an instance: the entry under its key, in a
        dict known by its keys (the other entries keep what they hold)."""
        entry = _attribute_entry(write.path)
        current = info.attribute(entry[0]) if entry is not None else None
        if entry is None or current is None or current.kind is not Kind.CONTAINER or \
                not has_only_known_entries(current):
            return False
        attribute, key = entry
        held = dict(current.attributes).get(key)
        changed = self._after_write(held, value, write.adds, strong=False, key=write.key)
        info.set_attribute(attribute, with_item(current, key, changed))
        return True

    def _replay_on_argument(self, write: Write, value: Value, argument: Tuple[cst.BaseExpression, Value],
                            frame: Frame) -> None:
        expression, passed = argument
        if not write.path and passed.kind is Kind.OTHER and value.kind is Kind.TENSOR:
            return  # x = torch.as_tensor(x); x.requires_grad_(): the caller's NumPy array is no tensor
        if write.adds and write.path[1:] in _HOOK_PLACES:  # attach(model[0]) registered a hook on it
            self.evaluator.add_hooks_on(expression, passed, write.path[1:], value, frame)
            return
        self._write_class_attribute(passed, write, value)
        base = dotted_name(expression) or (frame.self_name if is_super_call(expression) else None)
        if isinstance(expression, cst.Name) and not self._holds(frame, expression.value, passed):
            # a hook bound to ``self`` where a recorder registered it, run by a call elsewhere
            base = self._sole_holder(frame, passed)
        stores_attribute = _is_attribute_chain(write.path) and not write.adds
        if base is None and isinstance(expression, cst.Subscript) and stores_attribute:  # model.blocks[0](x)
            self._store_on_element_taken(expression, write.path[1:].split("."), value, frame)
        if base is None:
            return
        key = base + write.path
        # what the place holds: as this scope knows it, or as the object passed holds it
        current = frame.lookup(key) or (dict(passed.attributes).get(write.path[1:]) if _is_attribute_path(write.path)
                                        else None)
        frame.rebind(key, self._after_write(current, value, write.adds, strong=True, key=write.key))
        self.note_write(frame, key, value, write.adds, write.key)
        if stores_attribute:
            self._store_on_elements(base, write.path[1:].split("."), frame.env[key], frame)

    def _holds(self, frame: Frame, name: str, instance: Value) -> bool:
        """Whether ``name`` here may be ``instance``: always, unless that is an object of a class
        of the file and ``name`` holds none of that class."""
        if self.class_of(instance) is None:
            return True
        held = frame.lookup(name)
        return held is not None and held.qualified_name == instance.qualified_name

    def _sole_holder(self, frame: Frame, instance: Value) -> Optional[str]:
        """The one name that holds an object of ``instance``'s class here (``recorder``), which
        a write made through another scope's name for it reaches; None if there are several."""
        names: Set[str] = set()
        scope: Optional[Frame] = frame
        while scope is not None:
            names.update(name for name, held in scope.env.items()
                         if held.qualified_name == instance.qualified_name and held.kind is not Kind.FUNCTION
                         and name.isidentifier())
            scope = scope.outer
        return next(iter(names)) if len(names) == 1 else None

    def _store_on_elements(self, part: str, path: Sequence[str], value: Value, frame: Frame) -> None:
        """``block(x)`` in ``for block in self.blocks`` stored ``block.attn``: the elements of
        ``self.blocks`` hold it, where code that goes over them later reads it
        (``[b.attn for b in model.blocks]`` after ``model(x)``)."""
        container = self.evaluator.container_of_part(part, frame)
        if container is not None:
            self._store_in_container(*container, path, value, frame)

    def _store_on_element_taken(self, element: cst.Subscript, path: Sequence[str], value: Value,
                                frame: Frame) -> None:
        """``model.blocks[0](x)`` stored ``attn`` on that element: ``model.blocks`` holds it."""
        key = dotted_name(element.value)
        held = self.evaluator.evaluate(element.value, frame) if key is not None else None
        if key is not None and held is not None and held.kind is Kind.MODULE:
            self._store_in_container(key, held, path, value, frame)

    def _store_in_container(self, key: str, held: Value, path: Sequence[str], value: Value, frame: Frame) -> None:
        """The instances of the file's classes ``held`` holds as elements (each of them, or the
        element taken for any) hold ``value`` at ``path`` (``["attn", "last"]``): the last call
        stored it (a loop over them calls each, and a later call replaces what an earlier one
        stored)."""
        def stored(part: Value) -> Value:
            return self.evaluator.with_attribute_at(part, path, value) if part.kind is Kind.MODULE else part
        item = stored(held.item) if held.item is not None else None
        fields = tuple(stored(field) for field in held.fields) if held.fields else held.fields
        frame.set(key, replace(held, item=item, fields=fields))
        self.note_write(frame, key, frame.env[key], adds=False)

    def _entry_changed(self, binding: Optional[Tuple[cst.BaseExpression, Value]], changed: Value,
                       frame: Frame) -> None:
        """``meters["loss"].update(loss)``: the object an entry holds changed, and the container
        holds it as it is now (``[m.avg for m in meters.values()]`` reads it there)."""
        if binding is not None and isinstance(binding[0], cst.Subscript):
            self.evaluator.bind(binding[0], changed, frame)

    @staticmethod
    def _after_write(current: Optional[Value], value: Value, adds: bool, strong: bool,
                     key: Optional[str] = None) -> Value:
        """What a place holds after the write: assigned (replaced, or joined when the write may
        not happen on every path), or grown by an entry (under its key, when known)."""
        if adds and key is not None and current is not None and current.kind is Kind.CONTAINER:
            return with_item(current, key, value)
        if adds:
            added = Value(Kind.CONTAINER, item=value, unknown_entries=True)
            return join(current, added) if current is not None and current.kind is Kind.CONTAINER else added
        return value if strong or current is None else join(current, value)

    def _bind_arguments(self, function: FunctionInfo,
                        arguments: Arguments) -> Dict[str, Tuple[cst.BaseExpression, Value]]:
        bound: Dict[str, Tuple[cst.BaseExpression, Value]] = {}
        for name, entry in zip(function.positional, arguments.positional):
            bound[name] = entry
        if arguments.spread is not None:  # f(a, *rest): the other parameters get rest's elements
            expression, any_element = arguments.spread
            spread_from = arguments.spread_from
            for index, name in enumerate(function.positional[len(arguments.positional):]):
                bound[name] = (expression, any_element if spread_from is None else element(spread_from, index))
        params = function.node.params
        extra = arguments.positional[len(function.positional):]
        if arguments.spread is not None:
            extra = extra + [arguments.spread]
        if isinstance(params.star_arg, cst.Param) and extra:  # *args: a tuple of the rest
            shown = max(extra, key=lambda entry: innermost(entry[1]).grad)[0]  # the one to name
            rest_values = [value for _, value in extra]
            fields = None if arguments.spread is not None else tuple(rest_values)  # f(a, *more): positions unknown
            bound[params.star_arg.name.value] = (shown, container_of(rest_values, fields, entries_of(extra)))
        named = set(function.parameters)
        for name, entry in arguments.keywords.items():
            if name in named:
                bound.setdefault(name, entry)
        rest = [entry for name, entry in arguments.keywords.items() if name not in named]
        # f(**weights), its keys not known here: what the dict holds is among the rest
        unnamed = [(expression, element(value, ANY_ENTRY)) for expression, value in arguments.by_name]
        if isinstance(params.star_kwarg, cst.Param) and (rest or unnamed):  # **kwargs: a dict of the rest
            shown = max(rest + unnamed, key=lambda entry: innermost(entry[1]).grad)[0]
            by_name = tuple((name, value) for name, (_, value) in arguments.keywords.items() if name not in named)
            bound[params.star_kwarg.name.value] = (shown, replace(
                container_of([value for _, value in rest + unnamed], entries=entries_of(rest)), attributes=by_name))
        for name, default in function.defaults.items():
            if name not in bound:  # f(**options) may set it: the default, or anything
                bound[name] = (default[0], join(default[1], UNKNOWN)) if arguments.unpacked else default
        for name, entry in arguments.captured:
            bound.setdefault(name, entry)
        return bound

    def _record_helper_call(self, helper: HelperConversion, call: cst.Call,
                            bindings: Dict[str, Tuple[cst.BaseExpression, Value]],
                            values: Dict[str, Value], frame: Frame, arguments: Arguments) -> None:
        holder = _holder_of(helper.parameter, bindings)
        # Only the argument that itself carries grad is reported (not the batch handed
        # to a helper together with the model that makes its output require grad).
        if holder is None or holder[1][0] is helper.site.call:
            return
        name, entry = holder
        holds_callers = name != helper.parameter  # the caller's parameter, in a field of what is passed
        passed = innermost(entry[1])
        value = substitute(helper.site.value, values)
        if helper.site.unless_tensor and value.kind is Kind.TENSOR:
            return  # np.shape(t) of a tensor reads t.shape (of batch["x"] too: what the call passes there)
        # what the helper reads from a model (or what the file takes for a tensor) passed to it,
        # under a name no table knows (G.z_dim), may be a number: the argument's place is not
        # its place (``substitute`` has it so for grad)
        read_from_model = helper.site.value.read_from_parameter and passed.kind in (Kind.MODULE, Kind.TENSOR)
        off_host = (device_of(passed) or Device.CPU) is not Device.CPU and not read_from_model
        carries_grad = holds_callers or passed.grad is Grad.YES or bool(passed.params)
        if not carries_grad and not off_host:  # nothing a rule judges
            return
        expression = entry[0]
        if not carries_grad:  # kept for its device only: the grad rules judge the argument that carries grad
            value = without_grad_facts(value)
        if helper.site.value.device is not Device.CPU and not read_from_model:
            # The argument, where the caller put it (a tensor the helper itself moves to a GPU is
            # its own finding); only a move back to the host inside the helper overrides it.
            value = devices.located_as(value, passed)
        # detach what the call passes, when it is itself a tensor (not a module or a list)
        # an element of what was passed (map(fn, xs), f(*xs)) is no expression of its own
        passed_points = () if holds_callers or arguments.is_part(entry) else detach_points(expression, entry[1])
        # else inside the helper: its own detach points, or what is converted at the end of its
        # chain of helpers (a hook run at a model call converts its output there), a tensor here
        reached = helper.site.helper_chain()[-1]
        inside = helper.site.detach_points or ((reached.converted,) if value.kind is Kind.TENSOR else ())
        via = replace(helper, parameter=name, in_a_field=holds_callers)
        site = ConversionSite(helper.site.style, call, call.func, f"{helper.function_name}()", expression, value,
                              helper.site.grad_mode, passed_points or inside, via,
                              unless_tensor=helper.site.unless_tensor)
        frame.context.record(site if site.carried.params else site.where_converted())

    def define_lambda(self, node: cst.Lambda, frame: Frame) -> Value:
        """A lambda is a function without a name: registered, then called like any other."""
        known = self.function_nodes.get(id(node))
        function = known or self._register(node, _ANONYMOUS, frame)
        return Value(Kind.FUNCTION, qualified_name=function.key)

    def decorate(self, function: Value, mode: GradMode) -> None:
        """``torch.no_grad()(lambda: ...)``: the anonymous function runs in that grad mode."""
        for key in function.functions:
            info = self.functions.get(key)
            if info is not None and isinstance(info.node, cst.Lambda) and info.decorator_mode is None:
                info.decorator_mode = mode

    # --- statements -----------------------------------------------------
    def run_body(self, body: Body, frame: Frame) -> None:
        for statement in body:
            if frame.terminated:  # after return, raise, break or continue: dead code
                return
            method = getattr(self, f"_run_{type(statement).__name__}", None)
            if method is not None:
                method(statement, frame)
            elif isinstance(statement, cst.CSTNode):
                self.evaluator.evaluate_children(statement, frame)

    def _run_suite(self, suite: cst.BaseSuite, frame: Frame) -> None:
        self.run_body(suite.body, frame)

    def _run_SimpleStatementLine(self, node: cst.SimpleStatementLine, frame: Frame) -> None:
        self.run_body(node.body, frame)

    def _run_Expr(self, node: cst.Expr, frame: Frame) -> None:
        value = node.value
        result = self._run_for_effect(value, frame)
        if isinstance(value, cst.Call):
            self._switch_grad_mode(value, result, frame)

    def _run_for_effect(self, body: cst.BaseExpression, frame: Frame) -> Value:
        """An expression run for what it does, as a statement or a lambda's body (``lambda m, i, o:
        outputs.append(o)``): a call of a method that changes its receiver changes it."""
        if isinstance(body, cst.Call) and isinstance(body.func, cst.Attribute):
            return self._run_mutation(body, body.func, frame)
        return self.evaluator.evaluate(body, frame)

    def _switch_grad_mode(self, call: cst.Call, result: Value, frame: Frame) -> None:
        """Calls that switch grad mode for the statements after them: ``set_grad_enabled(False)``,
        ``cm.__enter__()`` and ``stack.enter_context(cm)`` on a grad-mode object, ``cm.__exit__()``.
        (A bare ``torch.no_grad()`` only makes an object: it switches nothing.)"""
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        if method == torch_api.EXIT_METHOD and frame.entered:
            frame.mode = frame.entered.pop()
            return
        if method in torch_api.ENTER_METHODS and isinstance(func, cst.Attribute):
            manager = call.args[0].value if method != "__enter__" and call.args else func.value
            switched = self.grad_mode_of(self.evaluator.evaluate(manager, frame))
            if switched is not None:
                frame.entered.append(frame.mode)
                frame.mode, frame.inherits_mode = switched, False
            return
        callee = self.evaluator.callee(func, frame)
        setter = callee.kind is Kind.REFERENCE and torch_api.effect_of_qualified_name(
            callee.qualified_name or "") is Effect.GRAD_SET
        if setter and result.sets_grad_mode is not None:  # torch.set_grad_enabled(False) as a statement
            frame.mode, frame.inherits_mode = result.sets_grad_mode, False
            frame.grad_switched_off = result.sets_grad_mode is GradMode.OFF
            self._follow_flag(result.grad_flag, frame)

    def _run_mutation(self, call: cst.Call, func: cst.Attribute, frame: Frame) -> Value:
        result = self._mutate(call, func, frame)
        if func.attr.value in torch_api.DEVICE_MOVES:
            self._move_module_in_place(func, result, frame)
        return result

    def _move_module_in_place(self, func: cst.Attribute, moved: Value, frame: Frame) -> None:
        """``model.to(device)`` as a statement moves the model itself (a tensor's ``.to()`` makes a
        copy): from here on its outputs are on that device."""
        key = dotted_name(func.value)
        current = frame.lookup(key) if key is not None else None
        if key is None or current is None or current.kind is not Kind.MODULE or moved.device is None:
            return
        module = replace(current, device=moved.device, placed=moved.placed)
        frame.set(key, module)
        self.note_write(frame, key, module, adds=False)

    def _mutate(self, call: cst.Call, func: cst.Attribute, frame: Frame) -> Value:
        """``losses.append(loss)``, ``history["val"].append(x)``, ``w.add_(u)``, ``model.to(device)``..."""
        name = func.attr.value
        receiver = _module_itself(func.value, frame)
        if receiver is not func.value:
            self.evaluator.evaluate(func.value, frame)  # (model.eval() runs: its mode switch, a move)
        key = place_key(receiver, frame)
        in_place = torch_api.is_in_place(name)
        if key is None and _element_holder(receiver) is None or not (name in torch_api.RECEIVER_MUTATORS or in_place):
            return self.evaluator.evaluate(call, frame)
        current = self.evaluator.evaluate(receiver, frame)
        if receiver is not func.value and current.kind is Kind.UNKNOWN:  # m.eval().requires_grad_(False)
            current = self.evaluator.used_as_module(receiver, current, frame)
        arguments = self.evaluator.arguments(call, frame)
        values = [value for _, value in arguments.positional]
        own_class = self.class_of(current)
        if own_class is not None and own_class.method(name) is not None:  # tracker.update(loss): a method
            return self.evaluator.method_call(call, func, current, arguments, frame)
        if current.kind is Kind.MODULE and name in torch_api.MODULE_PART_ADDERS:  # model.append(layer): a part
            return self.evaluator.method_call(call, func, current, arguments, frame)
        if name in torch_api.CONTAINER_ADDERS and values:
            self._add_to_container(receiver, key, current, arguments.positional[-1], frame)
            self._add_through_alias(receiver, current, arguments.positional[-1], frame)
        elif name in torch_api.DICT_UPDATERS and key is not None and _updates_by_key(current, arguments):
            self._update_by_keys(receiver, key, current, arguments, frame)
        elif name in torch_api.CONTAINER_EXTENDERS and values:
            # the tensors enter inside another container: no single place to detach them
            self._add_to_container(receiver, key, current, (call, element(values[0])), frame, known_entry=False)
            self._add_through_alias(receiver, current, (call, element(values[0])), frame, known_entry=False)
        elif key is None:
            return self.evaluator.method_call(call, func, current, arguments, frame)
        elif name == torch_api.REGISTER_BUFFER_METHOD and len(values) > 1 and isinstance(values[0].constant, str):
            self._bind_attribute_named(key, values[0].constant, values[1], frame)
        elif name == torch_api.REQUIRES_GRAD_METHOD:
            result = self.evaluator.method_call(call, func, current, arguments, frame)
            flag = call.args[0].value if call.args else None
            self._set_requires_grad(key, frame, requested_grad(flag), call, result)
        elif in_place:  # w.add_(u), t.copy_(u), t.detach_()
            result = self.evaluator.method_call(call, func, current, arguments, frame)
            frame.set(key, self._after_in_place(name, current, result, frame))
        elif current.kind is Kind.UNKNOWN and not current.params:
            # a bare m.to(device) only makes sense for modules
            module = self.evaluator.used_as_module(receiver, current, frame)
            if name in torch_api.DEVICE_MOVES:
                return self.evaluator.tensor_or_module_method(call, func, module, arguments, frame)
        else:
            return self.evaluator.method_call(call, func, current, arguments, frame)
        return OTHER

    @staticmethod
    def _after_in_place(name: str, current: Value, result: Value, frame: Frame) -> Value:
        """The receiver of ``t.clamp_(...)``, ``t.add_(u)`` after the call.

        An in-place op changes a tensor's contents, never whether it requires grad, unless it
        records a step (grad on: ``buffer.add_(w)`` makes ``buffer`` require grad) or detaches
        (``t.detach_()``).  Under no_grad the receiver keeps what it was, a view of a tensor
        that requires grad included."""
        if torch_api.member_effect(name) is Effect.STOP:
            return result
        if frame.mode is GradMode.OFF:
            return current
        return join(current, result) if current.kind is Kind.TENSOR else result

    def _bind_attribute_named(self, base: str, name: str, value: Value, frame: Frame) -> None:
        """``self.register_buffer("alpha", t)`` sets ``self.alpha``."""
        frame.set(f"{base}.{name}", value)
        self.note_write(frame, f"{base}.{name}", value, adds=False)

    def _add_to_container(self, receiver: cst.BaseExpression, key: Optional[str], current: Value,
                          entry: Tuple[cst.BaseExpression, Value], frame: Frame, known_entry: bool = True) -> None:
        entries = entries_of([entry]) if known_entry else ()
        added = Value(Kind.CONTAINER, item=entry[1], entries=entries, unknown_entries=not known_entry)
        grown = join(current, added) if current.kind is Kind.CONTAINER else added
        if key is not None:
            frame.set(key, grown)
            self.note_write(frame, key, entry[1], adds=True)
        holder = _element_holder(receiver)
        base = place_key(holder, frame) if holder is not None else None
        if holder is not None and base is not None:  # history[phase].append(x), history.setdefault(phase, []).append(x)
            constant = constant_index(receiver, frame) if isinstance(receiver, cst.Subscript) else None
            # what holds it: as this scope knows it, or as the object holds it (self.history, which
            # the constructor made with its keys)
            held = frame.lookup(base) or self.evaluator.evaluate(holder, frame)
            frame.set(base, self._holding(held, constant, grown))
            # an entry of base grew (under its key, when known): it holds what it holds
            self.evaluator.note_entry_write(holder, base, grown, frame, constant)

    def _add_through_alias(self, receiver: cst.BaseExpression, before: Value, entry: Tuple[cst.BaseExpression, Value],
                           frame: Frame, known_entry: bool = True) -> None:
        """``values.append(v)`` with ``values`` bound to ``self.curves[key]``: the same list, so
        ``self.curves[key]`` grew too, as ``self.curves[key].append(v)`` would have grown it."""
        if not isinstance(receiver, cst.Name):
            return
        alias = frame.aliases.get(receiver.value)
        if alias is None or alias[1] is not before:  # rebound since: another object
            return
        place = alias[0]
        self._add_to_container(place, place_key(place, frame), self.evaluator.evaluate(place, frame), entry, frame,
                               known_entry)
        now = frame.env.get(receiver.value)
        if now is not None:
            frame.aliases[receiver.value] = (place, now)

    def _update_by_keys(self, receiver: cst.BaseExpression, key: str, current: Value, arguments: Arguments,
                        frame: Frame) -> None:
        """``state.update(logits=out)``, ``state.update({"loss": loss})``: each entry under its key,
        as ``state["logits"] = out`` stores it."""
        given = arguments.positional[0][1].attributes if arguments.positional else ()
        for entry_key, value in [*given, *((name, value) for name, (_, value) in arguments.keywords.items())]:
            current = with_item(current, entry_key, value)
            frame.set(key, current)
            frame.rebind(f"{key}[{entry_key!r}]", value)
            self.evaluator.note_entry_write(receiver, key, value, frame, entry_key)

    @staticmethod
    def _holding(holder: Value, constant: Optional[str], grown: Value) -> Value:
        """``holder`` after one of its entries grew into ``grown`` (the entry ``constant``, if known)."""
        joined = join(holder, Value(Kind.CONTAINER, item=grown)) if holder.kind is Kind.CONTAINER \
            else Value(Kind.CONTAINER, item=grown)
        entries = dict(holder.attributes)
        keyed = constant is not None and has_only_known_entries(holder)
        if constant is not None and (constant in entries or not holder.attributes or keyed):
            entries[constant] = grown  # history["train"].append(x): that entry, known by its key
        else:  # an unknown entry grew: any of them may hold it
            entries = {name: join(value, grown) for name, value in entries.items()}
        return replace(joined, attributes=tuple(entries.items()), keyed=keyed)

    def _set_requires_grad(self, key: str, frame: Frame, grad: Grad, node: cst.CSTNode,
                           new_value: Optional[Value] = None) -> None:
        current = frame.lookup(key) or UNKNOWN
        loop_module = frame.parameter_loops.get(key)
        if grad is Grad.NO and loop_module is not None:
            module = frame.lookup(loop_module)
            if module is not None and module.kind is Kind.MODULE:
                frame.set(loop_module, frozen(module))
                self._freeze_parts(loop_module, frame)
        if current.kind is Kind.MODULE:
            module = new_value if new_value is not None else current
            if grad is Grad.YES and module.frozen:  # model.requires_grad_(True) after freezing it
                module = unfrozen(module, Origin("made to require grad", node))
            frame.set(key, module)
            if grad is Grad.NO:
                self._freeze_parts(key, frame)
        else:  # state.positions.requires_grad_(): the caller's tensor changes too
            frame.set(key, tensor_requiring(grad, Origin("made to require grad", node)))
            self.note_write(frame, key, frame.env[key], adds=False)
            layer, _, attribute = key.rpartition(".")
            if layer:
                self._set_layer_parameter(layer, attribute, grad, node, frame)

    @staticmethod
    def _set_layer_parameter(key: str, attribute: str, grad: Grad, node: cst.CSTNode, frame: Frame) -> None:
        """``emb.weight.requires_grad = False`` freezes the library layer ``emb`` once every
        parameter its class has is frozen (an Embedding has only ``weight``; a Linear's ``bias``
        still trains); ``= True`` on one parameter of a frozen layer makes its output require grad."""
        module = frame.lookup(key)
        if module is None or module.kind is not Kind.MODULE or not module.qualified_name:
            return
        parameters = torch_api.parameters_of(module.qualified_name)
        if not parameters or attribute not in parameters:
            return
        if grad is Grad.YES and module.frozen:
            frame.set(key, unfrozen(module, Origin("made to require grad", node)))
        elif grad is Grad.NO and not module.frozen and all(
                (held := frame.lookup(f"{key}.{name}")) is not None and held.kind is Kind.TENSOR
                and held.grad is Grad.NO for name in parameters):
            frame.set(key, frozen(module))

    @staticmethod
    def _freeze_parts(key: str, frame: Frame) -> None:
        """A module frozen whole (``self.requires_grad_(False)``, a loop over ``self.parameters()``
        in a constructor) freezes the parts it holds so far: ``self.backbone``, which ``forward``
        calls; a part stored after it (``self.head``) still trains."""
        prefix = key + "."
        for known in sorted(frame.compound_keys.get(root_of(key), ())):
            part = frame.lookup(known) if known.startswith(prefix) else None
            if part is not None and part.kind is Kind.MODULE and not part.frozen:
                frame.set(known, frozen(part))

    def _run_Assign(self, node: cst.Assign, frame: Frame) -> None:
        first = node.targets[0].target
        if isinstance(node.value, cst.Lambda) and len(node.targets) == 1 and isinstance(first, cst.Name):
            self._define(node.value, first.value, frame)
            return
        value = self.evaluator.evaluate(node.value, frame)
        for target in node.targets:
            self._assign(target.target, node.value, value, frame)
            self._note_aliases(target.target, node.value, frame)

    @staticmethod
    def _note_aliases(target: cst.BaseExpression, source: cst.BaseExpression, frame: Frame) -> None:
        """``values = self.curves[key]``, ``steps, values = self.curves[key]``: what is added to
        ``values`` goes into that place too (see ``_add_through_alias``)."""
        if not _is_place(source):
            return
        if isinstance(target, cst.Name):
            named = [(target.value, source)]
        elif isinstance(target, (cst.Tuple, cst.List)) and all(isinstance(e, cst.Element) for e in target.elements):
            named = [(e.value.value, _item_at(source, index)) for index, e in enumerate(target.elements)
                     if isinstance(e.value, cst.Name)]
        else:
            return
        for name, place in named:
            held = frame.env.get(name)
            if held is not None and held.kind in (Kind.CONTAINER, Kind.UNKNOWN):  # (a new entry: unknown)
                frame.aliases[name] = (place, held)

    def _assign(self, target: cst.BaseExpression, source: cst.BaseExpression, value: Value, frame: Frame) -> None:
        if isinstance(target, cst.Attribute) and target.attr.value == torch_api.REQUIRES_GRAD_KEYWORD:
            key = dotted_name(target.value)
            if key is not None:
                self._set_requires_grad(key, frame, requested_grad(source), target)
                return
        self.evaluator.bind(target, value, frame, source)

    def _run_AnnAssign(self, node: cst.AnnAssign, frame: Frame) -> None:
        if node.value is not None:
            self._assign(node.target, node.value, self.evaluator.evaluate(node.value, frame), frame)

    def _run_AugAssign(self, node: cst.AugAssign, frame: Frame) -> None:
        current = self.evaluator.evaluate(node.target, frame)
        value = self.evaluator.evaluate(node.value, frame)
        self.evaluator.record_mixed(node, node.target, current, node.value, value, frame)
        if current.kind is Kind.CONTAINER:
            self.evaluator.bind(node.target, join(current, Value(Kind.CONTAINER, item=element(value))), frame)
        elif current.kind is Kind.TENSOR:  # in place: a leaf updated under no_grad stays a leaf
            self.evaluator.bind(node.target, join(current, self.evaluator.arithmetic([current, value], frame)), frame)
        else:
            self.evaluator.bind(node.target, self.evaluator.arithmetic([current, value], frame), frame)

    def _run_Return(self, node: cst.Return, frame: Frame) -> None:
        returned = self.evaluator.evaluate(node.value, frame) if node.value else OTHER
        if node.value is not None:  # return state: with what this function set on state.positions
            returned = self.evaluator.with_known_attributes(node.value, returned, frame)
        frame.context.returns.append(returned)
        self.hand_on_assignments(frame)
        frame.terminated = True

    def _run_Raise(self, node: cst.Raise, frame: Frame) -> None:
        self.evaluator.evaluate_children(node, frame)
        self.hand_on_assignments(frame)  # a caller may catch it
        frame.terminated = True

    def _run_Break(self, node: cst.Break, frame: Frame) -> None:
        self._jump(frame)

    _run_Continue = _run_Break

    @staticmethod
    def _jump(frame: Frame) -> None:
        if frame.jumps is not None:
            frame.jumps.append(frame.env)
        frame.terminated = True

    def _run_Assert(self, node: cst.Assert, frame: Frame) -> None:
        """``assert isinstance(x, torch.Tensor)``: what follows runs only where the test holds."""
        self.evaluator.evaluate(node.test, frame)
        if node.msg is not None:
            self.evaluator.evaluate(node.msg, frame)
        self.evaluator.refine(node.test, frame, frame.branch())

    def _run_Import(self, node: cst.Import, frame: Frame) -> None:
        for alias in node.names:
            full = dotted_name(alias.name) or ""
            self._note_import(full)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                frame.env[alias.asname.name.value] = Value(Kind.REFERENCE, qualified_name=full)
            else:
                root = full.split(".", 1)[0]
                frame.env[root] = Value(Kind.REFERENCE, qualified_name=root)

    def _run_ImportFrom(self, node: cst.ImportFrom, frame: Frame) -> None:
        if node.relative or node.module is None:
            return
        base = dotted_name(node.module) or ""
        self._note_import(base)
        if isinstance(node.names, cst.ImportStar):
            self._import_star(base, frame)
            return
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            frame.env[bound] = Value(Kind.REFERENCE, qualified_name=f"{base}.{name}")

    @staticmethod
    def _import_star(module: str, frame: Frame) -> None:
        """``from pylab import *``: the builtins it rebinds are NumPy's (``sum(losses)`` converts),
        and a name the file does not bind comes from the module (``plot(t)``), unless another star
        import (of a module the table does not know) may have bound it."""
        known = torch_api.STAR_IMPORTS.get(module)
        if known is None:  # from statistics import *: a free name may be any module's
            frame.env[STAR_IMPORT_KEY] = UNKNOWN
            return
        namespace, shadowed = known
        for name in shadowed:
            frame.env[name] = Value(Kind.REFERENCE, qualified_name=f"{torch_api.STAR_SHADOWED_FROM}.{name}")
        if STAR_IMPORT_KEY not in frame.env:
            frame.env[STAR_IMPORT_KEY] = Value(Kind.REFERENCE, qualified_name=namespace)

    def _note_import(self, module: str) -> None:
        if module.split(".", 1)[0] in torch_api.TORCH_PACKAGES:
            self.imports_torch = True

    def _run_Global(self, node: cst.Global, frame: Frame) -> None:
        frame.global_names.update(item.name.value for item in node.names)

    def _run_Nonlocal(self, node: cst.Nonlocal, frame: Frame) -> None:
        frame.nonlocal_names.update(item.name.value for item in node.names)

    def _run_Del(self, node: cst.Del, frame: Frame) -> None:
        key = dotted_name(node.target)
        if key is not None:
            frame.env.pop(key, None)

    # --- control flow ---------------------------------------------------
    def _run_If(self, node: cst.If, frame: Frame) -> None:
        test = self.evaluator.evaluate(node.test, frame).constant
        if test is not None:  # a constant test (``if DEBUG:``, ``if __name__ == "__main__":``)
            self._run_branch_taken(node, bool(test), frame)
            return
        when_true, when_false = frame.branch(), frame.branch()
        self.evaluator.refine(node.test, when_true, when_false)
        self._run_suite(node.body, when_true)
        self._run_else(node, when_false)
        self._merge(frame, when_true, when_false, test=node.test)

    def _run_branch_taken(self, node: cst.If, taken: bool, frame: Frame) -> None:
        """Only one branch runs: in the frame itself, so that functions it calls see what it
        binds (a script's ``__main__`` block assigns the globals its functions read)."""
        if taken:
            self.evaluator.refine(node.test, frame, frame.branch())
            self._run_suite(node.body, frame)
        else:
            self.evaluator.refine(node.test, frame.branch(), frame)
            self._run_else(node, frame)

    def _run_else(self, node: cst.If, frame: Frame) -> None:
        if isinstance(node.orelse, cst.If):
            self._run_If(node.orelse, frame)
        elif node.orelse is not None:
            self._run_suite(node.orelse.body, frame)

    def _merge(self, frame: Frame, *branches: Frame, test: Optional[cst.BaseExpression] = None) -> None:
        """Continue with the paths that reach the end of their branch; none: what follows is dead.

        ``test``: the branches are the true and false sides of a test (see ``join_paths``)."""
        live = [branch for branch in branches if not branch.terminated]
        if not live:
            frame.terminated = True
            return
        frame.env = live[0].env
        mode = live[0].mode
        for branch in live[1:]:
            frame.env.absorb(branch.env, test if len(live) == 2 else None)
            mode = _join_modes(mode, branch.mode)
        frame.mode = mode

    def _run_loop(self, body: cst.BaseSuite, frame: Frame,
                  bind_target: Optional[Tuple[cst.BaseExpression, Value]], runs: bool = False,
                  parts_of: Optional[_PartsLoop] = None) -> Frame:
        """Loop bodies run twice so values carried around the loop reach the top.  Where the
        body surely ``runs`` (``for _ in range(3)``), the path that skips the loop is no path.
        A loop over the parts of a model (``parts_of``) binds its target to parts of it.

        Returns the frame of the last pass, as it was at the end of the body.
        """
        passes = 2 if frame.loop_depth < _MAX_LOOP_PASSES_DEPTH else 1
        before = frame.env
        inner = frame
        for number in range(passes):
            inner = frame.branch()
            inner.loop_depth += 1
            ends = self._run_pass(body, inner, bind_target, parts_of)
            skipped = [] if runs and number == 0 and ends else [before]
            frame.env = join_all_envs(skipped + ends)
            frame.mode = _join_modes(frame.mode, inner.mode)
            before = frame.env
        return inner

    def _run_pass(self, body: cst.BaseSuite, frame: Frame,
                  bind_target: Optional[Tuple[cst.BaseExpression, Value]],
                  parts_of: Optional[_PartsLoop] = None) -> List[Env]:
        """One pass of a loop body; the environments with which it reaches the loop's head."""
        frame.jumps = []
        if bind_target is not None:
            self.evaluator.bind(bind_target[0], bind_target[1], frame)
            if parts_of is not None:  # for name, layer in model.named_modules(): layer is part of model
                for name in target_names(bind_target[0]):
                    self.evaluator.mark_part_of(name, parts_of.owner, frame, parts_of.container)
        self._run_suite(body, frame)
        ends = frame.jumps + ([] if frame.terminated else [frame.env])
        frame.jumps, frame.terminated = None, False
        return ends

    def _run_For(self, node: cst.For, frame: Frame) -> None:
        iterable = self.evaluator.evaluate(node.iter, frame)
        entries = entries_run_one_by_one(iterable)
        owner = self.evaluator.model_iterated(node.iter, frame)
        parts_of = _PartsLoop(owner, self.evaluator.parts_container(node.iter, frame)) if owner is not None else None
        if entries:
            self._run_unrolled(node, entries, frame, parts_of)
            return
        item = element(iterable)
        module_key, target = self._parameter_loop(node)
        if module_key is not None and target is not None:
            frame.parameter_loops[target] = module_key
        self._run_loop(node.body, frame, (node.target, item), not self._may_run_zero_times(node.iter, iterable, frame),
                       parts_of=parts_of)
        if module_key is not None and target is not None:
            frame.parameter_loops.pop(target, None)
        if node.orelse is not None:
            self._run_suite(node.orelse.body, frame)

    def _run_unrolled(self, node: cst.For, constants: Sequence[Value], frame: Frame,
                      parts_of: Optional[_PartsLoop] = None) -> None:
        """Each phase of ``for phase in ["train", "val"]`` with its own grad mode and dict entries
        (each part of ``nn.Sequential(a, b)``, whose hooks run at the model's calls)."""
        outer_jumps = frame.jumps
        sites = frame.context.sites
        seen: Dict[SiteKey, ConversionSite] = {}
        for value in constants:
            ends = self._run_pass(node.body, frame, (node.target, value), parts_of)
            # each pass converts another entry: a site keeps the pass where it raises
            keep_raising_sites(seen, sites)
            if not ends:  # every path returned or raised
                frame.jumps, frame.terminated = outer_jumps, True
                break
            frame.env = join_all_envs(ends)
        else:
            frame.jumps = outer_jumps
        sites.update(seen)

    def _may_run_zero_times(self, node: cst.BaseExpression, iterable: Value, frame: Frame) -> bool:
        """Whether a for loop may not run at all: over a container known to be empty, or over
        range() with known bounds that are empty (``range(len(batches))`` with ``batches = []``).
        Any other iterable (a loader, a list filled elsewhere, ``range(epochs)``) is taken to
        have elements: a file that loops over its data has data."""
        if is_empty_container(iterable):
            return True
        if not isinstance(node, cst.Call) or not 1 <= len(node.args) <= 2 or \
                self.evaluator.callee(node.func, frame).qualified_name != torch_api.RANGE_FUNCTION:
            return False
        bounds = [bound for bound in (self._known_count(argument.value, frame) for argument in node.args)
                  if bound is not None]
        if len(bounds) != len(node.args):
            return False
        start, stop = (0, bounds[0]) if len(bounds) == 1 else (bounds[0], bounds[1])
        return not start < stop

    def _known_count(self, node: cst.BaseExpression, frame: Frame) -> Optional[int]:
        """An integer literal, or ``len(x)`` of a container known to be empty (0)."""
        if isinstance(node, cst.Integer):
            number = integer_value(node)
            return number if isinstance(number, int) else None
        if isinstance(node, cst.Call) and len(node.args) == 1 and \
                self.evaluator.callee(node.func, frame).qualified_name == torch_api.LEN_FUNCTION:
            if is_empty_container(self.evaluator.evaluate(node.args[0].value, frame)):
                return 0
        return None

    @staticmethod
    def _parameter_loop(node: cst.For) -> Tuple[Optional[str], Optional[str]]:
        """``model`` and ``p`` in ``for p in model.parameters():`` or ``for name, p in
        model.named_parameters():``, whose body may freeze the model."""
        call = node.iter
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)):
            return None, None
        method = call.func.attr.value
        target: cst.BaseExpression = node.target
        if method == torch_api.NAMED_PARAMETERS_METHOD and isinstance(target, cst.Tuple) and len(target.elements) == 2:
            target = target.elements[1].value  # (name, parameter)
        elif method != torch_api.PARAMETERS_METHOD:
            return None, None
        return dotted_name(call.func.value), target.value if isinstance(target, cst.Name) else None

    def _run_While(self, node: cst.While, frame: Frame) -> None:
        self.evaluator.evaluate(node.test, frame)
        self._run_loop(node.body, frame, None)
        if node.orelse is not None:
            self._run_suite(node.orelse.body, frame)

    def _run_Try(self, node: Union[cst.Try, cst.TryStar], frame: Frame) -> None:
        before = frame.branch()
        self._run_suite(node.body, frame)
        if node.orelse is not None:
            self._run_suite(node.orelse.body, frame)
        branches = [frame]
        for handler in node.handlers:
            branch = before.branch()
            branch.env.absorb(frame.env)
            if handler.type is not None:
                self.evaluator.evaluate(handler.type, branch)
            if handler.name is not None:
                self.evaluator.bind(handler.name.name, OTHER, branch)
            self._run_suite(handler.body, branch)
            branches.append(branch)
        self._merge(frame, *branches)
        if node.finalbody is not None:  # runs on every path, also after a return
            ended, frame.terminated = frame.terminated, False
            self._run_suite(node.finalbody.body, frame)
            frame.terminated = ended or frame.terminated

    _run_TryStar = _run_Try

    def _run_Match(self, node: cst.Match, frame: Frame) -> None:
        subject = self.evaluator.evaluate(node.subject, frame)
        branches = [frame.branch()]
        for case in node.cases:
            branch = frame.branch()
            self._bind_pattern(case.pattern, subject, branch)
            if case.guard is not None:
                self.evaluator.evaluate(case.guard, branch)
            self._run_suite(case.body, branch)
            branches.append(branch)
        self._merge(frame, *branches)

    def _bind_pattern(self, pattern: cst.MatchPattern, subject: Value, frame: Frame) -> None:
        """The names a case's pattern binds, from the parts of the subject they match:
        ``case Band(mean=m, std=s)`` binds ``m`` to the subject's ``mean``, ``case [first, *rest]``
        its elements, ``case {"loss": loss}`` its entry, ``case x`` (or ``as x``) the subject."""
        if isinstance(pattern, cst.MatchAs):
            if pattern.pattern is not None:
                self._bind_pattern(pattern.pattern, subject, frame)
            if pattern.name is not None:
                frame.env[pattern.name.value] = subject
        elif isinstance(pattern, cst.MatchClass):
            info = self.class_of(subject)
            positional = info.fields if info is not None else ()
            for name, element_pattern in zip(positional, (p.value for p in pattern.patterns)):
                self._bind_pattern(element_pattern, self._field_of(subject, name), frame)
            for keyword in pattern.kwds:
                self._bind_pattern(keyword.pattern, self._field_of(subject, keyword.key.value), frame)
        elif isinstance(pattern, cst.MatchSequence):
            for index, position in enumerate(pattern.patterns):
                if isinstance(position, cst.MatchStar):
                    if position.name is not None:
                        frame.env[position.name.value] = container_of([element(subject)])
                else:
                    self._bind_pattern(position.value, element(subject, index), frame)
        elif isinstance(pattern, cst.MatchMapping):
            for keyed in pattern.elements:
                key = string_value(keyed.key) if isinstance(keyed.key, cst.SimpleString) else None
                entry = element(subject, key if isinstance(key, str) else ANY_ENTRY)
                self._bind_pattern(keyed.pattern, entry, frame)
        elif isinstance(pattern, cst.MatchOr) and pattern.patterns:
            self._bind_pattern(pattern.patterns[0].pattern, subject, frame)

    def _field_of(self, subject: Value, name: str) -> Value:
        """What ``subject.name`` holds: its own attribute, else what its class's methods store."""
        own = dict(subject.attributes).get(name)
        if own is not None:
            return own
        info = self.class_of(subject)
        stored = info.attribute(name) if info is not None else None
        return stored if stored is not None else UNKNOWN

    def _run_With(self, node: cst.With, frame: Frame) -> None:
        outer_mode, outer_inherits, outer_entered = frame.mode, frame.inherits_mode, list(frame.entered)
        outer_flag = frame.grad_flag
        mode = frame.mode
        for item in node.items:
            value = self.evaluator.evaluate(item.item, frame)
            switched = self.grad_mode_of(value)
            if switched is not None:
                mode = switched
                self._follow_flag(value.grad_flag, frame)
            if item.asname is not None:
                self.evaluator.bind(item.asname.name, self._entered(item.item, value, frame), frame)
        if mode is not frame.mode:
            frame.mode, frame.inherits_mode = mode, False
        self._run_suite(node.body, frame)
        # the block's end restores the mode, also one switched inside (stack.enter_context(...))
        frame.mode, frame.inherits_mode, frame.entered = outer_mode, outer_inherits, outer_entered
        frame.grad_flag = outer_flag

    @staticmethod
    def _follow_flag(flag: Optional[GradFlag], frame: Frame) -> None:
        """Grad mode now follows ``flag`` (None: no run-time flag)."""
        frame.grad_flag = flag
        if flag is not None:
            frame.context.grad_flags.add(flag)

    def _entered(self, expression: cst.BaseExpression, manager: Value, frame: Frame) -> Value:
        """What ``with manager as x`` binds: what ``__enter__`` returns."""
        entered = dict(manager.attributes).get(torch_api.ENTER_VALUE)
        if entered is not None:
            return entered
        info = self.class_of(manager)
        enter = info.method("__enter__") if info is not None else None
        if enter is None or not isinstance(expression, cst.Call):
            return manager
        return self.call_function(enter, expression, Arguments([(expression, manager)], {}, False), frame)

    @staticmethod
    def grad_mode_of(value: Value) -> Optional[GradMode]:
        """The grad mode a context manager or decorator sets: ``torch.no_grad()``, bare ``@torch.no_grad``."""
        if value.sets_grad_mode is not None:
            return value.sets_grad_mode
        if value.kind is Kind.REFERENCE and value.qualified_name:
            effect = torch_api.effect_of_qualified_name(value.qualified_name)
            return {Effect.GRAD_OFF: GradMode.OFF, Effect.GRAD_ON: GradMode.ON}.get(effect)  # type: ignore[arg-type]
        return None

    # --- definitions ----------------------------------------------------
    def _run_FunctionDef(self, node: cst.FunctionDef, frame: Frame) -> None:
        self._define(node, node.name.value, frame)

    def _define(self, node: Union[cst.FunctionDef, cst.Lambda], name: str, frame: Frame) -> None:
        """Register a function (or a lambda bound to a name) and bind its name."""
        known = self.function_nodes.get(id(node))
        # a loop pass or another grad mode runs the same def again
        self._bind_function(known or self._register(node, name, frame), frame)

    def _register(self, node: Union[cst.FunctionDef, cst.Lambda], name: str, frame: Frame) -> FunctionInfo:
        owner = frame.owner if frame.self_name is None and frame.owner is not None else None
        key = f"{frame.context.function.key}.{name}" if frame.context.function else name
        if owner is not None:
            key = f"{owner.key}.{name}"
        decorator_mode, escapes, context_manager, decorated_by = (
            self._decorators(node, frame) if isinstance(node, cst.FunctionDef) else (None, False, False, ()))
        if isinstance(node, cst.FunctionDef) and node.asynchronous is not None:
            # @torch.no_grad() on an ``async def`` only covers making the coroutine: its body runs
            # when awaited, in the grad mode of that moment (checked with torch 2.13)
            decorator_mode = None
        if decorator_mode is None and owner is not None and owner.is_autograd_function:
            decorator_mode = GradMode.OFF  # autograd runs forward and backward without recording
        if decorator_mode is None and owner is not None and owner.is_module and name in torch_api.GRAD_OFF_HOOKS:
            decorator_mode = GradMode.OFF  # the framework calls it under no_grad / inference_mode
        if decorator_mode is None and frame.context.function is None and frame.grad_switched_off:
            decorator_mode = GradMode.OFF  # defined after a module-level set_grad_enabled(False)
        params = node.params
        positional = tuple(p.name.value for p in list(params.posonly_params) + list(params.params))
        defaults = {
            p.name.value: (p.default, self.evaluator.evaluate(p.default, frame))
            for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
            if p.default is not None
        }
        key = self._numbered("function", key)
        function = FunctionInfo(key, node, name, frame, owner, decorator_mode, positional, defaults, escapes=escapes,
                                is_context_manager=context_manager, decorated_by=decorated_by)
        self.functions[key] = function
        self.function_nodes[id(node)] = function
        return function

    def _numbered(self, kind: str, key: str) -> str:
        """A key of its own for a redefinition, which keeps both: ``f``, then ``f'2``.  (Counted, not
        searched for: the search grew with the definitions, and a file with 20,000 lambdas spent a
        quarter of its time there.)"""
        count = self.definitions[kind, key] = self.definitions.get((kind, key), 0) + 1
        return key if count == 1 else f"{key}'{count}"

    def _bind_function(self, function: FunctionInfo, frame: Frame) -> None:
        value = self._decorated(function)
        if function.owner is not None:
            function.owner.methods[function.name] = function
            if value.qualified_name != function.key:
                function.owner.wrapped[function.name] = value
        else:
            frame.env[function.name] = value

    def _decorated(self, function: FunctionInfo) -> Value:
        """What the name is bound to: the function, or what the file's decorators return for it
        (a wrapper that converts ``*args`` and calls the function, say)."""
        value = Value(Kind.FUNCTION, qualified_name=function.key)
        for decorator in reversed(function.decorated_by):
            info = self.functions.get(decorator.qualified_name or "")
            if info is None or not info.positional:
                continue
            given = ((info.positional[0], value),)
            returned = _with_captured(info, self.result(info, GradMode.ON, given).returns, dict(given))
            if returned.kind is Kind.FUNCTION:
                value = returned
        return value

    def _decorators(self, node: cst.FunctionDef, frame: Frame) -> Tuple[Optional[GradMode], bool, bool,
                                                                        Tuple[Value, ...]]:
        """The grad mode the decorators set, whether they hand the function to unknown code,
        whether it is a @contextmanager, and the decorators that are functions of the file."""
        mode: Optional[GradMode] = None
        escapes = context_manager = False
        local: List[Value] = []
        for decorator in node.decorators:
            value = self.evaluator.evaluate(decorator.decorator, frame)
            switched = self.grad_mode_of(value)
            if value.kind is Kind.FUNCTION and value.qualified_name in self.functions:
                local.append(value)
                escapes = True
            elif switched is not None:
                mode = switched
            elif value.kind is Kind.REFERENCE and torch_api.effect_of_qualified_name(
                    value.qualified_name or "") is Effect.CONTEXT_MANAGER:
                context_manager = True
            elif not (isinstance(decorator.decorator, cst.Name)
                      and decorator.decorator.value in torch_api.NOT_ESCAPING_DECORATORS):
                escapes = True
        return mode, escapes, context_manager, tuple(local)

    def _run_ClassDef(self, node: cst.ClassDef, frame: Frame) -> None:
        known = self.class_nodes.get(id(node))
        if known is not None:
            frame.env[node.name.value] = Value(Kind.FUNCTION, qualified_name=known.key)
            return
        key = node.name.value if frame.context.function is None else f"{frame.context.function.key}.{node.name.value}"
        key = self._numbered("class", key)
        bases = [self.evaluator.callee(base.value, frame) for base in node.bases]
        own_bases = tuple(self.classes[base.qualified_name] for base in bases
                          if base.kind is Kind.FUNCTION and base.qualified_name in self.classes)
        effects = {self._base_effect(base) for base in bases}
        info = ClassInfo(key, node, is_module=any(self._is_module_base(base) for base in bases), heap=self.heap,
                         bases=own_bases, is_autograd_function=Effect.AUTOGRAD_FUNCTION in effects,
                         is_record=Effect.RECORD_TYPE in effects)
        self.classes[key] = info
        self.class_nodes[id(node)] = info
        class_frame = Frame(env=Env(), context=frame.context, outer=frame, mode=frame.mode,
                            inherits_mode=frame.inherits_mode, owner=info)
        self.run_body(node.body.body, class_frame)
        # a record's fields: its bases' first (a dataclass's constructor takes them in that order)
        inherited = tuple(name for base in own_bases for name in base.fields)
        info.fields = inherited + tuple(
            small.target.value
            for line in node.body.body if isinstance(line, cst.SimpleStatementLine)
            for small in line.body if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)
            and small.target.value not in inherited
        )
        for name, value in class_frame.env.items():
            info.set_attribute(name, value)
        frame.env[node.name.value] = Value(Kind.FUNCTION, qualified_name=key)

    def _is_module_base(self, base: Value) -> bool:
        if self._base_effect(base) is Effect.MODULE:
            return True
        info = self.classes.get(base.qualified_name or "") if base.kind is Kind.FUNCTION else None
        return info is not None and info.is_module

    @staticmethod
    def _base_effect(base: Value) -> Optional[Effect]:
        if base.kind is Kind.REFERENCE and base.qualified_name:
            return torch_api.effect_of_qualified_name(base.qualified_name)
        return None
