# Narrowing: what a branch's test says about a value on each path (isinstance, torch.is_tensor,
# hasattr(x, "detach"), requires_grad), early returns, raise, assert, break and continue, and
# branches on constants.

# case: isinstance-detaches-tensors-in-a-helper
import numpy as np
import torch


def to_array(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
    return np.asarray(x)


w = torch.rand(3, requires_grad=True)
a = to_array(w * 2)
b = to_array([1.0, 2.0])

# case: isinstance-early-return-for-non-tensors
import numpy as np
import torch


def to_array(value):
    if not isinstance(value, torch.Tensor):
        return np.asarray(value)
    return value.detach().cpu().numpy()


w = torch.rand(3, requires_grad=True)
arrays = [to_array(w + 1), to_array(3.0)]

# case: isinstance-with-a-tuple-of-types-in-a-method
import matplotlib.pyplot as plt
import torch


class Logger:
    def log(self, value):
        if isinstance(value, (torch.Tensor, torch.nn.Parameter)):
            value = value.detach()
        plt.plot(value)


w = torch.rand(3, requires_grad=True)
Logger().log(w * 2)

# case: is-tensor-narrowing-inside-a-loop
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
results = {"loss": (w ** 2).sum(), "step": 3}
summary = {}
for key, value in results.items():
    if torch.is_tensor(value):
        value = value.detach()
    summary[key] = np.asarray(value)

# case: hasattr-detach-narrowing
import numpy as np
import torch


def as_numpy(x):
    if hasattr(x, "detach"):
        x = x.detach()
    return np.array(x)


w = torch.rand(2, requires_grad=True)
arr = as_numpy(w * 3)

# case: isinstance-of-numpy-array-does-not-narrow-tensors
import numpy as np
import torch


def to_array(x):
    if isinstance(x, np.ndarray):
        return x
    return x.numpy()  # expect: DET103


w = torch.rand(3, requires_grad=True)
arr = to_array(w * 2)  # expect: DET101

# case: isinstance-narrowing-keeps-the-tensor-path
import numpy as np
import torch


def to_array(x):
    if isinstance(x, torch.Tensor):
        x = x.cpu()
    return np.asarray(x)  # expect: DET103


w = torch.rand(3, requires_grad=True)
arr = to_array(w * 2)  # expect: DET102

# case: early-return-after-detach-guard
import torch


def to_numpy(t):
    if t.requires_grad:
        return t.detach().numpy()
    return t.numpy()


w = torch.rand(3, requires_grad=True)
arr = to_numpy(w * 2)

# case: raise-ends-a-path
import numpy as np
import torch


def checked(t):
    if t.requires_grad:
        raise ValueError("detach it first")
    return np.asarray(t)


w = torch.rand(3, requires_grad=True)
try:
    checked(w * 2)
except ValueError:
    pass
arr = checked(torch.zeros(3))

# case: assert-isinstance-narrows-what-follows
import numpy as np
import torch


def summarise(stats):
    for value in stats:
        assert not isinstance(value, torch.Tensor), "pass floats"
        yield np.asarray(value)


list(summarise([1.0, 2.0]))

# case: continue-skips-grad-tensors
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
arrays = []
for t in [w * 2, torch.ones(3)]:
    if t.requires_grad:
        continue
    arrays.append(np.asarray(t))

# case: break-carries-the-value-out-of-the-loop
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
found = torch.zeros(3)
for step in range(3):
    candidate = w * step
    if step == 1:
        found = candidate
        break
np.asarray(found)  # expect: DET102

# case: constant-flag-decides-the-branch
import torch

DEBUG = False
w = torch.rand(3, requires_grad=True)
if DEBUG:
    arr = (w * 2).numpy()
values = (w * 2).detach().numpy()

# case: constant-flag-true-takes-the-branch
import torch

PLOT = True
w = torch.rand(3, requires_grad=True)
if PLOT:
    arr = (w * 2).numpy()  # expect: DET101

# case: return-inside-with-no-grad
import torch

w = torch.rand(3, requires_grad=True)


def predict(scale):
    with torch.no_grad():
        return (w * scale).numpy()


arr = predict(2.0)

# case: dispatch-on-type-guarded-by-an-import-check-detaches-torch-tensors
import numpy as np
import torch

try:
    import tensorflow as tf
except ImportError:
    tf = None


def to_numpy(val):
    if isinstance(val, np.ndarray):
        return val
    if torch is not None and isinstance(val, torch.Tensor):
        return val.detach().numpy()
    if tf is not None and isinstance(val, tf.Tensor):
        return val.numpy()
    return np.asarray(val)


encoder = torch.nn.Linear(4, 2)
print(to_numpy(encoder(torch.rand(4))))

# case: known-flag-and-type-test-narrows-the-other-path
import numpy as np
import torch

HAS_TORCH = True


def as_array(x):
    if HAS_TORCH and isinstance(x, torch.Tensor):
        x = x.detach().cpu()
    return np.asarray(x)


net = torch.nn.Linear(3, 1)
as_array(net(torch.randn(2, 3)))

# case: method-tests-the-module-then-the-tensor-and-detaches
import numpy as np
import torch


class Logger:
    def __init__(self):
        self.rows = []

    def _scalar(self, value):
        if torch is not None and torch.is_tensor(value):
            return value.detach().item()
        return float(np.asarray(value))

    def log(self, loss):
        self.rows.append(self._scalar(loss))


net = torch.nn.Linear(3, 1)
Logger().log(net(torch.randn(2, 3)).mean())

# case: a-type-predicate-of-the-file-guards-the-array-branch
import numpy as np
import torch


def is_array(obj):
    return isinstance(obj, np.ndarray)


def to_bytes(obj):
    if is_array(obj):
        return np.ascontiguousarray(obj).tobytes()
    return obj.detach().numpy().tobytes()


w = torch.ones(2, requires_grad=True)
print(len(to_bytes(w * 2)))

# case: a-static-type-predicate-with-an-import-guard-read-through-its-class
import numpy as np
import torch
import torch.nn as nn


class _Internal:
    @staticmethod
    def is_numpy_array(obj):
        return isinstance(obj, np.ndarray)

    @staticmethod
    def is_torch(obj):
        try:
            import torch
            return isinstance(obj, torch.Tensor)
        except ImportError:
            return False


def send(obj):
    if _Internal.is_numpy_array(obj):
        return np.ascontiguousarray(obj).nbytes
    elif _Internal.is_torch(obj):
        return obj.detach().numpy().nbytes
    raise ValueError(type(obj))


print(send(nn.Linear(3, 2)(torch.rand(1, 3))))

# case: a-type-predicate-method-called-on-self-guards-the-tensor-branch
import numpy as np
import torch


class Writer:
    def is_tensor(self, value):
        return isinstance(value, torch.Tensor)

    def write(self, value):
        if self.is_tensor(value):
            value = value.detach().cpu()
        return np.asarray(value)


w = torch.ones(3, requires_grad=True)
print(Writer().write(w * 3))

# case: a-type-predicate-whose-tensor-branch-converts
import numpy as np
import torch


def is_torch(obj):
    return isinstance(obj, torch.Tensor)


def to_array(obj):
    if is_torch(obj):
        return obj.numpy()  # expect: DET103
    return np.asarray(obj)


w = torch.ones(2, requires_grad=True)
print(to_array(w * 2))  # expect: DET101

# case: an-isinstance-test-of-a-positional-argument-narrows-that-element
# POT's list_to_array: only a list is converted; a tensor passed in *args is handed back as it is.
import numpy as np
import torch


def list_to_array(*values):
    if len(values) > 1:
        return [np.array(value) if isinstance(value, list) else value for value in values]
    return np.array(values[0]) if isinstance(values[0], list) else values[0]


def first_as_array(pair):
    if isinstance(pair[0], torch.Tensor):
        return pair[0]
    return np.asarray(pair[0])


weights = torch.rand(3, requires_grad=True)
a, b = list_to_array(weights, weights)
print(list_to_array(weights).sum(), first_as_array([weights, 1]).sum(), a.sum())
