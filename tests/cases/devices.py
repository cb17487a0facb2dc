# Tensors on an accelerator converted to NumPy without .cpu() (DET201), and the moves that are fine.
# The device oracle runs each case on a machine with a CUDA device (simulated where there is none).

# case: factory-told-cuda-converted
import torch

y = torch.zeros(3, device="cuda")
print(y.numpy())  # expect: DET201

# case: factory-told-cuda-moved-back-first
import torch

y = torch.zeros(3, device="cuda:0")
print(y.cpu().numpy())

# case: cuda-method-then-numpy
import torch

x = torch.rand(4).cuda()
total = (x * 2).numpy()  # expect: DET201

# case: device-chosen-at-run-time-then-converted
import torch

device = "cuda" if torch.cuda.is_available() else "cpu"
batch = torch.rand(2, 3).to(device)
print(batch.numpy())  # expect: DET201

# case: torch-device-object-chosen-at-run-time
import torch

device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
scores = torch.rand(5, device=device)
ranked = scores.argsort().numpy()  # expect: DET201

# case: model-moved-to-device-output-converted-under-no-grad
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Linear(3, 2)
model.to(device)
with torch.no_grad():
    out = model(torch.rand(4, 3, device=device))
predictions = out.numpy()  # expect: DET201

# case: model-moved-output-moved-back
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Linear(3, 2).to(device)
with torch.no_grad():
    predictions = model(torch.rand(4, 3).to(device)).argmax(1).cpu().numpy()

# case: grad-and-device-both-wrong
import torch
import torch.nn as nn

model = nn.Linear(3, 1).cuda()
output = model(torch.rand(2, 3).cuda())
values = output.numpy()  # expect: DET101, DET201

# case: grad-and-device-both-fixed
import torch
import torch.nn as nn

model = nn.Linear(3, 1).cuda()
output = model(torch.rand(2, 3).cuda())
values = output.detach().cpu().numpy()

# case: losses-on-device-averaged-with-numpy
import numpy as np
import torch
import torch.nn as nn

device = "cuda" if torch.cuda.is_available() else "cpu"
model = nn.Linear(3, 1).to(device)
losses = []
for step in range(3):
    loss = model(torch.rand(2, 3, device=device)).pow(2).mean()
    losses.append(loss.detach())
print(np.mean(losses))  # expect: DET201

# case: losses-on-device-stored-as-items
import numpy as np
import torch
import torch.nn as nn

device = "cuda" if torch.cuda.is_available() else "cpu"
model = nn.Linear(3, 1).to(device)
losses = []
for step in range(3):
    loss = model(torch.rand(2, 3, device=device)).pow(2).mean()
    losses.append(loss.item())
print(np.mean(losses))

# case: plot-of-device-tensor
import matplotlib.pyplot as plt
import torch

device = "cuda" if torch.cuda.is_available() else "cpu"
signal = torch.linspace(0, 1, 10).to(device)
plt.plot(signal)  # expect: DET201

# case: force-moves-to-host-by-itself
import torch

x = torch.rand(3).cuda()
print(x.numpy(force=True))

# case: item-and-tolist-need-no-move
import torch

x = torch.rand(3).cuda()
print(x.sum().item(), x.tolist())

# case: moved-to-device-of-another-tensor
import torch

anchor = torch.rand(3).cuda()
other = torch.ones(3).to(anchor.device)
print(other.numpy())  # expect: DET201

# case: moved-like-another-tensor
import torch

anchor = torch.rand(3).cuda()
other = torch.ones(3).to(anchor)
print(other.numpy())  # expect: DET201

# case: moved-to-cuda-then-to-cpu-by-string
import torch

x = torch.rand(3).to("cuda").to("cpu")
print(x.numpy())

# case: dtype-move-keeps-the-device
import torch

x = torch.rand(3).cuda().to(torch.float64)
print(x.numpy())  # expect: DET201

# case: helper-converts-a-device-tensor-it-is-handed
import torch


def to_numpy(t):
    return t.numpy()  # expect: DET103


x = torch.rand(3).cuda()
array = to_numpy(x)  # expect: DET201

# case: helper-moves-back-before-converting
import torch


def to_numpy(t):
    return t.detach().cpu().numpy()


x = torch.rand(3, requires_grad=True).cuda()
array = to_numpy(x)

# case: device-tensor-converted-inside-a-method
import torch
import torch.nn as nn


