# Implicit conversions: NumPy functions that call Tensor.__array__ (which calls .numpy()).

# case: np-array-of-grad-tensor
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
arr = np.array(w)  # expect: DET102

# case: np-array-of-detached-tensor
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
arr = np.array(w.detach())

# case: np-asarray-of-grad-result
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
arr = np.asarray(w * 2)  # expect: DET102

# case: np-asarray-with-dtype
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
arr = np.asarray(w, dtype=np.float32)  # expect: DET102

# case: np-asarray-of-plain-tensor
import numpy as np
import torch

x = torch.randn(3)
arr = np.asarray(x * 2, dtype=np.float32)
print(arr)

# case: np-float32-of-element
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
value = np.float32(w[0])  # expect: DET102

# case: np-float32-of-item
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
value = np.float32(w[0].item())

# case: np-float64-of-scalar-loss-only-warns
# np.float64 subclasses Python float: it calls Tensor.__float__, which only warns.
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
loss = (w ** 2).sum()
value = np.float64(loss)
print(value)

# case: np-float64-of-grad-vector
# With more than one element there is no float() to fall back on: np.float64 goes through __array__.
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
values = np.float64(w * 2)  # expect: DET102

# case: np-float32-of-scalar-loss
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
loss = (w ** 2).sum()
value = np.float32(loss)  # expect: DET102

# case: np-sum-of-loss-list-literal
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
loss1 = (w * 2).sum()
loss2 = (w ** 2).sum()
total = np.sum([loss1, loss2])  # expect: DET102

# case: np-sum-of-loss-items
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
loss1 = (w * 2).sum()
loss2 = (w ** 2).sum()
total = np.sum([loss1.item(), loss2.item()])

# case: np-log10-of-loss
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
loss = (w ** 2).sum() + 1
log_loss = np.log10(loss)  # expect: DET102

# case: np-log10-of-loss-item
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
loss = (w ** 2).sum() + 1
log_loss = np.log10(loss.item())

# case: np-copy-of-parameter-like
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
snapshot = np.copy(w)  # expect: DET102

# case: np-copy-of-data
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
snapshot = np.copy(w.data)

# case: np-exp-ufunc
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
y = np.exp(w - 1)  # expect: DET102

# case: np-concatenate-list-of-tensors
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
joined = np.concatenate([w, w * 2])  # expect: DET102

# case: np-concatenate-detached
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
joined = np.concatenate([w.detach(), (w * 2).detach()])

# case: np-stack-of-outputs
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
stacked = np.stack([torch.sigmoid(w), torch.tanh(w)])  # expect: DET102

# case: np-clip-of-grad
import numpy as np
import torch

w = torch.randn(4, requires_grad=True)
clipped = np.clip(w, -1.0, 1.0)  # expect: DET102

# case: np-argmax-of-grad-tensor-still-converts
import numpy as np
import torch

w = torch.randn(4, requires_grad=True)
best = np.argmax(w * 2)  # expect: DET102

# case: np-argmax-of-torch-argmax-input
import numpy as np
import torch

w = torch.randn(2, 4, requires_grad=True)
labels = (w * 2).argmax(dim=1)
counts = np.bincount(labels, minlength=4)

# case: np-isnan-of-loss
import numpy as np
import torch

w = torch.randn(4, requires_grad=True)
loss = (w ** 2).mean()
if np.isnan(loss):  # expect: DET102
    print("diverged")

# case: torch-isnan-of-loss
import torch

w = torch.randn(4, requires_grad=True)
loss = (w ** 2).mean()
if torch.isnan(loss):
    print("diverged")

# case: np-allclose-against-reference
import numpy as np
import torch

w = torch.ones(3, requires_grad=True)
out = w * 2
assert np.allclose(out, np.full(3, 2.0))  # expect: DET102

# case: np-allclose-detached
import numpy as np
import torch

w = torch.ones(3, requires_grad=True)
out = w * 2
assert np.allclose(out.detach(), np.full(3, 2.0))

# case: np-testing-assert-allclose
import numpy as np
import torch

w = torch.ones(3, requires_grad=True)
out = w * 2
np.testing.assert_allclose(out, np.full(3, 2.0))  # expect: DET102

# case: np-linalg-norm
import numpy as np
import torch

w = torch.ones(3, requires_grad=True)
size = np.linalg.norm(w * 3)  # expect: DET102

# case: np-zeros-like-of-grad
import numpy as np
import torch

w = torch.ones(3, requires_grad=True)
buffer = np.zeros_like(w)  # expect: DET102

# case: np-zeros-of-shape-only
import numpy as np
import torch

w = torch.ones(3, requires_grad=True)
buffer = np.zeros(w.shape)
other = np.empty(tuple(w.size()))
print(np.shape(w), np.ndim(w), buffer.shape, other.shape)

# case: np-histogram-of-weights
import numpy as np
import torch

w = torch.randn(100, requires_grad=True)
counts, edges = np.histogram(w, bins=10)  # expect: DET102

# case: np-percentile-of-scores
import numpy as np
import torch

