# Lists, tuples and dicts holding tensors that require grad, converted as a whole.

# case: losses-appended-then-mean
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
losses = []
for step in range(3):
    loss = ((w - step) ** 2).mean()
    losses.append(loss)
print(np.mean(losses))  # expect: DET102

# case: losses-appended-as-items
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
losses = []
for step in range(3):
    loss = ((w - step) ** 2).mean()
    losses.append(loss.item())
print(np.mean(losses))

# case: losses-appended-detached
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
losses = []
for step in range(3):
    loss = ((w - step) ** 2).mean()
    losses.append(loss.detach())
print(np.mean(losses))

# case: losses-kept-but-converted-per-item
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
losses = []
for step in range(3):
    losses.append(((w - step) ** 2).mean())
print(np.mean([loss.item() for loss in losses]))
print(np.mean(torch.stack(losses).detach().numpy()))

# case: history-dict-of-lists
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
history = {"loss": [], "step": []}
for step in range(3):
    history["loss"].append((w * step).sum())
    history["step"].append(step)
print(np.mean(history["step"]))
print(np.mean(history["loss"]))  # expect: DET102

# case: history-dict-of-floats
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
history = {"loss": [], "step": []}
for step in range(3):
    history["loss"].append(float((w * step).sum()))
    history["step"].append(step)
print(np.mean(history["loss"]), np.mean(history["step"]))

# case: defaultdict-of-metrics
from collections import defaultdict

import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
metrics = defaultdict(list)
for step in range(3):
    metrics["loss"].append((w * step).sum())
summary = {key: np.mean(values) for key, values in metrics.items()}  # expect: DET102

# case: tuple-of-grad-tensors
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
pair = (w * 2, w * 3)
arr = np.array(pair)  # expect: DET102

# case: tuple-of-detached-tensors
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
pair = ((w * 2).detach(), (w * 3).detach())
arr = np.array(pair)

# case: list-extend-with-unbind
import numpy as np
import torch

w = torch.rand(2, 3, requires_grad=True)
rows = []
rows.extend((w * 2).unbind(0))
arr = np.stack(rows)  # expect: DET102

# case: list-concatenation-assignment
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
losses = []
for step in range(2):
    losses += [(w * step).sum()]
arr = np.array(losses)  # expect: DET102

# case: list-insert
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
values = [1.0, 2.0]
values.insert(0, (w * 2).sum())
arr = np.asarray(values)  # expect: DET102

# case: list-rebound-empty-before-conversion
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
losses = [(w * 2).sum()]
losses = []
losses.append(0.5)
print(np.mean(losses))

# case: list-copied-then-converted
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
losses = [(w * step).sum() for step in range(3)]
history = list(losses)
print(np.median(history))  # expect: DET102

# case: sorted-losses
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
losses = [(w * step).sum() for step in range(3)]
ranked = sorted(losses)
print(np.array(ranked[:2]))  # expect: DET102

# case: nested-list
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
table = [[(w * 2).sum(), (w * 3).sum()], [(w * 4).sum(), (w * 5).sum()]]
arr = np.array(table)  # expect: DET102

# case: mixed-list-floats-and-tensor
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
row = [0.5, 1.5, (w * 2).sum()]
arr = np.array(row)  # expect: DET102

# case: mixed-list-floats-and-plain-tensor
import numpy as np
import torch

row = [0.5, 1.5, torch.ones(()) * 2]
arr = np.array(row)

# case: dict-values-to-array
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
scores = {"a": (w * 2).sum(), "b": (w * 3).sum()}
arr = np.array(list(scores.values()))  # expect: DET102

# case: dict-values-of-items
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
scores = {"a": (w * 2).sum().item(), "b": (w * 3).sum().item()}
arr = np.array(list(scores.values()))

# case: parameters-concatenated
import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(3, 2)
flat = np.concatenate([p.flatten() for p in model.parameters()])  # expect: DET102

