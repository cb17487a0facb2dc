# PyTorch facts the checker takes from the table derived by running torch (issue 13):
# distributions, random sampling, functional transforms, pruning and parametrizations,
# packed sequences, checkpointing, gradient clipping, serialization, torch.func, tuple results
# and the members of nn module classes.

# case: distribution-rsample-of-grad-loc
import torch
from torch.distributions import Normal

loc = torch.zeros(3, requires_grad=True)
dist = Normal(loc, torch.ones(3))
draw = dist.rsample().numpy()  # expect: DET101

# case: distribution-sample-of-grad-loc
import torch
from torch.distributions import Normal

loc = torch.zeros(3, requires_grad=True)
dist = Normal(loc, torch.ones(3))
draw = dist.sample().numpy()

# case: distribution-log-prob-of-grad-scale
import numpy as np
import torch
import torch.distributions as D

scale = torch.ones(3, requires_grad=True)
dist = D.Normal(torch.zeros(3), scale)
values = np.asarray(dist.log_prob(torch.zeros(3)))  # expect: DET102

# case: distribution-batch-shape-is-not-a-tensor
import numpy as np
import torch
from torch.distributions import Normal

loc = torch.zeros(3, requires_grad=True)
dist = Normal(loc, torch.ones(3))
shape = np.array(dist.batch_shape)

# case: distribution-mean-of-grad-loc
import numpy as np
import torch
from torch.distributions.normal import Normal

loc = torch.zeros(3, requires_grad=True)
mean = np.asarray(Normal(loc, torch.ones(3)).mean)  # expect: DET102

# case: categorical-sample-of-model-logits
import torch
import torch.nn as nn
from torch.distributions import Categorical

policy = nn.Linear(4, 3)
dist = Categorical(logits=policy(torch.randn(2, 4)))
actions = dist.sample().numpy()
entropy = dist.entropy().numpy()  # expect: DET101

# case: multinomial-of-grad-probabilities
import torch

probs = torch.rand(4, requires_grad=True)
picked = torch.multinomial(probs, 2).numpy()

# case: bernoulli-of-grad-probabilities
import torch

probs = torch.rand(4, requires_grad=True)
coins = torch.bernoulli(probs).numpy()  # expect: DET101

# case: normal-with-grad-mean
import torch

mean = torch.zeros(4, requires_grad=True)
noise = torch.normal(mean, 1.0).numpy()  # expect: DET101

# case: normal-with-plain-numbers
import torch

noise = torch.normal(0.0, 1.0, size=(4,)).numpy()

# case: normal-with-requires-grad-keyword
import torch

noise = torch.normal(0.0, 1.0, size=(4,), requires_grad=True).numpy()  # expect: DET101

# case: randn-like-of-grad-tensor
import torch

x = torch.rand(4, requires_grad=True)
noise = torch.randn_like(x).numpy()

# case: autograd-functional-jacobian
import torch
from torch.autograd.functional import jacobian

x = torch.rand(3, requires_grad=True)
jac = jacobian(lambda t: t * 2, x).numpy()

# case: autograd-functional-hessian-then-grad-input
import torch
import torch.autograd.functional as AF

x = torch.rand(3, requires_grad=True)
hess = AF.hessian(lambda t: (t ** 3).sum(), x).numpy()
back = (x * 2).numpy()  # expect: DET101

# case: prune-mask-and-original
import torch.nn as nn
import torch.nn.utils.prune as prune

layer = nn.Linear(4, 2)
prune.l1_unstructured(layer, "weight", amount=0.5)
mask = layer.weight_mask.numpy()
original = layer.weight_orig.numpy()  # expect: DET101

# case: prune-returns-the-module
import torch.nn as nn
from torch.nn.utils import prune

pruned = prune.random_unstructured(nn.Linear(4, 2), "weight", amount=0.5)
weights = pruned.weight.numpy()  # expect: DET101

# case: prune-returns-the-module-detached
import torch.nn as nn
from torch.nn.utils import prune

pruned = prune.random_unstructured(nn.Linear(4, 2), "weight", amount=0.5)
weights = pruned.weight.detach().numpy()
mask = pruned.weight_mask.numpy()

