# Grad mode: where .numpy() on a tensor that requires grad is allowed, and where it is not.

# case: no-grad-block
import torch

w = torch.rand(3, requires_grad=True)
with torch.no_grad():
    arr = w.numpy()

# case: inference-mode-block
import torch

w = torch.rand(3, requires_grad=True)
with torch.inference_mode():
    arr = (w * 2).numpy()

# case: set-grad-enabled-false-block
import torch

w = torch.rand(3, requires_grad=True)
with torch.set_grad_enabled(False):
    arr = w.numpy()

# case: set-grad-enabled-true-block
import torch

w = torch.rand(3, requires_grad=True)
with torch.set_grad_enabled(True):
    arr = w.numpy()  # expect: DET101

# case: after-no-grad-block-ends
import torch

w = torch.rand(3, requires_grad=True)
with torch.no_grad():
    inside = w.numpy()
outside = w.numpy()  # expect: DET101

# case: decorated-no-grad-call
import torch

w = torch.rand(3, requires_grad=True)


@torch.no_grad()
def snapshot():
    return w.numpy()


arr = snapshot()

# case: decorated-no-grad-without-parentheses
import torch

w = torch.rand(3, requires_grad=True)


@torch.no_grad
def snapshot():
    return (w * 2).numpy()


arr = snapshot()

# case: decorated-inference-mode-call
import torch

w = torch.rand(3, requires_grad=True)


@torch.inference_mode()
def snapshot():
    return w.cpu().numpy()


arr = snapshot()

# case: decorated-inference-mode-without-parentheses
import torch

w = torch.rand(3, requires_grad=True)


@torch.inference_mode
def snapshot():
    return w.cpu().numpy()


arr = snapshot()

# case: undecorated-function-twin
import torch

w = torch.rand(3, requires_grad=True)


def snapshot():
    return w.cpu().numpy()  # expect: DET101


arr = snapshot()

# case: enable-grad-nested-in-no-grad
import torch

w = torch.rand(3, requires_grad=True)
with torch.no_grad():
    with torch.enable_grad():
        arr = w.numpy()  # expect: DET101

# case: enable-grad-block-closed-inside-no-grad
import torch

w = torch.rand(3, requires_grad=True)
with torch.no_grad():
    with torch.enable_grad():
        y = w * 2
    arr = y.numpy()

# case: enable-grad-value-leaves-no-grad
import torch

w = torch.rand(3, requires_grad=True)
with torch.no_grad():
    with torch.enable_grad():
        y = w * 2
arr = y.numpy()  # expect: DET101

# case: enable-grad-decorated-called-in-no-grad
import torch

w = torch.rand(3, requires_grad=True)


@torch.enable_grad()
def snapshot():
    return w.numpy()  # expect: DET101


with torch.no_grad():
    arr = snapshot()

# case: set-grad-enabled-true-nested-in-no-grad
import torch

w = torch.rand(3, requires_grad=True)
with torch.no_grad():
    with torch.set_grad_enabled(True):
        arr = w.numpy()  # expect: DET101

# case: inference-mode-false
import torch

w = torch.rand(3, requires_grad=True)
with torch.inference_mode(False):
    arr = w.numpy()  # expect: DET101

# case: inference-mode-false-nested
import torch

w = torch.rand(3, requires_grad=True)
with torch.inference_mode():
    with torch.inference_mode(mode=False):
        arr = w.numpy()  # expect: DET101

# case: inference-mode-true-keyword
import torch

w = torch.rand(3, requires_grad=True)
with torch.inference_mode(mode=True):
    arr = w.numpy()

# case: module-level-set-grad-enabled-false
import torch

torch.set_grad_enabled(False)
w = torch.rand(3, requires_grad=True)
arr = (w * 2).numpy()
arr2 = w.numpy()

# case: module-level-grad-switched-back-on
import torch

