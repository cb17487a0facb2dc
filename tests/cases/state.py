# State that outlives a call: attributes written in one method and read in another, constructor
# arguments kept as attributes, module variables and enclosing-scope containers filled by
# functions, dicts filled by helpers; what a forward pass under no_grad leaves behind.

# case: attribute-appended-in-one-method-plotted-in-another
import matplotlib.pyplot as plt
import torch


class Monitor:
    def __init__(self):
        self.seen = []

    def update(self, batch_loss):
        self.seen.append(batch_loss)

    def show(self):
        plt.plot(self.seen)  # expect: DET102


w = torch.rand(3, requires_grad=True)
monitor = Monitor()
for step in range(3):
    monitor.update((w * step).sum())
monitor.show()

# case: reader-method-defined-before-the-writer
import numpy as np
import torch


class History:
    def summary(self):
        return np.mean(self.values)  # expect: DET102

    def __init__(self):
        self.values = []

    def record(self, value):
        self.values.append(value)


w = torch.rand(2, requires_grad=True)
history = History()
history.record((w ** 2).sum())
history.record((w * 3).sum())
print(history.summary())

# case: attribute-filled-with-items-stays-clean
import matplotlib.pyplot as plt
import torch


class Monitor:
    def __init__(self):
        self.seen = []

    def update(self, batch_loss):
        self.seen.append(batch_loss)

    def show(self):
        plt.plot(self.seen)


w = torch.rand(3, requires_grad=True)
monitor = Monitor()
for step in range(3):
    monitor.update((w * step).sum().item())
monitor.show()

# case: dict-attribute-filled-in-one-method-converted-in-another
import numpy as np
import torch


class Metrics:
    def __init__(self):
        self.store = {}

    def log(self, name, value):
        self.store[name] = value

    def report(self):
        return {name: np.asarray(value) for name, value in self.store.items()}  # expect: DET102


net = torch.nn.Linear(4, 1)
metrics = Metrics()
metrics.log("output", net(torch.rand(2, 4)))
print(metrics.report())

# case: constructor-argument-is-a-module-in-every-method
import torch


class Runner:
    def __init__(self, net):
        self.net = net

    def predict(self, batch):
        return self.net(batch).numpy()  # expect: DET101


gru = torch.nn.GRU(4, 3, batch_first=True)
runner = Runner(torch.nn.Linear(4, 2))
print(runner.predict(torch.rand(2, 4)))

# case: constructor-argument-frozen-model-stays-clean
import torch


class Runner:
    def __init__(self, net):
        self.net = net

    def predict(self, batch):
        return self.net(batch).numpy()  # expect: DET103


layer = torch.nn.Linear(4, 2)
layer.requires_grad_(False)
runner = Runner(layer)
print(runner.predict(torch.rand(2, 4)))

# case: constructor-keyword-argument-used-in-a-method-in-a-loop
import matplotlib.pyplot as plt
import torch


class Plotter:
    def __init__(self, model=None):
        self.model = model

    def plot_all(self, batches):
        for batch in batches:
            plt.plot(self.model(batch)[:, 0])  # expect: DET102


Plotter(model=torch.nn.Linear(4, 2)).plot_all([torch.rand(3, 4)])

# case: module-list-appended-inside-a-function-plotted-at-module-level
import matplotlib.pyplot as plt
import torch

losses = []
w = torch.rand(3, requires_grad=True)


def train_step(scale):
    loss = (w * scale).sum()
    losses.append(loss)


for epoch in range(3):
    train_step(epoch)
plt.plot(losses)  # expect: DET102

# case: module-list-filled-by-a-function-called-from-main
import numpy as np
import torch

history = []
w = torch.rand(3, requires_grad=True)


def step(i):
    history.append((w * i).mean())


def main():
    for i in range(2):
        step(i)
    print(np.mean(history))  # expect: DET102


main()

# case: module-list-filled-with-floats-stays-clean
import numpy as np
import torch

history = []
w = torch.rand(3, requires_grad=True)


def step(i):
    history.append((w * i).mean().item())


def main():
    for i in range(2):
        step(i)
    print(np.mean(history))


main()

# case: helper-appends-its-argument-to-the-list-it-is-given
import numpy as np
import torch


def record(bucket, value):
    bucket.append(value)


w = torch.rand(3, requires_grad=True)
losses = []
for i in range(3):
    record(losses, (w * i).sum())
print(np.sum(losses))  # expect: DET102

# case: closure-appends-to-the-enclosing-list
import numpy as np
import torch


def train():
    w = torch.rand(3, requires_grad=True)
    losses = []

    def on_step(loss):
        losses.append(loss)

    for i in range(3):
        on_step((w * i).sum())
    return np.mean(losses)  # expect: DET102


train()

# case: closure-factory-logger-summary-reads-what-log-appended
from collections import defaultdict
import numpy as np
import torch


