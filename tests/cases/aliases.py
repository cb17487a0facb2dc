# Import aliases: the same programs with torch, numpy and their members under other names.

# case: torch-as-t
import torch as T

w = T.rand(3, requires_grad=True)
arr = w.numpy()  # expect: DET101

# case: torch-as-t-no-grad
import torch as T

w = T.rand(3, requires_grad=True)
with T.no_grad():
    arr = w.numpy()

# case: from-torch-import-no-grad
from torch import no_grad, rand

w = rand(3, requires_grad=True)
with no_grad():
    arr = w.numpy()

# case: from-torch-import-no-grad-used-as-decorator
from torch import no_grad, rand

w = rand(3, requires_grad=True)


@no_grad()
def snapshot():
    return w.numpy()


arr = snapshot()

# case: from-torch-import-enable-grad
from torch import enable_grad, no_grad, rand

w = rand(3, requires_grad=True)
with no_grad():
    with enable_grad():
        arr = w.numpy()  # expect: DET101

# case: from-torch-import-nn
import torch
from torch import nn

layer = nn.Linear(3, 2)
arr = layer(torch.ones(1, 3)).numpy()  # expect: DET101

# case: from-torch-nn-import-linear
import torch
from torch.nn import Linear, Parameter

layer = Linear(3, 2)
scale = Parameter(torch.ones(1))
with torch.no_grad():
    arr = (layer(torch.ones(1, 3)) * scale).numpy()

# case: from-torch-nn-import-parameter
import torch
from torch.nn import Parameter

scale = Parameter(torch.ones(1))
arr = (scale * 2).numpy()  # expect: DET101

# case: numpy-as-onp
import numpy as onp
import torch

w = torch.rand(3, requires_grad=True)
arr = onp.asarray(w)  # expect: DET102

# case: numpy-as-onp-detached
import numpy as onp
import torch

w = torch.rand(3, requires_grad=True)
arr = onp.asarray(w.detach())

# case: from-numpy-import-mean
from numpy import mean

import torch

w = torch.rand(3, requires_grad=True)
losses = [(w * i).sum() for i in range(3)]
avg = mean(losses)  # expect: DET102

# case: from-numpy-import-mean-items
from numpy import mean

import torch

w = torch.rand(3, requires_grad=True)
losses = [(w * i).sum().item() for i in range(3)]
avg = mean(losses)

# case: functional-as-f
import torch
import torch.nn.functional as F

w = torch.rand(2, 3, requires_grad=True)
probs = F.softmax(w, dim=1)
arr = probs.numpy()  # expect: DET101

# case: functional-as-f-argmax
import torch
import torch.nn.functional as F

w = torch.rand(2, 3, requires_grad=True)
probs = F.softmax(w, dim=1)
arr = probs.argmax(dim=1).numpy()

# case: torch-nn-functional-imported-directly
import torch
from torch.nn.functional import sigmoid

w = torch.rand(3, requires_grad=True)
arr = sigmoid(w).numpy()  # expect: DET101

# case: matplotlib-pyplot-as-other-name
import matplotlib.pyplot as pyplot
import torch

w = torch.rand(3, requires_grad=True)
pyplot.plot(w * 2)  # expect: DET102

# case: from-matplotlib-import-pyplot
from matplotlib import pyplot as plt

import torch

w = torch.rand(3, requires_grad=True)
plt.plot((w * 2).detach())

# case: torch-imported-inside-function
def run():
    import torch

    w = torch.rand(3, requires_grad=True)
    return w.numpy()  # expect: DET101


arr = run()

# case: autograd-grad-mode-imported-names
import torch
from torch.autograd import grad_mode

w = torch.rand(3, requires_grad=True)
with grad_mode.no_grad():
    arr = w.numpy()

# case: set-grad-enabled-imported
import torch
from torch import set_grad_enabled

w = torch.rand(3, requires_grad=True)
with set_grad_enabled(False):
    arr = w.numpy()

# case: torch-as-t-helper-parameter
import torch as T


def weights_of(layer):
    return layer.weight.numpy()  # expect: DET103


frozen = T.nn.Linear(2, 2).requires_grad_(False)
print(weights_of(frozen).shape)