torch.set_grad_enabled(False)
w = torch.rand(3, requires_grad=True)
arr = w.numpy()
torch.set_grad_enabled(True)
arr2 = w.numpy()  # expect: DET101

# case: module-level-grad-off-value-made-before
import torch

w = torch.rand(3, requires_grad=True)
y = w * 2
torch.set_grad_enabled(False)
arr = y.numpy()

# case: set-grad-enabled-flag-false
import torch

w = torch.rand(3, requires_grad=True)
train = False
with torch.set_grad_enabled(train):
    arr = (w * 2).numpy()

# case: set-grad-enabled-flag-true
import torch

w = torch.rand(3, requires_grad=True)
train = True
with torch.set_grad_enabled(train):
    arr = (w * 2).numpy()  # expect: DET101

# case: set-grad-enabled-phase-comparison
import torch

w = torch.rand(3, requires_grad=True)
for phase in ["val"]:
    with torch.set_grad_enabled(phase == "train"):
        arr = (w * 2).numpy()

# case: set-grad-enabled-phase-loop-reaches-train
import torch

w = torch.rand(3, requires_grad=True)
for phase in ["val", "train"]:
    with torch.set_grad_enabled(phase == "train"):
        arr = (w * 2).numpy()  # expect: DET101

# case: set-grad-enabled-phase-loop-detached
import torch

w = torch.rand(3, requires_grad=True)
for phase in ["train", "val"]:
    with torch.set_grad_enabled(phase == "train"):
        out = w * 2
        arr = out.detach().numpy()

# case: no-grad-context-object-in-variable
import torch

w = torch.rand(3, requires_grad=True)
frozen = torch.no_grad()
with frozen:
    arr = w.numpy()

# case: autograd-namespace-no-grad
import torch

w = torch.rand(3, requires_grad=True)
with torch.autograd.no_grad():
    arr = w.numpy()
with torch.autograd.grad_mode.no_grad():
    arr2 = w.numpy()

# case: no-grad-with-second-context-manager
import io

import torch

w = torch.rand(3, requires_grad=True)
with torch.no_grad(), io.StringIO() as log:
    log.write(str(w.numpy()))

# case: no-grad-function-generator
import torch

w = torch.rand(3, requires_grad=True)


@torch.no_grad()
def snapshots(n):
    for i in range(n):
        yield (w * i).numpy()


arrays = list(snapshots(3))

# case: lambda-defined-in-no-grad-called-outside
import torch

w = torch.rand(3, requires_grad=True)
with torch.no_grad():
    convert = lambda: w.numpy()  # expect: DET101
arr = convert()

# case: lambda-defined-and-called-in-no-grad
import torch

w = torch.rand(3, requires_grad=True)
with torch.no_grad():
    convert = lambda: w.numpy()
    arr = convert()

# case: function-called-only-under-no-grad
import torch

w = torch.rand(3, requires_grad=True)


def snapshot():
    return w.numpy()


with torch.no_grad():
    first = snapshot()
    second = snapshot()

# case: function-called-under-and-outside-no-grad
import torch

w = torch.rand(3, requires_grad=True)


def snapshot():
    return w.numpy()  # expect: DET101


with torch.no_grad():
    first = snapshot()
second = snapshot()

# case: thread-started-inside-no-grad
# Grad mode is thread-local: a worker thread starts with grad enabled.
from concurrent.futures import ThreadPoolExecutor

import torch

w = torch.rand(3, requires_grad=True)


def snapshot():
    return w.numpy()  # expect: DET101


with torch.no_grad():
    with ThreadPoolExecutor(max_workers=1) as pool:
        arr = pool.submit(snapshot).result()

# case: thread-worker-with-its-own-no-grad
from concurrent.futures import ThreadPoolExecutor

import torch

w = torch.rand(3, requires_grad=True)


@torch.no_grad()
def snapshot():
    return w.numpy()


with ThreadPoolExecutor(max_workers=1) as pool:
    arr = pool.submit(snapshot).result()