# case: parameters-concatenated-detached
import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(3, 2)
flat = np.concatenate([p.detach().flatten() for p in model.parameters()])

# case: outputs-list-then-torch-cat
import torch
import torch.nn as nn

model = nn.Linear(3, 2)
outputs = []
for _ in range(3):
    outputs.append(model(torch.randn(4, 3)))
arr = torch.cat(outputs).numpy()  # expect: DET101

# case: outputs-list-then-torch-cat-detached
import torch
import torch.nn as nn

model = nn.Linear(3, 2)
outputs = []
for _ in range(3):
    outputs.append(model(torch.randn(4, 3)))
arr = torch.cat(outputs).detach().numpy()

# case: predictions-list-of-argmax
import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(3, 2)
preds = []
for _ in range(3):
    preds.append(model(torch.randn(4, 3)).argmax(dim=1))
arr = np.concatenate(preds)

# case: deque-of-recent-losses
from collections import deque

import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
recent = deque(maxlen=2)
for step in range(4):
    recent.append((w * step).sum())
print(np.mean(recent))  # expect: DET102

# case: deque-of-recent-loss-items
from collections import deque

import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
recent = deque(maxlen=2)
for step in range(4):
    recent.append((w * step).sum().item())
print(np.mean(recent))

# case: list-element-indexed-then-item
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
losses = [(w * step).sum() for step in range(3)]
print(np.float32(losses[-1].item()), len(losses))

# case: list-element-indexed-then-converted
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
losses = [(w * step).sum() for step in range(3)]
last = np.asarray(losses[-1])  # expect: DET102

# case: helper-stacks-list-parameter
import numpy as np
import torch


def summarize(outputs):
    return np.concatenate([o.cpu().numpy() for o in outputs])  # expect: DET103


w = torch.rand(3, requires_grad=True)
print(summarize([(w * i).detach() for i in range(3)]).shape)

# case: helper-stacks-list-parameter-given-grad-tensors
import numpy as np
import torch


def summarize(outputs):
    return np.concatenate([o.cpu().numpy() for o in outputs])  # expect: DET103


w = torch.rand(3, requires_grad=True)
print(summarize([w * i for i in range(3)]).shape)  # expect: DET101

# case: optimizer-learning-rates-are-numbers
import numpy as np
import torch