# case: weight-norm-parametrization
import torch.nn as nn
from torch.nn.utils.parametrizations import weight_norm

layer = weight_norm(nn.Linear(4, 2))
weights = layer.weight.numpy()  # expect: DET101

# case: pad-packed-sequence-lengths
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

lstm = nn.LSTM(1, 2, batch_first=True)
packed = pack_padded_sequence(torch.rand(2, 3, 1), torch.tensor([3, 2]), batch_first=True)
output, _ = lstm(packed)
padded, lengths = pad_packed_sequence(output, batch_first=True)
sizes = lengths.numpy()
values = padded.numpy()  # expect: DET101

# case: packed-sequence-fields
import torch
from torch.nn.utils.rnn import pack_padded_sequence

x = torch.rand(2, 3, 1, requires_grad=True)
packed = pack_padded_sequence(x, torch.tensor([3, 2]), batch_first=True)
batch_sizes = packed.batch_sizes.numpy()
data = packed.data.numpy()  # expect: DET101

# case: checkpoint-of-a-layer
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

layer = nn.Linear(4, 2)
out = checkpoint(layer, torch.rand(3, 4), use_reentrant=False)
arr = out.numpy()  # expect: DET101

# case: checkpoint-under-no-grad
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

layer = nn.Linear(4, 2)
with torch.no_grad():
    out = checkpoint(layer, torch.rand(3, 4), use_reentrant=False)
arr = out.numpy()

# case: clip-grad-norm-returns-plain-tensor
import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
model(torch.rand(3, 4)).sum().backward()
norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
print(np.asarray(norm))

# case: parameters-to-vector-of-a-layer
import torch.nn as nn
from torch.nn.utils import parameters_to_vector

model = nn.Linear(4, 2)
flat = parameters_to_vector(model.parameters()).numpy()  # expect: DET101

# case: torch-load-of-state-dict
import io

import torch
import torch.nn as nn

buffer = io.BytesIO()
torch.save(nn.Linear(4, 2).state_dict(), buffer)
buffer.seek(0)
state = torch.load(buffer)
weights = state["weight"].numpy()  # expect: DET103

# case: torch-load-of-plain-tensor
import io

import torch

buffer = io.BytesIO()
torch.save(torch.rand(3), buffer)
buffer.seek(0)
loaded = torch.load(buffer).numpy()  # expect: DET103

# case: func-functional-call-with-parameters
import torch
import torch.nn as nn
from torch.func import functional_call

model = nn.Linear(4, 2)
params = dict(model.named_parameters())
out = functional_call(model, params, (torch.rand(3, 4),)).numpy()  # expect: DET101

# case: func-functional-call-with-detached-parameters
import torch
import torch.nn as nn
from torch.func import functional_call

model = nn.Linear(4, 2)
params = {name: p.detach() for name, p in model.named_parameters()}
out = functional_call(model, params, (torch.rand(3, 4),)).numpy()

# case: lu-factor-pivots
import torch

a = torch.rand(3, 3, requires_grad=True)
lu, pivots = torch.linalg.lu_factor(a)
order = pivots.numpy()
factors = lu.numpy()  # expect: DET101

# case: frexp-fields
import torch

x = torch.rand(3, requires_grad=True)
parts = torch.frexp(x)
exponent = parts.exponent.numpy()
mantissa = parts.mantissa.numpy()  # expect: DET101

# case: lstm-weight-by-name
import torch.nn as nn

lstm = nn.LSTM(4, 8)
weights = lstm.weight_ih_l0.numpy()  # expect: DET101

# case: multihead-attention-projection
import torch.nn as nn

attention = nn.MultiheadAttention(8, 2)
projection = attention.out_proj.weight.numpy()  # expect: DET101

# case: batch-norm-buffers-and-parameters
import torch.nn as nn

norm = nn.BatchNorm1d(4)
statistics = norm.running_var.numpy()
scale = norm.weight.numpy()  # expect: DET101

# case: parameterless-module-of-plain-input
import torch
import torch.nn as nn

pool = nn.AdaptiveMaxPool1d(2)
out = pool(torch.rand(1, 3, 4)).numpy()

