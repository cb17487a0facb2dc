"""What ``flake8-detach explain`` says about one conversion, free of libcst and ``ast``.

An explanation is a small graph: steps (where the value gets its grad, what is computed from
it, where it is stored, passed and returned, the conversion) joined by links in the direction
the value flows, plus why grad mode is on or off at the conversion and where a cut would go.
The renderers (``render.py``) and the front ends read only these types.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from flake8_detach.findings import Fix, Position


class StepKind(enum.Enum):
    SOURCE = "source"  # where the value gets its grad (or, undecided, a parameter)
    OPERATION = "operation"  # arithmetic, a library call, a tensor method: a node of autograd's graph
    VALUE = "value"  # a name is bound: assignment, loop variable, ``with ... as``
    ENTRY = "entry"  # the value enters a container: append, item assignment
    ATTRIBUTE = "attribute"  # stored in an attribute (``self.x = ...``), read elsewhere
    ARGUMENT = "argument"  # a parameter of the file's function, bound at a call
    RETURN = "return"  # a function of the file returns it
    CALL = "call"  # the call of the file's function that returns it
    CUT = "cut"  # where the graph is already cut: .detach(), an integer result, grad off
    CONVERSION = "conversion"


class Verdict(enum.Enum):
    RAISES = "raises"  # a finding (DET101/DET102): the conversion raises at run time
    UNDECIDED = "undecided"  # the file cannot tell (DET103)
    SAFE = "safe"  # the conversion cannot raise the grad error
    OTHER_RULE = "other-rule"  # a finding of a rule that does not judge grad (DET201: the device)


@dataclass(frozen=True)
class Step:
    index: int
    kind: StepKind
    position: Position
    code: str  # the code of the step, on one line, shortened
    note: str  # what happens there: "assigned to 'y'", "output of model call"
    autograd: Optional[str] = None  # the node autograd records there: "MulBackward0"


@dataclass(frozen=True)
class Link:
    """The value flows from step ``source`` into step ``target``."""

    source: int
    target: int


@dataclass(frozen=True)
class Reason:
    text: str
    position: Optional[Position] = None


NO_GRAD = "with torch.no_grad():"


@dataclass(frozen=True)
class Cut:
    """A place where ``.detach()`` or ``torch.no_grad()`` would cut the graph."""

    how: str  # ".detach()", "numpy(force=True)" or NO_GRAD (around the conversion, not on a link)
    text: str  # what to write, and where
    position: Position
    before_step: int  # the step the cut value flows into (the conversion, an entry...)
    fix: Optional[Fix] = None  # the fix `flake8-detach fix` applies, for the fix's cut
    line_after: Optional[str] = None  # the fix's line, as `flake8-detach fix` writes it

    @property
    def on_link(self) -> bool:
        """Drawn on the link into ``before_step`` (a ``.detach()``), not beside the conversion."""
        return self.how != NO_GRAD


@dataclass(frozen=True)
class Explanation:
    verdict: Verdict
    title: str  # "DET101 .numpy() on a tensor that requires grad (...)" or "safe: ..."
    steps: Tuple[Step, ...]
    links: Tuple[Link, ...]
    grad_mode: str  # "on", "off" or "maybe" at the conversion
    grad_mode_reasons: Tuple[Reason, ...]
    # Why it is safe (SAFE), or on which path it raises, or what the file cannot tell.
    reasons: Tuple[Reason, ...] = ()
    cuts: Tuple[Cut, ...] = ()
    # False when the def-use walk found no path from a source to the conversion: the steps
    # then hold only the two ends the analysis names.
    traced: bool = True
    code: Optional[str] = None  # the finding's code
    message: Optional[str] = None  # the finding's message

    @property
    def conversion(self) -> Step:
        return next(step for step in self.steps if step.kind is StepKind.CONVERSION)

    def sources(self) -> List[Step]:
        return [step for step in self.steps if step.kind is StepKind.SOURCE]

    def feeding(self) -> Dict[int, List[int]]:
        """For each step, the steps whose value flows into it."""
        inputs: Dict[int, List[int]] = {step.index: [] for step in self.steps}
        for link in self.links:
            inputs[link.target].append(link.source)
        return inputs

    def in_flow_order(self) -> List[Step]:
        """The steps sources first, each after every step that feeds it (ties by position)."""
        inputs = self.feeding()
        placed: Dict[int, bool] = {}
        ordered: List[Step] = []
        pending = sorted(self.steps, key=lambda step: (step.position, step.index))
        while pending:
            ready = next((s for s in pending if all(placed.get(i) for i in inputs[s.index])), pending[0])
            pending.remove(ready)
            placed[ready.index] = True
            ordered.append(ready)
        return ordered
