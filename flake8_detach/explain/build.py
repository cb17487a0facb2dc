"""From the analysis's conversion sites to explanations, and to the traces findings carry."""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING, Iterator, List, Optional, Set, Tuple

from flake8_detach.explain.autograd import AutogradNames
from flake8_detach.explain.calls import Calls
from flake8_detach.explain.chain import Chain, Walker, shortened
from flake8_detach.explain.facts import ConditionFacts, GradStatus, HelperFacts, OriginFacts, SiteFacts, Span
from flake8_detach.explain.flow import FlowIndex
from flake8_detach.explain.gradmode import GradModes
from flake8_detach.explain.model import NO_GRAD, Cut, Explanation, Link, Reason, Step, StepKind, Verdict
from flake8_detach.findings import Finding, Fix, Position, TraceStep, apply_edits
from flake8_detach.rules import GRAD_ERROR_CODES

if TYPE_CHECKING:
    import libcst as cst

    from flake8_detach.analysis.positions import Positions
    from flake8_detach.analysis.sites import ConversionSite

_GRAD_CODES = (*GRAD_ERROR_CODES, "DET103")  # the rules whose verdict is about grad


def fact_nodes(site: "ConversionSite") -> Iterator["cst.CSTNode"]:
    """The nodes whose places ``site_facts`` needs."""
    yield from site.nodes()
    if site.via is not None:
        yield site.via.site.converted


def site_facts(site: "ConversionSite", positions: "Positions") -> SiteFacts:
    from flake8_detach.analysis.values import Grad

    def span(node: "cst.CSTNode") -> Span:
        return Span(positions.start(node), positions.end(node))

    origin = site.origin
    condition = origin.condition if origin is not None else None
    via = site.via
    grad = {Grad.YES: GradStatus.YES, Grad.NO: GradStatus.NO}.get(site.grad, GradStatus.UNKNOWN)
    return SiteFacts(
        anchor=span(site.anchor), call=span(site.call), converted=span(site.converted), consumer=site.consumer,
        grad=grad, grad_mode=site.grad_mode.value,
        origin=OriginFacts(span(origin.node), origin.description) if origin is not None else None,
        condition=ConditionFacts(span(condition.test), condition.holds) if condition is not None else None,
        helper=HelperFacts(via.function_name, via.parameter, span(via.site.converted), span(via.site.anchor))
        if via is not None else None,
        detach_points=tuple(span(point) for point in site.detach_points),
        through_container=site.through_container,
    )