w = torch.nn.Parameter(torch.rand(3))
optimizer = torch.optim.SGD([w], lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
rates = []
for _ in range(3):
    optimizer.step()
    scheduler.step()
    rates.append(optimizer.param_groups[0]["lr"])
print(np.allclose(rates, [0.05, 0.025, 0.0125]))

# case: optimizer-learning-rate-of-each-group-in-a-loop
import matplotlib.pyplot as plt
import torch

net = torch.nn.Linear(3, 1)
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
for group in optimizer.param_groups:
    plt.plot([group["lr"], group["lr"] * 2])

# case: optimizer-parameters-of-a-group-require-grad
import numpy as np
import torch

net = torch.nn.Linear(3, 1)
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
first = optimizer.param_groups[0]["params"][0]
np.asarray(first)  # expect: DET102

# case: optimizer-built-with-group-dicts
import numpy as np
import torch

net = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD([{"params": net.parameters(), "lr": 0.1}], momentum=0.9)
print(np.float32(optimizer.param_groups[0]["lr"]), np.float32(optimizer.param_groups[0]["momentum"]))

# case: dict-built-with-keywords-keeps-each-history-apart
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
history = dict(loss=[], accuracy=[])
for step in range(3):
    loss = ((w - step) ** 2).mean()
    history["loss"].append(loss)
    history["accuracy"].append(float(step))
print(np.mean(history["accuracy"]))
print(np.mean(history["loss"]))  # expect: DET102

# case: dict-built-with-keywords-inside-a-function
import numpy as np
import torch


def train(w):
    history = dict(loss=[], lr=[])
    for step in range(3):
        history["loss"].append(((w - step) ** 2).mean().item())
        history["lr"].append(0.1 * step)
    return history


history = train(torch.rand(3, requires_grad=True))
print(np.mean(history["loss"]), np.mean(history["lr"]))

# case: metrics-logged-under-f-string-keys-per-entry
# A loop over a dict whose entries are known by their keys runs once per entry: each key's
# log holds what that entry held, not what any entry held.
from collections import defaultdict

import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(3, 1)
log = defaultdict(list)
for step in range(3):
    loss = model(torch.randn(4, 3)).pow(2).mean()
    out = {"loss": loss, "scale": loss.item() * 2}
    for metric, value in out.items():
        log[f"training.{metric}"].append((step, value))
print(np.array(log["training.scale"])[:, 1])
print(np.array(log["training.loss"]))  # expect: DET102

# case: training-function-returns-a-log-keyed-by-its-model-outputs
from collections import defaultdict

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(4, 2)

    def forward(self, x):
        z = self.enc(x)
        loss = z.pow(2).mean()
        return {"loss": loss, "kl": loss.item() / 2, "rate": z.abs().mean().item()}


def train(model, steps=3):
    log = defaultdict(list)
    for step in range(steps):
        losses = model(torch.randn(8, 4))
        for name, value in losses.items():
            log[f"train.{name}"].append((step, value))
        losses["loss"].backward()
    return log


log = train(VAE())
plt.plot(np.array(log["train.kl"])[:, 1])
plt.plot(np.array(log["train.rate"])[:, 1])
plt.plot(np.array(log["train.loss"])[:, 1])  # expect: DET102

# case: summary-keys-built-by-concatenation
import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(2, 1)
stats = {"loss": model(torch.randn(3, 2)).mean(), "count": 3}
summary = {}
for key, value in stats.items():
    summary[key + "_mean"] = value
print(np.asarray(summary["count_mean"]))
print(np.asarray(summary["loss_mean"]))  # expect: DET102

# case: helper-logs-each-keyword-argument
import numpy as np
import torch


def log_metrics(**metrics):
    for name, value in metrics.items():
        print(name, np.asarray(value))


w = torch.rand(3, requires_grad=True)
log_metrics(scale=2.0, count=3)
log_metrics(scale=2.0, loss=(w ** 2).sum())  # expect: DET102

# case: dict-filled-by-key-then-a-new-key-read
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(2, 2)
history = OrderedDict(train=[], val=[])
history["train"].append(model(torch.randn(1, 2)).sum())
history["val"].append(3.0)
print(np.mean(history["val"]))
print(np.mean(history["train"]))  # expect: DET102

# case: iterating-a-dict-gives-its-keys
# A loop over a dict (known by its keys) goes over its keys: plotting them converts strings.
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(2, 1)
results = {"train": model(torch.rand(3, 2)).mean(), "val": 0.5}
plt.bar(list(results), [1.0, 2.0])
names = sorted(results)
for name in results:
    print(name, np.asarray(results[name]))  # expect: DET102

# case: activation-classes-of-a-dict-instantiated-by-a-comprehension
import matplotlib.pyplot as plt
import torch
import torch.nn as nn


class Sigmoid(nn.Module):
    def forward(self, x):
        return 1 / (1 + torch.exp(-x))


class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


def show(act_fn, ax, x):
    ax.plot(x.numpy(), act_fn(x).numpy())  # expect: DET103


by_name = {"sigmoid": Sigmoid, "swish": Swish}
instances = [make() for make in by_name.values()]
x = torch.linspace(-5, 5, 50)
fig, axes = plt.subplots(1, 2)
for i, act_fn in enumerate(instances):
    show(act_fn, axes[i], x)
for i, name in enumerate(by_name):
    show(by_name[name](), axes[i], x)

# case: one-class-of-a-dict-has-parameters
import torch
import torch.nn as nn


class Halve(nn.Module):
    def forward(self, x):
        return x / 2


class Shifted(nn.Module):
    def __init__(self, width=2):
        super().__init__()
        self.shift = nn.Parameter(torch.zeros(width))

    def forward(self, x):
        return x + self.shift


makers = {"halve": Halve, "shifted": Shifted}
for name in makers:
    print(name, makers[name]()(torch.rand(2)).numpy())  # expect: DET101

# case: copy-of-a-dict-keeps-its-entries-apart
import numpy as np
import torch
import torch.nn as nn

layer = nn.Linear(2, 2)
stats = {"loss": layer(torch.rand(1, 2)).sum(), "steps": 10}
saved = dict(stats)
kept = stats.copy()
print(np.asarray(saved["steps"]), np.asarray(kept["steps"]))
print(np.asarray(kept["loss"]))  # expect: DET102

# case: models-stored-under-integer-keys-and-their-keys-plotted
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn

model_dict = {}
for dim in [64, 128, 256]:
    model_dict[dim] = {"model": nn.Linear(2, dim), "score": 0.5}
dims = sorted(k for k in model_dict)
plt.plot(dims, [model_dict[k]["score"] for k in dims])
first = model_dict[64]["model"](torch.rand(1, 2))
print(np.asarray(first))  # expect: DET102

# case: outputs-stored-under-integer-keys-are-converted
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

results = {}
for width in [8, 16]:
    results[width] = nn.Linear(2, width)(torch.rand(3, 2)).sum()
plt.plot(list(results), [1.0, 2.0])
plt.plot([results[w] for w in results])  # expect: DET102

# case: entry-of-an-attribute-dict-grown-by-a-method
# A method appends to an entry of a dict attribute; read through the instance, that entry is a
# list holding the tensors (the fix detaches each, not the list).
import numpy as np
import torch

class Meter:
    def __init__(self):
        self.series = {"loss": [], "acc": []}

    def add(self, loss):
        self.series["loss"].append(loss)

net = torch.nn.Linear(3, 1)
meter = Meter()
for _ in range(2):
    meter.add(net(torch.randn(4, 3)).pow(2).mean())
print(np.mean(meter.series["loss"]))  # expect: DET102

# case: entry-of-a-dict-parameter-grown-by-a-helper
# A helper appends to an entry of the dict it is handed: the caller's entry holds the tensors.
import numpy as np
import torch

def log_value(book, name, value):
    book[name].append(value)

layer = torch.nn.Linear(2, 2)
book = {"out": [], "norm": []}
for step in range(3):
    y = layer(torch.ones(1, 2)).sum()
    log_value(book, "out", y)
    log_value(book, "norm", float(step))
print(np.std(book["out"]))  # expect: DET102

# case: entry-grown-by-a-method-read-by-a-function
# The same through setdefault, read by a function the instance is handed to.
import matplotlib.pyplot as plt
import torch

class Recorder:
    def __init__(self):
        self.curves = {}

    def push(self, key, value):
        self.curves.setdefault(key, []).append(value)

def draw(recorder):
    plt.plot(recorder.curves["train"])  # expect: DET102

model = torch.nn.Linear(4, 1)
recorder = Recorder()
recorder.push("train", model(torch.randn(2, 4)).mean())
draw(recorder)

# case: entry-of-an-entry-grown-at-module-level
# A dict of dicts: appending to an entry of an entry keeps the tensors there.
import numpy as np
import torch

encoder = torch.nn.Linear(5, 2)
metrics = {"train": {"loss": [], "acc": []}, "val": {"loss": []}}
for batch in range(3):
    metrics["train"]["loss"].append(encoder(torch.randn(8, 5)).abs().mean())
    metrics["val"]["loss"].append(0.1 * batch)
print(np.mean(metrics["val"]["loss"]))
print(np.mean(metrics["train"]["loss"]))  # expect: DET102

# case: entry-of-an-entry-assigned
# An entry of an entry assigned a tensor: converting it is converting the tensor.
import numpy as np
import torch

w = torch.nn.Parameter(torch.ones(3))
summary = {"weights": {}}
summary["weights"]["w"] = w * 2
summary["weights"]["scale"] = 2.0
print(summary["weights"]["scale"])
print(np.asarray(summary["weights"]["w"]))  # expect: DET102

# case: entry-of-an-entry-of-an-attribute-in-methods
# A method grows an entry of an entry of a dict attribute; another method converts it.
import numpy as np
import torch

class Logger:
    def __init__(self):
        self.logs = {"epoch": {"loss": []}}

    def on_batch(self, loss):
        self.logs["epoch"]["loss"].append(loss)

    def on_epoch_end(self):
        return float(np.mean(self.logs["epoch"]["loss"]))  # expect: DET102

net = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ReLU())
logger = Logger()
for _ in range(2):
    logger.on_batch(net(torch.randn(2, 3)).sum())
