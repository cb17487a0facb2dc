# Flow: branches, loops, try, walrus, comprehensions, unpacking, augmented and in-place assignment.

# case: both-branches-detach
import torch

w = torch.rand(3, requires_grad=True)
scale = 2
if scale > 1:
    y = (w * scale).detach()
else:
    y = w.detach()
arr = y.numpy()

# case: both-branches-keep-grad
import torch

w = torch.rand(3, requires_grad=True)
scale = 2
if scale > 1:
    y = w * scale
else:
    y = w + 1
arr = y.numpy()  # expect: DET101

# case: branch-depends-on-environment-safe-path-taken
# The file cannot tell which branch runs; at run time the plain tensor is converted.  The
# checker reports the path on which it raises (a may-analysis): a known limitation of that design.
import os

import torch

w = torch.rand(3, requires_grad=True)
if os.environ.get("FLAKE8_DETACH_CASE_NEVER_SET"):
    y = w * 2
else:
    y = torch.zeros(3)
arr = y.numpy()

# case: branch-depends-on-environment-grad-path-taken
import os

import torch

os.environ["FLAKE8_DETACH_CASE_SET"] = "1"
w = torch.rand(3, requires_grad=True)
if os.environ.get("FLAKE8_DETACH_CASE_SET"):
    y = w * 2
else:
    y = torch.zeros(3)
arr = y.numpy()  # expect: DET101

# case: conditional-expression-detaches-on-one-side
import random

import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
keep_graph = random.random() < 2.0
y = w * 3 if keep_graph else (w * 3).detach()
np.asarray(y)  # expect: DET102

# case: requires-grad-guard-detaches
import torch

w = torch.rand(3, requires_grad=True)
y = w * 2
if y.requires_grad:
    y = y.detach()
arr = y.numpy()

# case: requires-grad-guard-skips-conversion
import torch

w = torch.rand(3, requires_grad=True)
y = w * 2
if not y.requires_grad:
    arr = y.numpy()
else:
    arr = y.detach().numpy()

# case: requires-grad-conditional-expression
import torch

w = torch.rand(3, requires_grad=True)
y = w * 2
arr = y.detach().numpy() if y.requires_grad else y.numpy()

# case: loop-carried-grad-second-iteration
import torch

w = torch.rand(3, requires_grad=True)
y = torch.zeros(3)
for step in range(2):
    arr = y.numpy()  # expect: DET101
    y = w * step

# case: loop-carried-detached
import torch

w = torch.rand(3, requires_grad=True)
y = torch.zeros(3)
for step in range(2):
    arr = y.numpy()
    y = (w * step).detach()

# case: loop-over-a-constant-range-detaches-what-was-bound-before
import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(3, 3)
scores = model(torch.randn(4, 3)) * 0.5
for epoch in range(3):
    scores = scores.detach()
print(np.asarray(scores))

# case: method-detaches-its-state-in-a-range-from-one
import numpy as np
import torch
import torch.nn as nn


class Tracker:
    def __init__(self):
        self.net = nn.Linear(2, 2)

    def run(self, x):
        self.state = self.net(x)
        for _ in range(1, 4):
            self.state = self.state.detach() * 0.9
        return np.asarray(self.state)


Tracker().run(torch.randn(1, 2))

# case: loop-over-five-learning-rates-detaches-the-weights
import torch

w = torch.rand(3, requires_grad=True)
scaled = w * 2
for lr in [0.1, 0.05, 0.01, 0.005, 0.001]:
    scaled = (scaled * lr).detach()
print(scaled.numpy())

# case: loop-over-an-empty-range-leaves-the-grad
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
scaled = w * 2
batches = []
for _ in range(len(batches)):
    scaled = scaled.detach()
print(np.asarray(scaled))  # expect: DET102

# case: loop-with-no-grad-inside
import torch

w = torch.rand(3, requires_grad=True)
for step in range(3):
    with torch.no_grad():
        y = w * step
    print(y.numpy())

# case: value-from-before-break
import torch

w = torch.rand(3, requires_grad=True)
for step in range(5):
    out = w * step
    if step == 2:
        break
arr = out.numpy()  # expect: DET101

# case: while-loop-accumulates-tensor
import torch

w = torch.rand(3, requires_grad=True)
total = torch.zeros(3)
step = 0
while step < 3:
    total = total + w
    step += 1
arr = total.numpy()  # expect: DET101

# case: augmented-assignment-float-plus-loss
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
running = 0.0
for step in range(3):
    loss = (w * step).sum()
    running += loss
print(np.log(running + 1))  # expect: DET102

# case: augmented-assignment-float-plus-item
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
running = 0.0
for step in range(3):
    loss = (w * step).sum()
    running += loss.item()
print(np.log(running + 1))

# case: in-place-add-into-plain-tensor
# An in-place op with a grad operand makes a plain tensor require grad.
import torch

