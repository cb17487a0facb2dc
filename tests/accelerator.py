"""A CUDA device simulated on the CPU, so that the device oracle runs where CI has no GPU.

Tensors stay CPU tensors; the ones a program puts on "cuda" are *marked*, and the mark follows
them as the device would: a factory told ``device="cuda"``, ``.cuda()``, ``.to("cuda")``,
``.to(torch.device("cuda", 0))``, ``.to(other)`` with ``other`` marked, ``.to(0)``, a module
moved with ``.to()``/``.cuda()`` (its parameters and buffers), and every torch operation with a
marked input (a ``TorchFunctionMode`` sees all of them, factories and properties included).
``.cpu()`` and ``.to("cpu")`` give unmarked copies; ``.device`` of a marked tensor says
``cuda:0``; ``torch.cuda.is_available()`` is True.

Why this is faithful where the oracle looks: NumPy reaches a tensor only through
``Tensor.numpy`` (``Tensor.__array__`` calls it), and torch's check there comes before the grad
check (``tensor_numpy.cpp``: device, then requires grad; seen on this machine with the ``meta``
device, which fails the same check).  So ``numpy()`` of a marked tensor raises exactly the error a
GPU gives (the text of ``../shared/TORCH_FACTS.md``), unless ``force=True``.  What is not
simulated: mixing devices in one operation (a real GPU raises "Expected all tensors to be on the
same device" there; the simulation computes on), memory, speed.
``tests/test_device_oracle.py`` also runs its device cases on a real GPU when there is one.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Dict, Iterator, Optional, Sequence, Tuple

import torch
from torch.overrides import TorchFunctionMode

DEVICE_ERROR = ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host "
                "memory first.")
_MARK = "_simulated_cuda"
SIMULATION_FILE = __file__  # its frames belong to the machine: neither the program's nor a library's
_CUDA = torch.device("cuda", 0)
# Property getters reach the mode as method-wrappers, new at each access but equal.
_DEVICE_GETTER = torch.Tensor.device.__get__  # type: ignore[attr-defined]
_IS_CUDA_GETTER = torch.Tensor.is_cuda.__get__  # type: ignore[attr-defined]


def is_on_accelerator(tensor: torch.Tensor) -> bool:
    """Whether ``tensor`` is on the (simulated or real) accelerator."""
    return bool(getattr(tensor, _MARK, False)) or tensor.device.type not in ("cpu", "meta")


def _mark(value: Any) -> Any:
    for tensor in tensors_in(value):
        setattr(tensor, _MARK, True)
    return value


def tensors_in(value: Any) -> Iterator[torch.Tensor]:
    """The tensors in ``value``, and in the lists, tuples and dicts it is made of."""
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from tensors_in(item)


def _marked(value: Any) -> bool:
    return any(getattr(tensor, _MARK, False) for tensor in tensors_in(value))


def _names_accelerator(device: Any) -> bool:
    """A factory's ``device=`` keyword: "cuda", "cuda:1", torch.device("cuda", 1), 0."""
    if device is None or isinstance(device, bool):
        return False
    try:
        return torch.device(device).type != "cpu"
    except (RuntimeError, TypeError):
        return False


def _parsed(args: Sequence[Any], kwargs: Dict[str, Any]) -> Tuple[Any, Any]:
    """(device, dtype) of ``.to(*args, **kwargs)``, as torch reads them (a CUDA index as "cuda")."""
    if args and isinstance(args[0], int) and not isinstance(args[0], bool):
        args = ("cuda", *args[1:])
    if isinstance(kwargs.get("device"), int):
        kwargs = {**kwargs, "device": "cuda"}
    device, dtype, _, _ = torch._C._nn._parse_to(*args, **kwargs)
    return device, dtype


def _move_target(args: Sequence[Any], kwargs: Dict[str, Any]) -> Optional[bool]:
    """Where ``.to(*args, **kwargs)`` moves: True to the accelerator, False to the host, None: stays."""
    if args and isinstance(args[0], torch.Tensor):
        return _marked(args[0])
    device = _parsed(args, kwargs)[0]
    return None if device is None else device.type != "cpu"