def make_logger():
    logs = defaultdict(list)

    def log(name, value):
        logs[name].append(value)

    def summary():
        return {k: np.asarray(v) for k, v in logs.items()}  # expect: DET102

    return log, summary


w = torch.rand(3, requires_grad=True)
log, summary = make_logger()
for i in range(3):
    log("loss", (w * i).sum())
print(summary())

# case: closures-in-a-dict-share-a-list-across-methods
import matplotlib.pyplot as plt
import torch


def tracker():
    seen = []

    def add(x):
        seen.append(x)

    def show():
        plt.plot(seen)  # expect: DET102

    return {"add": add, "show": show}


class Trainer:
    def __init__(self):
        self.net = torch.nn.Linear(2, 1)
        self.hooks = tracker()

    def fit(self, x):
        for _ in range(2):
            self.hooks["add"](self.net(x).sum())
        self.hooks["show"]()


Trainer().fit(torch.randn(4, 2))

# case: nonlocal-rebound-by-one-closure-read-by-another
import numpy as np
import torch


def build():
    last = None

    def remember(loss):
        nonlocal last
        last = loss

    def report():
        return np.array(last)  # expect: DET102

    return remember, report


def main():
    w = torch.rand(2, requires_grad=True)
    remember, report = build()
    for step in range(3):
        remember((w * step).sum())
    print(report())


main()

# case: factory-method-closures-share-a-dict-of-lists
import numpy as np
import torch


class Experiment:
    def __init__(self):
        self.model = torch.nn.Linear(3, 1)
        self.record, self.curve = self.make_meters()

    def make_meters(self):
        history = {"train": []}

        def record(phase, loss):
            history[phase].append(loss)

        def curve(phase):
            return np.stack(history[phase])  # expect: DET102

        return record, curve

    def run(self, x):
        for _ in range(2):
            self.record("train", self.model(x).mean())
        return self.curve("train")


Experiment().run(torch.randn(5, 3))

# case: nonlocal-sum-in-nested-loop-plotted-by-sibling-closure
import matplotlib.pyplot as plt
import torch


def make_counter():
    total = 0

    def add(loss):
        nonlocal total
        total += loss

    def show():
        plt.bar([0], [total])  # expect: DET102

    return add, show


w = torch.ones(2, requires_grad=True)
add, show = make_counter()
for batch in range(3):
    for j in range(2):
        add((w * batch).sum())
show()

# case: closure-factory-storing-item-values-stays-clean
import numpy as np
import torch


def build():
    seen = []

    def push(loss):
        seen.append(loss.item())

    def mean():
        return np.mean(np.array(seen))

    return push, mean


w = torch.rand(2, requires_grad=True)
push, mean = build()
for step in range(3):
    push((w * step).sum())
print(mean())

# case: closure-factory-fed-under-no-grad-stays-clean
import numpy as np
import torch


def build():
    seen = []

    def push(loss):
        seen.append(loss)

    def mean():
        return np.mean(np.array(seen))

    return push, mean


w = torch.rand(2, requires_grad=True)
push, mean = build()
with torch.no_grad():
    for step in range(3):
        push((w * step).sum())
print(mean())

# case: forward-under-no-grad-leaves-a-plain-attribute
import matplotlib.pyplot as plt
import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)

    def forward(self, x):
        self.features = torch.relu(self.fc(x))
        return self.features.sum(dim=1)


net = Net()
with torch.no_grad():
    net(torch.rand(2, 4))
plt.imshow(net.features)

# case: forward-with-grad-leaves-a-grad-attribute
import matplotlib.pyplot as plt
import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)

    def forward(self, x):
        self.features = torch.relu(self.fc(x))
        return self.features.sum(dim=1)


net = Net()
net(torch.rand(2, 4))
plt.imshow(net.features)  # expect: DET102

# case: attribute-set-by-a-base-class-method
import numpy as np
import torch


class Base:
    def remember(self, value):
        self.last = value


class Child(Base):
    def dump(self):
        return np.asarray(self.last)  # expect: DET102


w = torch.rand(3, requires_grad=True)
child = Child()
child.remember(w * 2)
child.dump()

# case: global-statement-rebinds-a-module-variable
import numpy as np
import torch

best = None
w = torch.rand(3, requires_grad=True)


def evaluate(scale):
    global best
    best = (w * scale).sum()


evaluate(2.0)
print(np.asarray(best))  # expect: DET102

# case: module-level-instance-updated-inside-a-function-then-converted
import numpy as np
import torch


class RunningMeter:
    def __init__(self):
        self.values = []

    def update(self, value):
        self.values.append(value)

    def as_array(self):
        return np.array(self.values)  # expect: DET102


def rescale(t):
    meter.update(t * 2)


meter = RunningMeter()
theta = torch.tensor([0.5, 1.0], requires_grad=True)
rescale(theta)
out = meter.as_array()