w = torch.rand(3, requires_grad=True)
acc = torch.zeros(3)
acc += w
arr = acc.numpy()  # expect: DET101

# case: in-place-add-into-plain-tensor-under-no-grad
import torch

w = torch.rand(3, requires_grad=True)
acc = torch.zeros(3)
with torch.no_grad():
    acc += w
arr = acc.numpy()

# case: preallocated-buffer-filled-with-outputs
import torch
import torch.nn as nn

model = nn.Linear(4, 1)
inputs = torch.randn(5, 4)
preds = torch.zeros(5)
for i in range(5):
    preds[i] = model(inputs[i]).squeeze()
arr = preds.numpy()  # expect: DET101

# case: preallocated-buffer-filled-with-item
import torch
import torch.nn as nn

model = nn.Linear(4, 1)
inputs = torch.randn(5, 4)
preds = torch.zeros(5)
for i in range(5):
    preds[i] = model(inputs[i]).item()
arr = preds.numpy()

# case: copy-into-plain-tensor
import torch

w = torch.rand(3, requires_grad=True)
snapshot = torch.empty(3)
snapshot.copy_(w * 2)
arr = snapshot.numpy()  # expect: DET101

# case: walrus-keeps-grad
import torch

w = torch.rand(3, requires_grad=True)
if (total := (w * 2).sum()) > 0:
    print(total.numpy())  # expect: DET101

# case: walrus-detached
import torch

w = torch.rand(3, requires_grad=True)
if (total := (w * 2).sum().detach()) > 0:
    print(total.numpy())

# case: comprehension-over-unbind
import torch

w = torch.rand(2, 3, requires_grad=True)
rows = [row.numpy() for row in (w * 2).unbind(0)]  # expect: DET101

# case: comprehension-over-detached-unbind
import torch

w = torch.rand(2, 3, requires_grad=True)
rows = [row.numpy() for row in (w * 2).detach().unbind(0)]

# case: dict-comprehension-of-arrays
import torch
import torch.nn as nn

model = nn.Linear(2, 2)
arrays = {name: p.detach().cpu().numpy() for name, p in model.named_parameters()}

# case: generator-expression-sum
import torch

w = torch.rand(3, requires_grad=True)
total = sum(t.detach().numpy().sum() for t in [w, w * 2])

# case: tuple-unpacking-plain-element
import torch

w = torch.rand(3, requires_grad=True)
scaled, noise = w * 2, torch.randn(3)
arr = noise.numpy()

# case: tuple-unpacking-grad-element
import torch

w = torch.rand(3, requires_grad=True)
scaled, noise = w * 2, torch.randn(3)
arr = scaled.numpy()  # expect: DET101

# case: starred-unpacking
import torch

w = torch.rand(3, requires_grad=True)
first, *rest = [torch.zeros(2), w * 2, w * 3]
arr = first.numpy()
arrs = [r.detach().numpy() for r in rest]

# case: swap-by-unpacking
import torch

w = torch.rand(3, requires_grad=True)
a, b = w * 2, torch.ones(3)
a, b = b, a
arr = a.numpy()
arr2 = b.numpy()  # expect: DET101

# case: try-body-keeps-grad
import torch

w = torch.rand(3, requires_grad=True)
try:
    y = w / 2
except ZeroDivisionError:
    y = w
arr = y.numpy()  # expect: DET101

# case: try-both-paths-plain
import torch

w = torch.rand(3, requires_grad=True)
try:
    y = (w / 2).detach()
except ZeroDivisionError:
    y = torch.zeros(3)
finally:
    print("done")
arr = y.numpy()

# case: with-as-file-np-save
import tempfile

import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
with tempfile.TemporaryFile() as handle:
    np.save(handle, w * 2)  # expect: DET102

# case: with-as-file-np-save-detached
import tempfile

import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
with tempfile.TemporaryFile() as handle:
    np.save(handle, (w * 2).detach().numpy())

# case: global-rebound-in-function
import torch

w = torch.rand(3, requires_grad=True)
latest = torch.zeros(3)


def update():
    global latest
    latest = w * 2


update()
arr = latest.numpy()  # expect: DET101

# case: global-rebound-in-function-detached
import torch

w = torch.rand(3, requires_grad=True)
latest = torch.zeros(3)


def update():
    global latest
    latest = (w * 2).detach()


update()
arr = latest.numpy()

# case: early-return-detached
import torch

w = torch.rand(3, requires_grad=True)


def compute(flag):
    out = w * 2
    if flag:
        return out.detach()
    return out.detach() * 0


arr = compute(True).numpy()

# case: deleted-and-rebound
import torch

w = torch.rand(3, requires_grad=True)
y = w * 2
del y
y = torch.ones(3)
arr = y.numpy()

# case: evaluation-loop-under-no-grad-rebinds-what-training-computed
# A loop over data is taken to run: what its body binds replaces what was bound before.
import torch
import torch.nn as nn