print(logger.on_epoch_end())

# case: entry-of-an-entry-replaced-by-numbers
# The inner dict replaced after the tensors entered it: what it held before is gone.
import numpy as np
import torch

model = torch.nn.Linear(2, 1)
log = {"train": {"loss": []}}
log["train"]["loss"].append(model(torch.ones(1, 2)).sum())
log["train"] = {"loss": [0.5, 0.25]}
print(np.mean(log["train"]["loss"]))

# case: entry-of-an-entry-holding-items
# Only numbers enter the entry of an entry: .item() cut the graph.
import numpy as np
import torch

model = torch.nn.Linear(2, 1)
history = {"fold0": {"loss": []}}
for _ in range(3):
    loss = model(torch.ones(4, 2)).pow(2).mean()
    loss.backward()
    history["fold0"]["loss"].append(loss.item())
print(np.mean(history["fold0"]["loss"]))

# case: numpy-array-filled-by-item-with-losses
# A NumPy array stores an item with float(): filled with losses, it holds numbers.
import matplotlib.pyplot as plt
import numpy as np
import torch

model = torch.nn.Linear(4, 1)
costs = np.zeros(3)
for i in range(3):
    loss = model(torch.randn(8, 4)).pow(2).mean()
    loss.backward()
    costs[i] = loss
