"""What the analysis hands to the rules: each place a tensor may become a NumPy array."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Optional, Tuple, Union

if TYPE_CHECKING:
    import libcst as cst

from flake8_detach.analysis.records import replace
from flake8_detach.analysis.values import (
    Device,
    Evidence,
    Grad,
    GradMode,
    Kind,
    Origin,
    Value,
    device_of,
    innermost,
)

__all__ = ["ConversionSite", "ConversionStyle", "GradMode", "HelperConversion", "SiteKind"]


class SiteKind(enum.Enum):
    """What the analysis records for the rules to judge; a rule says which kinds it watches
    (``prefilter.Triggers``), and only files and statements that may hold one are analysed."""

    CONVERSION = "conversion"  # a tensor may become a NumPy array here: ConversionSite


class ConversionStyle(enum.Enum):
    EXPLICIT = "explicit"  # t.numpy()
    IMPLICIT = "implicit"  # np.asarray(t), plt.plot(t), pd.DataFrame(t)...
    MIXED = "mixed"  # t - array: NumPy takes the operation over and converts t


@dataclass(frozen=True)
class HelperConversion:
    """A function of this file that converts one of its parameters."""

    function_name: str
    parameter: str
    site: "ConversionSite"
    # The helper's result depends on the parameter: detaching the argument could change it.
    returns_parameter: bool
    # The parameter is an object holding the caller's value in a field (``Prediction(output)
    # .to_frame()`` converting ``self.scores``): the method converts what its object holds, so a
    # finding is reported where it does, as for an object the caller did not build from its
    # parameter.
    in_a_field: bool = False


@dataclass(frozen=True)
class ConversionSite:
    style: ConversionStyle
    # the converting call, the call of the converting helper, ``frame[key] =``, or ``t - array``
    call: Union[cst.Call, cst.Subscript, cst.BinaryOperation, cst.AugAssign]
    anchor: cst.CSTNode  # what the finding points at (the array, for ``t - array``)
    consumer: str  # how messages name the conversion: ".numpy()", "np.asarray()"
    converted: cst.BaseExpression  # the expression that is converted
    value: Value
    grad_mode: GradMode
    # The expressions to follow with .detach(); empty where no automatic fix exists.
    detach_points: Tuple[cst.BaseExpression, ...] = ()
    via: Optional[HelperConversion] = None
    # What is converted is each element of ``converted`` (``map(np.asarray, outputs)``)
    of_elements: bool = False
    # What is converted is what ``converted`` (a function) returns, when a library calls it
    # (``scipy.optimize.minimize(loss_fn, x0)``): no expression here to detach.
    of_result: bool = False
    # The library hands a tensor to the tensor's own method (``np.shape(t)`` is ``t.shape``): only
    # what is not a tensor is converted, which the value here, a parameter's, does not tell yet.
    unless_tensor: bool = False

    def helper_chain(self) -> Tuple["ConversionSite", ...]:
        """This site, then each helper conversion it goes through, the conversion it reaches last."""
        chain = [self]
        while chain[-1].via is not None:
            chain.append(chain[-1].via.site)
        return tuple(chain)

    def where_converted(self) -> "ConversionSite":
        """This site or, when its chain hands the converted value over in an object's field, the
        conversion of the function that reads it there (past each function the object is handed
        on to), with what is converted as known here."""
        chain = self.helper_chain()
        through = [index for index, hop in enumerate(chain) if hop.via is not None and hop.via.in_a_field]
        if not through:
            return self
        last = through[0]
        while last + 1 in through:
            last += 1
        inner = chain[last + 1]  # detached where it is converted, when it is a tensor
        points = inner.detach_points or ((chain[-1].converted,) if self.value.kind is Kind.TENSOR else ())
        return replace(inner, value=self.value, grad_mode=self.grad_mode, detach_points=points)

    def nodes(self) -> Iterator[cst.CSTNode]:
        """Every node whose position a finding about this site may need."""
        yield from (self.anchor, self.call, self.converted)
        yield from self.detach_points
        if self.origin is not None:
            yield self.origin.node
            if self.origin.condition is not None:
                yield self.origin.condition.test
        if self.via is not None:
            yield self.via.site.anchor
        if self.carried.placed is not None:
            yield self.carried.placed

    @property
    def carried(self) -> Value:
        """The converted tensor: the value itself, or what its container holds."""
        return innermost(self.value)

    @property
    def origin(self) -> Optional[Origin]:
        return self.carried.origin

    @property
    def through_container(self) -> bool:
        return self.value.kind is Kind.CONTAINER

    @property
    def converts_a_list(self) -> bool:
        """A list (no dict: it has keys) or the elements of an iterable are converted as they
        are handed over, so ``[t.detach() for t in ...]`` there detaches what is converted."""
        if self.value.kind is Kind.CONTAINER and self.value.attributes:
            return False
        if self.via is not None:  # a helper that converts its parameter as it is
            converted = self.via.site.converted
            return (self.through_container and getattr(converted, "value", None) == self.via.parameter
                    and self._is_passed_at_the_call())
        return self.through_container or self.of_elements

    def _is_passed_at_the_call(self) -> bool:
        """Whether the converted expression is an argument written at the call (not a value
        the helper captured: ``reader()`` where a closure converts its factory's argument)."""
        arguments = getattr(self.call, "args", ())  # a Call (a Subscript assignment has none)
        return any(argument.value is self.converted for argument in arguments)

    @property
    def grad(self) -> Grad:
        """Whether the converted value requires grad, with parameters as unknowns.

        A grad source only guessed from use (an object moved with ``.to()`` and called) is
        no proof: such a site is undecided (see ``Evidence``)."""
        value = self.carried
        if value.grad is Grad.YES:
            proved = value.origin is not None and value.origin.evidence >= Evidence.INFERRED
            return Grad.YES if proved else Grad.UNKNOWN
        if value.grad is Grad.UNKNOWN or value.params:
            return Grad.UNKNOWN
        return Grad.NO

    @property
    def device(self) -> Device:
        """Where the converted tensor lives (the host unless the file moves it)."""
        return device_of(self.carried) or Device.CPU

    @property
    def converted_is_tensor(self) -> bool:
        return self.carried.kind is Kind.TENSOR
