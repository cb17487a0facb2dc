"""Where tensors live: the device dimension of a value (``values.Device``).

A tensor is on the host unless the file puts it elsewhere: a factory told ``device="cuda"``,
a move (``.cuda()``, ``.to(device)``, ``.to(other)``), a computation on such a tensor, or the
output of a module moved with ``model.to(device)``.  A device is named by a string
(``"cuda:0"``), a ``torch.device`` or a tensor's ``.device``; the usual
``"cuda" if torch.cuda.is_available() else "cpu"`` joins both, so it is MAYBE.  Which method
moves where, and which names are devices, is ``torch_api``'s to say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

from flake8_detach import torch_api
from flake8_detach.analysis.values import Device, Kind, Value, device_of, highest_device, placed_on, with_innermost
from flake8_detach.analysis.records import replace

if TYPE_CHECKING:
    import libcst as cst


def string_device(text: object) -> Optional[Device]:
    """The device a string names ("cuda:1", "cpu"); None for any other text."""
    if not isinstance(text, str):
        return None
    accelerator = torch_api.names_accelerator(text)
    if accelerator is None:
        return None
    return Device.ACCELERATOR if accelerator else Device.CPU


def device_named(spec: Optional[Value]) -> Optional[Device]:
    """The device a ``.to()`` argument or a ``device=`` keyword names: a string, a
    ``torch.device``, a tensor's ``.device``, another tensor (``.to(other)``).
    None where the file does not say (a dtype, a parameter, ``args.device``)."""
    if spec is None:
        return None
    if spec.kind is Kind.TENSOR:
        return device_of(spec)
    if spec.device is not None:
        return spec.device
    named = spec.qualified_name if spec.kind is Kind.REFERENCE else spec.constant
    legacy = torch_api.legacy_type_device(named if isinstance(named, str) else None)
    if legacy is not None:  # t.type(torch.FloatTensor), t.type("torch.cuda.FloatTensor")
        return string_device(legacy)
    # A CUDA index (``t.to(0)``) is not followed: a tensor leaves the host only where the file
    # names an accelerator, which is what the rule's triggers look for in its text.
    return string_device(spec.constant)


def moved(value: Value, method: str, spec: Optional[Value], node: "cst.CSTNode") -> Value:
    """``value.cuda()``, ``value.cpu()``, ``value.to(spec)``: the same value on its new device."""
    target = torch_api.DEVICE_MOVES[method]
    device = device_named(spec) if target is None else string_device(target)
    if device is None:
        return value
    return placed_on(value, device, node)


def created_on(value: Value, spec: Optional[Value], node: "cst.CSTNode") -> Value:
    """A new tensor made where its ``device=`` keyword says."""
    device = device_named(spec)
    return value if device is None else placed_on(value, device, node)


def with_inputs_device(output: Value, inputs: Iterable[Value]) -> Value:
    """What a module computes is where its parameters and tensor inputs are: the highest device
    among them, given to the output and to what the output holds (``return out, hidden``)."""
    device, node = highest_device([output, *(value for value in inputs if value.kind is not Kind.OTHER)])
    if device is None or device is Device.CPU or device == device_of(output):
        return output
    return _placed_deep(output, device, node)


def located_as(value: Value, source: Value) -> Value:
    """``value`` (or what it holds) where ``source`` is: a helper converts its parameter, so the
    tensor it converts is where the caller's argument is, whatever else the call involves."""
    def placed_like_source(held: Value) -> Value:
        if held.device == source.device and held.placed is source.placed:
            return held
        return replace(held, device=source.device, placed=source.placed)

    return with_innermost(value, placed_like_source)


def on_host(value: Value) -> Value:
    """``value`` where no accelerator exists: whatever it holds is on the host."""
    if value.device in (Device.MAYBE, Device.ACCELERATOR):
        value = replace(value, device=Device.CPU, placed=None)
    if value.kind is not Kind.CONTAINER:
        return value
    item = None if value.item is None else on_host(value.item)
    fields = None if value.fields is None else tuple(on_host(field) for field in value.fields)
    attributes = tuple((name, on_host(held)) for name, held in value.attributes)
    return replace(value, item=item, fields=fields, attributes=attributes)


def _placed_deep(value: Value, device: Device, node: Optional["cst.CSTNode"]) -> Value:
    if value.kind is not Kind.CONTAINER:
        return replace(value, device=device, placed=node) if value.kind in (Kind.TENSOR, Kind.UNKNOWN) else value
    item = None if value.item is None else _placed_deep(value.item, device, node)
    fields = None if value.fields is None else tuple(_placed_deep(field, device, node) for field in value.fields)
    return replace(value, item=item, fields=fields)
