"""What the rules share: how a finding names the value, says why, and inserts .detach()."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, List, Optional, Tuple

from flake8_detach.analysis.sites import ConversionSite, GradMode, SiteKind
from flake8_detach.analysis.values import Condition, Grad, Origin
from flake8_detach.findings import Applicability, Edit, Finding, Fix, LineNamer, Position, TraceStep, numbered_line
from flake8_detach.prefilter import GRAD_MARKERS, Fact, Triggers
from flake8_detach.settings import Settings

# The grad rules judge conversions, in files that show something that may require grad.
GRAD_CONVERSIONS = Triggers(frozenset({SiteKind.CONVERSION}), GRAD_MARKERS)
# DET101 and DET102 report only values that require grad on some path: such a value must come
# from a grad source of the file.
PROVED_GRAD_CONVERSIONS = Triggers(frozenset({SiteKind.CONVERSION}), GRAD_MARKERS, flows_from=Fact.GRAD)

_MAX_SNIPPET = 40
# Expressions that need parentheses before ``.detach()`` can follow them, by
# libcst class name (comparing names keeps libcst out of the rule registry's imports).
_LOOSE_EXPRESSIONS = frozenset(
    """BinaryOperation BooleanOperation UnaryOperation Comparison IfExp Lambda NamedExpr
    Await Yield Integer Float""".split()
)


if TYPE_CHECKING:
    import libcst as cst

    from flake8_detach.analysis.positions import Positions


@dataclass(frozen=True)
class Report:
    """What a rule needs to turn a site into a finding.

    ``name_line`` names the lines a message refers to (the front end knows
    whether a line is a file's or a notebook cell's); ``finding_line`` is the
    line of the finding being built (see ``for_site``).
    """

    module: cst.Module
    positions: Positions
    settings: Settings
    name_line: LineNamer = numbered_line
    finding_line: int = 0

    def for_site(self, site: ConversionSite) -> Report:
        return replace(self, finding_line=self.positions.start(site.anchor).line)

    def snippet(self, node: cst.CSTNode) -> str:
        text = " ".join(self.module.code_for_node(node).split())
        return text if len(text) <= _MAX_SNIPPET else text[: _MAX_SNIPPET - 3] + "..."

    def detached(self, node: cst.BaseExpression) -> str:
        """How ``node`` reads once detached: ``x.detach()``, ``(a * b).detach()``."""
        return self.followed_by(node, ".detach()")

    def followed_by(self, node: cst.BaseExpression, calls: str) -> str:
        """How ``node`` reads with ``calls`` after it: ``x.cpu()``, ``(a * b).cpu()``."""
        text = self.snippet(node)
        return f"({text}){calls}" if _needs_parentheses(node) else f"{text}{calls}"

    def place(self, node: cst.CSTNode) -> str:
        """Where ``node`` starts, as a message says it: "line 3" (or "line 2 of cell 3")."""
        return self.name_line(self.positions.start(node).line, self.finding_line)

    def why(self, origin: Optional[Origin]) -> str:
        if origin is None:
            return ""
        source = f"{origin.description} '{self.snippet(origin.node)}' on {self.place(origin.node)}"
        return f" ({source}{self._path(origin.condition)})"

    def _path(self, condition: Optional[Condition]) -> str:
        """On which path it raises, when another path detaches the value."""
        if condition is None:
            return ""
        outcome = "true" if condition.holds else "false"
        return f", when the test on {self.place(condition.test)} is {outcome}"

    def finding(self, code: str, message: str, site: ConversionSite, fix: Optional[Fix]) -> Finding:
        """A finding that covers the site's anchor and carries its provenance."""
        positions = self.positions
        return Finding(code, message, positions.start(site.anchor), fix, positions.end(site.anchor), self.trace(site))

    def trace(self, site: ConversionSite) -> Tuple[TraceStep, ...]:
        """Where the converted value gets its grad (when known), where it is converted, and,
        through a helper of this file, where the helper converts it."""
        steps: List[TraceStep] = []
        origin = site.origin
        if origin is not None:
            steps.append(TraceStep(self.positions.start(origin.node),
                                   f"requires grad: {origin.description} '{self.snippet(origin.node)}'"))
            if origin.condition is not None:
                outcome = "true" if origin.condition.holds else "false"
                steps.append(TraceStep(self.positions.start(origin.condition.test),
                                       f"on the path where this test is {outcome}"))
        converted = self.snippet(site.converted)
        if site.via is None:
            steps.append(TraceStep(self.positions.start(site.anchor), f"{site.consumer} converts '{converted}'"))
        else:
            helper = site.via.site
            steps.append(TraceStep(self.positions.start(site.anchor), f"'{converted}' is passed to {site.consumer}"))
            steps.append(TraceStep(self.positions.start(helper.anchor),
                                   f"{helper.consumer} converts the parameter '{site.via.parameter}'"))
        return tuple(steps)