plt.semilogy(costs)
print(np.min(costs))

# case: tolist-list-filled-by-item-with-losses
# .tolist() gives a Python list: an item assigned into it is stored as it is, a tensor.
import numpy as np
import torch

model = torch.nn.Linear(3, 1)
scores = torch.zeros(3).tolist()
for i in range(3):
    scores[i] = model(torch.randn(4, 3)).mean()
print(np.array(scores))  # expect: DET102

# case: array-tolist-attribute-filled-by-a-method
# An array's .tolist() in __init__, filled by index in a method, converted in another.
import numpy as np
import torch


class Tracker:
    def __init__(self, n):
        self.best = np.zeros(n).tolist()

    def update(self, i, loss):
        self.best[i] = loss

    def report(self):
        return np.max(self.best)  # expect: DET102


model = torch.nn.Linear(2, 1)
tracker = Tracker(2)
for i in range(2):
    tracker.update(i, model(torch.ones(2)).sum())
print(tracker.report())

# case: tolist-list-grown-by-a-helper
# A helper appends a loss to a list made by .tolist() and hands it back.
import numpy as np
import torch


def extended(values, extra):
    values.append(extra)
    return values


w = torch.randn(3, requires_grad=True)
print(np.mean(extended(w.detach().tolist(), (w * 2).sum())))  # expect: DET102

# case: tolist-list-of-numbers-stays-numbers
# .tolist() of a tensor that requires grad gives numbers; a number appended keeps them numbers.
import numpy as np
import torch

w = torch.randn(3, requires_grad=True)
probs = (w * 2).softmax(-1).tolist()
probs.append(0.0)
for i in range(2):
    probs[i] = float(w[i])
print(np.array(probs), np.asarray((w * 3).tolist()))

# case: numpy-array-accumulated-by-item-in-a-function
# arr[i] += loss in a function: the array stays an array of numbers.
import numpy as np
import torch