class Predictor:
    def __init__(self):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model = nn.Linear(3, 2).to(self.device)

    @torch.no_grad()
    def predict(self, x):
        return self.model(x.to(self.device)).numpy()  # expect: DET201


labels = Predictor().predict(torch.rand(4, 3))

# case: device-tensor-moved-back-inside-a-method
import torch
import torch.nn as nn


class Predictor:
    def __init__(self):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model = nn.Linear(3, 2).to(self.device)

    @torch.no_grad()
    def predict(self, x):
        return self.model(x.to(self.device)).cpu().numpy()


labels = Predictor().predict(torch.rand(4, 3))

# case: device-string-built-from-a-rank
import torch

rank = 0
x = torch.rand(3).to(f"cuda:{rank}")
print(x.numpy())  # expect: DET201

# case: evaluation-loop-collects-device-predictions
import numpy as np
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Linear(4, 3).to(device)
model.eval()
predictions = []
with torch.no_grad():
    for batch in [torch.rand(2, 4) for _ in range(3)]:
        predictions.append(model(batch.to(device)).argmax(1))
print(np.concatenate(predictions))  # expect: DET201

# case: evaluation-loop-moves-each-prediction-back
import numpy as np
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Linear(4, 3).to(device)
model.eval()
predictions = []
with torch.no_grad():
    for batch in [torch.rand(2, 4) for _ in range(3)]:
        predictions.append(model(batch.to(device)).argmax(1).cpu())
print(np.concatenate(predictions))

# case: device-only-on-the-taken-branch
import torch

use_gpu = True
x = torch.rand(3)
if use_gpu:
    x = x.cuda()
print(x.numpy())  # expect: DET201

# case: device-tensor-inside-a-function
import torch


def embed(words):
    table = torch.rand(10, 4, device="cuda")
    return table[words].numpy()  # expect: DET201


vectors = embed(torch.tensor([1, 2]))

# case: host-tensors-in-a-file-that-has-a-device
import torch

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
weights = torch.rand(3)
print(weights.numpy())

# case: helper-moves-its-arguments-to-the-host-first
import torch


def plot_boundary(X, y):
    X, y = X.to("cpu"), y.to("cpu")
    return X.numpy().sum() + y.numpy().sum()  # expect: DET103


device = "cuda" if torch.cuda.is_available() else "cpu"
points = torch.rand(4, 2).to(device)
labels = torch.ones(4).to(device)
total = plot_boundary(points, labels)

# case: method-moves-its-argument-to-the-host-then-computes
import torch


class Plotter:
    def values(self, t):
        return (t.cpu() * 2).numpy()  # expect: DET103


signal = torch.rand(5).cuda()
shown = Plotter().values(signal)

# case: helper-converts-what-a-loop-moved-to-the-device
import numpy as np
import torch


def summarise(batch):
    return np.asarray(batch).mean()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
means = []
for step in range(3):
    batch = torch.rand(2, 3).to(device)
    means.append(summarise(batch))  # expect: DET201

# case: dict-built-with-keywords-keeps-host-labels-apart
import numpy as np
import torch

device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
codes = dict(mu=list(), y=list())
for step in range(2):
    codes["mu"].append(torch.rand(3).to(device))
    codes["y"].append(torch.ones(3))
labels = np.concatenate(codes["y"])
means = np.concatenate(codes["mu"])  # expect: DET201

# case: conversion-on-the-path-without-an-accelerator
import numpy as np
import torch
import torch.nn as nn

train_on_gpu = torch.cuda.is_available()
model = nn.Linear(4, 3)
if train_on_gpu:
    model.cuda()
data = torch.rand(2, 4)
if train_on_gpu:
    data = data.cuda()
with torch.no_grad():
    pred = model(data).argmax(1)
correct = pred.numpy() if not train_on_gpu else pred.cpu().numpy()

# case: a-configured-gpu-flag-moves-in-the-constructor-and-guards-the-conversion
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn as nn


class Sampler:
    def __init__(self, config):
        self.gpu_mode = config.gpu_mode
        self.generator = nn.Linear(8, 4)
        self.noise = torch.rand(16, 8)
        if self.gpu_mode:
            self.generator.cuda()
            self.noise = self.noise.cuda()

    def samples(self):
        with torch.no_grad():
            drawn = self.generator(self.noise)
        if self.gpu_mode:
            return drawn.cpu().numpy()
        else:
            return drawn.numpy()