# case: module-level-instance-updated-by-a-method-of-another-class-in-a-loop
import matplotlib.pyplot as plt
import torch


class History:
    def __init__(self):
        self.losses = []

    def record(self, loss):
        self.losses.append(loss)

    def show(self):
        plt.plot(self.losses)  # expect: DET102


class Trainer:
    def __init__(self, model):
        self.model = model

    def step(self, batch):
        loss = self.model(batch).pow(2).mean()
        history.record(loss)


history = History()
trainer = Trainer(torch.nn.Linear(3, 1))
for _ in range(3):
    trainer.step(torch.rand(4, 3))
history.show()

# case: module-level-instance-updated-inside-a-function-with-items
# The function stores plain numbers: nothing to report.
import numpy as np
import torch


class RunningMeter:
    def __init__(self):
        self.values = []

    def update(self, value):
        self.values.append(value)

    def as_array(self):
        return np.array(self.values)


def rescale(t):
    meter.update((t * 2).sum().item())


meter = RunningMeter()
theta = torch.tensor([0.5, 1.0], requires_grad=True)
rescale(theta)
out = meter.as_array()

# case: attribute-set-on-an-instance-read-by-its-method
# What the caller writes on an instance is what its method reads through self.
import numpy as np
import torch


class Tracker:
    def __init__(self):
        self.value = None

    def report(self):
        return np.asarray(self.value)  # expect: DET102


tracker = Tracker()
tracker.value = torch.ones(2, requires_grad=True) * 3
tracker.report()

# case: attribute-set-on-an-instance-in-a-loop-read-by-its-method-in-a-function
import matplotlib.pyplot as plt
import torch


class Curve:
    def draw(self):
        plt.plot(self.points)  # expect: DET102


def evaluate(batches):
    model = torch.nn.Linear(3, 1)
    curve = Curve()
    for batch in batches:
        curve.points = model(batch)
    curve.draw()


evaluate([torch.rand(4, 3)])

# case: attribute-set-on-a-held-instance-read-by-its-method
import numpy as np
import torch


class Summary:
    def write(self):
        return np.mean(self.loss.numpy())  # expect: DET101


class Trainer:
    def __init__(self):
        self.model = torch.nn.Linear(3, 1)
        self.summary = Summary()

    def step(self, x):
        self.summary.loss = self.model(x).sum()
        self.summary.write()


Trainer().step(torch.rand(2, 3))

# case: attribute-set-on-an-instance-detached-read-by-its-method
import numpy as np
import torch


class Tracker:
    def report(self):
        return np.asarray(self.value)


tracker = Tracker()
tracker.value = (torch.ones(2, requires_grad=True) * 3).detach()
tracker.report()

# case: attribute-updated-from-a-method-parameter-in-a-loop-stays-clean
# The method's receiver carries what the method wrote in an earlier pass, in terms of its
# parameters; the call's plain tensors decide it: nothing requires grad, not even maybe.
import matplotlib.pyplot as plt
import torch


class LogisticRegression:
    def __init__(self, num_features):
        self.weights = torch.zeros(num_features, 1)

    def forward(self, x):
        return torch.sigmoid(torch.mm(x, self.weights))

    def train(self, x, y, epochs, learning_rate=0.01):
        for _ in range(epochs):
            errors = y - self.forward(x).view(-1)
            self.weights += learning_rate * torch.mm(x.t(), errors.view(-1, 1))


model = LogisticRegression(2)
model.train(torch.rand(8, 2), torch.rand(8), epochs=3, learning_rate=0.1)
w = model.weights
plt.plot([0, 1], [w[0], w[1]])

# case: attribute-reassigned-detached-in-the-constructor
# The constructor stores its argument, then replaces it with the detached copy: what an
# instance holds afterwards is the detached one.
import torch


class Prediction:
    def __init__(self, mean, scale):
        self.mean = mean
        self.scale = scale
        self.mean = self.mean.detach()


w = torch.ones(3, requires_grad=True)
pred = Prediction(w * 2, w.exp())
print(pred.mean.numpy())
print(Prediction(w, w).mean.numpy())
print(pred.scale.numpy())  # expect: DET101

# case: attribute-reassigned-detached-read-by-another-method
# A value computed in the constructor from a parameter of the module is detached there before
# any other method reads it.
import numpy as np
import torch

weights = torch.nn.Parameter(torch.ones(3))


class Summary:
    def __init__(self):
        self.norm = weights * 2
        self.total = weights.sum()
        self.norm = self.norm.detach()

    def report(self):
        return np.asarray(self.norm), np.asarray(self.total)  # expect: DET102


print(Summary().report())

# case: attribute-read-by-a-method-called-before-it-is-detached
# A method called between the two assignments still sees the first one.
import numpy as np
import torch


weights = torch.nn.Parameter(torch.ones(2))