# case: integer-tensor-method
import torch

x = torch.rand(4, requires_grad=True)
signs = x.signbit().numpy()
grown = x.exp2().numpy()  # expect: DET101

# case: view-function-of-a-parameter-is-undecided
import torch


def channels_last(images):
    return torch.movedim(images, 1, -1).numpy()  # expect: DET103


channels_last(torch.rand(2, 3, 4))

# case: as-tensor-of-a-parameter-holding-data
import numpy as np
import torch


def stacked_points(annotation):
    points = torch.as_tensor(annotation["x"])
    return np.stack((points, points))


stacked_points({"x": [1.0, 2.0]})

# case: helper-reads-the-configuration-of-the-module-it-is-given
import numpy as np
import torch.nn as nn


def fan_out_std(m):
    fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
    return np.sqrt(2.0 / fan_out)


std = fan_out_std(nn.Conv2d(3, 8, 3))

# case: module-loop-reads-configuration-in-init
import numpy as np
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8, 2)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.data.normal_(0, np.sqrt(2.0 / (m.kernel_size[0] * m.out_channels)))
            elif isinstance(m, nn.Linear):
                m.bias.data.fill_(float(np.sqrt(1.0 / m.in_features)))


Net()

# case: init-callback-applied-to-a-model-reads-configuration
import numpy as np
import torch
import torch.nn as nn


def init(m):
    if isinstance(m, nn.Linear):
        bound = 1 / np.sqrt(m.in_features)
        torch.nn.init.uniform_(m.weight, -bound, bound)


model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))
model.apply(init)

# case: helper-converts-the-weight-of-the-module-it-is-given
import numpy as np
import torch.nn as nn


def weight_norm(m):
    return np.linalg.norm(m.weight) / np.sqrt(m.in_features)  # expect: DET103


weight_norm(nn.Linear(4, 2))  # expect: DET102

# case: data-parallel-wrapping-a-model-of-the-file
# nn.DataParallel(model) runs the model it wraps (on a machine without GPUs, directly).
import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 1)

    def forward(self, x):
        return self.fc(x)


model = Net()
model = torch.nn.DataParallel(model)
print(model(torch.ones(1, 2)).numpy())  # expect: DET101

# case: data-parallel-wrapping-a-layer-built-in-a-function
# Wrapped where it is built, then used by an evaluation helper.
import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DataParallel


def build():
    return DataParallel(nn.Sequential(nn.Linear(3, 2), nn.ReLU()))


def predict(model, x):
    return np.asarray(model(x))


print(predict(build(), torch.ones(2, 3)))  # expect: DET102

# case: data-parallel-wrapping-a-frozen-model
# The wrapped model's parameters are frozen: its output requires no grad.
import torch

model = torch.nn.DataParallel(torch.nn.Linear(2, 1).requires_grad_(False))
print(model(torch.ones(1, 2)).numpy())

# case: functional-call-with-detached-parameters-stays-clean
import torch
from torch.func import functional_call

model = torch.nn.Linear(3, 1)
frozen = {name: p.detach() for name, p in model.named_parameters()}
print(functional_call(model, frozen, (torch.randn(2, 3),)).numpy())

# case: functional-call-with-the-live-parameters
import torch
from torch.func import functional_call

model = torch.nn.Linear(3, 1)
live = dict(model.named_parameters())
print(functional_call(model, live, (torch.randn(2, 3),)).numpy())  # expect: DET101

# case: per-example-gradients-of-a-closure-over-detached-parameters-stay-clean
import numpy as np
import torch
import torch.nn.functional as F
from torch.func import functional_call, grad, vmap


def make_loss(model):
    def loss(params, x, y):
        return F.mse_loss(functional_call(model, params, (x[None],)), y[None])
    return loss


model = torch.nn.Linear(3, 1)
params = {k: v.detach() for k, v in model.named_parameters()}
grads = vmap(grad(make_loss(model)), in_dims=(None, 0, 0))(params, torch.randn(4, 3), torch.randn(4, 1))
print(np.quantile(torch.cat([g.reshape(4, -1) for g in grads.values()], 1).norm(dim=1).numpy(), 0.9))
