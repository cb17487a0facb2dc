# Programs where an unsafe fix really changes what the program does (so calling it safe fails
# the fix oracle), each beside a near miss.  The demonstrations are ordinary cases: their labels
# are checked by the run-time oracle like every other.

# case: container-whose-other-users-want-the-graph
# Detaching where the losses enter the list fixes np.mean, and breaks the backward pass below.
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
losses = []
for step in range(3):
    losses.append(((w - step) ** 2).mean())
print(np.mean(losses))  # expect: DET102
total = torch.stack(losses).sum()
total.backward()
gradient = w.grad

# case: container-converted-per-item-keeps-the-graph
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
losses = []
for step in range(3):
    losses.append(((w - step) ** 2).mean())
print(np.mean([loss.item() for loss in losses]))
total = torch.stack(losses).sum()
total.backward()
gradient = w.grad

# case: model-guessed-from-use-is-another-librarys
# m.eval() makes m look like a torch module; here one of them is not, and has no .detach().
import numpy as np
import torch
import torch.nn as nn


class Scores:
    def __init__(self, array):
        self.array = array

    def numpy(self):
        return self.array


class OtherLibraryModel:
    def eval(self):
        return self

    def __call__(self, x):
        return Scores(np.asarray(x).sum(axis=1))


models = []
models.append(OtherLibraryModel())
models.append(nn.Linear(3, 1))
x = torch.rand(2, 3)
outputs = []
for model in models:
    model.eval()
    outputs.append(model(x).numpy())  # expect: DET101

# case: models-of-two-libraries-in-a-list-one-with-its-own-numpy
# A loop runs once per model: the torch layer's output needs .detach(), the other's has none.
import copy

import numpy as np
import torch
import torch.nn as nn


class Scores:
    def __init__(self, array):
        self.array = array

    def numpy(self):
        return self.array


class OtherLibraryModel:
    def __call__(self, x):
        return Scores(np.asarray(x).sum(axis=1))


models = copy.deepcopy([OtherLibraryModel(), nn.Linear(3, 1)])
x = torch.rand(2, 3)
outputs = [model(x).numpy() for model in models]  # expect: DET101

# case: model-guessed-from-use-under-no-grad
import pickle

import torch
import torch.nn as nn

model = pickle.loads(pickle.dumps(nn.Linear(3, 1)))
model.eval()
with torch.no_grad():
    scores = model(torch.rand(2, 3)).numpy()

# case: helper-returns-what-it-converts
# Detaching the argument fixes the print, and cuts the graph of what the helper returns.
import torch


def logged(t):
    print(t.numpy())  # expect: DET103
    return t * 2


w = torch.rand(3, requires_grad=True)
y = logged(w)  # expect: DET101
y.sum().backward()
gradient = w.grad

# case: helper-returns-what-it-converts-detached-inside
import torch


def logged(t):
    print(t.detach().numpy())
    return t * 2


w = torch.rand(3, requires_grad=True)
y = logged(w)
y.sum().backward()
gradient = w.grad

# case: undecided-receiver-is-another-librarys-tensor
# The helper is given torch tensors and another library's tensors, which have .numpy() but no .detach().
import numpy as np
import torch


class OtherTensor:
    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float32)

    def __sub__(self, other):
        return OtherTensor(self.values - other.values)

    def numpy(self):
        return self.values


def rmse(pred, target):
    return float(np.sqrt(np.mean((pred - target).numpy() ** 2)))  # expect: DET103


other_error = rmse(OtherTensor([1.0, 2.0]), OtherTensor([1.5, 2.5]))
torch_error = rmse(torch.tensor([1.0, 2.0]), torch.tensor([1.5, 2.5]))

# case: dict-whose-other-users-want-the-graph
# Detaching where the curves enter the dict fixes the table, and breaks the backward pass below.
import pandas as pd
import torch

w = torch.rand(3, requires_grad=True)
curves = {"double": w * 2, "shifted": w + 1}
table = pd.DataFrame(curves)  # expect: DET102
curves["double"].sum().backward()
gradient = w.grad

# case: list-with-an-entry-that-is-no-tensor
# The list is converted as [t.detach() for t in values]: a float in it has no .detach().
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
values = [((w - 1) ** 2).mean(), 0.5]
print(np.mean(values))  # expect: DET102

# case: helper-fixed-inside-serves-other-callers
# Detaching inside evaluate() fixes the call with the model, and breaks the call with a NumPy function.
import numpy as np
import torch
import torch.nn as nn


def evaluate(model, x):
    return np.asarray(model(x))


net = nn.Linear(3, 2)
scores = evaluate(net, torch.randn(4, 3))  # expect: DET102
reference = evaluate(np.tanh, np.ones(3))

# case: helper-returns-its-argument-inside-a-tuple
# Detaching the argument fixes the conversion, and cuts the graph of the tensor handed back.
import torch


def logged(t):
    return t.numpy(), t * 2  # expect: DET103


w = torch.rand(3, requires_grad=True)
array, doubled = logged(w)  # expect: DET101
doubled.sum().backward()
gradient = w.grad