class Holder:
    def __init__(self):
        self.value = weights * 3
        self.snapshot = np.asarray(self.peek())  # expect: DET102
        self.value = self.value.detach()

    def peek(self):
        return self.value


Holder()

# case: dataclass-post-init-detaches-a-field
# A dataclass's __post_init__ runs on the fields the call set: the detached field stays detached,
# the one it computes from a model output requires grad.
from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Output:
    logits: torch.Tensor
    probs: torch.Tensor = None

    def __post_init__(self):
        self.logits = self.logits.detach()
        self.probs = torch.softmax(self.logits * scale, dim=-1)


scale = torch.nn.Parameter(torch.ones(1))
net = torch.nn.Linear(3, 2)
out = Output(net(torch.randn(1, 3)))
print(out.logits.numpy())
print(np.asarray(out.probs))  # expect: DET102

# case: meters-in-a-dict-updated-through-their-entries
# An object kept as a dict's entry changed by its method: the dict holds it as it is now.
import numpy as np
import torch
from torch import nn


class Meter:
    def __init__(self):
        self.avg = 0.0

    def update(self, v):
        self.avg = v


m = nn.Linear(3, 1)
meters = {k: Meter() for k in ("a", "b")}
meters["a"].update(m(torch.randn(4, 3)).mean())
np.array([mt.avg for mt in meters.values()])  # expect: DET102

# case: meters-in-a-list-updated-by-index-in-a-loop
# The same with a list, one meter fed losses, the other numbers.
import numpy as np
import torch
from torch import nn


class Meter:
    def __init__(self):
        self.sum, self.count, self.avg = 0.0, 0, 0.0

    def update(self, v, n=1):
        self.sum += v * n
        self.count += n
        self.avg = self.sum / self.count


m = nn.Linear(3, 1)
meters = [Meter(), Meter()]
for step in range(2):
    meters[0].update(m(torch.randn(4, 3)).mean(), 4)
    meters[1].update(0.5)
print(np.array([meter.avg for meter in meters]))  # expect: DET102

# case: meters-in-a-dict-fed-numbers
# Each meter of the dict fed .item() values or constants: numbers.
import numpy as np
import torch
from torch import nn


class Meter:
    def __init__(self):
        self.avg = 0.0

    def update(self, v):
        self.avg = v


m = nn.Linear(3, 1)
meters = {"loss": Meter(), "acc": Meter()}
meters["loss"].update(m(torch.randn(4, 3)).mean().item())
meters["acc"].update(0.5)
print(np.array([mt.avg for mt in meters.values()]))

# case: meters-of-a-trainer-updated-by-key-read-by-a-property
# A trainer's dict of meters, one fed a loss in a method, averaged by a property in another.
import numpy as np
import torch
from torch import nn


class AverageMeter:
    def __init__(self):
        self.total, self.count = 0.0, 0

    def update(self, value):
        self.total += value
        self.count += 1

    @property
    def avg(self):
        return self.total / max(self.count, 1)


class Trainer:
    def __init__(self, model):
        self.model = model
        self.meters = {name: AverageMeter() for name in ("loss", "norm")}

    def step(self, x):
        out = self.model(x)
        self.meters["loss"].update(out.pow(2).mean())
        self.meters["norm"].update(out.norm().item())

    def summary(self):
        return np.array([meter.avg for meter in self.meters.values()])  # expect: DET102


trainer = Trainer(nn.Linear(3, 2))
trainer.step(torch.randn(4, 3))
print(trainer.summary())

# case: constructor-wraps-a-single-input-in-a-list-and-another-method-converts-it
import torch


class Inner:
    def __init__(self, data):
        if type(data) != list:
            data = [data]
        self.data = data

    def values(self, X):
        return (X - self.data[0]).numpy()  # expect: DET101


class Outer:
    def __init__(self, data):
        self.inner = Inner(data)

    def values(self, X):
        return self.inner.values(X)


image = torch.randn(3, requires_grad=True)
Inner(image).values(torch.randn(3))

# case: explainer-holds-an-inner-object-that-listed-its-background-data
import torch


class Inner:
    def __init__(self, data):
        if type(data) != list:
            data = [data]
        self.data = data

    def values(self, X):
        return (X - self.data[0]).numpy()  # expect: DET101


class Outer:
    def __init__(self, data):
        self.inner = Inner(data)

    def values(self, X):
        return self.inner.values(X)


image = torch.randn(3, requires_grad=True)
e = Outer(image)
e.values(torch.randn(3))

# case: factory-builds-the-explainer-from-its-argument
import torch


class Inner:
    def __init__(self, data):
        if type(data) != list:
            data = [data]
        self.data = data

    def values(self, X):
        return (X - self.data[0]).numpy()  # expect: DET101


class Outer:
    def __init__(self, data):
        self.inner = Inner(data)

    def values(self, X):
        return self.inner.values(X)