print(Sampler(SimpleNamespace(gpu_mode=torch.cuda.is_available())).samples().shape)

# case: a-flag-parameter-guards-both-the-move-and-the-conversion
import numpy as np
import torch
import torch.nn as nn


def predict(batches, use_cuda):
    net = nn.Linear(3, 2)
    if use_cuda:
        net = net.cuda()
    scores = []
    for batch in batches:
        if use_cuda:
            batch = batch.cuda()
        out = net(batch).detach()
        scores.append(out.cpu().numpy() if use_cuda else out.numpy())
    return np.concatenate(scores)


print(predict([torch.rand(2, 3)], torch.cuda.is_available()).shape)

# case: a-module-flag-guards-the-move-and-a-function-tests-it-negated
import sys

import numpy as np
import torch
import torch.nn as nn

CUDA = "--cuda" in sys.argv
encoder = nn.Linear(5, 2)
if CUDA:
    encoder.cuda()


def embed(x):
    if CUDA:
        x = x.cuda()
    with torch.no_grad():
        z = encoder(x)
    if not CUDA:
        return z.numpy()
    return z.cpu().numpy()


print(embed(torch.rand(1, 5)))

# case: a-gpu-flag-that-guarded-the-move-does-not-guard-the-conversion
import numpy as np
import torch
import torch.nn as nn


class Runner:
    def __init__(self, gpu_mode):
        self.gpu_mode = gpu_mode
        self.net = nn.Linear(8, 4)
        if self.gpu_mode:
            self.net.cuda()

    def scores(self, x):
        if self.gpu_mode:
            x = x.cuda()
        with torch.no_grad():
            out = self.net(x)
        if self.gpu_mode:
            print("on the accelerator")
        return out.numpy()  # expect: DET201


print(Runner(torch.cuda.is_available()).scores(torch.rand(2, 8)))

# case: the-conversion-on-the-path-where-the-gpu-flag-holds
import numpy as np
import torch
import torch.nn as nn


def evaluate(x, use_gpu):
    model = nn.Linear(3, 1)
    if use_gpu:
        model, x = model.cuda(), x.cuda()
    with torch.no_grad():
        y = model(x)
    if use_gpu:
        return y.numpy()  # expect: DET201
    return y.cpu().numpy()


print(evaluate(torch.rand(2, 3), torch.cuda.is_available()))

# case: moved-back-under-the-same-test-inside-a-function
import torch
import torch.nn as nn

use_cuda = torch.cuda.is_available()
net = nn.Linear(4, 3)
if use_cuda:
    net.cuda()


def predict(x):
    if use_cuda:
        x = x.cuda()
    p = net(x).data
    if use_cuda:
        p = p.cpu()
    return p.numpy()


print(predict(torch.rand(2, 4)))

# case: converted-where-the-accelerator-is-available
import torch

if torch.cuda.is_available():
    signal = torch.rand(3).cuda()
    print(signal.numpy())  # expect: DET201
else:
    signal = torch.rand(3)
    print(signal.numpy())

# case: moved-under-the-test-but-converted-after-it
import torch

use_gpu = torch.cuda.is_available()
x = torch.rand(3)
if use_gpu:
    x = x.cuda()
print(x.numpy())  # expect: DET201

# case: helper-given-a-host-scale-beside-a-device-model
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
net = nn.Linear(4, 3).to(device)


def scaled(x, scale):
    return (net(x.to(device)).detach() * scale).numpy()  # expect: DET103, DET201


def report(scale):
    return scaled(torch.rand(1, 4), scale)


print(report(torch.tensor(2.0)))

# case: squeeze-of-a-device-tensor-moved-back-after
import numpy as np
import torch

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
pred = torch.rand(4, 1).to(device)
correct = np.squeeze(pred > 0.5).cpu().numpy()

# case: squeeze-of-a-list-of-device-tensors-converts
import numpy as np
import torch

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
scores = [torch.rand(()).to(device) for _ in range(3)]
print(np.squeeze(scores))  # expect: DET201

# case: shape-of-a-helpers-parameter-reads-the-device-tensors-shape
import numpy as np
import torch


def reduce_gram(gram, inverse, index):
    n = np.shape(inverse)[0]
    keep = np.array([i != index for i in range(n)])
    return gram[keep][:, keep], inverse[keep][:, keep]


def sample(features):
    gram = torch.Tensor(features).cuda()
    return reduce_gram(gram, torch.inverse(gram), 0)