def _to(tensor: torch.Tensor, args: Sequence[Any], kwargs: Dict[str, Any]) -> torch.Tensor:
    target = _move_target(args, kwargs)
    dtype = args[0].dtype if args and isinstance(args[0], torch.Tensor) else _parsed(args, kwargs)[1]
    moved: torch.Tensor = tensor.to(dtype) if dtype is not None else tensor
    on_accelerator = _marked(tensor) if target is None else target
    if moved is tensor and on_accelerator == _marked(tensor):
        return tensor  # no move, no cast: torch gives the tensor itself
    copy = moved.clone() if moved is tensor else moved  # a move makes a new tensor, as on a GPU
    return _mark(copy) if on_accelerator else copy


class _SimulatedCuda(TorchFunctionMode):
    def __torch_function__(self, func: Callable[..., Any], types: Any, args: Sequence[Any] = (),
                           kwargs: Optional[Dict[str, Any]] = None) -> Any:
        kwargs = dict(kwargs or {})
        if func == _DEVICE_GETTER:
            return _CUDA if _marked(args[0]) else func(*args, **kwargs)
        if func == _IS_CUDA_GETTER:
            return _marked(args[0])
        if func is torch.Tensor.cuda:
            tensor = args[0]
            return tensor if _marked(tensor) else _mark(tensor.clone())
        if func is torch.Tensor.cpu:
            tensor = args[0]
            return tensor.clone() if _marked(tensor) else tensor
        if func is torch.Tensor.to:
            return _to(args[0], args[1:], kwargs)
        on_accelerator = _names_accelerator(kwargs.get("device"))
        if on_accelerator:  # a factory: torch.zeros(3, device="cuda")
            kwargs["device"] = "cpu"
        result = func(*args, **kwargs)
        if on_accelerator or _marked(list(args)) or _marked(kwargs):
            return _mark(result)
        return result


def _numpy_on_host_only(original: Callable[..., Any]) -> Callable[..., Any]:
    def numpy(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        if _marked(tensor) and not kwargs.get("force", False):
            raise TypeError(DEVICE_ERROR)
        return original(tensor, *args, **kwargs)
    return numpy


def _module_move(original: Callable[..., Any], to_accelerator: Callable[..., Optional[bool]]) -> Callable[..., Any]:
    """``Module.to``/``Module.cuda``: the parameters stay the same objects, so they are marked."""
    def move(module: torch.nn.Module, *args: Any, **kwargs: Any) -> Any:
        result = original(module, *args, **kwargs)
        target = to_accelerator(args, kwargs)
        for tensor in [*module.parameters(), *module.buffers()]:
            if target:
                _mark(tensor)
            elif target is False and hasattr(tensor, _MARK):
                delattr(tensor, _MARK)
        return result
    return move


def names_an_accelerator(source: str) -> bool:
    """Whether a program may put a tensor on an accelerator (it cannot run without one unless simulated)."""
    return "cuda" in source


@contextlib.contextmanager
def simulated_cuda(enforced: bool = True) -> Iterator[None]:
    """Run the code inside as if the machine had one CUDA device (see the module docstring).

    ``enforced=False`` lets NumPy read marked tensors: the program runs as on a GPU whose tensors
    NumPy could read, which is how the grad oracle runs programs that name a device (it judges
    the grad error alone; the device oracle judges the device error)."""
    saved = (torch.Tensor.numpy, torch.nn.Module.to, torch.nn.Module.cuda, torch.nn.Module.cpu,
             torch.cuda.is_available, torch.cuda.device_count)
    if enforced:
        torch.Tensor.numpy = _numpy_on_host_only(torch.Tensor.numpy)  # type: ignore[method-assign]
    torch.nn.Module.to = _module_move(torch.nn.Module.to, _move_target)  # type: ignore[method-assign]
    torch.nn.Module.cuda = _module_move(torch.nn.Module.cuda, lambda args, kwargs: True)  # type: ignore
    torch.nn.Module.cpu = _module_move(torch.nn.Module.cpu, lambda args, kwargs: False)  # type: ignore
    torch.cuda.is_available = lambda: True
    torch.cuda.device_count = lambda: 1
    try:
        with _SimulatedCuda():
            yield
    finally:
        (torch.Tensor.numpy, torch.nn.Module.to, torch.nn.Module.cuda, torch.nn.Module.cpu,  # type: ignore
         torch.cuda.is_available, torch.cuda.device_count) = saved