def train(model, epochs):
    history = np.empty(epochs)
    for epoch in range(epochs):
        history[epoch] = 0.0
        for _ in range(2):
            history[epoch] += model(torch.ones(2, 2)).sum()
    return history


print(np.mean(train(torch.nn.Linear(2, 1), 3)))

# case: numpy-array-attribute-filled-by-a-method-and-a-list-beside-it
# An array attribute filled by index holds numbers; a list filled the same way holds tensors.
import numpy as np
import torch


class Curve:
    def __init__(self, n):
        self.values = np.zeros(n)
        self.raw = [0.0] * n

    def put(self, i, loss):
        self.values[i] = loss
        self.raw[i] = loss


net = torch.nn.Linear(3, 1)
curve = Curve(2)
for step in range(2):
    curve.put(step, net(torch.randn(4, 3)).mean())
print(np.mean(curve.values))
print(np.mean(curve.raw))  # expect: DET102

# case: model-dict-heads-called-in-a-dict-comprehension-exported-by-a-lambda
import torch
import torch.nn as nn

to_np = lambda t: t.cpu().numpy()  # expect: DET103


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.shared = nn.Linear(3, 4)
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 1), "b": nn.Linear(4, 2)})

    def forward(self, x):
        h = self.shared(x)
        return {name: head(h) for name, head in self.heads.items()}


def export(outputs):
    return {k: to_np(v) for k, v in outputs.items()}


export(Net()(torch.randn(2, 3)))  # expect: DET101

# case: model-dict-heads-called-in-a-loop-over-items
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn as nn


class MultiHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(3, 4)
        self.heads = nn.ModuleDict({"mean": nn.Linear(4, 1), "scale": nn.Linear(4, 1)})

    def forward(self, x):
        h = self.body(x)
        outputs = {}
        for name, head in self.heads.items():
            outputs[name] = head(h)
        return outputs


model = MultiHead()
out = model(torch.randn(5, 3))
plt.plot(out["mean"])  # expect: DET102

# case: model-dict-values-called-at-module-level
import numpy as np
import torch
import torch.nn as nn

heads = nn.ModuleDict({"a": nn.Linear(3, 1), "b": nn.Linear(3, 2)})
x = torch.randn(2, 3)
for head in heads.values():
    print(np.asarray(head(x)))  # expect: DET102

# case: frozen-model-dict-items-stay-clean
import numpy as np
import torch
import torch.nn as nn

heads = nn.ModuleDict({"a": nn.Linear(3, 1), "b": nn.Linear(3, 2)})
heads.requires_grad_(False)
x = torch.randn(2, 3)
for name, head in heads.items():
    print(name, np.asarray(head(x)))

# case: entries-of-each-result-by-keys-from-a-default-tuple
import torch


def to_cols(results, columns=("a", "b")):
    for det in results:
        [det[c].numpy() for c in columns]  # expect: DET103


net = torch.nn.Linear(3, 2)
out = net(torch.randn(2, 3))
to_cols([{"a": out, "b": out}])  # expect: DET101

# case: entries-of-each-result-by-keys-from-a-list-argument
import numpy as np
import torch


def table(results, columns):
    out = []
    for det in results:
        for c in columns:
            out.append(np.asarray(det[c]))
    return out


net = torch.nn.Linear(3, 2)
table([{"a": net(torch.randn(2, 3))}], ["a"])  # expect: DET102

# case: unbound-numpy-mapped-over-the-entries-of-each-enumerated-result
import torch


def to_cols(results, columns=("a", "b")):
    for i, det in enumerate(results):
        dict(zip(columns, map(torch.Tensor.numpy, (det[c] for c in columns))))  # expect: DET103


net = torch.nn.Linear(3, 2)
out = net(torch.randn(2, 3))
to_cols([{"a": out, "b": out}])  # expect: DET101

# case: losses-ranked-and-transposed-with-zip-star-into-a-bar-plot
import matplotlib.pyplot as plt
import torch
import torch.nn as nn