# case: squeeze-in-a-method-of-a-device-tensor-parameter-stays-a-tensor
import numpy as np
import torch


class Scorer:
    def top(self, scores):
        flat = np.squeeze(scores)
        return flat.argmax().item()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(Scorer().top(torch.rand(4, 1, device=device)))

# case: ndim-through-two-helpers-of-a-grad-tensor
import numpy as np
import torch


def rank(x):
    return np.ndim(x)


def describe(values):
    return f"rank {rank(values)}"


w = torch.ones(3, 2, requires_grad=True)
print(describe(w * 2))

# case: squeeze-of-a-helpers-list-parameter-converts-the-device-tensors
import numpy as np
import torch


def flatten(scores):
    return np.squeeze(scores)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(flatten([torch.rand(()).to(device) for _ in range(3)]))  # expect: DET201

# case: pipeline-moved-to-the-device-gives-what-it-gives
import numpy as np
import torch
from thirdparty.pipelines import ImagePipeline

device = "cuda" if torch.cuda.is_available() else "cpu"
pipe = ImagePipeline()
pipe.to(device)
image = pipe("a photo")[0]
pixels = np.array(image)  # expect: DET103

# case: zero-dim-loss-indexed-gives-nothing-to-plot
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

net = nn.Linear(4, 3).cuda()
loss_func = nn.CrossEntropyLoss()
history = []
for step in range(3):
    loss = loss_func(net(torch.rand(2, 4).cuda()), torch.tensor([0, 1]).cuda())
    try:
        history.append(loss.data[0])
    except IndexError:  # a 0-dim loss has no element 0 (it gave a float before torch 0.4)
        history.append(loss.item())
plt.plot(history)

# case: zero-dim-loss-or-none-returned-then-indexed-gives-nothing-to-plot
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

model = nn.Linear(4, 2).cuda()
buffer = list(range(10))


def td_loss(batch_size):
    if batch_size > len(buffer):
        return None
    q = model(torch.rand(batch_size, 4).cuda())
    return q.pow(2).mean()


losses = []
for size in (5, 20, 5):
    loss = td_loss(size)
    if loss is not None:
        try:
            losses.append(loss.data[0])
        except IndexError:  # a 0-dim loss has no element 0
            losses.append(loss.item())
plt.plot(losses)

# case: negated-mean-loss-indexed-gives-nothing-to-plot
import matplotlib.pyplot as plt
import torch

model = torch.nn.Linear(2, 3).cuda()


def compute_loss():
    dist = model(torch.ones(4, 2).cuda())
    return -(torch.ones(4, 3).cuda() * dist).sum(1).mean()


history = []
for _ in range(2):
    try:
        history.append(compute_loss().data[0])
    except IndexError:
        history.append(0.0)
plt.plot(history)

# case: sum-of-two-losses-scaled-and-indexed-in-a-method-gives-nothing-to-plot
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F


class Trainer:
    def __init__(self):
        self.net = torch.nn.Linear(3, 2).cuda()
        self.curve = []

    def step(self, x, y):
        out = self.net(x.cuda())
        loss = 0.5 * (F.mse_loss(out, y.cuda()) + F.l1_loss(out, y.cuda()))
        try:
            self.curve.append(loss.data[0])
        except IndexError:
            self.curve.append(float(loss))

    def show(self):
        plt.plot(self.curve)


trainer = Trainer()
trainer.step(torch.rand(4, 3), torch.rand(4, 2))
trainer.show()

# case: zero-dim-loss-broadcast-to-a-vector-then-indexed-keeps-a-device-tensor
import matplotlib.pyplot as plt
import torch

model = torch.nn.Linear(2, 3).cuda()
history = []
for _ in range(2):
    loss = model(torch.ones(4, 2).cuda()).mean()
    shifted = loss + torch.zeros(3).cuda()
    history.append(shifted.data[0])
plt.plot(history)  # expect: DET201

# case: zero-dim-functional-loss-indexed-inside-a-function
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

device = "cuda" if torch.cuda.is_available() else "cpu"


def step_losses(model, batches):
    found = []
    for x, y in batches:
        loss = F.mse_loss(model(x.to(device)), y.to(device))
        try:
            found.append(loss.detach()[0])
        except IndexError:
            found.append(float(loss))
    return found