# case: is-grad-enabled-guard
import torch

w = torch.rand(3, requires_grad=True)
if torch.is_grad_enabled():
    arr = w.detach().numpy()
else:
    arr = w.numpy()

# case: eval-mode-does-not-disable-grad
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
model.eval()
out = model(torch.randn(3, 4))
arr = out.numpy()  # expect: DET101

# case: eval-mode-inside-no-grad
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
model.eval()
with torch.no_grad():
    out = model(torch.randn(3, 4))
arr = out.numpy()

# case: converted-inside-no-grad-computed-outside
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
out = model(torch.randn(3, 4))
with torch.no_grad():
    arr = out.numpy()

# case: no-grad-decorated-method
import torch
import torch.nn as nn


class Predictor:
    def __init__(self):
        self.net = nn.Linear(4, 2)

    @torch.no_grad()
    def predict(self, x):
        return self.net(x).numpy()


arr = Predictor().predict(torch.randn(3, 4))

# case: undecorated-method-twin
import torch
import torch.nn as nn


class Predictor:
    def __init__(self):
        self.net = nn.Linear(4, 2)

    def predict(self, x):
        return self.net(x).numpy()  # expect: DET101


arr = Predictor().predict(torch.randn(3, 4))

# case: inference-mode-result-used-after
import torch

w = torch.rand(3, requires_grad=True)
with torch.inference_mode():
    y = torch.sigmoid(w)
arr = y.numpy()

# case: no-grad-wraps-lambda
import torch

w = torch.rand(3, requires_grad=True)
convert = torch.no_grad()(lambda: w.numpy())
arr = convert()

# case: bare-no-grad-statement-switches-nothing
import torch

w = torch.rand(3, requires_grad=True)
torch.no_grad()
arr = (w * 2).numpy()  # expect: DET101

# case: exit-stack-enters-no-grad
import contextlib

import torch

w = torch.rand(3, requires_grad=True)
with contextlib.ExitStack() as stack:
    stack.enter_context(torch.no_grad())
    arr = (w * 2).numpy()
after = (w * 3).numpy()  # expect: DET101

# case: manual-enter-and-exit
import torch

w = torch.rand(3, requires_grad=True)
guard = torch.no_grad()
guard.__enter__()
inside = (w * 2).numpy()
guard.__exit__(None, None, None)
outside = (w * 2).numpy()  # expect: DET101

# case: context-manager-of-the-file-turns-grad-off
import contextlib

import numpy as np
import torch


@contextlib.contextmanager
def evaluating(model):
    model.eval()
    with torch.no_grad():
        yield model
    model.train()


net = torch.nn.Linear(4, 2)
with evaluating(net) as frozen_view:
    scores = np.asarray(frozen_view(torch.rand(3, 4)))
loss = net(torch.rand(3, 4)).sum()
np.asarray(net(torch.rand(1, 4)))  # expect: DET102

# case: context-manager-of-the-file-hands-back-a-model
from contextlib import contextmanager

import torch


@contextmanager
def temporary_model():
    yield torch.nn.Linear(4, 2)


with temporary_model() as model:
    arr = model(torch.rand(2, 4)).numpy()  # expect: DET101

# case: enable-grad-helper-called-under-no-grad
# The helper's decorator switches grad mode on again: the caller's no_grad does not protect it.
import numpy as np
import torch


@torch.enable_grad()
def to_numpy(t):
    return np.asarray(t)


w = torch.rand(3, requires_grad=True)
loss = (w * 2).sum()
with torch.no_grad():
    to_numpy(loss)  # expect: DET102

# case: enable-grad-method-called-under-no-grad-in-a-loop
import torch


class Logger:
    @torch.enable_grad()
    def log(self, value):
        return value.numpy()  # expect: DET103


net = torch.nn.Linear(2, 1)
logger = Logger()
with torch.no_grad():
    scores = [logger.log(net.weight) for _ in range(2)]  # expect: DET101