model = nn.Linear(2, 2)
loader = [torch.ones(1, 2)] * 3
for x in loader:
    out = model(x)
    out.sum().backward()
with torch.no_grad():
    for x in loader:
        out = model(x)
print(out.numpy())

# case: method-validates-over-its-loader-after-training
import numpy as np
import torch
import torch.nn as nn


class Runner:
    def __init__(self, model, loader):
        self.model = model
        self.loader = loader

    def run(self):
        reconstruction = self.model(torch.rand(1, 4))
        reconstruction.sum().backward()
        self.model.eval()
        with torch.no_grad():
            for batch in self.loader:
                reconstruction = self.model(batch)
        return np.asarray(reconstruction)


Runner(nn.Linear(4, 4), [torch.rand(2, 4)]).run()

# case: transforms-applied-in-a-loop-end-with-a-detached-copy
import numpy as np
import torch
import torch.nn as nn

net = nn.Linear(3, 3)


def scaler(k):
    def apply(t):
        return t * k
    return apply


def detacher():
    def apply(t):
        return t.detach().numpy()
    return apply


pipeline = [scaler(2), detacher()]
data = net(torch.rand(1, 3))
for transform in pipeline:
    data = transform(data)
print(np.asarray(data))

# case: loop-over-data-filled-elsewhere-still-reports-what-it-converts
import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(2, 2)
batches = [torch.rand(1, 2) for _ in range(3)]
outputs = []
for batch in batches:
    outputs.append(model(batch))
print(np.concatenate(outputs))  # expect: DET102

# case: conditional-expression-decided-by-a-literal-flag
# forward returns (out, features) when asked with a literal True: the unpacked features require grad.
import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Linear(3, 2)
        self.head = torch.nn.Linear(2, 1)

    def forward(self, x, return_features=False):
        features = self.body(x)
        out = self.head(features)
        return (out, features) if return_features else out


_, feats = Net()(torch.randn(4, 3), return_features=True)
print(feats.cpu().numpy())  # expect: DET101

# case: conditional-expression-detaching-by-a-literal-flag
# A helper detaches when told to: a literal True takes that side only.
import numpy as np
import torch


def prepare(t, detach=False):
    return t.detach() if detach else t


w = torch.ones(2, requires_grad=True)
print(np.asarray(prepare(w * 2, detach=True)))
print(np.asarray(prepare(w * 3)))  # expect: DET102

# case: conditional-expression-in-a-module-level-assignment
# A constant test at module level picks one side.
import numpy as np
import torch

DETACH = False
w = torch.ones(2, requires_grad=True)
values = w.detach() if DETACH else w * 2
print(np.asarray(values))  # expect: DET102

# case: getattr-with-a-default-reads-the-model-output
import numpy as np
import torch

model = torch.nn.Linear(2, 2)
out = model(torch.randn(3, 2))
logits = getattr(out, "logits", out)
print(np.asarray(logits))  # expect: DET102

# case: getattr-of-an-attribute-another-method-set
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch


class Probe:
    def __init__(self):
        self.net = torch.nn.Linear(3, 1)

    def run(self, x):
        self.last = self.net(x)

    def show(self):
        plt.plot(getattr(self, "last", torch.zeros(1)))  # expect: DET102


probe = Probe()
probe.run(torch.randn(5, 3))
probe.show()

# case: getattr-of-a-layer-parameter-by-name
import numpy as np
import torch

model = torch.nn.Linear(2, 2)
print(np.asarray(getattr(model, "weight")))  # expect: DET102

# case: a-match-class-pattern-routes-a-band-to-errorbar
from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch
from torch import nn


@dataclass
class Scalar:
    name: str
    value: torch.Tensor


@dataclass
class Band:
    name: str
    mean: torch.Tensor
    std: torch.Tensor


def emit(item, ax):
    match item:
        case Scalar(name=name, value=value):
            print(name, float(value))
        case Band(name=name, mean=mean, std=std):
            ax.errorbar(range(len(mean)), mean, yerr=std, label=name)  # expect: DET102


model = nn.Linear(3, 4)
draws = torch.stack([model(torch.randn(3)) for _ in range(5)])
fig, ax = plt.subplots()
emit(Band("forecast", draws.mean(0), draws.std(0)), ax)

# case: a-match-mapping-pattern-takes-the-loss-entry
import numpy as np
import torch
from torch import nn

model = nn.Linear(3, 1)
history = []
for _ in range(2):
    out = {"loss": model(torch.randn(4, 3)).pow(2).mean(), "step": 1}
    match out:
        case {"loss": loss, "step": step}:
            history.append(loss)
print(np.array(history))  # expect: DET102

# case: a-match-sequence-pattern-whose-branch-uses-item-stays-clean
import numpy as np
import torch
from torch import nn

model = nn.Linear(3, 2)
result = (model(torch.randn(4, 3)).pow(2).mean(), 4)
match result:
    case [loss, count]:
        print(np.float64(loss.item()) / count)
    case _:
        pass