def build(x):
    return Outer(x)


image = torch.randn(3, requires_grad=True)
e = build(image)
e.values(torch.randn(3))

# case: state-dict-updated-by-keywords-in-one-class-read-by-key-in-a-callback
import numpy as np
import torch


class Monitor:
    def on_end(self, trainer):
        np.asarray(trainer.state["targets"])


class Trainer:
    def __init__(self, model, callbacks):
        self.model = model
        self.callbacks = list(callbacks)
        self.state = {}

    def step(self, x, y):
        out = self.model(x)
        self.state.update(loss=out.sum().item(), logits=out, targets=y.detach().numpy())
        for cb in self.callbacks:
            cb.on_end(self)


Trainer(torch.nn.Linear(3, 1), [Monitor()]).step(torch.randn(2, 3), torch.randn(2))

# case: dict-attribute-filled-by-key-in-one-method-read-by-another-key
import numpy as np
import torch


class Trainer:
    def __init__(self, model):
        self.model = model
        self.state = {}

    def step(self, x, y):
        out = self.model(x)
        self.state["logits"] = out
        self.state["targets"] = y.tolist()

    def report(self):
        return np.asarray(self.state["targets"])


t = Trainer(torch.nn.Linear(3, 1))
t.step(torch.randn(2, 3), torch.randn(2))
t.report()

# case: module-dict-filled-by-a-function-read-by-key
import numpy as np
import torch

metrics = {}


def log(out, y):
    metrics["out"] = out
    metrics["y"] = y.detach().numpy()


net = torch.nn.Linear(3, 1)
log(net(torch.randn(2, 3)), torch.randn(2))
print(np.asarray(metrics["y"]))

# case: nested-log-dicts-filled-per-phase-read-by-key
import numpy as np
import torch


class Logger:
    def __init__(self):
        self.logs = {"train": {}, "val": {}}

    def log(self, phase, out, loss):
        self.logs[phase]["out"] = out
        self.logs[phase]["loss"] = loss.item()

    def summary(self):
        return np.array([self.logs["train"]["loss"], self.logs["val"]["loss"]])


net = torch.nn.Linear(3, 1)
logger = Logger()
for phase in ("train", "val"):
    out = net(torch.randn(2, 3))
    logger.log(phase, out, out.pow(2).mean())
print(logger.summary())

# case: state-dict-updated-by-keywords-callback-converts-the-logits
import numpy as np
import torch


class Monitor:
    def on_end(self, trainer):
        np.asarray(trainer.state["logits"])  # expect: DET102


class Trainer:
    def __init__(self, model, callbacks):
        self.model = model
        self.callbacks = list(callbacks)
        self.state = {}

    def _emit(self, event):
        for cb in self.callbacks:
            getattr(cb, event)(self)

    def step(self, x):
        self.state.update(logits=self.model(x))
        self._emit("on_end")


Trainer(torch.nn.Linear(3, 1), [Monitor()]).step(torch.randn(2, 3))

# case: nested-log-dicts-the-output-entry-converted
import numpy as np
import torch


class Logger:
    def __init__(self):
        self.logs = {"train": {}, "val": {}}

    def log(self, phase, out, loss):
        self.logs[phase]["out"] = out
        self.logs[phase]["loss"] = loss.item()

    def summary(self):
        return np.asarray(self.logs["val"]["out"])  # expect: DET102


net = torch.nn.Linear(3, 1)
logger = Logger()
for phase in ("train", "val"):
    out = net(torch.randn(2, 3))
    logger.log(phase, out, out.pow(2).mean())
print(logger.summary())

# case: batch-records-added-by-a-method-of-a-result-object-then-converted
from dataclasses import dataclass, field
from typing import List

import torch
import torch.nn as nn


@dataclass
class BatchResult:
    loss: float
    preds: torch.Tensor


@dataclass
class EpochResult:
    batches: List[BatchResult] = field(default_factory=list)

    def add(self, r: BatchResult):
        self.batches.append(r)


def evaluate(model, loader):
    result = EpochResult()
    for xb, yb in loader:
        out = model(xb)
        result.add(BatchResult(loss=nn.functional.mse_loss(out, yb).item(), preds=out))
    return result


net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
res = evaluate(net, [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(2)])
all_preds = [b.preds.numpy() for b in res.batches]  # expect: DET101

# case: the-constructor-reads-its-configured-alpha-before-training-replaces-it
import numpy as np
import torch


class Agent:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)
        self.log_alpha = torch.tensor(np.log(self.alpha), requires_grad=True)
        self.optimizer = torch.optim.Adam([self.log_alpha], lr=0.01)

    def train_step(self, entropy):
        loss = -(self.log_alpha * entropy).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.alpha = self.log_alpha.exp()


agent = Agent(alpha=0.2)
agent.train_step(torch.rand(4))
print(float(agent.alpha))

