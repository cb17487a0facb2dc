# Other objects with a .numpy() method or an __array__ (TensorFlow eager tensors, wrappers):
# flagging them is a false alarm, and "fixing" them with .detach() breaks the code.
# TensorFlow is not installed, so a small local class stands in for its eager tensors.

# case: eager-tensor-numpy
import numpy as np
import torch


class EagerTensor:
    def __init__(self, values):
        self._values = np.asarray(values, dtype=np.float32)

    def numpy(self):
        return self._values.copy()


t = EagerTensor([1.0, 2.0])
arr = t.numpy()
weights = torch.ones(2)
print(arr, weights.numpy())

# case: eager-tensor-next-to-grad-tensor
import numpy as np
import torch


class EagerTensor:
    def __init__(self, values):
        self._values = np.asarray(values, dtype=np.float32)

    def numpy(self):
        return self._values.copy()


tf_out = EagerTensor([1.0, 2.0]).numpy()
w = torch.ones(2, requires_grad=True)
torch_out = (w * 2).numpy()  # expect: DET101

# case: eager-tensor-from-factory-function
import numpy as np
import torch


class EagerTensor:
    def __init__(self, values):
        self._values = np.asarray(values, dtype=np.float32)

    def numpy(self):
        return self._values.copy()


def constant(values):
    return EagerTensor(values)


w = torch.ones(2, requires_grad=True)
arr = constant(w.detach().tolist()).numpy()
print(np.asarray(constant([3.0]).numpy()))

# case: eager-tensor-in-list
import numpy as np
import torch


class EagerTensor:
    def __init__(self, values):
        self._values = np.asarray(values, dtype=np.float32)

    def numpy(self):
        return self._values.copy()


batch = [EagerTensor([float(i)]) for i in range(3)]
arrays = [item.numpy() for item in batch]
stacked = np.stack(arrays)
print(stacked.shape, torch.from_numpy(stacked).shape)

# case: array-like-with-dunder-array
import numpy as np
import torch


class JaxLikeArray:
    def __init__(self, values):
        self._values = list(values)

    def __array__(self, dtype=None, copy=None):
        return np.array(self._values, dtype=dtype)


x = JaxLikeArray([1.0, 2.0, 3.0])
print(np.asarray(x), np.mean(x), torch.as_tensor(np.asarray(x)))

# case: numpy-arrays-through-numpy-functions
import numpy as np
import torch

x = np.zeros(3)
y = np.asarray(x) + np.array([1.0, 2.0, 3.0])
z = torch.from_numpy(y).float()
print(np.mean(y), np.copy(x), np.log10(y + 1), z.numpy())

# case: pandas-to-numpy-and-values
import pandas as pd
import torch

w = torch.ones(3, requires_grad=True)
frame = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
arr = frame["a"].to_numpy()
arr2 = frame.values
print(arr, arr2, (w * 2).detach().numpy())

# case: wrapper-whose-numpy-detaches
import torch


class Holder:
    def __init__(self, tensor):
        self.tensor = tensor

    def numpy(self):
        return self.tensor.detach().cpu().numpy()


w = torch.ones(3, requires_grad=True)
arr = Holder(w * 2).numpy()

# case: module-with-its-own-numpy-method
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def numpy(self):
        return {name: p.detach().numpy() for name, p in self.named_parameters()}


net = Net()
arrays = net.numpy()

# case: numpy-random-generator-values
import numpy as np
import torch

rng = np.random.default_rng(0)
samples = rng.normal(size=5)
t = torch.tensor(samples)
print(np.mean(samples), np.std(samples), t.numpy())

# case: file-without-torch
import numpy as np


class EagerTensor:
    def __init__(self, values):
        self._values = np.asarray(values, dtype=np.float32)

    def numpy(self):
        return self._values.copy()


def to_numpy(t):
    return t.numpy()


print(to_numpy(EagerTensor([1.0])), np.asarray(EagerTensor([2.0]).numpy()))