class Explainer:
    """Explanations of the sites of one analysed text (its ``ast`` is walked once)."""

    def __init__(self, tree: ast.Module, code: str) -> None:
        self.code = code
        self.lines = code.splitlines()
        self.index = FlowIndex(tree, code)
        self.calls = Calls(self.index)
        self.names = AutogradNames(self.calls)

    def chain(self, facts: SiteFacts) -> Chain:
        chain = Walker(self.calls, self.names, facts).chain()
        return chain if chain.traced else self._ends_only(facts, chain)

    def _ends_only(self, facts: SiteFacts, chain: Chain) -> Chain:
        """No path found: the source the analysis names, straight into the conversion."""
        conversion = chain.steps[chain.conversion]
        steps: List[Step] = []
        if facts.origin is not None:
            node = self.index.expression_at(facts.origin.span.start, facts.origin.span.end)
            code = shortened(self.index.text(node)) if node is not None else ""
            autograd = self.names.of(node) if node is not None else None
            steps.append(Step(0, StepKind.SOURCE, facts.origin.span.start, code, facts.origin.description, autograd))
        steps.append(replace(conversion, index=len(steps)))
        links = [Link(0, 1)] if len(steps) == 2 else []
        return Chain(steps, links, False, len(steps) - 1, {})

    def trace(self, facts: SiteFacts) -> Tuple[TraceStep, ...]:
        """The chain as a list of places, sources first (SARIF's code flows, JSON's ``trace``)."""
        chain = self.chain(facts)
        explanation = Explanation(Verdict.RAISES, "", tuple(chain.steps), tuple(chain.links), facts.grad_mode, ())
        source_words = "requires grad" if facts.grad is GradStatus.YES else "may require grad"
        steps = [TraceStep(step.position, _trace_message(step, source_words)) for step in explanation.in_flow_order()]
        if facts.condition is not None:
            outcome = "true" if facts.condition.holds else "false"
            steps.insert(len(steps) - 1, TraceStep(facts.condition.test.start,
                                                   f"on the path where this test is {outcome}"))
        return tuple(steps)

    def explain(self, facts: SiteFacts, finding: Optional[Finding]) -> Explanation:
        chain = self.chain(facts)
        conversion = chain.steps[chain.conversion]
        call = self.index.expression_at(facts.call.start, facts.call.end)
        mode, mode_reasons = GradModes(self.calls).at(call if call is not None else self.index.tree)
        reasons = list(mode_reasons)
        if mode != facts.grad_mode:
            reasons.append(Reason(f"the analysis finds grad mode {facts.grad_mode} here"))
        verdict = _verdict(facts, finding)
        return Explanation(
            verdict=verdict, title=self._title(facts, finding, verdict, conversion),
            steps=tuple(chain.steps), links=tuple(chain.links), grad_mode=facts.grad_mode,
            grad_mode_reasons=tuple(reasons), reasons=tuple(self._reasons(facts, chain, verdict)),
            cuts=tuple(self._cuts(facts, chain, finding)) if verdict is not Verdict.SAFE else (),
            traced=chain.traced, code=finding.code if finding else None, message=finding.message if finding else None,
        )

    @staticmethod
    def _title(facts: SiteFacts, finding: Optional[Finding], verdict: Verdict, conversion: Step) -> str:
        if finding is not None:
            return f"{finding.code} {finding.message}"
        if verdict is Verdict.SAFE:
            return f"{facts.consumer} here cannot raise"
        return f"{facts.consumer} here may raise: the file cannot tell whether the tensor requires grad"

    def _reasons(self, facts: SiteFacts, chain: Chain, verdict: Verdict) -> Iterator[Reason]:
        if facts.condition is not None:
            outcome = "true" if facts.condition.holds else "false"
            yield Reason(f"it requires grad on the path where this test is {outcome}; the other path detaches it",
                         facts.condition.test.start)
        if verdict is Verdict.SAFE:
            if facts.grad_mode == "off":
                yield Reason("grad mode is off at the conversion, so even a tensor that requires grad converts")
            for step in chain.steps:
                if step.kind is StepKind.CUT:
                    yield Reason(f"'{step.code}' {step.note}", step.position)
            if facts.grad is GradStatus.NO and not any(step.kind is StepKind.CUT for step in chain.steps):
                yield Reason("no tensor that requires grad reaches the conversion")
        origin = facts.origin
        if verdict is Verdict.RAISES and origin is not None and \
                all(step.position.line != origin.span.start.line for step in chain.steps):
            # the proof lies off the path the value took (``loss.backward()`` shows it requires grad)
            node = self.index.expression_at(origin.span.start, origin.span.end)
            code = shortened(self.index.text(node)) if node is not None else ""
            yield Reason(f"it requires grad: {origin.description} '{code}'", origin.span.start)
        if verdict is Verdict.UNDECIDED:
            for step in chain.steps:
                if step.kind is StepKind.SOURCE and step.note.startswith("parameter:"):
                    yield Reason(f"'{step.code}' is a parameter: whether it requires grad depends on what the "
                                 "callers pass", step.position)

    def _cuts(self, facts: SiteFacts, chain: Chain, finding: Optional[Finding]) -> Iterator[Cut]:
        """The fix's cut, line by line; the other places ``.detach()`` would cut (a list's fix
        converts its detached entries, yet detaching where they enter also works); no_grad."""
        fix = finding.fix if finding is not None else None
        fixed_points: Set[Span] = set()
        if fix is not None:
            fixed = apply_edits(self.code, fix.edits)
            how = ".detach()" if any(".detach()" in edit.content for edit in fix.edits) else "numpy(force=True)"
            for line in sorted({edit.start.line for edit in fix.edits}):
                points = [point for point in facts.detach_points if self._detached_by(point, fix, line)]
                fixed_points.update(points)
                names = " and ".join(f"'{self._code_at(point)}'" for point in points)
                text = f"insert .detach() after {names}" if names else fix.description
                start = min(edit.start for edit in fix.edits if edit.start.line == line)
                fed = self._step_fed_by(facts, chain, points[0].start if points else start)
                yield Cut(how, text, start, fed, fix, _changed_line(self.code, fixed, line))
        for point in facts.detach_points:
            if point not in fixed_points:
                yield Cut(".detach()", f"or insert .detach() after '{self._code_at(point)}'", point.end,
                          self._step_fed_by(facts, chain, point.start))
        # Through a helper, the call is what runs under no_grad (the helper serves other callers too).
        yield Cut(NO_GRAD, f"or run this line under `{NO_GRAD}` "
                  "(grad mode off at the conversion), if no gradient is needed from there on",
                  facts.anchor.start, chain.conversion)

    def _detached_by(self, point: Span, fix: Fix, line: int) -> bool:
        """The fix puts ``.detach()`` right after the point, on ``line`` (past the parentheses
        that close around it)."""
        if point.end.line != line:
            return False
        text = self.lines[line - 1]
        return any(".detach()" in edit.content and edit.start.line == line and edit.start >= point.end
                   and not text[point.end.column:edit.start.column].strip(") ") for edit in fix.edits)

    def _code_at(self, point: Span) -> str:
        node = self.index.expression_at(point.start, point.end)
        return shortened(self.index.text(node)) if node is not None else "the value"

    @staticmethod
    def _step_fed_by(facts: SiteFacts, chain: Chain, place: Position) -> int:
        """The step the value cut at ``place`` flows into: an entry into a container on that line,
        the helper's parameter when the cut is in the helper's call, or the conversion."""
        for step in chain.steps:
            if step.kind is StepKind.ENTRY and step.position.line == place.line:
                return step.index
        helper = facts.helper
        if helper is not None and facts.call.start <= place <= facts.call.end:
            for step in chain.steps:
                if step.kind is StepKind.ARGUMENT and step.code == helper.parameter:
                    return step.index
        return chain.conversion


def _verdict(facts: SiteFacts, finding: Optional[Finding]) -> Verdict:
    if finding is not None and finding.code in GRAD_ERROR_CODES:
        return Verdict.RAISES
    if finding is not None and finding.code not in _GRAD_CODES:
        return Verdict.OTHER_RULE
    if facts.grad_mode == "off" or facts.grad is GradStatus.NO:
        return Verdict.SAFE
    return Verdict.UNDECIDED


def _changed_line(before: str, after: str, line: int) -> Optional[str]:
    old, new = before.splitlines(), after.splitlines()
    if len(old) != len(new) or line > len(new) or old[line - 1] == new[line - 1]:
        return None
    return new[line - 1].strip()


def _trace_message(step: Step, source_words: str) -> str:
    """"requires grad: 'model(x)' (output of model call, AddmmBackward0)", "MulBackward0: 'w * 2'"."""
    words = {StepKind.SOURCE: source_words, StepKind.CONVERSION: "converted", StepKind.CUT: "cut"}
    head = words.get(step.kind) or step.autograd or step.kind.value
    details = [step.note] if step.note else []
    if step.autograd and head != step.autograd:
        details.append(step.autograd)
    return f"{head}: '{step.code}'" + (f" ({', '.join(details)})" if details else "")