def _needs_parentheses(node: cst.CSTNode) -> bool:
    return type(node).__name__ in _LOOSE_EXPRESSIONS and not getattr(node, "lpar", ())


def _fix_is_in_helper(site: ConversionSite) -> bool:
    """The argument is no tensor (a model): the helper's own conversion gets the .detach()."""
    return site.via is not None and site.converted not in site.detach_points


def helper_advice(site: ConversionSite, report: Report) -> str:
    assert site.via is not None
    if _fix_is_in_helper(site):
        return f"detach in {site.consumer[:-2]}() on {report.place(site.via.site.anchor)}"
    return f"pass '{report.detached(site.converted)}'"


def helper_fix_description(site: ConversionSite) -> str:
    return "Detach inside the helper" if _fix_is_in_helper(site) else "Detach the argument"


def grad_mode_can_be_on(site: ConversionSite) -> bool:
    return site.grad_mode is not GradMode.OFF


def is_definite(site: ConversionSite) -> bool:
    """The value requires grad and grad mode may be on: the conversion raises."""
    return site.grad is Grad.YES and grad_mode_can_be_on(site)


def is_undecided(site: ConversionSite) -> bool:
    return site.grad is Grad.UNKNOWN and grad_mode_can_be_on(site)


def detach_edits(site: ConversionSite, report: Report) -> Tuple[Edit, ...]:
    """Edits that put ``.detach()`` right after each of the site's detach points."""
    return tuple(edit for target in site.detach_points for edit in append_calls(target, report, ".detach()"))


def append_calls(target: cst.BaseExpression, report: Report, calls: str) -> Tuple[Edit, ...]:
    """Edits that write ``calls`` (``.detach()``, ``.cpu()``) after ``target``, in parentheses
    where it needs them: ``(a * b).detach()``."""
    end = report.positions.outer_end(target)
    if not _needs_parentheses(target):
        return (Edit(end, end, calls),)
    start = report.positions.start(target)
    return (Edit(start, start, "("), Edit(end, end, f"){calls}"))


def detach_each(site: ConversionSite, report: Report, calls: str = ".detach()") -> Tuple[Edit, ...]:
    """Edits that convert ``[t.detach() for t in losses]`` instead of ``losses``: the list itself,
    which other code may sum into a loss and call ``.backward()`` on, keeps its graph.
    (``calls`` is what each entry gets: ``.cpu()`` for a list of GPU tensors.)"""
    start, end = report.positions.start(site.converted), report.positions.outer_end(site.converted)
    return (Edit(start, start, f"[{DETACH_EACH_NAME}{calls} for {DETACH_EACH_NAME} in "), Edit(end, end, "]"))


DETACH_EACH_NAME = "t"


def force_edits(site: ConversionSite, report: Report) -> Tuple[Edit, ...]:
    """Edits that turn ``t.numpy()`` into ``t.numpy(force=True)``."""
    end = report.positions.end(site.call)
    closing = Position(end.line, end.column - 1)
    return (Edit(closing, closing, "force=True"),)


class UnsafeReason(enum.Enum):
    """Why a fix may change what the program does, in the words of the rules' "Fix safety" docs."""

    CONTAINER = "other users of the container may want the graph"
    ENTRIES = "every entry of the list must be a tensor"
    GUESSED_MODULE = "inferred from how a name is used"
    HELPER_RETURNS_ARGUMENT = "the helper also returns something computed from it"
    HELPER_CHANGED = "changes the helper for every caller"
    NOT_KNOWN_TENSOR = "not known to be a torch tensor"
    FORCE = "no longer shares memory with the tensor"
    NO_GRAPH = "what is computed from the result has no graph"


def unsafe_reason(site: ConversionSite) -> Optional[UnsafeReason]:
    """None when the converted value is known to be a torch tensor here and detaching it changes
    nothing but the conversion; otherwise the first reason the fix may change behaviour."""
    if site.via is not None and _fix_is_in_helper(site):
        return UnsafeReason.HELPER_CHANGED
    if site.through_container:
        return UnsafeReason.CONTAINER
    if site.via is not None and site.via.returns_parameter:
        return UnsafeReason.HELPER_RETURNS_ARGUMENT
    origin = site.origin
    if origin is not None and origin.inferred:
        return UnsafeReason.GUESSED_MODULE
    if not (site.converted_is_tensor and origin is not None and is_definite(site)):
        return UnsafeReason.NOT_KNOWN_TENSOR
    return None


def fix(description: str, edits: Tuple[Edit, ...], reason: Optional[UnsafeReason]) -> Fix:
    """A fix whose description says why it is unsafe, when it is."""
    if reason is None:
        return Fix(description, edits, Applicability.SAFE)
    return Fix(f"{description} (unsafe: {reason.value})", edits, Applicability.UNSAFE)


def detach_fix(site: ConversionSite, report: Report, description: str) -> Optional[Fix]:
    edits = detach_edits(site, report)
    if not edits:
        return None
    return fix(description, edits, unsafe_reason(site))