class Sweep:
    def __init__(self):
        self.results = {}

    def run(self, x, y):
        for width in (2, 4):
            model = nn.Sequential(nn.Linear(3, width), nn.Linear(width, 1))
            self.results[f"w{width}"] = nn.functional.mse_loss(model(x), y)

    def plot(self):
        names, losses = zip(*sorted(self.results.items(), key=lambda kv: kv[1].item()))
        plt.bar(names, losses)  # expect: DET102


sweep = Sweep()
sweep.run(torch.rand(8, 3), torch.rand(8, 1))
sweep.plot()

# case: history-pairs-transposed-with-zip-star-then-averaged
import numpy as np
import torch


def train(steps):
    w = torch.ones(2, requires_grad=True)
    history = []
    for step in range(steps):
        loss = (w * step).sum()
        history.append((step, loss))
    epochs, losses = zip(*history)
    return np.array(losses).mean()  # expect: DET102


print(train(3))

# case: detached-pairs-transposed-with-zip-star-stay-clean
import matplotlib.pyplot as plt
import torch

w = torch.ones(2, requires_grad=True)
points = [(step, (w * step).sum().item()) for step in range(3)]
steps, values = zip(*points)
plt.plot(steps, values)

# case: module-level-pairs-built-in-a-comprehension-transposed-into-a-plot
import matplotlib.pyplot as plt
import torch

w = torch.ones(1, requires_grad=True)
xs, ys = zip(*[(i, (w * i).sum()) for i in range(3)])
plt.plot(xs, ys)  # expect: DET102

# case: list-of-a-history-dict-entry-bound-to-a-name-and-appended-in-a-method
import matplotlib.pyplot as plt
import torch
from torch import nn


class Curves:
    def __init__(self):
        self.history = {"train": [], "val": []}

    def record(self, phase, loss):
        values = self.history[phase]
        values.append(loss)

    def draw(self):
        plt.plot(self.history["val"])  # expect: DET102


net = nn.Linear(2, 1)
curves = Curves()
for epoch in range(3):
    curves.record("val", net(torch.randn(4, 2)).pow(2).mean())
curves.draw()

# case: entry-of-a-module-level-dict-appended-through-a-second-name
import numpy as np
import torch
from torch import nn

curves = {"train": [], "val": []}
train_curve = curves["train"]
model = nn.Linear(3, 1)
for step in range(4):
    loss = model(torch.randn(8, 3)).abs().mean()
    train_curve.append(loss)
print(np.array(curves["train"]).min())  # expect: DET102

# case: helper-appends-to-the-list-setdefault-gave-it
import numpy as np
import torch
from torch import nn


def log_value(logs, name, value):
    bucket = logs.setdefault(name, [])
    bucket.append(value)


logs = {}
layer = nn.Linear(2, 2)
for step in range(3):
    log_value(logs, "loss", layer(torch.randn(3, 2)).sum())
summary = {name: np.mean(values) for name, values in logs.items()}  # expect: DET102

# case: pair-of-lists-unpacked-from-a-dict-entry-and-appended
import matplotlib.pyplot as plt
import torch
from torch import nn


class Tracker:
    def __init__(self):
        self.series = {"val": ([], [])}

    def add(self, key, step, value):
        steps, values = self.series[key]
        steps.append(step)
        values.append(value)

    def plot(self):
        steps, values = self.series["val"]
        plt.plot(steps, values)  # expect: DET102


net = nn.Linear(2, 1)
tracker = Tracker()
for step in range(3):
    tracker.add("val", step, net(torch.randn(4, 2)).mean())
tracker.plot()

# case: name-for-a-dict-entry-rebound-before-the-append-stays-clean
import numpy as np
import torch
from torch import nn

history = {"train": []}
values = history["train"]
values = []
model = nn.Linear(3, 1)
for step in range(2):
    values.append(model(torch.randn(2, 3)).sum())
print(np.array(history["train"]))

# case: numbers-appended-through-a-name-for-a-dict-entry-stay-clean
import matplotlib.pyplot as plt
import torch
from torch import nn