# case: item-written-into-a-tensor-under-no-grad
import numpy as np
import torch
import torch.nn as nn

scale = nn.Parameter(torch.zeros(3))
with torch.no_grad():
    buffer = torch.zeros(3)
    buffer[:] = scale
print(np.array(buffer.norm(), dtype=np.float32))

# case: method-copies-its-parameter-into-a-buffer-under-no-grad
import numpy as np
import torch
import torch.nn as nn


class Snapshot:
    def __init__(self):
        self.weight = nn.Parameter(torch.ones(2))
        self.rows = torch.zeros(3, 2)

    @torch.no_grad()
    def record(self, step):
        self.rows[step] = self.weight
        return self.rows


snapshot = Snapshot()
for step in range(3):
    rows = snapshot.record(step)
print(np.asarray(rows))

# case: loop-copies-model-outputs-under-no-grad
import torch
import torch.nn as nn

model = nn.Linear(4, 1)
outputs = [model(torch.randn(1, 4)) for _ in range(4)]
predictions = torch.empty(4, 1, 1)
with torch.no_grad():
    for i, output in enumerate(outputs):
        predictions[i] = output
print(predictions.numpy())

# case: item-written-into-a-tensor-with-grad-on
import torch
import torch.nn as nn

model = nn.Linear(4, 1)
predictions = torch.empty(4)
for i in range(4):
    predictions[i] = model(torch.randn(1, 4))[0, 0]
print(predictions.numpy())  # expect: DET101

# case: view-clamped-in-place-under-no-grad-decorator-still-requires-grad
# A view keeps requires_grad under no_grad, and an in-place op there changes the contents only.
import numpy as np
import torch
import torch.nn as nn


@torch.no_grad()
def positive_scores(scores):
    first = scores[:, 0]
    first.clamp_(min=0)
    return first


model = nn.Linear(3, 2)
scores = positive_scores(model(torch.randn(5, 3)))
print(np.mean(scores.numpy()))  # expect: DET101

# case: method-scales-its-weight-row-in-place-under-no-grad
import torch
import torch.nn as nn