# case: settings-set-with-setattr-read-by-the-constructor-before-a-method-stores-a-parameter
import numpy as np
import torch
import torch.nn as nn


class Scaler(nn.Module):
    def __init__(self, **settings):
        super().__init__()
        for key, value in settings.items():
            setattr(self, key, value)
        self.log_scale = float(np.log(self.scale))

    def learn_scale(self):
        self.scale = nn.Parameter(torch.tensor(1.0))


Scaler(scale=2.0).learn_scale()

# case: a-base-constructor-reads-what-the-subclass-set-before-calling-it
import numpy as np
import torch
import torch.nn as nn


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.inverse = np.reciprocal(np.float32(self.temperature))

    def calibrate(self, logits):
        self.temperature = logits.std() * 2


class Calibrated(Base):
    def __init__(self, temperature):
        self.temperature = temperature
        super().__init__()


model = Calibrated(1.5)
model.calibrate(nn.Linear(2, 2)(torch.rand(3, 2)))

# case: the-constructor-reads-what-a-method-it-calls-stored
import numpy as np
import torch


class Fitted:
    def __init__(self):
        self.fit()
        self.snapshot = np.asarray(self.weights)  # expect: DET102

    def fit(self):
        self.weights = torch.ones(3, requires_grad=True) * 2


Fitted()

# case: attention-each-block-of-a-module-list-stores-read-after-the-model-ran
# Each block stores its attention in forward; the model calls the blocks in a loop over its
# ModuleList, and the maps are read off the blocks after a call with grad on.
import numpy as np
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.query = nn.Linear(width, width)
        self.attention = None

    def forward(self, x):
        self.attention = torch.softmax(self.query(x) @ x.transpose(-1, -2), dim=-1)
        return self.attention @ x