class Curves:
    def __init__(self):
        self.history = {"train": []}

    def record(self, loss):
        values = self.history["train"]
        values.append(loss.item())

    def draw(self):
        plt.plot(self.history["train"])


net = nn.Linear(2, 1)
curves = Curves()
curves.record(net(torch.randn(4, 2)).mean())
curves.draw()

# case: a-list-of-loss-modules-made-by-repetition-applied-in-a-method
import numpy as np
import torch
from torch import nn


class Gram(nn.Module):
    def forward(self, x, target):
        return nn.functional.mse_loss(x @ x.T, target)


class StyleLoss:
    def __init__(self, layers, net):
        self.fns = [Gram()] * layers + [nn.MSELoss()]
        self.net = net

    def report(self, x, targets):
        features = [self.net(x)] * len(self.fns)
        values = [fn(f, t) for fn, f, t in zip(self.fns, features, targets)]
        return np.array(values)  # expect: DET102


print(StyleLoss(2, nn.Linear(3, 3)).report(torch.randn(3, 3), [torch.zeros(3, 3)] * 3))

# case: a-list-repeated-from-a-grad-tensor-is-a-list-of-it
import matplotlib.pyplot as plt
import torch

w = torch.rand(4, requires_grad=True)
baseline = [w.mean()] * 4 + [torch.tensor(0.0)]
plt.plot(baseline)  # expect: DET102

# case: a-list-repeated-from-detached-values-stays-clean
import matplotlib.pyplot as plt
import torch

w = torch.rand(4, requires_grad=True)
baseline = 4 * [w.mean().detach()] + [torch.tensor(0.0)]
plt.plot(baseline)

# case: masks-folded-with-functools-reduce-and-operator-add
import operator
from functools import reduce

import pandas as pd
import torch
from torch import nn

gate = nn.Linear(4, 4)
masks = [torch.softmax(gate(torch.randn(8, 4)), -1) for _ in range(3)]
importance = reduce(operator.add, (m.sum(0) for m in masks))
print(pd.Series(importance, index=list("abcd")))  # expect: DET102

# case: losses-folded-with-reduce-and-a-lambda-in-a-helper
from functools import reduce

import numpy as np
import torch
from torch import nn


def total(values):
    return reduce(lambda a, b: a + b, values, 0.0)


model = nn.Linear(3, 1)
losses = [model(torch.randn(2, 3)).pow(2).mean() for _ in range(3)]
print(np.log(total(losses)))  # expect: DET102

# case: detached-masks-folded-with-reduce-stay-clean
import operator
from functools import reduce

import pandas as pd
import torch
from torch import nn

gate = nn.Linear(4, 4)
masks = [torch.softmax(gate(torch.randn(8, 4)), -1).detach() for _ in range(3)]
print(pd.Series(reduce(operator.add, (m.sum(0) for m in masks)), index=list("abcd")))

# case: a-beam-of-namedtuples-replaced-with-live-scores
from collections import namedtuple

import numpy as np
import torch
from torch import nn

Hypothesis = namedtuple("Hypothesis", ["tokens", "score"])
decoder = nn.Linear(4, 5)
beam = [Hypothesis([0], torch.tensor(0.0))]
for step in range(2):
    logp = torch.log_softmax(decoder(torch.randn(4)), -1)
    beam = [h._replace(tokens=h.tokens + [t], score=h.score + logp[t]) for h in beam for t in range(2)]
print(np.logaddexp.reduce([h.score for h in beam]))  # expect: DET102

# case: a-namedtuple-replaced-with-a-number-stays-clean
from collections import namedtuple

import numpy as np
import torch
from torch import nn

Result = namedtuple("Result", ["name", "value"])
model = nn.Linear(4, 1)
r = Result("loss", model(torch.randn(2, 4)).pow(2).mean())
r = r._replace(value=r.value.item())
print(np.round(np.asarray([r.value]), 3))
