"""The steps from where a value gets its grad to where it is converted: a def-use walk.

The walk starts at the converted expression and goes backwards: an expression depends on its
operands, a name on the bindings that reach it (``flow``), a binding on the value it binds (an
assignment's right side, a loop's iterable, what ``append`` added), a parameter on what the call
passes, a call of the file's function on what the function returns (with its parameters bound at
that call).  It stops at the grad source the analysis names, at any other place that makes a
tensor require grad, and, for an undecided site, at the parameters whose callers decide.  Only
the points on a path from such a source to the conversion are kept, and those worth a line
(operations, bindings, entries, arguments, returns) become steps; names and literals in between
are left out.  Operations that cut the graph (``.detach()``, an integer result, grad off) are
crossed only when explaining why a conversion is safe, and become cut steps.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple, Union

from flake8_detach import torch_api
from flake8_detach.explain.autograd import AutogradNames
from flake8_detach.explain.calls import Calls, Callee
from flake8_detach.explain.facts import GradStatus, SiteFacts, Span
from flake8_detach.analysis.mentions import FUNCTIONS
from flake8_detach.explain.flow import Binding, BindingKind, FlowIndex, Function
from flake8_detach.explain.model import Link, Step, StepKind
from flake8_detach.findings import Position
from flake8_detach.torch_api import Effect

_MAX_POINTS = 5000  # a walk over a huge file stops here (the steps found so far are shown)
_MAX_CODE = 60
_CUTTING = {
    Effect.STOP: "cuts the graph",
    Effect.INTEGER: "gives an integer or bool tensor, which never requires grad",
    Effect.NOT_TENSOR: "gives a Python value, not a tensor",
    Effect.NUMBER_LIST: "gives a Python list of numbers",
    Effect.CONVERTS: "gives a NumPy array",
    Effect.STATE: "gives tensors that do not require grad",
}
_GRAD_SWITCHES = (Effect.GRAD_OFF, Effect.GRAD_ON, Effect.GRAD_SET)
# Expressions whose value is their operands' (no step of their own).
_TRANSPARENT = (ast.Name, ast.Starred, ast.IfExp, ast.BoolOp, ast.NamedExpr, ast.Await, ast.List, ast.Tuple,
                ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp, ast.Constant,
                ast.JoinedStr)

PointNode = Union[ast.AST, Binding]
_NOTHING = ast.Constant(None)  # a converted expression the ast does not have (never expected)


@dataclass(frozen=True)
class Point:
    kind: str  # "expression", "binding", "return"
    node: PointNode = field(compare=False)
    context: Optional[ast.Call] = field(default=None, compare=False)  # the call the function was entered by
    key: Tuple[str, int, int] = field(default=("", 0, 0), repr=False)

    @staticmethod
    def of(kind: str, node: PointNode, context: Optional[ast.Call] = None) -> "Point":
        return Point(kind, node, context, (kind, id(node), id(context) if context is not None else 0))


Dependency = Tuple[Point, Optional[str]]  # the point, and why the edge cuts the graph (None: it does not)


@dataclass
class Chain:
    steps: List[Step]
    links: List[Link]
    traced: bool  # a path from a source to the conversion was found
    conversion: int  # the index of the conversion step
    step_of_point: Dict[Tuple[str, int, int], int]


def shortened(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= _MAX_CODE else one_line[: _MAX_CODE - 3] + "..."


class Walker:
    """The def-use walk for one site."""

    def __init__(self, calls: Calls, names: AutogradNames, facts: SiteFacts) -> None:
        self.index: FlowIndex = calls.index
        self.calls = calls
        self.names = names
        self.facts = facts
        self.origin = self._expression(facts.origin.span) if facts.origin else None
        self.crossing_cuts = facts.grad is GradStatus.NO
        self.stop_at_parameters = facts.grad is GradStatus.UNKNOWN

    def _expression(self, span: Span) -> Optional[ast.expr]:
        return self.index.expression_at(span.start, span.end)

    # --- what a point depends on -------------------------------------------
    def source_description(self, point: Point) -> Optional[str]:
        """Why the walk stops here: the analysis's grad source, or another one the code shows."""
        node = point.node
        if point.kind == "binding":
            assert isinstance(node, Binding)
            if self.stop_at_parameters and node.kind is BindingKind.PARAMETER:
                return "parameter: the callers decide whether it requires grad"
            return None
        if point.kind != "expression":
            return None
        if node is self.origin and self.facts.origin is not None:
            return self.facts.origin.description
        assert isinstance(node, ast.expr)
        return self._syntactic_source(node)

    def _syntactic_source(self, node: ast.expr) -> Optional[str]:
        if isinstance(node, ast.Call):
            flag = next((k.value for k in node.keywords if k.arg == torch_api.REQUIRES_GRAD_KEYWORD), None)
            if isinstance(flag, ast.Constant) and flag.value is True:
                return "created with requires_grad=True"
            qualified = self.index.qualified_name(node.func)
            if qualified is not None and torch_api.effect_of_qualified_name(qualified) is Effect.SOURCE:
                return "parameter"
            if isinstance(node.func, ast.Attribute) and qualified is None \
                    and torch_api.member_effect(node.func.attr) is Effect.SOURCE:
                return "made to require grad"
        if isinstance(node, ast.Attribute) and torch_api.member_effect(node.attr) is Effect.SOURCE \
                and self.index.qualified_name(node) is None:
            return "parameter"
        if isinstance(node, ast.Call) and self._calls_model(node):
            return "output of model call"
        return None

    def _calls_model(self, call: ast.Call) -> bool:
        """``model(x)`` where ``model`` holds a torch layer with parameters, or an instance of
        a class of this file that has a ``forward``."""
        if any(getattr(callee.function, "name", "") == "forward" for callee in self.calls.callees(call)):
            return True
        for binding in self.calls.value_bindings(call.func):
            value = binding.value
            qualified = self.index.qualified_name(value.func) if isinstance(value, ast.Call) else None
            if qualified is not None and torch_api.effect_of_qualified_name(qualified) is Effect.MODULE:
                return True
        return False

    def _stops(self, point: Point) -> bool:
        """The walk goes past other sources to the one the analysis names (a model call whose
        output is a tuple may not be where the grad it names comes from)."""
        if point.kind == "expression" and self.origin is not None:
            return point.node is self.origin
        return self.source_description(point) is not None

    def dependencies(self, point: Point) -> List[Dependency]:
        if self._stops(point):
            return []
        if point.kind == "binding":
            assert isinstance(point.node, Binding)
            return self._binding_dependencies(point.node, point.context)
        if point.kind == "return":
            assert isinstance(point.node, ast.expr)
            return [(Point.of("expression", point.node, point.context), None)]
        assert isinstance(point.node, ast.expr)
        return self._expression_dependencies(point.node, point.context)

    def _expression_dependencies(self, node: ast.expr, context: Optional[ast.Call]) -> List[Dependency]:
        def operands(*nodes: Optional[ast.AST], cut: Optional[str] = None) -> List[Dependency]:
            return [(Point.of("expression", n, context), cut) for n in nodes if isinstance(n, ast.expr)]

        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
            return self._read_dependencies(node, context)
        if isinstance(node, ast.Call):
            return self._call_dependencies(node, context)
        cut = self._grad_off_cut(node)
        if isinstance(node, ast.BinOp):
            return operands(node.left, node.right, cut=cut)
        if isinstance(node, ast.UnaryOp):
            return operands(node.operand, cut=cut or ("gives a bool" if isinstance(node.op, ast.Not) else None))
        if isinstance(node, ast.Compare):
            return operands(node.left, *node.comparators, cut=_CUTTING[Effect.INTEGER])
        if isinstance(node, ast.Subscript):  # a view: it keeps requires_grad even under no_grad
            return operands(node.value)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return operands(*node.elts)
        if isinstance(node, ast.Dict):
            return operands(*node.values)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return operands(node.elt)
        if isinstance(node, ast.DictComp):
            return operands(node.value)
        if isinstance(node, ast.IfExp):
            return operands(node.body, node.orelse)
        if isinstance(node, ast.BoolOp):
            return operands(*node.values)
        if isinstance(node, (ast.Starred, ast.NamedExpr, ast.Await)):
            return operands(node.value)
        return []

    def _read_dependencies(self, node: Union[ast.Name, ast.Attribute], context: Optional[ast.Call]) -> List[Dependency]:
        found: List[Dependency] = []
        if isinstance(node, ast.Attribute):
            effect = torch_api.member_effect(node.attr)
            cut = _CUTTING.get(effect) if effect is not None else None
            if self.index.qualified_name(node) is None:
                found.append((Point.of("expression", node.value, context), cut))
            owner = self.calls.self_class(node.value)  # self.probs of a dataclass: what its constructor took
            if owner is not None:
                found += [(Point.of("expression", argument), None)
                          for argument in self.calls.record_arguments(owner, node.attr)]
        function = self._function_of(node)
        for binding in self.calls.value_bindings(node):
            same_function = binding.scope is not None and binding.scope.function is function
            found.append((Point.of("binding", binding, context if same_function else None), None))
        return found

    def _call_dependencies(self, call: ast.Call, context: Optional[ast.Call]) -> List[Dependency]:
        callees = self.calls.callees(call)
        if callees:
            return [(Point.of("return", value, call), None)
                    for callee in callees for value in self.calls.returns(callee.function)]
        qualified = self.index.qualified_name(call.func)
        effect = torch_api.effect_of_qualified_name(qualified) if qualified is not None else None
        receiver: Optional[ast.expr] = None
        if qualified is None and isinstance(call.func, ast.Attribute):
            receiver = call.func.value
            effect = torch_api.member_effect(call.func.attr)
            if call.func.attr == torch_api.NUMPY_METHOD:  # converted already: an array from here on
                effect = Effect.CONVERTS
        elif qualified is None and isinstance(call.func, ast.Name):
            receiver = call.func  # calling a value: a model, a callback
        cut = _CUTTING.get(effect) if effect is not None else None
        if effect is Effect.FACTORY:
            cut = "makes a new tensor, which requires grad only with requires_grad=True"
        if cut is None and effect is not Effect.VIEW:
            cut = self._grad_off_cut(call)
        arguments = [a.value if isinstance(a, ast.Starred) else a for a in call.args]
        arguments += [keyword.value for keyword in call.keywords]
        nodes = ([receiver] if receiver is not None else []) + arguments
        return [(Point.of("expression", n, context), cut) for n in nodes]

    def _binding_dependencies(self, binding: Binding, context: Optional[ast.Call]) -> List[Dependency]:
        if binding.kind is BindingKind.PARAMETER:
            return self._parameter_dependencies(binding, context)
        found: List[Dependency] = []
        if binding.value is not None and binding.kind is not BindingKind.DEFINITION:
            found.append((Point.of("expression", binding.value, context), None))
        if binding.kind is BindingKind.AUGMENTED:  # x += v: also what x held
            held = self.index.reaching.get(id(binding.target), set())
            found.extend((Point.of("binding", self.index.binding(key), context), None) for key in sorted(held))
        return found

    def _parameter_dependencies(self, binding: Binding, context: Optional[ast.Call]) -> List[Dependency]:
        function = binding.statement
        assert isinstance(function, (*FUNCTIONS, ast.Lambda)) and isinstance(binding.target, ast.arg)
        calls: List[Tuple[ast.Call, Callee]]
        if context is not None:
            calls = [(context, callee) for callee in self.calls.callees(context) if callee.function is function]
            handed = [context] if not calls and function in self.calls.callbacks(context) else []
        else:
            calls, handed = self.calls.callers(function), self.calls.handed_to(function)
        found: List[Dependency] = [
            (Point.of("expression", argument), None)
            for call, callee in calls for argument in self.calls.arguments(call, callee, binding.target)]
        found += [(Point.of("expression", argument), None)
                  for call in handed for argument in self.calls.elements_passed(call, function)]
        found += [(Point.of("expression", output), None)  # a forward hook's output: the model's calls
                  for call in handed for output in self.calls.hook_outputs(call, function, binding.target)]
        return found

    def _function_of(self, node: ast.AST) -> Optional[Function]:
        for ancestor in self.index.ancestors(node):
            if isinstance(ancestor, (*FUNCTIONS, ast.Lambda)):
                return ancestor
        return None

    def _grad_off_cut(self, node: ast.AST) -> Optional[str]:
        """An operation inside ``with torch.no_grad():`` (the nearest switch around it in its own
        function) records nothing."""
        for ancestor in self.index.ancestors(node):
            if isinstance(ancestor, (*FUNCTIONS, ast.Lambda)):
                return None
            if not isinstance(ancestor, (ast.With, ast.AsyncWith)):
                continue
            for item in reversed(ancestor.items):
                manager = item.context_expr
                call = manager.func if isinstance(manager, ast.Call) else manager
                qualified = self.index.qualified_name(call)
                effect = torch_api.effect_of_qualified_name(qualified) if qualified is not None else None
                if effect in _GRAD_SWITCHES:
                    if effect is not Effect.GRAD_OFF:
                        return None
                    return f"is computed with grad off (inside `with {self.index.text(manager)}:`)"
        return None

    # --- the walk -------------------------------------------------------------
    def start(self) -> Point:
        """The converted expression; through a helper, the one inside it, with its parameters
        bound at the site's call."""
        helper = self.facts.helper
        if helper is None:
            converted = self._expression(self.facts.converted)
            return Point.of("expression", converted if converted is not None else _NOTHING)
        call = self._expression(self.facts.call)
        inner = self._expression(helper.converted)
        context = call if isinstance(call, ast.Call) else None
        return Point.of("expression", inner if inner is not None else _NOTHING, context)

    def walk(self) -> Tuple[Dict[Tuple[str, int, int], Point], Dict[Tuple[str, int, int], List[Dependency]]]:
        start = self.start()
        points = {start.key: start}
        graph: Dict[Tuple[str, int, int], List[Dependency]] = {}
        pending = [start]
        while pending and len(points) < _MAX_POINTS:
            point = pending.pop()
            dependencies = [(dep, cut) for dep, cut in self.dependencies(point)
                            if cut is None or self.crossing_cuts]
            graph[point.key] = dependencies
            for dependency, _ in dependencies:
                if dependency.key not in points:
                    points[dependency.key] = dependency
                    pending.append(dependency)
        return points, graph

    def chain(self) -> Chain:
        points, graph = self.walk()
        start = self.start()
        sources = {key for key, point in points.items() if self.source_description(point) is not None}
        on_path = _downstream_of(sources, graph) if sources else set()
        traced = start.key in on_path
        if not traced:
            on_path = set()
        return _Builder(self, points, graph, on_path, start).build(traced)

    # --- how a point reads as a step ----------------------------------------------
    def step_kind(self, point: Point, cut: bool) -> Optional[StepKind]:
        if self.source_description(point) is not None:
            return StepKind.SOURCE
        node = point.node
        if point.kind == "return":
            return StepKind.RETURN
        if isinstance(node, Binding):
            return _binding_kind(node)
        if cut:
            return StepKind.CUT
        if isinstance(node, ast.Call):
            return StepKind.CALL if self.calls.callees(node) else StepKind.OPERATION
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Subscript)):
            return StepKind.OPERATION
        if isinstance(node, ast.Attribute) and self.names.of(node) is not None:
            return StepKind.OPERATION
        return None

    def describe(self, point: Point, kind: StepKind, cut_reason: Optional[str]) -> Tuple[Position, str, str]:
        """Where a step is, its code and what happens there."""
        node = point.node
        if kind is StepKind.SOURCE:
            description = self.source_description(point) or ""
            if isinstance(node, Binding):
                return self.index.start(node.target), node.name, description
            return self.index.start(node), self._code(node), description
        if isinstance(node, Binding):
            return self._describe_binding(node, kind)
        assert isinstance(node, ast.AST)
        if kind is StepKind.RETURN:
            statement = self.index.statement(node)
            function = self._function_of(node)
            name = getattr(function, "name", "lambda")
            return self.index.start(statement), self._code(statement), f"{name}() returns it"
        if kind is StepKind.CALL:
            return self.index.start(node), self._code(node), "a call of this file's function"
        if kind is StepKind.CUT:
            return self.index.start(node), self._code(node), cut_reason or "cuts the graph"
        return self.index.start(node), self._code(node), ""

    def _describe_binding(self, binding: Binding, kind: StepKind) -> Tuple[Position, str, str]:
        statement = binding.statement
        if kind is StepKind.ARGUMENT:
            function = binding.statement
            name = getattr(function, "name", "lambda")
            return self.index.start(binding.target), binding.name, f"parameter '{binding.name}' of {name}()"
        position = self.index.start(statement if isinstance(statement, ast.stmt) else binding.target)
        code = self._code(statement if isinstance(statement, ast.stmt) else binding.target)
        if isinstance(statement, (ast.For, ast.AsyncFor)):
            code = f"for {self.index.text(statement.target)} in {self.index.text(statement.iter)}:"
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            code = f"with ... as {self.index.text(binding.target)}:"
        if kind is StepKind.ENTRY:
            return position, code, f"enters '{binding.name}'"
        if kind is StepKind.ATTRIBUTE:
            return position, code, f"stored in '{binding.name}'"
        verbs = {BindingKind.AUGMENTED: "updates", BindingKind.LOOP: "an element bound to",
                 BindingKind.UPDATE: "changes in place"}
        return position, code, f"{verbs.get(binding.kind, 'assigned to')} '{binding.name}'"

    def _code(self, node: ast.AST) -> str:
        return shortened(self.index.text(node))