class Encoder(nn.Module):
    def __init__(self, depth):
        super().__init__()
        self.layers = nn.ModuleList([Block(4) for _ in range(depth)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


encoder = Encoder(2)
encoder(torch.rand(1, 3, 4))
maps = [np.asarray(layer.attention[0]) for layer in encoder.layers]  # expect: DET102
print(len(maps))

# case: attention-of-the-blocks-read-after-a-call-under-no-grad-stays-clean
# The model trained (its blocks stored maps that require grad), then ran once more under
# no_grad: the maps read afterwards are the last call's.
import numpy as np
import torch
from torch import nn


class Mixer(nn.Module):
    def __init__(self):
        super().__init__()
        self.score = nn.Linear(3, 3)

    def forward(self, x):
        self.weights = torch.softmax(self.score(x), dim=-1)
        return self.weights * x


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.mixers = nn.ModuleList([Mixer(), Mixer()])

    def forward(self, x):
        for index, mixer in enumerate(self.mixers):
            x = mixer(x) + index
        return x.sum()


stack = Stack()
optimizer = torch.optim.SGD(stack.parameters(), lr=0.1)
for _ in range(2):
    optimizer.zero_grad()
    stack(torch.rand(2, 3)).backward()
    optimizer.step()
with torch.no_grad():
    stack(torch.rand(2, 3))
print([mixer.weights.numpy().shape for mixer in stack.mixers], np.asarray(stack.mixers[1].weights).sum())

# case: attention-stored-by-one-block-called-by-index-read-in-a-function
# The first block of the container is called directly; a function builds the model, runs it
# and plots what that block stored.
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from torch import nn


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(5, 5)

    def forward(self, x):
        self.last = torch.sigmoid(self.proj(x))
        return self.last * x


def inspect():
    gates = nn.Sequential(Gate(), Gate())
    gates[0](torch.rand(4, 5))
    plt.imshow(gates[0].last)  # expect: DET102


inspect()

# case: a-method-reads-what-the-last-call-under-no-grad-stored-in-a-part
# After training, one call under no_grad; a method of the model then reads what its part
# stored in forward: the last call's, which requires no grad.
import torch
from torch import nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 4)

    def forward(self, x):
        self.scores = torch.softmax(self.linear(x), dim=-1)
        return self.scores * x


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.scorer = Scorer()

    def forward(self, x):
        return self.scorer(x).sum()

    def scores(self):
        return self.scorer.scores


model = Model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(2):
    optimizer.zero_grad()
    model(torch.rand(2, 4)).backward()
    optimizer.step()
with torch.no_grad():
    model(torch.rand(2, 4))
print(model.scores().numpy().shape)

# case: a-history-dict-attribute-keeps-each-key-s-entries-apart
# A trainer's history dict, made with its keys in the constructor, gets losses under one key and
# floats under another in a method; plotting the floats is safe, plotting the losses is not.
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch


class Fitter:
    def __init__(self):
        self.weight = torch.rand(3, requires_grad=True)
        self.history = {"train": [], "val": [], "step": []}

    def fit(self, steps):
        for step in range(steps):
            loss = (self.weight ** 2).sum()
            self.history["train"].append(loss)
            self.history["val"].append(loss.item())
            self.history["step"].append(step)

    def plot(self):
        plt.plot(self.history["step"], self.history["val"])
        plt.plot(self.history["train"])  # expect: DET102


fitter = Fitter()
fitter.fit(3)
fitter.plot()

# case: a-log-dict-of-a-module-level-object-filled-by-its-method-under-two-keys
# The same dict kept by an object whose method fills it through another method's return; the
# module reads one key's floats and the other key's tensors.
import numpy as np
import torch
from torch import nn


class Recorder:
    def __init__(self):
        self.log = {"loss": [], "lr": []}

    def record(self, loss, lr):
        self.log["loss"].append(loss)
        self.log["lr"].append(lr)


model = nn.Linear(2, 1)
recorder = Recorder()
for lr in (0.1, 0.01):
    recorder.record(model(torch.ones(1, 2)).sum(), lr)
print(np.mean(recorder.log["lr"]))
print(np.mean(recorder.log["loss"]))  # expect: DET102

# case: maps-stored-by-a-submodule-of-each-block-read-after-the-model-ran
# The attention module inside each block keeps its last map; the blocks sit in a ModuleList the
# model loops over, and the maps are read through both levels.
import numpy as np
import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.key = nn.Linear(4, 4)
        self.last = None

    def forward(self, x):
        self.last = torch.softmax(self.key(x) @ x.transpose(-1, -2), dim=-1)
        return self.last @ x


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = Attention()

    def forward(self, x):
        return x + self.attention(x)


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(Layer() for _ in range(2))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


model = Transformer()
model(torch.rand(1, 3, 4))
stacked = np.stack([layer.attention.last[0] for layer in model.layers])  # expect: DET102
print(stacked.shape)

# case: callbacks-held-by-a-trainer-get-a-loss-computed-from-its-batch-parameter
import numpy as np
import torch
from torch import nn


class Recorder:
    def __init__(self):
        self.rows = []

    def on_step(self, logs):
        self.rows.append(dict(logs))

    def summary(self):
        return {key: np.asarray([row[key] for row in self.rows]) for key in ("loss",)}  # expect: DET102


class Loop:
    def __init__(self, model, callbacks):
        self.model = model
        self.callbacks = list(callbacks)

    def run(self, batch):
        logs = {"loss": (self.model(batch) - batch).abs().mean()}
        for callback in self.callbacks:
            callback.on_step(logs)


recorder = Recorder()
Loop(nn.Linear(4, 4), [recorder]).run(torch.randn(3, 4))
recorder.summary()

# case: module-level-tracker-fed-by-a-function-of-its-input
import matplotlib.pyplot as plt
import torch
from torch import nn


class Tracker:
    def __init__(self):
        self.values = []

    def add(self, value):
        self.values.append(value)

    def plot(self):
        plt.plot(self.values)  # expect: DET102


net = nn.Linear(2, 2)
tracker = Tracker()


def step(inputs):
    tracker.add(net(inputs).sum() / inputs.shape[0])


for _ in range(3):
    step(torch.randn(5, 2))
tracker.plot()

# case: module-level-tracker-fed-numbers-by-a-function-of-its-input-stays-clean
import matplotlib.pyplot as plt
import torch
from torch import nn


class Tracker:
    def __init__(self):
        self.values = []

    def add(self, value):
        self.values.append(value)

    def plot(self):
        plt.plot(self.values)


net = nn.Linear(2, 2)
tracker = Tracker()


def step(inputs):
    tracker.add((net(inputs).sum() / inputs.shape[0]).item())


for _ in range(3):
    step(torch.randn(5, 2))
tracker.plot()

# case: base-constructor-keeps-a-bound-method-the-subclass-defines
import numpy as np
import torch
from torch import nn


class Metric:
    def __init__(self, name):
        self.name = name
        self._process = self.process_train

    def process(self, *args):
        return self._process(*args)


class MeanScore(Metric):
    def __init__(self, name, scale=1.0):
        super().__init__(name)
        self.scale = scale

    def process_train(self, state):
        return np.log(state["y_pred"] ** 2).mean() * self.scale


model = nn.Linear(3, 1)
metric = MeanScore("mean")
x = torch.randn(6, 3)
state = {"y_pred": model(x), "y_true": torch.zeros(6)}
print(metric.process(state))  # expect: DET102

# case: base-constructor-maps-phases-to-handlers-a-subclass-overrides
import numpy as np
import torch
from torch import nn


class Runner:
    def __init__(self, model):
        self.model = model
        self.handlers = {"train": self.on_train, "eval": self.on_eval}

    def on_train(self, loss):
        pass

    def on_eval(self, loss):
        pass

    def run(self, x, phase):
        loss = self.model(x).pow(2).mean()
        self.handlers[phase](loss)  # expect: DET102


class LoggingRunner(Runner):
    def __init__(self, model, name):
        super(LoggingRunner, self).__init__(model)
        self.name = name
        self.curve = []

    def on_train(self, loss):
        self.curve.append(np.log(loss))


runner = LoggingRunner(nn.Linear(3, 1), "run")
for _ in range(2):
    runner.run(torch.randn(5, 3), "train")

# case: base-constructor-keeps-a-bound-method-the-subclass-defines-detaching-stays-clean
import numpy as np
import torch
from torch import nn


class Stage:
    def __init__(self):
        self.transform = self.to_host

    def to_host(self, t):
        return t

    def __call__(self, t):
        return self.transform(t)


class ArrayStage(Stage):
    def __init__(self, dtype):
        super().__init__()
        self.dtype = dtype

    def to_host(self, t):
        return np.asarray(t.detach(), dtype=self.dtype)


stage = ArrayStage(np.float32)
print(stage(nn.Linear(2, 2)(torch.randn(3, 2))).dtype)

# case: what-a-quantizer-stored-in-forward-read-over-named-modules-filtered-by-class
import numpy as np
import torch
from torch import nn


class FakeQuant(nn.Module):
    def __init__(self):
        super().__init__()
        self.log_scale = nn.Parameter(torch.zeros(()))
        self.last_q = None

    def forward(self, x):
        self.last_q = torch.round(x / self.log_scale.exp())
        return self.last_q * self.log_scale.exp()


class QuantMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.q1, self.q2 = FakeQuant(), FakeQuant()

    def forward(self, x):
        return self.q2(self.q1(self.fc(x)))

    def quantizers(self):
        return {name: m for name, m in self.named_modules() if isinstance(m, FakeQuant)}


model = QuantMLP()
model(torch.randn(3, 4))
table = {name: np.unique(m.last_q) for name, m in model.quantizers().items()}  # expect: DET102

# case: what-a-gate-stored-in-forward-read-in-a-loop-over-modules
import numpy as np
import torch
from torch import nn


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(3))
        self.opened = None

    def forward(self, x):
        self.opened = torch.sigmoid(x * self.weight)
        return self.opened * x