class Probe(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def first_row(self):
        with torch.no_grad():
            row = self.proj.weight[0]
            row.mul_(0.5)
        return row


probe = Probe()
row = probe.first_row()
values = row.numpy()  # expect: DET101

# case: loop-normalises-reshaped-output-in-place-under-no-grad
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

model = nn.Linear(2, 6)
for step in range(3):
    out = model(torch.randn(1, 2))
    with torch.no_grad():
        grid = out.view(2, 3)
        grid.div_(grid.abs().max())
    plt.imshow(grid)  # expect: DET102

# case: buffer-filled-in-place-under-no-grad-does-not-require-grad
import torch
import torch.nn as nn

model = nn.Linear(4, 4)
with torch.no_grad():
    total = torch.zeros(4, 4)
    total.add_(model.weight)
    copy = model.weight.clone()
    copy.mul_(2)
print(total.numpy(), copy.numpy())

# case: unknown-argument-updated-in-place-under-no-grad-is-not-proved
import torch


@torch.no_grad()
def shrink(t):
    t.mul_(0.9)
    return t


def report(t):
    return shrink(t).numpy()  # expect: DET103


report(torch.ones(3))

# case: grad-mode-follows-whether-an-optimizer-is-given-and-eval-collects
import numpy as np
import torch
import torch.nn.functional as F


def run_epoch(model, batches, optimizer=None):
    training = optimizer is not None
    probs = []
    with torch.set_grad_enabled(training):
        for x, y in batches:
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            if training:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            else:
                probs.append(logits.softmax(1))
    if not training:
        return np.concatenate(probs)
    return None


net = torch.nn.Linear(4, 3)
data = [(torch.randn(5, 4), torch.randint(0, 3, (5,)))]
run_epoch(net, data, torch.optim.SGD(net.parameters(), lr=0.1))
run_epoch(net, data)

# case: grad-mode-follows-the-phase-and-a-method-tests-another-phase
import numpy as np
import torch


class Runner:
    def __init__(self, model):
        self.model = model
        self.outputs = []

    def step(self, batch, phase):
        with torch.set_grad_enabled(phase == "train"):
            out = self.model(batch)
            if phase == "val":
                self.outputs.append(np.asarray(out))
            else:
                out.sum().backward()


runner = Runner(torch.nn.Linear(3, 1))
for name in ("train", "val"):
    runner.step(torch.randn(2, 3), name)

# case: grad-mode-set-by-a-statement-from-a-flag-tested-again
import torch


def predict(model, x, is_train):
    torch.set_grad_enabled(is_train)
    out = model(x)
    result = None
    if not is_train:
        result = out.numpy()
    torch.set_grad_enabled(True)
    return result


def main(flag):
    net = torch.nn.Linear(3, 2)
    predict(net, torch.randn(2, 3), flag)


main(False)

# case: grad-mode-follows-a-flag-but-the-branch-converts-where-it-is-on
import numpy as np
import torch


def run(model, x, optimizer=None):
    training = optimizer is not None
    with torch.set_grad_enabled(training):
        out = model(x)
        if training:
            print(np.asarray(out).mean())
    return out


net = torch.nn.Linear(3, 2)
run(net, torch.randn(2, 3), torch.optim.SGD(net.parameters(), lr=0.1))  # expect: DET102

# case: a-method-chain-whose-only-entry-runs-under-inference-mode
import numpy as np
import torch
import torch.nn as nn


class Embedder:
    def __init__(self):
        self.model = nn.Linear(4, 2)

    def embed(self, batch):
        return self.model(batch).numpy()

    def _waterfall(self, batch):
        return self.embed(batch * 2)

    def run(self, batches):
        out = []
        for batch in batches:
            with torch.inference_mode():
                out.append(self._waterfall(batch))
        return np.concatenate(out)


print(Embedder().run([torch.rand(3, 4)]).shape)

# case: an-object-built-in-a-helper-that-only-an-evaluation-under-no-grad-calls
import numpy as np
import torch
import torch.nn as nn


class Scorer:
    def __init__(self, head):
        self.head = head

    def scores(self, x):
        return self.head(x).numpy()


def summarise(batches):
    scorer = Scorer(nn.Linear(3, 1))
    return [scorer.scores(x) for x in batches]


def evaluate(batches):
    with torch.no_grad():
        return summarise(batches)


print(evaluate([torch.rand(2, 3)]))

# case: a-callback-built-in-a-helper-entered-only-under-no-grad
import numpy as np
import torch
import torch.nn as nn

net = nn.Linear(3, 2)


def apply(fn, x):
    return np.asarray(fn(x))


def collect(xs):
    return [apply(lambda v: net(v) * 2, x) for x in xs]


@torch.no_grad()
def report(xs):
    return collect(xs)


print(report([torch.rand(1, 3)]))

# case: a-method-chain-with-one-entry-under-no-grad-and-one-with-grad
import numpy as np
import torch
import torch.nn as nn


class Embedder:
    def __init__(self):
        self.model = nn.Linear(4, 2)

    def embed(self, batch):
        return self.model(batch).numpy()  # expect: DET101

    def _waterfall(self, batch):
        return self.embed(batch * 2)

    def run(self, batch):
        with torch.no_grad():
            first = self._waterfall(batch)
        return first, self._waterfall(batch)


print(Embedder().run(torch.rand(3, 4)))

# case: no-grad-decorator-on-an-async-function-leaves-its-body-in-grad-mode
import asyncio

import torch
from torch import nn

detector = nn.Linear(4, 2)


@torch.no_grad()
async def detect(batch):
    scores = detector(batch)
    return scores.numpy()  # expect: DET101


asyncio.run(detect(torch.randn(3, 4)))

# case: async-method-awaited-inside-no-grad-stays-clean
import asyncio

import torch
from torch import nn


class Service:
    def __init__(self):
        self.model = nn.Linear(4, 2)

    async def predict(self, batch):
        return self.model(batch).numpy()

    async def handle(self, batch):
        with torch.no_grad():
            return await self.predict(batch)


asyncio.run(Service().handle(torch.randn(2, 4)))

# case: inference-mode-decorator-on-an-async-method-run-by-a-loop
import asyncio

import numpy as np
import torch
from torch import nn


class Pipeline:
    def __init__(self):
        self.encoder = nn.Sequential(nn.Linear(3, 3), nn.Tanh())

    @torch.inference_mode()
    async def embed(self, items):
        return [np.asarray(self.encoder(item)) for item in items]  # expect: DET102


async def main():
    return await Pipeline().embed([torch.randn(3) for _ in range(2)])


asyncio.run(main())

# case: a-callback-fired-by-name-only-inside-validation-under-no-grad-stays-clean
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class Callback:
    def on_epoch_end(self, trainer): ...
    def on_validation_end(self, trainer): ...


class CurveLogger(Callback):
    def __init__(self):
        self.rows = []

    def on_validation_end(self, trainer):
        losses = np.asarray(trainer.state["batch_losses"])
        self.rows.append(losses.mean())


class Trainer:
    def __init__(self, model, callbacks=()):
        self.model, self.callbacks = model, list(callbacks)
        self.state = {}

    def fire(self, event):
        for cb in self.callbacks:
            getattr(cb, event)(self)

    def train_epoch(self, x, bs=4):
        self.state["batch_losses"] = []
        for i in range(0, len(x), bs):
            batch = x[i:i + bs]
            loss = F.mse_loss(self.model(batch), batch)
            loss.backward()
            self.state["batch_losses"].append(loss)

    def validate(self, x):
        with torch.no_grad():
            self.fire("on_validation_end")

    def fit(self, x_train, x_val, epochs):
        for epoch in range(epochs):
            self.state["epoch"] = epoch
            self.train_epoch(x_train)
            self.validate(x_val)
            self.fire("on_epoch_end")


if __name__ == "__main__":
    x = torch.randn(8, 3)
    logger = CurveLogger()
    trainer = Trainer(nn.Linear(3, 3), [logger])
    trainer.fit(x, x, epochs=2)

# case: a-callback-fired-by-name-both-inside-and-outside-no-grad
import numpy as np
import torch
from torch import nn


class CurveLogger:
    def __init__(self):
        self.rows = []

    def on_step(self, trainer):
        self.rows.append(np.asarray(trainer.state["losses"]).mean())  # expect: DET102


class Trainer:
    def __init__(self, model, callbacks):
        self.model, self.callbacks, self.state = model, callbacks, {}

    def fire(self, event):
        for callback in self.callbacks:
            getattr(callback, event)(self)

    def fit(self, x, epochs):
        for _ in range(epochs):
            self.state["losses"] = [self.model(x).pow(2).mean() for _ in range(2)]
            self.fire("on_step")
            with torch.no_grad():
                self.fire("on_step")


logger = CurveLogger()
trainer = Trainer(nn.Linear(3, 1), [logger])
trainer.fit(torch.randn(4, 3), 2)

# case: a-helper-run-by-a-function-called-only-under-inference-mode-stays-clean
import numpy as np
import torch
from torch import nn


def to_rows(outputs):
    return [np.asarray(t) for t in outputs]


def collect(model, batches, convert):
    return convert([model(b) for b in batches])


def train(model, batches):
    return [model(b).sum() for b in batches]


model = nn.Linear(2, 2)
batches = [torch.randn(3, 2) for _ in range(2)]
losses = train(model, batches)
with torch.inference_mode():
    rows = collect(model, batches, to_rows)
print(len(rows), len(losses))