def _binding_kind(binding: Binding) -> StepKind:
    if binding.kind is BindingKind.PARAMETER:
        return StepKind.ARGUMENT
    if binding.kind is BindingKind.ENTRY:
        return StepKind.ENTRY
    if isinstance(binding.target, ast.Attribute):
        return StepKind.ATTRIBUTE
    return StepKind.VALUE


def _downstream_of(sources: Set[Tuple[str, int, int]],
                   graph: Dict[Tuple[str, int, int], List[Dependency]]) -> Set[Tuple[str, int, int]]:
    """The points a source's value flows into, the sources included."""
    users: Dict[Tuple[str, int, int], List[Tuple[str, int, int]]] = {}
    for key, dependencies in graph.items():
        for dependency, _ in dependencies:
            users.setdefault(dependency.key, []).append(key)
    reached = set(sources)
    pending = list(sources)
    while pending:
        for user in users.get(pending.pop(), []):
            if user not in reached:
                reached.add(user)
                pending.append(user)
    return reached


class _Builder:
    """Turns the points on a path into steps, and the edges between them into links."""

    def __init__(self, walker: Walker, points: Dict[Tuple[str, int, int], Point],
                 graph: Dict[Tuple[str, int, int], List[Dependency]], on_path: Set[Tuple[str, int, int]],
                 start: Point) -> None:
        self.walker, self.points, self.graph, self.on_path, self.start = walker, points, graph, on_path, start
        self.steps: List[Step] = []
        self.step_of_point: Dict[Tuple[str, int, int], int] = {}

    def _cut_reason(self, key: Tuple[str, int, int]) -> Optional[str]:
        return next((cut for dep, cut in self.graph.get(key, []) if cut is not None and dep.key in self.on_path),
                    None)

    def build(self, traced: bool) -> Chain:
        for key in sorted(self.on_path, key=lambda k: self._order(self.points[k])):
            point = self.points[key]
            cut = self._cut_reason(key)
            kind = self.walker.step_kind(point, cut is not None)
            if kind is None:
                continue
            position, code, note = self.walker.describe(point, kind, cut)
            autograd = self.walker.names.of(point.node) if isinstance(point.node, ast.expr) and \
                kind in (StepKind.OPERATION, StepKind.SOURCE, StepKind.CALL) else None
            self.step_of_point[key] = len(self.steps)
            self.steps.append(Step(len(self.steps), kind, position, code, note, autograd))
        conversion = self._conversion_step()
        links = self._links(conversion)
        return Chain(self.steps, links, traced, conversion, self.step_of_point)

    def _order(self, point: Point) -> Tuple[Position, Position, str, str]:
        """Steps by place, an operand before the operation around it, the same on every run."""
        node = point.node
        target = node.target if isinstance(node, Binding) else node
        index = self.walker.index
        return index.start(target), index.end(target), point.kind, node.name if isinstance(node, Binding) else ""

    def _conversion_step(self) -> int:
        facts = self.walker.facts
        index = self.walker.index
        anchor = facts.helper.anchor if facts.helper is not None else facts.anchor
        call = index.expression_at(facts.call.start, facts.call.end)
        if facts.helper is not None:  # the call inside the helper that converts
            inner = index.expression_at(facts.helper.converted.start, facts.helper.converted.end)
            call = next((a for a in index.ancestors(inner) if isinstance(a, ast.Call)), None) if inner else None
        code = index.text(call) if call is not None else facts.consumer
        if facts.helper is not None:
            note = f"{facts.helper.function_name}() converts its parameter '{facts.helper.parameter}'"
        else:
            note = f"{facts.consumer} converts it"
        number = len(self.steps)
        self.steps.append(Step(number, StepKind.CONVERSION, anchor.start, shortened(code), note))
        return number

    def _links(self, conversion: int) -> List[Link]:
        links = {(feeder, index) for key, index in self.step_of_point.items() for feeder in self._feeding_steps(key)}
        start = self.start.key
        if start in self.on_path:
            feeders = [self.step_of_point[start]] if start in self.step_of_point else self._feeding_steps(start)
            links.update((feeder, conversion) for feeder in feeders)
        return [Link(source, target) for source, target in sorted(links) if source != target]

    def _feeding_steps(self, key: Tuple[str, int, int]) -> Iterable[int]:
        """The nearest steps upstream of a point, through points that are no step."""
        found: List[int] = []
        seen = {key}
        pending = [dep.key for dep, _ in self.graph.get(key, []) if dep.key in self.on_path]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            if current in self.step_of_point:
                found.append(self.step_of_point[current])
                continue
            pending.extend(dep.key for dep, _ in self.graph.get(current, []) if dep.key in self.on_path)
        return found