model = torch.nn.Linear(3, 1).to(device)
plt.plot(step_losses(model, [(torch.rand(2, 3), torch.rand(2, 1))]))

# case: unreduced-loss-indexed-keeps-a-device-tensor
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

net = nn.Linear(4, 3).cuda()
per_sample = nn.CrossEntropyLoss(reduction="none")
history = []
for step in range(3):
    losses = per_sample(net(torch.rand(2, 4).cuda()), torch.tensor([0, 1]).cuda())
    history.append(losses.data[0])
plt.plot(history)  # expect: DET201

# case: gpu-outputs-copied-into-a-host-buffer-stay-on-the-host
# An item write copies into the target tensor, which stays where it is.
import torch
import torch.nn as nn

layer = nn.Linear(4, 4).cuda()
buffer = torch.zeros(3, 4)
with torch.no_grad():
    for i in range(3):
        buffer[i, :] = layer(torch.rand(4, device="cuda"))
print(buffer.numpy())

# case: attention-rows-written-into-a-host-matrix-by-a-method
import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.Linear(5, 5)

    @torch.no_grad()
    def attentions(self, steps):
        grid = torch.zeros(steps, 5)
        for step in range(steps):
            grid[step] = torch.softmax(self.attn(torch.rand(5, device="cuda")), dim=0).data
        return grid


decoder = Decoder().cuda()
print(decoder.attentions(3).numpy())

# case: host-buffer-filled-from-gpu-then-moved-to-gpu-is-on-the-gpu
import torch

results = torch.zeros(2, 2)
results[0] = torch.ones(2, device="cuda")
results = results.cuda()
print(results.numpy())  # expect: DET201

# case: legacy-tensor-constructor-moved-to-the-device-then-plotted
import matplotlib.pyplot as plt
import torch

device = torch.device("cuda")
samples = torch.Tensor(16, 4).to(device)
for i in range(16):
    samples[i] = i / 15
plt.plot(samples.pow(2).sum(dim=1), "-o")  # expect: DET201

# case: legacy-float-tensor-constructor-never-requires-grad
import numpy as np
import torch

weights = torch.FloatTensor(3, 2)
weights.uniform_(-1, 1)
print(np.asarray(weights * 2))

# case: helper-of-a-star-import-returns-a-number-of-a-gpu-tensor
import numpy as np
import torch
from numpy import *
from statistics import *


def spread(values):
    return np.nan_to_num(fmean(values))


x = torch.rand(4).cuda()
print(spread(x))

# case: method-converts-what-a-star-imported-helper-returns-for-gpu-labels
import numpy as np
import torch
from numpy import *
from statistics import *


class Evaluator:
    def __init__(self):
        self.scores = []

    def score(self, labels):
        self.scores.append(np.round(fmean(labels), 3))


evaluator = Evaluator()
for _ in range(2):
    evaluator.score(torch.rand(8).cuda())

# case: a-size-read-from-a-model-on-the-accelerator-is-no-tensor-there
# StyleGAN's projector: the generator is moved to the GPU and handed to a function that reads
# its latent size (G.z_dim, a name no table knows) as an argument of a NumPy generator.
import types

import numpy as np
import torch
from torch import nn


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.z_dim = 4
        self.mapping = nn.Linear(4, 8)


def project(G, samples, device):
    z = np.random.RandomState(123).randn(samples, G.z_dim)
    with torch.no_grad():
        w = G.mapping(torch.from_numpy(z).float().to(device))
    return w.cpu().numpy().mean(axis=0)


checkpoint = types.SimpleNamespace(networks={"G_ema": Generator()})  # what a pickle loader gives
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
G = checkpoint.networks["G_ema"].requires_grad_(False).to(device)
print(project(G, 16, device).shape)

# case: an-is-cuda-test-keeps-the-host-branch-clean
# Where x.is_cuda fails there is no accelerator in use: the branch converts without .cpu().
import numpy as np
import torch
from torch import nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
net = nn.Linear(2, 1).to(device)
x = torch.rand(5, 2).to(device)
with torch.no_grad():
    prediction = net(x)
if x.is_cuda:
    shown = prediction.cpu().numpy()
else:
    shown = prediction.numpy()


def predict(batch):
    with torch.no_grad():
        out = net(batch.to(device))
    if out.is_cuda:
        return out.cpu().numpy()
    return out.numpy()


print(shown.shape, predict(torch.rand(3, 2)).shape)
print(np.asarray(prediction))  # expect: DET201