w = torch.randn(10, requires_grad=True)
scores = torch.sigmoid(w)
p90 = np.percentile(scores, 90)  # expect: DET102

# case: np-percentile-of-detached-scores
import numpy as np
import torch

w = torch.randn(10, requires_grad=True)
scores = torch.sigmoid(w).detach()
p90 = np.percentile(scores, 90)

# case: np-savetxt-of-tensor
import io

import numpy as np
import torch

w = torch.randn(2, 3, requires_grad=True)
buffer = io.StringIO()
np.savetxt(buffer, w * 1.5)  # expect: DET102

# case: np-savetxt-of-detached
import io

import numpy as np
import torch

w = torch.randn(2, 3, requires_grad=True)
buffer = io.StringIO()
np.savetxt(buffer, (w * 1.5).detach().numpy())

# case: np-where-with-tensor-branch
import numpy as np
import torch

w = torch.randn(4, requires_grad=True)
out = np.where(np.ones(4) > 0, w, 0.0)  # expect: DET102

# case: np-multiline-call-start-line
import numpy as np
import torch

w = torch.randn(4, requires_grad=True)
total = np.sum(  # expect: DET102
    [
        (w * 2).sum(),
        (w * 3).sum(),
    ]
)

# case: a-numpy-generator-samples-actions-from-a-policy-output
# The generator's methods take array-likes: rng.choice(n, p=probs) converts the probabilities.
import numpy as np
import torch
from torch import nn


class Agent:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.policy = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=-1)).double()

    def act(self, observation):
        probs = self.policy(torch.as_tensor(observation))
        return self.rng.choice(len(probs), p=probs)  # expect: DET102

    def act_greedy(self, observation):
        with torch.no_grad():
            probs = self.policy(torch.as_tensor(observation))
        return self.rng.choice(len(probs), p=probs / probs.sum())


agent = Agent(0)
print(agent.act_greedy(np.ones(4)))
print(agent.act(np.zeros(4)))

# case: a-legacy-random-state-shuffles-detached-losses
import numpy as np
import torch

state = np.random.RandomState(0)
weights = torch.ones(4, requires_grad=True)
losses = weights * 2
print(state.permutation(losses.detach()), state.normal(size=2).shape)
print(state.permutation(losses))  # expect: DET102

# case: np-mean-of-one-tensor-fails-before-converting
# np.mean(t) calls t.mean(axis=None, dtype=None, out=None), which torch refuses (TypeError):
# no conversion, requiring grad or not; detaching would not help, so there is nothing to report
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
try:
    print(np.mean(w * 2))
except TypeError as error:
    print("np.mean handed the tensor to Tensor.mean:", error)

# case: np-sum-with-an-axis-in-a-helper-given-a-model-output
import numpy as np
import torch
from torch import nn


def column_totals(batch):
    try:
        return np.sum(batch["scores"], axis=0)
    except TypeError:
        return None


net = nn.Linear(4, 2)
print(column_totals({"scores": net(torch.randn(3, 4)), "ids": [1, 2, 3]}))

# case: np-max-of-a-list-of-losses-in-a-method-converts
import numpy as np
import torch
from torch import nn


class Tracker:
    def __init__(self, model):
        self.model = model
        self.losses = []

    def step(self, x):
        self.losses.append(self.model(x).pow(2).mean())

    def worst(self):
        return np.max(self.losses)  # expect: DET102


tracker = Tracker(nn.Linear(3, 1))
for _ in range(3):
    tracker.step(torch.randn(4, 3))
print(tracker.worst())

# case: np-var-of-a-parameter-in-a-loop-fails-before-converting
import numpy as np
from torch import nn

model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
for name, parameter in model.named_parameters():
    try:
        print(name, np.var(parameter))
    except TypeError:
        print(name, parameter.detach().var().item())

# case: star-import-from-pylab-makes-sum-numpy-s-in-an-optimizer-closure
from pylab import *
import torch
from torch import nn, optim

net = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 2))
image = torch.randn(1, 4, requires_grad=True)
optimizer = optim.LBFGS([image])
weights = [1.0, 0.5]


history = []


def closure():
    optimizer.zero_grad()
    outputs = [net(image), net(image * 2)]
    layer_losses = [weights[i] * out.pow(2).mean() for i, out in enumerate(outputs)]
    loss = layer_losses[0] + layer_losses[1]
    loss.backward()
    history.append(sum(layer_losses))  # expect: DET102
    return loss


optimizer.step(closure)

# case: star-import-from-numpy-makes-max-numpy-s-over-a-list-of-losses
from numpy import *
import torch
from torch import nn

model = nn.Linear(3, 1)
losses = []
for _ in range(3):
    losses.append(model(torch.randn(4, 3)).pow(2).mean())
print("worst", max(losses))  # expect: DET102

# case: star-import-from-numpy-over-floats-stays-clean
from numpy import *
import torch
from torch import nn

model = nn.Linear(3, 1)
losses = []
for _ in range(3):
    losses.append(model(torch.randn(4, 3)).pow(2).mean().item())
print("worst", max(losses), "total", sum(losses), "mean", mean(losses))