model = nn.Sequential(nn.Linear(3, 3), Gate(), nn.ReLU(), Gate())
model(torch.randn(2, 3))
for part in model.modules():
    if isinstance(part, Gate):
        print(np.percentile(part.opened, 50))  # expect: DET102

# case: a-part-read-through-another-name-after-the-model-ran
import numpy as np
import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.scores = None

    def forward(self, x):
        self.scores = torch.softmax(self.proj(x) @ x.T, dim=-1)
        return self.scores @ x


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = Attention()

    def forward(self, x):
        return self.attn(x)


encoder = Encoder()
encoder(torch.randn(5, 4))
block = encoder.attn
print(np.round(np.asarray(block.scores), 2))  # expect: DET102

# case: a-class-filter-over-modules-keeps-only-the-parts-that-store-detached-values
import numpy as np
import torch
from torch import nn


class Recorder(nn.Module):
    def __init__(self):
        super().__init__()
        self.kept = None

    def forward(self, x):
        self.kept = x.detach()
        return x


class Tap(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(3))
        self.kept = None

    def forward(self, x):
        self.kept = x * self.weight
        return self.kept


model = nn.Sequential(nn.Linear(3, 3), Recorder(), Tap())
model(torch.randn(2, 3))
recorded = [np.asarray(m.kept) for m in model.modules() if isinstance(m, Recorder)]
print(len(recorded))

# case: a-forecast-object-indexed-by-level-through-its-getitem
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass
class Forecast:
    quantiles: torch.Tensor
    levels: tuple = (0.1, 0.5, 0.9)

    def __getitem__(self, q):
        return self.quantiles[:, self.levels.index(q)]


model = nn.Linear(4, 3)
forecast = Forecast(model(torch.randn(5, 4)))
print(np.percentile(forecast[0.5], 50))  # expect: DET102

# case: a-property-reading-the-object-through-its-own-getitem
import numpy as np
import torch
from torch import nn


class Bands:
    def __init__(self, values):
        self.values = values

    def __getitem__(self, i):
        return self.values[:, i]

    @property
    def median(self):
        return self[1]


net = nn.Linear(2, 3)
bands = Bands(net(torch.randn(4, 2)))
print(np.abs(bands.median).max())  # expect: DET102

# case: a-getitem-that-detaches-stays-clean
import numpy as np
import torch
from torch import nn


class Outputs:
    def __init__(self, values):
        self.values = values

    def __getitem__(self, i):
        return self.values[:, i].detach()


net = nn.Linear(2, 3)
outputs = Outputs(net(torch.randn(4, 2)))
print(np.asarray(outputs[0]))
