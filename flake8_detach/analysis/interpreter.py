"""Statement-order interpretation of a module, its functions and its classes.

The module body runs first; each function body is then interpreted once per
grad mode it can run in, with its parameters as unknowns, which yields its
summary (what it returns, which parameters it converts) and its conversion
sites.  A call site substitutes its arguments into the summary.  A function
whose callers in this file all run with grad off reports in that mode.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from flake8_detach import torch_api
from flake8_detach.analysis.expressions import (
    Arguments,
    Evaluator,
    detach_points,
    dotted_name,
    is_false,
    is_true,
    requested_grad,
    tensor_requiring,
)
from flake8_detach.analysis.scope import (
    CallRecord,
    ClassInfo,
    Context,
    Env,
    Frame,
    FunctionInfo,
    Result,
    join_envs,
)
from flake8_detach.analysis.sites import ConversionSite, GradMode, HelperConversion
from flake8_detach.analysis.values import (
    OTHER,
    UNKNOWN,
    Grad,
    Kind,
    Origin,
    Value,
    element,
    entries_of,
    join,
    join_all,
    parameter,
    requires_grad,
    substitute,
)
from flake8_detach.torch_api import Effect

_MAX_LOOP_PASSES_DEPTH = 2  # loops nested deeper are interpreted once per pass of their parent
_NOT_ESCAPING_DECORATORS = {"staticmethod", "classmethod", "property"}
# Methods whose receiver changes, called as statements.
_MUTATORS = {"append", "add", "insert", "extend", "update", "requires_grad_", "to"}

Body = Union[Sequence[cst.BaseStatement], Sequence[cst.BaseSmallStatement]]


def analyze_module(module: cst.Module) -> List[ConversionSite]:
    return Interpreter().run(module)


def _is_private(name: str) -> bool:
    """``_helper`` is called only from this file; ``__init__`` and ``run`` may not be."""
    return name.startswith("_") and not name.endswith("__")


def _join_modes(first: GradMode, second: GradMode) -> GradMode:
    return first if first is second else GradMode.MAYBE


class Interpreter(Evaluator):
    def __init__(self) -> None:
        super().__init__(self)
        self.functions: Dict[str, FunctionInfo] = {}
        self.function_nodes: Dict[int, FunctionInfo] = {}
        self.classes: Dict[str, ClassInfo] = {}
        self.class_nodes: Dict[int, ClassInfo] = {}
        self.results: Dict[Tuple[str, GradMode], Result] = {}
        self.in_progress: Set[Tuple[str, GradMode]] = set()

    # --- orchestration --------------------------------------------------
    def run(self, module: cst.Module) -> List[ConversionSite]:
        context = Context(function=None)
        frame = Frame(env={}, context=context, outer=None, mode=GradMode.ON, inherits_mode=False)
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
            sites.extend(self.result(function, modes[function.key]).sites)
        return sites

    def reporting_modes(self) -> Dict[str, GradMode]:
        """Grad mode per function: off when decorated so, or when every caller here runs with grad off."""
        modes = {key: f.decorator_mode or GradMode.OFF for key, f in self.functions.items()}
        for key, function in self.functions.items():
            public_method = function.owner is not None and not _is_private(function.name)
            if function.decorator_mode is None and (function.escapes or not function.calls or public_method):
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

    def result(self, function: FunctionInfo, mode: GradMode) -> Result:
        key = (function.key, mode)
        known = self.results.get(key)
        if known is not None:
            return known
        if key in self.in_progress:  # recursion: nothing known yet
            return Result(UNKNOWN, [], [])
        self.in_progress.add(key)
        try:
            result = self._interpret_function(function, mode)
        finally:
            self.in_progress.discard(key)
        self.results[key] = result
        return result

    def _interpret_function(self, function: FunctionInfo, mode: GradMode) -> Result:
        if function.owner is not None and function.name != "__init__":
            self.initialise(function.owner)
        context = Context(function=function)
        frame = Frame(env={}, context=context, outer=function.defining_frame, mode=mode,
                      inherits_mode=function.decorator_mode is None, owner=function.owner)
        self._bind_parameters(function, frame)
        self.run_body(function.node.body.body, frame)
        returns = join_all(context.returns) if context.returns else OTHER
        sites = list(context.sites.values())
        helpers = [
            HelperConversion(function.name, name, site, name in returns.params)
            for site in sites
            if site.grad is not Grad.YES and site.grad_mode is not GradMode.OFF
            for name in sorted(site.carried.params)
        ]
        return Result(returns, sites, helpers)

    def _bind_parameters(self, function: FunctionInfo, frame: Frame) -> None:
        params = function.node.params
        every = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        for param in every:
            frame.env[param.name.value] = parameter(param.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                frame.env[star.name.value] = UNKNOWN
        if function.owner is not None and function.positional and not self._is_static(function):
            frame.self_name = function.positional[0]
            frame.env[frame.self_name] = self.instance_value(function.owner, function.node)

    @staticmethod
    def _is_static(function: FunctionInfo) -> bool:
        return any(
            isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
            for d in function.node.decorators
        )

    def instance_value(self, info: ClassInfo, node: cst.CSTNode) -> Value:
        if info.is_module:
            return Value(Kind.MODULE, Grad.YES, Origin("module", node), qualified_name=info.key)
        return Value(Kind.UNKNOWN, Grad.UNKNOWN, qualified_name=info.key)

    def initialise(self, info: ClassInfo) -> None:
        """Interpret ``__init__`` first, so other methods know the attributes it sets."""
        if info.initialised:
            return
        info.initialised = True
        init = info.methods.get("__init__")
        if init is not None:
            self.result(init, GradMode.ON)

    # --- FunctionCalls --------------------------------------------------
    def function_named(self, key: str) -> Optional[FunctionInfo]:
        return self.functions.get(key)

    def class_named(self, key: str) -> Optional[ClassInfo]:
        return self.classes.get(key)

    def instantiate(self, info: ClassInfo, call: cst.Call, arguments: Arguments, frame: Frame) -> Value:
        """An instance, with what its constructor stores from the arguments."""
        self.initialise(info)
        instance = self.instance_value(info, call)
        init = info.methods.get("__init__")
        if init is None:
            stored = {name: value for name, (_, value) in zip(info.fields, arguments.positional)}
            stored.update((name, value) for name, (_, value) in arguments.keywords.items() if name in info.fields)
        else:
            bound = Arguments([(call.func, instance)] + arguments.positional, arguments.keywords, arguments.unpacked)
            self.call_function(init, call, bound, frame)
            values = {name: value for name, (_, value) in self._bind_arguments(init, bound).items()}
            stored = {name: substitute(value, values) for name, value in info.constructor_attributes.items()}
        return replace(instance, attributes=tuple(sorted(stored.items())))

    def call_function(self, function: FunctionInfo, call: cst.Call, arguments: Arguments, frame: Frame) -> Value:
        function.calls.append(CallRecord(frame.context.function, frame.mode, frame.inherits_mode))
        mode = function.decorator_mode or (GradMode.OFF if frame.mode is GradMode.OFF else GradMode.ON)
        result = self.result(function, mode)
        bindings = self._bind_arguments(function, arguments)
        values = {name: value for name, (_, value) in bindings.items()}
        for helper in result.helpers:
            self._record_helper_call(helper, call, bindings, values, frame)
        returned = substitute(result.returns, values)
        if returned.grad is Grad.YES and returned.kind is not Kind.CONTAINER:
            inferred = returned.origin.inferred if returned.origin else False
            description = "output of model call" if function.name == "forward" else "returned by"
            return replace(returned, origin=Origin(description, call, inferred))
        return returned

    def _bind_arguments(self, function: FunctionInfo,
                        arguments: Arguments) -> Dict[str, Tuple[cst.BaseExpression, Value]]:
        bound: Dict[str, Tuple[cst.BaseExpression, Value]] = {}
        for name, entry in zip(function.positional, arguments.positional):
            bound[name] = entry
        for name, entry in arguments.keywords.items():
            bound.setdefault(name, entry)
        if arguments.unpacked:
            return {name: (expr, UNKNOWN) for name, (expr, _) in bound.items()}
        for name, default in function.defaults.items():
            if name not in bound:
                bound[name] = (function.node.name, default)
        return bound

    def _record_helper_call(self, helper: HelperConversion, call: cst.Call,
                            bindings: Dict[str, Tuple[cst.BaseExpression, Value]],
                            values: Dict[str, Value], frame: Frame) -> None:
        entry = bindings.get(helper.parameter)
        if entry is None or entry[0] is helper.site.call:
            return
        expression = entry[0]
        value = substitute(helper.site.value, values)
        site = ConversionSite(helper.site.style, call, call.func, f"{helper.function_name}()", expression, value,
                              frame.mode, detach_points(expression, value), helper)
        frame.context.record(site)

    def run_lambda(self, node: cst.Lambda, frame: Frame) -> None:
        inner = frame.branch()
        for param in node.params.params:
            inner.env[param.name.value] = UNKNOWN
        self.evaluate(node.body, inner)

    # --- statements -----------------------------------------------------
    def run_body(self, body: Body, frame: Frame) -> None:
        for statement in body:
            method = getattr(self, f"_run_{type(statement).__name__}", None)
            if method is not None:
                method(statement, frame)
            elif isinstance(statement, cst.CSTNode):
                self._evaluate_children(statement, frame)

    def _run_suite(self, suite: cst.BaseSuite, frame: Frame) -> None:
        self.run_body(suite.body, frame)

    def _run_SimpleStatementLine(self, node: cst.SimpleStatementLine, frame: Frame) -> None:
        self.run_body(node.body, frame)

    def _run_Expr(self, node: cst.Expr, frame: Frame) -> None:
        value = node.value
        if isinstance(value, cst.Call) and self._grad_switch(value, frame):
            return
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
            self._run_mutation(value, value.func, frame)
            return
        self.evaluate(value, frame)

    def _grad_switch(self, call: cst.Call, frame: Frame) -> bool:
        """``torch.set_grad_enabled(False)`` as a statement switches grad mode for what follows."""
        mode = self.grad_mode_of(call, frame)
        if mode is None or not isinstance(call.func, (cst.Attribute, cst.Name)):
            return False
        effect = self._effect_of_expression(call.func, frame)
        if effect is not Effect.GRAD_SET:
            return False
        frame.mode, frame.inherits_mode = mode, False
        return True

    def _run_mutation(self, call: cst.Call, func: cst.Attribute, frame: Frame) -> None:
        """``losses.append(loss)``, ``p.requires_grad_(False)``, ``model.to(device)``..."""
        key = dotted_name(func.value)
        name = func.attr.value
        if key is None or name not in _MUTATORS:
            self.evaluate(call, frame)
            return
        current = self.evaluate(func.value, frame)
        arguments = self.arguments(call, frame)
        values = [value for _, value in arguments.positional]
        if name in ("append", "add", "insert") and values:
            self._add_to_container(key, current, arguments.positional[-1], frame)
        elif name in ("extend", "update") and values:
            self._add_to_container(key, current, (arguments.positional[0][0], element(values[0])), frame)
        elif name == "requires_grad_":
            result = self.method_call(call, func, current, arguments, frame)
            flag = call.args[0].value if call.args else None
            self._set_requires_grad(key, frame, requested_grad(flag), call, result)
        elif current.kind is Kind.UNKNOWN and not current.params:
            self.used_as_module(func.value, current, frame)  # a bare m.to(device) only makes sense for modules
        else:
            self.method_call(call, func, current, arguments, frame)

    @staticmethod
    def _add_to_container(key: str, current: Value, entry: Tuple[cst.BaseExpression, Value], frame: Frame) -> None:
        added = Value(Kind.CONTAINER, item=entry[1], entries=entries_of([entry]))
        frame.set(key, join(current, added) if current.kind is Kind.CONTAINER else added)

    def _set_requires_grad(self, key: str, frame: Frame, grad: Grad, node: cst.CSTNode,
                           new_value: Optional[Value] = None) -> None:
        current = frame.lookup(key) or UNKNOWN
        loop_module = frame.parameter_loops.get(key)
        if grad is Grad.NO and loop_module is not None:
            module = frame.lookup(loop_module)
            if module is not None and module.kind is Kind.MODULE:
                frame.set(loop_module, Value(Kind.MODULE, Grad.NO, module.origin, module.params,
                                             qualified_name=module.qualified_name, frozen=True))
        if current.kind is Kind.MODULE:
            frame.set(key, new_value if new_value is not None else current)
        else:
            frame.set(key, tensor_requiring(grad, Origin("made to require grad", node)))

    def _run_Assign(self, node: cst.Assign, frame: Frame) -> None:
        value = self.evaluate(node.value, frame)
        for target in node.targets:
            self._assign(target.target, node.value, value, frame)

    def _assign(self, target: cst.BaseExpression, source: cst.BaseExpression, value: Value, frame: Frame) -> None:
        if isinstance(target, cst.Attribute) and target.attr.value == "requires_grad":
            key = dotted_name(target.value)
            if key is not None:
                self._set_requires_grad(key, frame, requested_grad(source), target)
                return
        self.bind(target, value, frame)

    def _run_AnnAssign(self, node: cst.AnnAssign, frame: Frame) -> None:
        if node.value is not None:
            self._assign(node.target, node.value, self.evaluate(node.value, frame), frame)

    def _run_AugAssign(self, node: cst.AugAssign, frame: Frame) -> None:
        current = self.evaluate(node.target, frame)
        value = self.evaluate(node.value, frame)
        if current.kind is Kind.CONTAINER:
            self.bind(node.target, join(current, Value(Kind.CONTAINER, item=element(value))), frame)
        else:
            self.bind(node.target, self.arithmetic([current, value], frame), frame)

    def _run_Return(self, node: cst.Return, frame: Frame) -> None:
        frame.context.returns.append(self.evaluate(node.value, frame) if node.value else OTHER)

    def _run_Import(self, node: cst.Import, frame: Frame) -> None:
        for alias in node.names:
            full = dotted_name(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                frame.env[alias.asname.name.value] = Value(Kind.REFERENCE, qualified_name=full)
            else:
                root = full.split(".", 1)[0]
                frame.env[root] = Value(Kind.REFERENCE, qualified_name=root)

    def _run_ImportFrom(self, node: cst.ImportFrom, frame: Frame) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        base = dotted_name(node.module) or ""
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            frame.env[bound] = Value(Kind.REFERENCE, qualified_name=f"{base}.{name}")

    def _run_Del(self, node: cst.Del, frame: Frame) -> None:
        key = dotted_name(node.target)
        if key is not None:
            frame.env.pop(key, None)

    # --- control flow ---------------------------------------------------
    def _run_If(self, node: cst.If, frame: Frame) -> None:
        self.evaluate(node.test, frame)
        when_true, when_false = frame.branch(), frame.branch()
        self.refine(node.test, when_true, when_false)
        self._run_suite(node.body, when_true)
        if isinstance(node.orelse, cst.If):
            self._run_If(node.orelse, when_false)
        elif node.orelse is not None:
            self._run_suite(node.orelse.body, when_false)
        self._merge(frame, when_true, when_false)

    def _merge(self, frame: Frame, *branches: Frame) -> None:
        frame.env = branches[0].env
        mode = branches[0].mode
        for branch in branches[1:]:
            frame.env = join_envs(frame.env, branch.env)
            mode = _join_modes(mode, branch.mode)
        frame.mode = mode

    def _run_loop(self, body: cst.BaseSuite, frame: Frame,
                  bind_target: Optional[Tuple[cst.BaseExpression, Value]]) -> Frame:
        """Loop bodies run twice so values carried around the loop reach the top.

        Returns the frame of the last pass, as it was at the end of the body.
        """
        passes = 2 if frame.loop_depth < _MAX_LOOP_PASSES_DEPTH else 1
        before = frame.env
        inner = frame
        for _ in range(passes):
            inner = frame.branch()
            inner.loop_depth += 1
            if bind_target is not None:
                self.bind(bind_target[0], bind_target[1], inner)
            self._run_suite(body, inner)
            frame.env = join_envs(before, inner.env)
            frame.mode = _join_modes(frame.mode, inner.mode)
            before = frame.env
        return inner

    def _run_For(self, node: cst.For, frame: Frame) -> None:
        iterable = self.evaluate(node.iter, frame)
        item = element(iterable)
        module_key = self._parameter_loop_module(node)
        target = node.target.value if isinstance(node.target, cst.Name) else None
        if module_key is not None and target is not None:
            frame.parameter_loops[target] = module_key
        last_pass = self._run_loop(node.body, frame, (node.target, item))
        if module_key is not None and target is not None:
            frame.parameter_loops.pop(target, None)
            # A model has parameters: a loop freezing them runs, it is no "maybe".
            frozen = last_pass.env.get(module_key)
            if frozen is not None and frozen.frozen:
                frame.set(module_key, frozen)
        if node.orelse is not None:
            self._run_suite(node.orelse.body, frame)

    @staticmethod
    def _parameter_loop_module(node: cst.For) -> Optional[str]:
        """``model`` in ``for p in model.parameters():``, whose body may freeze it."""
        call = node.iter
        if (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "parameters"):
            return dotted_name(call.func.value)
        return None

    def _run_While(self, node: cst.While, frame: Frame) -> None:
        self.evaluate(node.test, frame)
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
            branch.env = join_envs(before.env, frame.env)
            if handler.type is not None:
                self.evaluate(handler.type, branch)
            if handler.name is not None:
                self.bind(handler.name.name, OTHER, branch)
            self._run_suite(handler.body, branch)
            branches.append(branch)
        self._merge(frame, *branches)
        if node.finalbody is not None:
            self._run_suite(node.finalbody.body, frame)

    _run_TryStar = _run_Try

    def _run_Match(self, node: cst.Match, frame: Frame) -> None:
        self.evaluate(node.subject, frame)
        branches = [frame.branch()]
        for case in node.cases:
            branch = frame.branch()
            if case.guard is not None:
                self.evaluate(case.guard, branch)
            self._run_suite(case.body, branch)
            branches.append(branch)
        self._merge(frame, *branches)

    def _run_With(self, node: cst.With, frame: Frame) -> None:
        mode = frame.mode
        for item in node.items:
            value = self.evaluate(item.item, frame)
            switched = self.grad_mode_of(item.item, frame) if isinstance(item.item, cst.Call) else None
            if switched is not None:
                mode = switched
            if item.asname is not None:
                self.bind(item.asname.name, value, frame)
        if mode is frame.mode:
            self._run_suite(node.body, frame)
            return
        outer_mode, outer_inherits = frame.mode, frame.inherits_mode
        frame.mode, frame.inherits_mode = mode, False
        self._run_suite(node.body, frame)
        frame.mode, frame.inherits_mode = outer_mode, outer_inherits

    def _effect_of_expression(self, node: cst.BaseExpression, frame: Frame) -> Optional[Effect]:
        callee = self._callee(node, frame)
        if callee.kind is not Kind.REFERENCE or callee.qualified_name is None:
            return None
        return torch_api.effect_of_qualified_name(callee.qualified_name)

    def grad_mode_of(self, node: cst.BaseExpression, frame: Frame) -> Optional[GradMode]:
        """The grad mode a context manager or decorator sets, if it sets one."""
        func = node.func if isinstance(node, cst.Call) else node
        effect = self._effect_of_expression(func, frame)
        if effect is Effect.GRAD_OFF:
            args = node.args if isinstance(node, cst.Call) else ()
            return GradMode.ON if args and is_false(args[0].value) else GradMode.OFF
        if effect is Effect.GRAD_ON:
            return GradMode.ON
        if effect is Effect.GRAD_SET and isinstance(node, cst.Call) and node.args:
            flag = node.args[0].value
            return GradMode.OFF if is_false(flag) else GradMode.ON if is_true(flag) else GradMode.MAYBE
        return None

    # --- definitions ----------------------------------------------------
    def _run_FunctionDef(self, node: cst.FunctionDef, frame: Frame) -> None:
        known = self.function_nodes.get(id(node))
        if known is not None:  # a loop pass or another grad mode runs the same def again
            self._bind_function(known, frame)
            return
        owner = frame.owner if frame.self_name is None and frame.owner is not None else None
        key = f"{frame.context.function.key}.{node.name.value}" if frame.context.function else node.name.value
        if owner is not None:
            key = f"{owner.key}.{node.name.value}"
        decorator_mode, escapes = self._decorators(node, frame)
        if decorator_mode is None and owner is not None and owner.is_module and node.name.value in torch_api.GRAD_OFF_HOOKS:
            decorator_mode = GradMode.OFF  # the framework calls it under no_grad / inference_mode
        if decorator_mode is None and frame.context.function is None and frame.mode is GradMode.OFF:
            decorator_mode = GradMode.OFF  # defined after a module-level set_grad_enabled(False)
        params = node.params
        positional = tuple(p.name.value for p in list(params.posonly_params) + list(params.params))
        defaults = {
            p.name.value: self.evaluate(p.default, frame)
            for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
            if p.default is not None
        }
        function = FunctionInfo(key, node, frame, owner, decorator_mode, positional, defaults, escapes=escapes)
        while key in self.functions:  # a redefinition: keep both
            key += "'"
            function.key = key
        self.functions[key] = function
        self.function_nodes[id(node)] = function
        self._bind_function(function, frame)

    @staticmethod
    def _bind_function(function: FunctionInfo, frame: Frame) -> None:
        if function.owner is not None:
            function.owner.methods[function.name] = function
        else:
            frame.env[function.name] = Value(Kind.FUNCTION, qualified_name=function.key)

    def _decorators(self, node: cst.FunctionDef, frame: Frame) -> Tuple[Optional[GradMode], bool]:
        mode: Optional[GradMode] = None
        escapes = False
        for decorator in node.decorators:
            switched = self.grad_mode_of(decorator.decorator, frame)
            if switched is not None:
                mode = switched
            elif not (isinstance(decorator.decorator, cst.Name)
                      and decorator.decorator.value in _NOT_ESCAPING_DECORATORS):
                escapes = True
        return mode, escapes

    def _run_ClassDef(self, node: cst.ClassDef, frame: Frame) -> None:
        known = self.class_nodes.get(id(node))
        if known is not None:
            frame.env[node.name.value] = Value(Kind.FUNCTION, qualified_name=known.key)
            return
        key = node.name.value if frame.context.function is None else f"{frame.context.function.key}.{node.name.value}"
        while key in self.classes:
            key += "'"
        info = ClassInfo(key, node, is_module=any(self._is_module_base(base.value, frame) for base in node.bases))
        self.classes[key] = info
        self.class_nodes[id(node)] = info
        class_frame = Frame(env={}, context=frame.context, outer=frame, mode=frame.mode,
                            inherits_mode=frame.inherits_mode, owner=info)
        self.run_body(node.body.body, class_frame)
        info.fields = tuple(
            small.target.value
            for line in node.body.body if isinstance(line, cst.SimpleStatementLine)
            for small in line.body if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)
        )
        for name, value in class_frame.env.items():
            info.set_attribute(name, value)
        frame.env[node.name.value] = Value(Kind.FUNCTION, qualified_name=key)

    def _is_module_base(self, base: cst.BaseExpression, frame: Frame) -> bool:
        value = self._callee(base, frame)
        if value.kind is Kind.REFERENCE and value.qualified_name:
            return torch_api.effect_of_qualified_name(value.qualified_name) is Effect.MODULE
        info = self.classes.get(value.qualified_name or "") if value.kind is Kind.FUNCTION else None
        return info is not None and info.is_module
